"""What the worker does by itself: start-up checks and a tick every minute.

The tick reads the settings each time, so a schedule changed in the panel takes effect
without restarting the worker. Several workers may tick in the same minute: each slot and
each day's post is claimed in the store (core.leases.advance), so only one acts on it.
"""

import datetime
import logging

from huey import crontab

from core import leases, runner, runs, schedule, settings
from core.errors import SyncOff
from core.store import Run, utcnow
from tasks import app, events, notify
from tasks.app import huey
from tasks.jobs import enqueue_run, run_sync

log = logging.getLogger("syncdesk.tasks")

LOST_AFTER = datetime.timedelta(minutes=2)  # a queued run nobody looked at for this long
SCHEDULE_MARK, DAILY_MARK = "mark:schedule", "mark:daily-post"


@huey.on_startup()
def worker_started():
    """Each worker thread: bind the store, fail the runs a killed worker left "running"."""
    app.open_store()
    notify.wire(app.config)
    events.wire()
    runner.reap()  # runs a stopped worker left "running" are marked failed


@huey.periodic_task(crontab(minute="*"))
def tick():
    """Every minute: dead runs, lost queue messages, the schedule, the daily post."""
    app.open_store()
    now = utcnow()
    for step in (reap, resend_lost, run_schedule, post_daily):
        try:
            step(now)
        except Exception:  # one failing step must not stop the others
            log.exception("scheduler step %s failed", step.__name__)


def reap(now):
    runner.reap()


def _queued_in_huey():
    """Run ids that have a run_sync message waiting in the queue or the schedule."""
    ids = set()
    for task in huey.pending() + huey.scheduled():
        if task.name == run_sync.task_class.__name__ and task.args:
            ids.add(task.args[0])
    return ids


def resend_lost(now):
    """Queued runs whose message was lost (a worker killed after taking it) are sent again.

    A second message for a run is harmless: the run executes once (its lease and status).
    """
    cutoff = now - LOST_AFTER
    stale = [r.id for r in Run.select(Run.id, Run.heartbeat_at, Run.created_at)
             .where(Run.status == "queued")
             if (r.heartbeat_at or r.created_at) < cutoff]
    if not stale:
        return []
    waiting = _queued_in_huey()
    lost = [run_id for run_id in stale if run_id not in waiting]
    for run_id in lost:
        Run.update(heartbeat_at=now).where(Run.id == run_id).execute()
        log.warning("run %s was queued but its task was lost: queued again", run_id)
        run_sync(run_id)
    return lost


def run_schedule(now):
    """Enqueue a scheduled run of each entity that syncs, once per schedule slot."""
    values = settings.all_settings()
    last = leases.recorded(SCHEDULE_MARK)
    try:
        slot = schedule.due(values, datetime.datetime.fromisoformat(last) if last else None,
                            now)
    except schedule.ScheduleError as exc:
        log.warning("the schedule is not used: %s", exc)
        return []
    if slot is None or not leases.advance(SCHEDULE_MARK, slot.isoformat()):
        return []
    queued = []
    for entity in runs.ENTITIES:
        direction = settings.direction(entity)
        try:
            runner.check_allowed(entity, direction)
        except SyncOff:
            continue
        run, _ = enqueue_run(entity, direction, "schedule")
        queued.append(run.id)
    return queued


def post_daily(now):
    """The daily status post, once a day at the set time in the schedule's time zone."""
    if not app.config.slack_bot_token:
        return False
    values = settings.all_settings()
    try:
        zone = schedule.parse(values).zone
        at = datetime.time.fromisoformat(values.get("schedule.daily_post_time") or "08:00")
    except (schedule.ScheduleError, ValueError) as exc:
        log.warning("the daily post is not sent: %s", exc)
        return False
    local = now.replace(tzinfo=datetime.UTC).astimezone(zone)
    if local.time() < at or not leases.advance(DAILY_MARK, local.date().isoformat()):
        return False
    notify.daily_post(app.config, now)
    return True
