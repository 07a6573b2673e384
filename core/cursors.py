"""Cursors: how far each entity and direction has been read, with a page checkpoint, and
the page loops every export and import shares.

A run reads everything changed since `since` up to its own start (`until`). After each
finished page the page number is saved, so a killed run resumes at the next page of the
same window; only a run that finishes moves `since` forward, to `until`.
"""

import datetime
import json
from dataclasses import dataclass

from core.store import Cursor, atomic_write, utcnow

# Re-read a little before the last run's start: clocks differ, and a re-read record whose
# payload is unchanged costs no write.
OVERLAP = datetime.timedelta(minutes=2)


@dataclass
class Window:
    since: datetime.datetime | None  # None: read everything
    until: datetime.datetime
    page: int = 0  # last finished page of this window

    @property
    def resumed(self):
        return self.page > 0


def _load(entity, direction):
    row = Cursor.get_or_none(Cursor.entity == entity, Cursor.direction == direction)
    return json.loads(row.value) if row else {}


def _store(entity, direction, data):
    with atomic_write():
        Cursor.insert(entity=entity, direction=direction, value=json.dumps(data),
                      updated_at=utcnow()).on_conflict(
            conflict_target=[Cursor.entity, Cursor.direction],
            update={Cursor.value: json.dumps(data), Cursor.updated_at: utcnow()}).execute()


def _parse(text):
    return datetime.datetime.fromisoformat(text) if text else None


def open_window(entity, direction, full=False, now=None):
    """The window a new run reads: resumes a killed run's window when there is one."""
    data = _load(entity, direction)
    if data.get("until") and data.get("page"):
        return Window(_parse(data.get("window_since")), _parse(data["until"]), data["page"])
    since = None if full else _parse(data.get("since"))
    return Window(since, now or utcnow())


def page_done(entity, direction, window, page):
    """Remember that `page` of `window` is fully written."""
    window.page = page
    data = _load(entity, direction)
    data.update(until=window.until.isoformat(), page=page,
                window_since=window.since.isoformat() if window.since else None)
    _store(entity, direction, data)


def resumable(entity, direction, window, pages, dry_run=False, note=None):
    """Pages of `window` numbered from 1: those a killed run finished are skipped, and each
    page the caller is done with (it asks for the next) is checkpointed.

    Re-reading a window yields the same pages, except for records changed since it was
    first read: those moved past its end, into the next run's window, so none is lost.
    """
    if window.resumed and note is not None:
        note(f"resumed after page {window.page} of an interrupted run")
    for number, page in enumerate(pages, start=1):
        if number <= window.page:
            continue
        yield page
        if not dry_run:
            page_done(entity, direction, window, number)


def window_done(entity, direction, window):
    """The whole window is read and written: the next run starts where this one began."""
    _store(entity, direction, {"since": (window.until - OVERLAP).isoformat()})


def describe(entity, direction):
    data = _load(entity, direction)
    return data.get("since"), data.get("page")


# -- the export page loop: window, checkpoints, selections, dry runs ---------------------

FEW = 10  # up to this many chosen records are read one by one; more, page by page


def export_pages(ctx, entity, direction, read_pages, read_one, handle_page, label):
    """Read what changed (or what was chosen) page by page and hand each page over."""
    if ctx.only:
        _each(ctx, _selected(ctx, read_pages, read_one), handle_page, label, None, entity,
              direction)
        return
    window = open_window(entity, direction, full=ctx.full)
    if window.resumed:
        ctx.notes.append(f"resumed after page {window.page} of an interrupted run")
        ctx.progress.phase(f"resuming after page {window.page}")
    pages = read_pages(modified_since=window.since, start_page=window.page + 1,
                       page_size=ctx.page_size)
    _each(ctx, pages, handle_page, label, window, entity, direction)
    if not ctx.dry_run:
        window_done(entity, direction, window)


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
            page_done(entity, direction, window, number)
        ctx.progress.add(done=len(records))
        ctx.progress.save(force=True)
