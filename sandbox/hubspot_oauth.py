"""HubSpot OAuth for one public app (oauth-v1.json, oauth-v3.json; hubspot.md §2): the
authorize page (auto-approve), the token endpoint (v1 and v3: authorization_code and
refresh_token grants), token info and revoke (v1's deprecated GET/DELETE by path, v3's
introspect and revoke), with HubSpot's refusals.

Token errors carry both HubSpot's own `status`/`message` and RFC 6749's `error`/
`error_description`; only BAD_REFRESH_TOKEN's body is documented, the other statuses are
those seen in the community. Refresh tokens do not change on a refresh, revoking one leaves
issued access tokens alive until they expire (as HubSpot does).
"""

import hashlib
import secrets
import uuid
from urllib.parse import urlencode

from flask import Blueprint, jsonify, redirect, request

from sandbox import clock, hubspot_account, state
from sandbox.hubspot_errors import correlation_id

bp = Blueprint("oauth", __name__, url_prefix="/oauth")
control = Blueprint("hubspot_oauth_control", __name__, url_prefix="/_sandbox/hubspot/oauth")
CODE_LIFETIME = 600  # seconds an authorization code can be exchanged (the sandbox's choice)
HUB_DOMAIN = "harbourside-wholesale.hubspot.example"
INSTALLER, INSTALLER_ID = "olivia.bennett@harbourside.example", 9100001
REFUSALS = {
    "BAD_AUTH_CODE": ("invalid_grant", "missing or unknown auth code"),
    "BAD_REDIRECT_URI": ("invalid_grant", "redirect_uri does not match initial redirect_uri"),
    "BAD_CLIENT_ID": ("invalid_client", "missing or unknown client id"),
    "BAD_CLIENT_SECRET": ("invalid_client", "missing or invalid client secret"),
    "BAD_REFRESH_TOKEN": ("invalid_grant", "refresh token is invalid, expired or revoked"),
    "BAD_GRANT_TYPE": ("unsupported_grant_type", "missing or unknown grant type"),
}


def fresh(options):
    """The app's credentials and what it issued: codes, access and refresh tokens."""
    return {"client_id": options["hubspot_client_id"],
            "client_secret": options["hubspot_client_secret"],
            "redirect_uris": options["hubspot_redirect_uris"],  # None: any is registered
            "lifetime": float(options["hubspot_oauth_lifetime"]),
            "deny": False, "codes": {}, "access": {}, "refresh": {},
            "grants": {"authorization_code": 0, "refresh_token": 0}}


def _oauth():
    return state.data("hubspot")["oauth"]


def _now():
    return clock.now().timestamp()


def refused(code, status=400):
    error, message = REFUSALS[code]
    response = jsonify({"status": code, "message": message, "error": error,
                        "error_description": message, "correlationId": correlation_id()})
    response.status_code = status
    return response


def _page(status, message):
    return (f"<!doctype html><title>HubSpot</title><h1>Couldn't complete the connection</h1>"
            f"<p>{message}</p>", status, {"Content-Type": "text/html; charset=utf-8"})


@bp.get("/authorize")
def authorize():
    """HubSpot's consent page, approved at once: back to redirect_uri with code and state."""
    args = request.args
    with state.current().lock:
        app = _oauth()
        if args.get("client_id") != app["client_id"]:
            return _page(400, "The app's client ID is not valid.")
        target = args.get("redirect_uri", "")
        if not target or (app["redirect_uris"] is not None and target not in app["redirect_uris"]):
            return _page(400, f"Authorization failed because the redirect URL '{target}' "
                              "doesn't match the app's registered redirect URL.")
        if app["deny"]:
            query = {"error": "access_denied",
                     "error_description": "The user denied the app access", "state": args.get("state", "")}
        else:
            code = str(uuid.uuid4())
            app["codes"][code] = {"redirect_uri": target, "issued": _now(), "used": False,
                                  "scopes": args.get("scope", "").split()}
            query = {"code": code, "state": args.get("state", "")}
    return redirect(target + ("&" if "?" in target else "?") + urlencode(query))


def _not_the_app(app, form):
    """HubSpot's refusal when the form's client id or secret are not the app's, else None."""
    if form.get("client_id") != app["client_id"]:
        return refused("BAD_CLIENT_ID")
    if form.get("client_secret") != app["client_secret"]:
        return refused("BAD_CLIENT_SECRET")
    return None


@bp.post("/v1/token")
@bp.post("/v3/token")
def token():
    form = request.form
    with state.current().lock:
        app = _oauth()
        kind = form.get("grant_type")
        if kind not in ("authorization_code", "refresh_token"):
            return refused("BAD_GRANT_TYPE")
        stranger = _not_the_app(app, form)
        if stranger:
            return stranger
        if kind == "authorization_code":
            code = app["codes"].get(form.get("code", ""))
            if code is None or code["used"] or _now() - code["issued"] > CODE_LIFETIME:
                return refused("BAD_AUTH_CODE")
            if form.get("redirect_uri") != code["redirect_uri"]:
                return refused("BAD_REDIRECT_URI")
            code["used"] = True
            refresh = "na1-" + str(uuid.uuid4())
            app["refresh"][refresh] = {"revoked": False, "scopes": code["scopes"]}
        else:
            refresh = form.get("refresh_token", "")
            if refresh not in app["refresh"] or app["refresh"][refresh]["revoked"]:
                return refused("BAD_REFRESH_TOKEN")
        app["grants"][kind] += 1
        access = "CK" + secrets.token_urlsafe(48)
        app["access"][access] = {"expires": _now() + app["lifetime"], "refresh": refresh}
        scopes = app["refresh"][refresh]["scopes"]
        return jsonify({"token_type": "bearer", "refresh_token": refresh, "access_token": access,
                        "expires_in": int(app["lifetime"]), "hub_id": hubspot_account.PORTAL_ID,
                        "scopes": scopes, "user_id": INSTALLER_ID, "token_use": "access_token"})


