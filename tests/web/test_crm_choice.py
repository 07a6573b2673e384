"""One connected CRM per install: the admin picks it, and every page speaks its words."""

from core import cursors, runner, runs, settings
from tests.web.conftest import text


def choose(panel, crm):
    return panel.post("/settings/crm", {"crm": crm}, follow_redirects=True)


def test_hubspot_is_the_default_crm(panel):
    page = text(panel.get("/settings/"))
    assert 'id="crm-choice"' in page
    assert '<option value="hubspot" selected>HubSpot</option>' in page
    assert "Cin7 → HubSpot" in page


def test_choosing_salesforce_changes_the_words_the_pages_and_the_connections(panel):
    page = text(choose(panel, "salesforce"))
    assert settings.crm() == "salesforce"
    assert "Connected CRM: Salesforce." in page
    assert "Cin7 → Salesforce" in page and "Cin7 → HubSpot" not in page
    # HubSpot-only pages leave the navigation (field mappings stay: Account fields, CUS-6);
    # the connections list the chosen CRM only.
    assert "Deal stages" not in page and "Field mappings" in page
    connections = text(panel.get("/connections/"))
    assert 'id="salesforce"' in connections and 'id="hubspot"' not in connections
    assert 'id="capsule"' not in connections
    assert "<textarea name=\"salesforce_private_key\"" in connections
    sales = text(panel.get("/sales/"))
    assert "Salesforce opportunity" in sales


def test_capsule_speaks_of_organisations_and_its_card_asks_for_a_token(panel):
    choose(panel, "capsule")
    connections = text(panel.get("/connections/"))
    assert 'id="capsule"' in connections and "Personal access token" in connections
    assert "Cin7 → Capsule" in text(panel.get("/settings/"))


def test_an_unknown_crm_is_refused_with_the_choices(panel):
    page = text(choose(panel, "pipedrive"))
    assert settings.crm() == "hubspot"
    assert "expected one of hubspot, salesforce, capsule" in page


def test_switching_crm_starts_the_new_crms_syncs_from_the_top(panel):
    window = cursors.open_window("customers", "export")
    cursors.page_done("customers", "export", window, 1)
    cursors.window_done("customers", "export", window)
    assert cursors.open_window("customers", "export").since is not None
    choose(panel, "salesforce")
    assert cursors.open_window("customers", "export").since is None


def test_a_flow_the_chosen_crm_lacks_is_refused_in_its_name(config):
    settings.set("crm", "salesforce")
    run = runs.new_run("products", "remove", "cli", "", False, False, ["1"])
    done = runner.execute(config, run.id)
    assert done.status == "refused"
    assert "products remove is not available with Salesforce" in done.message


def test_with_salesforce_sales_in_leave_products_going_out(panel):
    """Cin7's Salesforce integration: products and prices out, won opportunities in."""
    choose(panel, "salesforce")
    response = panel.post("/settings/directions", {"products.direction": "export",
                                                   "sales.direction": "import"},
                          follow_redirects=True)
    assert [settings.get(f"{e}.direction") for e in ("sales", "customers", "products")] == \
        ["import", "import", "export"]
    page = text(response)
    assert "customers follow the sales direction (SET-1); products stay as chosen" in page
    assert page.count("follows sales") == 1
    refused = panel.post("/settings/directions", {"products.direction": "import"},
                         follow_redirects=True)
    assert "products cannot import from Salesforce" in text(refused)
    assert settings.get("products.direction") == "export"


def test_the_sales_page_names_the_crms_records_in_its_words(panel):
    choose(panel, "salesforce")
    settings.set("sales.direction", "off")
    page = text(panel.get("/sales/"))
    assert "Salesforce opportunities are written only when sales export" in page
    assert "No deal pipeline is chosen" not in page
