"""The Deal stages page (SAL-1, WEB-1) and the Sales page, as an admin uses them."""

import csv
import io

from core import runs, settings
from core.records import Sale
from core.sales import listing as sale_list
from tests.web.conftest import text


def load(panel):
    response = panel.post("/deal-stages/load", follow_redirects=True)
    assert "deal pipelines from HubSpot read" in text(response)  # a run's page


def test_loading_pipelines_then_mapping_stages_is_saved(panel):
    assert "have not been read yet" in text(panel.get("/deal-stages/"))
    load(panel)
    page = text(panel.get("/deal-stages/"))
    assert "Sales Pipeline (default)" in page and "Wholesale" in page
    response = panel.post("/deal-stages/", {
        "sales.pipeline": "default", "stage.decisionmakerboughtin": "ESTIMATED",
        "stage.contractsent": "ORDERED", "stage.closedlost": "VOIDED",
        "sales.trigger_stage": "contractsent", "sales.import_since": "2026-01-01",
        "sales.when_short": "wait", "sales.import_type": "advanced"}, follow_redirects=True)
    assert "Deal stages and sales options saved." in text(response)
    assert settings.get("sales.stage_map") == {"decisionmakerboughtin": "ESTIMATED",
                                               "contractsent": "ORDERED",
                                               "closedlost": "VOIDED"}
    assert settings.get("sales.trigger_stage") == "contractsent"
    assert (settings.get("sales.when_short"), settings.get("sales.import_type")) == \
        ("wait", "advanced")
    assert settings.get("sales.import_authorise") is False  # the box was left unticked
    page = text(panel.get("/deal-stages/"))
    assert 'value="ESTIMATED" selected' in page


def test_a_status_on_two_stages_is_refused_with_the_reason(panel):
    load(panel)
    response = panel.post("/deal-stages/", {"sales.pipeline": "default",
                                            "stage.closedwon": "INVOICED",
                                            "stage.contractsent": "INVOICED"})
    assert response.status_code == 400
    assert "INVOICED is mapped to two stages" in text(response)
    assert settings.get("sales.stage_map") == {}


def test_choosing_another_pipeline_shows_its_stages_alone(panel):
    load(panel)
    part = text(panel.get("/deal-stages/?sales.pipeline=7331956", htmx=True))
    assert "Order Requested" in part and "<html" not in part


def sales():
    return [Sale(id=f"S-{i}", order_number=f"SO-{i:03}", customer=name, status=status,
                 order_total=100.0 + i, currency="USD")
            for i, (name, status) in enumerate([("Acme", "ORDERED"), ("Bolt Ltd", "INVOICED"),
                                                ('=HYPERLINK("x")', "ESTIMATED")])]


def test_the_sales_list_searches_filters_and_downloads(panel):
    sale_list.save(sales())
    page = text(panel.get("/sales/"))
    assert "3 sales" in page and "SO-001" in page and "101.00 USD" in page
    assert "Sales are set to off" in page
    searched = text(panel.get("/sales/?q=acme"))
    assert "SO-000" in searched and "SO-001" not in searched
    assert "1 sale match" in searched  # the count of a search, not a sale's total
    invoiced = text(panel.get("/sales/?status=INVOICED"))
    assert "1 sale match" in invoiced and "Bolt Ltd" in invoiced
    table = list(csv.reader(io.StringIO(panel.get("/sales/export.csv").get_data(as_text=True))))
    assert table[0][:3] == ["cin7_id", "order_number", "customer"]
    assert "'=HYPERLINK(\"x\")" in [row[2] for row in table]


def test_export_now_runs_that_sale_alone(panel, config):
    settings.set("sales.direction", "export")
    sale_list.save(sales())
    response = panel.post("/sales/S-1/sync")
    assert response.status_code == 302 and "/runs/" in response.headers["Location"]
    [run] = runs.recent(entity="sales")
    assert run.only == ["S-1"]
