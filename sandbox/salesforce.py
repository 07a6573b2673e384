"""A Salesforce org under /salesforce: login host /salesforce/login, instance /salesforce/org.

    POST /salesforce/login/services/oauth2/token         JWT bearer, client credentials
    GET  /salesforce/org/services/data/                  versions (no auth, not counted)
    .../services/data/vNN.N/limits, sobjects/..., composite/sobjects..., query, query/<locator>

Every data call goes through `gate`: faults, the API version, the Bearer session, then the
org's daily allocation (403 REQUEST_LIMIT_EXCEEDED once spent); every answer to an
authenticated data call carries `Sforce-Limit-Info: api-usage=used/max`. Salesforce has no
per-second limit on REST: the throttle fault answers what it does under load instead, 403
REQUEST_LIMIT_EXCEEDED for concurrent long requests (or 429 when the fault says so).

Options (sandbox/state.py DEFAULTS): salesforce_daily_limit, _client_id, _client_secret,
_username, _jwt_public_key (PEM key or certificate; None: no certificate, JWT refused),
_jwt_approved, _my_domain (False: the login host is login.salesforce.com, which refuses
client credentials), _cin7_fields (False: Cin7_*__c missing), _unique_external_ids,
_currencies ([]: a single-currency org without CurrencyIsoCode), _pricebooks (custom books
seeded beside the standard one), _product_extras (Product2 has PRD-5's optional fields). POST /_sandbox/salesforce/fields adds Cin7's fields.
"""

from flask import Blueprint, g, jsonify, request

from sandbox import (
    faults,
    salesforce_auth,
    salesforce_demo,
    salesforce_rest,
    salesforce_schema,
    salesforce_soql,
    salesforce_store,
    state,
)
from sandbox.salesforce_errors import NO_RECORD, SalesforceError, respond

bp = Blueprint("salesforce", __name__, url_prefix="/salesforce")
for child in (salesforce_auth.bp, salesforce_rest.bp, salesforce_soql.bp):
    bp.register_blueprint(child)
control = Blueprint("salesforce_control", __name__, url_prefix="/_sandbox/salesforce")

VERSIONS = tuple(f"{n}.0" for n in range(55, 68))
SESSION = "Session expired or invalid"
FAULT_BODIES = {
    400: ("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record or 1 records"),
    429: ("REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."),
    500: ("UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if "
                               "you contact support: 1234567890-12345 (-1234567890)"),
    503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable."),
}


def fresh(options):
    """An empty org with its standard price book."""
    org = {
        "records": {name: {} for name in salesforce_schema.OBJECTS},
        "next_id": 1000, "version": VERSIONS[-1], "sessions": set(), "cursors": {},
        "used": 0, "daily_limit": int(options["salesforce_daily_limit"]),
        "client_id": options["salesforce_client_id"],
        "client_secret": options["salesforce_client_secret"],
        "username": options["salesforce_username"],
        "jwt_public_key": options["salesforce_jwt_public_key"],
        "jwt_approved": bool(options["salesforce_jwt_approved"]),
        "my_domain": bool(options["salesforce_my_domain"]),
        "cin7_fields": bool(options["salesforce_cin7_fields"]),
        "unique_external_ids": bool(options["salesforce_unique_external_ids"]),
        "currencies": list(options["salesforce_currencies"] or []),
        "product_extras": bool(options.get("salesforce_product_extras")),
        "account_fields": dict(options.get("salesforce_account_fields") or {}),
    }
    for number, name in enumerate(["Integration User", *(options.get("salesforce_users") or [])]):
        first, _, last = name.rpartition(" ")
        user = salesforce_store.create(org, "User", {"FirstName": first, "LastName": last,
                                                     "IsActive": True})
        user["Name"] = name
        if not number:  # the user the apps log in as owns what they create
            org["records"]["User"][salesforce_auth.USER_ID] = user
            del org["records"]["User"][user["Id"]]
            user["Id"] = org["integration_user"] = salesforce_auth.USER_ID
    book = salesforce_store.create(org, "Pricebook2", {"Name": "Standard Price Book",
                                                       "IsActive": True})
    book["IsStandard"] = True
    for seeded in options.get("salesforce_pricebooks") or []:
        fields = {"Name": seeded, "IsActive": True} if isinstance(seeded, str) else seeded
        salesforce_store.create(org, "Pricebook2", dict(fields))
    return org


