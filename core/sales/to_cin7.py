"""Sales import: a CRM order (deal, opportunity, quote) -> the Cin7 sale it becomes, mapped
without I/O.

Rules (SAL-5, SAL-8, SAL-9): the status comes from the stage map, restricted to the four a
new sale can have (quote draft/authorised, order draft/authorised), Estimated otherwise, and
drafted instead of authorised when the admin chose Draft. The order's reference (a deal's
URL, a Salesforce id) is the sale's ExternalID (how a lost link is found again), its name
the CustomerReference, its description the memo; line prices and discounts as given, line
descriptions as line comments, the delivery address from the company or contact. Each CRM
reads its records into core.records.Order (core/sales/from_hubspot.py, from_salesforce.py).
"""

from core.errors import RecordError
from core.records import SaleLine
from core.sales import stages

DRAFTED = {"ESTIMATED": "ESTIMATING", "ORDERED": "ORDERING"}
# status -> (quote status, order status or None): the documents a new sale is created with
DOCUMENTS = {"ESTIMATING": ("DRAFT", None), "ESTIMATED": ("AUTHORISED", None),
             "ORDERING": ("AUTHORISED", "DRAFT"), "ORDERED": ("AUTHORISED", "AUTHORISED")}


def label(order):
    return f"{order.kind} '{order.name or order.id}'"


def status(order, stage_map, authorise=True):
    """The Cin7 status of the sale an order at its stage becomes."""
    chosen = stages.status_for(order.stage, stage_map)
    return chosen if authorise else DRAFTED.get(chosen, chosen)


def _number(line, order, name, default=None):
    raw = getattr(line, name)
    if raw in ("", None):
        if default is not None:
            return default
        raise RecordError(label(order), name, f"line '{line.name}' has no {name}")
    try:
        return float(raw)
    except ValueError:
        raise RecordError(label(order), name,
                          f"line '{line.name}': {raw!r} is not a number") from None


def sale_lines(order, product_of):
    """The sale's lines; `product_of(line)` finds the Cin7 product of a line (or None).

    A line no Cin7 product matches skips the whole order, naming it (SAL-6)."""
    lines = []
    for item in order.lines:
        product = product_of(item)
        if product is None:
            what = item.sku or item.name or item.id
            raise RecordError(label(order), "SKU",
                              f"product {what!r} is not in Cin7 (no product with that SKU or "
                              f"name): the {order.kind} is skipped until it is")
        quantity = _number(item, order, "quantity")
        price = _number(item, order, "price", 0.0)
        discount = _number(item, order, "discount", 0.0)
        lines.append(SaleLine(product_id=product.id, sku=product.sku,
                              name=item.name or product.name, quantity=quantity,
                              price=price, discount=discount, comment=item.description or "",
                              total=round(quantity * price * (1 - discount / 100), 2)))
    if not lines:
        raise RecordError(label(order), "lines", "has no line items: nothing to sell")
    return lines


def header(order, customer_id, options):
    """The JSON of POST /sale for `order`."""
    body = {"CustomerID": customer_id, "ExternalID": order.external_id,
            "CustomerReference": (order.name or "")[:100],
            "Type": "Advanced" if options.get("type") == "advanced" else "Simple",
            "SkipQuote": False}
    if options.get("location"):
        body["Location"] = options["location"]
    if order.ship_to:
        body["ShippingAddress"] = {**order.ship_to, "ShipToOther": False}
    return body
