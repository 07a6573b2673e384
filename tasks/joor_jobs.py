"""The worker's JOOR jobs: match, upload, update and follow, as recorded runs.

After an upload or update the worker follows JOOR's jobs and new connections by itself
(`follow_joor`, every 15 minutes while something is unsettled), and sends again customers
left waiting by JOOR's credit limit: a rate-limited upload finishes later without loss.
"""

import importlib
import logging

from huey import crontab

from core import joor, joor_follow, joor_runs, runs
from core.connections import effective_config
from core.errors import SyncOff
from core.store import Run, utcnow
from tasks import app
from tasks.app import huey

log = logging.getLogger("syncdesk.tasks")
FOLLOW_AFTER = 120  # seconds after a push before its job is asked about
WAIT = 30  # seconds before a JOOR run kept waiting by another one tries again


@huey.task()
def run_joor(run_id, channel=""):
    """Execute the queued JOOR run `run_id`; a match started from Slack reports there."""
    run = runs.get(run_id)
    if run is None or run.status != "queued":
        return run.status if run else None
    run = joor_runs.execute(app.config, run_id, wait=True)
    if run.status == "queued":  # another JOOR run is going: try again shortly
        Run.update(heartbeat_at=utcnow()).where(Run.id == run_id).execute()  # alive, waiting
        run_joor.schedule((run_id, channel), delay=WAIT)
        return "waiting"
    if run.direction == "match" and channel:
        _report(run, channel)
    if run.direction in ("upload", "update") and run.status == "finished":
        follow_later.schedule(delay=FOLLOW_AFTER)
    return run.status


def _report(run, channel):
    """bot.match posts the summary and the first pairs; Slack trouble never fails the run."""
    if not app.config.slack_bot_token:
        return
    try:
        importlib.import_module("bot.match").post_summary(app.config, run, channel)
    except Exception:
        log.exception("JOOR match %s: could not post to Slack", run.id)


def enqueue(direction, trigger, who="", only=None, channel=""):
    """Record a JOOR run and queue it; returns (run, queued now?)."""
    run, created = joor_runs.request(direction, trigger, who, only)
    if created:
        run_joor(run.id, channel)
    return runs.get(run.id), created


@huey.task()
def follow_later():
    return _follow_if_needed()


@huey.periodic_task(crontab(minute="*/15"))
def follow_joor():
    """Every 15 minutes: follow unsettled jobs and customers; resend what waited."""
    app.open_store()
    return _follow_if_needed()


def _follow_if_needed():
    if not effective_config(app.config).joor_token:
        return None
    jobs, pending = joor_follow.unsettled()
    started = []
    if jobs or pending:
        started.append(enqueue("follow", "schedule")[0].id)
    if joor.waiting():
        try:
            joor.check_allowed("upload")
        except SyncOff:
            return started
        started.append(enqueue("upload", "schedule")[0].id)
    return started
