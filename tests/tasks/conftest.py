"""Fixtures for the worker: Huey on a real SQLite file, consumers as real processes.

`tasks_config` points the shared Huey at a queue file beside the test's store (immediate
mode: jobs run inline, storage stays SQLite). `consumers` starts `huey_consumer tasks.huey`
processes against the same store and queue, with the sandbox as Cin7 and HubSpot.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask

import tasks
from core import schema, settings, store
from tests.conftest import make_config

ROOT = Path(__file__).resolve().parents[2]
CONSUMER = str(Path(sys.executable).with_name("huey_consumer"))
WEBHOOK_SECRET, CLIENT_SECRET = "hook-secret-123", "hubspot-client-secret-456"
TEST_SETTINGS = {"webhook_secret": WEBHOOK_SECRET, "hubspot_client_secret": CLIENT_SECRET,
                 "webhook_debounce_seconds": 0, "run_lease_seconds": 2,
                 "panel_url": "https://syncdesk.example.com"}


def use(cfg, immediate):
    """Bind the store and the shared Huey to `cfg`; returns a function that undoes it."""
    previous, was_immediate = tasks.app.config, tasks.huey.immediate
    schema.init(cfg.database_url)
    tasks.configure(cfg, immediate=immediate)

    def undo():
        store.db.close()
        tasks.configure(previous, immediate=was_immediate)

    return undo


@pytest.fixture
def tasks_config(tmp_path, sandbox):
    """Config for the sandbox, store initialised, sync on, jobs inline on a SQLite queue."""
    cfg = make_config(tmp_path, sandbox.url, **TEST_SETTINGS)
    undo = use(cfg, immediate=True)
    settings.set("sync.enabled", "on")
    yield cfg
    undo()


@pytest.fixture
def webhook_client(request):
    """A Flask app with only the webhooks blueprint, as the panel registers it.

    It enqueues like the test's other fixtures: inline (tasks_config) or for the consumers
    (queue_config).
    """
    from web import webhooks

    name = "queue_config" if "queue_config" in request.fixturenames else "tasks_config"
    app = Flask("webhooks-under-test")
    app.config["SYNCDESK_CONFIG"] = request.getfixturevalue(name)
    app.register_blueprint(webhooks.bp)
    return app.test_client()


def consumer_env(cfg, **extra):
    """The environment of a worker process for `cfg` (nothing from a developer's .env)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HUEY_"))}
    env.update({f.upper(): str(v) for f, v in cfg.__dict__.items()
                if isinstance(v, (str, int, float)) and not isinstance(v, bool)})
    env.update({"PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": "", "SLACK_APP_TOKEN": "",
                "HUEY_IMMEDIATE": "0"})
    env.update({k.upper(): str(v) for k, v in extra.items()})
    return env


class Consumers:
    """`huey_consumer` processes started by a test; all stopped at its end."""

    def __init__(self, tmp_path):
        self.tmp_path, self.procs = tmp_path, []

    def start(self, cfg, workers=2, **extra):
        log = open(self.tmp_path / f"consumer-{len(self.procs)}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [CONSUMER, "tasks.huey", "-w", str(workers), "-k", "thread", "-m", "0.2", "-f",
             "-g", "TERM"], cwd=ROOT, env=consumer_env(cfg, **extra), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
        proc.log_path = log.name
        self.procs.append(proc)
        return proc

    def kill(self, proc, sig=signal.SIGKILL, wait=15):
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
        return proc.wait(timeout=wait)

    def logs(self):
        return "\n".join(Path(p.log_path).read_text()[-3000:] for p in self.procs)

    def stop_all(self):
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture
def consumers(tmp_path):
    c = Consumers(tmp_path)
    yield c
    c.stop_all()


@pytest.fixture
def queue_config(tmp_path, sandbox):
    """Like tasks_config, but the test process only enqueues: consumers execute."""
    cfg = make_config(tmp_path, sandbox.url, **TEST_SETTINGS)
    undo = use(cfg, immediate=False)
    settings.set("sync.enabled", "on")
    yield cfg
    undo()


def wait_for(check, timeout=60, every=0.1, what="the condition"):
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
