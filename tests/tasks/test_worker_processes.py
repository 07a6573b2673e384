"""Real `huey_consumer` processes: a SIGKILL mid-run, a graceful stop, two workers and a burst.

The sandbox runs in this test process; the workers are separate processes sharing the
test's SQLite store and queue, as web, worker and bot share them in production.
"""

import signal
import threading
import time
from dataclasses import replace
from itertools import pairwise

import requests

from core import cursors, runs
from core.store import Run, db
from tasks import enqueue_run
from tests.tasks.conftest import WEBHOOK_SECRET, wait_for

PAGE, CUSTOMERS = 5, 40


def final(run_id):
    db.close()  # see what the workers committed
    run = runs.get(run_id)
    return run if run.status in runs.FINAL else None


def finished_page():
    db.close()
    return cursors.describe("customers", "export")[1] or 0


def check_hubspot_has_each_customer_once(sandbox):
    customers = sandbox.get("cin7/customers")
    companies = sandbox.hubspot("companies")
    keys = [c["properties"].get("cin7_customer_id") for c in companies]
    assert sorted(keys) == sorted(c["ID"] for c in customers if c["Contacts"])  # no dup, no gap
    emails = [c["properties"].get("email") for c in sandbox.hubspot("contacts")]
    emails = [e for e in emails if e]
    assert len(emails) == len(set(emails))


def cin7_pages_read(sandbox, since=0):
    return [int(r["query"].get("Page", 1)) for r in sandbox.get("requests", system="cin7")[since:]
            if r["method"] == "GET" and r["path"].lower().endswith("/customer")]


def test_a_worker_killed_mid_run_leaves_a_failed_run_and_the_next_resumes(
        queue_config, sandbox, consumers):
    sandbox.reset(customers=CUSTOMERS)
    sandbox.fault(system="cin7", kind="slow", delay=0.4, count=1000, path="ustomer")
    cfg = {"cin7_page_size": PAGE}
    worker = consumers.start(queue_config, **cfg)
    killed, _ = enqueue_run("customers", "export", "schedule")
    wait_for(lambda: finished_page() >= 3, 60, what="page 3 to finish")
    consumers.kill(worker, signal.SIGKILL)
    pages_done = finished_page()
    assert 3 <= pages_done < CUSTOMERS // PAGE
    assert runs.get(killed.id).status == "running"  # what the killed worker left behind
    log_mark = len(sandbox.get("requests", system="cin7"))

    consumers.start(queue_config, **cfg)
    resumed, _ = enqueue_run("customers", "export", "schedule")
    resumed = wait_for(lambda: final(resumed.id), 60, what="the next run")
    assert resumed.status == "finished", (resumed.message, consumers.logs())
    killed = runs.get(killed.id)
    assert killed.status == "failed" and "worker stopped" in killed.message
    assert cin7_pages_read(sandbox, log_mark)[0] == pages_done + 1  # from the next page on
    assert resumed.read == CUSTOMERS - pages_done * PAGE
    check_hubspot_has_each_customer_once(sandbox)


def test_a_worker_asked_to_stop_ends_its_run_at_a_page_and_the_run_goes_on_later(
        queue_config, sandbox, consumers):
    sandbox.reset(customers=CUSTOMERS)
    sandbox.fault(system="cin7", kind="slow", delay=0.4, count=1000, path="ustomer")
    worker = consumers.start(queue_config, cin7_page_size=PAGE)
    first, _ = enqueue_run("customers", "export", "schedule")
    wait_for(lambda: finished_page() >= 2, 60, what="page 2 to finish")
    assert consumers.kill(worker, signal.SIGTERM) == 0  # exits by itself, cleanly
    assert finished_page() < CUSTOMERS // PAGE  # before the run's end: it did not wait for it
    first = runs.get(first.id)
    assert first.status == "failed" and "asked to stop" in first.message
    follow_up = Run.select().where(Run.id > first.id).get()
    assert (follow_up.status, follow_up.trigger) == ("queued", "schedule")

    consumers.start(queue_config, cin7_page_size=PAGE)
    follow_up = wait_for(lambda: final(follow_up.id), 60, what="the follow-up run")
    assert follow_up.status == "finished", follow_up.message
    check_hubspot_has_each_customer_once(sandbox)


def idle():
    db.close()
    return Run.select().where(Run.status.in_(("queued", "running"))).count() == 0


def _watch_overlap(stop, seen):
    """Sample the store: how many customer exports run at once (must never exceed one)."""
    while not stop.is_set():
        db.close()
        seen.append(Run.select().where(Run.entity == "customers", Run.status == "running")
                    .count())
        time.sleep(0.02)
    db.close()


def test_two_workers_and_a_burst_of_50_webhooks_sync_every_change_one_run_at_a_time(
        queue_config, sandbox, consumers, webhook_client, monkeypatch):
    import tasks

    monkeypatch.setattr(tasks.app, "config", replace(queue_config, webhook_debounce_seconds=0.5))
    sandbox.reset(customers=60)
    first, _ = enqueue_run("customers", "export", "cli")
    for _ in range(2):
        consumers.start(queue_config)
    wait_for(lambda: final(first.id), 60, what="the first export")
    # slow Cin7 reads: runs last long enough for webhooks to arrive while one is going
    # (Huey moves delayed tasks to the queue once a second, so a run must last longer)
    sandbox.fault(system="cin7", kind="slow", delay=1.5, count=1000, path="ustomer")
    customers = [c for c in sandbox.get("cin7/customers") if c["Contacts"]][:50]
    stop, seen = threading.Event(), []
    watcher = threading.Thread(target=_watch_overlap, args=(stop, seen))
    watcher.start()
    try:
        for i, customer in enumerate(customers):
            requests.patch(f"{sandbox.url}/_sandbox/cin7/customers/{customer['ID']}",
                           json={"Name": f"Burst {i:02d}"}, timeout=10).raise_for_status()
            r = webhook_client.post(f"/webhooks/cin7/{WEBHOOK_SECRET}",
                                    json={"EventType": "Customer/Updated"})
            assert r.status_code == 202
            time.sleep(0.04)
        wanted = {f"Burst {i:02d}" for i in range(len(customers))}
        wait_for(lambda: wanted <= {c["properties"]["name"] for c in sandbox.hubspot("companies")},
                 60, every=0.5, what="every change in HubSpot")
        wait_for(idle, 30, what="the runs to end")
    finally:
        stop.set()
        watcher.join()
    webhook_runs = list(Run.select().where(Run.trigger == "webhook").order_by(Run.id))
    assert 1 <= len(webhook_runs) <= 10, [r.id for r in webhook_runs]  # debounced
    assert {r.status for r in webhook_runs} == {"finished"}
    assert max(seen) == 1
    assert any(b.created_at < a.finished_at for a, b in pairwise(webhook_runs))
    spans = sorted((r.started_at, r.finished_at) for r in Run.select())
    assert all(a[1] <= b[0] for a, b in pairwise(spans))  # never overlapping
    check_hubspot_has_each_customer_once(sandbox)
