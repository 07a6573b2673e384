"""Block Kit messages built from runs and core.status facts: pure functions, no Slack calls.

Each returns {"text": fallback, "blocks": [...]}; the fallback is what notifications and
screen readers show, so it is core.status's one-line description of the run.
"""

import re
from collections import Counter

from core.status import describe_run, direction_words

ICON = {"queued": ":hourglass_flowing_sand:", "running": ":arrows_counterclockwise:",
        "finished": ":white_check_mark:", "failed": ":x:", "refused": ":no_entry:"}
TRIGGER = {"schedule": "scheduled", "webhook": "started by a webhook",
           "cli": "started from the command line", "panel": "started from the panel"}
COUNTS = ("created", "updated", "unchanged", "failed")
MENTION = re.compile(r"<@[A-Z0-9]+>")
SHOWN_FAILURES = 5  # reasons listed in a message; the panel has the rest
SHOWN_PLAN = 10
COMMANDS = [
    ("/sync customers|products|sales|all", "run a sync now, with its progress in this channel"),
    ("/sync customers --dry-run", "show what a sync would do, without writing anything"),
    ("/syncstatus", "last run per entity and direction, what failed, the next scheduled run"),
    ("/match joor", "match Cin7 customers with JOOR customers"),
    ("/sync help", "this list"),
]


def section(text):
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text)}}


def context(*texts):
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(t)} for t in texts]}


def esc(text):
    """Record names, reasons and messages as Slack text: &, < and > must be escaped."""
    text = str(text or "")
    if MENTION.fullmatch(text):
        return text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def line(run):
    """core.status's one line for a run, safe to put in a message."""
    return esc(describe_run(run))


def _clip(text, limit=3000):
    """Slack refuses section text over 3000 characters."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def title(run):
    return f"{run.entity.capitalize()} {direction_words(run.direction)}"


def origin(run):
    """Who or what started the run, in words."""
    who = f" by {esc(run.who)}" if run.who else ""
    if run.trigger == "retry":
        return f"retry of #{run.retry_of}{who}"
    return TRIGGER.get(run.trigger, "started") + (who if run.trigger != "schedule" else "")


def progress_bar(done, total, width=20):
    """`▓▓▓▓░░░░ 40%` — a text bar, since Block Kit has none."""
    if not total:
        return "░" * width
    share = max(0.0, min(1.0, done / total))
    filled = round(share * width)
    return "▓" * filled + "░" * (width - filled) + f" {share:.0%}"


def counts_line(run, planned=False):
    """'50 read · 3 created · …'; a dry run's counts are what it would do."""
    if planned:
        return (f"{run.read} read · {run.created} to create · {run.updated} to update · "
                f"{run.unchanged} unchanged · {run.failed} failed")
    return " · ".join([f"{run.read} read"] + [f"{getattr(run, n)} {n}" for n in COUNTS])


def failure_lines(groups, limit=SHOWN_FAILURES, names=3):
    """'• *reason* (2): A, B' per reason, most frequent first."""
    lines = []
    for reason, records in list(groups)[:limit]:
        shown = ", ".join(esc(r) for r in records[:names]) + (f" and {len(records) - names} more"
                                              if len(records) > names else "")
        lines.append(f"• *{esc(reason)}* ({len(records)}): {shown}")
    if len(groups) > limit:
        lines.append(f"… and {len(groups) - limit} other reason(s)")
    return "\n".join(lines)


def run_buttons(run, panel_url):
    """'Retry failed' (when records failed) and a link to the run in the panel."""
    elements = []
    if run.failed and not run.dry_run and run.status in ("finished", "failed"):
        elements.append({"type": "button", "action_id": "retry_failed", "value": str(run.id),
                         "style": "primary", "text": {"type": "plain_text",
                                                      "text": f"Retry failed ({run.failed})"}})
    elements.append({"type": "button", "action_id": "open_run", "url": run_url(run, panel_url),
                     "text": {"type": "plain_text", "text": "Open in panel"}})
    return {"type": "actions", "block_id": f"run-{run.id}", "elements": elements}


def run_url(run, panel_url):
    return f"{panel_url.rstrip('/')}/runs/{run.id}"


