"""Field mappings (CUS-6): rows "Cin7 field -> HubSpot property" or, with Salesforce, "Cin7
field -> Account custom field"; the connected CRM's name rules apply (core/settings.py)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core import settings
from core.customers.to_hubspot import MAPPABLE_FIELDS
from core.settings import SettingError
from web.views import partial

bp = Blueprint("mappings", __name__, url_prefix="/mappings")


# The page's words per CRM: what a target is called, an example name, its rule, and where
# the target comes from (SyncDesk creates HubSpot properties; a Salesforce admin adds fields).
WORDS = {
    "hubspot": {"target": "HubSpot property", "label": "HubSpot property name", "example": "cin7_price_tier",
                "rule": "Property names: lowercase letters, digits and underscores, starting "
                        "with a letter; not starting with hs_.",
                "intro": "Extra Cin7 customer fields sent to HubSpot companies and contacts, "
                         "one way. Each property is created in HubSpot's \"Cin7 information\" "
                         "group on the next run.",
                "added": "the property is created in HubSpot's \"Cin7 information\" group on "
                         "the next run.",
                "removed": "HubSpot keeps the property and its values."},
    "salesforce": {"target": "Salesforce Account field", "label": "Field API name",
                   "example": "Cin7_Price_Tier__c",
                   "rule": "API names end in __c; before that a letter, then letters, digits "
                           "and single underscores (at most 40), not ending in an underscore.",
                   "intro": "Extra Cin7 customer fields sent to Salesforce Accounts. Salesforce "
                            "lets no app create fields: an admin adds each one to Account in "
                            "Setup > Object Manager (Text, Number or Checkbox); a run refuses "
                            "to start while one is missing and names the steps.",
                   "added": "add the field to Account in Salesforce Setup before the next run.",
                   "removed": "Salesforce keeps the field and its values."},
}


def _words():
    return WORDS.get(settings.crm(), WORDS["hubspot"])


def _context(**extra):
    return {"rows": settings.get("customers.field_map"), "fields": list(MAPPABLE_FIELDS),
            "words": _words(), **extra}


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
    """Add one row; core refuses a name the connected CRM would reject, and says why."""
    row = {"field": request.form.get("field", "").strip(),
           "property": request.form.get("property", "").strip()}
    try:
        settings.set("customers.field_map", settings.get("customers.field_map") + [row])
    except SettingError as exc:
        return _answer(error=f"Not saved: {exc}", typed=row)
    return _answer(notice=f"{row['field']} → {row['property']} added; {_words()['added']}")


@bp.post("/remove")
def remove():
    """Remove the row for one CRM field (the field stays in the CRM)."""
    name = request.form.get("property", "")
    rows = [r for r in settings.get("customers.field_map") if r["property"] != name]
    settings.set("customers.field_map", rows)
    return _answer(notice=f"Mapping to {name} removed; {_words()['removed']}")
