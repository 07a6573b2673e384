"""What a Cin7 user does to a sale after its order: invoice it, record payments, ship it.

The sandbox serves no /sale/invoice, /sale/payment or /sale/fulfilment endpoints; these are
reached through PATCH /_sandbox/cin7/sales/<id> and the seed, so a sync can be shown sales
that move on in Cin7. Simple sales only: one invoice and one fulfilment per sale.
"""

import datetime

from sandbox import cin7_sales, clock
from sandbox.cin7_customers import Cin7Error, new_id

ACTIONS = ("invoice", "pay", "ship")


def _day(when):
    return clock.parse(when).strftime("%Y-%m-%dT00:00:00")


def invoice(store, sale, when, make_id=new_id):
    """Authorise one invoice for the whole order, due in 30 days."""
    if sale["Order"]["Status"] != "AUTHORISED":
        raise Cin7Error("Invoice can not be authorised: the order is not authorised.")
    if sale["Invoices"]:
        raise Cin7Error("This sale already has an invoice.")
    order = sale["Order"]
    due = clock.parse(when) + datetime.timedelta(days=30)
    sale["Invoices"].append({
        "TaskID": make_id(), "InvoiceNumber": f"INV-{order['SaleOrderNumber'][3:]}",
        "Status": "AUTHORISED", "InvoiceDate": _day(when),
        "InvoiceDueDate": due.strftime("%Y-%m-%dT00:00:00"), "Memo": "",
        "LinkedFulfillmentNumber": "1", "CurrencyConversionRate": 1.0,
        "Lines": [{k: v for k, v in ln.items() if k not in ("DropShip", "Backorder",
                                                              "BackorderQuantity")}
                  for ln in order["Lines"]],
        "AdditionalCharges": [dict(c) for c in order["AdditionalCharges"]],
        "Payments": [], "TotalBeforeTax": order["TotalBeforeTax"], "Tax": order["Tax"],
        "Total": order["Total"], "Paid": 0.0})


def pay(store, sale, when, amount=None, make_id=new_id):
    """Record a payment (the balance when no amount is given); a settled invoice is PAID."""
    if not sale["Invoices"]:
        raise Cin7Error("Payment can not be added: the sale has no invoice.")
    bill = sale["Invoices"][0]
    amount = round(bill["Total"] - bill["Paid"] if amount is None else float(amount), 2)
    if amount <= 0:
        raise Cin7Error("Amount should be greater than 0.")
    bill["Payments"].append({"ID": make_id(), "Account": "090", "Amount": amount,
                             "CurrencyRate": 1.0, "DateCreated": when, "DatePaid": _day(when),
                             "Reference": ""})
    bill["Paid"] = round(bill["Paid"] + amount, 2)
    if bill["Paid"] >= bill["Total"]:
        bill["Status"] = "PAID"


def ship(store, sale, when, tracking="", carrier=None, make_id=new_id):
    """Pick, pack and ship the whole order in one fulfilment; releases its allocation."""
    if sale["Order"]["Status"] != "AUTHORISED":
        raise Cin7Error("Shipment can not be authorised: the order is not authorised.")
    if sale["Fulfilments"]:
        raise Cin7Error("This sale is already shipped.")
    lines = [{"ProductID": ln["ProductID"], "SKU": ln["SKU"], "Name": ln["Name"],
              "Quantity": ln["Quantity"], "Location": sale["Location"]}
             for ln in sale["Order"]["Lines"]]
    invoice_number = sale["Invoices"][0]["InvoiceNumber"] if sale["Invoices"] else None
    sale["Fulfilments"].append({
        "TaskID": make_id(), "FulfillmentNumber": 1, "LinkedInvoiceNumber": invoice_number,
        "FulFilmentStatus": "FULFILLED",
        "Pick": {"Status": "AUTHORISED", "Lines": lines},
        "Pack": {"Status": "AUTHORISED", "Lines": [dict(ln, Box="Box 1") for ln in lines]},
        "Ship": {"Status": "AUTHORISED", "RequireBy": sale["ShipBy"],
                 "ShippingAddress": sale["ShippingAddress"],
                 "ShippingNotes": sale["ShippingNotes"],
                 "Lines": [{"ID": make_id(), "ShipmentDate": _day(when),
                            "Carrier": carrier or sale["Carrier"] or "DEFAULT Carrier",
                            "Boxes": "Box 1", "TrackingNumber": tracking or "",
                            "TrackingURL": "", "IsShipped": True}]}})


def user_edit(store, sale_id, body):
    """PATCH /_sandbox/cin7/sales/<id>: {"Action": "invoice"|"pay"|"ship", "Amount",
    "TrackingNumber", "Carrier"} or header fields (as PUT /sale)."""
    action = str(body.get("Action") or "").lower()
    if not action:
        return cin7_sales.update(store, {**body, "ID": sale_id})
    if action not in ACTIONS:
        raise Cin7Error(f"Action '{body['Action']}' is not valid. Allowed values: "
                        f"{', '.join(ACTIONS)}.")
    sale = cin7_sales.existing(store, sale_id)
    if sale["Status"] == "VOIDED":
        raise Cin7Error("Voided sale can not be changed.")
    when = clock.now_iso()
    if action == "invoice":
        invoice(store, sale, when)
    elif action == "pay":
        pay(store, sale, when, body.get("Amount"))
    else:
        ship(store, sale, when, body.get("TrackingNumber") or "", body.get("Carrier"))
    return cin7_sales.touch(sale)
