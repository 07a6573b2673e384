"""Slash commands sent as Slack sends them: signed form posts into the Bolt app."""

import time
from concurrent.futures import ThreadPoolExecutor

from bot.app import create_app
from core import runs, settings
from tests.bot.conftest import (
    BEN,
    CARLA,
    CHANNEL,
    OTHER_CHANNEL,
    break_emails,
    command_body,
    flask_client,
    sign,
    text_of,
)


def reply(response):
    """What the person sees of the immediate answer: text and block texts."""
    if not response.is_json:
        return response.get_data(as_text=True)
    return text_of(response.get_json())


def test_a_valid_command_is_answered_at_once_and_starts_exactly_one_run(slash, slack):
    response = slash("customers")

    assert response.status_code == 200
    assert response.get_json() == {"text": "Sync of customers started by <@U0ANA>",
                                   "response_type": "in_channel"}
    [run] = runs.recent()
    assert (run.entity, run.direction, run.trigger, run.who) == ("customers", "export",
                                                                 "slack", "@ana")
    assert run.status == "finished" and run.channel == CHANNEL
    assert len(slack.messages(CHANNEL)) == 1


def test_the_answer_comes_before_the_run_when_listeners_run_in_the_background(
        worker, slack, sandbox):
    sandbox.fault(system="cin7", kind="slow", delay=2)  # the run takes over 2 s
    background = ThreadPoolExecutor(max_workers=2)  # as Bolt's own pool in production
    client = flask_client(create_app(worker, listener_executor=background))
    body = command_body(slack, "customers")

    started = time.monotonic()
    response = client.post("/slack/events", data=body, headers=sign(body))
    elapsed = time.monotonic() - started
    background.shutdown(wait=True)  # the run, executed after the answer
    total = time.monotonic() - started

    assert response.status_code == 200 and elapsed < 1.5 and total >= 2
    assert "started by" in response.get_json()["text"]
    [run] = runs.recent()
    assert run.status == "finished"
    assert "run #1 · finished" in text_of(slack.messages(CHANNEL)[0])


def test_a_wrong_signature_is_refused_and_starts_nothing(client, slack):
    body = command_body(slack, "customers")

    response = client.post("/slack/events", data=body, headers=sign(body, secret="not-it"))

    assert response.status_code == 401
    assert runs.recent() == [] and slack.all() == []


def test_a_request_older_than_five_minutes_is_refused(client, slack):
    body = command_body(slack, "customers")

    response = client.post("/slack/events", data=body,
                           headers=sign(body, timestamp=int(time.time()) - 301))

    assert response.status_code == 401
    assert runs.recent() == []


def test_a_body_changed_after_signing_is_refused(client, slack):
    body = command_body(slack, "customers --dry-run")
    headers = sign(body)

    response = client.post("/slack/events", data=body.replace("+--dry-run", ""),
                           headers=headers)

    assert response.status_code == 401
    assert runs.recent() == []


