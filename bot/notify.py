"""Slack messages the worker sends: a run's message kept up to date, alerts, the daily post.

The worker wires these in (tasks/notify.py): `progress_listener(config)` connected to
runs.reported once, `finish(config, run)` after each run whatever happened, `daily_post(config,
now)` once a day. None of them raises: Slack being down must never fail a sync.
"""

import datetime
import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from core import runs, settings, status
from core.joor import review as joor_review
from core.store import Run, atomic_write, utcnow

log = logging.getLogger("syncdesk.bot")

AUTOMATIC = ("schedule", "webhook")
UPDATE_EVERY = 1.0  # seconds between chat.update calls for one run (Slack allows ~1/s)
GIVE_UP = ("channel_not_found", "not_in_channel", "is_archived", "invalid_auth",
           "not_authed", "account_inactive", "token_revoked", "missing_scope")


def api_url(config):
    """slack_sdk needs the trailing slash."""
    url = config.slack_api_url or "https://slack.com/api/"
    return url if url.endswith("/") else url + "/"


def web_client(config):
    return WebClient(token=config.slack_bot_token, base_url=api_url(config))


def alerts_channel(config):
    return settings.get("slack.alerts_channel") or config.slack_alerts_channel


def render(run, config, ended=False):
    """The run's message as it stands; failures are read once the run is over."""
    over = run.status in runs.FINAL
    failures = status.failures_by_reason(run) if over and run.failed else ()
    return blocks.run_message(run, config.panel_url, failures, worker_ended=ended and not over)


def show(client, config, run, ended=False):
    """Post the run's message the first time, update it in place afterwards."""
    message = render(run, config, ended)
    if run.message_ts:
        client.chat_update(channel=run.channel, ts=run.message_ts, **message)
        return
    answer = client.chat_postMessage(channel=run.channel, **message)
    run.channel, run.message_ts = answer["channel"], answer["ts"]
    with atomic_write():  # the bot, the panel and finish() find the message by these
        Run.update(channel=run.channel, message_ts=run.message_ts).where(
            Run.id == run.id).execute()


def progress_listener(config, client=None, every=None, clock=time.monotonic):
    """A runs.reported receiver: keeps the message of runs started from Slack current.

    Called on every progress report; talks to Slack at most once per `every` seconds per
    run, and never twice with the same content. The final state is left to finish().
    """
    client = client or web_client(config)
    every = UPDATE_EVERY if every is None else every
    last, lock = {}, threading.Lock()

    def listener(run):
        if not run.channel or run.status in runs.FINAL or _is_joor_match(run):
            return
        message_key = (run.status, run.phase, run.total, run.done, run.read, run.created,
                       run.updated, run.unchanged, run.failed)
        with lock:
            at, key = last.get(run.id, (None, None))
            now = clock()
            if key == "gave up" or key == message_key or (at is not None and now - at < every):
                return
            last[run.id] = (now, message_key)
        try:
            show(client, config, run)
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.warning("run %s: Slack refused the progress message: %s", run.id, error)
            if error in GIVE_UP:
                with lock:
                    last[run.id] = (clock(), "gave up")
        except Exception as exc:  # a progress message is never worth failing a sync
            log.warning("run %s: could not update Slack: %s", run.id, exc)

    return listener


def finish(config, run, client=None):
    """After a run, whatever happened: the message's final state, then the alert if due."""
    run = runs.get(getattr(run, "id", run))
    if run is None:
        return
    client = client or web_client(config)
    if run.channel and _is_joor_match(run):  # its summary and pairs say it all
        try:
            post_summary(config, run, run.channel, client)
        except Exception as exc:
            log.warning("JOOR match %s: could not post to Slack: %s", run.id, exc)
        return
    if run.channel:
        try:
            show(client, config, run, ended=True)
        except Exception as exc:
            log.warning("run %s: could not post the final message: %s", run.id, exc)
    if run.trigger in AUTOMATIC:
        try:
            alert(config, run, client)
        except Exception as exc:
            log.warning("run %s: could not post the alert: %s", run.id, exc)


def _is_joor_match(run):
    return run.entity == "joor" and run.direction == "match"


def has_failures(run):
    return not run.dry_run and (run.failed > 0 or run.status == "failed")


