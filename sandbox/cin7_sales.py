"""Cin7 Core sales: the header (/sale), its quote and order (/sale/quote, /sale/order), void
and undo, and the /saleList query.

A sale is kept in GET /sale?ID= shape plus private "_" keys. Status and the Combined*
statuses are derived from the sub-documents after every change (the portal's status table,
simple sales only: no pick/pack stages, credit notes or partial shipments), and every change
moves LastModifiedOn, which /saleList calls Updated.
"""

import copy

from sandbox import cin7_customers, cin7_refs, cin7_sale_lines, clock
from sandbox.cin7_customers import MAX_LIMIT, Cin7Error, int_arg, new_id

TYPES = {"simple": "Simple Sale", "simple sale": "Simple Sale", "advanced": "Advanced Sale",
         "advanced sale": "Advanced Sale"}
EDITABLE = ("Contact", "Phone", "Email", "DefaultAccount", "BillingAddress", "ShippingAddress",
            "ShippingNotes", "TaxRule", "Terms", "PriceTier", "ShipBy", "Location",
            "SaleOrderDate", "Note", "CustomerReference", "Carrier", "SalesRepresentative",
            "ExternalID", "AdditionalAttributes", "SkipQuote")
DOC_STATUSES = ("DRAFT", "AUTHORISED")  # the only statuses a sub-document POST accepts
EMPTY_DOC = {"Memo": "", "Status": "NOT AVAILABLE", "Lines": [], "AdditionalCharges": [],
             "TotalBeforeTax": 0.0, "Tax": 0.0, "Total": 0.0}
# /saleList query arg -> the row field it must equal (case-insensitively)
EXACT_FILTERS = {"Status": "Status", "QuoteStatus": "QuoteStatus", "OrderStatus": "OrderStatus",
                 "CombinedShippingStatus": "CombinedShippingStatus",
                 "CombinedInvoiceStatus": "CombinedInvoiceStatus",
                 "CreditNoteStatus": "CreditNoteStatus", "ExternalID": "ExternalID",
                 "OrderLocationID": "OrderLocationID"}
SEARCHED = ("OrderNumber", "Status", "Customer", "InvoiceNumber", "CustomerReference",
            "CreditNoteNumber")


def public(sale):
    """The sale as GET /sale answers it (private keys dropped)."""
    return {k: copy.deepcopy(v) for k, v in sale.items() if not k.startswith("_")}


def find(store, sale_id):
    return store["sales"].get(str(sale_id or "").lower())


def existing(store, sale_id):
    if not sale_id:
        raise Cin7Error("Required attribute SaleID is not provided.")
    sale = find(store, sale_id)
    if sale is None:
        raise Cin7Error(f"Sale with ID '{sale_id}' not found.", code=404)
    return sale


def _customer(store, body):
    if body.get("CustomerID"):
        customer = cin7_customers.find(store, body["CustomerID"])
        if customer is None:
            raise Cin7Error(f"Customer with ID '{body['CustomerID']}' not found.", code=404)
        return customer
    name = str(body.get("Customer") or "").strip().lower()
    if not name:
        raise Cin7Error("Required attribute CustomerID or Customer is not provided.")
    for customer in store["customers"].values():
        if customer["Name"].lower() == name:
            return customer
    raise Cin7Error(f"Customer '{body['Customer']}' not found.", code=404)


def _address(customer, *types):
    for kind in types:
        for address in customer["Addresses"]:
            if address["Type"] == kind:
                keys = ("Line1", "Line2", "City", "State", "Postcode", "Country")
                return {k: address.get(k) for k in keys}
    return None


