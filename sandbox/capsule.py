"""Capsule CRM API v2 under /capsule/api/v2 (CAPSULE_BASE_URL = base + "/capsule/api/v2/").

As the real service is described in ../shared/notes/crms.md §B:
- `Authorization: Bearer <token>`: the personal tokens of OPTIONS or an access token of the
  OAuth app (sandbox/capsule_oauth.py, /capsule/oauth/…); an unknown or expired one gets
  401 {"message"} with `WWW-Authenticate`; the read-only token gets 403 on writes;
- an hourly budget per user (capsule_rate_per_hour, 4,000; 0: none) counted from the user's
  first call; every answer to a known user carries X-RateLimit-Limit/-Remaining/-Reset (UTC
  epoch seconds), and past the budget a 429 {"error": "rate limit reached"} without
  Retry-After;
- parties (sandbox/capsule_parties.py), opportunities and milestones
  (capsule_opportunities.py), custom fields (capsule_fields.py), REST hooks
  (capsule_hooks.py), GET /site and /users/current;
- faults for system "capsule" (sandbox/faults.py), "slow" included; a "throttle" fault
  answers the 429 with X-RateLimit-Reset "retry_after" seconds ahead (default 5).

Inspection for tests, no auth or limit: GET /capsule/_sandbox/parties,
GET /capsule/_sandbox/opportunities, GET /capsule/_sandbox/deliveries (REST hook attempts), POST /capsule/_sandbox/advance {"seconds": n}.
"""

import datetime

from flask import Blueprint, g, jsonify, request

from sandbox import (
    capsule_fields,
    capsule_hooks,
    capsule_oauth,
    capsule_opportunities,
    capsule_parties,
    faults,
    state,
)
from sandbox.capsule_base import CapsuleError, next_id, now, stamp, store

bp = Blueprint("capsule", __name__, url_prefix="/capsule")
api = Blueprint("capsule_api", __name__, url_prefix="/api/v2")
for child in (capsule_parties.bp, capsule_opportunities.bp, capsule_fields.bp,
              capsule_hooks.bp):
    api.register_blueprint(child)

OPTIONS = {"capsule_token": "capsule-sandbox-token",
           "capsule_readonly_token": "capsule-readonly-token",
           "capsule_app_token": "capsule-app-token",  # an OAuth app's token: may use REST hooks
           "capsule_rate_per_hour": 4000, "capsule_parties": 0, "capsule_currency": "USD",
           "capsule_hook_retry_seconds": 1.0}
WINDOW = 3600
UNLIMITED_HEADER = 1_000_000
USER = {"id": 101, "username": "sandbox", "name": "Sandbox Admin", "pictureURL": None}
SITE = {"id": 9001, "url": "https://sandbox.capsulecrm.com", "name": "Sandbox Outfitters",
        "subdomain": "sandbox"}


def fresh(options):
    """Capsule's data for one reset: seeded milestones, `capsule_parties` seeded parties."""
    opts = {k: options.get(k, v) for k, v in OPTIONS.items()}
    tokens = {opts["capsule_token"]: "full", opts["capsule_readonly_token"]: "read",
              opts["capsule_app_token"]: "app"}
    data = {"options": opts, "tokens": tokens, "offset": 0.0, "next_id": 1000,
            "user": {"public": {"id": USER["id"], "username": USER["username"],
                                "name": USER["name"]}},
            "currency": opts["capsule_currency"], "parties": {}, "opportunities": {},
            "deleted": {"parties": [], "opportunities": []},
            "definitions": capsule_fields.fresh(),
            "milestones": capsule_opportunities.fresh_milestones(), "hooks": {},
            "bucket": {"start": None, "used": 0},
            "oauth": capsule_oauth.fresh(options, SITE["subdomain"])}
    _seed(data, int(opts["capsule_parties"] or 0))
    return data


def _seed(data, count):
    """`count` parties, organisations and their people in turn, changed a minute apart."""
    start, org_id = now(data) - datetime.timedelta(minutes=count + 60), None
    for n in range(count):
        at = start + datetime.timedelta(minutes=n)
        party_id = next_id(data)
        org = n % 2 == 0
        party = {"id": party_id, "type": "organisation" if org else "person",
                 "name": f"Seed Outfitters {n // 2 + 1:03d}" if org else None,
                 "firstName": None if org else "Sam", "title": None, "jobTitle": None,
                 "lastName": None if org else f"Buyer{n // 2 + 1:03d}", "about": None,
                 "_organisation": None if org else org_id, "createdAt": stamp(at),
                 "lastContactedAt": None, "pictureURL": None, "owner": data["user"]["public"],
                 "team": None, "tags": [], "_fields": {}, "phoneNumbers": [], "addresses": [],
                 "websites": [], "emailAddresses": [
                     {"id": next_id(data), "type": "Work",
                      "address": f"seed{n + 1:03d}@outfitters.example"}],
                 "_updated": at, "updatedAt": stamp(at)}
        data["parties"][party_id] = party
        org_id = party_id if org else org_id