def test_a_slack_retry_of_the_same_request_does_not_start_a_second_run(client, slack):
    body = command_body(slack, "customers")
    first = client.post("/slack/events", data=body, headers=sign(body))

    again = client.post("/slack/events", data=body, headers={
        **sign(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})

    assert first.status_code == 200 and again.status_code == 200
    assert len(runs.recent()) == 1


def test_someone_not_allowed_is_refused_politely_and_starts_nothing(slash, slack):
    response = slash("customers", user=BEN)

    assert response.status_code == 200
    assert response.get_json()["response_type"] == "ephemeral"
    assert "Sorry, you can't start or retry syncs" in reply(response)
    assert runs.recent() == [] and slack.messages(CHANNEL) == []


def test_an_allowed_channel_lets_anyone_in_it_start_a_sync(slash, client_for):
    via = client_for(slack_allowed_users=[], slack_allowed_channels=[OTHER_CHANNEL])

    refused = slash("customers", user=BEN, channel=CHANNEL, via=via)
    started = slash("customers", user=BEN, channel=OTHER_CHANNEL, via=via)

    assert "Sorry" in reply(refused)
    assert "started by <@U0BEN>" in reply(started)
    assert [r.channel for r in runs.recent()] == [OTHER_CHANNEL]


def test_members_of_an_allowed_user_group_may_start_syncs(slash, client_for):
    via = client_for(slack_allowed_users=[], slack_allowed_usergroups=["S0SALESOPS"])

    assert "started by <@U0CARLA>" in reply(slash("customers", user=CARLA, via=via))
    assert "Sorry" in reply(slash("customers", user=BEN, via=via))
    assert len(runs.recent()) == 1


def test_with_the_master_switch_off_the_reply_says_why_and_nothing_starts(slash, slack):
    settings.set("sync.enabled", "off")

    response = slash("customers")

    assert "synchronisation is switched off" in reply(response)
    assert response.get_json()["response_type"] == "ephemeral"
    assert runs.recent() == []


def test_a_dry_run_may_run_while_sync_is_switched_off(slash):
    settings.set("sync.enabled", "off")

    response = slash("customers --dry-run")

    assert "Dry run of customers started by" in reply(response)
    [run] = runs.recent()
    assert run.dry_run and run.status == "finished"


def test_sync_all_starts_every_entity_with_a_direction_set(slash):
    settings.set("sales.direction", "off")

    response = slash("all")

    assert "Sync of customers" in reply(response)
    started = {r.entity for r in runs.recent()}
    assert "customers" in started and "sales" not in started


def test_an_entity_whose_sync_is_off_is_refused_with_the_reason(slash):
    settings.set("sales.direction", "off")

    response = slash("sales")

    assert "Can't start: sales sync is off" in reply(response)
    assert runs.recent() == []


def test_help_and_unknown_arguments_list_the_commands(slash):
    for text in ("help", "", "frobnicate"):
        answer = reply(slash(text))
        for command in ("/sync customers|products|sales|all", "--dry-run", "/syncstatus",
                        "/match joor"):
            assert command in answer
    assert "I don't know `frobnicate`" in reply(slash("frobnicate"))
    assert runs.recent() == []


def test_match_joor_says_joor_is_not_connected_yet(slash):
    answer = reply(slash("joor", command="/match"))

    assert "JOOR is not connected" in answer


def test_syncstatus_is_open_to_everyone_and_shows_the_last_run(slash):
    slash("customers")

    answer = reply(slash("", command="/syncstatus", user=BEN))

    assert "Synchronisation is *on*" in answer
    assert "#1 customers export (slack by @ana) finished" in answer
    assert "*Sales*: sync is off" in answer
    assert "No run is scheduled." in answer


def test_syncstatus_says_when_sync_is_switched_off(slash):
    settings.set("sync.enabled", "off")

    answer = reply(slash("", command="/syncstatus", user=BEN))

    assert "Synchronisation is *switched off*: no sync will run" in answer


def test_syncstatus_says_when_the_next_scheduled_run_is(slash):
    settings.set("schedule.enabled", "on")
    settings.set("schedule.frequency", "2h")

    answer = reply(slash("", command="/syncstatus", user=BEN))

    assert "Next scheduled run: 20" in answer and " UTC" in answer


def test_syncstatus_shows_what_failed_in_the_last_run(slash, sandbox):
    break_emails(sandbox, 1)
    slash("customers")

    answer = reply(slash("", command="/syncstatus", user=BEN))

    assert "1 failed" in answer
    assert "is not a valid e-mail address" in answer


def test_with_no_allowed_list_configured_everyone_may_start_syncs(slash, client_for):
    via = client_for(slack_allowed_users=[], slack_allowed_channels=[],
                     slack_allowed_usergroups=[])

    assert "started by <@U0BEN>" in reply(slash("customers", user=BEN, via=via))
