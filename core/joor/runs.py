"""JOOR work as runs (entity "joor"): match, upload, update, follow.

Each is a handler of core.runner's table, run like the syncs, so the panel's log, `syncdesk
runs`, Slack and the daily post show JOOR work too. The run's counts mean: read = Cin7
customers compared or chosen; for a match, created = linked automatically, updated = put to
a person, unchanged = unmatched; for an upload or update, created / updated = customers sent.
Each handler returns the run's closing message.
"""

from core import runs, settings
from core.joor import customers as joor_customers
from core.joor import follow as joor_follow
from core.joor import match as joor_match
from core.joor import push as joor_push
from core.joor.models import JoorConnection

ENTITY = "joor"
DIRECTIONS = ("match", "upload", "update", "follow")


def latest(direction):
    """The newest JOOR run of this kind, or None."""
    found = runs.recent(1, entity=ENTITY, direction=direction)
    return found[0] if found else None


def _read_cin7(ctx):
    field = settings.get("joor.customer_code_field")
    return joor_customers.refresh(ctx.cin7, field, ctx.progress, page_size=ctx.page_size)


def match(ctx):
    _read_cin7(ctx)
    total = joor_match.download(ctx.joor, ctx.progress)
    found = joor_match.run(ctx.progress, run_id=ctx.run.id)
    return (f"{found['linked']} linked, {found['review']} to review, {found['unmatched']} "
            f"unmatched ({total} JOOR connections)")


def upload(ctx):
    _read_cin7(ctx)
    text = _match_first(ctx)
    joor_push.reconcile(ctx.joor, ctx.progress)
    return text + _push(ctx, "upload")


def update(ctx):
    _read_cin7(ctx)
    return _push(ctx, "update")


def _push(ctx, kind):
    done = joor_push.push(ctx.joor, kind, ctx.only, ctx.progress)
    text = f"{done['sent']} sent in {len(done['jobs'])} JOOR job(s)"
    if done["waiting"]:
        text += f"; {done['waiting']} waiting ({done['message']})"
    return text


def _match_first(ctx):
    """Before the first upload, the customers JOOR has already are found and linked, so
    none of them is uploaded twice (the guide's "to avoid duplicating customers")."""
    if JoorConnection.select().exists() or any(
            r.status == "finished" for r in runs.recent(50, entity=ENTITY, direction="match")):
        return ""
    joor_match.download(ctx.joor, ctx.progress)
    ctx.progress.phase("matching with JOOR's connections before the first upload")
    found = joor_match.run(None, run_id=ctx.run.id)  # the run's counts are the upload's
    return (f"matched first: {found['linked']} already in JOOR, {found['review']} held back "
            "for review; ")


def follow(ctx):
    found = joor_follow.follow(ctx.joor, ctx.progress)
    for cin7_id, name, reason in found["refused"]:
        ctx.progress.result(cin7_id, name, "fail", "failed", "", f"JOOR refused it: {reason}")
    text = (f"{found['jobs finished']} job(s) finished, {found['connected']} connected, "
            f"{found['failed'] + len(found['refused'])} failed, {found['pending']} still "
            "pending JOOR's match")
    return text + (f" (stopped: {found['stopped']})" if found.get("stopped") else "")