def fault_throttle(fault):
    status = fault.get("status", 403)
    headers = {"Retry-After": str(fault.get("retry_after", 1))} if status == 429 else {}
    return respond(SalesforceError(status, *FAULT_BODIES[429]), headers)


def fault_error(fault, status):
    if fault.get("body") is not None:
        return jsonify(fault["body"]), status
    code, message = FAULT_BODIES.get(status, FAULT_BODIES[500])
    return respond(SalesforceError(status, code, message))


@bp.before_request
def gate():
    sandbox = state.current()
    fault = faults.take(sandbox, "salesforce", request.path)
    if fault:
        forced = faults.apply(sandbox, fault, fault_throttle, fault_error)
        if forced is not None:
            return forced
    state.hold_lock()
    version = (request.view_args or {}).get("version")
    if version is None:
        return None  # the login host, the version list, an unknown path
    org = state.data("salesforce")
    if version not in VERSIONS:
        return respond(SalesforceError(404, "NOT_FOUND", NO_RECORD))
    org["version"] = version
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or header[7:] not in org["sessions"]:
        return respond(SalesforceError(401, "INVALID_SESSION_ID", SESSION))
    g.salesforce_counted = True
    if org["daily_limit"] and org["used"] >= org["daily_limit"]:
        g.sandbox_throttled = True
        return respond(SalesforceError(403, "REQUEST_LIMIT_EXCEEDED",
                                       "TotalRequests Limit exceeded."))
    org["used"] += 1
    return None


@bp.after_request
def usage(response):
    if g.get("salesforce_counted"):
        org = state.data("salesforce")
        response.headers["Sforce-Limit-Info"] = f"api-usage={org['used']}/{org['daily_limit']}"
    return response


@bp.errorhandler(SalesforceError)
def salesforce_error(exc):
    return respond(exc)


@bp.get("/org/services/data/")
def versions():
    return jsonify([{"label": "Sandbox", "url": f"/services/data/v{v}", "version": v}
                    for v in VERSIONS])


@bp.route("/org/<path:rest>", methods=["GET", "POST", "PATCH", "PUT", "DELETE"])
def unknown(rest):
    return respond(SalesforceError(404, "NOT_FOUND", NO_RECORD))


# -- control: no auth, no limit, no faults ------------------------------------------------

@control.post("/expire")
def expire():
    """End every session, as a session timeout does: the next data call answers 401."""
    with state.current().lock:
        state.data("salesforce")["sessions"].clear()
    return jsonify({"expired": True})


@control.post("/demo")
def demo():
    """Seed the demo's sales records from Cin7's products (sandbox/salesforce_demo.py)."""
    with state.current().lock:
        return jsonify(salesforce_demo.seed(state.data("salesforce"), state.data("cin7")))


@control.post("/fields")
def add_fields():
    """An admin adds Cin7's custom fields in Setup (the org was reset without them)."""
    with state.current().lock:
        state.data("salesforce")["cin7_fields"] = True
    return jsonify({"cin7_fields": True})


@control.get("/<sobject>")
def records(sobject):
    org = state.data("salesforce")
    if sobject not in salesforce_schema.OBJECTS:
        return jsonify({"error": f"no sObject {sobject} here"}), 404
    with state.current().lock:
        rows = sorted(org["records"][sobject].values(), key=lambda r: r["Id"])
        return jsonify([salesforce_store.render(org, sobject, r) for r in rows])


@control.get("/usage")
def usage_now():
    org = state.data("salesforce")
    return jsonify({"used": org["used"], "max": org["daily_limit"]})
