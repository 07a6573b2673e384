"""The worker's jobs: hand a recorded run to core.runner, which holds its lease.

Runs of one kind never overlap (core.runner and core.leases). A run whose lease is busy
waits in the queue: its task is scheduled again a little later. A run cut short by the
worker's shutdown is asked for again, for the next worker to finish.
"""

import logging
import uuid

from huey import crontab

from core import leases, runner, runs
from core.connections import effective_config
from core.errors import SyncOff
from core.joor import follow as joor_follow
from core.joor import push as joor_push
from core.store import Run, utcnow
from tasks import app, events, notify
from tasks.app import huey

log = logging.getLogger("syncdesk.tasks")

MAX_WAIT_STEP = 30  # seconds between two looks at a busy lease
FOLLOW_AFTER = 120  # seconds after a JOOR push before its job is asked about


@huey.task()
def run_sync(run_id, waited=0):
    """Execute the queued run `run_id` (a sync or JOOR work); returns its final status."""
    run = runs.get(run_id)
    if run is None or run.status != "queued":
        return run.status if run else None
    notify.wire(app.config)  # Slack hears about the run (once per process and config)
    events.wire()  # so do the event webhooks' endpoints
    run = runner.execute(app.config, run_id)
    if run.status == "queued":
        return _wait(run_id, waited)
    if runner.stopped_by_shutdown(run):
        _continue_later(run)
    if run.entity == "joor" and run.direction in ("upload", "update") \
            and run.status == "finished":
        follow_later.schedule(delay=FOLLOW_AFTER)
    return run.status


def _wait(run_id, waited):
    """The lease is busy: look again later, a little less often each time."""
    Run.update(heartbeat_at=utcnow()).where(Run.id == run_id).execute()  # alive, waiting
    delay = min(MAX_WAIT_STEP, 1 + waited // 4)
    run_sync.schedule((run_id,), {"waited": waited + delay}, delay=delay)
    return "waiting"


def _continue_later(run):
    again, created = runs.request(run.entity, run.direction, run.trigger, run.who,
                                  full=run.full, only=run.only, retry_of=run.retry_of)
    if created:
        run_sync(again.id)


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


@huey.task()
def follow_later():
    return follow_joor_if_needed()


@huey.periodic_task(crontab(minute="*/15"))
def follow_joor():
    """Every 15 minutes: follow unsettled JOOR jobs and customers; resend what waited
    (a rate-limited upload finishes later without loss)."""
    app.open_store()
    return follow_joor_if_needed()


def follow_joor_if_needed():
    """Queue a JOOR follow when jobs or customers are unsettled, and an upload for the
    customers JOOR's credit limit left waiting; returns the run ids queued."""
    if not effective_config(app.config).joor_token:
        return []
    jobs, pending = joor_follow.unsettled()
    started = []
    if jobs or pending:
        started.append(enqueue_run("joor", "follow", "schedule")[0].id)
    if joor_push.waiting():
        try:
            joor_push.check_allowed("upload")
        except SyncOff:
            return started
        started.append(enqueue_run("joor", "upload", "schedule")[0].id)
    return started
