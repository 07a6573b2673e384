"""Cin7 Omni API v1 contacts, served under /omni/api/v1/ (OMNI_BASE_URL = base + "/omni/api/").

Like the real service as the notes give it (../shared/notes/inventory_apis.md §B):
- HTTP Basic auth with the API username and key; 401 "Unauthorized access" otherwise;
- GET v1/Contacts with `fields`, `where` (comparisons =, <>, >, <, >=, <=, LIKE, IN (…),
  IS [NOT] NULL joined by AND), `order` ("field", DESC unless " ASC"), `page` (from 1) and
  `rows` (default 50, at most 250); a bare JSON array with no total; GET v1/Contacts/{id};
- 3 calls a second, 60 a minute and 5,000 a day per connection: 429 with the string "Rate
  limit exceeded. Retry after some time." and no Retry-After; error bodies are bare strings.
Seeded from the same generated customers as the Cin7 Core sandbox (so JOOR's connections
are theirs too), plus a few suppliers. Each contact keeps `_source`, the generated customer
it came from, which the API never shows.

Inspection for tests and the demo, no auth or limit: GET /omni/_sandbox/contacts, PATCH
/omni/_sandbox/contacts/<id> (fields in camelCase; modifiedDate moves to now).
"""

import base64

from flask import Blueprint, jsonify, request

from sandbox import clock, faults, omni_query, ratelimit, seed, state

blueprint = Blueprint("omni", __name__, url_prefix="/omni")
OPTIONS = {"omni_username": "sandbox-omni", "omni_api_key": "omni-sandbox-key",
           "omni_rate_per_second": 3, "omni_rate_per_minute": 60, "omni_daily_limit": 5000}
FIRST_ID, SUPPLIERS = 1001, 3
THROTTLE_TEXT = "Rate limit exceeded. Retry after some time."
ERRORS = {401: "Unauthorized access", 403: "Access is forbidden", 404: "Resource not found",
          500: "An error has occurred.", 504: "Gateway Timeout"}


def _split(name):
    first, _, last = (name or "").partition(" ")
    return first, last


def _address(address, prefix):
    """Omni's address fields, e.g. address1 or postalAddress1."""
    address = address or {}
    fields = {"address1": "Line1", "address2": "Line2", "city": "City", "state": "State",
              "postCode": "Postcode", "country": "Country"}
    return {(prefix + name[0].upper() + name[1:]) if prefix else name: address.get(source)
            for name, source in fields.items()}


def contact_of(customer, number, kind="Customer"):
    """One Omni contact (camelCase, as Omni answers) made from a generated Cin7 customer."""
    contacts = customer.get("Contacts") or []
    person = next((c for c in contacts if c.get("Default")), contacts[0] if contacts else {})
    first, last = _split(person.get("Name"))
    addresses = customer.get("Addresses") or []
    street = next((a for a in addresses if a["Type"] == "Shipping"), addresses[0] if addresses
                  else None)
    when = customer.get("LastModifiedOn") or clock.now_iso()
    item = {"id": number, "createdDate": when[:19] + "Z", "modifiedDate": when[:19] + "Z",
            "isActive": customer.get("Status") == "Active", "type": kind,
            "company": customer["Name"], "firstName": first or None, "lastName": last or None,
            "jobTitle": person.get("JobTitle"), "email": person.get("Email"),
            "phone": person.get("Phone"), "mobile": person.get("MobilePhone"),
            "accountNumber": f"C{number}", "priceColumn": customer.get("PriceTier"),
            "percentageOff": customer.get("Discount") or 0, "paymentTerms":
            customer.get("PaymentTerm"), "taxStatus": None, "taxNumber":
            customer.get("TaxNumber") or None, "creditLimit": customer.get("CreditLimit"),
            "balanceOwing": 0.0, "onHold": bool(customer.get("IsOnCreditHold")),
            "group": None, "subGroup": None, "notes": customer.get("Comments") or None,
            **_address(street, ""), **_address(addresses[0] if addresses else None, "postal"),
            "integrationRef": None,
            "secondaryContacts": [
                {"id": number * 100 + k, "company": customer["Name"],
                 "firstName": _split(c.get("Name"))[0], "lastName": _split(c.get("Name"))[1],
                 "jobTitle": c.get("JobTitle"), "email": c.get("Email"), "phone": c.get("Phone"),
                 "mobile": c.get("MobilePhone")}
                for k, c in enumerate((c for c in contacts if c is not person), 1)],
            "_source": customer["ID"]}
    return item


