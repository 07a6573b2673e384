"""JOOR fixtures: a sandbox serving Cin7, JOOR and Slack, a store, a config pointing there.

The sandbox app is the project's own (sandbox.create_app) with the JOOR simulator added
when create_app does not register it yet. `joor` resets it per test; `jconfig` is a Config
with JOOR switched on (upload and update allowed, no client-side credit limit unless a test
asks for one); `worker` makes the shared Huey run jobs inline with that config.
"""

import base64
import dataclasses
import itertools
import json
import time
from urllib.parse import urlencode

import pytest
import requests
from slack_sdk.signature import SignatureVerifier

from core import schema, settings, store
from tests.conftest import FAST, make_config

JOOR_TOKEN = "joor-sandbox-token"
SECRET, BOT_TOKEN = "joor-test-signing-secret", "xoxb-joor-test"
CHANNEL, ANA, BEN = "C0JOOR", "U0ANA", "U0BEN"
QUIET = {"joor_credits": 0, "joor_job_seconds": 1.0, "joor_match_seconds": 3600}
_ids = itertools.count(1)


def joor_app(options):
    """sandbox.create_app with JOOR registered (as the lead will do in create_app)."""
    import sandbox
    from sandbox import joor as simulator

    app = sandbox.create_app(options)
    if "joor" not in app.blueprints:
        app.register_blueprint(simulator.blueprint)
        state = app.extensions["sandbox"]
        state.systems["joor"] = simulator.fresh
        state.reset()
    return app


class Joor:
    """The running sandbox, seen from a test."""

    def __init__(self, url):
        self.url = url

    def reset(self, **options):
        body = {**FAST, "customers": 20, **QUIET, **options}
        requests.post(f"{self.url}/_sandbox/reset", json=body, timeout=30).raise_for_status()

    def _get(self, path):
        r = requests.get(f"{self.url}{path}", timeout=30)
        r.raise_for_status()
        return r.json()

    def connections(self):
        return self._get("/joor/_sandbox/connections")

    def jobs(self):
        return self._get("/joor/_sandbox/jobs")

    def cin7(self):
        return self._get("/_sandbox/cin7/customers")

    def calls(self, path="/joor/v2/", method=None):
        entries = self._get("/_sandbox/requests?system=joor")
        return [e for e in entries if path in e["path"] and (not method or e["method"] == method)]

    def advance(self, seconds):
        """Move JOOR's clock on: jobs finish, its staff match, the credit window refills."""
        requests.post(f"{self.url}/joor/_sandbox/advance", json={"seconds": seconds},
                      timeout=10).raise_for_status()

    def fault(self, **spec):
        requests.post(f"{self.url}/_sandbox/faults", json={"system": "joor", **spec},
                      timeout=10).raise_for_status()

    def edit_customer(self, customer_id, **fields):
        requests.patch(f"{self.url}/_sandbox/cin7/customers/{customer_id}", json=fields,
                       timeout=10).raise_for_status()

    def slack(self, channel=CHANNEL):
        r = requests.get(f"{self.url}/slack/messages", params={"channel": channel}, timeout=10)
        return [m for m in r.json()["messages"] if m["kind"] == "message"]


def api_headers(token=JOOR_TOKEN):
    return {"Authorization": "OAuth2 " + base64.b64encode(token.encode()).decode()}


@pytest.fixture(scope="session")
def joor_server():
    import sandbox

    url, shutdown = sandbox.serve(joor_app({**FAST, "customers": 20, **QUIET}))
    yield Joor(url)
    shutdown()


@pytest.fixture
def joor(joor_server):
    joor_server.reset()
    yield joor_server
    requests.delete(f"{joor_server.url}/_sandbox/faults", timeout=10)


@pytest.fixture
def jconfig(tmp_path, joor):
    cfg = make_config(tmp_path, joor.url, JOOR_BASE_URL=f"{joor.url}/joor/v2/",
                      JOOR_TOKEN=JOOR_TOKEN, JOOR_CREDITS_PER_WINDOW=0, MAX_RETRIES=2,
                      SLACK_API_URL=f"{joor.url}/slack/api/", SLACK_BOT_TOKEN=BOT_TOKEN,
                      SLACK_SIGNING_SECRET=SECRET, SLACK_ALLOWED_USERS=ANA,
                      PANEL_URL="http://panel.test")
    schema.init(cfg.database_url)
    for key in ("sync.enabled", "joor.upload", "joor.update"):
        settings.set(key, "on")
    yield cfg
    store.db.close()


@pytest.fixture
def worker(jconfig):
    """Huey runs the JOOR jobs inline, with this test's config and queue."""
    import tasks

    previous, was_immediate = tasks.app.config, tasks.huey.immediate
    tasks.configure(jconfig, immediate=True)
    yield jconfig
    tasks.configure(previous, immediate=was_immediate)


def sign(body, secret=SECRET):
    stamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def slack_client(worker):
    """Slack's side: signed slash commands and button clicks into the bot's HTTP endpoint."""
    from flask import Flask

    from bot import http
    from bot.app import create_app
    from bot.cli import InlineExecutor

    app = Flask("joor-bot-under-test")
    app.register_blueprint(http.bp)
    http.init_app(app, bolt_app=create_app(worker, listener_executor=InlineExecutor()))
    client = app.test_client()
    base = worker.slack_api_url.rsplit("/api/", 1)[0]

    class Slack:
        def command(self, text, user=ANA, channel=CHANNEL, command="/match"):
            body = urlencode({"token": "legacy", "team_id": "T0SANDBOX", "channel_id": channel,
                              "user_id": user, "user_name": {ANA: "ana"}.get(user, user),
                              "command": command, "text": text, "api_app_id": "A0SYNCDESK",
                              "response_url": f"{base}/response/{channel}-{next(_ids)}",
                              "trigger_id": f"1.{next(_ids)}"})
            return client.post("/slack/events", data=body, headers=sign(body))

        def press(self, message, action_id, user=ANA, channel=CHANNEL):
            button = next(e for b in message["blocks"] if b["type"] == "actions"
                          for e in b["elements"] if e["action_id"] == action_id)
            payload = {"type": "block_actions", "api_app_id": "A0SYNCDESK", "token": "legacy",
                       "user": {"id": user, "username": {ANA: "ana"}.get(user, user),
                                "team_id": "T0SANDBOX"},
                       "team": {"id": "T0SANDBOX"}, "channel": {"id": channel},
                       "container": {"type": "message", "channel_id": channel,
                                     "message_ts": message["ts"]},
                       "message": {"ts": message["ts"]}, "trigger_id": f"1.{next(_ids)}",
                       "response_url": f"{base}/response/{channel}-{next(_ids)}",
                       "actions": [{"type": "button", "action_id": action_id,
                                    "block_id": "pair", "value": button["value"],
                                    "action_ts": str(time.time())}]}
            body = urlencode({"payload": json.dumps(payload)})
            return client.post("/slack/events", data=body, headers=sign(body))

    return Slack()


def with_options(config, **overrides):
    return dataclasses.replace(config, **overrides)

