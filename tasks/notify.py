"""Slack from the worker and the command line, when SLACK_BOT_TOKEN is set.

`wire(config)` connects bot.notify to the runs' signals: progress of runs started from Slack,
the final message and, for automatic runs, the alert (AUTO-3). Slack trouble is logged and
never fails a run.
"""

import logging
import threading

from bot import notify as slack
from core import runs

log = logging.getLogger("syncdesk.tasks")
_wired = {}  # "progress"/"ended" -> the receivers connected for the current config
_lock = threading.Lock()


def wire(config):
    """Connect Slack's receivers for `config`, once per process (a new config replaces them)."""
    with _lock:
        if _wired.get("config") is config:
            return
        for signal, receiver in ((runs.reported, _wired.get("progress")),
                                 (runs.ended, _wired.get("ended"))):
            if receiver is not None:
                signal.disconnect(receiver)
        _wired.clear()
        _wired["config"] = config
        if not config.slack_bot_token:
            return
        _wired["progress"] = slack.progress_listener(config)
        _wired["ended"] = lambda run: finish(config, run)
        runs.reported.connect(_wired["progress"], weak=False)
        runs.ended.connect(_wired["ended"], weak=False)


def finish(config, run):
    """The run's final Slack message and, for automatic runs, the alert."""
    if run is None or not config.slack_bot_token:
        return
    try:
        slack.finish(config, run)
    except Exception:  # Slack must never fail a sync
        log.exception("run %s: Slack finish failed", run.id)


def daily_post(config, now):
    if not config.slack_bot_token:
        return None
    try:
        return slack.daily_post(config, now)
    except Exception:
        log.exception("daily post failed")
        return None
