"""Alerts for automatic runs (AUTO-3) and the daily status post (AUTO-4)."""

import datetime

import tasks
from bot import notify
from core import runs, settings
from core.store import Run, utcnow
from tests.bot.conftest import ALERTS, CHANNEL, PANEL, break_emails, buttons, text_of
from tests.test_sales_import import line, make_deal, stocked_products


def scheduled_run():
    """A scheduled run reading every customer, so a lasting problem is met again."""
    run, _ = tasks.enqueue_run("customers", "export", "schedule", full=True)
    return runs.get(run.id)


def test_a_scheduled_run_with_failures_posts_one_alert_with_its_failures(worker, slack,
                                                                         sandbox):
    broken = break_emails(sandbox, 2)

    run = scheduled_run()

    assert run.failed == 2 and run.notified
    [alert] = slack.messages(ALERTS)
    text = text_of(alert)
    assert f"run #{run.id} (scheduled): 2 record(s) failed" in text
    # The same reason for both records: one group naming both, not one line per record.
    assert text.count("is not a valid e-mail address") == 1
    for customer, _ in broken:
        assert customer["Name"] in text
    assert [b["action_id"] for b in buttons(alert)] == ["retry_failed", "open_run"]
    assert buttons(alert)[1]["url"] == f"{PANEL}/runs/{run.id}"


def test_finishing_a_run_twice_posts_its_alert_once(worker, slack, sandbox):
    break_emails(sandbox, 1)
    run = scheduled_run()

    notify.finish(worker, run)

    assert len(slack.messages(ALERTS)) == 1


def test_a_lasting_failure_is_not_posted_again_but_a_new_one_is(worker, slack, sandbox):
    break_emails(sandbox, 1)
    scheduled_run()

    again = scheduled_run()
    assert again.failed == 1 and again.notified
    assert len(slack.messages(ALERTS)) == 1

    break_emails(sandbox, 2, email="also@bad")  # a second customer now fails too
    third = scheduled_run()
    assert third.failed > again.failed
    assert len(slack.messages(ALERTS)) == 2
    assert f"run #{third.id}" in text_of(slack.messages(ALERTS)[-1])


def test_runs_started_by_a_person_do_not_alert(slash, slack, sandbox):
    break_emails(sandbox, 1)

    slash("customers")

    assert slack.messages(ALERTS) == []
    assert "Done, 1 failed." in text_of(slack.messages(CHANNEL)[0])


def test_a_successful_scheduled_run_posts_nothing(worker, slack):
    run = scheduled_run()

    assert run.status == "finished" and run.failed == 0
    assert slack.all() == []


def test_the_alerts_channel_set_in_the_panel_wins(worker, slack, sandbox):
    settings.set("slack.alerts_channel", "C0OPS")
    break_emails(sandbox, 1)

    scheduled_run()

    assert len(slack.messages("C0OPS")) == 1 and slack.messages(ALERTS) == []


def test_the_daily_post_gives_counts_pending_failed_runs_and_what_is_still_failing(
        worker, slack, sandbox):
    [(customer, _)] = break_emails(sandbox, 1)
    first = scheduled_run()
    second = scheduled_run()
    crashed = runs.new_run("products", "export", "schedule")
    Run.update(status="failed", message="stopped: HubSpot: service unavailable (HTTP 503)").where(
        Run.id == crashed.id).execute()

    message = notify.daily_post(worker, utcnow() + datetime.timedelta(minutes=1))

    [post] = slack.messages(ALERTS)[1:]  # after the first run's alert
    text = text_of(post)
    assert text == text_of(message)
    created = first.created + second.created
    assert (f"*customers* Cin7 → HubSpot: {created} created · {second.updated} updated · "
            f"{second.unchanged} unchanged · 2 failed (2 run(s))") in text
    assert "*Still failing* since" in text and customer["Name"] in text
    assert f"#{crashed.id} products export (schedule) failed" in text
    assert "service unavailable" in text
    assert "*Runs that failed*" in text and "*Pending" in text


def test_the_daily_post_on_a_quiet_day(worker, slack):
    notify.daily_post(worker)

    [post] = slack.messages(ALERTS)
    assert "No sync ran." in text_of(post) and "*Pending:* nothing." in text_of(post)


def test_a_sale_waiting_for_stock_is_reported_once_not_every_run(worker, slack, sandbox,
                                                                 deals_in):
    settings.set("sales.when_short", "wait")
    [product] = stocked_products(sandbox, 1)
    make_deal(sandbox, "Huge order", "contractsent", [line(product, 5000)])

    first, _ = tasks.enqueue_run("sales", "import", "schedule")
    second, _ = tasks.enqueue_run("sales", "import", "schedule")

    assert runs.get(first.id).failed == runs.get(second.id).failed == 1
    [alert] = slack.messages(ALERTS)
    assert "waiting for stock" in text_of(alert) and product["SKU"] in text_of(alert)
