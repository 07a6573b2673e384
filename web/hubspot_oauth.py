"""Connect HubSpot by OAuth (CON-1): off to HubSpot's authorize page, back to the callback,
and Disconnect (the refresh token is revoked). Tokens never reach a page or a log."""

import secrets
import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from core import connections, hubspot_tokens
from core.connectors.hubspot_oauth import CALLBACK_PATH, OAuthApp
from core.errors import ConfigError, ServiceError
from web.views import current_admin, current_config

bp = Blueprint("hubspot_oauth", __name__, url_prefix="/connections/hubspot/oauth")
STATE_SECONDS = 600  # an authorize round trip older than this is refused
KEY = "hubspot_oauth_state"  # in the signed session cookie


def _back():
    return redirect(url_for("connections.index", _anchor="hubspot"))


@bp.get("/connect")
def connect():
    """Remember a one-time state for this admin's session and go to HubSpot's page."""
    try:
        app = OAuthApp(current_config())
    except ConfigError as exc:
        flash(f"Connect HubSpot needs the public app's keys: {exc}", "error")
        return _back()
    state = secrets.token_urlsafe(32)
    session[KEY] = {"state": state, "admin": current_admin(),
                    "expires": time.time() + STATE_SECONDS}
    return redirect(app.authorize_url(state))


def _refuse(why):
    current_app.logger.warning("HubSpot OAuth callback refused for %s: %s",
                               current_admin() or "?", why)
    return render_template("error.html", title="HubSpot connection refused",
                           message="This answer from HubSpot does not belong to a connection "
                           f"started here ({why}). Nothing was saved: click Connect HubSpot "
                           "again on the Connections page."), 400


@bp.get(CALLBACK_PATH.removeprefix("/connections/hubspot/oauth"))
def callback():
    """Check the state, exchange the code, store the tokens, show the portal."""
    started = session.pop(KEY, None)  # single use, whatever happens next
    given = request.args.get("state", "")
    if not started or not secrets.compare_digest(given, started.get("state", "")):
        return _refuse("the state does not match")
    if started.get("admin") != current_admin() or time.time() > started.get("expires", 0):
        return _refuse("the attempt expired or was started by someone else")
    if request.args.get("error"):
        flash("HubSpot did not grant access: "
              f"{request.args.get('error_description') or request.args['error']}.", "error")
        return _back()
    config = current_config()
    try:
        grant = hubspot_tokens.connect(config, request.args.get("code", ""))
    except (ConfigError, ServiceError) as exc:
        flash(f"HubSpot was not connected: {exc}", "error")
        return _back()
    connections.check("hubspot", config)
    flash(f"HubSpot connected: portal {grant.hub_id} ({grant.hub_domain}), granted by "
          f"{grant.user or 'an admin of the portal'}.", "success")
    return _back()


@bp.post("/disconnect")
def disconnect():
    """Revoke the refresh token at HubSpot and forget the OAuth connection (links stay)."""
    grant, problem = hubspot_tokens.disconnect(current_config())
    if grant and problem:
        flash(f"HubSpot portal {grant.hub_id} disconnected here, but HubSpot did not confirm "
              f"the revoke ({problem}): uninstall the app in the portal to be sure.", "error")
    elif grant:
        flash(f"HubSpot portal {grant.hub_id} disconnected: the app's access was revoked.",
              "success")
    return _back()
