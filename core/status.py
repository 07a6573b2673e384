"""What ran, what failed, what is pending: one place that turns runs into facts and words.

The CLI, the Slack bot, the panel and the daily post all read from here.
"""

import datetime
from collections import Counter

from core import cursors, runs, schedule, settings
from core.store import Pending, Run, utcnow

DIRECTIONS = {"export": "Cin7 → HubSpot", "import": "HubSpot → Cin7"}
CRM_WORDS = {"hubspot": "HubSpot", "salesforce": "Salesforce", "capsule": "Capsule"}


def direction_words(direction):
    """"Cin7 → Salesforce" for an export with Salesforce connected; other directions as is."""
    crm = CRM_WORDS[settings.crm()]
    return {"export": f"Cin7 → {crm}", "import": f"{crm} → Cin7"}.get(direction, direction)


def describe_run(run):
    """One line: '#12 customers export (cli) finished: 10 read, 2 created, …'."""
    who = f" by {run.who}" if run.who else ""
    dry = " [dry run]" if run.dry_run else ""
    text = f"#{run.id} {run.entity} {run.direction} ({run.trigger}{who}){dry} {run.status}"
    counts = ", ".join(f"{getattr(run, n)} {n}" for n in runs.COUNTS)
    text += f": {counts}"
    if run.message and run.status in ("failed", "refused"):
        text += f" — {run.message}"
    return text


def describe_failure(result):
    """"customer 'X', contact 'Y': Email: 'z' is not a valid e-mail address"."""
    field = f"{result.field}: " if result.field else ""
    return f"{result.record_name or result.record_id}: {field}{result.reason}"


def failures_by_reason(run, limit=None):
    """[(reason, [record names])], most frequent first, for alerts and summaries."""
    groups = {}
    for result in runs.results(run, outcome="failed"):
        key = f"{result.field}: {result.reason}" if result.field else result.reason
        groups.setdefault(key, []).append(result.record_name or result.record_id)
    ordered = sorted(groups.items(), key=lambda kv: -len(kv[1]))
    return ordered[:limit] if limit else ordered


def last_runs():
    """The latest non-dry run per (entity, direction)."""
    out = {}
    for entity in runs.ENTITIES:
        for direction in DIRECTIONS:
            run = (Run.select().where(Run.entity == entity, Run.direction == direction,
                                      Run.dry_run == False)  # noqa: E712
                   .order_by(Run.id.desc()).first())
            if run:
                out[(entity, direction)] = run
    return out


def pending(entity, direction=None):
    """Records whose last attempt failed and have not succeeded since, oldest first."""
    query = Pending.select().where(Pending.entity == entity)
    if direction:
        query = query.where(Pending.direction == direction)
    return list(query.order_by(Pending.first_failed_at))


def overview(now=None):
    """Facts for /syncstatus, `syncdesk status` and the dashboard."""
    now = now or utcnow()
    last = last_runs()
    rows = []
    for entity in runs.ENTITIES:
        direction = settings.direction(entity)
        run = last.get((entity, direction)) if direction != "off" else None
        since, page = cursors.describe(entity, direction) if direction != "off" else (None, None)
        rows.append({"entity": entity, "direction": direction, "last_run": run,
                     "cursor": since, "resume_page": page,
                     "active": runs.active(entity, direction) if direction != "off" else None,
                     "pending": len(pending(entity, direction)) if direction != "off" else 0})
    day_ago = now - datetime.timedelta(hours=24)
    failed_runs = list(Run.select().where(Run.status == "failed", Run.created_at >= day_ago)
                       .order_by(Run.id.desc()))
    return {"enabled": settings.sync_enabled(), "rows": rows, "failed_runs": failed_runs,
            "next_run": next_scheduled(now)}


def next_scheduled(now):
    """When the schedule runs next, if scheduling is on."""
    if not settings.get("schedule.enabled"):
        return None
    return schedule.next_run_time(settings.all_settings(), now)


def overview_text(now=None):
    data = overview(now)
    lines = [f"Synchronisation is {'ON' if data['enabled'] else 'OFF (CON-2)'}."]
    for row in data["rows"]:
        label = f"{row['entity']} ({row['direction']})"
        if row["direction"] == "off":
            lines.append(f"{label}: off")
            continue
        run = row["last_run"]
        lines.append(f"{label}: " + (describe_run(run) if run else "never run"))
        if row["resume_page"]:
            lines.append(f"  a stopped run will resume after page {row['resume_page']}")
        if row["pending"]:
            lines.append(f"  {row['pending']} record(s) failed and wait for a retry")
    if data["next_run"]:
        lines.append(f"Next scheduled run: {data['next_run']:%Y-%m-%d %H:%M} UTC")
    if data["failed_runs"]:
        lines.append(f"Failed runs in the last 24 h: {len(data['failed_runs'])}")
    return "\n".join(lines)


def day_summary(day_start, day_end):
    """Counts per entity and direction for runs in [day_start, day_end) (AUTO-4)."""
    totals = {}
    for run in Run.select().where(Run.created_at >= day_start, Run.created_at < day_end,
                                  Run.dry_run == False):  # noqa: E712
        bucket = totals.setdefault((run.entity, run.direction), Counter())
        for name in ("created", "updated", "unchanged", "failed"):
            bucket[name] += getattr(run, name)
        bucket["runs"] += 1
        bucket["failed_runs"] += run.status == "failed"
    return totals
