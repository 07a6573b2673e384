"""The store: schema upgrades keep data, several processes write without locking errors."""

import multiprocessing

from core import migrations, store
from core.store import Link, Run, Setting


def test_upgrade_is_idempotent_and_keeps_data(db):
    Setting.replace(key="sync.enabled", value=True).execute()
    migrations.upgrade(store.db.obj)
    migrations.upgrade(store.db.obj)
    assert Setting.get(Setting.key == "sync.enabled").value is True
    assert migrations.current_version(store.db.obj) == len(migrations.STEPS)


def test_sqlite_is_tuned_for_several_processes(db):
    pragmas = {name: store.db.execute_sql(f"PRAGMA {name}").fetchone()[0]
               for name in ("journal_mode", "foreign_keys", "busy_timeout")}
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 15000}


def _write_runs(url, worker, count):
    store.init(url)
    for i in range(count):
        with store.atomic_write():
            Run.create(entity="customers", direction="export", trigger="test", who=f"{worker}-{i}")
            Link.insert(entity="customer", cin7_id=f"{worker}-{i}", system="hubspot",
                        remote_type="company", remote_id=str(i)).execute()


def test_four_processes_write_at_once_without_database_is_locked(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    store.init(url)
    store.db.close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_runs, args=(url, w, 100)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    store.init(url)
    assert Run.select().count() == 400 and Link.select().count() == 400
