"""Runs (LOG-1): Run now, a run's page and live block, filters, Retry failed."""

import re

from core import runs, settings
from core.store import Result, Run
from tests.web.conftest import text


def _run_id(response):
    return int(re.search(r"/runs/(\d+)$", response.headers.get("Location")
                         or response.headers["HX-Redirect"]).group(1))


def test_run_now_queues_a_run_and_shows_its_page(panel, sandbox):
    response = panel.post("/runs/start", {"entity": "customers"})
    run = runs.get(_run_id(response))
    assert (run.trigger, run.who, run.status) == ("panel", "ada", "finished")  # inline worker
    page = text(panel.get(f"/runs/{run.id}"))
    assert f"Run #{run.id}: customers Cin7 → HubSpot" in page
    assert "panel by ada" in page
    assert run.read == len(sandbox.get("cin7/customers"))
    assert f'<dt>read</dt><dd>{run.read}</dd>' in page
    assert len(sandbox.hubspot("companies")) > 0


def test_a_dry_run_shows_its_plan_and_writes_nothing(panel, sandbox):
    run_id = _run_id(panel.post("/runs/start", {"entity": "customers", "dry_run": "on"}))
    page = text(panel.get(f"/runs/{run_id}"))
    assert "dry run" in page and "nothing was written" in page and "would be created" in page
    assert sandbox.hubspot("companies") == []


def test_run_now_is_refused_for_an_entity_that_is_off(panel):
    response = panel.post("/runs/start", {"entity": "sales"}, follow_redirects=True)
    assert "sales is off: choose a direction in the settings first" in text(response)
    assert Run.select().count() == 0


def test_run_now_from_htmx_redirects_the_browser(panel):
    response = panel.post("/runs/start", {"entity": "customers"}, htmx=True)
    assert re.fullmatch(r"/runs/\d+", response.headers["HX-Redirect"])


def test_a_running_runs_block_polls_itself_and_stops_when_done(panel):
    run = runs.new_run("customers", "export", "panel", "ada")
    live = text(panel.get(f"/runs/{run.id}/progress", htmx=True))
    assert 'hx-trigger="load delay:1s"' in live and "Waiting for the worker" in live
    assert "<html" not in live
    Run.update(status="running", phase="exporting page 1", total=40, done=10,
               started_at=run.created_at, heartbeat_at=run.created_at).where(
        Run.id == run.id).execute()
    running = text(panel.get(f"/runs/{run.id}/progress", htmx=True))
    assert "exporting page 1: 10 of 40" in running and 'hx-trigger="load delay:1s"' in running
    Run.update(status="finished", message="40 read").where(Run.id == run.id).execute()
    done = panel.get(f"/runs/{run.id}/progress", htmx=True)
    assert done.status_code == 200  # no reliance on htmx's 286 "stop polling" status
    assert "hx-trigger" not in text(done) and "finished" in text(done)


def test_a_runs_page_lists_failures_with_reasons_and_retries_them(panel, sandbox):
    first = runs.new_run("customers", "export", "schedule")
    ids = [c["ID"] for c in sandbox.get("cin7/customers")[:2]]
    for cin7_id in ids:
        Result.create(run=first, record_id=cin7_id, record_name=f"<b>{cin7_id}</b>", action="fail",
                      outcome="failed", field="Email", reason="invalid e-mail")
    Run.update(status="finished", failed=2).where(Run.id == first.id).execute()
    page = text(panel.get(f"/runs/{first.id}"))
    assert "Why records failed" in page and "2×" in page and "invalid e-mail" in page
    assert f"&lt;b&gt;{ids[0]}&lt;/b&gt;" in page
    assert "Retry failed (2)" in page
    again = runs.get(_run_id(panel.post(f"/runs/{first.id}/retry")))
    assert again.only == sorted(ids) and again.retry_of == first.id
    assert again.trigger == "panel" and again.who == "ada"
    assert f"Retried in <a href=\"/runs/{again.id}\">#{again.id}</a>" in text(panel.get(f"/runs/{first.id}"))


def test_retry_with_nothing_failed_says_so(panel):
    run = runs.new_run("customers", "export", "cli")
    Run.update(status="finished").where(Run.id == run.id).execute()
    response = panel.post(f"/runs/{run.id}/retry", follow_redirects=True)
    assert "nothing to retry" in text(response)
    assert Run.select().count() == 1


def test_the_log_filters_by_entity_direction_trigger_and_outcome(panel):
    settings.set("products.direction", "export")
    a = runs.new_run("customers", "export", "slack", "ben")
    b = runs.new_run("products", "export", "schedule")
    Run.update(status="failed", message="stopped").where(Run.id == b.id).execute()
    listing = text(panel.get("/runs/?trigger=slack", htmx=True))
    assert f">#{a.id}<" in listing and f">#{b.id}<" not in listing and "<html" not in listing
    failed = text(panel.get("/runs/?outcome=failed"))
    assert f">#{b.id}<" in failed and f">#{a.id}<" not in failed
    assert f">#{a.id}<" in text(panel.get("/runs/?entity=customers&direction=export"))
    assert "No runs match" in text(panel.get("/runs/?entity=sales"))


def test_the_log_pages_through_older_runs(panel):
    made = [runs.new_run("customers", "export", "cli").id for _ in range(55)]
    first = text(panel.get("/runs/"))
    assert f">#{made[-1]}<" in first and f">#{made[0]}<" not in first
    older = re.search(r'href="(/runs/\?before=\d+)"', first).group(1)
    second = text(panel.get(older))
    assert f">#{made[0]}<" in second and f">#{made[-1]}<" not in second


def test_an_unknown_run_is_not_found(panel):
    assert panel.get("/runs/999").status_code == 404
