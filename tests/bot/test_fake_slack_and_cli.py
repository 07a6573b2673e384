"""The sandbox's fake Slack answers like Slack; `syncdesk slash` drives the bot without it."""

import re

import pytest
import requests
from click.testing import CliRunner
from flask import Flask
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import http
from core import runs
from tests.bot.conftest import CHANNEL, TOKEN, command_body, sign


def test_the_fake_web_api_answers_in_slacks_shape(slack):
    client = WebClient(token=TOKEN, base_url=slack.api_url)

    assert client.auth_test()["bot_id"] == "B0BOT"
    posted = client.chat_postMessage(channel=CHANNEL, text="hello")
    assert re.fullmatch(r"\d{10}\.\d{6}", posted["ts"]) and posted["channel"] == CHANNEL
    assert posted["message"]["text"] == "hello"
    client.chat_update(channel=CHANNEL, ts=posted["ts"], text="hello again")
    assert client.usergroups_users_list(usergroup="S0SALESOPS")["users"] == ["U0CARLA"]
    assert client.users_info(user="U0ANA")["user"]["name"] == "ana"
    assert client.chat_postEphemeral(channel=CHANNEL, user="U0ANA", text="psst")["ok"]

    [message, ephemeral] = slack.all(CHANNEL)
    assert message["text"] == "hello again" and message["updates"][0]["text"] == "hello"
    assert ephemeral["kind"] == "ephemeral" and ephemeral["user"] == "U0ANA"


@pytest.mark.parametrize("token, call, error", [
    (TOKEN, lambda c: c.chat_update(channel=CHANNEL, ts="1.000001", text="x"), "message_not_found"),
    (TOKEN, lambda c: c.chat_postMessage(channel="general chat", text="x"), "channel_not_found"),
    (TOKEN, lambda c: c.usergroups_users_list(usergroup="S0NONE"), "no_such_subteam"),
    ("xoxp-user-token", lambda c: c.auth_test(), "invalid_auth"),
])
def test_the_fake_web_api_refuses_like_slack(slack, token, call, error):
    with pytest.raises(SlackApiError) as refused:
        call(WebClient(token=token, base_url=slack.api_url))

    assert refused.value.response.status_code == 200
    assert refused.value.response["error"] == error


def test_a_call_without_a_token_is_not_authed(slack):
    answer = requests.post(f"{slack.api_url}chat.postMessage", json={"channel": CHANNEL,
                                                                   "text": "x"}, timeout=10)

    assert answer.json() == {"ok": False, "error": "not_authed"}


def test_the_channel_view_shows_messages_as_slack_would_and_escapes_them(slack):
    client = WebClient(token=TOKEN, base_url=slack.api_url)
    client.chat_postMessage(channel=CHANNEL, text="fallback", blocks=[
        {"type": "section", "text": {"type": "mrkdwn",
                                     "text": "*Customers* &lt;script&gt;x &amp; <http://p/runs/1|run 1> "
                                             "<javascript:alert(1)|click>"}},
        {"type": "actions", "elements": [{"type": "button", "action_id": "retry_failed",
                                          "text": {"type": "plain_text", "text": "Retry failed"}}]}])

    page = requests.get(f"{slack.url}/slack/", timeout=10).text

    assert "#C0SYNC" in page and "<b>Customers</b>" in page
    assert "&lt;script&gt;x &amp;" in page and "<script>x" not in page
    assert 'href="javascript' not in page
    assert '<a href="http://p/runs/1">run 1</a>' in page and "Retry failed" in page


def test_the_events_view_builds_its_bolt_app_from_the_flask_config(worker, slack):
    app = Flask("panel")
    app.config["SYNCDESK_CONFIG"] = worker
    app.register_blueprint(http.bp)
    body = command_body(slack, "help")

    response = app.test_client().post("/slack/events", data=body, headers=sign(body))

    assert response.status_code == 200 and "/syncstatus" in response.get_json()["text"]


def test_syncdesk_slash_sends_a_signed_command_and_prints_what_slack_shows(
        worker, slack, monkeypatch):
    from web.cli import cli

    for name in ("database_url", "cin7_base_url", "cin7_account_id", "cin7_application_key",
                 "hubspot_base_url", "hubspot_token", "slack_api_url", "slack_bot_token"):
        monkeypatch.setenv(name.upper(), str(getattr(worker, name)))
    monkeypatch.setenv("SLACK_ALLOWED_USERS", "U0ANA")
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)

    result = CliRunner().invoke(cli, ["slash", "/sync customers", "--channel", CHANNEL])

    assert result.exit_code == 0, result.output
    assert "reply (200):\nSync of customers started by <@U0ANA>" in result.output
    assert f"--- message in {CHANNEL}, updated" in result.output
    assert "run #1 · finished" in result.output and "[Open in panel]" in result.output
    assert runs.recent()[0].who == "@ana"


def test_the_panel_serves_slack_events_untouched_by_its_csrf_check(worker, slack):
    web = pytest.importorskip("web")
    from bot.app import create_app
    from bot.cli import InlineExecutor

    panel = web.create_app(worker, {"TESTING": True})
    http.init_app(panel, bolt_app=create_app(worker, listener_executor=InlineExecutor()))
    body = command_body(slack, "customers")

    response = panel.test_client().post("/slack/events", data=body, headers=sign(body))

    assert response.status_code == 200
    assert runs.recent()[0].status == "finished"
