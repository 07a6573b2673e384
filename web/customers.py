"""Customers (CUS-5): each Cin7 customer's HubSpot listing; search, list/update, unlink, CSV.

Reads the local catalogue (core.catalog), a page at a time, so it stays fast with 100,000
customers; "Refresh from Cin7" copies what changed in Cin7 since the last refresh.
"""

import csv
import io

from flask import Blueprint, Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_htmx.responses import HTMXResponseClientRedirect

from core import catalog, settings
from core.errors import SyncError
from web import current_admin, current_config
from web.auth import safe_next
from web.views import partial

bp = Blueprint("customers", __name__, url_prefix="/customers")

MAX_SELECTION = 500  # a run with chosen records reads each one from Cin7: keep it bounded
LISTED = {"yes": True, "no": False}


def _filters():
    """The search and filters asked for; only those set (they are carried in links)."""
    found = {"q": request.args.get("q", "").strip()[:200],
             "listed": request.args.get("listed") if request.args.get("listed") in LISTED else "",
             "status": request.args.get("status") if request.args.get("status") in
             ("Active", "Deprecated") else ""}
    return {name: value for name, value in found.items() if value}


def _search_args(filters):
    return {"text": filters.get("q", ""), "listed": LISTED.get(filters.get("listed")),
            "status": filters.get("status")}


@bp.get("/")
def index():
    """A page of customers; pages are reached from a row id (keyset), never by offset."""
    filters = _filters()
    page = catalog.search(after=request.args.get("after"), before=request.args.get("before"),
                          last=bool(request.args.get("last")), **_search_args(filters))
    return partial("customers.html", "table", page=page, rows=page.rows, total=page.total,
                   start=_start(page), per_page=catalog.PER_PAGE, filters=filters,
                   catalogue=catalog.summary(), direction=settings.direction("customers"),
                   back=request.full_path.rstrip("?"), max_selection=MAX_SELECTION)


def _start(page):
    """Where this page starts in the list, for "51–100 of 4,000" (carried in the links)."""
    if request.args.get("last"):
        return max(0, page.total - len(page.rows))
    return max(0, request.args.get("start", 0, type=int)) if page.has_previous else 0


@bp.post("/refresh")
def refresh():
    """Copy Cin7's customers into the catalogue (only those changed since the last refresh)."""
    full = bool(request.form.get("full"))
    try:
        count = catalog.refresh_customers(current_config(), full=full)
    except SyncError as exc:
        flash(f"Could not read customers from Cin7: {exc}", "error")
    else:
        flash(f"{count} customer(s) read from Cin7.", "success")
    return redirect(url_for("customers.index"))


def _enqueue(ids):
    from tasks import enqueue_run  # late: importing tasks opens the queue

    run, _ = enqueue_run("customers", "export", "panel", current_admin(), only=ids)
    target = url_for("runs.show", run_id=run.id)
    if request.headers.get("HX-Request") == "true":
        return HTMXResponseClientRedirect(target)
    return redirect(target)


@bp.post("/sync")
def sync_selected():
    """List or update the ticked customers: a run limited to them."""
    ids = list(dict.fromkeys(i for i in request.form.getlist("ids") if i))
    if not ids:
        flash("Tick the customers to list or update first.", "error")
        return redirect(safe_next(request.form.get("back")))
    if len(ids) > MAX_SELECTION:
        flash(f"Choose at most {MAX_SELECTION} customers at a time, or run a full sync.", "error")
        return redirect(safe_next(request.form.get("back")))
    return _enqueue(ids)


@bp.post("/<cin7_id>/sync")
def sync_one(cin7_id):
    """List or update one customer now."""
    if catalog.get(cin7_id) is None:
        abort(404)
    return _enqueue([cin7_id])


@bp.post("/<cin7_id>/unlink")
def unlink(cin7_id):
    """Forget this customer's HubSpot links; nothing changes in HubSpot (CUS-5)."""
    record = catalog.get(cin7_id)
    if record is None:
        abort(404)
    removed = catalog.unlink(cin7_id)
    if request.headers.get("HX-Request") == "true":
        row = next((r for r in catalog.search(text=cin7_id, per_page=5).rows
                    if r["cin7_id"] == cin7_id), None)
        return partial("customers.html", "row", row=row, back=request.form.get("back", ""),
                       notice=f"unlinked ({removed} link(s) forgotten)")
    flash(f"{record.name} unlinked: {removed} link(s) forgotten; nothing changed in HubSpot.",
          "success")
    return redirect(safe_next(request.form.get("back")))


def _cell(value):
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/export.csv")
def download():
    """The filtered list as CSV, streamed row by row (never all rows in memory)."""
    args = _search_args(_filters())

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["cin7_id", "name", "status", "email", "listed", "hubspot_type",
                         "hubspot_id", "listed_at"])
        for cin7_id, name, state, email, link_id, kind, remote_id, listed_at in \
                catalog.export_rows(**args):
            writer.writerow([_cell(v) for v in (cin7_id, name, state, email,
                                                "no" if link_id is None else "yes", kind,
                                                remote_id, listed_at)])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=customers.csv"})
