"""What the customers, products and sales pages share: filters, keyset page position, runs of the
ticked records, and the streamed CSV."""

import csv
import io

from flask import Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_htmx.responses import HTMXResponseClientRedirect

from tasks import enqueue_run
from web.auth import safe_next
from web.views import current_admin

MAX_SELECTION = 500  # a run with chosen records reads each one from Cin7: keep it bounded
LISTED = {"yes": True, "no": False}


STATUSES = ("Active", "Deprecated")  # a Cin7 customer's or product's


def filters(statuses=STATUSES):
    """The search and filters asked for; only those set (they are carried in links)."""
    found = {"q": request.args.get("q", "").strip()[:200],
             "listed": request.args.get("listed") if request.args.get("listed") in LISTED else "",
             "status": request.args.get("status") if request.args.get("status") in
             statuses else ""}
    return {name: value for name, value in found.items() if value}


def search_args(chosen):
    return {"text": chosen.get("q", ""), "listed": LISTED.get(chosen.get("listed")),
            "status": chosen.get("status")}


MAX_PAGE = 1_000_000  # far beyond any list; a larger number is a made-up address


def page_number():
    """The numbered page asked for (JOOR's lists); 400 for one no list can have."""
    page = request.args.get("page", 1, type=int)
    if page > MAX_PAGE:
        abort(400)
    return max(1, page)


def page_args():
    """The keyset position asked for: after / before a row id, or the last page."""
    return {"after": request.args.get("after"), "before": request.args.get("before"),
            "last": bool(request.args.get("last"))}


def start(page):
    """Where this page starts in the list, for "51–100 of 4,000" (carried in the links)."""
    if request.args.get("last"):
        return max(0, page.total - len(page.rows))
    return max(0, request.args.get("start", 0, type=int)) if page.has_previous else 0


def start_run(entity, direction, **options):
    """Queue a run and go to its page, which follows its progress."""
    run, _ = enqueue_run(entity, direction, "panel", current_admin(), **options)
    target = url_for("runs.show", run_id=run.id)
    if request.headers.get("HX-Request") == "true":
        return HTMXResponseClientRedirect(target)
    return redirect(target)


def run_only(entity, ids):
    """Queue a run of only `ids` and go to its page."""
    return start_run(entity, "export", only=ids)


def refresh(entity):
    """Read what `entity`'s list shows from its system again, as a run (never in the
    request: a page must not wait on Cin7's rate limit)."""
    return start_run(entity, "refresh", full=bool(request.form.get("full")))


def run_ticked(entity):
    """List or update the ticked records of `entity` (customers, products)."""
    ids = list(dict.fromkeys(i for i in request.form.getlist("ids") if i))
    back = safe_next(request.form.get("back"))
    if not ids:
        flash(f"Tick the {entity} to list or update first.", "error")
        return redirect(back)
    if len(ids) > MAX_SELECTION:
        flash(f"Choose at most {MAX_SELECTION} {entity} at a time, or run a full sync.", "error")
        return redirect(back)
    return run_only(entity, ids)


def _cell(value):
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_download(filename, header, rows):
    """`rows` as a CSV attachment, streamed (never all rows in memory)."""
    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
