"""The store: schema upgrades keep data, several processes write without locking errors."""

import multiprocessing

from core import schema, store
from core.store import Link, Run, Setting


def test_upgrade_is_idempotent_and_keeps_data(db):
    Setting.replace(key="sync.enabled", value=True).execute()
    schema.upgrade(store.db.obj)
    schema.upgrade(store.db.obj)
    assert Setting.get(Setting.key == "sync.enabled").value is True
    assert schema.current_version(store.db.obj) == len(schema.STEPS)


def test_sqlite_is_tuned_for_several_processes(db):
    pragmas = {name: store.db.execute_sql(f"PRAGMA {name}").fetchone()[0]
               for name in ("journal_mode", "foreign_keys", "busy_timeout")}
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 15000}


def _write_runs(url, worker, count):
    schema.init(url)
    for i in range(count):
        with store.atomic_write():
            Run.create(entity="customers", direction="export", trigger="test", who=f"{worker}-{i}")
            Link.insert(entity="customer", cin7_id=f"{worker}-{i}", system="hubspot",
                        remote_type="company", remote_id=str(i)).execute()


def test_four_processes_write_at_once_without_database_is_locked(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    schema.init(url)
    store.db.close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_runs, args=(url, w, 100)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    schema.init(url)
    assert Run.select().count() == 400 and Link.select().count() == 400


def test_a_database_from_an_older_release_is_upgraded_in_place(tmp_path):
    """The first schema had no run owner, no limiter log and no pending table."""
    import sqlite3

    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE setting (key VARCHAR(255) PRIMARY KEY, value TEXT);
        INSERT INTO setting VALUES ('schema_version', '1'), ('sync.enabled', 'true');
        CREATE TABLE run (id INTEGER PRIMARY KEY, entity VARCHAR(255), direction VARCHAR(255),
            "trigger" VARCHAR(255), who VARCHAR(255), dry_run INTEGER, "full" INTEGER,
            only TEXT, retry_of INTEGER, status VARCHAR(255), phase VARCHAR(255),
            total INTEGER, done INTEGER, read INTEGER, created INTEGER, updated INTEGER,
            unchanged INTEGER, failed INTEGER, message TEXT, plan TEXT, created_at DATETIME,
            started_at DATETIME, finished_at DATETIME, heartbeat_at DATETIME,
            api_calls INTEGER, notified INTEGER, channel VARCHAR(255), message_ts VARCHAR(255));
        INSERT INTO run (id, entity, direction, "trigger", who, status, created, created_at)
            VALUES (7, 'customers', 'export', 'cli', 'ana', 'finished', 12, '2026-01-01 10:00:00');
        CREATE TABLE ratebucket (name VARCHAR(255) PRIMARY KEY, tat REAL, calls INTEGER);
    """)
    con.close()
    schema.init(f"sqlite:///{path}")
    run = Run.get(Run.id == 7)
    assert (run.who, run.created, run.owner) == ("ana", 12, "")
    assert Setting.get(Setting.key == "sync.enabled").value is True
    assert store.Pending.select().count() == 0
    assert schema.current_version(store.db.obj) == len(schema.STEPS)
