"""An OAuth connection's tokens (HubSpot's, Capsule's), sealed in the store and refreshed in
one place for every process (panel, worker, bot).

A refresh writes the new tokens only if the row still holds what it read (compare and
swap): when two processes refresh at once, one write wins and the other takes the winner's
token. Losing that race costs one token request, never the connection — provided the loser
rereads the row rather than sending its own (possibly rotated away) refresh token again.
"""

import json
import logging
import time
from dataclasses import asdict, dataclass, replace

from core import sealing
from core.errors import ConfigError, ServiceError
from core.http import Api
from core.store import Connection, atomic_write, utcnow

MARGIN = 300.0  # seconds: an access token this close to expiry is refreshed before use
# After a refused refresh, how long to look for the winner's tokens: it stores them a moment
# after the server answers it (seconds between reads; 0.7 s in all).
RACE_WAITS = (0.05, 0.15, 0.5)


@dataclass(frozen=True)
class Kind:
    """One system's OAuth connection: its store row, its Grant dataclass (refresh_token,
    access_token, expires_at first), its app (config, clock) -> .refresh(token) -> Tokens."""

    row: str
    grant: type
    app: object
    not_connected: str
    label: str = ""  # the system in words, for the log
    tuples: tuple = ()  # Grant fields stored as JSON lists, read back as tuples


def read(kind, secret_key):
    """(sealed text, Grant) of the stored connection, or (None, None)."""
    row = Connection.get_or_none(Connection.system == kind.row)
    if row is None or not row.secrets:
        return None, None
    try:
        values = json.loads(sealing.decrypt(row.secrets, secret_key))
    except (ConfigError, ValueError):
        return row.secrets, None  # SECRET_KEY changed: it has to be connected again
    for name in kind.tuples:
        values[name] = tuple(values.get(name) or ())
    return row.secrets, kind.grant(**values)


def load(kind, secret_key):
    """The stored Grant, or None when the system is not connected by OAuth."""
    return read(kind, secret_key)[1]


def seal(grant, secret_key):
    return sealing.encrypt(json.dumps(asdict(grant)), secret_key)


def save(kind, grant, secret_key):
    """Store `grant`, replacing any other."""
    sealed = seal(grant, secret_key)
    with atomic_write():
        Connection.insert(system=kind.row, secrets=sealed, updated_at=utcnow()).on_conflict(
            conflict_target=[Connection.system],
            update={Connection.secrets: sealed, Connection.updated_at: utcnow()}).execute()


def forget(kind):
    """Drop the stored connection (nothing is asked of the system)."""
    with atomic_write():
        Connection.delete().where(Connection.system == kind.row).execute()


def disconnect(kind, config):
    """Revoke the refresh token and forget the connection: (Grant or None, why it was not
    revoked or ""). It is forgotten even when the system refuses or cannot be reached: the
    admin asked for it."""
    grant, problem = load(kind, config.secret_key), ""
    if grant is not None:
        try:
            kind.app(config).revoke(grant.refresh_token)
        except (ConfigError, ServiceError) as exc:
            problem = str(exc)
            logging.getLogger("syncdesk.oauth").warning("%s refresh token not revoked: %s",
                                                        kind.label, problem)
    forget(kind)
    return grant, problem


class Session:
    """The access token for a system's calls: fresh before use, refreshed once on demand."""

    def __init__(self, kind, config, clock=time.time, margin=None):
        self.kind, self.secret_key, self.clock = kind, config.secret_key, clock
        self.margin = MARGIN if margin is None else margin
        self.grant = load(kind, config.secret_key)
        if self.grant is None:
            raise ConfigError(kind.not_connected)
        self.app = kind.app(config, clock)

    def access_token(self):
        """A token that is not about to expire (refreshing it first if it is)."""
        if self.grant.expires_at - self.clock() <= self.margin:
            return self.refresh(self.grant.access_token)
        return self.grant.access_token

    def refresh(self, stale):
        """A new access token instead of `stale`, or the one another process just stored."""
        sealed, stored = read(self.kind, self.secret_key)
        if stored is None:
            raise ConfigError(self.kind.not_connected)
        if stored.access_token != stale and stored.expires_at - self.clock() > self.margin:
            self.grant = stored  # another process refreshed already
            return stored.access_token
        try:
            tokens = self.app.refresh(stored.refresh_token)
        except ServiceError as exc:
            if exc.retryable:
                raise
            return self._rotated_by_another(stored, exc)
        fresh = replace(stored, access_token=tokens.access_token, expires_at=tokens.expires_at,
                        refresh_token=tokens.refresh_token or stored.refresh_token)
        with atomic_write():
            swapped = Connection.update(secrets=seal(fresh, self.secret_key),
                                        updated_at=utcnow()).where(
                (Connection.system == self.kind.row) & (Connection.secrets == sealed)).execute()
        if swapped:
            self.grant = fresh
            return fresh.access_token
        # Another process wrote first (or a disconnect): theirs is as good as ours.
        self.grant = load(self.kind, self.secret_key)
        if self.grant is None:
            raise ConfigError(self.kind.not_connected)
        return self.grant.access_token

    def _rotated_by_another(self, stored, refused):
        """After a refused refresh: the tokens another process got with the same refresh
        token (a rotating server spends it), once it has stored them; else the refusal."""
        for wait in RACE_WAITS:
            newer = load(self.kind, self.secret_key)
            if newer is not None and newer.refresh_token != stored.refresh_token:
                self.grant = newer
                return newer.access_token
            time.sleep(wait)
        raise refused


class OAuthApi(Api):
    """An Api that sends the OAuth connection's access token, fresh, and after a 401
    refreshes it once and sends the request again."""

    tokens = None  # a Session

    def _once(self, method, path, limiter, kwargs):
        token = self.tokens.access_token()
        self.session.headers["Authorization"] = f"Bearer {token}"
        try:
            return super()._once(method, path, limiter, kwargs)
        except ServiceError as exc:
            if exc.status != 401:
                raise
        # A 401 alone does not prove the token expired, so once and no more.
        self.session.headers["Authorization"] = f"Bearer {self.tokens.refresh(token)}"
        return super()._once(method, path, limiter, kwargs)
