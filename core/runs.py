"""Runs and their per-record results: created by the drivers, written by the worker."""

import time

from blinker import Signal

from core.settings import ENTITIES  # noqa: F401  (the syncs; JOOR work is entity "joor")
from core.store import Pending, Result, Run, atomic_write, db, utcnow

FINAL = ("finished", "failed", "refused")
COUNTS = ("read", "created", "updated", "unchanged", "failed")

# Receivers get the run row: `reported` on every progress report (a receiver may raise to
# stop the run, as the heartbeat does at shutdown), `ended` once a run has ended.
reported = Signal("a run reported progress")
ended = Signal("a run ended")


def new_run(entity, direction, trigger, who="", dry_run=False, full=False, only=None,
            retry_of=None, channel=""):
    """Record that a run was asked for; the worker picks it up by id.

    `channel`: the Slack channel its progress message goes to, known before it is queued.
    """
    with atomic_write():
        return Run.create(entity=entity, direction=direction, trigger=trigger, who=who or "",
                          dry_run=dry_run, full=full, only=only, retry_of=retry_of,
                          channel=channel or "")


def request(entity, direction, trigger, who="", dry_run=False, full=False, only=None,
            retry_of=None, channel=""):
    """A run to enqueue, or None when the same kind of run already waits in the queue.

    A run asked for while one is going is queued once, not many times; dry runs and runs
    limited to chosen records always get their own row.
    """
    if not dry_run and not only:
        waiting = (Run.select().where(Run.entity == entity, Run.direction == direction,
                                      Run.status == "queued", Run.dry_run == False,  # noqa: E712
                                      Run.only.is_null()).first())
        if waiting:
            return waiting, False
    return new_run(entity, direction, trigger, who, dry_run, full, only, retry_of, channel), True


def get(run_id):
    return Run.get_or_none(Run.id == run_id)


def active(entity, direction):
    """The queued or running run of this entity and direction, if any."""
    return (Run.select().where(Run.entity == entity, Run.direction == direction,
                               Run.status.in_(("queued", "running")), Run.dry_run == False)  # noqa: E712
            .order_by(Run.id).first())


def failed_records(run):
    """Ids of the records that failed in `run` (for "Retry failed")."""
    return sorted({r.record_id for r in
                   Result.select(Result.record_id).where(Result.run == run, Result.outcome == "failed")})


class Progress:
    """Writes a run's phase, counts and results; the row is saved at most once a second."""

    def __init__(self, run, every=1.0, clock=time.monotonic):
        self.run, self.every, self.clock = run, every, clock
        self._saved_at = 0.0
        self._results = []
        self._ok, self._failed, self._failed_ids = set(), {}, set()

    def start(self, owner=""):
        self.run.status, self.run.started_at = "running", utcnow()
        self.run.owner = owner
        self.save(force=True)

    def phase(self, text, total=None):
        self.run.phase = text
        if total is not None:
            self.run.total = total
        self.save(force=True)

    def add(self, **counts):
        for name, value in counts.items():
            setattr(self.run, name, getattr(self.run, name) + value)
        self.save()

    def result(self, record_id, record_name, action, outcome, field="", reason="", remote_id=""):
        self._results.append({"run": self.run.id, "record_id": str(record_id),
                              "record_name": (record_name or "")[:250], "action": action,
                              "outcome": outcome, "field": field or "", "reason": reason or "",
                              "remote_id": remote_id or "", "at": utcnow()})
        if outcome == "failed":
            self.run.failed += 1
            self._failed[str(record_id)] = self._results[-1]
            self._failed_ids.add(str(record_id))

    def succeeded(self, record_ids):
        """Records written without error: no longer pending, unless they failed in this run."""
        self._ok.update(str(i) for i in record_ids)

    def save(self, force=False):
        reported.send(self.run)
        now = self.clock()
        if not force and now - self._saved_at < self.every:
            return
        self._saved_at = now
        self.run.heartbeat_at = utcnow()
        with atomic_write():
            if self._results:
                for start in range(0, len(self._results), 500):
                    Result.insert_many(self._results[start:start + 500]).execute()
                self._results = []
            if not self.run.dry_run:
                self._save_pending()
            self.run.save()

    def _save_pending(self):
        entity, direction = self.run.entity, self.run.direction
        resolved = list(self._ok - self._failed_ids)
        for start in range(0, len(resolved), 500):
            Pending.delete().where(Pending.entity == entity, Pending.direction == direction,
                                   Pending.record_id.in_(resolved[start:start + 500])).execute()
        for record_id, row in self._failed.items():
            Pending.insert(entity=entity, direction=direction, record_id=record_id,
                           record_name=row["record_name"], field=row["field"],
                           reason=row["reason"], last_run_id=self.run.id).on_conflict(
                conflict_target=[Pending.entity, Pending.direction, Pending.record_id],
                update={Pending.reason: row["reason"], Pending.field: row["field"],
                        Pending.failures: Pending.failures + 1,
                        Pending.last_failed_at: utcnow(),
                        Pending.last_run_id: self.run.id}).execute()
        self._ok, self._failed = set(), {}

    def finish(self, status, message=""):
        self.run.status, self.run.finished_at = status, utcnow()
        if message:
            self.run.message = message
        self.run.phase = status
        self.save(force=True)


class Aside:
    """The progress of records written on another record's behalf (a sale's customer):
    they are not counted in the run; what went wrong is kept for the record that needed them."""

    def __init__(self):
        self.failures = []  # (record id, reason)

    def add(self, **counts):
        pass

    def result(self, record_id, record_name, action, outcome, field="", reason="",
               remote_id=""):
        if outcome == "failed":
            self.failures.append((record_id, f"{record_name}: {field + ': ' if field else ''}"
                                             f"{reason}"))

    def succeeded(self, record_ids):
        pass

    def phase(self, text, total=None):
        pass


def results(run, outcome=None, limit=None):
    query = Result.select().where(Result.run == run).order_by(Result.id)
    if outcome:
        query = query.where(Result.outcome == outcome)
    return list(query.limit(limit) if limit else query)


def recent(limit=50, **filters):
    query = Run.select().order_by(Run.id.desc())
    for name, value in filters.items():
        if value:
            query = query.where(getattr(Run, name) == value)
    return list(query.limit(limit))


__all__ = ["new_run", "get", "active", "Progress", "results", "recent", "db", "reported",
           "ended"]
