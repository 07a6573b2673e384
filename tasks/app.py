"""The one Huey instance: SQLite beside the database by default, Redis or Postgres by URL.

Tasks are registered as `tasks.jobs.<name>`: the web app, the bot and the consumer
(`huey_consumer tasks.huey`) must all import them through the `tasks` package.
"""

import os
import threading
from pathlib import Path

from huey import PostgresHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer

from core import config as configuration
from core import runner, schema, store

NAME = "syncdesk"
config = configuration.load()
_store_lock = threading.Lock()


class StoppingConsumer(Consumer):
    """Huey's consumer; a stop signal also tells running syncs to end at their next page.

    Huey's graceful stop waits for running tasks, and a sync can take an hour: ending it at
    a page boundary keeps the stop quick and loses nothing (the next run resumes there).
    """

    def _handle_signal(self, signum, frame):
        runner.stopping.set()
        super()._handle_signal(signum, frame)


def _with_consumer(cls):
    def create_consumer(self, **options):
        return StoppingConsumer(self, **options)

    return type(cls.__name__, (cls,), {"create_consumer": create_consumer})


def queue_file(cfg):
    """Where the SQLite queue lives: QUEUE_URL's path, else beside a SQLite database."""
    if cfg.queue_url.startswith("sqlite:///"):
        return Path(cfg.queue_url[len("sqlite:///"):])
    if cfg.database_url.startswith("sqlite:///") and ":memory:" not in cfg.database_url:
        return Path(cfg.database_url[len("sqlite:///"):]).with_name("huey.db")
    return configuration.INSTANCE / "huey.db"


def storage_for(cfg):
    """(Huey class, storage keyword arguments) for `cfg.queue_url`."""
    url = cfg.queue_url
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey, {"url": url}
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresHuey, {"dsn": url}
    if url and not url.startswith("sqlite:///"):
        raise configuration.ConfigError(
            f"QUEUE_URL must start with sqlite:///, redis:// or postgresql://, not {url.split(':')[0]}:")
    path = queue_file(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey, {"filename": str(path)}


def make_huey(cfg, immediate=None):
    """A Huey for `cfg`; immediate (tasks run inline) when HUEY_IMMEDIATE=1.

    Immediate mode keeps the real storage (immediate_use_memory=False), so tests exercise
    what production uses.
    """
    if immediate is None:
        immediate = os.environ.get("HUEY_IMMEDIATE") == "1"
    cls, kwargs = storage_for(cfg)
    return _with_consumer(cls)(NAME, immediate=immediate, immediate_use_memory=False, utc=True, **kwargs)


def configure(cfg, immediate=None):
    """Point the shared instance at `cfg` (its store and queue): tests and tools use this.

    The instance keeps its tasks; only its storage and the config the jobs read change.
    """
    global config
    config = cfg
    cls, kwargs = storage_for(cfg)
    huey.storage.close()
    huey.storage_class = cls.storage_class
    huey.storage_kwargs = kwargs
    if immediate is not None:
        huey._immediate = immediate
    huey.storage = huey.create_storage()
    return huey


def open_store():
    """Bind the store once per process (each consumer thread calls this at start)."""
    with _store_lock:
        if store.db.obj is None:
            schema.init(config.database_url)


huey = make_huey(config)