def _header(store, customer):
    """A new sale's header with the customer's defaults, as Cin7 fills them."""
    contact = next((c for c in customer["Contacts"] if c["Default"]),
                   (customer["Contacts"] or [{}])[0])
    default_location = next(loc["Name"] for loc in store["books"]["location"] if loc["IsDefault"])
    shipping = _address(customer, "Shipping", "Business", "Billing")
    return {
        "ID": None, "Customer": customer["Name"], "CustomerID": customer["ID"],
        "Contact": contact.get("Name"), "Phone": contact.get("Phone"),
        "Email": contact.get("Email"), "DefaultAccount": customer["RevenueAccount"],
        "SkipQuote": False, "BillingAddress": _address(customer, "Billing", "Business"),
        "ShippingAddress": shipping and {**shipping, "Company": customer["Name"],
                                         "Contact": contact.get("Name"), "ShipToOther": False},
        "ShippingNotes": "", "BaseCurrency": cin7_refs.me()["Currency"],
        "CustomerCurrency": customer["Currency"], "TaxRule": customer["TaxRule"],
        "TaxCalculation": "Exclusive", "Terms": customer["PaymentTerm"],
        "PriceTier": customer["PriceTier"], "ShipBy": None,
        "Location": customer["Location"] or default_location, "SaleOrderDate": None,
        "LastModifiedOn": None, "Note": "", "CustomerReference": "", "COGSAmount": 0.0,
        "Status": "ESTIMATING", "CombinedPickingStatus": "NOT AVAILABLE",
        "CombinedPackingStatus": "NOT AVAILABLE", "CombinedShippingStatus": "NOT AVAILABLE",
        "FulFilmentStatus": "NOT AVAILABLE", "CombinedInvoiceStatus": "NOT AVAILABLE",
        "CombinedPaymentStatus": "UNPAID", "CombinedTrackingNumbers": "",
        "Carrier": customer["Carrier"], "CurrencyRate": 1.0,
        "SalesRepresentative": customer["SalesRepresentative"], "Type": "Simple Sale",
        "SourceChannel": None, "ExternalID": None, "ServiceOnly": False,
        "AdditionalAttributes": {f"AdditionalAttribute{i}": "" for i in range(1, 11)},
        "Attachments": [], "Quote": {**EMPTY_DOC, "Prepayments": []},
        "Order": {"SaleOrderNumber": "", **EMPTY_DOC}, "Fulfilments": [], "Invoices": [],
        "CreditNotes": [], "ManualJournals": {"Status": "NOT AVAILABLE", "Lines": []},
        "InventoryMovements": [],
    }


def _apply(store, sale, body):
    """Copy the editable header fields of `body` onto `sale`, checking references."""
    for field in EDITABLE:
        if field in body:
            sale[field] = body[field]
    if "TaxInclusive" in body:
        inclusive = str(body["TaxInclusive"]).lower() == "true"
        sale["TaxCalculation"] = "Inclusive" if inclusive else "Exclusive"
    locations = cin7_refs.names(store["books"]["location"])
    if str(sale["Location"] or "").lower() not in locations:
        raise Cin7Error(f"Location '{sale['Location']}' was not found in reference book",
                        code=404)
    sale["Location"] = locations[str(sale["Location"]).lower()]
    sale["TaxRule"] = cin7_sale_lines.tax_rule(store, sale["TaxRule"], None)["Name"]
    if len(str(sale["ExternalID"] or "")) > 256:
        raise Cin7Error("ExternalID should not be longer than 256 characters.")
    sale["SkipQuote"] = str(sale["SkipQuote"]).lower() == "true"


def create(store, body, make_id=new_id):
    """POST /sale: a new sale header; Status ESTIMATING until a quote or order is saved."""
    if not isinstance(body, dict):
        raise Cin7Error("Sale object is not provided.")
    sale = _header(store, _customer(store, body))
    kind = str(body.get("Type") or "Simple").lower()
    if kind not in TYPES:
        raise Cin7Error(f"Type '{body['Type']}' is not valid. Allowed values: Simple, Advanced.")
    _apply(store, sale, body)
    store["sale_number"] = store.get("sale_number", 0) + 1
    sale.update(ID=make_id(), Type=TYPES[kind], _Created=clock.now_iso(),
                SaleOrderDate=sale["SaleOrderDate"] or clock.now().strftime("%Y-%m-%dT00:00:00"))
    sale["Order"]["SaleOrderNumber"] = f"SO-{store['sale_number']:05d}"
    sale["OrderLocationID"] = cin7_refs.guid("location", sale["Location"])
    store["sales"][sale["ID"].lower()] = sale
    return touch(sale)


def update(store, body):
    """PUT /sale: change the header fields given for the sale `body["ID"]`."""
    if not isinstance(body, dict) or not body.get("ID"):
        raise Cin7Error("Required attribute ID is not provided.")
    current = existing(store, body["ID"])
    if current["Status"] == "VOIDED":
        raise Cin7Error("Voided sale can not be changed.")
    sale = copy.deepcopy(current)  # validate a copy, so a refused PUT changes nothing
    _apply(store, sale, body)
    if sale["SkipQuote"] and current["Quote"]["Status"] == "AUTHORISED":
        raise Cin7Error("SkipQuote can not be set: the quote is already authorised.")
    sale["OrderLocationID"] = cin7_refs.guid("location", sale["Location"])
    store["sales"][sale["ID"].lower()] = sale
    return touch(sale)


def _doc_status(body):
    status = str(body.get("Status") or "").upper()
    if status not in DOC_STATUSES:
        raise Cin7Error(f"Status '{body.get('Status')}' is not valid. "
                        "Allowed values: DRAFT, AUTHORISED.")
    return status


