"""Price books (EXT-2, WEB-1): Salesforce's price books as last read and the Cin7 price tier
each custom book gets; the standard book always gets the default tier."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core import references, settings
from core.products import price_books
from web import listing
from web.views import partial

bp = Blueprint("price_books", __name__, url_prefix="/price-books")


def _context(errors=(), chosen=None):
    chosen = chosen if chosen is not None else settings.get("salesforce.price_books")
    tiers = references.names("price_tiers")
    found = price_books.books()
    return {"books": found, "standard": price_books.standard(found), "tiers": tiers,
            "tier_of": {book: tier for tier, book in chosen.items()},
            "default_tier": settings.get("products.price_tier") or (tiers[0] if tiers else ""),
            "read_at": price_books.read_at(), "crm": settings.crm(), "errors": list(errors)}


@bp.get("/")
def index():
    """The page; htmx swaps the table alone after a save."""
    return partial("price_books.html", "books", **_context())


@bp.post("/load")
def load():
    """Read the price books from Salesforce again, as a run."""
    return listing.refresh("pricebooks")


@bp.post("/")
def save():
    """Save tier -> book; an unknown, inactive or standard book, or a tier chosen for two
    books, is refused with its reason."""
    picked = [(request.form[key], key[len("book."):]) for key in request.form
              if key.startswith("book.") and request.form[key]]
    tiers = [tier for tier, _ in picked]
    errors = [f"tier {tier!r} is chosen for more than one price book: a tier fills one book"
              for tier in sorted(set(tiers)) if tiers.count(tier) > 1]
    chosen = dict(picked)
    if not errors:
        try:
            settings.set("salesforce.price_books", chosen)
            if "products.price_tier" in request.form:
                settings.set("products.price_tier", request.form["products.price_tier"])
        except settings.SettingError as exc:
            errors.append(str(exc))
    if errors:
        return render_template("price_books.html", **_context(errors, chosen)), 400
    flash("Price books saved.", "success")
    return redirect(url_for("price_books.index"))
