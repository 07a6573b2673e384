"""Outgoing event webhooks (EXT-4) against a real receiver on loopback: signed deliveries
that the standardwebhooks library verifies, retries after 5xx with one webhook-id, no retry
after a 4xx, a day of failures disabling the endpoint with an alert, and emitting that only
enqueues."""

import datetime
import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from click.testing import CliRunner
from standardwebhooks import Webhook

import tasks
from core import runs, settings
from core.events import delivery, endpoints
from core.events.models import Delivery, Endpoint
from core.store import utcnow
from tasks import enqueue_run, huey
from tasks import events as event_tasks
from tests.conftest import make_config
from tests.tasks.conftest import TEST_SETTINGS, use
from web.cli import cli

LOOPBACK = {"events_allow_http": "1", "events_allow_private": "1"}


class Receiver:
    """An HTTP receiver on 127.0.0.1: records each request, answers the statuses queued in
    `answers` (then 200)."""

    def __init__(self):
        self.requests, self.answers = [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def verified(self, secret):
        """Every request's payload, each verified with the library (raises if one fails)."""
        return [Webhook(secret).verify(body, headers) for headers, body in self.requests]

    def ids(self):
        return [headers["webhook-id"] for headers, _ in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def events_config(tmp_path, sandbox):
    """The worker's config with loopback endpoints allowed; jobs inline, sync on."""
    cfg = make_config(tmp_path, sandbox.url, **TEST_SETTINGS, **LOOPBACK)
    undo = use(cfg, immediate=True)
    settings.set("sync.enabled", "on")
    event_tasks.wire()
    yield cfg
    undo()


def run_scheduled():
    """Execute the retries Huey holds in its schedule, as the consumer would when due."""
    later = datetime.datetime.utcnow() + datetime.timedelta(days=2)
    due = huey.read_schedule(later)
    for task in due:
        huey.execute(task, timestamp=later)
    return due


def test_a_finished_run_reaches_the_receiver_signed_and_with_its_counts(events_config,
                                                                       receiver, sandbox):
    endpoint, secret = endpoints.create(events_config, receiver.url,
                                        ["run.finished", "run.failed"])
    assert secret.startswith("whsec_") and secret not in endpoint.secret  # stored encrypted
    run, _ = enqueue_run("customers", "export", "panel", "ada")
    assert run.status == "finished", run.message
    [event] = receiver.verified(secret)
    assert event["type"] == "run.finished"
    assert event["data"]["run_id"] == run.id and event["data"]["entity"] == "customers"
    assert event["data"]["counts"]["created"] == run.created > 0
    assert event["data"]["url"] == f"https://syncdesk.example.com/runs/{run.id}"
    [sent] = Delivery.select()
    assert (sent.status, sent.attempts, sent.response_code) == ("delivered", 1, 200)
    assert receiver.ids() == [sent.message_id]


def test_a_dry_run_sends_no_event(events_config, receiver, sandbox):
    endpoints.create(events_config, receiver.url, ["run.finished"])
    enqueue_run("customers", "export", "panel", dry_run=True)
    assert receiver.requests == [] and Delivery.select().count() == 0


def test_500s_are_retried_with_backoff_and_the_same_webhook_id(events_config, receiver):
    endpoint, secret = endpoints.create(events_config, receiver.url, ["run.finished"])
    receiver.answers = [500, 503]
    [delivery_id] = event_tasks.publish("run.finished", {"run_id": 1}, "run:1:run.finished")
    assert Delivery.get_by_id(delivery_id).status == "retrying"
    [retry] = huey.scheduled()
    assert 8 <= (retry.eta - datetime.datetime.utcnow()).total_seconds() <= 10  # first: 10 s
    run_scheduled()
    [retry] = huey.scheduled()
    assert 38 <= (retry.eta - datetime.datetime.utcnow()).total_seconds() <= 40  # then 40 s
    run_scheduled()
    assert huey.scheduled() == []
    sent = Delivery.get_by_id(delivery_id)
    assert (sent.status, sent.attempts, sent.response_code) == ("delivered", 3, 200)
    assert len(receiver.verified(secret)) == 3  # each attempt signed afresh, all valid
    assert set(receiver.ids()) == {sent.message_id}  # never the same event under two ids
    assert Endpoint.get_by_id(endpoint.id).failing_since is None  # the success cleared it


def test_the_same_event_emitted_twice_is_delivered_once(events_config, receiver):
    endpoints.create(events_config, receiver.url, ["run.finished"])
    first = event_tasks.publish("run.finished", {"run_id": 7}, "run:7:run.finished")
    again = event_tasks.publish("run.finished", {"run_id": 7}, "run:7:run.finished")
    assert len(first) == 1 and again == [] and len(receiver.requests) == 1


@pytest.mark.parametrize("status, outcome, retried", [
    (400, "failed", False), (404, "failed", False), (410, "failed", False),
    (302, "failed", False),  # redirects are not followed
    (429, "retrying", True), (502, "retrying", True)])
def test_only_429_5xx_and_network_errors_are_retried(events_config, receiver, status, outcome,
                                                     retried):
    endpoints.create(events_config, receiver.url, ["run.failed"])
    receiver.answers = [status]
    [delivery_id] = event_tasks.publish("run.failed", {"run_id": 2}, "k")
    assert Delivery.get_by_id(delivery_id).status == outcome
    assert bool(huey.scheduled()) is retried
    assert len(receiver.requests) == 1


def test_a_receiver_that_does_not_answer_is_retried(events_config):
    endpoint, _ = endpoints.create(events_config, "http://127.0.0.1:9/closed", ["run.failed"])
    [delivery_id] = event_tasks.publish("run.failed", {"run_id": 3}, "k")
    sent = Delivery.get_by_id(delivery_id)
    assert sent.status == "retrying" and "connection failed" in sent.last_error


def test_retries_stop_after_a_day():
    delays, total = [], 0
    for attempts in range(1, 40):
        total += delivery.retry_delay(attempts)
        delays.append(delivery.retry_delay(attempts))
        if total > 24 * 3600:
            break
    assert delays[:4] == [10, 40, 160, 640] and max(delays) == 4 * 3600
    assert len(delays) < 15  # about a dozen attempts in the day


def test_a_day_of_failures_disables_the_endpoint_and_alerts_slack(events_config, receiver,
                                                                   sandbox):
    config = replace(events_config, slack_bot_token="xoxb-sandbox",
                     slack_api_url=f"{sandbox.url}/slack/api/", slack_alerts_channel="C0ALERTS")
    tasks.configure(config)
    endpoint, _ = endpoints.create(config, receiver.url, ["run.failed"])
    Endpoint.update(failing_since=utcnow() - datetime.timedelta(hours=25)).execute()
    receiver.answers = [503]
    [delivery_id] = event_tasks.publish("run.failed", {"run_id": 4}, "k")
    endpoint = Endpoint.get_by_id(endpoint.id)
    assert not endpoint.enabled and "failing for a day" in endpoint.disabled_reason
    posted = requests.get(f"{sandbox.url}/slack/messages", params={"channel": "C0ALERTS"},
                          timeout=10).json()["messages"]
    assert any(receiver.url in json.dumps(m) for m in posted)
    # the retry already scheduled finds the endpoint disabled and stops there
    run_scheduled()
    assert Delivery.get_by_id(delivery_id).status == "failed" and len(receiver.requests) == 1
    assert endpoints.subscribed("run.failed") == []


def test_without_slack_a_disabled_endpoint_is_logged(events_config, receiver, caplog):
    endpoint, _ = endpoints.create(events_config, receiver.url, ["run.failed"])
    Endpoint.update(failing_since=utcnow() - datetime.timedelta(days=2)).execute()
    receiver.answers = [500]
    event_tasks.publish("run.failed", {"run_id": 5}, "k")
    assert "disabled the event endpoint" in caplog.text
    assert endpoints.disabled_by_failures() == [Endpoint.get_by_id(endpoint.id)]


def test_resend_and_test_event_keep_signing_and_ids(events_config, receiver):
    endpoint, secret = endpoints.create(events_config, receiver.url, ["run.finished"])
    receiver.answers = [404]
    [delivery_id] = event_tasks.publish("run.finished", {"run_id": 6}, "k")
    assert Delivery.get_by_id(delivery_id).status == "failed"
    assert event_tasks.resend(delivery_id)
    assert Delivery.get_by_id(delivery_id).status == "delivered"
    test_id = event_tasks.send_test(endpoint.id)
    events = receiver.verified(secret)
    assert [e["type"] for e in events] == ["run.finished", "run.finished", "endpoint.test"]
    ids = receiver.ids()
    assert ids[0] == ids[1] == Delivery.get_by_id(delivery_id).message_id  # Resend: same id
    assert ids[2] == Delivery.get_by_id(test_id).message_id != ids[0]


def test_a_run_ending_only_enqueues(tmp_path, sandbox, receiver):
    """With a real queue (not immediate), the end of a run calls no receiver: it leaves one
    message for the worker."""
    cfg = make_config(tmp_path, sandbox.url, **TEST_SETTINGS, **LOOPBACK)
    undo = use(cfg, immediate=False)
    try:
        endpoints.create(cfg, receiver.url, ["run.finished"])
        run = runs.new_run("customers", "export", "schedule")
        runs.Progress(run).finish("finished")
        event_tasks.run_ended(runs.get(run.id))
        assert receiver.requests == [] and Delivery.select().count() == 0
        assert [t.name for t in huey.pending()] == ["emit_run"]
        huey.flush()
    finally:
        undo()


def test_the_command_line_adds_lists_tests_and_resends(events_config, receiver):
    env = {"DATABASE_URL": events_config.database_url, "SECRET_KEY": events_config.secret_key,
           "EVENTS_ALLOW_HTTP": "1", "EVENTS_ALLOW_PRIVATE": "1"}
    runner = CliRunner()
    added = runner.invoke(cli, ["events", "add", receiver.url, "--event", "run.failed"], env=env)
    assert added.exit_code == 0, added.output
    secret = added.output.split("receiver): ")[1].strip()
    tested = runner.invoke(cli, ["events", "test", "1"], env=env)
    assert tested.exit_code == 0 and "delivered, HTTP 200" in tested.output, tested.output
    receiver.answers = [500]
    again = runner.invoke(cli, ["events", "resend", "1"], env=env)
    assert "retrying, HTTP 500" in again.output and "by the worker" in again.output
    listed = runner.invoke(cli, ["events", "list"], env=env)
    assert receiver.url in listed.output and "endpoint.test" in listed.output
    assert [e["type"] for e in receiver.verified(secret)] == ["endpoint.test"] * 2
    assert len(set(receiver.ids())) == 1
    refused = runner.invoke(cli, ["events", "add", "https://127.0.0.1/x"],
                            env={**env, "EVENTS_ALLOW_PRIVATE": "0"})
    assert refused.exit_code != 0 and "loopback" in refused.output


def test_the_demo_sends_events_to_the_sandbox_receiver(events_config, sandbox, tmp_path):
    demo_env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}", "SECRET_KEY": "s",
                "EVENTS_ALLOW_HTTP": "1", "EVENTS_ALLOW_PRIVATE": "1"}
    result = CliRunner().invoke(cli, ["init", "--demo"], env=demo_env)
    assert "event webhooks go to http://127.0.0.1:8100/_sandbox/events" in result.output
    # the same endpoint, pointed at this test's sandbox, receives and shows what is sent
    use(events_config, immediate=True)
    endpoint, _ = endpoints.create(events_config, f"{sandbox.url}/_sandbox/events",
                                   ["run.finished"])
    enqueue_run("customers", "export", "panel")
    [entry] = sandbox.get("events")["received"]
    assert entry["body"]["type"] == "run.finished" and entry["headers"]["webhook-id"]
    page = requests.get(f"{sandbox.url}/_sandbox/events/view", timeout=10).text
    assert "run.finished" in page and entry["headers"]["webhook-id"] in page