def reasons(run):
    """What went wrong in a run, as a set to compare runs by."""
    found = {reason for reason, _ in status.failures_by_reason(run)}
    if run.status == "failed" and run.message:
        found.add(run.message)
    return found


def previous_automatic(run):
    """The automatic run of the same kind before `run` that got to run (not refused)."""
    return (Run.select().where(Run.entity == run.entity, Run.direction == run.direction,
                               Run.trigger.in_(AUTOMATIC), Run.dry_run == False,  # noqa: E712
                               Run.status.in_(("finished", "failed")), Run.id < run.id)
            .order_by(Run.id.desc()).first())


def is_lasting(run, previous=None):
    """The run failed for nothing but the reasons the run before it already failed for."""
    previous = previous or previous_automatic(run)
    return (previous is not None and has_failures(previous)
            and reasons(run) <= reasons(previous))


def alert(config, run, client):
    """Post one alert for an automatic run with failures, unless already said (AUTO-3).

    A lasting failure (same reasons as the previous automatic run) is not re-posted; the
    daily post lists it as "still failing". Returns the posted message, or None.
    """
    if run.notified or not has_failures(run):
        return None
    channel = alerts_channel(config)
    if not channel:
        log.warning("run %s failed but no Slack alerts channel is set", run.id)
        return None
    with atomic_write():  # claim the run: one alert even when finish() is called twice
        claimed = Run.update(notified=True).where(Run.id == run.id,
                                                  Run.notified == False).execute()  # noqa: E712
    if not claimed or is_lasting(run):
        return None
    message = blocks.alert_message(run, status.failures_by_reason(run), config.panel_url)
    try:
        client.chat_postMessage(channel=channel, **message)
    except Exception:
        with atomic_write():  # let a later finish() try again
            Run.update(notified=False).where(Run.id == run.id).execute()
        raise
    return message


def still_failing():
    """[(latest run, failure groups, since)] for automatic runs failing the same way again."""
    out = []
    for entity in runs.ENTITIES:
        for direction in status.DIRECTIONS:
            run = (Run.select().where(Run.entity == entity, Run.direction == direction,
                                      Run.trigger.in_(AUTOMATIC), Run.dry_run == False,  # noqa: E712
                                      Run.status.in_(("finished", "failed")))
                   .order_by(Run.id.desc()).first())
            if run is None or not has_failures(run):
                continue
            since, current, wanted = None, run, reasons(run)
            for _ in range(500):  # walk back through the streak, bounded
                before = previous_automatic(current)
                if before is None or not has_failures(before) or not wanted <= reasons(before):
                    break
                since, current = before.created_at, before
            if since is not None:
                out.append((run, status.failures_by_reason(run), since))
    return out


def daily_summary(now=None):
    """The daily post's message, built from core.status for the 24 hours before `now`."""
    now = now or utcnow()
    start = now - datetime.timedelta(days=1)
    pending = {entity: [r.record_name or r.record_id for r in status.pending(entity)]
               for entity in runs.ENTITIES if settings.direction(entity) != "off"}
    failed_runs = list(Run.select().where(Run.status == "failed", Run.created_at >= start,
                                          Run.created_at < now).order_by(Run.id.desc()))
    return blocks.daily_message(status.day_summary(start, now), pending, failed_runs,
                                still_failing(),
                                day_label=f"{start:%Y-%m-%d %H:%M} to {now:%Y-%m-%d %H:%M} UTC")


def daily_post(config, now=None, client=None):
    """Post the daily status to the alerts channel (AUTO-4); returns the message or None."""
    channel = alerts_channel(config)
    if not channel:
        log.warning("no Slack alerts channel is set: the daily status was not posted")
        return None
    message = daily_summary(now)
    try:
        (client or web_client(config)).chat_postMessage(channel=channel, **message)
    except Exception as exc:
        log.warning("could not post the daily status: %s", exc)
        return None
    return message


def post_summary(config, run, channel, client=None):
    """The worker's report of a match started from Slack: the summary, then a few pairs."""
    client = client or web_client(config)
    client.chat_postMessage(channel=channel, **blocks.summary_message(run, joor_review.counts(),
                                                                config.panel_url))
    if run.status != "finished":
        return
    for proposal in joor_review.next_pairs(blocks.SHOWN, unasked=True):
        client.chat_postMessage(channel=channel, **blocks.pair_message(proposal))
        joor_review.mark_asked([proposal.id])
