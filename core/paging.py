"""The page loop every export shares: window, checkpoints, selections, dry runs.

An entity gives three functions: how to read pages since a time, how to read one record, and
how to handle one page (plan it and, unless it is a dry run, apply it). Each finished page
is checkpointed, so a killed run resumes at the next page of the same window; only a run
that finishes moves the cursor.
"""

from core import cursors

FEW = 10  # up to this many chosen records are read one by one; more, page by page


def export_pages(ctx, entity, direction, read_pages, read_one, handle_page, label):
    """Read what changed (or what was chosen) page by page and hand each page over."""
    if ctx.only:
        _each(ctx, _selected(ctx, read_pages, read_one), handle_page, label, None, entity,
              direction)
        return
    window = cursors.open_window(entity, direction, full=ctx.full)
    if window.resumed:
        ctx.notes.append(f"resumed after page {window.page} of an interrupted run")
        ctx.progress.phase(f"resuming after page {window.page}")
    pages = read_pages(modified_since=window.since, start_page=window.page + 1,
                       page_size=ctx.page_size)
    _each(ctx, pages, handle_page, label, window, entity, direction)
    if not ctx.dry_run:
        cursors.window_done(entity, direction, window)


def _selected(ctx, read_pages, read_one):
    """Pages of only the chosen records: one call each for a few, else every page filtered
    (Cin7 allows 60 calls a minute; a page holds 1,000 records)."""
    wanted = set(ctx.only)
    if len(wanted) <= FEW:
        yield 1, len(wanted), [r for r in map(read_one, sorted(wanted)) if r]
        return
    for number, _, records in read_pages(page_size=ctx.page_size):
        chosen = [r for r in records if r.id in wanted]
        if chosen:
            yield number, len(wanted), chosen


def _each(ctx, pages, handle_page, label, window, entity, direction):
    ctx.progress.phase(f"reading Cin7 {label}")
    for number, total, records in pages:
        ctx.progress.phase(f"exporting page {number}", total=total)
        ctx.progress.add(read=len(records))
        handle_page(ctx, records)
        if window is not None and not ctx.dry_run:
            cursors.page_done(entity, direction, window, number)
        ctx.progress.add(done=len(records))
        ctx.progress.save(force=True)
