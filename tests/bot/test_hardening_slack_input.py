"""Junk at /slack/events gets a 400/401 and one log line, never a 500 or a traceback."""

import json
import logging
from urllib.parse import urlencode

import pytest

from bot import http
from tests.bot.conftest import sign


def one_line(caplog):
    """Exactly one warning (or worse) was logged, and no traceback."""
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(loud) == 1, [r.getMessage() for r in loud]
    assert not any(r.exc_info for r in caplog.records)


@pytest.mark.parametrize("body, headers", [
    ("command=/sync&text=customers", {"X-Slack-Request-Timestamp": "abc",
                                      "X-Slack-Signature": "v0=00"}),
    ("[1, 2, 3]", {"Content-Type": "application/json"}),
    ("payload={bad", {"Content-Type": "application/x-www-form-urlencoded"}),
    (b"\xff\xfe junk", {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=00"}),
], ids=["timestamp-abc", "json-array", "payload-bad", "not-utf8"])
def test_unsigned_junk_is_refused_with_401_and_one_line(client, caplog, body, headers):
    caplog.set_level(logging.INFO)
    r = client.post("/slack/events", data=body, headers=headers)
    assert r.status_code == 401
    one_line(caplog)


@pytest.mark.parametrize("body, content_type", [
    ("[1, 2, 3]", "application/json"),
    ("payload={bad", "application/x-www-form-urlencoded"),
    ("payload=" + "[" * 5000 + "]" * 5000, "application/x-www-form-urlencoded"),
], ids=["json-array", "payload-bad", "payload-nested"])
def test_signed_junk_is_refused_with_400_and_one_line(client, caplog, body, content_type):
    caplog.set_level(logging.INFO)
    r = client.post("/slack/events", data=body, headers={**sign(body),
                                                          "Content-Type": content_type})
    assert r.status_code == 400
    one_line(caplog)


@pytest.mark.parametrize("value", ["abc", str(10**23), "-1"])
def test_a_signed_retry_button_naming_no_run_answers_without_a_traceback(
        client, slack, caplog, value):
    caplog.set_level(logging.INFO)
    payload = {"type": "block_actions", "api_app_id": "A0SYNCDESK", "token": "legacy",
               "user": {"id": "U0ANA", "username": "ana", "team_id": "T0SANDBOX"},
               "team": {"id": "T0SANDBOX"}, "channel": {"id": "C0SYNC", "name": "c0sync"},
               "container": {"type": "message", "channel_id": "C0SYNC", "message_ts": "1.0"},
               "trigger_id": "1.2", "response_url": slack.response_url("C0SYNC"),
               "actions": [{"type": "button", "action_id": "retry_failed", "block_id": "run",
                            "value": value, "action_ts": "1.0"}]}
    body = urlencode({"payload": json.dumps(payload)})
    r = client.post("/slack/events", data=body, headers=sign(body))
    assert r.status_code == 200
    one_line(caplog)
    assert "no longer exists" in slack.responses("C0SYNC")[-1]["text"]


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, caplog):
    body = "text=" + "x" * http.BODY_LIMIT
    r = client.post("/slack/events", data=body, headers=sign(body))
    assert r.status_code == 413