@bp.before_request
def gate():
    """Faults, then auth, then the hourly budget; control paths pass straight through."""
    if request.path.startswith(bp.url_prefix + "/_sandbox/"):
        return None
    sandbox = state.current()
    fault = faults.take(sandbox, "capsule", request.path)
    if fault:
        forced = faults.apply(sandbox, fault, _fault_throttle, _fault_error)
        if forced is not None:
            return forced
    if request.path.startswith(bp.url_prefix + "/oauth/"):
        return None  # the OAuth endpoints authenticate the app themselves, outside the budget
    state.hold_lock()
    data = store()
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    kind = data["tokens"].get(token) or ("app" if capsule_oauth.bearer(data, token) else None)
    if kind is None:
        raise CapsuleError(401, "Authentication failed: the access token is missing, invalid or "
                                "expired", headers={"WWW-Authenticate": 'Bearer realm="Capsule '
                                                    'API", error="invalid_token"'})
    g.capsule_token = kind
    g.capsule_counted = True
    if not _charge(data):
        g.sandbox_throttled = True
        return _throttled()
    if kind == "read" and request.method not in ("GET", "HEAD") and not request.path.endswith(
            ("/filters/results",)):
        raise CapsuleError(403, "The access token does not have the write scope",
                           headers={"WWW-Authenticate": 'Bearer realm="Capsule API", '
                                                        'error="insufficient_scope"'})
    return None


def _charge(data):
    """Count this call in the user's hour; False when the hour's budget is spent."""
    limit, bucket, at = data["options"]["capsule_rate_per_hour"], data["bucket"], _epoch(data)
    if bucket["start"] is None or at >= bucket["start"] + WINDOW:
        bucket["start"], bucket["used"] = at, 0
    if limit and bucket["used"] >= limit:
        return False
    bucket["used"] += 1
    return True


def _epoch(data=None):
    return now(data).timestamp()


def _reset(data):
    start = data["bucket"]["start"]
    return int(start + WINDOW) if start is not None else int(_epoch(data) + WINDOW)


def _throttled(reset=None):
    answer = jsonify({"error": "rate limit reached"})
    answer.status_code = 429
    g.capsule_reset, g.capsule_remaining = reset, 0
    return answer


def _fault_throttle(fault):
    g.capsule_counted = True
    return _throttled(int(_epoch() + float(fault.get("retry_after", 5))))


def _fault_error(fault, status):
    answer = jsonify(fault.get("body") or {"message": "Internal Server Error"
                                           if status < 503 else "Service Unavailable"})
    answer.status_code = status
    return answer


@bp.after_request
def rate_headers(response):
    """The three X-RateLimit headers on every answer to a known user (429s included)."""
    if not g.get("capsule_counted"):
        return response
    data = store()
    with state.current().lock:
        limit = data["options"]["capsule_rate_per_hour"]
        remaining = g.get("capsule_remaining")
        if remaining is None:
            remaining = max(0, limit - data["bucket"]["used"]) if limit else UNLIMITED_HEADER
        response.headers.update({"X-RateLimit-Limit": str(limit or UNLIMITED_HEADER),
                                 "X-RateLimit-Remaining": str(remaining),
                                 "X-RateLimit-Reset": str(g.get("capsule_reset") or _reset(data))})
    return response


@bp.errorhandler(CapsuleError)
def capsule_error(exc):
    return exc.response()


@api.get("/site")
def site():
    return jsonify({"site": SITE})


@api.get("/users/current")
def current_user():
    return jsonify({"user": {**USER, "role": "admin"}})


@bp.get("/_sandbox/parties")
def inspect_parties():
    with state.current().lock:
        data = store()
        return jsonify([capsule_parties.render(data, p, {"fields", "tags"})
                        for p in sorted(data["parties"].values(), key=lambda p: p["id"])])


@bp.get("/_sandbox/opportunities")
def inspect_opportunities():
    with state.current().lock:
        data = store()
        return jsonify([capsule_opportunities.render(data, o)
                        for o in sorted(data["opportunities"].values(), key=lambda o: o["id"])])


@bp.get("/_sandbox/deliveries")
def inspect_deliveries():
    """Every REST hook delivery attempt: hook, event, url, attempt, status, record ids."""
    with state.current().lock:
        return jsonify(list(store().get("deliveries", [])))


@bp.post("/_sandbox/advance")
def advance_clock():
    """Move Capsule's clock on by {"seconds": n}: timestamps and the hourly budget follow."""
    seconds = float((request.get_json(silent=True) or {}).get("seconds", 0))
    with state.current().lock:
        data = store()
        data["offset"] += seconds
        return jsonify({"offset": data["offset"], "now": stamp(now(data))})


@api.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
def unknown(rest):
    raise CapsuleError(404, "Could not find resource")


bp.register_blueprint(api)
bp.register_blueprint(capsule_oauth.bp)
bp.register_blueprint(capsule_oauth.control)
