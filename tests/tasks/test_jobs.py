"""Jobs on Huey's real SQLite storage (immediate mode): runs, locks, retries, the queue."""

import datetime
import json
from pathlib import Path

import pytest
import requests

from core import leases, runner, runs, settings
from core.runner import lease_name
from core.store import Result, Run, utcnow
from tasks import enqueue_run, huey, retry_failed, run_sync
from tasks.periodic import post_daily, resend_lost
from tests.conftest import make_config


def test_the_queue_is_a_sqlite_file_beside_the_database(tasks_config):
    storage = huey.storage
    assert type(storage).__name__ == "SqliteStorage"
    db_file = Path(tasks_config.database_url[len("sqlite:///"):])
    assert Path(storage.filename) == db_file.with_name("huey.db")
    assert huey.immediate and not huey.immediate_use_memory


def test_an_enqueued_run_executes_and_its_result_is_kept_in_sqlite(tasks_config, sandbox):
    run, created = enqueue_run("customers", "export", "panel", "admin")
    assert created and run.status == "finished", run.message
    assert run.trigger == "panel" and run.who == "admin" and run.created > 0
    assert run.created == len(sandbox.hubspot("companies")) + len(sandbox.hubspot("contacts"))
    again = run_sync(run.id)  # a second message for a finished run does nothing
    assert again.get() == "finished"
    assert runs.get(run.id).finished_at == run.finished_at


def test_a_run_waits_while_another_of_its_kind_holds_the_lock(tasks_config):
    leases.acquire(lease_name("customers", "export"), "other-worker", 600, run_id=None)
    run, _ = enqueue_run("customers", "export", "slack", "@ana")
    assert runs.get(run.id).status == "queued"
    retries = [t for t in huey.scheduled() if t.name == "run_sync"]
    assert [t.args for t in retries] == [(run.id,)]  # looked again later, not failed
    assert retries[0].eta > datetime.datetime.utcnow()
    # asked for again while it waits: the same run, not a second one
    same, created = enqueue_run("customers", "export", "schedule")
    assert (same.id, created) == (run.id, False)


def test_a_killed_workers_run_is_failed_and_the_next_run_takes_over(tasks_config, sandbox):
    dead = runs.new_run("customers", "export", "schedule")
    runs.Progress(dead).start()
    leases.acquire(lease_name("customers", "export"), "killed", 2, run_id=dead.id,
                   now=utcnow() - datetime.timedelta(seconds=10))
    run, _ = enqueue_run("customers", "export", "cli")
    assert run.status == "finished", run.message
    dead = runs.get(dead.id)
    assert dead.status == "failed" and "worker stopped" in dead.message
    assert leases.held(lease_name("customers", "export")) is None


def test_a_dry_run_needs_no_lock(tasks_config):
    leases.acquire(lease_name("customers", "export"), "other-worker", 600)
    run, _ = enqueue_run("customers", "export", "slack", dry_run=True)
    assert run.status == "finished" and run.plan


def test_retry_runs_only_the_records_that_failed(tasks_config, sandbox):
    first, _ = enqueue_run("customers", "export", "cli")
    customer = sandbox.get("cin7/customers")[0]
    Result.create(run=first, record_id=customer["ID"], record_name=customer["Name"],
                  action="update", outcome="failed", reason="HubSpot was down")
    retry, created = retry_failed(first.id, who="@ana")
    assert created and retry.status == "finished", retry.message
    assert (retry.trigger, retry.who, retry.only, retry.retry_of) == (
        "retry", "@ana", [customer["ID"]], first.id)
    assert retry.read == 1
    assert retry_failed(retry.id) == (None, False)  # nothing failed: nothing to retry


def test_a_queued_run_whose_message_was_lost_is_queued_again(tasks_config):
    settings.set("sync.enabled", "off")  # the resent run is refused: enough to see it ran
    lost = runs.new_run("customers", "export", "schedule")
    Run.update(created_at=utcnow() - datetime.timedelta(minutes=5)).where(
        Run.id == lost.id).execute()
    fresh = runs.new_run("products", "export", "schedule")
    assert resend_lost(utcnow()) == [lost.id]
    assert runs.get(lost.id).status == "refused"
    assert runs.get(fresh.id).status == "queued"  # young: its message may still be coming


def test_a_run_started_here_waits_for_the_lock_like_the_worker(tasks_config):
    leases.acquire(lease_name("customers", "export"), "worker", 600)
    run = runs.new_run("customers", "export", "cli")
    assert runner.execute(tasks_config, run.id, wait=0.3, poll=0.1).status == "queued"
    leases.release(lease_name("customers", "export"))
    assert runner.execute(tasks_config, run.id).status == "finished"


@pytest.fixture
def slack_config(tmp_path, sandbox):
    """The worker with Slack configured: the sandbox's fake Slack Web API."""
    from tests.tasks.conftest import TEST_SETTINGS, use

    cfg = make_config(tmp_path, sandbox.url, slack_bot_token="xoxb-test",
                      slack_api_url=f"{sandbox.url}/slack/api/", slack_alerts_channel="C0ALERTS",
                      **TEST_SETTINGS)
    undo = use(cfg, immediate=True)
    settings.set("sync.enabled", "on")
    yield cfg
    undo()


def slack_messages(sandbox, channel):
    r = requests.get(f"{sandbox.url}/slack/messages", params={"channel": channel}, timeout=10)
    return [m for m in r.json()["messages"] if m["kind"] == "message"]


def test_an_automatic_run_with_failures_alerts_the_channel_once(slack_config, sandbox):
    customer = next(c for c in sandbox.get("cin7/customers")
                    if c["Contacts"] and c["Status"] == "Active")
    requests.patch(f"{sandbox.url}/_sandbox/cin7/customers/{customer['ID']}",
                   json={"Contacts": [{"ID": customer["Contacts"][0]["ID"],
                                       "Email": "not-an-email"}]}, timeout=10).raise_for_status()
    run, _ = enqueue_run("customers", "export", "schedule")
    assert run.failed >= 1
    alerts = slack_messages(sandbox, "C0ALERTS")
    assert len(alerts) == 1 and customer["Name"] in json.dumps(alerts[0])
    enqueue_run("customers", "export", "cli")  # a person's run: no alert
    assert len(slack_messages(sandbox, "C0ALERTS")) == 1


def test_the_daily_post_goes_out_once_a_day_at_the_set_local_time(slack_config, sandbox):
    settings.set("schedule.timezone", "America/New_York")
    settings.set("schedule.daily_post_time", "08:00")
    d = datetime.datetime
    assert not post_daily(d(2025, 3, 10, 11, 59))  # 07:59 EDT
    assert post_daily(d(2025, 3, 10, 12, 0))  # 08:00 EDT
    assert not post_daily(d(2025, 3, 10, 18, 0))  # once a day
    assert post_daily(d(2025, 3, 11, 12, 30))
    assert len(slack_messages(sandbox, "C0ALERTS")) == 2


def test_without_slack_nothing_is_posted(tasks_config, sandbox):
    assert not post_daily(utcnow())
