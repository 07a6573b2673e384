"""Sales import: a HubSpot deal -> the Cin7 sale it becomes, mapped without I/O.

Rules (SAL-5, SAL-8, SAL-9): the status comes from the stage map, restricted to the four a
new sale can have (quote draft/authorised, order draft/authorised), Estimated otherwise, and
drafted instead of authorised when the admin chose Draft. The deal's URL is the sale's
ExternalID (how a lost link is found again), its name the CustomerReference, its description
the memo; line prices and discounts as given, line descriptions as line comments, the
delivery address from the company or contact.
"""

from core.errors import RecordError
from core.records import SaleLine
from core.sales import stages

DEAL_PROPS = ["dealname", "dealstage", "pipeline", "createdate", "description", "amount",
              "deal_currency_code", "closedate", "hs_lastmodifieddate", "cin7_sale_id"]
LINE_PROPS = ["name", "quantity", "price", "hs_sku", "hs_product_id", "description",
              "hs_discount_percentage"]
ADDRESS_PROPS = {"Line1": "address", "Line2": "address2", "City": "city", "State": "state",
                 "Postcode": "zip", "Country": "country"}
DRAFTED = {"ESTIMATED": "ESTIMATING", "ORDERED": "ORDERING"}
# status -> (quote status, order status or None): the documents a new sale is created with
DOCUMENTS = {"ESTIMATING": ("DRAFT", None), "ESTIMATED": ("AUTHORISED", None),
             "ORDERING": ("AUTHORISED", "DRAFT"), "ORDERED": ("AUTHORISED", "AUTHORISED")}


def label(deal):
    return f"deal '{deal.get('dealname') or deal.id}'"


def external_id(portal_id, deal_id):
    """The deal's address in HubSpot: the sale's ExternalID (256 characters at most)."""
    return f"https://app.hubspot.com/contacts/{portal_id}/record/0-3/{deal_id}"


def status(deal, stage_map, authorise=True):
    """The Cin7 status of the sale a deal at its stage becomes."""
    chosen = stages.status_for(deal.get("dealstage"), stage_map)
    return chosen if authorise else DRAFTED.get(chosen, chosen)


def _number(item, deal, name, default=None):
    raw = item.get(name)
    if raw in ("", None):
        if default is not None:
            return default
        raise RecordError(label(deal), name, f"line '{item.get('name')}' has no {name}")
    try:
        return float(raw)
    except ValueError:
        raise RecordError(label(deal), name,
                          f"line '{item.get('name')}': {raw!r} is not a number") from None


def sale_lines(deal, items, product_of):
    """The sale's lines; `product_of(item)` finds the Cin7 product of a line item (or None).

    A line no Cin7 product matches skips the whole deal, naming it (SAL-6)."""
    lines = []
    for item in items:
        product = product_of(item)
        if product is None:
            what = item.get("hs_sku") or item.get("name") or item.id
            raise RecordError(label(deal), "hs_sku",
                              f"product {what!r} is not in Cin7 (no product with that SKU or "
                              "name): the deal is skipped until it is")
        quantity = _number(item, deal, "quantity")
        price = _number(item, deal, "price", 0.0)
        discount = _number(item, deal, "hs_discount_percentage", 0.0)
        lines.append(SaleLine(product_id=product.id, sku=product.sku,
                              name=item.get("name") or product.name, quantity=quantity,
                              price=price, discount=discount,
                              comment=item.get("description") or "",
                              total=round(quantity * price * (1 - discount / 100), 2)))
    if not lines:
        raise RecordError(label(deal), "line_items", "has no line items: nothing to sell")
    return lines


def address(source):
    """A Cin7 ShippingAddress from a HubSpot company or contact, or None without a street."""
    if source is None or not source.get("address"):
        return None
    found = {field: source.get(prop) for field, prop in ADDRESS_PROPS.items()}
    return {k: v for k, v in found.items() if v}


def header(deal, customer_id, url, ship_to, options):
    """The JSON of POST /sale for `deal`."""
    body = {"CustomerID": customer_id, "ExternalID": url,
            "CustomerReference": (deal.get("dealname") or "")[:100],
            "Type": "Advanced" if options.get("type") == "advanced" else "Simple",
            "SkipQuote": False}
    if options.get("location"):
        body["Location"] = options["location"]
    if ship_to:
        body["ShippingAddress"] = {**ship_to, "ShipToOther": False}
    return body
