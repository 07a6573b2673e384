"""Products (PRD-1, PRD-2): each Cin7 product's HubSpot listing; search, list/update, unlink,
remove from HubSpot, CSV.

Reads the local catalogue (core.catalog), a page at a time, like the customers page; the
products export fills it as it reads, and "Refresh from Cin7" copies what changed since.
"""

import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_htmx.responses import HTMXResponseClientRedirect

from core import catalog, links, settings
from core.connections import effective_config
from core.errors import SyncError
from web import current_admin, current_config
from web.auth import safe_next
from web.views import partial

bp = Blueprint("products", __name__, url_prefix="/products")

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
    """A page of products; pages are reached from a row id (keyset), never by offset."""
    filters = _filters()
    page = catalog.search_products(after=request.args.get("after"),
                                   before=request.args.get("before"),
                                   last=bool(request.args.get("last")), **_search_args(filters))
    return partial("products.html", "table", page=page, rows=page.rows, total=page.total,
                   start=_start(page), per_page=catalog.PER_PAGE, filters=filters,
                   catalogue=catalog.product_summary(), direction=settings.direction("products"),
                   back=request.full_path.rstrip("?"), max_selection=MAX_SELECTION)


def _start(page):
    """Where this page starts in the list, for "51–100 of 4,000" (carried in the links)."""
    if request.args.get("last"):
        return max(0, page.total - len(page.rows))
    return max(0, request.args.get("start", 0, type=int)) if page.has_previous else 0


@bp.post("/refresh")
def refresh():
    """Copy Cin7's products into the catalogue (only those changed since the last refresh)."""
    full = bool(request.form.get("full"))
    try:
        count = catalog.refresh_products(current_config(), full=full)
    except SyncError as exc:
        flash(f"Could not read products from Cin7: {exc}", "error")
    else:
        flash(f"{count} product(s) read from Cin7.", "success")
    return redirect(url_for("products.index"))


def _enqueue(ids):
    from tasks import enqueue_run  # late: importing tasks opens the queue

    run, _ = enqueue_run("products", "export", "panel", current_admin(), only=ids)
    target = url_for("runs.show", run_id=run.id)
    if request.headers.get("HX-Request") == "true":
        return HTMXResponseClientRedirect(target)
    return redirect(target)


@bp.post("/sync")
def sync_selected():
    """List or update the ticked products: a run limited to them."""
    ids = list(dict.fromkeys(i for i in request.form.getlist("ids") if i))
    if not ids:
        flash("Tick the products to list or update first.", "error")
        return redirect(safe_next(request.form.get("back")))
    if len(ids) > MAX_SELECTION:
        flash(f"Choose at most {MAX_SELECTION} products at a time, or run a full sync.", "error")
        return redirect(safe_next(request.form.get("back")))
    return _enqueue(ids)


@bp.post("/<cin7_id>/sync")
def sync_one(cin7_id):
    """List or update one product now."""
    if catalog.get_product(cin7_id) is None:
        abort(404)
    return _enqueue([cin7_id])


def _row(cin7_id):
    return next((r for r in catalog.search_products(text=cin7_id, per_page=5).rows
                 if r["cin7_id"] == cin7_id), None)


@bp.post("/<cin7_id>/unlink")
def unlink(cin7_id):
    """Forget this product's HubSpot link; nothing changes in HubSpot."""
    record = catalog.get_product(cin7_id)
    if record is None:
        abort(404)
    link = catalog.product_link(cin7_id)
    removed = links.unlink(link.id) if link else 0
    if request.headers.get("HX-Request") == "true":
        return partial("products.html", "row", row=_row(cin7_id),
                       back=request.form.get("back", ""),
                       notice=f"unlinked ({removed} link(s) forgotten)")
    flash(f"{record.name} unlinked: {removed} link(s) forgotten; nothing changed in HubSpot.",
          "success")
    return redirect(safe_next(request.form.get("back")))


@bp.route("/<cin7_id>/remove", methods=("GET", "POST"))
def remove(cin7_id):
    """Ask first (GET), then archive the HubSpot product and forget its link (POST, PRD-2)."""
    record = catalog.get_product(cin7_id)
    link = catalog.product_link(cin7_id)
    if record is None or link is None:
        abort(404)
    back = request.values.get("back")
    back = safe_next(back) if back else url_for("products.index")
    if request.method == "GET":
        return render_template("products_remove.html", product=record, link=link, back=back)
    try:
        links.remove_product(effective_config(current_config()), link.id)
    except (SyncError, ValueError) as exc:
        flash(f"Could not remove {record.name} from HubSpot: {exc}", "error")
    else:
        flash(f"{record.name} removed from HubSpot (archived product {link.remote_id}); "
              "the Cin7 product stays.", "success")
    return redirect(back)


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
        writer.writerow(["cin7_id", "sku", "name", "status", "sellable", "type", "listed",
                         "hubspot_id", "listed_at"])
        for cin7_id, sku, name, state, sellable, kind, link_id, remote_id, listed_at in \
                catalog.export_product_rows(**args):
            writer.writerow([_cell(v) for v in (cin7_id, sku, name, state,
                                                "yes" if sellable else "no", kind,
                                                "no" if link_id is None else "yes",
                                                remote_id, listed_at)])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=products.csv"})
