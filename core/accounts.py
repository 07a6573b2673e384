"""Panel administrators and sign-in attempts, kept in the store.

Failed sign-ins are rows in the store rather than counters in memory, so every gunicorn
worker (and every panel process) sees the same count and the limit holds for all of them.
"""

import datetime

from peewee import AutoField, CharField, DateTimeField, IntegerField
from werkzeug.security import check_password_hash, generate_password_hash

from core.errors import SyncError
from core.store import BaseModel, atomic_write, utcnow

WINDOW = datetime.timedelta(minutes=15)
# Failed attempts per WINDOW: past the source address's limit that address waits out the window;
# past the user name's, attempts at that name slow down to one per SLOW_DOWN instead of being
# locked out, so an attacker guessing the admin's password cannot lock the admin out.
MAX_FAILURES = {"user": 5, "ip": 20}
SLOW_DOWN = datetime.timedelta(seconds=30)
MIN_PASSWORD = 10
MAX_NAME = 64  # characters of a user name kept in a sign-in attempt
# Checked when the user name is unknown, so an unknown name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password")


class AccountError(SyncError):
    """An account could not be created or signed in; the message says why."""


class Admin(BaseModel):
    id = AutoField()
    username = CharField(unique=True)
    password_hash = CharField()
    created_at = DateTimeField(default=lambda: utcnow())
    signed_in_at = DateTimeField(null=True)
    session_version = IntegerField(default=0)  # sessions of an older version are signed out


class LoginAttempt(BaseModel):
    """One failed sign-in, counted against its user name and its IP address."""

    id = AutoField()
    key = CharField()  # "user:<name>" or "ip:<address>"
    at = DateTimeField(default=lambda: utcnow())

    class Meta:
        indexes = ((("key", "at"), False),)


MODELS = [Admin, LoginAttempt]


def _clean(username):
    return (username or "").strip().lower()


def create_admin(username, password):
    """A new administrator; refuses a taken name or a short password."""
    username = _clean(username)
    if not username:
        raise AccountError("a user name is required")
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if Admin.get_or_none(Admin.username == username):
        raise AccountError(f"an administrator named {username!r} already exists")
    with atomic_write():
        return Admin.create(username=username, password_hash=generate_password_hash(password))


def set_password(username, password):
    """Replace an administrator's password; the sessions signed in before end."""
    admin = Admin.get_or_none(Admin.username == _clean(username))
    if admin is None:
        raise AccountError(f"no administrator named {_clean(username)!r}")
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    admin.password_hash = generate_password_hash(password)
    admin.session_version += 1
    with atomic_write():
        admin.save()
    return admin


def get(admin_id):
    return Admin.get_or_none(Admin.id == admin_id)


def _keys(username, ip):
    # A name no admin can have is cut short: a megabyte-long name is one short row.
    return {"user": f"user:{_clean(username)[:MAX_NAME]}", "ip": f"ip:{(ip or '?')[:64]}"}


def blocked(username, ip, now=None):
    """Seconds to wait before another attempt is allowed, or 0."""
    now = now or utcnow()
    wait = 0.0
    for kind, key in _keys(username, ip).items():
        recent = (LoginAttempt.select(LoginAttempt.at)
                  .where(LoginAttempt.key == key, LoginAttempt.at > now - WINDOW)
                  .order_by(LoginAttempt.at.desc()).limit(MAX_FAILURES[kind]))
        times = [row.at for row in recent]
        if len(times) >= MAX_FAILURES[kind]:
            free_at = times[-1] + WINDOW if kind == "ip" else times[0] + SLOW_DOWN
            wait = max(wait, (free_at - now).total_seconds())
    return int(wait) + 1 if wait > 0 else 0


def sign_in(username, password, ip, now=None):
    """The administrator these credentials belong to; AccountError otherwise."""
    now = now or utcnow()
    wait = blocked(username, ip, now)
    if wait:
        raise AccountError(f"too many failed sign-ins: try again in {wait} second(s)")
    admin = Admin.get_or_none(Admin.username == _clean(username))
    if not check_password_hash(admin.password_hash if admin else _DUMMY_HASH, password or ""):
        _fail(username, ip, now)
        raise AccountError("wrong user name or password")
    with atomic_write():
        LoginAttempt.delete().where(LoginAttempt.key == _keys(username, ip)["user"]).execute()
        admin.signed_in_at = now
        admin.save()
    return admin


def end_sessions(admin_id):
    """Sign this administrator out everywhere: every session cookie issued so far stops working."""
    with atomic_write():
        Admin.update(session_version=Admin.session_version + 1).where(
            Admin.id == admin_id).execute()


def _fail(username, ip, now):
    with atomic_write():
        for key in _keys(username, ip).values():
            LoginAttempt.create(key=key, at=now)
        # Old rows only ever matter for WINDOW: drop them all, whichever name they tried.
        LoginAttempt.delete().where(LoginAttempt.at < now - WINDOW).execute()
