"""Cin7 Core sale documents: quote and order lines, their totals, and stock allocation.

A POST to /sale/quote or /sale/order overwrites the document's lines and additional charges.
Lines name a product by ProductID or SKU; Total is sent for validation and must equal
Quantity x Price less Discount [I: "for validation" is the portal's word, the tolerance is
the sandbox's]. Tax is taken as sent, else computed from the line's tax rule (exclusive).

Stock is allocated by AUTHORISED orders that have not shipped, at the sale's Location. An
order authorised beyond the available quantity backorders the rest silently, as Cin7 does.
"""

from sandbox import cin7_products
from sandbox.cin7_customers import Cin7Error

LINE = {"ProductID": None, "SKU": "", "Name": "", "Quantity": 0.0, "Price": 0.0,
        "Discount": 0.0, "Tax": 0.0, "AverageCost": 0.0, "TaxRule": "", "Comment": "",
        "Total": 0.0}
ORDER_EXTRA = {"DropShip": False, "Backorder": False, "BackorderQuantity": 0.0}
CHARGE = {"Description": "", "Price": 0.0, "Quantity": 1.0, "Discount": 0.0, "Tax": 0.0,
          "Total": 0.0, "TaxRule": "", "Comment": ""}
SHIPPED = ("SHIPPED",)


def _number(raw, field, label, low=0.0, high=None, default=None):
    if raw in (None, ""):
        if default is None:
            raise Cin7Error(f"Required attribute {field} is not provided for {label}.")
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise Cin7Error(f"{field} '{raw}' is not a valid number.") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise Cin7Error(f"{field} should be {bound}.")
    return round(value, 4)


def _product(store, raw):
    """The product a line names by ProductID (first) or SKU; 400 naming it otherwise."""
    if raw.get("ProductID"):
        product = cin7_products.find(store, raw["ProductID"])
        if product is None:
            raise Cin7Error(f"Product with ID '{raw['ProductID']}' not found.", code=404)
        return product
    sku = str(raw.get("SKU") or "").strip().lower()
    if not sku:
        raise Cin7Error("Required attribute ProductID or SKU is not provided for line.")
    for product in store["products"].values():
        if str(product["SKU"]).strip().lower() == sku:
            return product
    raise Cin7Error(f"Product with SKU '{raw['SKU']}' not found.", code=404)


def tax_rule(store, name, fallback):
    name = name or fallback
    rules = {r["Name"].lower(): r for r in store["books"]["tax"]}
    rule = rules.get(str(name or "").lower())
    if rule is None:
        raise Cin7Error(f"Tax rule '{name}' was not found in reference book", code=404)
    return rule


def _priced(store, raw, sale, label):
    """Quantity, Price, Discount, TaxRule, Tax, Total checked and computed for one row."""
    quantity = _number(raw.get("Quantity"), "Quantity", label, low=1)
    price = _number(raw.get("Price"), "Price", label)
    discount = _number(raw.get("Discount"), "Discount", label, 0, 100, default=0.0)
    rule = tax_rule(store, raw.get("TaxRule"), sale["TaxRule"])
    total = round(quantity * price * (1 - discount / 100), 2)
    sent = raw.get("Total")
    if sent not in (None, "") and abs(_number(sent, "Total", label) - total) > 0.01:
        raise Cin7Error(f"Total for {label} '{raw.get('Name') or raw.get('Description')}' "
                        f"should be {total:.2f}.")
    tax = raw.get("Tax")
    tax = _number(tax, "Tax", label) if tax not in (None, "") else \
        round(total * rule["TaxPercent"] / 100, 2)
    return {"Quantity": quantity, "Price": price, "Discount": discount, "Tax": tax,
            "TaxRule": rule["Name"], "Total": total}


def line(store, raw, sale, order=False):
    """One quote or order line as Cin7 stores it."""
    if not isinstance(raw, dict):
        raise Cin7Error("Line object is not provided.")
    product = _product(store, raw)
    if not str(raw.get("Name") or "").strip():
        raise Cin7Error("Required attribute Name is not provided for line.")
    row = {**LINE, **(ORDER_EXTRA if order else {})}
    row.update(ProductID=product["ID"], SKU=product["SKU"], Name=str(raw["Name"])[:1024],
               AverageCost=product["AverageCost"], Comment=raw.get("Comment") or "")
    row.update(_priced(store, raw, sale, "line"))
    if order:
        row["DropShip"] = bool(raw.get("DropShip"))
    return row


def charge(store, raw, sale):
    if not isinstance(raw, dict) or not str(raw.get("Description") or "").strip():
        raise Cin7Error("Required attribute Description is not provided for additional charge.")
    row = {**CHARGE, "Description": raw["Description"], "Comment": raw.get("Comment") or ""}
    row.update(_priced(store, {"Quantity": 1, **raw}, sale, "additional charge"))
    return row


def document(store, sale, body, order=False):
    """The lines, charges and totals of a quote or order POST body."""
    lines = [line(store, raw, sale, order) for raw in body.get("Lines") or []]
    charges = [charge(store, raw, sale) for raw in body.get("AdditionalCharges") or []]
    before = round(sum(r["Total"] for r in lines + charges), 2)
    tax = round(sum(r["Tax"] for r in lines + charges), 2)
    return {"Memo": body.get("Memo") or "", "Lines": lines, "AdditionalCharges": charges,
            "TotalBeforeTax": before, "Tax": tax, "Total": round(before + tax, 2)}


def allocations(store, skip=None):
    """{(product ID, location): quantity} held by authorised, unshipped orders."""
    held = {}
    for sale in store["sales"].values():
        order = sale["Order"]
        if sale["ID"] == skip or sale["Status"] == "VOIDED" or order["Status"] != "AUTHORISED" \
                or sale["CombinedShippingStatus"] in SHIPPED:
            continue
        for row in order["Lines"]:
            key = (row["ProductID"], sale["Location"])
            held[key] = held.get(key, 0.0) + row["Quantity"] - row["BackorderQuantity"]
    return held


def backorder(store, sale):
    """Set BackorderQuantity on each order line beyond the stock available at the location."""
    held = allocations(store, skip=sale["ID"])
    for row in sale["Order"]["Lines"]:
        product = cin7_products.find(store, row["ProductID"])
        if product is None or product["Type"] != "Stock" or row["DropShip"]:
            row["BackorderQuantity"], row["Backorder"] = 0.0, False
            continue
        key = (row["ProductID"], sale["Location"])
        place = store["stock"].get(row["ProductID"], {}).get(sale["Location"]) or {}
        free = place.get("OnHand", 0.0) - place.get("Allocated", 0.0) - held.get(key, 0.0)
        short = round(max(0.0, row["Quantity"] - max(free, 0.0)), 4)
        row["BackorderQuantity"], row["Backorder"] = short, short > 0
        held[key] = held.get(key, 0.0) + row["Quantity"] - short
