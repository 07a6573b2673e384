"""Sales (SAL-2, SAL-3): each Cin7 sale's deal; search, export one or a selection, CSV.

Reads the local copy of Cin7's sales (core.sales.listing) a page at a time, like the
customers and products pages; each sales export fills it as it reads, and "Refresh from
Cin7" queues a run that copies what changed since.
"""

from flask import Blueprint, abort, request

from core import settings
from core.listing import PER_PAGE
from core.sales import listing as sale_list
from core.sales import stages
from web import listing
from web.views import partial

bp = Blueprint("sales", __name__, url_prefix="/sales")


@bp.get("/")
def index():
    """A page of sales; pages are reached from a row id (keyset), never by offset."""
    filters = listing.filters(stages.STATUSES)
    page = sale_list.search(**listing.page_args(), **listing.search_args(filters))
    return partial("sales.html", "table", page=page, rows=page.rows, total=page.total,
                   start=listing.start(page), per_page=PER_PAGE, filters=filters,
                   catalogue=sale_list.summary(), direction=settings.direction("sales"),
                   pipeline=settings.get("sales.pipeline"), statuses=stages.STATUSES,
                   back=request.full_path.rstrip("?"), max_selection=listing.MAX_SELECTION)


@bp.post("/refresh")
def refresh():
    """Copy Cin7's sales into the list (those changed since the last refresh), as a run."""
    return listing.refresh("sales")


@bp.post("/sync")
def sync_selected():
    """Export the ticked sales: a run limited to them."""
    return listing.run_ticked("sales")


@bp.post("/<cin7_id>/sync")
def sync_one(cin7_id):
    """Export one sale now."""
    if sale_list.get(cin7_id) is None:
        abort(404)
    return listing.run_only("sales", [cin7_id])


@bp.get("/export.csv")
def download():
    """The filtered list as CSV."""
    rows = sale_list.export_rows(**listing.search_args(listing.filters(stages.STATUSES)))
    return listing.csv_download("sales.csv", ["cin7_id", "order_number", "customer", "status",
                                              "total", "currency", "deal_id", "exported_at"],
                                rows)


@bp.app_template_filter("money")
def money(value):
    return "" if value is None else f"{value:,.2f}"



