"""Slack from the worker, when the bot package is installed and SLACK_BOT_TOKEN is set.

Progress of runs started from Slack, the final message and alerts after each run (AUTO-3),
the daily post (AUTO-4). Slack trouble is logged and never fails a run.
"""

import importlib
import logging
import threading

from core import runs

log = logging.getLogger("syncdesk.tasks")
_wired = {}  # id(config) -> listener appended to runs.LISTENERS
_lock = threading.Lock()


def bot(config):
    """bot.notify, or None when Slack is not configured or the bot is not installed."""
    if not config.slack_bot_token:
        return None
    try:
        return importlib.import_module("bot.notify")
    except ModuleNotFoundError as exc:
        if exc.name in ("bot", "bot.notify"):
            return None
        raise


def wire(config):
    """Append the bot's progress listener to runs.LISTENERS, once per process and config."""
    module = bot(config)
    with _lock:
        if id(config) in _wired:
            return _wired[id(config)]
        for old in _wired.values():  # another config (tests) replaces the old listener
            if old in runs.LISTENERS:
                runs.LISTENERS.remove(old)
        _wired.clear()
        if module is None:
            return None
        _wired[id(config)] = module.progress_listener(config)
        runs.LISTENERS.append(_wired[id(config)])
        return _wired[id(config)]


def finish(config, run):
    """The run's final Slack message and, for automatic runs, the alert."""
    module = bot(config)
    if module is None or run is None:
        return
    try:
        module.finish(config, run)
    except Exception:  # Slack must never fail a sync
        log.exception("run %s: Slack finish failed", run.id)


def daily_post(config, now):
    module = bot(config)
    if module is None:
        return None
    try:
        return module.daily_post(config, now)
    except Exception:
        log.exception("daily post failed")
        return None
