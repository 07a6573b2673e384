"""The one entry point every surface uses to run a sync: `execute(config, run_id)`."""

import logging
from dataclasses import dataclass, field

from core import connections, runs, settings
from core.errors import ConfigError, RecordError, ServiceError, SyncOff

log = logging.getLogger("syncdesk.runner")

PLAN_LIMIT = 1000  # actions kept on a dry run's row; counts cover the rest


@dataclass
class Context:
    """What an entity's sync needs for one run."""

    config: object
    run: object
    progress: runs.Progress
    cin7: object = None
    hubspot: object = None
    joor: object = None
    page_size: int = 1000
    plan: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # said in the run's final message

    @property
    def dry_run(self):
        return self.run.dry_run

    @property
    def full(self):
        return self.run.full

    @property
    def only(self):
        return self.run.only or []

    def record_plan(self, plan):
        """A dry run keeps its plan on the run instead of writing it."""
        for w in plan.writes:
            if w.action in _PLANNED:  # a link to a contact written for another customer is no write
                self.progress.add(**{_PLANNED[w.action]: 1})
            if len(self.plan) < PLAN_LIMIT:
                self.plan.append({"record": w.name, "object": w.kind, "action": w.action,
                                  "reason": w.reason, "remote_id": w.remote_id or ""})
        for record, error in plan.failures:
            name = getattr(record, "name", str(record))
            self.progress.result(getattr(record, "id", name), error.record, "fail", "failed",
                                 error.field, error.reason)
            if len(self.plan) < PLAN_LIMIT:
                self.plan.append({"record": name, "object": "", "action": "fail",
                                  "reason": str(error), "remote_id": ""})


_PLANNED = {"create": "created", "update": "updated", "skip": "unchanged"}


def _handlers():
    from core import export_customers, export_products, import_customers, import_products

    return {("customers", "export"): export_customers.run,
            ("customers", "import"): import_customers.run,
            ("products", "export"): export_products.run,
            ("products", "import"): import_products.run}


def check_allowed(entity, direction, dry_run=False):
    """Raise SyncOff when the master switch or the entity's direction forbids this run."""
    if not dry_run and not settings.sync_enabled():
        raise SyncOff("synchronisation is switched off (CON-2): turn it on in the panel or "
                      "with `syncdesk settings set sync.enabled on`")
    chosen = settings.direction(entity)
    if chosen == "off":
        raise SyncOff(f"{entity} sync is off: choose a direction in the settings")
    if chosen != direction:
        raise SyncOff(f"{entity} are set to {chosen}, not {direction} (SET-1: one direction at a time)")
    if (entity, direction) not in _handlers():
        raise SyncOff(f"{entity} {direction} is not available yet")


def connectors(config, entity):
    from core.connectors.cin7 import Cin7
    from core.connectors.hubspot import HubSpot

    return {"cin7": Cin7(config), "hubspot": HubSpot(config)}


def execute(config, run_id, page_size=None):
    """Run the sync recorded as `run_id` to its end; returns the finished run row."""
    runs.mark_dead_runs()
    config = connections.effective_config(config)  # keys saved in the panel, env first
    run = runs.get(run_id)
    progress = runs.Progress(run)
    try:
        check_allowed(run.entity, run.direction, run.dry_run)
        ctx = Context(config=config, run=run, progress=progress,
                      page_size=page_size or config.cin7_page_size,
                      **connectors(config, run.entity))
    except (SyncOff, ConfigError) as exc:
        progress.finish("refused", str(exc))
        return run
    progress.start()
    try:
        _handlers()[(run.entity, run.direction)](ctx)
    except (ServiceError, RecordError, ConfigError) as exc:
        log.warning("run %s failed: %s", run.id, exc)
        _finish(ctx, "failed", f"stopped: {exc}")
        return run
    except Exception as exc:  # the run row must never stay "running"
        log.exception("run %s crashed", run.id)
        _finish(ctx, "failed", f"stopped by an unexpected error: {exc.__class__.__name__}: {exc}")
        raise
    _finish(ctx, "finished", "; ".join([summary_line(run), *ctx.notes]))
    return run


def _finish(ctx, status, message):
    ctx.run.api_calls = sum(c.api.calls for c in (ctx.cin7, ctx.hubspot, ctx.joor) if c)
    if ctx.dry_run:
        ctx.run.plan = ctx.plan
    ctx.progress.finish(status, message)


def summary_line(run):
    verb = "would be" if run.dry_run else ""
    parts = [f"{run.read} read"] + [f"{getattr(run, n)} {verb} {n}".replace("  ", " ")
                                    for n in ("created", "updated", "unchanged", "failed")]
    return ", ".join(parts)


def sync(config, entity, direction=None, trigger="cli", who="", dry_run=False, full=False,
         only=None, page_size=None):
    """Record a run and execute it now, in this process (CLI, tests, the worker)."""
    direction = direction or settings.direction(entity)
    run = runs.new_run(entity, direction, trigger, who, dry_run, full, only)
    return execute(config, run.id, page_size=page_size)
