"""Runs (LOG-1): the log with filters, one run's counts and failures, Run now, Retry failed.

A run is executed by the worker; the page only enqueues it and then shows the row the
worker writes. While a run is queued or running its block re-requests itself every second;
the block rendered once the run is over has no trigger, so polling stops by itself.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_htmx.responses import HTMXResponseClientRedirect

from core import runner, runs, settings, status
from core.store import Run
from tasks import enqueue_run, retry_failed
from web.views import current_admin, partial

bp = Blueprint("runs", __name__, url_prefix="/runs")

PER_PAGE = 50
MAX_ID = 2**63 - 1
FILTERS = {"entity": runs.ENTITIES, "direction": ("export", "import"),
           "trigger": ("cli", "slack", "panel", "schedule", "webhook", "retry"),
           "outcome": ("queued", "running", "finished", "failed", "refused", "with failures")}


def _filters():
    return {name: request.args.get(name, "") for name in FILTERS
            if request.args.get(name, "") in FILTERS[name]}


def _query(filters, before=None):
    query = Run.select().order_by(Run.id.desc())
    for name in ("entity", "direction", "trigger"):
        if filters.get(name):
            query = query.where(getattr(Run, name) == filters[name])
    outcome = filters.get("outcome")
    if outcome == "with failures":
        query = query.where((Run.failed > 0) | (Run.status == "failed"))
    elif outcome:
        query = query.where(Run.status == outcome)
    if before:
        query = query.where(Run.id < before)
    return query


@bp.get("/")
def index():
    """The run log, newest first, a page at a time (keyset: runs older than `before`)."""
    runner.reap()
    filters = _filters()
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before <= MAX_ID:
        abort(400)
    rows = list(_query(filters, before).limit(PER_PAGE + 1))
    older = rows[PER_PAGE - 1].id if len(rows) > PER_PAGE else None
    startable = [e for e in runs.ENTITIES if settings.direction(e) != "off"]
    return partial("runs/list.html", "table", runs=rows[:PER_PAGE], filters=filters,
                   choices=FILTERS, older=older, before=before, startable=startable,
                   directions={e: settings.direction(e) for e in runs.ENTITIES},
                   describe=status.describe_run)


def _enqueue(entity, direction, **options):

    return enqueue_run(entity, direction, "panel", current_admin(), **options)


def _go_to(run):
    target = url_for("runs.show", run_id=run.id)
    if request.headers.get("HX-Request") == "true":
        return HTMXResponseClientRedirect(target)
    return redirect(target)


@bp.post("/start")
def start():
    """Run now: queue a run of one entity in its chosen direction."""
    entity = request.form.get("entity", "")
    if entity not in runs.ENTITIES or settings.direction(entity) == "off":
        flash(f"{entity or 'That entity'} is off: choose a direction in the settings first.",
              "error")
        return redirect(url_for("runs.index"))
    run, created = _enqueue(entity, settings.direction(entity),
                            dry_run=bool(request.form.get("dry_run")),
                            full=bool(request.form.get("full")))
    if not created:
        flash(f"A {entity} run was already waiting in the queue: showing it.")
    return _go_to(run)


def _run_or_404(run_id):
    run = runs.get(run_id) if run_id <= MAX_ID else None  # SQLite's integers stop at 2**63
    if run is None:
        abort(404)
    return run


def _run_context(run):
    return {"run": run, "live": run.status in ("queued", "running"),
            "failures": runs.results(run, outcome="failed", limit=500),
            "reasons": status.failures_by_reason(run, limit=10),
            "failed_total": run.failed,
            "retries": list(Run.select().where(Run.retry_of == run.id).order_by(Run.id)),
            "summary": status.describe_run(run)}


@bp.get("/<int:run_id>")
def show(run_id):
    runner.reap()
    return render_template("runs/show.html", **_run_context(_run_or_404(run_id)))


@bp.get("/<int:run_id>/progress")
def progress(run_id):
    """The run's block alone: htmx swaps it in place of the one asking."""
    return partial("runs/show.html", "run", **_run_context(_run_or_404(run_id)))


@bp.post("/<int:run_id>/retry")
def retry(run_id):
    """Queue a run of only the records that failed in this one."""

    run = _run_or_404(run_id)
    if run.entity == "joor":  # JOOR work settles by itself: the worker follows it
        flash("JOOR uploads are followed by the worker; upload again from the JOOR page.")
        return redirect(url_for("runs.show", run_id=run.id))
    again, _ = retry_failed(run.id, current_admin(), trigger="panel")
    if again is None:
        flash("No record failed in this run: nothing to retry.")
        return redirect(url_for("runs.show", run_id=run.id))
    return _go_to(again)