def save_quote(store, body):
    """POST /sale/quote: overwrite the quote (DRAFT or NOT AVAILABLE quotes only)."""
    sale = existing(store, (body or {}).get("SaleID"))
    if sale["SkipQuote"]:
        raise Cin7Error("Quote can not be saved: SkipQuote is true for this sale.")
    if sale["Quote"]["Status"] not in ("DRAFT", "NOT AVAILABLE"):
        raise Cin7Error(f"Quote can not be saved: its status is {sale['Quote']['Status']}.")
    status = _doc_status(body)
    sale["Quote"] = {**cin7_sale_lines.document(store, sale, body), "Status": status,
                     "Prepayments": []}
    touch(sale)
    return {"SaleID": sale["ID"], **copy.deepcopy(sale["Quote"])}


def save_order(store, body):
    """POST /sale/order: overwrite the order once the quote is AUTHORISED (or skipped)."""
    sale = existing(store, (body or {}).get("SaleID"))
    if not sale["SkipQuote"] and sale["Quote"]["Status"] != "AUTHORISED":
        raise Cin7Error("Order can not be saved: the quote is not authorised.")
    if sale["Order"]["Status"] not in ("DRAFT", "NOT AVAILABLE"):
        raise Cin7Error(f"Order can not be saved: its status is {sale['Order']['Status']}.")
    status = _doc_status(body)
    if "Lines" not in body and not body.get("AdditionalCharges"):
        body = {**body, "Lines": sale["Quote"]["Lines"],  # [I] an order without lines
                "AdditionalCharges": sale["Quote"]["AdditionalCharges"]}  # copies the quote
    number = sale["Order"]["SaleOrderNumber"]
    sale["Order"] = {"SaleOrderNumber": number,
                     **cin7_sale_lines.document(store, sale, body, order=True), "Status": status}
    if status == "AUTHORISED":
        cin7_sale_lines.backorder(store, sale)
    touch(sale)
    return {"SaleID": sale["ID"], **copy.deepcopy(sale["Order"])}


def void_or_undo(store, sale_id, void):
    """DELETE /sale: Void=true voids the sale; otherwise undo its last authorised stage."""
    sale = existing(store, sale_id)
    if sale["Status"] == "VOIDED":
        raise Cin7Error("Sale is already voided.")
    if void:
        sale["_Voided"] = True
    elif sale["Invoices"] or sale["Fulfilments"]:
        raise Cin7Error("Sale can not be undone: void its invoices and fulfilments first.")
    elif sale["Order"]["Status"] == "AUTHORISED":
        sale["Order"]["Status"] = "DRAFT"
        for row in sale["Order"]["Lines"]:
            row["BackorderQuantity"], row["Backorder"] = 0.0, False
    elif sale["Quote"]["Status"] == "AUTHORISED":
        sale["Quote"]["Status"] = "DRAFT"
    return touch(sale)


def _payment_state(sale):
    invoices = [i for i in sale["Invoices"] if i["Status"] in ("AUTHORISED", "PAID")]
    total = round(sum(i["Total"] for i in invoices), 2)
    paid = round(sum(p["Amount"] for i in invoices for p in i["Payments"]), 2)
    return invoices, total, paid


def _status(sale, invoices, total, paid, shipped):
    quote, order = sale["Quote"]["Status"], sale["Order"]["Status"]
    if order == "NOT AVAILABLE":
        return "ESTIMATED" if quote == "AUTHORISED" or sale["SkipQuote"] else "ESTIMATING"
    if order == "DRAFT":
        return "ORDERING"
    if invoices:
        done = paid >= total and shipped and all(i["Status"] == "PAID" for i in invoices)
        return "COMPLETED" if done else "INVOICED"
    if any(i["Status"] == "DRAFT" for i in sale["Invoices"]):
        return "INVOICING"
    backordered = any(r["BackorderQuantity"] > 0 for r in sale["Order"]["Lines"])
    return "BACKORDERED" if backordered else "ORDERED"


