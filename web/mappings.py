"""Field mappings (CUS-6): rows "Cin7 field -> HubSpot property"; HubSpot's name rules apply."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core import settings
from core.customers.to_hubspot import MAPPABLE_FIELDS
from core.settings import SettingError
from web.views import partial

bp = Blueprint("mappings", __name__, url_prefix="/mappings")


def _context(**extra):
    return {"rows": settings.get("customers.field_map"), "fields": list(MAPPABLE_FIELDS),
            **extra}


@bp.get("/")
def index():
    return render_template("mappings.html", **_context())


def _answer(error=None, notice=None, typed=None):
    """The mappings block for htmx; otherwise flash and back to the page."""
    if request.headers.get("HX-Request") == "true":
        return partial("mappings.html", "mappings",
                       **_context(error=error, notice=notice, typed=typed or {}))
    flash(error or notice, "error" if error else "success")
    return redirect(url_for("mappings.index"))


@bp.post("/add")
def add():
    """Add one row; core refuses a property name HubSpot would reject, and says why."""
    row = {"field": request.form.get("field", "").strip(),
           "property": request.form.get("property", "").strip()}
    try:
        settings.set("customers.field_map", settings.get("customers.field_map") + [row])
    except SettingError as exc:
        return _answer(error=f"Not saved: {exc}", typed=row)
    return _answer(notice=f"{row['field']} → {row['property']} added; the property is created "
                          "in HubSpot's \"Cin7 information\" group on the next run.")


@bp.post("/remove")
def remove():
    """Remove the row for one HubSpot property (the property stays in HubSpot)."""
    name = request.form.get("property", "")
    rows = [r for r in settings.get("customers.field_map") if r["property"] != name]
    settings.set("customers.field_map", rows)
    return _answer(notice=f"Mapping to {name} removed; HubSpot keeps the property and its values.")
