"""`/match joor` and the Confirm / Reject / "Another one" buttons (JOOR-4, OPS-3).

The command answers at once and queues the match (tasks.joor_jobs); the worker then posts
the summary (linked, to review, unmatched) and the first doubtful pairs, one message each.
A button decides through core.joor_review and replaces its message with the outcome and
the next pair, so a few pairs are on show at a time and nobody sees one twice.
"""

import logging

from bot import blocks, control, notify
from core import joor_review
from core.connections import effective_config

log = logging.getLogger("syncdesk.bot")
SHOWN = 3  # doubtful pairs on show at once
ACTIONS = {"joor_confirm": "confirm", "joor_reject": "reject", "joor_next": "skip"}
DONE_ICON = {"confirm": ":white_check_mark:", "reject": ":x:", "skip": ":arrow_right:"}


def review_url(panel_url):
    return f"{panel_url.rstrip('/')}/joor/match"


def summary_message(run, counts, panel_url):
    """The match's outcome: linked, to review, unmatched; or why it stopped."""
    if run.status != "finished":
        text = f":x: JOOR match #{run.id} {run.status}: {blocks.esc(run.message)}"
        return {"text": text, "blocks": [blocks.section(text)]}
    text = (f":link: *JOOR match #{run.id}* ({blocks.esc(run.who or run.trigger)}): "
            f"*{run.created}* linked, *{counts.get('review', 0)}* to review, "
            f"*{run.unchanged}* unmatched")
    note = (f"Doubtful pairs follow, {SHOWN} at a time; all of them are in the panel: "
            f"<{review_url(panel_url)}|JOOR match review>") if counts.get("review") else \
        "Nothing needs a person."
    return {"text": text.replace("*", ""), "blocks": [blocks.section(text), blocks.context(note)]}


def pair_blocks(proposal):
    """One doubtful pair with its score, its reasons and the three buttons."""
    value = str(proposal.id)
    text = (f"*Cin7:* {blocks.esc(proposal.cin7_name)}\n*JOOR:* {blocks.esc(proposal.joor_name)}"
            f" (`{blocks.esc(proposal.joor_code)}`)\n*{proposal.score}%* — "
            + blocks.esc("; ".join(proposal.reasons or [])))
    buttons = [
        {"type": "button", "action_id": "joor_confirm", "style": "primary", "value": value,
         "text": {"type": "plain_text", "text": "Confirm"}},
        {"type": "button", "action_id": "joor_reject", "style": "danger", "value": value,
         "text": {"type": "plain_text", "text": "Reject"}},
        {"type": "button", "action_id": "joor_next", "value": value,
         "text": {"type": "plain_text", "text": "Another one"}},
    ]
    return [blocks.section(text), {"type": "actions", "block_id": f"joor_pair_{value}",
                                   "elements": buttons}]


def pair_message(proposal, outcome=""):
    """A message asking about `proposal`, after the outcome of the previous click if any."""
    top = [blocks.context(outcome)] if outcome else []
    if proposal is None:
        text = (outcome + "\n" if outcome else "") + "No more JOOR pairs to review."
        return {"text": text, "blocks": top + [blocks.section("No more JOOR pairs to review.")]}
    return {"text": f"Same retailer? {proposal.cin7_name} / {proposal.joor_name}",
            "blocks": top + pair_blocks(proposal)}


def post_summary(config, run, channel, client=None):
    """The worker's report of a match started from Slack: the summary, then a few pairs."""
    client = client or notify.web_client(config)
    client.chat_postMessage(channel=channel, **summary_message(run, joor_review.counts(),
                                                                config.panel_url))
    if run.status != "finished":
        return
    for proposal in joor_review.next_pairs(SHOWN, unasked=True):
        client.chat_postMessage(channel=channel, **pair_message(proposal))
        joor_review.mark_asked([proposal.id])


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
    from tasks.joor_jobs import enqueue

    run, created = enqueue("match", "slack", control.who(command),
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
