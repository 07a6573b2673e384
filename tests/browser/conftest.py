"""The panel in a real headless chromium (Debian's package, driven by Playwright).

`live_panel` serves the panel from a thread (werkzeug) over the test's store, with the
sandbox as Cin7 and HubSpot and a real `huey_consumer` process as the worker, so a run
started from the page is executed elsewhere and its progress arrives by polling. A failed
test leaves a screenshot in tests/browser/artifacts/.
"""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

import tasks
from core import accounts
from web import create_app

ROOT = Path(__file__).resolve().parents[2]
CONSUMER = str(Path(sys.executable).with_name("huey_consumer"))
USER, PASSWORD = "ada", "correct horse battery"
def consumer_env(cfg):
    """The worker's environment: the test's config, nothing from a developer's .env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HUEY_"))}
    env.update({name.upper(): str(value) for name, value in vars(cfg).items()
                if isinstance(value, (str, int, float)) and not isinstance(value, bool)})
    env.update({"PYTHONPATH": str(ROOT), "HUEY_IMMEDIATE": "0"})
    return env


@pytest.fixture
def worker(config, tmp_path):
    """A real `huey_consumer` on the test's queue; the panel only enqueues."""
    previous, was_immediate = tasks.app.config, tasks.huey.immediate
    tasks.configure(config, immediate=False)
    log = open(tmp_path / "consumer.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([CONSUMER, "tasks.huey", "-w", "1", "-k", "thread", "-m", "0.2",
                             "-f", "-g", "TERM"], cwd=ROOT, env=consumer_env(config),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    yield proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    log.close()
    tasks.configure(previous, immediate=was_immediate)


@pytest.fixture
def live_panel(config, worker):
    """The panel served over HTTP; yields its base URL. An admin `ada` exists."""
    app = create_app(config)
    accounts.create_admin(USER, PASSWORD)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def signed_in(tab, live_panel):
    """A tab signed in to the live panel, on the dashboard."""
    tab.goto(f"{live_panel}/")
    tab.fill("input[name=username]", USER)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button:has-text('Sign in')")
    tab.wait_for_url(f"{live_panel}/")
    tab.base = live_panel
    return tab