def bearer(token):
    """None for an access token this app issued and that is alive; else seconds it is past
    expiry (0 or more), or -1 when it was never issued."""
    issued = _oauth()["access"].get(token)
    if issued is None:
        return -1
    late = _now() - issued["expires"]
    return None if late < 0 else late


def _signed(token, scopes):
    """signed_access_token: the token's claims as HubSpot signs them (values made up)."""
    expires = int(_oauth()["access"][token]["expires"] * 1000)
    return {"expiresAt": expires, "scopes": ",".join(scopes), "hubId": hubspot_account.PORTAL_ID,
            "userId": INSTALLER_ID, "appId": hubspot_account.APP_ID, "appInstallId": "38211442",
            "audience": "public-app", "installingUserId": INSTALLER_ID,
            "signature": hashlib.sha256(token.encode()).hexdigest()[:28],
            "scopeToScopeGroupPks": "", "newSignature": hashlib.sha256(
                token[::-1].encode()).hexdigest()[:28], "hublet": "na1", "trialScopes": "",
            "trialScopeToScopeGroupPks": "", "isUserLevel": False, "isPrivateDistribution": False,
            "isServiceAccount": False}


def _info(kind, token):
    app = _oauth()
    refresh = app["refresh"].get(token if kind == "refresh" else
                                 (app["access"].get(token) or {}).get("refresh"))
    return {"token": token, "user": INSTALLER, "hub_domain": HUB_DOMAIN,
            "scopes": (refresh or {}).get("scopes", []), "hub_id": hubspot_account.PORTAL_ID,
            "user_id": INSTALLER_ID, "token_type": kind}


@bp.get("/v1/access-tokens/<token>")
def access_token_info(token):
    with state.current().lock:
        if bearer(token) is not None:
            response = jsonify({"status": "error", "message": "Token not found or expired",
                                "correlationId": correlation_id(), "category": "OBJECT_NOT_FOUND"})
            response.status_code = 404
            return response
        expires, info = _oauth()["access"][token]["expires"], _info("access", token)
        return jsonify(info | {
            "app_id": hubspot_account.APP_ID, "expires_in": int(expires - _now()),
            "is_private_distribution": False,
            "signed_access_token": _signed(token, info["scopes"])})


@bp.route("/v1/refresh-tokens/<token>", methods=["GET", "DELETE"])
def refresh_token(token):
    with state.current().lock:
        app = _oauth()
        if token not in app["refresh"] or app["refresh"][token]["revoked"]:
            return refused("BAD_REFRESH_TOKEN")
        if request.method == "DELETE":
            app["refresh"][token]["revoked"] = True
            return "", 204
        return jsonify(_info("refresh", token) | {"client_id": app["client_id"]})


@bp.post("/v3/token/introspect")
def introspect():
    """v3: {"active": false} for a token that is unknown, expired or revoked."""
    form, token = request.form, request.form.get("token", "")
    with state.current().lock:
        app = _oauth()
        stranger = _not_the_app(app, form)
        if stranger:
            return stranger
        shared = {"active": True, "client_id": app["client_id"],
                  "app_id": hubspot_account.APP_ID, "is_private_distribution": False}
        if bearer(token) is None:
            left, info = int(app["access"][token]["expires"] - _now()), _info("access", token)
            return jsonify(shared | info | {
                "token_type": "Bearer", "token_use": "access_token", "expires_in": left,
                "signed_access_token": _signed(token, info["scopes"])})
        if token in app["refresh"] and not app["refresh"][token]["revoked"]:
            return jsonify(shared | _info("refresh", token) | {
                "token_type": "Bearer", "token_use": "refresh_token"})
        return jsonify({"active": False})


@bp.post("/v3/token/revoke")
def revoke():
    """v3: revokes a refresh token; 200 whether or not it was alive (as RFC 7009 has it)."""
    form = request.form
    with state.current().lock:
        app = _oauth()
        stranger = _not_the_app(app, form)
        if stranger:
            return stranger
        if form.get("token") in app["refresh"]:
            app["refresh"][form["token"]]["revoked"] = True
    return "", 200


# -- control: no auth, no limit, no faults ------------------------------------------------

@control.get("")
def show():
    """What the app issued: tokens (alive, expired, revoked) and how many grants."""
    with state.current().lock:
        app, now = _oauth(), _now()
        return jsonify({
            "access_tokens": [{"token": t, "expired": now >= a["expires"], "refresh": a["refresh"]}
                              for t, a in app["access"].items()],
            "refresh_tokens": [{"token": t, "revoked": r["revoked"]}
                               for t, r in app["refresh"].items()],
            "codes": len(app["codes"]), "grants": app["grants"], "lifetime": app["lifetime"]})


@control.post("")
def switch():
    """{"lifetime": s} for new tokens, {"expire_now": true} ends the issued ones, {"deny":
    true} makes the authorize page refuse, {"redirect_uris": [...]} registers those only."""
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
