"""Installs that outgrow one machine: the store on PostgreSQL, the queue on Redis or PostgreSQL.

These run against the servers on loopback when they answer, and are skipped (saying so)
when they do not. Each PostgreSQL test gets a database of its own, dropped afterwards.
"""

import os
import uuid

import pytest

from core import schema, store
from tasks import enqueue_run, huey
from tests.conftest import make_config
from tests.tasks.conftest import TEST_SETTINGS, use, wait_for
from tests.tasks.test_leases import check_lease_rules, check_one_winner
from tests.tasks.test_worker_processes import check_hubspot_has_each_customer_once, final

PG = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("TEST_QUEUE_URL", "redis://127.0.0.1:6379/15")
pytestmark = pytest.mark.scaleout


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database on the server of TEST_DATABASE_URL."""
    import psycopg

    server = PG.rsplit("/", 1)[0]
    try:
        admin = psycopg.connect(f"{server}/postgres", connect_timeout=2, autocommit=True)
    except psycopg.OperationalError:
        pytest.skip(f"PostgreSQL not reachable at {server}")
    name = f"syncdesk_test_{uuid.uuid4().hex[:10]}"
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        admin.close()
        pytest.skip(f"cannot create a test database on {server}: {exc}")
    yield f"{server}/{name}"
    if store.db.obj is not None:
        store.db.close()
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError:
        pytest.skip(f"Redis not reachable at {REDIS}")
    return REDIS


def settings_on():
    from core import settings

    settings.set("sync.enabled", "on")


def test_a_customers_export_runs_with_the_store_on_postgresql(tmp_path, sandbox, pg_url):
    cfg = make_config(tmp_path, sandbox.url, database_url=pg_url,
                      queue_url=f"sqlite:///{tmp_path / 'huey.db'}", **TEST_SETTINGS)
    undo = use(cfg, immediate=True)
    try:
        assert not store.is_sqlite()
        settings_on()
        run, _ = enqueue_run("customers", "export", "cli")
        assert run.status == "finished", run.message
        check_hubspot_has_each_customer_once(sandbox)
        again, _ = enqueue_run("customers", "export", "cli")  # incremental: nothing new
        assert again.status == "finished" and again.created == 0
    finally:
        undo()


def test_leases_hold_on_postgresql(pg_url):
    schema.init(pg_url)
    try:
        check_lease_rules()
        assert len(check_one_winner()) == 1
    finally:
        store.db.close()


def test_a_run_goes_through_redis_to_a_real_worker(tmp_path, sandbox, redis_url, consumers):
    cfg = make_config(tmp_path, sandbox.url, queue_url=redis_url, **TEST_SETTINGS)
    undo = use(cfg, immediate=False)
    try:
        assert type(huey.storage).__name__ == "RedisStorage"
        settings_on()
        consumers.start(cfg)
        run, _ = enqueue_run("customers", "export", "panel")
        run = wait_for(lambda: final(run.id), 60, what="the run through Redis")
        assert run.status == "finished", (run.message, consumers.logs())
        check_hubspot_has_each_customer_once(sandbox)
    finally:
        undo()


def test_store_and_queue_both_on_postgresql_with_a_real_worker(tmp_path, sandbox, pg_url,
                                                               consumers):
    cfg = make_config(tmp_path, sandbox.url, database_url=pg_url, queue_url=pg_url,
                      **TEST_SETTINGS)
    undo = use(cfg, immediate=False)
    try:
        assert type(huey.storage).__name__ == "PostgresStorage"
        settings_on()
        consumers.start(cfg)
        run, _ = enqueue_run("customers", "export", "panel")
        run = wait_for(lambda: final(run.id), 60, what="the run through PostgreSQL")
        assert run.status == "finished", (run.message, consumers.logs())
    finally:
        consumers.stop_all()  # before the database is dropped
        undo()
