"""HubSpot object types, their standard properties and groups, and property value checks."""

import re

from sandbox import clock
from sandbox.hubspot_errors import validation

# name: (object type id, upper-case name used in messages, singular)
TYPES = {
    "contacts": ("0-1", "CONTACT", "contact"),
    "companies": ("0-2", "COMPANY", "company"),
    "deals": ("0-3", "DEAL", "deal"),
    "products": ("0-7", "PRODUCT", "product"),
    "line_items": ("0-8", "LINE_ITEM", "line_item"),
}
ALIASES = {alias.lower(): name for name, (type_id, upper, single) in TYPES.items()
           for alias in (name, type_id, upper, single, name.replace("_", ""))}
MODIFIED = {"contacts": "lastmodifieddate"}  # every other object: hs_lastmodifieddate
DEFAULT_PROPERTIES = {  # what list/read return when no `properties` is asked for
    "contacts": ["firstname", "lastname", "email"],
    "companies": ["name", "domain"],
    "deals": ["dealname", "amount", "closedate", "pipeline", "dealstage"],
    "products": ["name", "description", "price"],
    "line_items": ["name", "price", "quantity", "hs_product_id"],
}
FIELD_TYPES = {  # type -> allowed fieldType (HubSpot's table, enforced since 2021)
    "bool": {"booleancheckbox", "calculation_equation"},
    "enumeration": {"booleancheckbox", "checkbox", "radio", "select", "calculation_equation"},
    "date": {"date"},
    "datetime": {"date"},
    "string": {"file", "text", "textarea", "calculation_equation", "html", "phonenumber"},
    "number": {"number", "calculation_equation"},
}
CURRENCIES = ["USD", "GBP", "EUR", "AUD", "NZD", "CAD"]
LIFECYCLE = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
             "customer", "evangelist", "other"]
LEAD_STATUS = ["NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT",
               "CONNECTED", "BAD_TIMING"]
INDUSTRIES = ["APPAREL_FASHION", "CONSUMER_GOODS", "COSMETICS", "FOOD_BEVERAGES", "FURNITURE",
              "LUXURY_GOODS_JEWELRY", "RETAIL", "SPORTING_GOODS", "WHOLESALE"]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
SEEDED_AT = "2019-08-06T02:43:01.000Z"


def object_type(raw):
    """Canonical type name ('contacts') for any alias ('contact', '0-1'); 400 otherwise."""
    name = ALIASES.get(str(raw).lower())
    if name is None:
        raise validation(f"Unable to infer object type from: {raw}")
    return name


def modified_property(kind):
    return MODIFIED.get(kind, "hs_lastmodifieddate")


def option(value, label=None, order=0):
    return {"label": label or value.replace("_", " ").title(), "value": value,
            "displayOrder": order, "hidden": False}


def definition(name, label, kind="string", field="text", group="", options=(), read_only=False,
               defined=True, unique=False, description=""):
    """A Property as GET /crm/v3/properties returns it."""
    return {
        "updatedAt": SEEDED_AT, "createdAt": SEEDED_AT, "name": name, "label": label,
        "type": kind, "fieldType": field, "description": description, "groupName": group,
        "options": [dict(o) for o in options], "displayOrder": -1, "calculated": False,
        "externalOptions": False, "hasUniqueValue": unique, "hidden": False,
        "hubspotDefined": defined,
        "modificationMetadata": {"archivable": not defined, "readOnlyDefinition": defined,
                                 "readOnlyValue": read_only},
        "formField": not read_only, "archived": False,
    }


def choices(*values):
    """Enumeration options whose labels are the values in title case."""
    return [option(v, None, i) for i, v in enumerate(values)]