def _combined(sale, invoices, total, paid, shipped):
    ordered = sale["Order"]["Status"] == "AUTHORISED"
    picked = ("PICKED", "PACKED") if shipped else ("NOT PICKED", "NOT PACKED")
    picked = picked if ordered else ("NOT AVAILABLE", "NOT AVAILABLE")
    numbers = [ln["TrackingNumber"] for f in sale["Fulfilments"] for ln in f["Ship"]["Lines"]
               if ln.get("TrackingNumber")]
    invoice = "INVOICED" if invoices else ("DRAFT" if sale["Invoices"] else "NOT INVOICED")
    payment = "UNPAID" if paid <= 0 else ("PAID" if paid >= total else "PARTIALLY PAID")
    return {
        "CombinedPickingStatus": picked[0], "CombinedPackingStatus": picked[1],
        "CombinedShippingStatus": ("SHIPPED" if shipped else "NOT SHIPPED") if ordered
        else "NOT AVAILABLE",
        "FulFilmentStatus": ("FULFILLED" if shipped else "NOT FULFILLED") if ordered
        else "NOT AVAILABLE",
        "CombinedInvoiceStatus": invoice if ordered else "NOT AVAILABLE",
        "CombinedPaymentStatus": payment,
        "CombinedTrackingNumbers": ", ".join(numbers),  # [U] the separator is not documented
    }


def touch(sale, when=None):
    """Re-derive the statuses and move LastModifiedOn (to `when` when seeding)."""
    invoices, total, paid = _payment_state(sale)
    shipped = any(f["Ship"]["Status"] == "AUTHORISED" for f in sale["Fulfilments"])
    if sale.get("_Voided"):
        sale["Status"] = "VOIDED"
        for field in _combined(sale, invoices, total, paid, shipped):
            sale[field] = "VOIDED" if field != "CombinedTrackingNumbers" else sale[field]
        for doc in (sale["Quote"], sale["Order"]):
            doc["Status"] = "VOIDED" if doc["Status"] != "NOT AVAILABLE" else doc["Status"]
    else:
        sale["Status"] = _status(sale, invoices, total, paid, shipped)
        sale.update(_combined(sale, invoices, total, paid, shipped))
    sale["LastModifiedOn"] = when or clock.now_iso()
    return sale


def row(sale):
    """One /saleList row."""
    invoices, total, paid = _payment_state(sale)
    first = invoices[0] if invoices else {}
    return {
        "SaleID": sale["ID"], "OrderNumber": sale["Order"]["SaleOrderNumber"],
        "Status": sale["Status"], "OrderDate": sale["SaleOrderDate"],
        "InvoiceDate": first.get("InvoiceDate"), "Customer": sale["Customer"],
        "CustomerID": sale["CustomerID"], "InvoiceNumber": first.get("InvoiceNumber"),
        "CustomerReference": sale["CustomerReference"], "InvoiceAmount": total,
        "PaidAmount": paid, "InvoiceDueDate": first.get("InvoiceDueDate"),
        "ShipBy": sale["ShipBy"], "BaseCurrency": sale["BaseCurrency"],
        "CustomerCurrency": sale["CustomerCurrency"], "CreditNoteNumber": None,
        "Updated": sale["LastModifiedOn"], "QuoteStatus": sale["Quote"]["Status"],
        "OrderStatus": sale["Order"]["Status"],
        **{k: sale[k] for k in ("CombinedPickingStatus", "CombinedPackingStatus",
                                "CombinedShippingStatus", "CombinedInvoiceStatus",
                                "CombinedPaymentStatus", "CombinedTrackingNumbers")},
        "CreditNoteStatus": "NOT AVAILABLE", "FulFilmentStatus": sale["FulFilmentStatus"],
        "Type": sale["Type"], "SourceChannel": sale["SourceChannel"],
        "ExternalID": sale["ExternalID"], "OrderLocationID": sale["OrderLocationID"],
    }


def _since(args, name):
    if not args.get(name):
        return None
    try:
        return clock.iso(clock.parse(args[name]))
    except ValueError:
        raise Cin7Error(f"{name} '{args[name]}' is not a valid date.") from None


def _matches(item, sale, args, updated, created):
    if updated and item["Updated"] < updated or created and sale["_Created"] < created:
        return False
    for arg, field in EXACT_FILTERS.items():
        if args.get(arg) and str(item[field] or "").lower() != args[arg].lower():
            return False
    wanted = str(args.get("Search") or "").lower()
    return not wanted or any(wanted in str(item[f] or "").lower() for f in SEARCHED)


def query(store, args):
    """GET /saleList: {"Total", "Page", "SaleList"}, oldest change first [I: the order is
    not documented; Updated then ID keeps paging stable]."""
    page = int_arg(args, "Page", 1, 1)
    limit = int_arg(args, "Limit", 100, 1, MAX_LIMIT)
    updated, created = _since(args, "UpdatedSince"), _since(args, "CreatedSince")
    found = [item for sale in store["sales"].values()
             if _matches(item := row(sale), sale, args, updated, created)]
    found.sort(key=lambda r: (r["Updated"], r["SaleID"]))
    return {"Total": len(found), "Page": page, "SaleList": found[(page - 1) * limit:
                                                                 page * limit]}
