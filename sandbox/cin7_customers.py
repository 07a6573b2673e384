"""Cin7 Core customers: their full JSON shape, validation, create/update and the list query."""

import copy
import uuid

from sandbox import cin7_refs, clock

REQUIRED = ["Name", "Currency", "PaymentTerm", "AccountReceivable", "RevenueAccount", "TaxRule"]
ADDRESS_TYPES = ("Billing", "Business", "Shipping")
STATUSES = ("Active", "Deprecated")
MAX_LIMIT = 1000


def _customer_defaults():
    fields = {
        "ID": None, "Name": "", "DisplayName": None, "Currency": "USD", "PaymentTerm": "",
        "Discount": 0.0, "TaxRule": "", "Carrier": None, "SalesRepresentative": None,
        "Location": None, "Comments": "", "AccountReceivable": "", "RevenueAccount": "",
        "PriceTier": None, "TaxNumber": "",
    }
    fields |= {f"AdditionalAttribute{i}": "" for i in range(1, 11)}
    fields |= {
        "AttributeSet": None, "Tags": "", "Status": "Active", "CreditLimit": 0.0,
        "IsOnCreditHold": False, "IsLegalEntity": False, "CustomerParentID": None,
        "CustomerParentName": None, "IsBillParent": False, "LastModifiedOn": None,
        "Addresses": [], "Contacts": [], "ChildCustomers": [],
    }
    return fields


CUSTOMER = _customer_defaults()
CONTACT = {"ID": None, "Name": "", "JobTitle": None, "Phone": None, "MobilePhone": None,
           "Fax": None, "Email": None, "Website": None, "Default": False, "Comment": None,
           "IncludeInEmail": False, "MarketingConsent": 1}
ADDRESS = {"ID": None, "Line1": "", "Line2": None, "City": None, "State": None, "Postcode": None,
           "Country": "", "Type": "Business", "DefaultForType": False}
READ_ONLY = {"ID", "LastModifiedOn", "ChildCustomers"}


class Cin7Error(Exception):
    """An answer Cin7 gives as {"ErrorCode", "Exception"} (one object, or a list of them)."""

    def __init__(self, message, code=400, status=400, as_list=False):
        super().__init__(message)
        self.message, self.code, self.status, self.as_list = message, code, status, as_list

    def body(self):
        item = {"ErrorCode": self.code, "Exception": self.message}
        return [item] if self.as_list else item


def new_id():
    return str(uuid.uuid4())


def complete(customer, make_id=new_id):
    """The customer with every field Cin7 returns, ids on all rows, a canonical date."""
    full = {**CUSTOMER, **{k: v for k, v in customer.items() if k in CUSTOMER}}
    full["ID"] = full["ID"] or make_id()
    full["Contacts"] = [{**CONTACT, **c, "ID": c.get("ID") or make_id()}
                        for c in customer.get("Contacts") or []]
    full["Addresses"] = [{**ADDRESS, **a, "ID": a.get("ID") or make_id()}
                         for a in customer.get("Addresses") or []]
    when = full["LastModifiedOn"]
    full["LastModifiedOn"] = clock.iso(clock.parse(when)) if when else clock.now_iso()
    return full


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _check_reference(store, customer, field, book, label, key="Name"):
    value = customer.get(field)
    if _blank(value):
        customer[field] = None  # only optional fields get here: required ones were checked
        return
    known = cin7_refs.names(store["books"][book], key)
    if str(value).lower() not in known:
        # Observed live: a missing reference is reported with ErrorCode 404 (HTTP 400 here).
        raise Cin7Error(f"{label} '{value}' was not found in reference book", code=404)
    customer[field] = known[str(value).lower()]


