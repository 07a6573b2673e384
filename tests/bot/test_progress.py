"""The run's message in the channel: posted once, updated in place, ending with the outcome."""

import pytest

from bot import notify
from core import runs, settings
from core.connectors.hubspot import HubSpot
from core.sales import stages
from core.store import Run
from tests.bot.conftest import (
    BEN,
    CHANNEL,
    PANEL,
    break_emails,
    buttons,
    set_email,
    text_of,
)


def test_the_run_message_is_updated_in_place_and_ends_with_the_counts(slash, slack, sandbox):
    slash("customers")

    [message] = slack.messages(CHANNEL)
    [run] = runs.recent()
    assert message["ts"] == run.message_ts
    assert message["updates"], "the message was never updated in place"
    first = text_of(message["updates"][0])
    assert "running" in first or "queued" in first
    assert any("`▓" in text_of(v) or "`░" in text_of(v) for v in message["updates"])
    final = text_of(message)
    assert "run #1 · finished" in final and "Done: nothing failed." in final
    assert f"{run.created} created" in final and f"{run.read} read" in final
    assert [b["text"]["text"] for b in buttons(message)] == ["Open in panel"]
    assert buttons(message)[0]["url"] == f"{PANEL}/runs/{run.id}"
    assert len(sandbox.hubspot("companies")) > 0


def test_a_dry_run_shows_the_plan_and_writes_nothing(slash, slack, sandbox):
    slash("customers --dry-run")

    [message] = slack.messages(CHANNEL)
    final = text_of(message)
    assert "dry run · finished" in final
    assert "*Plan:*" in final and "create company" in final
    assert "to create" in final
    assert sandbox.hubspot("companies") == []


def test_retry_failed_reruns_only_the_records_that_failed(slash, press, slack, sandbox):
    [(customer, contact)] = break_emails(sandbox, 1)
    slash("customers")
    [first] = runs.recent()
    [message] = slack.messages(CHANNEL)
    assert first.failed == 1
    assert "'not-an-email' is not a valid e-mail address" in text_of(message)
    assert customer["Name"] in text_of(message)
    retry = next(b for b in buttons(message) if b["action_id"] == "retry_failed")
    assert retry["text"]["text"] == "Retry failed (1)" and retry["value"] == str(first.id)

    set_email(sandbox, customer["ID"], contact["ID"], "peter.blood@example.com")
    response = press(retry)

    assert response.status_code == 200
    again = runs.recent()[0]
    assert (again.trigger, again.retry_of, again.only) == ("retry", first.id, [customer["ID"]])
    assert again.status == "finished" and again.failed == 0
    assert "Retrying 1 failed customers record(s) of run #1." in text_of(
        slack.responses(CHANNEL)[-1])
    latest = text_of(slack.messages(CHANNEL)[-1])
    assert f"run #{again.id} · finished" in latest and "retry of #1 by @ana" in latest
    emails = [c["properties"].get("email") for c in sandbox.hubspot("contacts")]
    assert "peter.blood@example.com" in emails


def test_retry_failed_pressed_by_someone_not_allowed_starts_nothing(slash, press, slack,
                                                                    sandbox):
    break_emails(sandbox, 1)
    slash("customers")
    retry = next(b for b in buttons(slack.messages(CHANNEL)[0])
                 if b["action_id"] == "retry_failed")

    press(retry, user=BEN)

    assert len(runs.recent()) == 1
    [answer] = slack.responses(CHANNEL)
    assert answer["response_type"] == "ephemeral" and not answer["replace_original"]
    assert "Sorry, you can't start or retry syncs" in text_of(answer)


def test_the_open_in_panel_button_is_acknowledged(slash, press, slack):
    slash("customers")
    link = buttons(slack.messages(CHANNEL)[0])[-1]

    assert press(link).status_code == 200


@pytest.fixture
def slack_run(worker):
    """A running run that reports to CHANNEL, as the worker holds it."""
    run = runs.new_run("customers", "export", "slack", "@ana")
    Run.update(channel=CHANNEL, status="running", phase="exporting page 1", total=100).where(
        Run.id == run.id).execute()
    return runs.get(run.id)


def test_progress_updates_are_throttled_to_about_one_a_second(slack_run, slack, worker):
    clock = [100.0]
    listener = notify.progress_listener(worker, every=1.0, clock=lambda: clock[0])

    for done in range(0, 50, 5):  # ten reports within the same second
        slack_run.done = done
        listener(slack_run)
    clock[0] += 1.1
    slack_run.done = 60
    listener(slack_run)
    listener(slack_run)  # same content: no call

    [message] = slack.messages(CHANNEL)
    assert len(message["updates"]) == 1
    assert "60/100" in text_of(message)


def test_the_message_ends_in_a_final_state_even_when_the_job_died(slack_run, slack, worker):
    listener = notify.progress_listener(worker, every=0)
    listener(slack_run)

    notify.finish(worker, slack_run)  # the task's `finally`, the run left "running"

    [message] = slack.messages(CHANNEL)
    assert "The worker stopped before this run ended" in text_of(message)


def test_slack_refusing_the_message_never_fails_the_run(slash, slack):
    slash("customers", channel="nowhere")  # not a channel the fake Slack knows

    [run] = runs.recent()
    assert run.status == "finished" and run.message_ts == ""
    assert slack.messages("nowhere") == []


def test_a_sync_asked_while_the_same_kind_waits_joins_the_waiting_run(slash, slack):
    waiting, _ = runs.request("customers", "export", "panel", "admin")  # not picked up yet

    slash("customers")

    assert [r.id for r in runs.recent()] == [waiting.id]
    assert (f"A customers sync is already waiting to start (run #{waiting.id})"
            in text_of(slack.responses(CHANNEL)[-1]))


def test_sync_sales_exports_deals_and_reports_in_the_channel(slash, slack, sandbox, config):
    settings.set("sales.direction", "export")
    stages.load(HubSpot(config))
    settings.set("sales.pipeline", "default")
    settings.set("sales.stage_map", "decisionmakerboughtin=ESTIMATED,contractsent=ORDERED")

    slash("sales")

    [message] = slack.messages(CHANNEL)
    [run] = runs.recent(entity="sales")
    assert run.status == "finished" and run.created > 0
    assert "run #" in text_of(message) and "finished" in text_of(message)
    assert len(sandbox.hubspot("deals")) == run.created
