"""What an admin does in the panel, in a real browser: sign in, set a direction, run, unlink."""

from playwright.sync_api import expect

from core import runner, settings
from core.connectors.cin7 import Cin7
from core.customers import listing as customer_list
from core.store import Link
from tests.browser.conftest import PASSWORD, USER


def test_sign_in_takes_the_admin_to_the_page_asked_for(tab, live_panel):
    page = tab
    page.goto(f"{live_panel}/runs/")
    expect(page).to_have_url(f"{live_panel}/login?next=/runs/")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", "wrong password")
    page.click("button:has-text('Sign in')")
    expect(page.get_by_role("alert")).to_have_text("wrong user name or password")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page).to_have_url(f"{live_panel}/runs/")
    expect(page.get_by_role("heading", name="Runs", exact=True)).to_be_visible()


def test_changing_a_direction_updates_the_section_in_place(signed_in):
    page = signed_in
    page.click("nav >> text=Settings")
    page.select_option("#customers-direction", "import")
    page.click("button:has-text('Save directions')")
    expect(page.locator("#directions .flash.success")).to_have_text("customers: import")
    assert settings.get("customers.direction") == "import"
    page.select_option("#sales-direction", "export")
    page.click("button:has-text('Save directions')")
    expect(page.locator("#customers-direction")).to_be_disabled()
    expect(page.locator("#customers-direction")).to_have_value("export")
    page.reload()
    expect(page.locator("#sales-direction")).to_have_value("export")


def test_a_run_started_from_the_panel_shows_progress_until_finished(signed_in, sandbox):
    page = signed_in
    # HubSpot answers slowly for a moment, so the run is seen running before it ends.
    sandbox.fault(system="hubspot", kind="slow", delay=1.5, count=2)
    page.click("nav >> text=Runs")
    page.select_option("#run-entity", "customers")
    page.click("#run-now")
    expect(page).to_have_url(f"{page.base}/runs/1")
    run = page.locator("#run")
    expect(run).to_have_attribute("data-status", "running", timeout=20_000)
    expect(page.locator("#run progress")).to_be_visible()
    expect(run).to_have_attribute("data-status", "finished", timeout=30_000)
    expect(page.locator("#run-status")).to_have_text("finished")
    expect(run).not_to_have_attribute("hx-trigger", "load delay:1s")  # polling stopped
    read = len(sandbox.get("cin7/customers"))
    expect(page.locator(".counts .read dd")).to_have_text(str(read))


def test_searching_a_customer_and_unlinking_it(signed_in, config, sandbox):
    page = signed_in
    runner.sync(config, "customers")  # every customer listed in HubSpot
    customer_list.refresh(Cin7(config))
    customer = next(c for c in sandbox.get("cin7/customers") if c["Status"] == "Active")
    page.click("nav >> text=Customers")
    page.fill("#customer-search", customer["Name"])
    row = page.locator("table.customers tbody tr", has_text=customer["Name"])
    expect(page.locator("#customers-table .toolbar .muted")).to_contain_text("match")
    expect(row.first).to_contain_text("listed")
    assert "q=" in page.url  # the search is in the address bar, so it can be shared
    page.once("dialog", lambda dialog: dialog.accept())
    row.first.locator("button.unlink").click()
    expect(row.first).to_contain_text("not listed")
    expect(row.first).to_contain_text("unlinked")
    assert not Link.select().where(Link.entity == "customer",
                                   Link.cin7_id == customer["ID"]).exists()
    assert sandbox.hubspot("companies") or sandbox.hubspot("contacts")  # HubSpot keeps them


def test_mapping_deal_stages_after_loading_the_pipelines(signed_in):
    page = signed_in
    page.click("nav >> text=Deal stages")
    page.click("#load-pipelines")  # a run: its page follows it until it ends
    expect(page.locator("#run")).to_have_attribute("data-status", "finished", timeout=20_000)
    page.click("nav >> text=Deal stages")
    page.select_option("#pipeline", "default")
    expect(page.locator("select[name='stage.contractsent']")).to_be_visible()  # htmx swap
    page.select_option("select[name='stage.contractsent']", "ORDERED")
    page.select_option("#trigger-stage", "contractsent")
    page.click("#save-stages")
    expect(page.locator(".flash.success")).to_have_text("Deal stages and sales options saved.")
    page.reload()
    expect(page.locator("select[name='stage.contractsent']")).to_have_value("ORDERED")
    assert settings.get("sales.stage_map") == {"contractsent": "ORDERED"}


def test_choosing_another_crm_changes_the_navigation_and_the_words(signed_in):
    page = signed_in
    page.click("nav >> text=Settings")
    expect(page.locator("nav >> text=Deal stages")).to_be_visible()
    page.select_option("#crm-choice", "salesforce")
    page.click("button:has-text('Save CRM')")
    expect(page.get_by_text("Connected CRM: Salesforce.")).to_be_visible()
    expect(page.locator("nav >> text=Deal stages")).to_have_count(0)
    expect(page.locator("#customers-direction option[value=export]")).to_have_text(
        "Cin7 → Salesforce")
    page.click("nav >> text=Connections")
    expect(page.get_by_role("heading", name="Salesforce")).to_be_visible()
    expect(page.get_by_role("heading", name="HubSpot")).to_have_count(0)
    assert settings.crm() == "salesforce"
