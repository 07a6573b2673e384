"""Slack as the bot sees it: a fake Web API served over HTTP, signed requests into Bolt.

`client` posts to /slack/events like Slack does; the Bolt app's Web API calls and the
worker's messages go to the fake Slack (sandbox/slack.py), read back with `slack`.
"""

import dataclasses
import itertools
import json
import threading
import time
from urllib.parse import urlencode

import pytest
import requests
from flask import Flask
from slack_sdk.signature import SignatureVerifier
from werkzeug.serving import make_server

from bot import http, notify
from bot.app import create_app
from bot.cli import InlineExecutor

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-1234-5678-sandbox"
CHANNEL, ALERTS, OTHER_CHANNEL = "C0SYNC", "C0ALERTS", "C0RANDOM"
ANA, BEN, CARLA = "U0ANA", "U0BEN", "U0CARLA"  # ana is allowed; ben is not; carla via a group
NAMES = {ANA: "ana", BEN: "ben", CARLA: "carla"}
PANEL = "http://panel.test"
_ids = itertools.count(1)


class FakeSlack:
    """The fake Web API's inspection side."""

    def __init__(self, url):
        self.url = url
        self.api_url = f"{url}/slack/api/"

    def reset(self, **seed):
        requests.post(f"{self.url}/slack/reset", json=seed, timeout=10).raise_for_status()

    def all(self, channel=None):
        params = {"channel": channel} if channel else {}
        r = requests.get(f"{self.url}/slack/messages", params=params, timeout=10)
        return r.json()["messages"]

    def messages(self, channel):
        """Channel messages (what everyone sees), oldest first."""
        return [m for m in self.all(channel) if m["kind"] == "message"]

    def responses(self, channel):
        """Replies sent through a response_url of this channel."""
        return [m for m in self.all(channel) if m["kind"] == "response"]

    def response_url(self, channel):
        return f"{self.url}/slack/response/{channel}-{next(_ids)}"


def text_of(message):
    """Everything a person reads in a message: its text and its blocks' texts."""
    parts = [message.get("text", "")]
    for block in message.get("blocks") or []:
        parts.append((block.get("text") or {}).get("text", ""))
        parts += [e.get("text", "") for e in block.get("elements", []) if isinstance(
            e.get("text"), str)]
        parts += [e["text"]["text"] for e in block.get("elements", [])
                  if isinstance(e.get("text"), dict)]
    return "\n".join(parts)


def break_emails(sandbox, count, email="not-an-email"):
    """Give `count` Cin7 customers a contact e-mail HubSpot refuses; [(customer, contact)]."""
    broken = []
    for customer in sandbox.get("cin7/customers"):
        if len(broken) == count:
            break
        if customer.get("Contacts") and customer.get("Status") == "Active":
            contact = customer["Contacts"][0]
            set_email(sandbox, customer["ID"], contact["ID"], email)
            broken.append((customer, contact))
    return broken


def set_email(sandbox, customer_id, contact_id, email):
    """Change one contact's e-mail in Cin7, as a Cin7 user would."""
    requests.patch(f"{sandbox.url}/_sandbox/cin7/customers/{customer_id}",
                   json={"Contacts": [{"ID": contact_id, "Email": email}]},
                   timeout=10).raise_for_status()


def buttons(message):
    return [e for block in message.get("blocks") or [] if block["type"] == "actions"
            for e in block["elements"]]


@pytest.fixture(scope="session")
def slack_server():
    from sandbox import slack

    app = Flask("fake-slack")
    app.register_blueprint(slack.blueprint)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield FakeSlack(f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def slack(slack_server):
    slack_server.reset()
    return slack_server


@pytest.fixture
def bot_config(config, slack):
    """The sandbox config plus Slack: ana allowed, alerts to C0ALERTS, a fake panel URL."""
    return dataclasses.replace(config, slack_api_url=slack.api_url, slack_bot_token=TOKEN,
                               slack_signing_secret=SECRET, slack_allowed_users=[ANA],
                               slack_alerts_channel=ALERTS, panel_url=PANEL)


@pytest.fixture
def worker(bot_config, monkeypatch):
    """The worker (immediate mode) runs with this config, so it reports to the fake Slack.

    Its progress updates are not throttled here, so a short run shows its steps.
    """
    import tasks

    monkeypatch.setattr(notify, "UPDATE_EVERY", 0.05)
    previous = tasks.app.config
    tasks.configure(bot_config)
    yield bot_config
    tasks.configure(previous)


def flask_client(bolt_app):
    """A bare Flask app serving bot.http's view, as the panel mounts it."""
    app = Flask("panel-under-test")
    app.register_blueprint(http.bp)
    http.init_app(app, bolt_app=bolt_app)
    return app.test_client()


@pytest.fixture
def client_for(worker):
    """client_for(**config overrides): the bot's HTTP endpoint for another configuration.

    Listeners run inline (InlineExecutor), so a test sees everything they did.
    """

    def make(**overrides):
        config = dataclasses.replace(worker, **overrides)
        return flask_client(create_app(config, listener_executor=InlineExecutor()))

    return make


@pytest.fixture
def client(client_for):
    return client_for()


def sign(body, timestamp=None, secret=SECRET):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded"}


def command_body(slack, text, command="/sync", user=ANA, channel=CHANNEL):
    return urlencode({
        "token": "legacy", "team_id": "T0SANDBOX", "team_domain": "sandbox",
        "channel_id": channel, "channel_name": channel.lower(), "user_id": user,
        "user_name": NAMES.get(user, user), "command": command, "text": text,
        "api_app_id": "A0SYNCDESK", "is_enterprise_install": "false",
        "response_url": slack.response_url(channel), "trigger_id": f"13345224609.{next(_ids)}"})


@pytest.fixture
def slash(client, slack):
    """slash("customers --dry-run", user=..., channel=...) -> the Flask response."""

    def send(text, command="/sync", user=ANA, channel=CHANNEL, headers=None, via=None):
        body = command_body(slack, text, command, user, channel)
        return (via or client).post("/slack/events", data=body,
                                    headers={**sign(body), **(headers or {})})

    return send


@pytest.fixture
def press(client, slack):
    """press(message_button, user=..., channel=...): a click, as Slack sends it."""

    def click(button, user=ANA, channel=CHANNEL):
        payload = {
            "type": "block_actions", "api_app_id": "A0SYNCDESK", "token": "legacy",
            "user": {"id": user, "username": NAMES.get(user, user), "team_id": "T0SANDBOX"},
            "team": {"id": "T0SANDBOX", "domain": "sandbox"},
            "channel": {"id": channel, "name": channel.lower()},
            "container": {"type": "message", "channel_id": channel, "message_ts": "1.0"},
            "trigger_id": f"13345224609.{next(_ids)}", "response_url": slack.response_url(channel),
            "actions": [{"type": "button", "action_id": button["action_id"],
                         "block_id": "run", "value": button.get("value", ""),
                         "action_ts": str(time.time())}]}
        body = urlencode({"payload": json.dumps(payload)})
        return client.post("/slack/events", data=body, headers=sign(body))

    return click
