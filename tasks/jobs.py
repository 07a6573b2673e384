"""The worker's jobs: hand a recorded run to core.runner, one writing run at a time.

Runs of one entity and direction never overlap: a run holds the lease "run:<entity>:<direction>"
in the store while it executes, renewed every third of RUN_LEASE_SECONDS by a heartbeat
thread. A worker killed mid-run stops renewing; once the lease runs out, the next run takes
it over, marks the killed run failed and resumes from the last finished page (core.cursors).
A run whose lease is busy waits in the queue: its task is scheduled again a little later.
"""

import logging
import threading
import time
import uuid

from core import leases, runner, runs
from core.errors import ServiceError
from core.store import Run, utcnow
from tasks import app, notify
from tasks.app import huey, stopping

log = logging.getLogger("syncdesk.tasks")

MAX_WAIT_STEP = 30  # seconds between two looks at a busy lease


class WorkerStopping(ServiceError):
    """The run must end at its next progress report (shutdown, or its lease was lost)."""

    def __init__(self, why):
        super().__init__("SyncDesk worker", f"{why}; the next run resumes after the last "
                                            "finished page")


def lease_name(entity, direction):
    return f"run:{entity}:{direction}"


@huey.task(context=True)
def run_sync(run_id, waited=0, task=None):
    """Execute the queued run `run_id`; returns its final status (or "waiting")."""
    run = runs.get(run_id)
    if run is None or run.status != "queued":
        return run.status if run else None
    if run.dry_run:  # a dry run writes nothing and moves no cursor: it needs no lease
        return _execute(run_id)
    name, holder = lease_name(run.entity, run.direction), task.id if task else uuid.uuid4().hex
    taken, previous = leases.acquire(name, holder, app.config.run_lease_seconds, run_id)
    if not taken:
        return _wait(run_id, waited)
    return _holding(run_id, name, holder, previous)


def run_here(run_id, wait=600, poll=1.0):
    """Execute a queued run in this process (the CLI) under the worker's lease rules.

    Waits up to `wait` seconds for a run of the same kind to end; returns the final status,
    or "queued" when the lease stayed busy.
    """
    run = runs.get(run_id)
    if run.dry_run:
        return _execute(run_id)
    name, holder = lease_name(run.entity, run.direction), uuid.uuid4().hex
    deadline = time.monotonic() + wait
    while True:
        runs.mark_dead_runs()  # a killed CLI run on this machine frees its lease at once
        taken, previous = leases.acquire(name, holder, app.config.run_lease_seconds, run_id)
        if taken:
            return _holding(run_id, name, holder, previous)
        if time.monotonic() >= deadline:
            return "queued"
        time.sleep(poll)


def _holding(run_id, name, holder, previous):
    """With the lease taken: bury a dead holder's run, execute, hand the lease back."""
    try:
        if previous.holder and previous.holder != holder and previous.run_id:
            _bury(previous.run_id)
        if runs.get(run_id).status != "queued":  # a twin task ran it meanwhile
            return runs.get(run_id).status
        with Heartbeat(name, holder, app.config.run_lease_seconds, run_id) as beat:
            status = _execute(run_id)
        if beat.raised and not beat.lost:
            _continue_later(runs.get(run_id))
        return status
    finally:
        leases.release(name, holder)


def _wait(run_id, waited):
    """The lease is busy: look again later, a little less often each time."""
    Run.update(heartbeat_at=utcnow()).where(Run.id == run_id).execute()  # alive, waiting
    delay = min(MAX_WAIT_STEP, 1 + waited // 4)
    run_sync.schedule((run_id,), {"waited": waited + delay}, delay=delay)
    return "waiting"


def _bury(run_id):
    """The previous holder's lease ran out: its worker is gone, so its run failed."""
    for dead in leases.mark_dead([run_id]):
        log.warning("run %s: its worker stopped without finishing; marked failed", dead)
        notify.finish(app.config, runs.get(dead))


def _execute(run_id):
    cfg = app.config
    notify.wire(cfg)
    try:
        return runner.execute(cfg, run_id).status
    finally:
        notify.finish(cfg, runs.get(run_id))


def _continue_later(run):
    """A run cut short by a shutdown is asked for again, for the next worker to finish."""
    again, created = runs.request(run.entity, run.direction, run.trigger, run.who,
                                  full=run.full, only=run.only, retry_of=run.retry_of)
    if created:
        run_sync(again.id)


class Heartbeat:
    """Renews the run's lease and heartbeat while it executes; stops it on shutdown."""

    def __init__(self, name, holder, ttl, run_id):
        self.name, self.holder, self.ttl, self.run_id = name, holder, ttl, run_id
        self.done = threading.Event()
        self.lost = self.raised = False
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{run_id}",
                                       daemon=True)

    def __enter__(self):
        runs.LISTENERS.append(self.check)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join(timeout=5)
        runs.LISTENERS.remove(self.check)

    def _beat(self):
        from core.store import db

        try:
            while not self.done.wait(max(self.ttl / 3, 0.2)):
                if not leases.renew(self.name, self.holder, self.ttl):
                    self.lost = True
                    log.error("run %s lost its lease %s", self.run_id, self.name)
                    return
                Run.update(heartbeat_at=utcnow()).where(Run.id == self.run_id).execute()
        finally:
            db.close()

    def check(self, run):
        """A progress listener: end this run at its next report once it must stop."""
        if run.id != self.run_id or self.raised or not run.phase or run.status in runs.FINAL:
            return  # (no phase yet: the runner is still starting the run)
        if self.lost or stopping.is_set():
            self.raised = True
            raise WorkerStopping("another worker took this run's lock over" if self.lost
                                 else "the worker was asked to stop")


def enqueue_run(entity, direction, trigger, who="", dry_run=False, full=False, only=None,
                retry_of=None, channel=""):
    """Record a run and queue it; returns (run, queued now?).

    A run asked for while the same kind waits in the queue is that waiting run. `channel`
    is where Slack hears about it (written before the run is queued: in immediate mode it
    executes inside this call).
    """
    run, created = runs.request(entity, direction, trigger, who, dry_run, full, only, retry_of,
                                channel)
    if created:
        run_sync(run.id)
        run = runs.get(run.id)  # immediate mode ran it already
    return run, created


def retry_failed(run_id, who="", trigger="retry", channel=""):
    """Queue a run of only the records that failed in run `run_id`; (None, False) if none."""
    old = runs.get(run_id)
    ids = runs.failed_records(old) if old else []
    if not ids:
        return None, False
    return enqueue_run(old.entity, old.direction, trigger, who, only=ids, retry_of=old.id,
                       channel=channel)


def soon_name(entity, direction):
    return f"soon:{entity}:{direction}"


def sync_soon(entity, direction, who=""):
    """Ask for an incremental run shortly; a burst of calls (webhooks) makes one run.

    The first call leaves a marker in the store and schedules `start_soon`; calls while the
    marker is there do nothing more. Returns True when this call scheduled the run.
    """
    delay = app.config.webhook_debounce_seconds
    taken, _ = leases.acquire(soon_name(entity, direction), uuid.uuid4().hex, delay + 120)
    if not taken:
        return False
    if delay > 0:
        start_soon.schedule((entity, direction, who), delay=delay)
    else:
        start_soon(entity, direction, who)
    return True


@huey.task()
def start_soon(entity, direction, who=""):
    """The debounce is over: changes from now on ask for another run."""
    leases.release(soon_name(entity, direction))
    run, _ = enqueue_run(entity, direction, "webhook", who)
    return run.id
