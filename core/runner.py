"""The one run path every flow takes: request -> lease -> execute -> record.

A flow is a handler in FLOWS, keyed by (entity, direction): the customer and product syncs
both ways and JOOR's match, upload, update and follow. Every surface asks for a run
(core.runs.request), then the worker or the command line calls `execute`, which checks
the settings once, takes the run's lease (core.leases: the one way a dead run is found),
keeps it alive while the handler works, and records the outcome for every surface to read.
"""

import logging
import threading
from dataclasses import dataclass, field

from core import connections, crms, leases, references, runs, settings
from core.connectors.capsule import Capsule
from core.connectors.cin7 import Cin7
from core.connectors.hubspot import HubSpot
from core.connectors.joor import Joor
from core.connectors.omni import Omni
from core.connectors.salesforce import Salesforce
from core.customers import export as customers_export
from core.customers import export_capsule as customers_to_capsule
from core.customers import from_salesforce as customers_from_salesforce
from core.customers import import_ as customers_import
from core.customers import import_capsule as customers_from_capsule
from core.customers import listing as customer_list
from core.errors import ConfigError, RecordError, ServiceError, SyncOff
from core.joor import customers as joor_customers
from core.joor import push as joor_push
from core.joor import runs as joor
from core.products import export as products_export
from core.products import import_ as products_import
from core.products import listing as product_list
from core.products import price_books
from core.sales import export as sales_export
from core.sales import export_capsule as sales_to_capsule
from core.sales import from_hubspot as sales_from_hubspot
from core.sales import from_salesforce as sales_from_salesforce
from core.sales import listing as sale_list
from core.sales import milestones, stages

log = logging.getLogger("syncdesk.runner")

PLAN_LIMIT = 1000  # actions kept on a dry run's row; counts cover the rest
STOPPED = "the worker was asked to stop"
stopping = threading.Event()  # set by the worker at shutdown: runs end at their next report


@dataclass(frozen=True)
class Flow:
    """How to run one (entity, direction): its handler and the systems it talks to."""

    handler: object
    systems: tuple = ("cin7", "hubspot")


def copy_of(read, noun, system="cin7"):
    """A "refresh" handler: read what the panel lists from a system into SyncDesk's copy, as
    a run, so no page request ever waits on a remote system or its rate limit."""
    def handler(ctx):
        ctx.progress.phase(f"reading {noun}")
        count = read(ctx)
        ctx.progress.add(read=count, done=count)
        return f"{count} {noun} read"
    return Flow(handler, (system,))


def _remove_products(ctx):
    """PRD-2 Remove of the chosen products (ctx.only: Cin7 ids), as a run of its own."""
    for cin7_id in ctx.only:
        link = product_list.link(cin7_id)
        if link is None or not link.remote_id:
            ctx.progress.result(cin7_id, cin7_id, "remove", "failed", "", "not listed in HubSpot")
            continue
        product_list.remove(ctx.hubspot, link.id)
        ctx.progress.add(read=1, updated=1)
        ctx.progress.result(cin7_id, link.name, "remove", "ok", remote_id=link.remote_id)
    return f"{ctx.run.updated} product(s) removed from HubSpot (archived); Cin7 keeps them"


def _joor_customers(ctx):
    return joor_customers.refresh(ctx.cin7, settings.get("joor.customer_code_field"))


