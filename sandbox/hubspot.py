"""HubSpot CRM (v3 objects, v4 associations, properties, owners, pipelines) under /hubspot.

Every call goes through `gate`: faults, Bearer-token auth, the rolling 10-second limit (or
search's own per-second limit), then the daily quota. Responses other than search carry
HubSpot's X-HubSpot-RateLimit-* headers.
"""

from flask import Blueprint, g, jsonify, request

from sandbox import (
    faults,
    hubspot_account,
    hubspot_associations,
    hubspot_oauth,
    hubspot_objects,
    hubspot_properties,
    hubspot_schema,
    hubspot_search,
    hubspot_upsert,
    ratelimit,
    state,
)
from sandbox.hubspot_errors import (
    AUTH_MESSAGE,
    HubSpotError,
    correlation_id,
    rate_limited,
    respond,
)

bp = Blueprint("hubspot", __name__, url_prefix="/hubspot")
for child in (hubspot_objects.bp, hubspot_upsert.bp, hubspot_search.bp,
              hubspot_associations.bp, hubspot_properties.bp, hubspot_account.bp,
              hubspot_oauth.bp):
    bp.register_blueprint(child)

UNLIMITED_HEADER = 1_000_000  # what the headers report when a limit is switched off
PAUSE = "Processing limits have been met. Pause your requests for a few seconds, then retry."
# status -> (category, message) for /_sandbox/faults "error". HubSpot documents these statuses
# and what to do about them, not their bodies: the categories here are the sandbox's own.
FAULT_BODIES = {
    423: ("LOCKED", "The records are locked while a large volume of data is synced. "
                    "Wait at least 2 seconds before retrying."),
    477: ("MIGRATION_IN_PROGRESS", "The account is being migrated between data centers. "
                                   "Retry after the number of seconds in Retry-After."),
    502: ("BAD_GATEWAY", PAUSE),
    503: ("SERVICE_UNAVAILABLE", "Service unavailable."),
    504: ("GATEWAY_TIMEOUT", PAUSE),
}


def fresh(options):
    """HubSpot's data for one reset: an empty CRM with standard properties, owners, limits."""
    people = hubspot_account.owners()
    return {
        "objects": {kind: {} for kind in hubspot_schema.TYPES},
        "next_id": 1000,
        "properties": hubspot_schema.standard_properties(people, hubspot_account.stage_options(),
                                                         hubspot_account.pipeline_options()),
        "groups": hubspot_schema.standard_groups(),
        "associations": {},
        "unique_index": {},  # (type, unique property) -> {value: id}
        "owners": people,
        "pipelines": hubspot_account.pipelines(),
        "token": options["hubspot_token"],
        "portal_id": hubspot_account.PORTAL_ID,
        "lag": float(options["hubspot_search_lag_seconds"] or 0),
        "window": ratelimit.Window(options["hubspot_rate_per_10s"], 10),
        "search_window": ratelimit.Window(options["hubspot_search_per_second"], 1),
        "daily": ratelimit.Daily(options["hubspot_daily_limit"]),
        "oauth": hubspot_oauth.fresh(options),
    }


def _group_name():
    return (f"publicapi:private_app-api-calls-ten-secondly:{hubspot_account.APP_ID}:"
            f"{hubspot_account.PORTAL_ID}")


def _throttled(hs):
    g.sandbox_throttled = True
    return rate_limited("TEN_SECONDLY_ROLLING", _group_name(), hs["window"].retry_after())


def fault_throttle(fault):
    g.hubspot_fault_throttle = True
    return rate_limited("TEN_SECONDLY_ROLLING", _group_name(), fault.get("retry_after", 1))


def fault_error(fault, status):
    category, message = FAULT_BODIES.get(status, ("INTERNAL_ERROR", "internal error"))
    headers = {"Retry-After": str(fault.get("retry_after", 2))} if status == 477 else {}
    body = fault.get("body")
    if body is not None:
        response = jsonify(body)
        response.status_code = status
        response.headers.update(headers)
        return response
    return respond(HubSpotError(status, category, message, headers=headers))


@bp.before_request
def gate():
    sandbox = state.current()
    fault = faults.take(sandbox, "hubspot", request.path)
    if fault:
        forced = faults.apply(sandbox, fault, fault_throttle, fault_error)
        if forced is not None:
            return forced
    if request.blueprint == "hubspot.oauth":
        return None  # the OAuth endpoints take the app's credentials, not a Bearer token
    state.hold_lock()
    hs = state.data("hubspot")
    refused = _refused(request.headers.get("Authorization", ""), hs)
    if refused:
        return refused
    g.hubspot_authenticated = True
    g.hubspot_search = request.path.endswith("/search")
    window = hs["search_window"] if g.hubspot_search else hs["window"]
    if not window.hit():
        if g.hubspot_search:
            g.sandbox_throttled = True
            return rate_limited("SECONDLY", None)
        return _throttled(hs)
    if not g.hubspot_oauth and not hs["daily"].hit(hubspot_account.today()):
        g.sandbox_throttled = True
        return rate_limited("DAILY", None)
    return None


def _refused(header, hs):
    """401 unless the header holds the private app's token or a live OAuth access token."""
    g.hubspot_oauth = False
    if header == f"Bearer {hs['token']}":
        return None
    late = hubspot_oauth.bearer(header.removeprefix("Bearer "))
    if late is None:
        g.hubspot_oauth = True  # OAuth apps have no daily limit (and no daily headers)
        return None
    if late >= 0:
        return respond(HubSpotError(401, "EXPIRED_AUTHENTICATION", "The OAuth token used to "
                                    f"make this call expired {int(late) or 1} second(s) ago."))
    return respond(HubSpotError(401, "INVALID_AUTHENTICATION", AUTH_MESSAGE))


@bp.after_request
def headers(response):
    response.headers.setdefault("X-HubSpot-Correlation-Id", correlation_id())
    forced = g.get("hubspot_fault_throttle")
    if not (g.get("hubspot_authenticated") or forced) or g.get("hubspot_search"):
        return response  # search answers carry no rate-limit headers
    hs = state.data("hubspot")
    window, daily = hs["window"], hs["daily"]
    with state.current().lock:
        remaining = 0 if forced else window.remaining()
    response.headers.update({
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        "X-HubSpot-RateLimit-Max": str(window.limit or UNLIMITED_HEADER),
        "X-HubSpot-RateLimit-Remaining": str(UNLIMITED_HEADER if remaining is None else remaining),
    })
    if g.get("hubspot_oauth"):
        return response
    response.headers.update({
        "X-HubSpot-RateLimit-Daily": str(daily.limit or UNLIMITED_HEADER),
        "X-HubSpot-RateLimit-Daily-Remaining": str(
            UNLIMITED_HEADER if daily.remaining() is None else daily.remaining()),
    })
    return response


@bp.errorhandler(HubSpotError)
def hubspot_error(exc):
    return respond(exc)


@bp.app_errorhandler(404)
def unknown_path(exc):
    """HubSpot answers unknown paths with its JSON error body; other systems keep theirs."""
    if not request.path.startswith(bp.url_prefix + "/"):
        return exc
    return respond(HubSpotError(404, "OBJECT_NOT_FOUND", "resource not found"))