def run_message(run, panel_url, failures=(), worker_ended=False):
    """The one message that follows a run: progress while it goes, the outcome at the end.

    `failures` is core.status.failures_by_reason(run) for a run that ended with failures;
    `worker_ended` says the job is over although the run was left unfinished.
    """
    dry = " · dry run" if run.dry_run else ""
    icon = ":warning:" if run.status == "finished" and run.failed else ICON.get(run.status, "")
    head = f"{icon} *{title(run)}* · run #{run.id}{dry} · {run.status}"
    state = (":x: The worker stopped before this run ended; the next run picks up from the "
             "last finished page." if worker_ended else _state(run))
    blocks = [section(f"{head}\n{state}"),
              context(f"{origin(run)} · " + counts_line(run, planned=run.dry_run))]
    if run.dry_run and run.status == "finished":
        blocks.append(section(plan_text(run.plan or [])))
    if failures:
        blocks.append(section("*First failed records*\n" + failure_lines(failures)))
    blocks.append(run_buttons(run, panel_url))
    return {"text": line(run), "blocks": blocks}


def _state(run):
    if run.status == "queued":
        return "Waiting for the worker…"
    if run.status == "running":
        bar = progress_bar(run.done, run.total)
        return f"{esc(run.phase) or 'starting'}\n`{bar}` {run.done}/{run.total or '?'}"
    if run.status == "finished":
        return "Done: nothing failed." if not run.failed else f"Done, {run.failed} failed."
    return esc(run.message) or run.status


def plan_text(plan):
    """A dry run's plan: counts per action, then the first actions."""
    if not plan:
        return "*Plan:* nothing to do."
    by_action = Counter(row["action"] for row in plan)
    lines = ["*Plan:* " + ", ".join(f"{n} {a}" for a, n in by_action.most_common())]
    for row in plan[:SHOWN_PLAN]:
        why = f" ({esc(row['reason'])})" if row.get("reason") else ""
        lines.append(f"• {row['action']} {row.get('object') or ''} {esc(row['record'])}{why}")
    if len(plan) > SHOWN_PLAN:
        lines.append(f"… and {len(plan) - SHOWN_PLAN} more in the panel")
    return "\n".join(lines)


def started_text(entities, who, dry_run=False):
    """The answer to /sync: "Sync of customers started by <@U1>"."""
    what = "Dry run" if dry_run else "Sync"
    return f"{what} of {', '.join(entities)} started by {who}"


def status_message(overview, failures=None, panel_url=""):
    """/syncstatus from core.status.overview(); `failures` maps entity -> failure groups."""
    failures = failures or {}
    state = ("Synchronisation is *on*." if overview["enabled"] else
             ":double_vertical_bar: Synchronisation is *switched off*: no sync will run "
             "until an admin turns it on in the panel.")
    blocks = [section(f"*SyncDesk status*\n{state}")]
    for row in overview["rows"]:
        blocks.append(section(_status_row(row, failures.get(row["entity"], ()))))
    nxt = overview.get("next_run")
    lines = [f"Next scheduled run: {nxt:%Y-%m-%d %H:%M} UTC" if nxt else "No run is scheduled."]
    if overview["failed_runs"]:
        lines.append(f"Failed runs in the last 24 h: {len(overview['failed_runs'])}")
        lines += [f"• {line(run)}" for run in overview["failed_runs"][:5]]
    blocks.append(context(*lines) if len(lines) == 1 else section("\n".join(lines)))
    if panel_url:
        blocks.append(context(f"<{panel_url.rstrip('/')}/runs|All runs in the panel>"))
    return {"text": state.replace("*", ""), "blocks": blocks}


def _status_row(row, groups):
    label = f"*{row['entity'].capitalize()}*"
    if row["direction"] == "off":
        return f"{label}: sync is off"
    lines = [f"{label} ({direction_words(row['direction'])})",
             line(row["last_run"]) if row["last_run"] else "never run"]
    if row.get("active"):
        lines.append(f"run #{row['active'].id} is {row['active'].status} now")
    if row.get("resume_page"):
        lines.append(f"a stopped run will resume after page {row['resume_page']}")
    if row.get("pending"):
        lines.append(f"{row['pending']} record(s) failed and wait for a retry")
    if groups:
        lines.append(failure_lines(groups, limit=3))
    return "\n".join(lines)


def alert_message(run, groups, panel_url):
    """One alert per automatic run, its failures grouped by reason (AUTO-3)."""
    what = f"{run.failed} record(s) failed" if run.failed else "the run stopped"
    head = f":warning: *{title(run)}* · run #{run.id} ({origin(run)}): {what}"
    blocks = [section(head)]
    if run.status == "failed" and run.message:
        blocks.append(section(esc(run.message)))
    if groups:
        blocks.append(section(failure_lines(groups)))
    blocks.append(run_buttons(run, panel_url))
    return {"text": f"Sync alert: {line(run)}", "blocks": blocks}