# The flows that talk to the connected CRM, per CRM (settings "crm"): each CRM has its own
# mapping modules in the entity packages; the engine around them is the same.
CRM_FLOWS = {
    "hubspot": {
        ("customers", "export"): Flow(customers_export.run),
        ("customers", "import"): Flow(customers_import.run),
        ("products", "export"): Flow(products_export.run),
        ("products", "import"): Flow(products_import.run),
        ("sales", "export"): Flow(sales_export.run),
        ("sales", "import"): Flow(sales_from_hubspot.run),
        ("products", "remove"): Flow(_remove_products, ("hubspot",)),
        ("pipelines", "refresh"): copy_of(lambda ctx: len(stages.load(ctx.hubspot)),
                                          "deal pipelines from HubSpot", "hubspot"),
    },
    "salesforce": {
        ("customers", "export"): Flow(customers_export.run_salesforce, ("cin7", "salesforce")),
        ("customers", "import"): Flow(customers_from_salesforce.run, ("cin7", "salesforce")),
        ("sales", "import"): Flow(sales_from_salesforce.run, ("cin7", "salesforce")),
        ("sales", "export"): Flow(sales_export.run_salesforce, ("cin7", "salesforce")),
        ("products", "export"): Flow(products_export.run_salesforce, ("cin7", "salesforce")),
        ("pricebooks", "refresh"): copy_of(lambda ctx: len(price_books.load(ctx.salesforce)),
                                           "price books from Salesforce", "salesforce"),
    },
    "capsule": {
        ("customers", "export"): Flow(customers_to_capsule.run, ("cin7", "capsule")),
        ("customers", "import"): Flow(customers_from_capsule.run, ("cin7", "capsule")),
        ("sales", "export"): Flow(sales_to_capsule.run, ("cin7", "capsule")),
        ("milestones", "refresh"): copy_of(lambda ctx: len(milestones.load(ctx.capsule)),
                                           "milestones from Capsule", "capsule"),
    },
}
# The flows every install has, whatever its CRM.
FLOWS = {
    ("joor", "match"): Flow(joor.match, ("cin7", "joor")),
    ("joor", "upload"): Flow(joor.upload, ("cin7", "joor")),
    ("joor", "update"): Flow(joor.update, ("cin7", "joor")),
    ("joor", "follow"): Flow(joor.follow, ("joor",)),
    ("customers", "refresh"): copy_of(lambda ctx: customer_list.refresh(ctx.cin7, ctx.full),
                                      "customers from Cin7"),
    ("products", "refresh"): copy_of(lambda ctx: product_list.refresh(ctx.cin7, ctx.full),
                                     "products from Cin7"),
    ("sales", "refresh"): copy_of(lambda ctx: sale_list.refresh(ctx.cin7, ctx.full),
                                  "sales from Cin7"),
    ("joor", "refresh"): copy_of(_joor_customers, "customers from Cin7 for JOOR"),
    ("references", "refresh"): copy_of(lambda ctx: sum(references.refresh(ctx.cin7).values()),
                                       "reference names from Cin7"),
}


def flow(entity, direction):
    """The flow for (entity, direction) with the connected CRM, or None."""
    return CRM_FLOWS[settings.crm()].get((entity, direction)) or FLOWS.get((entity, direction))


CLIENTS = {"cin7": Cin7, "hubspot": HubSpot, "joor": Joor, "salesforce": Salesforce,
           "capsule": Capsule}
SOURCES = {"core": Cin7, "omni": Omni}  # settings "joor.source": the JOOR flows' inventory


def client(name, entity, config):
    """The client for system `name` of a flow. The JOOR flows (entity "joor") read their
    customers through the "cin7" slot from the inventory system `joor.source` names, Cin7
    Core or Cin7 Omni: both return the same Customer records, so the flows are one copy."""
    if name == "cin7" and entity == "joor":
        return SOURCES[settings.get("joor.source")](config)
    return CLIENTS[name](config)


@dataclass
class Context:
    """What a flow's handler needs for one run."""

    config: object
    run: object
    progress: runs.Progress
    cin7: object = None
    hubspot: object = None
    joor: object = None
    salesforce: object = None
    capsule: object = None
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


def check_allowed(entity, direction, dry_run=False):
    """Raise SyncOff when the master switch or the settings forbid this run."""
    if direction in ("refresh", "remove"):  # reads, and Remove, an explicit command (PRD-2)
        return None
    if entity == "joor":
        return joor_push.check_allowed(direction)
    if not dry_run:
        settings.require_sync_on()
    chosen = settings.direction(entity)
    if chosen == "off":
        raise SyncOff(f"{entity} sync is off: choose a direction in the settings")
    if chosen != direction:
        raise SyncOff(f"{entity} are set to {chosen}, not {direction} (SET-1: one direction at a time)")
    crm = settings.crm()
    if flow(entity, direction) is None:
        raise SyncOff(f"{entity} {direction} is not available with {crms.CRMS[crm].name} yet")
    if entity == "sales" and crm == "hubspot" and not settings.get("sales.pipeline"):
        raise SyncOff("sales need a HubSpot deal pipeline and its stage mapping first (SAL-1: "
                      "the panel's Deal stages page, or `syncdesk pipelines --choose ID`)")
    if (entity, direction, crm) == ("sales", "import", "salesforce"):
        missing = sales_from_salesforce.readiness()
        if missing:
            raise SyncOff(f"sales from Salesforce: {missing}")
    if entity == "sales" and crm == "capsule":
        why = milestones.ready(settings.get("capsule.milestone_map"))
        if why:
            raise SyncOff(why)


def lease_name(entity, direction):
    """Runs of one kind never overlap; JOOR's share JOOR's credits, so they go one at a time."""
    return "run:joor" if entity == "joor" else f"run:{entity}:{direction}"


