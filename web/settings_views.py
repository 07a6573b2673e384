"""Settings (SET-1, SET-2, AUTO-1): directions, import defaults, export options, schedule, alerts.

Every value goes through core.settings.set, which validates it and enforces SET-1 (sales
forces customers and products); this module only reads the form and reports the outcome.
"""

import datetime
import zoneinfo

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core import crms, references, settings
from core.settings import SettingError
from web import listing
from web.views import partial

bp = Blueprint("settings_views", __name__, url_prefix="/settings")

DIRECTION_KEYS = ("sales.direction", "customers.direction", "products.direction")
# Import defaults chosen from a list read from Cin7: setting -> reference book.
FROM_CIN7 = {"import.price_tier": "price_tiers", "import.location": "locations",
             "import.category": "categories", "import.payment_term": "payment_terms",
             "import.tax_rule": "tax_rules", "import.revenue_account": "accounts",
             "import.account_receivable": "accounts"}
FIXED = {"import.product_type": ("Stock", "Service"), "import.address_type": ("Billing", "Shipping"),
         "export.product_description": ("short", "full")}
SECTIONS = {
    "import": [*FROM_CIN7, "import.currency", "import.product_type", "import.address_type",
               "import.ignore_contacts_without_company", "import.create_products"],
    "export": ["export.product_description", "export.product_term", "products.price_tier",
               "suppliers.export"],
    "schedule": ["schedule.enabled", "schedule.start_date", "schedule.start_time",
                 "schedule.frequency", "schedule.every_minutes", "schedule.timezone",
                 "schedule.daily_post_time"],
    "alerts": ["slack.alerts_channel"],
    "crm": ["crm", "capsule.deprecated_tag", "capsule.match_people_by_email"],
}
LABELS = {
    "import.price_tier": "Price tier", "import.location": "Location", "import.category": "Category",
    "import.payment_term": "Payment term", "import.tax_rule": "Tax rule",
    "import.revenue_account": "Revenue account", "import.account_receivable": "Account receivable",
    "import.currency": "Customer currency", "import.product_type": "Product type",
    "import.address_type": "Address type",
    "import.ignore_contacts_without_company": "Ignore contacts without a company",
    "export.product_description": "Product description", "export.product_term": "Product term",
    "import.create_products": "Create products the CRM has and Cin7 lacks (else list them)",
    "products.price_tier": "Price tier whose price the CRM shows",
    "suppliers.export": "Export Cin7 suppliers as Vendor companies (with customers)",
    "schedule.enabled": "Run on a schedule", "schedule.start_date": "Start date",
    "schedule.start_time": "Start time", "schedule.frequency": "Frequency",
    "schedule.every_minutes": "Every N minutes", "schedule.timezone": "Time zone",
    "schedule.daily_post_time": "Daily status post at", "slack.alerts_channel": "Alerts channel",
    "crm": "Connected CRM",
    "capsule.deprecated_tag": "Capsule tag on a Deprecated customer's parties",
    "capsule.match_people_by_email": "Capsule: adopt people it already has, by e-mail "
                                     "(one extra call per new person)",
}
CHECKBOXES = {"import.ignore_contacts_without_company", "import.create_products",
              "schedule.enabled", "suppliers.export", "capsule.match_people_by_email"}


def _context(**extra):
    lists, fetched_at = references.every()
    return {"values": settings.all_settings(), "lists": lists, "lists_fetched_at": fetched_at,
            "from_cin7": FROM_CIN7, "fixed": FIXED, "frequencies": settings.FREQUENCIES,
            "timezones": sorted(zoneinfo.available_timezones()), "labels": LABELS,
            "crms": crms.CRMS,
            **extra}


@bp.get("/")
def index():
    return render_template("settings.html", **_context())


@bp.post("/directions")
def directions():
    """Save the three directions; sales first, since it may force the other two (SET-1)."""
    errors, notices = [], []
    sales = request.form.get("sales.direction", settings.get("sales.direction"))
    sales_changed = sales != settings.get("sales.direction")
    for key in DIRECTION_KEYS:
        value = request.form.get(key)
        if value is None or value == settings.get(key):
            continue
        if key in settings.followers() and sales_changed and sales != "off":
            continue  # already forced to follow sales
        try:
            for changed, new in settings.set(key, value).items():
                notices.append(f"{changed.split('.')[0]}: {new}")
        except SettingError as exc:
            errors.append(str(exc))
    if sales_changed and sales != "off" and not errors:
        notices.append("customers and products follow the sales direction (SET-1)"
                       if len(settings.followers()) == 2 else
                       "customers follow the sales direction (SET-1); products stay as chosen")
    if request.headers.get("HX-Request") == "true":
        return partial("settings.html", "directions",
                       **_context(errors=errors, notices=notices))
    _flash(errors, notices)
    return redirect(url_for("settings_views.index"))


@bp.post("/<section>")
def save(section):
    """Save one section of the form; each value is checked and refusals are reported."""
    keys = SECTIONS.get(section)
    if keys is None:
        return redirect(url_for("settings_views.index"))
    errors, saved = [], 0
    for key in keys:
        value = "on" if key in CHECKBOXES and request.form.get(key) else \
            "off" if key in CHECKBOXES else request.form.get(key)
        if value is None:
            continue
        try:
            _check(key, value.strip())
            settings.set(key, value)
            saved += 1
        except SettingError as exc:
            errors.append(f"{LABELS.get(key, key)}: {exc}")
    done = f"Connected CRM: {crms.current().name}." if section == "crm" else \
        f"{section.capitalize()} settings saved."
    _flash(errors, [done] if not errors else [])
    return redirect(url_for("settings_views.index", _anchor=section))


def _check(key, value):
    """Refuse what the form should not have sent: values outside Cin7's lists, bad times."""
    if not value:
        return
    if key in FROM_CIN7 and value not in references.names(FROM_CIN7[key]):
        raise SettingError(f"{value!r} is not in Cin7's list; read the lists again")
    if key in FIXED and value not in FIXED[key]:
        raise SettingError(f"expected one of {', '.join(FIXED[key])}")
    if key == "schedule.start_date":
        _parse(datetime.date.fromisoformat, value, "a date like 2026-01-31")
    if key in ("schedule.start_time", "schedule.daily_post_time"):
        _parse(lambda v: datetime.datetime.strptime(v, "%H:%M"), value, "a time like 08:00")
    if key == "schedule.timezone" and value not in zoneinfo.available_timezones():
        raise SettingError(f"{value!r} is not a time zone")
    if key == "schedule.every_minutes" and value.isdigit() and int(value) < 1:
        raise SettingError("every N minutes needs N of 1 or more")
    if key == "import.currency" and not (len(value) == 3 and value.isalpha()):
        raise SettingError("expected a three-letter currency code such as USD")


def _parse(parse, value, expected):
    try:
        parse(value)
    except ValueError:
        raise SettingError(f"expected {expected}, got {value!r}") from None


@bp.post("/lists")
def refresh_lists():
    """Read Cin7's reference books again (price tiers, locations, ...), as a run."""
    return listing.refresh("references")


def _flash(errors, notices):
    for error in errors:
        flash(error, "error")
    for notice in notices:
        flash(notice, "success")
