"""The Capsule OAuth connection (EXT-3, crms.md §B.2): its tokens, sealed in the store and
refreshed by core/oauth_tokens.py (compare and swap, shared with HubSpot's).

Capsule may rotate the refresh token on a refresh: the newest is always the one stored, and
a process that loses a refresh race takes the winner's tokens.
"""

import logging
import time
from dataclasses import dataclass

from core import oauth_tokens
from core.connectors.capsule_oauth import OAuthApp

ROW = "capsule.oauth"  # its Connection row; a personal access token keeps the "capsule" row
NOT_CONNECTED = ("Capsule is not connected: set CAPSULE_TOKEN (a personal access token) or "
                 "click Connect Capsule on the panel's Connections page.")
log = logging.getLogger("syncdesk.capsule")


@dataclass(frozen=True)
class Grant:
    """One Capsule account's OAuth connection as stored (sealed) in the store."""

    refresh_token: str
    access_token: str
    expires_at: float
    site: str = ""
    subdomain: str = ""
    user: str = ""
    user_id: int = 0
    scope: str = ""


KIND = oauth_tokens.Kind(ROW, Grant, OAuthApp, NOT_CONNECTED, "Capsule")


def load(secret_key):
    """The stored Grant, or None when Capsule is not connected by OAuth."""
    return oauth_tokens.load(KIND, secret_key)


def forget():
    """Drop the stored connection (nothing is asked of Capsule)."""
    oauth_tokens.forget(KIND)


def connect(config, code):
    """Exchange the authorise page's `code`, read whose site and user it opens, store both."""
    app = OAuthApp(config)
    tokens = app.exchange(code)
    account = app.account(tokens.access_token)
    grant = Grant(tokens.refresh_token, tokens.access_token, tokens.expires_at, account.site,
                  account.subdomain or tokens.subdomain, account.user, account.user_id,
                  tokens.scope)
    oauth_tokens.save(KIND, grant, config.secret_key)
    log.info("Capsule connected by OAuth: site %s (%s)", grant.site, grant.subdomain)
    return grant


def disconnect(config):
    """Revoke the refresh token at Capsule and forget the connection: (Grant or None, why it
    was not revoked or "")."""
    return oauth_tokens.disconnect(KIND, config)


class Session(oauth_tokens.Session):
    """The access token for Capsule calls: fresh before use, refreshed once on a 401."""

    def __init__(self, config, clock=time.time):
        super().__init__(KIND, config, clock)
