"""Sales from Salesforce (EXT-2, SAL-5 … SAL-9): won opportunities or accepted quotes become
one Cin7 sale each, with their lines, the Account as the customer and the id as ExternalID."""

from core import runner, settings, status
from tests.test_sales_import import stocked_products


def sales_of(sandbox, record_id):
    return [s for s in sandbox.get("cin7/sales") if s.get("ExternalID") == record_id]


def run_import(config, **kwargs):
    run = runner.sync(config, "sales", "import", **kwargs)
    assert run.status == "finished", run.message
    return run


def won_opportunity(org, sandbox, name="Harbour spring order", stage="Closed Won", **fields):
    product, other = stocked_products(sandbox)
    _, entry = org.product(product)
    _, other_entry = org.product(other, linked=False)  # matched by ProductCode (SKU)
    account = org.account("Harbour Outfitters")
    org.make("Contact", LastName="Lee", FirstName="Ana", Email="ana@harbour.example",
             AccountId=account, Phone="+61 3 6200 0000")
    opportunity = org.opportunity(name, stage, account,
                                  [(entry, 2, 12.5, 10), (other_entry, 1, 30, None)],
                                  Description="Deliver before Friday", **fields)
    org.entries = (entry, other_entry)
    return opportunity, (product, other)


def test_a_closed_won_opportunity_becomes_one_sale_with_its_lines(sf_sales, org, sandbox):
    opportunity, (product, other) = won_opportunity(org, sandbox)
    run = run_import(sf_sales)
    [sale] = sales_of(sandbox, opportunity)
    assert run.created == 1
    assert sale["Status"] == "ORDERED" and sale["CustomerReference"] == "Harbour spring order"
    lines = sale["Order"]["Lines"]
    assert [(ln["SKU"], ln["Quantity"], ln["Price"], ln["Discount"]) for ln in lines] == [
        (product["SKU"], 2, 12.5, 10), (other["SKU"], 1, 30, 0)]
    assert sale["Order"]["Memo"] == "Deliver before Friday"
    assert sale["ShippingAddress"]["City"] == "Hobart"
    customer = next(c for c in sandbox.get("cin7/customers") if c["ID"] == sale["CustomerID"])
    assert customer["Name"] == "Harbour Outfitters"  # the Account, imported first
    assert [c["Email"] for c in customer["Contacts"]] == ["ana@harbour.example"]


def test_run_twice_the_sale_is_made_once(sf_sales, org, sandbox):
    opportunity, _ = won_opportunity(org, sandbox)
    run_import(sf_sales)
    org.update("Opportunity", opportunity, Description="changed after the sale")
    again = run_import(sf_sales)
    assert len(sales_of(sandbox, opportunity)) == 1
    assert again.created == 0


def test_the_account_contact_details_are_refreshed_on_the_way(sf_sales, org, sandbox):
    first, _ = won_opportunity(org, sandbox)
    run_import(sf_sales)
    [sale] = sales_of(sandbox, first)
    account = org.client.record("Opportunity", first, ["AccountId"]).get("AccountId")
    org.make("Contact", LastName="Shaw", FirstName="Bo", Email="bo@harbour.example",
             AccountId=account)
    entry = org.entries[0]
    second = org.opportunity("Second order", "Closed Won", account, [(entry, 1, 5, None)])
    run_import(sf_sales)
    [again] = sales_of(sandbox, second)
    assert again["CustomerID"] == sale["CustomerID"]  # the same customer, updated
    customer = next(c for c in sandbox.get("cin7/customers") if c["ID"] == sale["CustomerID"])
    assert {c["Email"] for c in customer["Contacts"]} == {"ana@harbour.example",
                                                         "bo@harbour.example"}


def test_not_yet_won_and_closing_before_the_date_are_skipped(sf_sales, org, sandbox):
    settings.set("sales.import_since", "2026-06-01")
    open_one, _ = won_opportunity(org, sandbox, "Still talking", stage="Negotiation/Review")
    account = org.client.record("Opportunity", open_one, ["AccountId"]).get("AccountId")
    entry = org.entries[0]
    early = org.opportunity("Won last year", "Closed Won", account, [(entry, 1, 5, None)],
                            close="2025-12-01")
    run = run_import(sf_sales)
    assert sales_of(sandbox, open_one) == [] and sales_of(sandbox, early) == []
    assert run.created == 0
    org.update("Opportunity", open_one, StageName="Closed Won")
    run_import(sf_sales)
    assert len(sales_of(sandbox, open_one)) == 1


def test_an_unknown_product_skips_the_opportunity_naming_it(sf_sales, org, sandbox):
    _, entry = org.product(name="Unicorn saddle", sku="UNI-001")
    account = org.account("Mystery Buyer")
    opportunity = org.opportunity("Mystery", "Closed Won", account, [(entry, 1, 99, None)])
    run = run_import(sf_sales)
    assert sales_of(sandbox, opportunity) == [] and run.failed == 1
    [pending] = status.pending("sales", "import")
    assert pending.record_id == opportunity and "UNI-001" in pending.reason
    # Fixed on the product only (the opportunity itself does not change): the waiting
    # opportunity is read again and imported.
    [known] = stocked_products(sandbox, 1)
    product = org.client.record("PricebookEntry", entry, ["Product2Id"]).get("Product2Id")
    org.update("Product2", product, ProductCode=known["SKU"])
    run_import(sf_sales)
    assert len(sales_of(sandbox, opportunity)) == 1
    assert status.pending("sales", "import") == []


def test_accepted_quotes_mode(sf_sales, org, sandbox):
    settings.set("salesforce.sales_from", "quotes")
    opportunity, _ = won_opportunity(org, sandbox, stage="Proposal/Price Quote")
    entry = org.entries[0]
    accepted = org.quote(opportunity, "Spring quote", "Accepted", [(entry, 3, 12, None)])
    draft = org.quote(opportunity, "Draft quote", "Draft", [(entry, 1, 12, None)])
    run = run_import(sf_sales)
    [sale] = sales_of(sandbox, accepted)
    assert sales_of(sandbox, draft) == [] and sales_of(sandbox, opportunity) == []
    assert run.created == 1 and sale["Status"] == "ESTIMATED"
    assert [ln["Quantity"] for ln in sale["Quote"]["Lines"]] == [3]


def test_a_dry_run_shows_the_sale_it_would_make_and_writes_nothing(sf_sales, org, sandbox):
    opportunity, _ = won_opportunity(org, sandbox)
    run = runner.sync(sf_sales, "sales", "import", dry_run=True)
    assert run.status == "finished", run.message
    assert [(p["record"], p["action"], p["reason"]) for p in run.plan] == [
        ("Harbour spring order", "create", "as ORDERED")]
    assert sales_of(sandbox, opportunity) == []


def test_without_its_trigger_settings_the_import_is_refused(sf_in, sandbox):
    settings.set("sales.direction", "import")
    run = runner.sync(sf_in, "sales", "import")
    assert run.status == "refused" and "salesforce.sales_from" in run.message
    settings.set("salesforce.sales_from", "opportunities")
    run = runner.sync(sf_in, "sales", "import")
    assert run.status == "refused" and "salesforce.trigger_stage" in run.message