def _check_number(customer, field, low, high=None):
    value = customer.get(field)
    if value in (None, ""):
        customer[field] = 0.0
        return
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Cin7Error(f"{field} '{value}' is not a valid number.") from None
    if number < low or (high is not None and number > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise Cin7Error(f"{field} should be {bound}.")
    customer[field] = number


def validate(store, customer):
    """Raise Cin7Error for the first problem, the way Cin7 reports one at a time."""
    for field in REQUIRED:
        if _blank(customer.get(field)):
            raise Cin7Error(f"Required attribute {field} is not provided.")
    name = customer["Name"].strip()
    if len(name) > 256:
        raise Cin7Error("Name should not be longer than 256 characters.")
    for other in store["customers"].values():
        if other["ID"] != customer["ID"] and other["Name"].lower() == name.lower():
            raise Cin7Error(f"Customer with name '{name}' already exists.")
    if customer.get("Status") not in STATUSES:
        raise Cin7Error(f"Status '{customer.get('Status')}' is not valid. "
                        "Allowed values: Active, Deprecated.")
    currency = str(customer["Currency"])
    if len(currency) != 3 or not currency.isalpha():
        raise Cin7Error(f"Currency '{currency}' was not found in reference book", code=404)
    customer["Currency"] = currency.upper()
    _check_reference(store, customer, "PaymentTerm", "paymentterm", "Payment term")
    _check_reference(store, customer, "TaxRule", "tax", "Tax rule")
    _check_reference(store, customer, "AccountReceivable", "account", "Account", "Code")
    _check_reference(store, customer, "RevenueAccount", "account", "Account", "Code")
    _check_reference(store, customer, "PriceTier", "priceTier", "Price tier")
    _check_reference(store, customer, "Location", "location", "Location")
    _check_reference(store, customer, "Carrier", "carrier", "Carrier", "Description")
    _check_number(customer, "Discount", 0, 100)
    _check_number(customer, "CreditLimit", 0)
    for contact in customer["Contacts"]:
        if _blank(contact.get("Name")):
            raise Cin7Error("Required attribute Name is not provided for contact.")
    for address in customer["Addresses"]:
        for field in ("Line1", "Country", "Type"):
            if _blank(address.get(field)):
                raise Cin7Error(f"Required attribute {field} is not provided for address.")
        if address["Type"] not in ADDRESS_TYPES:
            raise Cin7Error(f"Address type '{address['Type']}' is not valid. "
                            "Allowed values: Billing, Business, Shipping.")


def _body_fields(body):
    return {k: v for k, v in body.items() if k in CUSTOMER and k not in READ_ONLY}


def create(store, body):
    """POST /customer: a new customer from `body`; returns it as stored."""
    if not isinstance(body, dict):
        raise Cin7Error("Customer object is not provided.")
    fields = _body_fields(body)
    fields["Contacts"] = [{k: v for k, v in c.items() if k != "ID"}
                          for c in body.get("Contacts") or []]
    fields["Addresses"] = [{k: v for k, v in a.items() if k != "ID"}
                           for a in body.get("Addresses") or []]
    for field in REQUIRED:  # before complete() fills defaults such as Currency
        if _blank(fields.get(field)):
            raise Cin7Error(f"Required attribute {field} is not provided.")
    fields.setdefault("Status", "Active")
    customer = complete(fields)
    customer["LastModifiedOn"] = clock.now_iso()
    customer["DisplayName"] = customer["DisplayName"] or customer["Name"]
    validate(store, customer)
    store["customers"][customer["ID"]] = customer
    return customer


def merge_rows(rows, changes, template, label):
    """Rows with an ID are updated, rows without one are added; rows left out are kept.

    Whether Cin7 deletes rows a PUT leaves out is undocumented; keeping them is the choice
    that never loses data, and clients are told to send full lists anyway.
    """
    by_id = {r["ID"].lower(): r for r in rows}
    for change in changes or []:
        row_id = str(change.get("ID") or "").lower()
        if row_id and row_id not in by_id:
            raise Cin7Error(f"{label} with ID '{change['ID']}' not found.", code=404)
        if row_id:
            by_id[row_id].update({k: v for k, v in change.items() if k != "ID"})
        else:
            rows.append({**template, **change, "ID": new_id()})
    return rows


def update(store, body, bump=True):
    """PUT /customer: change the fields given for the customer `body["ID"]`."""
    if not isinstance(body, dict) or _blank(body.get("ID")):
        raise Cin7Error("Required attribute ID is not provided.")
    current = find(store, body["ID"])
    if current is None:
        raise Cin7Error(f"Customer with ID '{body['ID']}' not found.", code=404)
    customer = copy.deepcopy(current)  # validate a copy, so a refused PUT changes nothing
    customer.update({k: v for k, v in _body_fields(body).items()
                     if k not in ("Contacts", "Addresses")})
    customer["Contacts"] = merge_rows(customer["Contacts"], body.get("Contacts"), CONTACT,
                                       "Contact")
    customer["Addresses"] = merge_rows(customer["Addresses"], body.get("Addresses"), ADDRESS,
                                        "Address")
    validate(store, customer)
    if bump:
        customer["LastModifiedOn"] = clock.now_iso()
    store["customers"][customer["ID"]] = customer
    return customer


def find(store, customer_id):
    wanted = str(customer_id).lower()
    return next((c for c in store["customers"].values() if c["ID"].lower() == wanted), None)


def int_arg(args, name, default, low, high=None):
    raw = args.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise Cin7Error(f"{name} '{raw}' is not a valid integer.") from None
    if value < low or (high is not None and value > high):
        raise Cin7Error(f"{name} should be between {low} and {high}." if high
                        else f"{name} should be greater than {low - 1}.")
    return value


def matches(customer, args, since):
    if str(args.get("IncludeDeprecated", "false")).lower() != "true" and \
            customer["Status"] != "Active":
        return False
    if args.get("ID") and customer["ID"].lower() != args["ID"].lower():
        return False
    if args.get("Name") and not customer["Name"].lower().startswith(args["Name"].lower()):
        return False
    if since and customer["LastModifiedOn"] < since:
        return False
    wanted = (args.get("ContactFilter") or "").lower()
    return not wanted or any(
        (c.get("Name") or "").lower().startswith(wanted) or (c.get("Email") or "").lower() == wanted
        for c in customer["Contacts"])


def listed_page(records, args, matches_):
    """(total, page number, the page's rows) of the `records` that `matches_(record, args,
    since)` keeps, oldest change first: the paging every Cin7 list shares."""
    page = int_arg(args, "Page", 1, 1)
    limit = int_arg(args, "Limit", 100, 1, MAX_LIMIT)
    since = None
    if args.get("ModifiedSince"):
        try:
            since = clock.iso(clock.parse(args["ModifiedSince"]))
        except ValueError:
            raise Cin7Error(f"ModifiedSince '{args['ModifiedSince']}' is not a valid date.") \
                from None
    found = [r for r in records if matches_(r, args, since)]
    # Stored dates share one canonical format, so text order is time order; ID breaks ties
    # so that paging is stable.
    found.sort(key=lambda r: (r["LastModifiedOn"], r["ID"]))
    return len(found), page, found[(page - 1) * limit: page * limit]


def query(store, args):
    """GET /customer: the {"Total", "Page", "CustomerList"} page for these query args."""
    total, page, rows = listed_page(store["customers"].values(), args, matches)
    if str(args.get("IncludeProductPrices", "")).lower() == "true":
        rows = [{**c, "ProductPrices": []} for c in rows]
    return {"Total": total, "Page": page, "CustomerList": rows}
