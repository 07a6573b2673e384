"""Slash commands: /sync, /syncstatus and /match (until the JOOR work answers it).

Each listener answers (ack) first — Slack wants a reply within 3 seconds, and in immediate
mode the run executes inside the enqueue call — then starts the work.
"""

from dataclasses import dataclass, field

from bot import blocks, control
from core import runner, runs, settings, status
from core.errors import SyncOff

DRY_RUN_FLAGS = ("--dry-run", "--dryrun", "dry-run", "-n")


@dataclass
class SyncRequest:
    """What `/sync <text>` asks for."""

    entities: list = field(default_factory=list)
    dry_run: bool = False
    help: bool = False
    note: str = ""


def parse(text):
    """Read `customers --dry-run`; unknown words ask for the help."""
    words = (text or "").lower().split()
    request = SyncRequest(dry_run=any(w in DRY_RUN_FLAGS for w in words))
    words = [w for w in words if w not in DRY_RUN_FLAGS]
    if not words or words[0] == "help":
        return SyncRequest(help=True)
    unknown = [w for w in words if w not in runs.ENTITIES and w != "all"]
    if unknown:
        return SyncRequest(help=True, note=f"I don't know `{' '.join(unknown)}`.")
    if "all" in words:
        request.entities = [e for e in runs.ENTITIES if settings.direction(e) != "off"]
    else:
        request.entities = list(dict.fromkeys(words))
    return request


def startable(entities, dry_run):
    """(entity, direction) pairs that may run now, and the reasons the others may not."""
    ready, refused = [], []
    for entity in entities:
        direction = settings.direction(entity)
        try:
            runner.check_allowed(entity, direction, dry_run)
        except SyncOff as exc:
            refused.append(str(exc))
            continue
        ready.append((entity, direction))
    return ready, refused


def sync_command(ack, command, client, context, respond):
    """/sync customers|products|sales|all [--dry-run]"""
    config = context["config"]
    request = parse(command.get("text", ""))
    if request.help:
        return ack(**blocks.help_message(request.note))
    if not control.may_start(config, client, command["user_id"], command.get("channel_id")):
        return ack(response_type="ephemeral", **blocks.refusal())
    ready, refused = startable(request.entities, request.dry_run)
    if not request.entities:
        refused.append("no entity has a sync direction chosen: pick one in the panel")
    if not ready:
        return ack(response_type="ephemeral",
                   **blocks.refusal("Can't start: " + "; ".join(refused)))
    who = control.who(command)
    text = blocks.started_text([e for e, _ in ready], f"<@{command['user_id']}>",
                               request.dry_run)
    if refused:
        text += "\n(not started: " + "; ".join(refused) + ")"
    ack(response_type="in_channel", text=text)
    for entity, direction in ready:
        run, created = control.start_run(entity, direction, "slack", who,
                                         command.get("channel_id", ""), dry_run=request.dry_run)
        if not created:
            respond(response_type="ephemeral", replace_original=False,
                    text=f"A {entity} sync is already waiting to start (run #{run.id}); "
                         "it will pick up your changes.")


def status_command(ack, context):
    """/syncstatus: open to everyone, answered only to the person who asked."""
    overview = status.overview()
    failures = {row["entity"]: status.failures_by_reason(row["last_run"], limit=3)
                for row in overview["rows"] if row["last_run"] and row["last_run"].failed}
    ack(response_type="ephemeral",
        **blocks.status_message(overview, failures, context["config"].panel_url))


def match_command(ack, command):
    """/match joor, until the JOOR work registers its own handler (bot.match)."""
    if (command.get("text") or "").strip().lower() != "joor":
        return ack(**blocks.help_message("`/match` knows one system: `/match joor`."))
    ack(response_type="ephemeral", text="JOOR is not connected yet: matching Cin7 customers "
                                        "with JOOR comes with the JOOR connection.")


def register(app):
    app.command("/sync")(sync_command)
    app.command("/syncstatus")(status_command)
    app.command("/match")(match_command)
