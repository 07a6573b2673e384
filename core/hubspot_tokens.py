"""The HubSpot OAuth connection (CON-1): its tokens, sealed in the store, refreshed in one
place for every process (panel, worker, bot).

A refresh writes the new tokens only if the row still holds what it read (compare and
swap): when two processes refresh at once, one write wins and the other takes the winner's
token. HubSpot keeps the refresh token on a refresh and both access tokens stay valid, so
losing that race costs one token request, never the connection.
"""

import json
import logging
import time
from dataclasses import asdict, dataclass, replace

from core import sealing
from core.connectors.hubspot_oauth import OAuthApp
from core.errors import ConfigError, ServiceError
from core.store import Connection, atomic_write, utcnow

ROW = "hubspot.oauth"  # its Connection row; the private-app token keeps the "hubspot" row
MARGIN = 300.0  # seconds: an access token this close to expiry is refreshed before use
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


def _read(secret_key):
    """(sealed text, Grant) of the stored connection, or (None, None)."""
    row = Connection.get_or_none(Connection.system == ROW)
    if row is None or not row.secrets:
        return None, None
    try:
        values = json.loads(sealing.decrypt(row.secrets, secret_key))
    except (ConfigError, ValueError):
        return row.secrets, None  # SECRET_KEY changed: it has to be connected again
    values["scopes"] = tuple(values.get("scopes") or ())
    return row.secrets, Grant(**values)


def load(secret_key):
    """The stored Grant, or None when HubSpot is not connected by OAuth."""
    return _read(secret_key)[1]


def _seal(grant, secret_key):
    return sealing.encrypt(json.dumps(asdict(grant)), secret_key)


def save(grant, secret_key):
    """Store `grant`, replacing any other."""
    sealed = _seal(grant, secret_key)
    with atomic_write():
        Connection.insert(system=ROW, secrets=sealed, updated_at=utcnow()).on_conflict(
            conflict_target=[Connection.system],
            update={Connection.secrets: sealed, Connection.updated_at: utcnow()}).execute()


def forget():
    """Drop the stored connection (nothing is asked of HubSpot)."""
    with atomic_write():
        Connection.delete().where(Connection.system == ROW).execute()


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
    was not revoked or "").

    It is forgotten even when HubSpot refuses or cannot be reached: the admin asked for it.
    """
    grant, problem = load(config.secret_key), ""
    if grant is not None:
        try:
            OAuthApp(config).revoke(grant.refresh_token)
        except (ConfigError, ServiceError) as exc:
            problem = str(exc)
            log.warning("HubSpot refresh token not revoked: %s", problem)
    forget()
    return grant, problem


class Session:
    """The access token for HubSpot calls: fresh before use, refreshed once on demand."""

    def __init__(self, config, clock=time.time):
        self.secret_key, self.clock = config.secret_key, clock
        self.grant = load(config.secret_key)
        if self.grant is None:
            raise ConfigError(NOT_CONNECTED)
        self.app = OAuthApp(config, clock)

    def access_token(self):
        """A token that is not about to expire (refreshing it first if it is)."""
        if self.grant.expires_at - self.clock() <= MARGIN:
            return self.refresh(self.grant.access_token)
        return self.grant.access_token

    def refresh(self, stale):
        """A new access token instead of `stale`, or the one another process just stored."""
        sealed, stored = _read(self.secret_key)
        if stored is None:
            raise ConfigError(NOT_CONNECTED)
        if stored.access_token != stale and stored.expires_at - self.clock() > MARGIN:
            self.grant = stored  # another process refreshed already
            return stored.access_token
        tokens = self.app.refresh(stored.refresh_token)
        fresh = replace(stored, access_token=tokens.access_token, expires_at=tokens.expires_at,
                        refresh_token=tokens.refresh_token or stored.refresh_token)
        with atomic_write():
            swapped = Connection.update(secrets=_seal(fresh, self.secret_key),
                                        updated_at=utcnow()).where(
                (Connection.system == ROW) & (Connection.secrets == sealed)).execute()
        if swapped:
            self.grant = fresh
            return fresh.access_token
        # Another process wrote first (or a disconnect): theirs is as good as ours.
        self.grant = load(self.secret_key)
        if self.grant is None:
            raise ConfigError(NOT_CONNECTED)
        return self.grant.access_token
