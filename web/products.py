"""Products (PRD-1, PRD-2): each Cin7 product's HubSpot listing; search, list/update, unlink,
remove from HubSpot, CSV.

Reads the local catalogue (core.catalog), a page at a time, like the customers page; the
products export fills it as it reads, and "Refresh from Cin7" copies what changed since.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from core import links, settings
from core.listing import PER_PAGE
from core.products import listing as product_list
from web import listing
from web.auth import safe_next
from web.views import partial

bp = Blueprint("products", __name__, url_prefix="/products")


@bp.get("/")
def index():
    """A page of products; pages are reached from a row id (keyset), never by offset."""
    filters = listing.filters()
    page = product_list.search(**listing.page_args(), **listing.search_args(filters))
    return partial("products.html", "table", page=page, rows=page.rows, total=page.total,
                   start=listing.start(page), per_page=PER_PAGE, filters=filters,
                   catalogue=product_list.summary(), direction=settings.direction("products"),
                   back=request.full_path.rstrip("?"), max_selection=listing.MAX_SELECTION)


@bp.post("/refresh")
def refresh():
    """Copy Cin7's products into the list (those changed since the last refresh), as a run."""
    return listing.refresh("products")


@bp.post("/sync")
def sync_selected():
    """List or update the ticked products: a run limited to them."""
    return listing.run_ticked("products")


@bp.post("/<cin7_id>/sync")
def sync_one(cin7_id):
    """List or update one product now."""
    if product_list.get(cin7_id) is None:
        abort(404)
    return listing.run_only("products", [cin7_id])


def _row(cin7_id):
    return next((r for r in product_list.search(text=cin7_id, per_page=5).rows
                 if r["cin7_id"] == cin7_id), None)


@bp.post("/<cin7_id>/unlink")
def unlink(cin7_id):
    """Forget this product's HubSpot link; nothing changes in HubSpot."""
    record = product_list.get(cin7_id)
    if record is None:
        abort(404)
    link = product_list.link(cin7_id)
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
    record = product_list.get(cin7_id)
    link = product_list.link(cin7_id)
    if record is None or link is None:
        abort(404)
    back = request.values.get("back")
    back = safe_next(back) if back else url_for("products.index")
    if request.method == "GET":
        return render_template("products_remove.html", product=record, link=link, back=back)
    return listing.start_run("products", "remove", only=[cin7_id])


@bp.get("/export.csv")
def download():
    """The filtered list as CSV."""
    rows = ((cin7_id, sku, name, state, "yes" if sellable else "no", kind,
             "no" if link_id is None else "yes", remote_id, listed_at)
            for cin7_id, sku, name, state, sellable, kind, link_id, remote_id, listed_at
            in product_list.export_rows(**listing.search_args(listing.filters())))
    return listing.csv_download("products.csv", ["cin7_id", "sku", "name", "status", "sellable",
                                                 "type", "listed", "hubspot_id", "listed_at"],
                                rows)
