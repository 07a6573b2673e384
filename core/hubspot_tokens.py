"""The HubSpot OAuth connection (CON-1): its tokens, sealed in the store and refreshed by
core/oauth_tokens.py (compare and swap, shared with Capsule's).

HubSpot keeps the refresh token on a refresh and both access tokens stay valid, so losing a
refresh race costs one token request, never the connection.
"""

import logging
import time
from dataclasses import dataclass

from core import oauth_tokens
from core.connectors.hubspot_oauth import OAuthApp

ROW = "hubspot.oauth"  # its Connection row; the private-app token keeps the "hubspot" row
MARGIN = oauth_tokens.MARGIN
NOT_CONNECTED = ("HubSpot is not connected: set HUBSPOT_TOKEN (a private app's token) or "
                 "click Connect HubSpot on the panel's Connections page.")
log = logging.getLogger("syncdesk.hubspot")


@dataclass(frozen=True)
class Grant:
    """One portal's OAuth connection as stored (sealed) in the store."""

    refresh_token: str
    access_token: str
    expires_at: float
    hub_id: int = 0
    hub_domain: str = ""
    user: str = ""
    scopes: tuple = ()


KIND = oauth_tokens.Kind(ROW, Grant, OAuthApp, NOT_CONNECTED, "HubSpot", tuples=("scopes",))


def load(secret_key):
    """The stored Grant, or None when HubSpot is not connected by OAuth."""
    return oauth_tokens.load(KIND, secret_key)


def save(grant, secret_key):
    """Store `grant`, replacing any other."""
    oauth_tokens.save(KIND, grant, secret_key)


def forget():
    """Drop the stored connection (nothing is asked of HubSpot)."""
    oauth_tokens.forget(KIND)


def connect(config, code):
    """Exchange the authorize page's `code`, read whose portal it opens, store both."""
    app = OAuthApp(config)
    tokens = app.exchange(code)
    portal = app.portal(tokens.access_token)
    grant = Grant(tokens.refresh_token, tokens.access_token, tokens.expires_at, portal.hub_id,
                  portal.hub_domain, portal.user, portal.scopes)
    save(grant, config.secret_key)
    log.info("HubSpot connected by OAuth: portal %s (%s)", grant.hub_id, grant.hub_domain)
    return grant


def disconnect(config):
    """Revoke the refresh token at HubSpot and forget the connection: (Grant or None, why it
    was not revoked or "")."""
    return oauth_tokens.disconnect(KIND, config)


class Session(oauth_tokens.Session):
    """The access token for HubSpot calls: fresh before use, refreshed once on demand."""

    def __init__(self, config, clock=time.time):
        super().__init__(KIND, config, clock)
