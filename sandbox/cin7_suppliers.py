"""Cin7 Core suppliers: GET /supplier (paging, ID, Name, ModifiedSince, IncludeDeprecated).

A supplier has the customer's address and contact models (the portal's "Supplier/Customer
Address Model"); its header has AccountPayable where a customer has AccountReceivable and
RevenueAccount, and no price tier, carrier, location or sales representative. The sandbox
serves the list only: POST and PUT /supplier are not simulated (SyncDesk never writes
suppliers); tests change one through PATCH /_sandbox/cin7/suppliers/<id>.
"""

import copy

from sandbox import clock
from sandbox.cin7_customers import (
    ADDRESS,
    CONTACT,
    listed_page,
    matches,
    merge_rows,
    new_id,
)

SUPPLIER = {
    "ID": None, "Name": "", "Currency": "USD", "PaymentTerm": "30 days",
    "AccountPayable": "800", "TaxRule": "Tax Exempt", "Status": "Active", "Discount": 0.0,
    "Comments": "", "TaxNumber": "", "AttributeSet": None,
    **{f"AdditionalAttribute{i}": None for i in range(1, 11)},
    "LastModifiedOn": None, "Addresses": [], "Contacts": [],
}


def complete(supplier, make_id=new_id):
    """The supplier with every field Cin7 returns and ids on all rows."""
    full = {**SUPPLIER, **{k: v for k, v in supplier.items() if k in SUPPLIER}}
    full["ID"] = full["ID"] or make_id()
    full["Contacts"] = [{**CONTACT, **c, "ID": c.get("ID") or make_id(), "SupplierID": full["ID"]}
                        for c in supplier.get("Contacts") or []]
    full["Addresses"] = [{**ADDRESS, **a, "ID": a.get("ID") or make_id(),
                          "SupplierID": full["ID"]} for a in supplier.get("Addresses") or []]
    when = full["LastModifiedOn"]
    full["LastModifiedOn"] = clock.iso(clock.parse(when)) if when else clock.now_iso()
    return full


def find(store, supplier_id):
    wanted = str(supplier_id).lower()
    return next((s for s in store["suppliers"].values() if s["ID"].lower() == wanted), None)


def update(store, body):
    """A Cin7 user changes a supplier (header fields, contacts and addresses as PUT would)."""
    current = find(store, body["ID"])
    supplier = copy.deepcopy(current)
    supplier.update({k: v for k, v in body.items()
                     if k in SUPPLIER and k not in ("ID", "LastModifiedOn", "Contacts",
                                                    "Addresses")})
    supplier["Contacts"] = merge_rows(supplier["Contacts"], body.get("Contacts"), CONTACT,
                                      "Contact")
    supplier["Addresses"] = merge_rows(supplier["Addresses"], body.get("Addresses"), ADDRESS,
                                       "Address")
    supplier["LastModifiedOn"] = clock.now_iso()
    store["suppliers"][supplier["ID"]] = supplier
    return supplier


def query(store, args):
    """GET /supplier: the {"Total", "Page", "SupplierList"} page for these query args."""
    total, page, rows = listed_page(store.get("suppliers", {}).values(), args, matches)
    return {"Total": total, "Page": page, "SupplierList": rows}
