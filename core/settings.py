"""Admin settings kept in the store: master switch, directions, defaults, mappings, schedule."""

import datetime
import re

from core.customers import to_salesforce
from core.customers.to_hubspot import MAPPABLE_FIELDS
from core.errors import SyncError, SyncOff
from core.joor.models import JoorCustomer, MatchProposal
from core.products import price_books
from core.sales import fields as sale_fields
from core.sales import milestones, stages
from core.store import Cursor, Setting, atomic_write

ENTITIES = ("customers", "products", "sales")
DIRECTIONS = ("off", "export", "import")
FREQUENCIES = ("2h", "4h", "8h", "12h", "daily", "minutes")
CRMS = ("hubspot", "salesforce", "capsule")  # one connected CRM per install (EXT-2, EXT-3)
JOOR_SOURCES = ("core", "omni")  # the inventory system whose customers the JOOR flows read

# key -> (default, parser). A parser turns text from the CLI or a form into the stored value.
DEFAULTS = {
    "sync.enabled": False,
    "crm": "hubspot",  # the CRM customers, products and sales sync with
    "customers.direction": "export",
    "products.direction": "export",
    "products.price_tier": "",  # the tier whose price is HubSpot's price; "" = the first
    "salesforce.price_books": {},  # Cin7 tier name -> Pricebook2 id (the standard book: above)
    "sales.direction": "off",
    "sales.pipeline": "",  # the HubSpot deals pipeline sales map to (SAL-1)
    "sales.stage_map": {},  # stage id -> Cin7 sale status; a stage left out is unmapped
    "sales.trigger_stage": "",  # import: a deal at (or past) this stage becomes a sale
    "sales.import_since": "",  # import: deals created on or after this date (YYYY-MM-DD)
    "sales.export_since": "",  # export: sales dated on or after this date; "" = all
    "sales.field_map": {},  # SAL-4: Cin7 sale field -> deal property; {} = the defaults
    "sales.when_short": "backorder",  # SAL-7: backorder (Cin7's way) or wait for stock
    "sales.import_authorise": True,  # SAL-9: create the quote/order Authorised, else Draft
    "sales.import_type": "simple",  # SAL-9: Simple or Advanced sale
    "sales.import_location": "",  # SAL-9: "" = the customer's default location
    "salesforce.sales_from": "",  # import from Salesforce: opportunities or quotes ("" = not chosen)
    "salesforce.trigger_stage": "",  # an opportunity at this stage (or won) becomes a sale
    "salesforce.stage_map": {},  # Salesforce stage or quote status -> Cin7 sale status (SAL-5)
    "salesforce.export_stage_map": {},  # export: Cin7 sale status -> opportunity stage label
    "customers.field_map": [],
    "suppliers.export": False,  # CUS-11: customers export also writes suppliers as vendors
    "import.currency": "",
    "import.payment_term": "",
    "import.tax_rule": "",
    "import.revenue_account": "",
    "import.account_receivable": "",
    "import.price_tier": "",
    "import.location": "",
    "import.category": "",
    "import.product_type": "Stock",
    "import.create_products": True,  # off: unmatched HubSpot products are listed, not created
    "import.address_type": "Billing",
    "import.ignore_contacts_without_company": False,
    "export.product_description": "short",
    "export.product_term": "",  # months, e.g. 12 -> P12M; "" = none
    "schedule.enabled": False,
    "schedule.start_date": "",
    "schedule.start_time": "00:00",
    "schedule.frequency": "2h",
    "schedule.every_minutes": 15,
    "schedule.timezone": "UTC",
    "schedule.daily_post_time": "08:00",
    "slack.alerts_channel": "",
    "joor.upload": False,
    "joor.update": False,
    "joor.customer_code_field": "ID",
    "joor.source": "core",  # Cin7 Core or Cin7 Omni (EXT-1); HubSpot flows are Core only
    "cin7.sales_reps": [],
    "capsule.deprecated_tag": "Deprecated",  # the tag a Deprecated customer's parties carry
    "capsule.match_people_by_email": False,  # export: adopt a person Capsule already has
    "capsule.milestone_map": {},  # Cin7 sale status -> Capsule milestone id (EXT-3)
}

