"""Event webhooks from the worker (EXT-4): runs.ended only enqueues; attempts and retries
are Huey tasks, so a slow or dead receiver never holds up a sync.

`wire()` connects `run_ended` to runs.ended once per process (the worker, the CLI). The
retry schedule and the day after which an endpoint is disabled are core's
(core/events/delivery.py); this module schedules what core decides and sends the alert.
"""

import logging
import threading

from huey import crontab

from bot import notify as slack
from core import runs
from core.connections import effective_config
from core.events import delivery, shapes
from core.events.models import Delivery
from core.store import utcnow
from tasks import app
from tasks.app import huey

log = logging.getLogger("syncdesk.events")
_lock = threading.Lock()
_wired = []


def wire():
    """Send events when runs end in this process (once per process)."""
    with _lock:
        if not _wired:
            runs.ended.connect(run_ended, weak=False)
            _wired.append(run_ended)


def run_ended(run):
    """runs.ended receiver: queue the run's events; never fails or delays the run."""
    if run is None or run.dry_run or run.direction == "refresh":
        return
    try:
        emit_run(run.id)
    except Exception:  # an event webhook must never fail a sync
        log.exception("run %s: its events could not be queued", run.id)


@huey.task()
def emit_run(run_id):
    """Queue a delivery of each of the ended run's events to each endpoint that wants it."""
    ids = []
    for event in shapes.for_run(runs.get(run_id), app.config.panel_url):
        ids += publish(event.type, event.data, event.key)
    return ids


def publish(event_type, data, key):
    """Queue `event_type` for its endpoints and enqueue the first attempts; the delivery ids."""
    ids = delivery.queue(event_type, data, key)
    for delivery_id in ids:
        deliver(delivery_id)
    return ids


@huey.task()
def deliver(delivery_id):
    """One attempt; schedules the next one when core says to retry; alerts when the endpoint
    has now failed for a day and was switched off. Returns the delivery's status."""
    sent, retry_in, switched = delivery.deliver(app.config, delivery_id)
    if retry_in is not None:
        deliver.schedule((delivery_id,), delay=retry_in)
    if switched is not None:
        alert(app.config, switched)
    return sent.status if sent else None


def send_test(endpoint_id):
    """Queue a test event to one endpoint; returns its delivery id."""
    delivery_id = delivery.test(endpoint_id)
    deliver(delivery_id)
    return delivery_id


def resend(delivery_id):
    """Send a delivery again with its webhook-id; False while an attempt is under way."""
    if not delivery.resend(delivery_id):
        return False
    deliver(delivery_id)
    return True


@huey.periodic_task(crontab(minute="*/15"))
def sweep():
    """Deliveries whose queued attempt was lost (a worker killed) are enqueued again; a
    second message is harmless: an attempt claims its delivery first."""
    app.open_store()
    late = utcnow() - delivery.STUCK_AFTER * 3
    lost = [d.id for d in Delivery.select(Delivery.id).where(
        Delivery.status.in_(("pending", "retrying")), Delivery.next_attempt_at < late)]
    for delivery_id in lost:
        deliver(delivery_id)
    return lost


def alert(config, endpoint):
    """Say that `endpoint` was disabled: in Slack's alerts channel when Slack is set up, in
    the log always; the panel's Events page shows a banner until it is enabled again."""
    text = (f"SyncDesk disabled the event endpoint {endpoint.url}: {endpoint.disabled_reason}. "
            f"Fix the receiver, then enable it again: {config.panel_url.rstrip('/')}/events/")
    log.warning(text)
    cfg = effective_config(config)
    channel = slack.alerts_channel(cfg)
    if not (cfg.slack_bot_token and channel):
        return False
    try:
        slack.web_client(cfg).chat_postMessage(channel=channel, text=text)
    except Exception as exc:  # the log line and the banner still say it
        log.warning("could not post the endpoint alert to Slack: %s", exc)
        return False
    return True
