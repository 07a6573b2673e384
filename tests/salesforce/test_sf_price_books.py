"""Price books page and `syncdesk pricebooks`: load the books as a run, map tiers to active
custom books; inactive, unknown and standard books are refused with their reason."""

import pytest
from click.testing import CliRunner

import tasks
from core import accounts, references, settings
from core.cli import cli
from tests.salesforce.conftest import sf_records
from tests.web.conftest import PASSWORD, USER, Panel, text
from web import create_app


@pytest.fixture
def panel(salesforce_crm):
    previous, was_immediate = tasks.app.config, tasks.huey.immediate
    tasks.configure(salesforce_crm, immediate=True)
    app = create_app(salesforce_crm, {"TESTING": True})
    accounts.create_admin(USER, PASSWORD)
    client = Panel(app.test_client())
    assert client.sign_in().status_code == 302
    yield client
    tasks.configure(previous, immediate=was_immediate)


def book_ids(sandbox):
    return {b["Name"]: b["Id"] for b in sf_records(sandbox, "Pricebook2")}


def test_loading_is_a_run_and_the_page_lists_books_with_their_state(panel, sandbox):
    page = text(panel.get("/price-books/"))
    assert "have not been read yet" in page and "Price books" in text(panel.get("/"))
    response = panel.post("/price-books/load")
    assert response.status_code == 302 and "/runs/" in response.headers["Location"]
    references.save("price_tiers", ["Wholesale", "Retail", "Distributor"])
    page = text(panel.get("/price-books/"))
    assert "Standard Price Book" in page and "Wholesale" in page
    assert "inactive: activate it in Salesforce" in page  # Old catalogue


def test_saving_maps_tiers_and_refuses_an_inactive_book(panel, sandbox):
    panel.post("/price-books/load")
    ids = book_ids(sandbox)
    response = panel.post("/price-books/", {f"book.{ids['Retail']}": "Retail",
                                            "products.price_tier": "Wholesale"})
    assert response.status_code == 302
    assert settings.get("salesforce.price_books") == {"Retail": ids["Retail"]}
    assert settings.get("products.price_tier") == "Wholesale"
    refused = panel.post("/price-books/", {f"book.{ids['Old catalogue']}": "Retail"})
    assert refused.status_code == 400
    assert "&#39;Old catalogue&#39; is inactive" in text(refused)
    assert settings.get("salesforce.price_books") == {"Retail": ids["Retail"]}
    twice = panel.post("/price-books/", {f"book.{ids['Retail']}": "Retail",
                                         f"book.{ids['Wholesale']}": "Retail"})
    assert twice.status_code == 400 and "chosen for more than one price book" in text(twice)


def test_the_cli_lists_books_and_maps_a_tier(salesforce_crm, sandbox, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", salesforce_crm.database_url)
    for key in ("login_url", "audience", "client_id", "username", "private_key"):
        monkeypatch.setenv(f"SALESFORCE_{key.upper()}", getattr(salesforce_crm,
                                                                 f"salesforce_{key}"))
    monkeypatch.setenv("SALESFORCE_CALLS_PER_SECOND", "0")
    retail = book_ids(sandbox)["Retail"]
    result = CliRunner().invoke(cli, ["pricebooks", "--map", f"Retail={retail[:15]}"])
    assert result.exit_code == 0, result.output
    assert settings.get("salesforce.price_books") == {"Retail": retail}  # the 18-character id
    line = next(x for x in result.output.splitlines() if "Retail" in x)
    assert "active" in line and line.rstrip().endswith("Retail")
    assert "standard" in next(x for x in result.output.splitlines() if "Standard" in x)
    refused = CliRunner().invoke(cli, ["pricebooks", "--map", "Retail=01sNOPE"])
    assert refused.exit_code != 0 and "has no price book 01sNOPE" in refused.output


def test_the_panel_names_salesforce_in_directions(panel, sandbox):
    page = text(panel.get("/settings/"))
    assert "Cin7 → Salesforce" in page and "Cin7 → HubSpot" not in page
