"""Leases: named locks kept in the store that expire unless their holder renews them.

Huey's own locks have no expiry on SQLite and are flushed by any consumer that starts with
`-f`, even while another machine's worker still holds them. A lease lives in SyncDesk's
store, is taken and renewed with one conditional UPDATE (atomic on SQLite and PostgreSQL),
and a killed worker's lease simply runs out, so a crash can never hold a lock for good.

Names used: "run:<entity>:<direction>" (one writing run at a time), "soon:<entity>:<direction>"
(a webhook-triggered sync is already on its way), "mark:<what>" (a slot already handled, e.g.
the last schedule slot, kept in `holder`).
"""

import datetime

from peewee import CharField, DateTimeField, IntegerField

from core.store import BaseModel, Run, atomic_write, utcnow

DEAD_MESSAGE = ("the worker stopped while this run was going (killed or crashed); "
                "the next run resumes from the last finished page")


class Lease(BaseModel):
    name = CharField(primary_key=True)
    holder = CharField(default="")  # "" when free
    run_id = IntegerField(null=True)  # the run the holder is executing, if any
    expires_at = DateTimeField(null=True)


def _row(name):
    row = Lease.get_or_none(Lease.name == name)
    if row is None:
        Lease.insert(name=name, holder="").on_conflict_ignore().execute()
        row = Lease.get(Lease.name == name)
    return row


def acquire(name, holder, ttl, run_id=None, now=None):
    """Take `name` for `ttl` seconds if it is free, expired or already ours.

    Returns (taken, previous) where `previous` is the Lease row as it was: when it held a
    run and had expired, that run's worker is gone.
    """
    now = now or utcnow()
    previous = _row(name)
    free = (previous.holder == "" or previous.holder == holder
            or (previous.expires_at is not None and previous.expires_at <= now)
            or _ended(previous.run_id))
    if not free:
        return False, previous
    # compare-and-set on the holder we saw: two workers racing for it cannot both win
    taken = Lease.update(holder=holder, run_id=run_id,
                         expires_at=now + datetime.timedelta(seconds=ttl)).where(
        Lease.name == name, Lease.holder == previous.holder,
        Lease.expires_at.is_null() if previous.expires_at is None
        else Lease.expires_at == previous.expires_at).execute()
    return taken == 1, previous


def _ended(run_id):
    """The run a lease was taken for has ended (its worker was found dead, or is releasing)."""
    if run_id is None:
        return False
    run = Run.get_or_none(Run.id == run_id)
    return run is not None and run.status in ("finished", "failed", "refused")


def renew(name, holder, ttl, now=None):
    """Push the expiry of a lease we hold; False when it was lost (expired and taken)."""
    now = now or utcnow()
    return Lease.update(expires_at=now + datetime.timedelta(seconds=ttl)).where(
        Lease.name == name, Lease.holder == holder).execute() == 1


def release(name, holder=None):
    """Free `name` (only if `holder` still holds it, when given)."""
    query = Lease.update(holder="", run_id=None, expires_at=None).where(Lease.name == name)
    if holder is not None:
        query = query.where(Lease.holder == holder)
    return query.execute() == 1


def held(name, now=None):
    """The live Lease row for `name`, or None when it is free or expired."""
    now = now or utcnow()
    row = Lease.get_or_none(Lease.name == name)
    if row and row.holder and (row.expires_at is None or row.expires_at > now):
        return row
    return None


def advance(name, value):
    """Record `value` (ISO text) as handled if it is later than the one recorded.

    True for exactly one caller per value, so two schedulers never both enqueue one slot.
    """
    _row(name)
    return Lease.update(holder=value).where(Lease.name == name,
                                            Lease.holder < value).execute() == 1


def recorded(name):
    row = Lease.get_or_none(Lease.name == name)
    return row.holder if row and row.holder else None


def mark_dead(run_ids, now=None):
    """Runs whose worker is gone end as failed, with the reason; returns the ids changed."""
    now = now or utcnow()
    changed = []
    for run_id in run_ids:
        with atomic_write():
            n = Run.update(status="failed", finished_at=now, phase="failed",
                           message=DEAD_MESSAGE).where(Run.id == run_id,
                                                       Run.status == "running").execute()
        if n:
            changed.append(run_id)
    return changed


def reap(now=None):
    """Mark failed every "running" run whose run lease has expired (its worker died)."""
    now = now or utcnow()
    expired = list(Lease.select().where(Lease.name.startswith("run:"), Lease.holder != "",
                                        Lease.expires_at <= now))
    for row in expired:  # free it unless a live worker took it over meanwhile
        Lease.update(holder="", run_id=None, expires_at=None).where(
            Lease.name == row.name, Lease.holder == row.holder).execute()
    return mark_dead([row.run_id for row in expired if row.run_id], now)
