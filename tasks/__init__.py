"""Huey: the queue, the worker's jobs, the schedule. `huey_consumer tasks.huey` runs them.

Import jobs from here (`from tasks import enqueue_run`), so every process registers them
under the same names (tasks.jobs.run_sync …).
"""

# imported for what it registers: the start-up hook and the tick
from tasks import events, periodic  # noqa: F401
from tasks.app import configure, huey
from tasks.jobs import enqueue_run, retry_failed, run_sync, start_soon, sync_soon

__all__ = ["huey", "configure", "run_sync", "enqueue_run", "retry_failed", "sync_soon",
           "start_soon"]
