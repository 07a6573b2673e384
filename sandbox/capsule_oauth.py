"""Capsule OAuth 2 for one registered app (crms.md §B.2) under /capsule/oauth: the authorise
page (approved at once, or denied by a switch), the token endpoint (authorization_code and
refresh_token grants, form or JSON) and revoke, with RFC 6749's refusals.

Tokens answer access and refresh token, `scope`, `token_type` "bearer", `expires_in`
(604799 s) and the account's `subdomain`. A refresh rotates the refresh token (the notes say
it may be: the sandbox always does, the stricter case) and the old one stops working.
Revoking a refresh token ends the access tokens it issued. Both revoke paths the sources
name are served (/oauth/token/revoke and /oauth/revoke).

Control, no auth: GET /capsule/_sandbox/oauth lists what was issued; POST with {"lifetime":
s}, {"expire_now": true}, {"deny": true}, {"redirect_uris": [...]} switches.
"""

import secrets
from urllib.parse import urlencode

from flask import Blueprint, jsonify, redirect, request

from sandbox import state
from sandbox.capsule_base import now, store

bp = Blueprint("capsule_oauth", __name__, url_prefix="/oauth")
control = Blueprint("capsule_oauth_control", __name__, url_prefix="/_sandbox/oauth")
CODE_LIFETIME = 600  # seconds an authorisation code can be exchanged (the sandbox's choice)
LIFETIME = 604799  # Capsule's expires_in (crms.md §B.2)
OPTIONS = {"capsule_client_id": "capsule-sandbox-client",
           "capsule_client_secret": "capsule-sandbox-secret",
           "capsule_redirect_uris": None,  # None: any redirect URI is registered
           "capsule_oauth_lifetime": LIFETIME}
REFUSALS = {  # (status, error, error_description)
    "code": (400, "invalid_grant", "The authorization code is invalid, expired or was "
                                   "already used"),
    "redirect": (400, "invalid_grant", "The redirect_uri does not match the one used in the "
                                       "authorization request"),
    "refresh": (400, "invalid_grant", "The refresh token is invalid, expired or revoked"),
    "client": (401, "invalid_client", "Client authentication failed"),
    "grant_type": (400, "unsupported_grant_type", "The grant type is not supported"),
    "request": (400, "invalid_request", "A required parameter is missing"),
}


def fresh(options, subdomain):
    """The app's credentials and what it issued: codes, access and refresh tokens."""
    opts = {k: options.get(k, v) for k, v in OPTIONS.items()}
    return {"subdomain": subdomain, "client_id": opts["capsule_client_id"], "client_secret": opts["capsule_client_secret"],
            "redirect_uris": opts["capsule_redirect_uris"],
            "lifetime": float(opts["capsule_oauth_lifetime"]), "deny": False, "codes": {},
            "access": {}, "refresh": {},
            "grants": {"authorization_code": 0, "refresh_token": 0, "revoke": 0}}


def _oauth():
    return store()["oauth"]


def _now():
    return now(store()).timestamp()  # Capsule's clock: /capsule/_sandbox/advance moves it


def refused(reason):
    status, error, description = REFUSALS[reason]
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Capsule"'
    return response


def _page(message):
    return (f"<!doctype html><title>Capsule</title><h1>Authorisation failed</h1><p>{message}</p>",
            400, {"Content-Type": "text/html; charset=utf-8"})


@bp.get("/authorise")
def authorise():
    """Capsule's consent page, approved at once: back to redirect_uri with code and state."""
    args = request.args
    with state.current().lock:
        app = _oauth()
        if args.get("client_id") != app["client_id"]:
            return _page("Unknown client_id.")
        target = args.get("redirect_uri", "")
        if not target or (app["redirect_uris"] is not None and target not in app["redirect_uris"]):
            return _page("The redirect_uri does not match the application's redirect URL.")
        if args.get("response_type") != "code":
            query = {"error": "unsupported_response_type", "state": args.get("state", "")}
        elif app["deny"]:
            query = {"error": "access_denied", "error_description": "The user denied access",
                     "state": args.get("state", "")}
        else:
            code = secrets.token_urlsafe(24)
            app["codes"][code] = {"redirect_uri": target, "issued": _now(), "used": False,
                                  "scope": " ".join(args.get("scope", "read").split())}
            query = {"code": code, "state": args.get("state", "")}
    return redirect(target + ("&" if "?" in target else "?") + urlencode(query))


