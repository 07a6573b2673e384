"""Customers (CUS-5): each Cin7 customer's HubSpot listing; search, list/update, unlink, CSV.

Reads the local catalogue (core.catalog), a page at a time, so it stays fast with 100,000
customers; "Refresh from Cin7" copies what changed in Cin7 since the last refresh.
"""

from flask import Blueprint, abort, flash, redirect, request

from core import settings
from core.customers import listing as customer_list
from core.listing import PER_PAGE
from web import listing
from web.auth import safe_next
from web.views import partial

bp = Blueprint("customers", __name__, url_prefix="/customers")


@bp.get("/")
def index():
    """A page of customers; pages are reached from a row id (keyset), never by offset."""
    filters = listing.filters()
    page = customer_list.search(**listing.page_args(), **listing.search_args(filters))
    return partial("customers.html", "table", page=page, rows=page.rows, total=page.total,
                   start=listing.start(page), per_page=PER_PAGE, filters=filters,
                   catalogue=customer_list.summary(), direction=settings.direction("customers"),
                   back=request.full_path.rstrip("?"), max_selection=listing.MAX_SELECTION)


@bp.post("/refresh")
def refresh():
    """Copy Cin7's customers into the list (those changed since the last refresh), as a run."""
    return listing.refresh("customers")


@bp.post("/sync")
def sync_selected():
    """List or update the ticked customers: a run limited to them."""
    return listing.run_ticked("customers")


@bp.post("/<cin7_id>/sync")
def sync_one(cin7_id):
    """List or update one customer now."""
    if customer_list.get(cin7_id) is None:
        abort(404)
    return listing.run_only("customers", [cin7_id])


@bp.post("/<cin7_id>/unlink")
def unlink(cin7_id):
    """Forget this customer's HubSpot links; nothing changes in HubSpot (CUS-5)."""
    record = customer_list.get(cin7_id)
    if record is None:
        abort(404)
    removed = customer_list.unlink(cin7_id)
    if request.headers.get("HX-Request") == "true":
        row = next((r for r in customer_list.search(text=cin7_id, per_page=5).rows
                    if r["cin7_id"] == cin7_id), None)
        return partial("customers.html", "row", row=row, back=request.form.get("back", ""),
                       notice=f"unlinked ({removed} link(s) forgotten)")
    flash(f"{record.name} unlinked: {removed} link(s) forgotten; nothing changed in HubSpot.",
          "success")
    return redirect(safe_next(request.form.get("back")))


@bp.get("/export.csv")
def download():
    """The filtered list as CSV."""
    rows = ((cin7_id, name, state, email, "no" if link_id is None else "yes", kind, remote_id,
             listed_at) for cin7_id, name, state, email, link_id, kind, remote_id, listed_at
            in customer_list.export_rows(**listing.search_args(listing.filters())))
    return listing.csv_download("customers.csv", ["cin7_id", "name", "status", "email", "listed",
                                                  "hubspot_type", "hubspot_id", "listed_at"], rows)