def execute(config, run_id, page_size=None, wait=0.0, poll=1.0):
    """Run the queued run `run_id` to its end; returns its row.

    When a run of the same kind holds the lease, waits up to `wait` seconds for it, then
    returns the run still "queued" for the caller to try again later.
    """
    reap()
    run = runs.get(run_id)
    if run is None or run.status != "queued":
        return run
    config = connections.effective_config(config)  # keys saved in the panel, env first
    try:
        check_allowed(run.entity, run.direction, run.dry_run)
        chosen = flow(run.entity, run.direction)
        if chosen is None:
            raise SyncOff(f"{run.entity} {run.direction} is not available with "
                          f"{crms.current().name}")
        clients = {name: client(name, run.entity, config) for name in chosen.systems}
    except (SyncOff, ConfigError) as exc:
        return _end(run, runs.Progress(run), "refused", str(exc))
    name = f"run:dry:{run.id}" if run.dry_run else lease_name(run.entity, run.direction)
    holder = leases.new_holder()
    if not _take(name, holder, config.run_lease_seconds, run, wait, poll):
        return runs.get(run_id)
    try:
        run = runs.get(run_id)
        if run.status != "queued":  # a twin task ran it meanwhile
            return run
        ctx = Context(config=config, run=run, progress=runs.Progress(run),
                      page_size=page_size or config.cin7_page_size, **clients)
        with leases.Heartbeat(name, holder, config.run_lease_seconds, run.id) as beat:
            _run(ctx, chosen, holder, beat)
        return run
    finally:
        (leases.drop if run.dry_run else leases.release)(name, holder)


def _take(name, holder, ttl, run, wait, poll):
    """Take the run's lease, waiting up to `wait` seconds; False when it stayed busy."""
    waited = 0.0
    while True:
        if leases.acquire(name, holder, ttl, run.id)[0]:
            return True
        if waited >= wait:
            return False
        stopping.wait(poll)
        waited += poll
        reap()  # a killed run of this machine frees its lease at once


def _run(ctx, chosen, holder, beat):
    def check(run):
        # End this run at its next report once it must stop; the next run resumes there.
        if run.id == ctx.run.id and run.status == "running" and (beat.lost or stopping.is_set()):
            why = "another worker took this run's lock over" if beat.lost else STOPPED
            raise ServiceError("SyncDesk worker", f"{why}; the next run resumes after the "
                                                  "last finished page")

    ctx.progress.start(holder)
    try:
        with runs.reported.connected_to(check):
            message = chosen.handler(ctx)
    except SyncOff as exc:  # the CRM is not ready (a field or a mapping missing): say what
        return _finish(ctx, "refused", str(exc))
    except (ServiceError, RecordError, ConfigError) as exc:
        log.warning("run %s failed: %s", ctx.run.id, exc)
        return _finish(ctx, "failed", f"stopped: {exc}")
    except Exception as exc:  # the run row must never stay "running"
        log.exception("run %s crashed", ctx.run.id)
        _finish(ctx, "failed", f"stopped by an unexpected error: {exc.__class__.__name__}: {exc}")
        raise
    _finish(ctx, "finished", message or "; ".join([summary_line(ctx.run), *ctx.notes]))


def _finish(ctx, status, message):
    clients = (ctx.cin7, ctx.hubspot, ctx.joor, ctx.salesforce, ctx.capsule)
    ctx.run.api_calls = sum(c.api.calls for c in clients if c)
    if ctx.dry_run:
        ctx.run.plan = ctx.plan
    _end(ctx.run, ctx.progress, status, message)


def _end(run, progress, status, message):
    progress.finish(status, message)
    runs.ended.send(run)
    return run


def stopped_by_shutdown(run):
    """True when `run` ended because its worker was asked to stop (it should go on later)."""
    return run.status == "failed" and STOPPED in (run.message or "")


def reap():
    """Mark failed the runs whose worker died, and say so on every surface; returns ids."""
    dead = leases.reap()
    for run_id in dead:
        log.warning("run %s: its worker stopped without finishing; marked failed", run_id)
        runs.ended.send(runs.get(run_id))
    return dead


def summary_line(run):
    verb = "would be" if run.dry_run else ""
    parts = [f"{run.read} read"] + [f"{getattr(run, n)} {verb} {n}".replace("  ", " ")
                                    for n in ("created", "updated", "unchanged", "failed")]
    return ", ".join(parts)


def sync(config, entity, direction=None, trigger="cli", who="", dry_run=False, full=False,
         only=None, page_size=None, wait=600.0):
    """Record a run and execute it now, in this process (CLI, tests, benchmarks)."""
    direction = direction or settings.direction(entity)
    run = runs.new_run(entity, direction, trigger, who, dry_run, full, only)
    return execute(config, run.id, page_size=page_size, wait=wait)
