"""Dashboard: the master switch (CON-2), connection health, last runs, recent failures, chart."""

import datetime

from flask import Blueprint, redirect, request, url_for

from core import connections, runs, settings, status
from core.store import Run, utcnow
from web import chart
from web.views import current_config, partial

bp = Blueprint("dashboard", __name__)


def _health():
    config = current_config()
    rows = []
    for system in connections.shown():
        rows.append({"system": system, "label": connections.SYSTEMS[system][0],
                     "configured": connections.configured(system, config),
                     "check": connections.last_check(system)})
    return rows


def _last_runs():
    """One row per entity and direction that has run or is chosen now."""
    last = status.last_runs()
    rows = []
    for entity in runs.ENTITIES:
        chosen = settings.direction(entity)
        for direction in status.DIRECTIONS:
            run = last.get((entity, direction))
            if run or direction == chosen:
                rows.append({"entity": entity, "direction": direction, "run": run,
                             "chosen": direction == chosen,
                             "active": runs.active(entity, direction)})
    return rows


def _failures(now):
    """Runs of the last 24 h that failed or had records fail, newest first."""
    since = now - datetime.timedelta(hours=24)
    return list(Run.select().where(Run.created_at >= since, Run.dry_run == False,  # noqa: E712
                                   (Run.status == "failed") | (Run.failed > 0))
                .order_by(Run.id.desc()).limit(20))


@bp.get("/")
def index():
    now = utcnow()
    return partial("dashboard.html", "content", enabled=settings.sync_enabled(),
                   health=_health(), last_runs=_last_runs(), failures=_failures(now),
                   chart=chart.layout(chart.daily_counts(30, now)),
                   next_run=status.next_scheduled(now))


@bp.post("/switch")
def switch():
    """Turn synchronisation on or off; nothing is removed anywhere (CON-2)."""
    settings.set("sync.enabled", request.form.get("enabled") == "on")
    enabled = settings.sync_enabled()
    if request.headers.get("HX-Request") == "true":
        return partial("dashboard.html", "switch", enabled=enabled)
    return redirect(url_for("dashboard.index"))
