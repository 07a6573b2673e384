"""Connect a CRM by OAuth (HubSpot's CON-1, Capsule's EXT-3): off to the CRM's authorize
page, back to the callback, and Disconnect (the refresh token is revoked). Tokens never
reach a page or a log."""

import secrets
import time
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from core import capsule_tokens, connections, hubspot_tokens
from core.connectors import capsule_oauth, hubspot_oauth
from core.errors import ConfigError, ServiceError
from web.views import current_admin, current_config

bp = Blueprint("oauth", __name__, url_prefix="/connections/<system>/oauth")
STATE_SECONDS = 600  # an authorize round trip older than this is refused


@dataclass(frozen=True)
class Crm:
    """What differs between the CRMs: words, the token store, the app, how a grant reads."""

    label: str
    tokens: object  # hubspot_tokens, capsule_tokens
    app: type
    keys: str  # what the app's keys are called
    granted: object  # Grant -> words for "connected: …"
    whose: object  # Grant -> words for "… disconnected"
    undo: str  # what the admin can do when the revoke was not confirmed


CRMS = {
    "hubspot": Crm("HubSpot", hubspot_tokens, hubspot_oauth.OAuthApp, "the public app's keys",
                   lambda g: f"portal {g.hub_id} ({g.hub_domain}), granted by "
                             f"{g.user or 'an admin of the portal'}",
                   lambda g: f"portal {g.hub_id}", "uninstall the app in the portal"),
    "capsule": Crm("Capsule", capsule_tokens, capsule_oauth.OAuthApp, "the app's keys",
                   lambda g: f"site {g.site or g.subdomain} ({g.subdomain}), granted by "
                             f"{g.user or 'a user of the account'}",
                   lambda g: f"account {g.subdomain}",
                   "remove the app under My Preferences → Authorized Applications in Capsule"),
}


def _crm(system):
    if system not in CRMS:
        abort(404)
    return CRMS[system]


def _key(system):
    return f"{system}_oauth_state"  # in the signed session cookie


def _back(system):
    return redirect(url_for("connections.index", _anchor=system))


@bp.get("/connect")
def connect(system):
    """Remember a one-time state for this admin's session and go to the CRM's page."""
    crm = _crm(system)
    try:
        app = crm.app(current_config())
    except ConfigError as exc:
        flash(f"Connect {crm.label} needs {crm.keys}: {exc}", "error")
        return _back(system)
    state = secrets.token_urlsafe(32)
    session[_key(system)] = {"state": state, "admin": current_admin(),
                             "expires": time.time() + STATE_SECONDS}
    return redirect(app.authorize_url(state))


def _refuse(crm, why):
    current_app.logger.warning("%s OAuth callback refused for %s: %s", crm.label,
                               current_admin() or "?", why)
    return render_template("error.html", title=f"{crm.label} connection refused",
                           message=f"This answer from {crm.label} does not belong to a "
                           f"connection started here ({why}). Nothing was saved: click Connect "
                           f"{crm.label} again on the Connections page."), 400


@bp.get("/callback")
def callback(system):
    """Check the state, exchange the code, store the tokens, show whose account it is."""
    crm = _crm(system)
    started = session.pop(_key(system), None)  # single use, whatever happens next
    given = request.args.get("state", "")
    if not started or not secrets.compare_digest(given, started.get("state", "")):
        return _refuse(crm, "the state does not match")
    if started.get("admin") != current_admin() or time.time() > started.get("expires", 0):
        return _refuse(crm, "the attempt expired or was started by someone else")
    if request.args.get("error"):
        flash(f"{crm.label} did not grant access: "
              f"{request.args.get('error_description') or request.args['error']}.", "error")
        return _back(system)
    config = current_config()
    try:
        grant = crm.tokens.connect(config, request.args.get("code", ""))
    except (ConfigError, ServiceError) as exc:
        flash(f"{crm.label} was not connected: {exc}", "error")
        return _back(system)
    connections.check(system, config)
    flash(f"{crm.label} connected: {crm.granted(grant)}.", "success")
    return _back(system)


@bp.post("/disconnect")
def disconnect(system):
    """Revoke the refresh token at the CRM and forget the OAuth connection (links stay)."""
    crm = _crm(system)
    grant, problem = crm.tokens.disconnect(current_config())
    if grant and problem:
        flash(f"{crm.label} {crm.whose(grant)} disconnected here, but {crm.label} did not "
              f"confirm the revoke ({problem}): {crm.undo} to be sure.", "error")
    elif grant:
        flash(f"{crm.label} {crm.whose(grant)} disconnected: the app's access was revoked.",
              "success")
    return _back(system)