def daily_message(summary, pending, failed_runs, still_failing=(), day_label="the last 24 h"):
    """The daily status post (AUTO-4).

    summary: core.status.day_summary(); pending: {entity: [record names]};
    failed_runs: [Run]; still_failing: [(run, groups, since)] for lasting failures.
    """
    lines = []
    for (entity, direction), c in sorted(summary.items()):
        counts = " · ".join(f"{c[n]} {n}" for n in COUNTS)
        lines.append(f"• *{entity}* {direction_words(direction)}: {counts} "
                     f"({c['runs']} run(s))")
    blocks = [section(f"*SyncDesk daily status* — {day_label}\n" +
                      ("\n".join(lines) or "No sync ran."))]
    waiting = [f"• {entity}: {len(names)} — {', '.join(esc(n) for n in names[:5])}"
               + (" …" if len(names) > 5 else "") for entity, names in pending.items() if names]
    blocks.append(section("*Pending* (failed, waiting for a retry)\n" + "\n".join(waiting)
                          if waiting else "*Pending:* nothing."))
    for run, groups, since in still_failing:
        blocks.append(section(f"*Still failing* since {since:%Y-%m-%d %H:%M} UTC: "
                              f"{title(run)} (last run #{run.id})\n" + failure_lines(groups, 3)))
    if failed_runs:
        blocks.append(section("*Runs that failed*\n" + "\n".join(
            f"• {line(run)}" for run in failed_runs[:10])))
    return {"text": f"SyncDesk daily status — {day_label}", "blocks": blocks}


def help_message(note=""):
    """The commands with one line each (/sync help and unknown arguments)."""
    lines = [f"`{cmd}` — {what}" for cmd, what in COMMANDS]
    text = (f"{note}\n" if note else "") + "*SyncDesk commands*\n" + "\n".join(lines)
    return {"text": text.replace("*", "").replace("`", ""), "blocks": [section(text)]}


def refusal(reason=""):
    """A polite no, for users and channels not allowed to start syncs."""
    text = reason or ("Sorry, you can't start or retry syncs from here. Ask a SyncDesk admin "
                      "to add you (or this channel) to the allowed list. `/syncstatus` is open "
                      "to everyone.")
    return {"text": text, "blocks": [section(text)]}


# -- JOOR matching (JOOR-4) --------------------------------------------------------------

SHOWN = 3  # doubtful pairs on show at once


def review_url(panel_url):
    return f"{panel_url.rstrip('/')}/joor/match"


def summary_message(run, counts, panel_url):
    """The match's outcome: linked, to review, unmatched; or why it stopped."""
    if run.status != "finished":
        text = f":x: JOOR match #{run.id} {run.status}: {esc(run.message)}"
        return {"text": text, "blocks": [section(text)]}
    text = (f":link: *JOOR match #{run.id}* ({esc(run.who or run.trigger)}): "
            f"*{run.created}* linked, *{counts.get('review', 0)}* to review, "
            f"*{run.unchanged}* unmatched")
    note = (f"Doubtful pairs follow, {SHOWN} at a time; all of them are in the panel: "
            f"<{review_url(panel_url)}|JOOR match review>") if counts.get("review") else \
        "Nothing needs a person."
    return {"text": text.replace("*", ""), "blocks": [section(text), context(note)]}


def pair_blocks(proposal):
    """One doubtful pair with its score, its reasons and the three buttons."""
    value = str(proposal.id)
    text = (f"*Cin7:* {esc(proposal.cin7_name)}\n*JOOR:* {esc(proposal.joor_name)}"
            f" (`{esc(proposal.joor_code)}`)\n*{proposal.score}%* — "
            + esc("; ".join(proposal.reasons or [])))
    buttons = [
        {"type": "button", "action_id": "joor_confirm", "style": "primary", "value": value,
         "text": {"type": "plain_text", "text": "Confirm"}},
        {"type": "button", "action_id": "joor_reject", "style": "danger", "value": value,
         "text": {"type": "plain_text", "text": "Reject"}},
        {"type": "button", "action_id": "joor_next", "value": value,
         "text": {"type": "plain_text", "text": "Another one"}},
    ]
    return [section(text), {"type": "actions", "block_id": f"joor_pair_{value}",
                                   "elements": buttons}]


def pair_message(proposal, outcome=""):
    """A message asking about `proposal`, after the outcome of the previous click if any."""
    top = [context(outcome)] if outcome else []
    if proposal is None:
        text = (outcome + "\n" if outcome else "") + "No more JOOR pairs to review."
        return {"text": text, "blocks": top + [section("No more JOOR pairs to review.")]}
    return {"text": f"Same retailer? {proposal.cin7_name} / {proposal.joor_name}",
            "blocks": top + pair_blocks(proposal)}
