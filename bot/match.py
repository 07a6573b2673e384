"""`/match joor` and the Confirm / Reject / "Another one" buttons (JOOR-4, OPS-3).

The command answers at once and queues the match (core.runner's JOOR match); the worker then posts
the summary (linked, to review, unmatched) and the first doubtful pairs, one message each.
A button decides through core.joor_review and replaces its message with the outcome and
the next pair, so a few pairs are on show at a time and nobody sees one twice.
"""

import logging

from bot import blocks, control
from bot.blocks import pair_message
from core.connections import effective_config
from core.joor import review as joor_review
from tasks import enqueue_run

log = logging.getLogger("syncdesk.bot")
ACTIONS = {"joor_confirm": "confirm", "joor_reject": "reject", "joor_next": "skip"}
DONE_ICON = {"confirm": ":white_check_mark:", "reject": ":x:", "skip": ":arrow_right:"}


def match_command(ack, command, client, context, respond):
    """/match joor: ack within 3 s, then queue the match."""
    config = context["config"]
    if (command.get("text") or "").strip().lower() != "joor":
        return ack(**blocks.help_message("`/match` knows one system: `/match joor`."))
    if not control.may_start(config, client, command["user_id"], command.get("channel_id")):
        return ack(response_type="ephemeral", **blocks.refusal())
    if not effective_config(config).joor_token:
        return ack(response_type="ephemeral", text="JOOR is not connected yet: add the JOOR API "
                                                   "token on the panel's Connections page.")
    ack(response_type="in_channel", text=f"<@{command['user_id']}> started a JOOR match: "
                                         "downloading JOOR's connections and comparing…")
    run, created = enqueue_run("joor", "match", "slack", control.who(command),
                               channel=command.get("channel_id", ""))
    if not created:
        respond(response_type="ephemeral", replace_original=False,
                text=f"A JOOR match is already waiting to start (run #{run.id}).")


def decide(ack, body, action, client, context, respond):
    """Confirm, Reject or Another one: decide, then show the next pair in this message."""
    ack()
    config, user = context["config"], body.get("user", {})
    channel = (body.get("channel") or {}).get("id", "")
    if not control.may_start(config, client, user.get("id"), channel):
        return respond(response_type="ephemeral", replace_original=False, **blocks.refusal())
    kind = ACTIONS[action["action_id"]]
    decision = getattr(joor_review, kind)(*_args(kind, action, control.who(user)))
    if decision is None:
        outcome = "That pair is no longer in the review list."
    else:
        outcome = f"{DONE_ICON[kind]} {blocks.esc(decision.message)}"
        if decision.done and kind != "skip":
            outcome += f" ({blocks.esc(control.who(user))})"
    following = joor_review.next_pairs(1, unasked=True)
    if not following and kind == "skip" and decision and decision.done:
        following = [decision.proposal]  # the only pair left comes round again
    nxt = following[0] if following else None
    ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
    client.chat_update(channel=channel, ts=ts, **pair_message(nxt, outcome))
    if nxt is not None:
        joor_review.mark_asked([nxt.id])


def _args(kind, action, who):
    proposal_id = int(action.get("value") or 0)
    return (proposal_id,) if kind == "skip" else (proposal_id, who)


def register(app):
    app.command("/match")(match_command)
    for action_id in ACTIONS:
        app.action(action_id)(decide)
