"""Dashboard: master switch (CON-2), connection health, last runs, failures, 30-day chart."""

import datetime
import re

from core import connections, runs, settings
from core.store import Run, utcnow
from tests.web.conftest import text
from web import chart


def test_the_master_switch_turns_sync_off_and_on(panel):
    off = panel.post("/switch", {"enabled": "off"}, htmx=True)
    assert settings.get("sync.enabled") is False
    body = text(off)
    assert "Synchronisation is off" in body and 'id="switch"' in body and "<html" not in body
    assert "Switch on" in body
    panel.post("/switch", {"enabled": "on"})
    assert settings.get("sync.enabled") is True
    assert "Synchronisation is on" in text(panel.get("/"))


def test_a_run_asked_for_while_the_switch_is_off_is_refused(panel):
    panel.post("/switch", {"enabled": "off"})
    location = panel.post("/runs/start", {"entity": "customers"}).headers["Location"]
    page = text(panel.get(location))
    assert "refused" in page and "synchronisation is switched off" in page


def test_connection_health_shows_the_last_test(panel, web_config):
    page = text(panel.get("/"))
    assert "not tested" in page  # Cin7 and HubSpot have keys, never tested
    connections.check("cin7", web_config)
    page = text(panel.get("/"))
    assert "company:" in page
    assert re.search(r"JOOR</th>\s*<td><span class=\"badge\">not set</span>", page)


def test_last_runs_and_failures_of_the_last_day(panel):
    old = runs.new_run("customers", "export", "cli")
    Run.update(status="failed", created_at=utcnow() - datetime.timedelta(days=2)).where(
        Run.id == old.id).execute()
    ok = runs.new_run("customers", "export", "schedule")
    Run.update(status="finished", created=3).where(Run.id == ok.id).execute()
    bad = runs.new_run("customers", "export", "slack", "ben")
    Run.update(status="failed", message="stopped: HubSpot: token refused").where(
        Run.id == bad.id).execute()
    page = text(panel.get("/"))
    last = page[page.index("Last runs"):page.index("Records synced")]
    assert f">#{bad.id}<" in last and "failed" in last
    failures = page[page.index("Failures in the last 24 hours"):]
    assert f">#{bad.id}<" in failures and "token refused" in failures
    assert f">#{old.id}<" not in failures and f">#{ok.id}<" not in failures


def test_the_chart_has_a_bar_pair_per_day(panel):
    run = runs.new_run("customers", "export", "schedule")
    Run.update(status="finished", created=7, updated=3, failed=2).where(Run.id == run.id).execute()
    page = text(panel.get("/"))
    assert page.count('<rect class="bar synced"') == 30
    assert page.count('<rect class="bar failed"') == 30
    assert "10 synced · 2 failed" in page
    assert f"<title>{utcnow():%d %b}: 10 synced</title>" in page


def test_chart_bars_are_scaled_to_a_round_top():
    today = datetime.date(2026, 11, 22)
    layout = chart.layout([(today - datetime.timedelta(days=1), 40, 0), (today, 80, 20)])
    synced = [b for b in layout["bars"] if b.kind == "synced"]
    assert synced[1].height == 2 * synced[0].height
    assert [value for _, value in layout["ticks"]] == [0, 50, 100]
    assert layout["synced"] == 120 and layout["failed"] == 20


def test_an_empty_chart_still_draws_its_axis():
    layout = chart.layout([(datetime.date(2026, 11, 1), 0, 0)])
    assert all(b.height == 0 for b in layout["bars"]) and layout["ticks"][-1][1] == 5
