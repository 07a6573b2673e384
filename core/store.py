"""SyncDesk's own state, kept with peewee: SQLite by default, any peewee URL otherwise."""

import datetime
import json
from pathlib import Path

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)
from playhouse.db_url import connect as connect_url

from core import pg

db = DatabaseProxy()

SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 15000,
                  "synchronous": "normal"}


def utcnow():
    """The current UTC time, naive; looked up at call time so tests can freeze it."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class JSONField(TextField):
    def db_value(self, value):
        return None if value is None else json.dumps(value, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = db


class Setting(BaseModel):
    key = CharField(primary_key=True)
    value = JSONField(null=True)


class Connection(BaseModel):
    """Keys entered in the panel for one system, encrypted at rest."""

    system = CharField(primary_key=True)
    secrets = TextField(default="")
    checked_at = DateTimeField(null=True)
    check_ok = BooleanField(null=True)
    check_message = TextField(default="")
    updated_at = DateTimeField(default=lambda: utcnow())


class Link(BaseModel):
    """One Cin7 record paired with its twin in another system."""

    id = AutoField()
    entity = CharField()  # customer, contact, product, sale
    cin7_id = CharField()
    system = CharField()  # hubspot, joor
    remote_type = CharField()  # company, contact, connection, ...
    remote_id = CharField(null=True)
    remote_key = CharField(null=True)  # e-mail or unique value the remote is keyed by
    name = CharField(default="")  # for search in the panel
    fingerprint = CharField(null=True)  # of the payload last written; NULL: never written by us
    parent_remote_id = CharField(null=True)  # the company a contact was last associated with
    state = CharField(default="linked")
    detail = TextField(default="")
    listed_at = DateTimeField(default=lambda: utcnow())
    updated_at = DateTimeField(default=lambda: utcnow())

    class Meta:
        indexes = ((("entity", "cin7_id", "system"), True),
                   (("system", "remote_type", "remote_id"), False),
                   (("system", "remote_key"), False),
                   (("name",), False))


class Cursor(BaseModel):
    """How far an entity's changes have been read, per direction."""

    entity = CharField()
    direction = CharField()
    value = CharField()
    updated_at = DateTimeField(default=lambda: utcnow())

    class Meta:
        indexes = ((("entity", "direction"), True),)


class Run(BaseModel):
    """One sync run: who asked, what it did, how it ended."""

    id = AutoField()
    entity = CharField()
    direction = CharField()
    trigger = CharField()  # cli, slack, panel, schedule, webhook, retry
    who = CharField(default="")
    dry_run = BooleanField(default=False)
    full = BooleanField(default=False)
    only = JSONField(null=True)  # record ids to limit the run to (retry, list selected)
    retry_of = IntegerField(null=True)
    status = CharField(default="queued")  # queued, running, finished, failed, refused
    phase = CharField(default="")
    total = IntegerField(default=0)
    done = IntegerField(default=0)
    read = IntegerField(default=0)
    created = IntegerField(default=0)
    updated = IntegerField(default=0)
    unchanged = IntegerField(default=0)
    failed = IntegerField(default=0)
    message = TextField(default="")
    plan = JSONField(null=True)  # a dry run's actions
    created_at = DateTimeField(default=lambda: utcnow())
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    heartbeat_at = DateTimeField(null=True)
    owner = CharField(default="")  # host:pid of the process running it
    api_calls = IntegerField(default=0)
    notified = BooleanField(default=False)  # alerts posted for this run
    channel = CharField(default="")  # Slack message being updated in place
    message_ts = CharField(default="")

    class Meta:
        indexes = ((("entity", "direction", "status"), False), (("created_at",), False))


class Result(BaseModel):
    """What happened to one record in one run."""

    id = AutoField()
    run = ForeignKeyField(Run, backref="results", on_delete="CASCADE")
    record_id = CharField()
    record_name = CharField(default="")
    action = CharField()  # create, update, link, skip, fail
    outcome = CharField()  # ok, failed, planned, warning
    field = CharField(default="")
    reason = TextField(default="")
    remote_id = CharField(default="")
    at = DateTimeField(default=lambda: utcnow())

    class Meta:
        indexes = ((("run", "outcome"), False), (("record_id",), False))


class Pending(BaseModel):
    """A record whose last attempt failed and has not succeeded since (what is pending)."""

    entity = CharField()
    direction = CharField()
    record_id = CharField()
    record_name = CharField(default="")
    field = CharField(default="")
    reason = TextField(default="")
    failures = IntegerField(default=1)
    first_failed_at = DateTimeField(default=lambda: utcnow())
    last_failed_at = DateTimeField(default=lambda: utcnow())
    last_run_id = IntegerField(null=True)

    class Meta:
        indexes = ((("entity", "direction", "record_id"), True),)


class Intent(BaseModel):
    """A create about to be sent to a system without upsert; reconciled before any retry."""

    id = AutoField()
    system = CharField()
    entity = CharField()
    source_id = CharField()  # the record on our side that asked for the create
    natural_key = CharField()  # name, SKU, customer code: what finds it again
    run_id = IntegerField(null=True)
    created_at = DateTimeField(default=lambda: utcnow())

    class Meta:
        indexes = ((("system", "entity", "source_id"), True),)


class RateBucket(BaseModel):
    """Shared rate limiter state: one row per remote account and limit."""

    name = CharField(primary_key=True)
    tat = FloatField(default=0.0)  # no call before this time (epoch seconds): set by a 429
    log = TextField(default="[]")  # slots handed out in the current window (epoch seconds)
    calls = IntegerField(default=0)


MODELS = [Setting, Connection, Link, Cursor, Run, Result, Pending, Intent, RateBucket]


def open_database(url):
    """A peewee database for `url`, with SQLite tuned for several processes."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=15)
    if url.startswith(("postgres://", "postgresql://")):
        return pg.connect(url)  # the store's REPLACE writes, as upserts
    return connect_url(url, unquote_password=True, unquote_user=True)


def is_sqlite():
    return isinstance(db.obj, SqliteDatabase)


def atomic_write():
    """A transaction that takes the write lock up front (SQLite IMMEDIATE)."""
    return db.atomic("IMMEDIATE") if is_sqlite() else db.atomic()