# Settings that change what an export writes for every record: changing one re-reads them.
REREAD = {"products.price_tier": ("products", "export"),
          "salesforce.price_books": ("products", "export"),
          "export.product_description": ("products", "export"),
          "export.product_term": ("products", "export"),
          "customers.field_map": ("customers", "export"),
          "sales.field_map": ("sales", "export")}

PROPERTY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


class SettingError(SyncError):
    """A setting value was refused; the message says why."""


def _bool(text):
    if isinstance(text, bool):
        return text
    value = str(text).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise SettingError(f"expected on/off, got {text!r}")


def _choice(choices):
    def parse(text):
        value = str(text).strip().lower()
        if value not in choices:
            raise SettingError(f"expected one of {', '.join(choices)}, got {text!r}")
        return value
    return parse


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        raise SettingError(f"expected a whole number, got {text!r}") from None


def _list(text):
    if isinstance(text, list):
        return text
    return [v.strip() for v in str(text).split(",") if v.strip()]


def _months(text):
    value = str(text).strip()
    if value and not value.isdigit():
        raise SettingError(f"expected a number of months (or nothing), got {text!r}")
    return value


def _date(text):
    value = str(text).strip()
    try:
        return datetime.date.fromisoformat(value).isoformat() if value else ""
    except ValueError:
        raise SettingError(f"expected a date as YYYY-MM-DD (or nothing), got {text!r}") from None


def _checked(check):
    """A parser from a check that raises ValueError with the reason."""
    def parse(text):
        try:
            return check(text)
        except ValueError as exc:
            raise SettingError(str(exc)) from None
    return parse


SALES_PARSERS = {
    "sales.pipeline": _checked(stages.check_pipeline),
    "sales.stage_map": _checked(lambda text: stages.parse_map(text, get("sales.pipeline"))),
    "sales.trigger_stage": _checked(lambda text: stages.check_stage(text,
                                                                    get("sales.pipeline"))),
    "sales.import_since": _date,
    "sales.export_since": _date,
    "sales.field_map": _checked(sale_fields.parse_map),
    "sales.when_short": _choice(("backorder", "wait")),
    "sales.import_type": _choice(("simple", "advanced")),
    "salesforce.sales_from": _choice(("opportunities", "quotes", "")),
    "salesforce.stage_map": _checked(stages.parse_labels),
    "salesforce.export_stage_map": _checked(stages.parse_export_labels),
    "salesforce.price_books": _checked(price_books.parse_map),
    "capsule.milestone_map": _checked(milestones.parse_map),
}


def _parser(key):
    default = DEFAULTS[key]
    if key in SALES_PARSERS:
        return SALES_PARSERS[key]
    if key == "export.product_term":
        return _months
    if key.endswith(".direction"):
        return _choice(DIRECTIONS)
    if key == "joor.source":
        return _choice(JOOR_SOURCES)
    if key == "crm":
        return _choice(CRMS)
    if key == "schedule.frequency":
        return _choice(FREQUENCIES)
    if key == "import.address_type":
        return _choice(("billing", "shipping"))
    if key == "import.product_type":
        return lambda text: _choice(("stock", "service"))(text).capitalize()
    if key == "export.product_description":
        return _choice(("short", "full"))
    if isinstance(default, bool):
        return _bool
    if isinstance(default, int):
        return _int
    if isinstance(default, list):
        return _list
    return lambda text: str(text).strip()


def get(key):
    """The stored value of `key`, or its default."""
    if key not in DEFAULTS:
        raise SettingError(f"unknown setting {key!r}")
    row = Setting.get_or_none(Setting.key == key)
    return DEFAULTS[key] if row is None else row.value