def fresh(options):
    """Omni's data for one reset: a contact per generated customer, then a few suppliers."""
    opts = {k: options.get(k, v) for k, v in OPTIONS.items()}
    customers = (seed.load_customers(options["data"], options["seed"]) if options.get("data")
                 else seed.generate_customers(int(options.get("customers", 50)), options["seed"]))
    suppliers = seed.generate_customers(SUPPLIERS + 3, options["seed"] + 2)[3:]
    contacts = [contact_of(c, FIRST_ID + i) for i, c in enumerate(customers)]
    contacts += [contact_of(c, FIRST_ID + len(contacts) + i, "Supplier")
                 for i, c in enumerate(suppliers)]
    return {"options": opts, "contacts": {c["id"]: c for c in contacts},
            "limits": [ratelimit.Window(opts["omni_rate_per_second"], 1),
                       ratelimit.Window(opts["omni_rate_per_minute"], 60)],
            "daily": ratelimit.Daily(opts["omni_daily_limit"])}


def answer(text, status):
    """Omni's error shape: a bare JSON string."""
    return jsonify(text), status


def _throttled(fault=None):
    return answer(THROTTLE_TEXT, 429)


def _error(fault, status):
    return answer(fault.get("body") or ERRORS.get(status, ERRORS[500]), status)


def _authorised(store):
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    try:
        user, _, key = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except ValueError:
        return False
    options = store["options"]
    return scheme.lower() == "basic" and (user, key) == (options["omni_username"],
                                                        options["omni_api_key"])


def _within_limits(store):
    if not all(window.remaining() != 0 for window in store["limits"]):
        return False
    if not store["daily"].hit(clock.now().date()):
        return False
    return all(window.hit() for window in store["limits"])


@blueprint.route("/api/v1/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
def dispatch(rest):
    """Every Omni call: faults, auth, the limits, then the endpoint."""
    sandbox = state.current()
    fault = faults.take(sandbox, "omni", request.path)
    if fault:
        forced = faults.apply(sandbox, fault, _throttled, _error)
        if forced is not None:
            return forced
    state.hold_lock()
    store = state.data("omni")
    if not _authorised(store):
        return answer(ERRORS[401], 401)
    if not _within_limits(store):
        return _throttled()
    parts = [p for p in rest.lower().split("/") if p]
    if parts[:1] != ["contacts"] or len(parts) > 2 or request.method != "GET":
        return answer(ERRORS[404], 404)
    if len(parts) == 2:
        item = store["contacts"].get(int(parts[1])) if parts[1].isdigit() else None
        return jsonify(_public(item)) if item else answer(ERRORS[404], 404)
    try:
        found = omni_query.select(store["contacts"].values(), request.args)
    except omni_query.QueryError as exc:
        return answer(str(exc), 400)
    return jsonify([_public(item) for item in found])


def _public(item):
    return {k: v for k, v in item.items() if not k.startswith("_")}


@blueprint.get("/_sandbox/contacts")
def inspect_contacts():
    with state.current().lock:
        return jsonify(sorted(state.data("omni")["contacts"].values(), key=lambda c: c["id"]))


@blueprint.patch("/_sandbox/contacts/<int:contact_id>")
def edit_contact(contact_id):
    """Change a contact as a person would in Omni: its modifiedDate moves to now."""
    changes = request.get_json(silent=True) or {}
    with state.current().lock:
        item = state.data("omni")["contacts"].get(contact_id)
        if item is None:
            return answer(ERRORS[404], 404)
        item.update({k: v for k, v in changes.items() if k not in ("id", "_source")})
        item["modifiedDate"] = clock.now_iso()[:19] + "Z"
        return jsonify(_public(item))
