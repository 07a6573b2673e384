"""Block Kit built from runs as stored: pure functions, no Slack and no database."""

import datetime

from bot import blocks
from core.store import Run
from tests.bot.conftest import text_of


def a_run(**fields):
    values = {"id": 7, "entity": "customers", "direction": "export", "trigger": "slack",
              "who": "@ana", "status": "running", "phase": "exporting page 2", "total": 200,
              "done": 50, "read": 50, "created": 3, "updated": 40, "unchanged": 5, "failed": 2}
    return Run(**{**values, **fields})


def test_a_running_run_shows_its_phase_a_progress_bar_and_counts():
    text = text_of(blocks.run_message(a_run(), "http://panel"))

    assert "*Customers Cin7 → HubSpot* · run #7 · running" in text
    assert "exporting page 2" in text
    assert "`▓▓▓▓▓░░░░░░░░░░░░░░░ 25%` 50/200" in text
    assert "started by @ana · 50 read · 3 created · 40 updated · 5 unchanged · 2 failed" in text


def test_a_finished_run_lists_its_first_failures_and_offers_a_retry():
    groups = [(f"reason {n}", [f"customer {n}.{i}" for i in range(5)]) for n in range(7)]

    message = blocks.run_message(a_run(status="finished"), "http://panel/", groups)

    text = text_of(message)
    assert "Done, 2 failed." in text
    assert "• *reason 0* (5): customer 0.0, customer 0.1, customer 0.2 and 2 more" in text
    assert "reason 4" in text and "reason 5" not in text and "… and 2 other reason(s)" in text
    retry, link = message["blocks"][-1]["elements"]
    assert (retry["action_id"], retry["value"]) == ("retry_failed", "7")
    assert link["url"] == "http://panel/runs/7"
    assert message["text"].startswith("#7 customers export (slack by @ana) finished")


def test_no_retry_button_while_running_or_for_a_dry_run():
    for run in (a_run(), a_run(status="finished", dry_run=True)):
        actions = blocks.run_message(run, "http://panel")["blocks"][-1]["elements"]
        assert [a["action_id"] for a in actions] == ["open_run"]


def test_a_dry_run_shows_its_plan():
    plan = [{"record": f"Shop {n}", "object": "company", "action": "create", "reason": ""}
            for n in range(12)] + [{"record": "Bar", "object": "contact", "action": "update",
                                    "reason": "name changed"}]
    run = a_run(status="finished", dry_run=True, plan=plan, failed=0)

    text = text_of(blocks.run_message(run, "http://panel"))

    assert "dry run · finished" in text and "3 to create · 40 to update" in text
    assert "*Plan:* 12 create, 1 update" in text
    assert "• create company Shop 0" in text and "… and 3 more in the panel" in text


def test_a_refused_run_says_why():
    run = a_run(status="refused", message="synchronisation is switched off (CON-2)")

    assert "synchronisation is switched off" in text_of(blocks.run_message(run, "p"))


def test_who_started_a_run_in_words():
    assert blocks.origin(a_run(trigger="schedule", who="")) == "scheduled"
    assert blocks.origin(a_run(trigger="retry", retry_of=3)) == "retry of #3 by @ana"
    assert blocks.origin(a_run(trigger="panel", who="admin")) == "started from the panel by admin"


def test_long_texts_are_cut_to_what_slack_accepts():
    section = blocks.section("x" * 5000)

    assert len(section["text"]["text"]) == 3000


def test_the_daily_message_reads_per_entity_and_direction():
    summary = {("customers", "export"): {"created": 2, "updated": 10, "unchanged": 30,
                                         "failed": 1, "runs": 12}}
    since = datetime.datetime(2026, 11, 20, 8, 0)
    still = [(a_run(status="finished"), [("Email: bad", ["Arabella"])], since)]

    text = text_of(blocks.daily_message(summary, {"customers": ["Arabella"]}, [], still))

    assert "• *customers* Cin7 → HubSpot: 2 created · 10 updated · 30 unchanged · 1 failed " \
           "(12 run(s))" in text
    assert "• customers: 1 — Arabella" in text
    assert "*Still failing* since 2026-11-20 08:00 UTC" in text and "*Email: bad* (1)" in text


def test_help_lists_every_command_with_one_line():
    text = text_of(blocks.help_message())

    for command in ("/sync customers|products|sales|all", "/syncstatus", "/match joor"):
        assert f"`{command}` — " in text


def test_names_and_reasons_are_escaped_for_slack():
    groups = [("'<b>' is not a valid e-mail address", ["Smith & Sons <UK>"])]

    text = text_of(blocks.run_message(a_run(status="finished"), "p", groups))

    assert "Smith &amp; Sons &lt;UK&gt;" in text and "'&lt;b&gt;' is not" in text
    assert "<UK>" not in text