def all_settings():
    """Every setting with its current value."""
    stored = {s.key: s.value for s in Setting.select() if s.key in DEFAULTS}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def set(key, value):  # noqa: A001 - reads as settings.set(key, value)
    """Validate and store one setting; returns every key changed (SET-1 may force others)."""
    if key not in DEFAULTS:
        raise SettingError(f"unknown setting {key!r}; see `syncdesk settings show`")
    parsed = _parser(key)(value)
    if key == "import.address_type":
        parsed = parsed.capitalize()
    if key == "customers.field_map":
        parsed = validate_field_map(parsed)
    changed, previous = {key: parsed}, get(key)
    if key == "sales.pipeline" and parsed != get("sales.pipeline"):
        changed.update({"sales.stage_map": {}, "sales.trigger_stage": ""})  # another's stages
    follow = followers()
    if key == "products.direction" and parsed == "import" and crm() != "hubspot":
        raise SettingError(f"products cannot import from {crm().capitalize()}: Cin7 owns the "
                           "products and they go out to the CRM (choose export or off)")
    if key == "sales.direction" and parsed != "off":
        changed.update({k: parsed for k in follow})
    if key in follow:
        sales = get("sales.direction")
        if sales != "off" and parsed != sales:
            raise SettingError(f"sales sync is set to {sales}: customers"
                               f"{' and products' if len(follow) == 2 else ''} must follow "
                               "it (switch sales off first)")
    with atomic_write():
        for k, v in changed.items():
            Setting.replace(key=k, value=v).execute()
        if key == "joor.source" and parsed != previous:
            _forget_joor_customers()
        if key in REREAD and parsed != previous:
            # What every record's payload holds changed: the next export reads them all
            # again (unchanged ones still cost no write, their fingerprints tell).
            entity, way = REREAD[key]
            Cursor.delete().where(Cursor.entity == entity, Cursor.direction == way).execute()
        if key == "crm" and parsed != previous:
            # Cursors say what the other CRM already has; the new one starts from the top.
            Cursor.delete().execute()
    return changed


def _forget_joor_customers():
    """Another inventory system for JOOR: the copy of the other one's customers and its open
    match questions go (they name its ids); links and decisions already taken stay."""
    JoorCustomer.delete().execute()
    MatchProposal.delete().where(MatchProposal.status.in_(("review", "alternative"))).execute()


def validate_field_map(rows):
    """Check "Cin7 field -> CRM field" rows; the connected CRM's naming rule applies
    (HubSpot's property names, Salesforce's custom field API names)."""
    clean, seen = [], []
    for row in rows:
        if isinstance(row, str):
            field, _, prop = row.partition("=")
            row = {"field": field.strip(), "property": prop.strip()}
        field, prop = row.get("field", ""), row.get("property", "")
        if field not in MAPPABLE_FIELDS:
            raise SettingError(f"{field!r} is not a Cin7 customer field that can be mapped")
        if crm() == "salesforce":  # an Account custom field's API name
            if to_salesforce.name_problem(prop):
                raise SettingError(f"Salesforce would reject field name {prop!r}: "
                                   + to_salesforce.name_problem(prop))
        elif not PROPERTY_NAME.match(prop):
            raise SettingError(f"HubSpot would reject property name {prop!r}: use lowercase "
                               "letters, digits and underscores, starting with a letter")
        if prop.startswith("hs_"):
            raise SettingError(f"{prop!r}: names starting with hs_ are reserved by HubSpot")
        if prop in seen:
            raise SettingError(f"property {prop!r} is mapped twice")
        seen.append(prop)
        clean.append({"field": field, "property": prop})
    return clean


def sync_enabled():
    return bool(get("sync.enabled"))


def require_sync_on():
    """Raise SyncOff while the master switch is off (CON-2)."""
    if not sync_enabled():
        raise SyncOff("synchronisation is switched off (CON-2): turn it on in the panel or "
                      "with `syncdesk settings set sync.enabled on`")


def crm():
    """The connected CRM: "hubspot", "salesforce" or "capsule"."""
    return get("crm")


def followers():
    """SET-1: the direction settings that follow sales. Customers always; products only with
    HubSpot: Salesforce and Capsule import no products (Cin7 owns them; they go out)."""
    if crm() == "hubspot":
        return ("customers.direction", "products.direction")
    return ("customers.direction",)


def direction(entity):
    return get(f"{entity}.direction")