def _form():
    return request.form if request.form else (request.get_json(silent=True) or {})


def _issue(app, refresh, kind):
    app["grants"][kind] += 1
    access = secrets.token_urlsafe(32)
    app["access"][access] = {"expires": _now() + app["lifetime"], "refresh": refresh}
    return jsonify({"access_token": access, "token_type": "bearer",
                    "expires_in": int(app["lifetime"]), "refresh_token": refresh,
                    "scope": app["refresh"][refresh]["scope"],
                    "subdomain": app["subdomain"]})


def _exchange(app, form):
    code = app["codes"].get(form.get("code", ""))
    if code is None or code["used"] or _now() - code["issued"] > CODE_LIFETIME:
        return refused("code")
    if form.get("redirect_uri") != code["redirect_uri"]:
        return refused("redirect")
    code["used"] = True
    refresh = secrets.token_urlsafe(32)
    app["refresh"][refresh] = {"revoked": False, "scope": code["scope"]}
    return _issue(app, refresh, "authorization_code")


def _refresh(app, form):
    old = app["refresh"].get(form.get("refresh_token", ""))
    if old is None or old["revoked"]:
        return refused("refresh")
    old["revoked"] = True  # rotated: the old refresh token is spent
    refresh = secrets.token_urlsafe(32)
    app["refresh"][refresh] = {"revoked": False, "scope": old["scope"]}
    return _issue(app, refresh, "refresh_token")


@bp.post("/token")
def token():
    form = _form()
    with state.current().lock:
        app = _oauth()
        if form.get("client_id") != app["client_id"] or \
                form.get("client_secret") != app["client_secret"]:
            return refused("client")
        kind = form.get("grant_type")
        if kind == "authorization_code":
            return _exchange(app, form)
        if kind == "refresh_token":
            return _refresh(app, form)
        return refused("grant_type" if kind else "request")


@bp.post("/token/revoke")
@bp.post("/revoke")
def revoke():
    """RFC 7009: 200 whether or not the token was alive; a refresh token's access tokens end."""
    form = _form()
    with state.current().lock:
        app = _oauth()
        if form.get("client_id") != app["client_id"] or \
                form.get("client_secret") != app["client_secret"]:
            return refused("client")
        app["grants"]["revoke"] += 1
        given = form.get("token", "")
        if given in app["refresh"]:
            app["refresh"][given]["revoked"] = True
            for issued in app["access"].values():
                if issued["refresh"] == given:
                    issued["expires"] = min(issued["expires"], _now() - 1)
        elif given in app["access"]:
            app["access"][given]["expires"] = min(app["access"][given]["expires"], _now() - 1)
    return "", 200


def bearer(data, token):
    """True for an access token the app issued that is alive."""
    issued = data["oauth"]["access"].get(token)
    return issued is not None and now(data).timestamp() < issued["expires"]


# -- control: no auth, no limit, no faults ------------------------------------------------

@control.get("")
def show():
    """What the app issued: tokens (alive, expired, revoked) and how many grants."""
    with state.current().lock:
        app, at = _oauth(), _now()
        return jsonify({
            "access_tokens": [{"token": t, "expired": at >= a["expires"], "refresh": a["refresh"]}
                              for t, a in app["access"].items()],
            "refresh_tokens": [{"token": t, "revoked": r["revoked"]}
                               for t, r in app["refresh"].items()],
            "codes": len(app["codes"]), "grants": app["grants"], "lifetime": app["lifetime"],
            "client_id": app["client_id"]})


@control.post("")
def switch():
    """{"lifetime": s} for new tokens, {"expire_now": true} ends the issued ones, {"deny":
    true} makes the authorise page refuse, {"redirect_uris": [...]} registers those only."""
    body = request.get_json(silent=True) or {}
    with state.current().lock:
        app = _oauth()
        if "lifetime" in body:
            app["lifetime"] = float(body["lifetime"])
        if body.get("expire_now"):
            for issued in app["access"].values():
                issued["expires"] = min(issued["expires"], _now() - 1)
        if "deny" in body:
            app["deny"] = bool(body["deny"])
        if "redirect_uris" in body:
            app["redirect_uris"] = body["redirect_uris"]
    return show()

