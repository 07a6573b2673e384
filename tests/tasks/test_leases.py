"""Leases in the store: the lock a killed worker cannot hold for ever."""

import datetime
import socket
import subprocess
import sys
import threading

from core import leases, runs
from core.store import Run, utcnow
from core.store import db as database

T0 = datetime.datetime(2025, 3, 1, 12, 0, 0)


def sec(n):
    return T0 + datetime.timedelta(seconds=n)


def check_lease_rules():
    """The rules, shared by the SQLite and PostgreSQL tests."""
    taken, _ = leases.acquire("run:customers:export", "worker-a", 60, run_id=1, now=T0)
    assert taken
    assert not leases.acquire("run:customers:export", "worker-b", 60, now=sec(30))[0]
    assert leases.renew("run:customers:export", "worker-a", 60, now=sec(50))
    assert not leases.acquire("run:customers:export", "worker-b", 60, now=sec(100))[0]
    # worker-a stops renewing (killed): after its last expiry anyone may take over
    taken, previous = leases.acquire("run:customers:export", "worker-b", 60, run_id=2,
                                     now=sec(111))
    assert taken and (previous.holder, previous.run_id) == ("worker-a", 1)
    assert not leases.renew("run:customers:export", "worker-a", 60, now=sec(112))
    assert not leases.release("run:customers:export", "worker-a")
    assert leases.release("run:customers:export", "worker-b")
    assert leases.held("run:customers:export") is None
    # a slot is handled once, and never an earlier one after a later one
    assert leases.advance("mark:schedule", "2025-03-01T12:00:00")
    assert not leases.advance("mark:schedule", "2025-03-01T12:00:00")
    assert not leases.advance("mark:schedule", "2025-03-01T10:00:00")
    assert leases.recorded("mark:schedule") == "2025-03-01T12:00:00"


def test_a_lease_is_exclusive_until_its_holder_stops_renewing_it(db):
    check_lease_rules()


def check_one_winner(workers=8):
    """Workers racing for one free lease: exactly one gets it."""
    leases.acquire("run:race:export", "nobody", 1, now=T0 - datetime.timedelta(hours=1))
    start, won = threading.Barrier(workers), []

    def race(name):
        start.wait()
        if leases.acquire("run:race:export", name, 60)[0]:
            won.append(name)
        database.close()

    threads = [threading.Thread(target=race, args=(f"w{i}",)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return won


def test_workers_racing_for_an_expired_lease_get_one_winner(db):
    assert len(check_one_winner()) == 1


def test_a_run_whose_lease_ran_out_is_marked_failed_with_the_reason(db):
    run = runs.new_run("customers", "export", "schedule")
    runs.Progress(run).start()
    leases.acquire("run:customers:export", "killed-worker", 1, run_id=run.id,
                   now=utcnow() - datetime.timedelta(seconds=5))
    assert leases.reap() == [run.id]
    run = runs.get(run.id)
    assert run.status == "failed" and "worker stopped" in run.message
    assert run.finished_at is not None
    assert leases.reap() == []  # said once
    assert leases.held("run:customers:export") is None


def test_the_lease_of_a_run_already_found_dead_is_free_at_once(db):
    run = runs.new_run("customers", "export", "schedule")
    runs.Progress(run).start()
    leases.acquire("run:customers:export", "killed-worker", 600, run_id=run.id)
    assert not leases.acquire("run:customers:export", "next-worker", 600)[0]
    Run.update(status="failed").where(Run.id == run.id).execute()  # found dead by reap()
    assert leases.acquire("run:customers:export", "next-worker", 600)[0]


def test_a_lease_held_by_a_dead_process_of_this_machine_is_free_at_once(db):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    run = runs.new_run("customers", "export", "cli")
    runs.Progress(run).start()
    holder = f"{socket.gethostname()}:{dead.pid}:abc"
    leases.acquire("run:customers:export", holder, 600, run_id=run.id)
    assert leases.acquire("run:customers:export", "next-worker", 600)[0]
    assert leases.reap() == [run.id]
    assert runs.get(run.id).status == "failed"
