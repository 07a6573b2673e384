"""Buttons: "Retry failed" re-runs only the records that failed (OPS-3)."""

import logging

from bot import blocks, control
from core import runner, runs
from core.errors import SyncOff

log = logging.getLogger("syncdesk.slack")


def _tell(respond, text):
    """An answer only the person who pressed sees; the run's message stays as it is."""
    respond(response_type="ephemeral", replace_original=False, text=text)


def retry_failed(ack, body, action, client, context, respond):
    """Start a run limited to the failed records of the run named by the button's value."""
    ack()
    config = context["config"]
    user, channel = body.get("user", {}), (body.get("channel") or {}).get("id", "")
    if not control.may_start(config, client, user.get("id"), channel):
        return respond(response_type="ephemeral", replace_original=False, **blocks.refusal())
    value = str(action.get("value") or "")
    run = runs.get(int(value)) if value.isdigit() and len(value) <= 18 else None
    if run is None:  # a button value we never wrote ("abc", 10**23) names no run either
        log.warning("slack: retry button for unknown run %r", value[:40])
        return _tell(respond, "That run no longer exists.")
    only = runs.failed_records(run)
    if not only:
        return _tell(respond, f"Nothing to retry: no record failed in run #{run.id}.")
    going = [r for state in ("queued", "running")
             for r in runs.recent(1, retry_of=run.id, status=state)]
    if going:
        return _tell(respond, f"A retry of run #{run.id} is already {going[0].status} "
                              f"(run #{going[0].id}).")
    try:
        runner.check_allowed(run.entity, run.direction)
    except SyncOff as exc:
        return _tell(respond, f"Can't retry: {exc}")
    _tell(respond, f"Retrying {len(only)} failed {run.entity} record(s) of run #{run.id}.")
    control.start_run(run.entity, run.direction, "retry", control.who(user), channel,
                      only=only, retry_of=run.id)


def open_run(ack):
    """A link button still sends an action; acknowledge it so Slack shows no error."""
    ack()


def register(app):
    app.action("retry_failed")(retry_failed)
    app.action("open_run")(open_run)