def _standard(kind, group, owners, stages, pipelines):
    currency = [option(c, c, i) for i, c in enumerate(CURRENCIES)]
    owner_options = [option(o["id"], f"{o['firstName']} {o['lastName']}", i)
                     for i, o in enumerate(owners)]
    address = [("address", "Street address"), ("city", "City"), ("state", "State/Region"),
               ("zip", "Postal code"), ("country", "Country/Region"), ("website", "Website URL")]
    lifecycle = ("lifecyclestage", "Lifecycle stage", "enumeration", "radio", choices(*LIFECYCLE))
    number, textarea = ("number", "number"), ("string", "textarea")
    phone = ("string", "phonenumber")
    rows = {  # (name, label[, type, fieldType[, options]])
        "contacts": [
            ("email", "Email"), ("firstname", "First name"), ("lastname", "Last name"),
            ("phone", "Phone number", *phone), ("mobilephone", "Mobile phone number", *phone),
            ("company", "Company name"), ("jobtitle", "Job title"), *address, lifecycle,
            ("hs_lead_status", "Lead status", "enumeration", "radio", choices(*LEAD_STATUS))],
        "companies": [
            ("name", "Company name"), ("domain", "Company domain name"),
            ("phone", "Phone number", *phone), ("address2", "Street address 2"), *address,
            ("industry", "Industry", "enumeration", "select", choices(*INDUSTRIES)),
            ("description", "Description", *textarea),
            ("type", "Type", "enumeration", "select",
             choices("PROSPECT", "PARTNER", "RESELLER", "VENDOR", "OTHER")),
            lifecycle, ("numberofemployees", "Number of employees", *number),
            ("annualrevenue", "Annual revenue", *number)],
        "deals": [
            ("dealname", "Deal name"), ("amount", "Amount", *number),
            ("closedate", "Close date", "datetime", "date"),
            ("pipeline", "Pipeline", "enumeration", "select", pipelines),
            ("dealstage", "Deal stage", "enumeration", "radio", stages),
            ("deal_currency_code", "Currency", "enumeration", "select", currency),
            ("description", "Deal description", *textarea),
            ("dealtype", "Deal type", "enumeration", "radio",
             [option("newbusiness", "New Business"),
              option("existingbusiness", "Existing Business", 1)])],
        "products": [
            ("name", "Name"), ("description", "Description", *textarea),
            ("price", "Unit price", *number), ("hs_sku", "SKU"),
            ("hs_cost_of_goods_sold", "Unit cost", *number),
            ("hs_recurring_billing_period", "Term"),
            ("hs_images", "Image URL"),
            ("hs_product_type", "Product type", "enumeration", "select",
             choices("inventory", "non_inventory", "service"))],
        "line_items": [
            ("name", "Name"), ("quantity", "Quantity", *number), ("price", "Unit price", *number),
            ("amount", "Net price", *number), ("hs_product_id", "Product ID", *number),
            ("description", "Description", *textarea), ("hs_sku", "SKU"),
            ("hs_line_item_currency_code", "Currency", "enumeration", "select", currency),
            ("recurringbillingfrequency", "Billing frequency", "enumeration", "select",
             choices("monthly", "quarterly", "annually")),
            ("hs_recurring_billing_period", "Term"),
            ("hs_recurring_billing_start_date", "Billing start date", "date", "date"),
            ("discount", "Unit discount", *number),
            ("hs_discount_percentage", "Discount percentage", *number),
            ("hs_tax_rate_group_id", "Tax rate")],
    }[kind]
    props = [definition(r[0], r[1], *(r[2:4] or ()), group=group,
                        options=r[4] if len(r) > 4 else ()) for r in rows]
    if kind != "products":
        props.append(definition("hubspot_owner_id", "Owner", "enumeration", "select", group,
                                owner_options))
    system = [("hs_object_id", "Record ID", "number", "number"),
              ("createdate", "Create date", "datetime", "date"),
              (modified_property(kind), "Last modified date", "datetime", "date")]
    props += [definition(n, label, t, f, group, read_only=True) for n, label, t, f in system]
    return {p["name"]: p for p in props}


GROUPS = {"contacts": "contactinformation", "companies": "companyinformation",
          "deals": "dealinformation", "products": "productinformation",
          "line_items": "lineiteminformation"}


def standard_properties(owners, stages, pipelines):
    """name -> Property for every object type, as a new portal has them."""
    return {kind: _standard(kind, GROUPS[kind], owners, stages, list(pipelines))
            for kind in TYPES}


GROUP_LABELS = {"contacts": "Contact information", "companies": "Company information",
                "deals": "Deal information", "products": "Product information",
                "line_items": "Line item information"}


def standard_groups():
    return {kind: {group: {"name": group, "label": GROUP_LABELS[kind], "displayOrder": -1,
                           "archived": False}}
            for kind, group in GROUPS.items()}


def _as_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_value(prop, value):
    """(stored text, None) or (None, (code, message)) for one value of property `prop`."""
    text = _as_text(value).strip() if prop["type"] != "string" else _as_text(value)
    if text == "":
        return "", None  # an empty string clears the property, whatever its type
    kind, name = prop["type"], prop["name"]
    if kind == "number":
        try:
            if float(text) != float(text) or abs(float(text)) == float("inf"):
                raise ValueError
        except ValueError:
            return None, ("INVALID_INTEGER", f"{text} was not a valid number.")
        return text, None
    if kind in ("enumeration", "bool"):
        allowed = [o["value"] for o in prop["options"]]
        if prop["fieldType"] == "booleancheckbox" or kind == "bool":
            allowed = allowed or ["true", "false"]
            text = text.lower() if text.lower() in ("true", "false") else text
        values = text.lstrip(";").split(";") if prop["fieldType"] == "checkbox" else [text]
        bad = [v for v in values if v not in allowed]
        if bad:
            return None, ("INVALID_OPTION", f"{bad[0]} was not one of the allowed options: "
                                            f"[{', '.join(allowed)}]")
        return text, None
    if kind in ("datetime", "date"):
        return _check_date(kind, text)
    if name == "email" and not EMAIL.match(text):
        return None, ("INVALID_EMAIL", f"Email address {text} is invalid")
    if len(text) > 65536:
        return None, ("INVALID_LENGTH", f"{name} is longer than 65536 characters")
    return (text.lower() if name == "email" else text), None


def _check_date(kind, text):
    try:
        moment = clock.from_ms(text) if text.lstrip("-").isdigit() else clock.parse(text)
    except (ValueError, OverflowError):
        return None, ("INVALID_DATE", f"{text} is not a valid {kind}.")
    if kind == "datetime":
        return clock.iso(moment), None
    if (moment.hour, moment.minute, moment.second, moment.microsecond) != (0, 0, 0, 0):
        return None, ("INVALID_DATE", f"{text} is at {moment:%H:%M:%S} UTC, not midnight!")
    return moment.strftime("%Y-%m-%d"), None


def validate_properties(definitions, values):
    """(clean values, problems): problems are (name, code, message) for the 400 body."""
    clean, problems = {}, []
    if not isinstance(values, dict):
        raise validation("properties must be an object of property names to values")
    for name, value in values.items():
        prop = definitions.get(name)
        if prop is None or prop.get("archived"):
            problems.append((name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'))
        elif prop["modificationMetadata"]["readOnlyValue"]:
            problems.append((name, "READ_ONLY_VALUE",
                             f'"{name}" is a read only property; its value cannot be set.'))
        else:
            text, problem = check_value(prop, value)
            if problem:
                problems.append((name, *problem))
            else:
                clean[name] = text
    return clean, problems
