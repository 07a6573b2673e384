"""Leases: named locks kept in the store that expire unless their holder renews them.

This is the one way SyncDesk knows a run's worker is alive. A run executes holding the lease
"run:<entity>:<direction>" ("run:joor" for all JOOR work, "run:dry:<id>" for a dry run),
renewed by a heartbeat thread. A lease is free again once it has expired, once its run has
ended, or at once when its holder is a process of this machine that no longer exists (a
killed CLI or worker): `reap` then marks that run failed, and the next run resumes from the
last finished page. A lease is taken with one conditional UPDATE (atomic on SQLite and
PostgreSQL), so two workers racing for it cannot both win.

Other names: "soon:<entity>:<direction>" (a webhook-triggered sync is on its way),
"mark:<what>" (a slot already handled, e.g. the last schedule slot, kept in `holder`).
"""

import datetime
import logging
import os
import socket
import threading
import uuid

from peewee import CharField, DateTimeField, IntegerField

from core.store import BaseModel, Run, atomic_write, db, utcnow

log = logging.getLogger("syncdesk.runs")
DEAD_MESSAGE = ("the worker stopped while this run was going (killed or crashed); "
                "the next run resumes from the last finished page")


class Lease(BaseModel):
    name = CharField(primary_key=True)
    holder = CharField(default="")  # "" when free; "host:pid:token" for a run's holder
    run_id = IntegerField(null=True)  # the run the holder is executing, if any
    expires_at = DateTimeField(null=True)


def new_holder():
    """A holder name that says which process holds the lease (so its death can be seen)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def alive(holder):
    """False when `holder` names a process of this machine that no longer exists."""
    parts = holder.split(":")
    if len(parts) < 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return True  # another machine's process (or a plain name): only expiry can tell
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _row(name):
    row = Lease.get_or_none(Lease.name == name)
    if row is None:
        Lease.insert(name=name, holder="").on_conflict_ignore().execute()
        row = Lease.get(Lease.name == name)
    return row


def _free(row, holder, now):
    return (row.holder == "" or row.holder == holder
            or (row.expires_at is not None and row.expires_at <= now)
            or not alive(row.holder) or _ended(row.run_id))


def acquire(name, holder, ttl, run_id=None, now=None):
    """Take `name` for `ttl` seconds if it is free, expired, ours, or its holder is dead.

    Returns (taken, previous) where `previous` is the Lease row as it was.
    """
    now = now or utcnow()
    previous = _row(name)
    if not _free(previous, holder, now):
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
    """The live Lease row for `name`, or None when it is free, expired or its holder dead."""
    now = now or utcnow()
    row = Lease.get_or_none(Lease.name == name)
    if row and not _free(row, None, now):
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


def reap(now=None):
    """Mark failed every "running" run whose worker is gone; returns their ids.

    Gone: its lease expired, was lost to another holder, or names a dead local process.
    """
    now = now or utcnow()
    dead = []
    for run in Run.select(Run.id).where(Run.status == "running"):
        lease = Lease.get_or_none(Lease.run_id == run.id, Lease.holder != "")
        if lease is not None and (lease.expires_at is None or lease.expires_at > now) \
                and alive(lease.holder):
            continue
        with atomic_write():
            changed = Run.update(status="failed", finished_at=now, phase="failed",
                                 message=DEAD_MESSAGE).where(Run.id == run.id,
                                                             Run.status == "running").execute()
            if lease is not None:  # unless a live worker took it over meanwhile
                Lease.update(holder="", run_id=None, expires_at=None).where(
                    Lease.name == lease.name, Lease.holder == lease.holder).execute()
        if changed:
            dead.append(run.id)
    return dead


class Heartbeat:
    """Renews a run's lease and heartbeat in a thread while it executes.

    `lost` turns true when the lease was taken over (this worker was presumed dead).
    """

    def __init__(self, name, holder, ttl, run_id):
        self.name, self.holder, self.ttl, self.run_id = name, holder, ttl, run_id
        self.done = threading.Event()
        self.lost = False
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{run_id}",
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join(timeout=5)

    def _beat(self):
        try:
            while not self.done.wait(max(self.ttl / 3, 0.2)):
                if not renew(self.name, self.holder, self.ttl):
                    self.lost = True
                    log.error("run %s lost its lease %s", self.run_id, self.name)
                    return
                Run.update(heartbeat_at=utcnow()).where(Run.id == self.run_id).execute()
        finally:
            db.close()


def drop(name, holder):
    """Delete a one-off lease (a dry run's) once its holder is done with it."""
    Lease.delete().where(Lease.name == name, Lease.holder == holder).execute()
