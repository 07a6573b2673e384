"""JOOR work as recorded runs (entity "joor"): match, upload, update, follow.

Every surface asks for a run (`request`) and the worker executes it (`execute`), like the
syncs, so the panel's log, `syncdesk runs` and the daily post show JOOR work too. The run's
counts mean: read = Cin7 customers compared or chosen; for a match, created = linked
automatically, updated = put to a person, unchanged = unmatched; for an upload or update,
created / updated = customers sent.
"""

import logging
import uuid

from core import joor, joor_customers, joor_follow, joor_match, leases, runs, settings
from core.errors import ConfigError, RecordError, ServiceError, SyncOff
from core.joor_store import JoorConnection

log = logging.getLogger("syncdesk.joor")
ENTITY = "joor"
DIRECTIONS = ("match", "upload", "update", "follow")
LEASE, LEASE_TTL = "run:joor", 3600  # freed at once when the run ends, or is found dead


def request(direction, trigger, who="", only=None):
    """Record a JOOR run (one waiting run per kind); returns (run, created)."""
    if direction not in DIRECTIONS:
        raise ValueError(f"JOOR work is one of {', '.join(DIRECTIONS)}")
    return runs.request(ENTITY, direction, trigger, who, only=only)


def latest(direction):
    """The newest JOOR run of this kind, or None."""
    found = runs.recent(1, entity=ENTITY, direction=direction)
    return found[0] if found else None


def connectors(config, direction):
    """JOOR's client (and Cin7's), with the keys saved in the panel where the env has none."""
    from core.connections import effective_config
    from core.connectors.cin7 import Cin7
    from core.connectors.joor import Joor

    config = effective_config(config)
    return Joor(config), (Cin7(config) if direction != "follow" else None)


def _read_cin7(cin7, progress, config):
    field = settings.get("joor.customer_code_field")
    return joor_customers.refresh(cin7, field, progress, page_size=config.cin7_page_size)


def match(config, api, cin7, run, progress):
    _read_cin7(cin7, progress, config)
    total = joor_match.download(api, progress)
    found = joor_match.run(progress, run_id=run.id)
    return (f"{found['linked']} linked, {found['review']} to review, {found['unmatched']} "
            f"unmatched ({total} JOOR connections)")


def push(kind):
    def step(config, api, cin7, run, progress):
        _read_cin7(cin7, progress, config)
        text = ""
        if kind == "upload":
            text = _match_first(api, progress, run)
            joor.reconcile(api, progress)
        done = joor.push(api, kind, run.only, progress)
        text += f"{done['sent']} sent in {len(done['jobs'])} JOOR job(s)"
        if done["waiting"]:
            text += f"; {done['waiting']} waiting ({done['message']})"
        return text
    return step


def _match_first(api, progress, run):
    """Before the first upload, the customers JOOR has already are found and linked, so
    none of them is uploaded twice (the guide's "to avoid duplicating customers")."""
    if JoorConnection.select().exists() or any(
            r.status == "finished" for r in runs.recent(50, entity=ENTITY, direction="match")):
        return ""
    joor_match.download(api, progress)
    progress.phase("matching with JOOR's connections before the first upload")
    found = joor_match.run(None, run_id=run.id)  # the run's counts are the upload's
    return (f"matched first: {found['linked']} already in JOOR, {found['review']} held back "
            "for review; ")


def follow(config, api, cin7, run, progress):
    found = joor_follow.follow(api, progress)
    for cin7_id, name, reason in found["refused"]:
        progress.result(cin7_id, name, "fail", "failed", "", f"JOOR refused it: {reason}")
    text = (f"{found['jobs finished']} job(s) finished, {found['connected']} connected, "
            f"{found['failed'] + len(found['refused'])} failed, {found['pending']} still "
            "pending JOOR's match")
    return text + (f" (stopped: {found['stopped']})" if found.get("stopped") else "")


STEPS = {"match": match, "upload": push("upload"), "update": push("update"), "follow": follow}


def execute(config, run_id, wait=False):
    """Run the JOOR work recorded as `run_id` to its end; returns the finished run row.

    JOOR runs go one at a time (they share JOOR's credits, and an upload must not check
    another's unanswered job): when one is going, this one stays queued (`wait`, for the
    worker to try again) or is refused (the command line).
    """
    run, holder = runs.get(run_id), uuid.uuid4().hex
    taken, previous = leases.acquire(LEASE, holder, LEASE_TTL, run_id)
    if not taken:
        if not wait:
            runs.Progress(run).finish("refused", f"another JOOR run is going "
                                                 f"(#{previous.run_id}): one at a time")
        return run
    try:
        return _execute(config, run)
    finally:
        leases.release(LEASE, holder)


def _execute(config, run):
    progress = runs.Progress(run)
    try:
        joor.check_allowed(run.direction)
        api, cin7 = connectors(config, run.direction)
    except (SyncOff, ConfigError) as exc:
        progress.finish("refused", str(exc))
        return run
    progress.start()
    try:
        message = STEPS[run.direction](config, api, cin7, run, progress)
    except (ServiceError, RecordError, ConfigError) as exc:
        log.warning("JOOR run %s failed: %s", run.id, exc)
        return _finish(run, progress, (api, cin7), "failed", f"stopped: {exc}")
    except Exception as exc:  # the run row must never stay "running"
        log.exception("JOOR run %s crashed", run.id)
        _finish(run, progress, (api, cin7), "failed",
                f"stopped by an unexpected error: {exc.__class__.__name__}: {exc}")
        raise
    return _finish(run, progress, (api, cin7), "finished", message)


def _finish(run, progress, clients, status, message):
    run.api_calls = sum(c.api.calls for c in clients if c)
    progress.finish(status, message)
    return run
