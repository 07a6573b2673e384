"""What a deal carries of its sale (SAL-4, SAL-10): Cin7 sale fields and the deal properties
they go to, all in the "Cin7 information" group. The admin may rename a property; a field
left out keeps its default name."""

import re

PROPERTY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
# field: (default property, label, HubSpot type, value of a Sale)
FIELDS = {
    "Order Number": ("cin7_order_number", "Cin7 order number", "string",
                     lambda s: s.order_number),
    "Order Total": ("cin7_order_total", "Cin7 order total", "number", lambda s: s.order_total),
    "Order Status": ("cin7_order_status", "Cin7 sale status", "string", lambda s: s.status),
    "Invoice Total": ("cin7_invoice_total", "Cin7 invoice total", "number",
                      lambda s: s.invoice_total),
    "Invoice Paid": ("cin7_invoice_paid", "Cin7 amount paid", "number",
                     lambda s: s.paid_amount),
    "Invoice Status": ("cin7_invoice_status", "Cin7 invoice status", "string",
                       lambda s: s.invoice_status),
    "Payment Status": ("cin7_payment_status", "Cin7 payment status", "string",
                       lambda s: s.payment_status),
    "Shipment Status": ("cin7_shipment_status", "Cin7 shipment status", "string",
                        lambda s: s.shipment_status),
    "Tracking Numbers": ("cin7_tracking_numbers", "Cin7 tracking numbers", "string",
                         lambda s: ", ".join(s.tracking_numbers)),
}
FIELD_TYPES = {"string": "text", "number": "number"}


def parse_map(value):
    """{field: property} from "Field=property,…" text (or a dict), checked."""
    pairs = list(value.items()) if isinstance(value, dict) else \
        [p.partition("=")[::2] for p in str(value).split(",") if p.strip()]
    mapping, seen = {}, set()
    for field, prop in pairs:
        field, prop = field.strip(), prop.strip()
        if field not in FIELDS:
            raise ValueError(f"{field!r} is not a sale field SyncDesk exports "
                             f"(one of {', '.join(FIELDS)})")
        if not PROPERTY_NAME.match(prop) or prop.startswith("hs_"):
            raise ValueError(f"HubSpot would reject property name {prop!r}: lowercase letters, "
                             "digits and underscores, starting with a letter, not hs_")
        if prop in seen:
            raise ValueError(f"property {prop!r} is mapped twice")
        seen.add(prop)
        mapping[field] = prop
    return mapping


def mapping(stored):
    """Every field with its property: the stored choices over the defaults."""
    return {field: stored.get(field, spec[0]) for field, spec in FIELDS.items()}


def property_specs(stored):
    """SyncDesk's deal and line item properties, for ensure_properties."""
    text = {"type": "string", "fieldType": "text"}
    deal = [{"name": "cin7_sale_id", "label": "Cin7 sale ID", "hasUniqueValue": True,
             "description": "Cin7 Core sale ID, kept by SyncDesk", **text}]
    for field, prop in mapping(stored).items():
        _, label, kind, _ = FIELDS[field]
        deal.append({"name": prop, "label": label, "type": kind,
                     "fieldType": FIELD_TYPES[kind]})
    line = [{"name": "cin7_line_key", "label": "Cin7 sale line", "hasUniqueValue": True,
             "description": "Cin7 sale ID and line number, kept by SyncDesk", **text}]
    return {"deals": deal, "line_items": line}


def values(sale, stored):
    """The mapped properties of `sale` as HubSpot text values."""
    out = {}
    for field, prop in mapping(stored).items():
        value = FIELDS[field][3](sale)
        out[prop] = "" if value is None else (f"{value:g}" if isinstance(value, float) else
                                              str(value))
    return out
