"""The panel's JOOR pages: settings, upload list with CSV, the review with htmx, unmatched.

The last test drives the review page in Debian's chromium (Playwright)."""

import csv
import io
import threading

import pytest
from werkzeug.serving import make_server

from core import accounts, runner, runs, settings
from core.joor import review as joor_review
from core.joor.models import MatchProposal
from core.store import Link
from tests.web.conftest import PASSWORD, USER, Panel, text


@pytest.fixture
def app(worker):
    from web import create_app

    return create_app(worker, {"TESTING": True})


@pytest.fixture
def panel(app):
    accounts.create_admin(USER, PASSWORD)
    client = Panel(app.test_client())
    assert client.sign_in().status_code == 302
    return client


def match(config):
    row, _ = runs.request("joor", "match", "cli")
    return runner.execute(config, row.id)


def test_the_joor_page_needs_a_signed_in_admin(app):
    assert Panel(app.test_client()).get("/joor/").status_code == 302


def test_settings_switch_upload_and_update_and_choose_the_code_field(panel):
    page = text(panel.get("/joor/"))
    assert "Upload customers to JOOR" in page and 'id="joor-upload" checked' in page
    response = panel.post("/joor/settings", {"update": "on", "customer_code_field": "TaxNumber"})
    assert response.status_code == 302
    assert settings.get("joor.upload") is False and settings.get("joor.update") is True
    assert settings.get("joor.customer_code_field") == "TaxNumber"


def test_upload_list_filters_by_name_and_downloads_as_csv(panel, worker, joor):
    match(worker)
    rows = text(panel.get("/joor/upload"))
    assert "3 customers may already be in JOOR" in rows  # held back for the match review
    name = next(c["Name"] for c in joor.cin7()
                if c["Status"] == "Active" and c["Name"].split()[0] in rows
                and c["ID"] in rows)
    word = name.split()[0]
    filtered = text(panel.get(f"/joor/upload?q={word}", htmx=True))
    assert name in filtered and "<html" not in filtered  # the table alone, for htmx
    download = panel.get(f"/joor/upload.csv?q={word}")
    assert download.headers["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert table[0][:3] == ["Cin7 id", "Name", "Customer code"]
    assert name in [row[1] for row in table[1:]]
    assert all(word.lower() in row[1].lower() for row in table[1:])


def test_upload_selected_queues_a_run_that_sends_them_to_joor(panel, worker, joor):
    match(worker)
    chosen = [row.split('value="')[1].split('"')[0] for row in
              text(panel.get("/joor/upload")).split('name="ids" ')[1:3]]
    response = panel.post("/joor/run/upload", {"ids": chosen})
    assert response.status_code == 302 and "/runs/" in response.headers["Location"]
    (job,) = joor.jobs()
    assert sorted(r["customer_code"] for r in job["records"]) == sorted(chosen)
    states = text(panel.get("/joor/customers?state=queued"))
    assert states.count("badge queued") == 2


def test_review_confirm_with_htmx_swaps_the_row_for_the_outcome(panel, worker, joor):
    match(worker)
    page = text(panel.get("/joor/match"))
    pair = joor_review.next_pairs(1)[0]
    assert pair.cin7_name in page and "3 pairs to review" in page
    row = text(panel.post(f"/joor/match/{pair.id}/confirm", htmx=True))
    assert row.strip().startswith(f'<tr id="pair-{pair.id}"') and "linked" in row
    assert Link.get(Link.cin7_id == pair.cin7_id).remote_key == pair.joor_code
    skipped = joor_review.next_pairs(1)[0]
    row = text(panel.post(f"/joor/match/{skipped.id}/skip", htmx=True))
    assert "later" in row and MatchProposal.get_by_id(skipped.id).skips == 1


def test_unmatched_lists_customers_and_connections(panel, worker, joor):
    done = match(worker)
    page = text(panel.get("/joor/unmatched"))
    assert f"Cin7 customers with no JOOR match <span class=\"small muted\">{done.unchanged}" in page
    stranger = next(c for c in joor.connections() if c["_source"] is None)
    assert stranger["customer_code"] in page


@pytest.mark.browser
def test_review_in_the_browser_confirms_and_rejects_pairs_in_place(app, worker, joor, tab):
    from playwright.sync_api import expect

    match(worker)
    accounts.create_admin(USER, PASSWORD)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        tab.goto(f"{base}/joor/match")
        tab.fill("input[name=username]", USER)
        tab.fill("input[name=password]", PASSWORD)
        tab.click("button:has-text('Sign in')")
        expect(tab).to_have_url(f"{base}/joor/match")
        first, second = joor_review.next_pairs(2)
        tab.click(f"#pair-{first.id} button:has-text('Confirm')")
        expect(tab.locator(f"#pair-{first.id} .badge")).to_have_text("linked")
        tab.click(f"#pair-{second.id} button:has-text('Reject')")
        expect(tab.locator(f"#pair-{second.id} .badge")).to_have_text("rejected")
        expect(tab).to_have_url(f"{base}/joor/match")  # swapped in place, no page load
        assert Link.get(Link.cin7_id == first.cin7_id).remote_key == first.joor_code
        assert MatchProposal.get_by_id(second.id).status == "rejected"
        tab.click("nav >> text=JOOR")
        expect(tab.locator("#state-connected")).to_be_visible()
    finally:
        server.shutdown()
        server.server_close()


def test_joor_downloads_never_hand_a_spreadsheet_a_formula(panel, worker, joor):
    hostile = ['=HYPERLINK("http://evil.test","x")', "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)"]
    active = [c for c in joor.cin7() if c["Status"] == "Active"][:3]
    for customer, name in zip(active, hostile, strict=True):
        joor.edit_customer(customer["ID"], Name=name)
    panel.post("/joor/refresh", {})
    names = set()
    for kind in ("upload", "update", "customers"):
        table = list(csv.reader(io.StringIO(panel.get(f"/joor/{kind}.csv").get_data(
            as_text=True))))
        names |= {row[1] for row in table[1:]}
    assert not any(name[:1] in "=+-@" for name in names if name)
    assert {"'" + name for name in hostile} & names


def test_choosing_cin7_omni_on_the_joor_page_reads_omni_and_says_hubspot_stays_on_core(
        panel, joor):
    page = panel.post("/joor/settings", {"upload": "on", "update": "on", "source": "omni",
                                         "customer_code_field": "ID"}, follow_redirects=True)
    assert "JOOR settings saved." in text(page) and settings.get("joor.source") == "omni"
    assert "CRM syncs (customers, products, sales) work with Cin7 Core only" in text(page)
    assert "AdditionalAttribute1" not in text(page)  # Omni contacts have none
    refused = panel.post("/joor/settings", {"source": "omni",
                                            "customer_code_field": "AdditionalAttribute1"},
                         follow_redirects=True)
    assert "not a Cin7 Omni field that can be the customer code" in text(refused)
    panel.post("/joor/refresh", {})  # a refresh run, executed inline by the test worker
    rows = list(csv.reader(io.StringIO(text(panel.get("/joor/upload.csv")))))[1:]
    assert rows and all(row[0].isdigit() for row in rows)  # Omni's ids, not Core's
    connections = text(panel.get("/connections/"))
    assert "Cin7 Omni" in connections and 'id="omni-source"' in connections
