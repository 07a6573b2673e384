"""Products out to Salesforce (EXT-2, as PRD-1/4/5 for HubSpot): Product2 by the external id,
stock fields, and prices as price book entries, the standard book first."""

from collections import Counter

import pytest
import requests

from core import runner, settings
from core.connectors.salesforce import Salesforce
from tests.salesforce.conftest import sf_records, sf_writes

CIN7 = {"api-auth-accountid": "sandbox-account", "api-auth-applicationkey": "sandbox-key"}


def books(sandbox):
    return {b["Name"]: b["Id"] for b in sf_records(sandbox, "Pricebook2")}


@pytest.fixture
def mapped(salesforce_crm, sandbox):
    """Wholesale and Retail tiers mapped to the org's books of those names."""
    runner.sync(salesforce_crm, "pricebooks", "refresh")
    found = books(sandbox)
    settings.set("salesforce.price_books", f"Retail={found['Retail']}")
    return salesforce_crm


def export(config, **kwargs):
    run = runner.sync(config, "products", "export", **kwargs)
    assert run.status == "finished", run.message
    return run


def cin7_products(sandbox):
    return sandbox.get("cin7/products")


def products_by_cin7_id(sandbox):
    return {p["Cin7_Product_ID__c"]: p for p in sf_records(sandbox, "Product2")}


def entries(sandbox):
    """{(Cin7 product id, book name, currency): UnitPrice}, and how often each key is there."""
    ids = {p["Id"]: p["Cin7_Product_ID__c"] for p in sf_records(sandbox, "Product2")}
    names = {b["Id"]: b["Name"] for b in sf_records(sandbox, "Pricebook2")}
    found = [((ids[e["Product2Id"]], names[e["Pricebook2Id"]], e.get("CurrencyIsoCode")),
              e["UnitPrice"]) for e in sf_records(sandbox, "PricebookEntry")]
    return dict(found), Counter(key for key, _ in found)


def tier(product, name):
    names = ["Wholesale", "Retail", "Distributor"]
    return product[f"PriceTier{names.index(name) + 1}"]


def test_products_land_with_standard_and_mapped_prices(mapped, sandbox):
    run = export(mapped)
    products, listed = cin7_products(sandbox), products_by_cin7_id(sandbox)
    assert run.created == len(products) and sorted(listed) == sorted(p["ID"] for p in products)
    sample = next(p for p in products if p["Status"] == "Active" and p["Sellable"])
    got = listed[sample["ID"]]
    assert (got["Name"], got["ProductCode"], got["IsActive"]) == (sample["Name"], sample["SKU"],
                                                                  True)
    assert got["Family"] == (sample["Category"] or None)
    prices, counts = entries(sandbox)
    assert prices[(sample["ID"], "Standard Price Book", "USD")] == pytest.approx(
        tier(sample, "Wholesale"))
    assert prices[(sample["ID"], "Retail", "USD")] == pytest.approx(tier(sample, "Retail"))
    assert max(counts.values()) == 1
    assert not any(book == "Wholesale" for _, book, _ in prices)  # not mapped: no entry
    assert "price book entries" in run.message


def test_deprecated_and_unsellable_products_are_inactive(mapped, sandbox):
    export(mapped)
    products, listed = cin7_products(sandbox), products_by_cin7_id(sandbox)
    deprecated = next(p for p in products if p["Status"] == "Deprecated")
    unsellable = next(p for p in products if p["Status"] == "Active" and not p["Sellable"])
    assert listed[deprecated["ID"]]["IsActive"] is False
    assert listed[unsellable["ID"]]["IsActive"] is False


def test_a_rerun_without_change_writes_nothing(mapped, sandbox):
    export(mapped)
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    run = export(mapped)
    assert (run.created, run.updated) == (0, 0)
    assert sf_writes(sandbox) == []


def test_a_price_change_updates_only_that_entry(mapped, sandbox):
    export(mapped)
    product = cin7_products(sandbox)[0]
    before, _ = entries(sandbox)
    r = requests.put(f"{sandbox.url}/cin7/ExternalApi/v2/product", headers=CIN7, timeout=10,
                     json={"ID": product["ID"], "PriceTier2": tier(product, "Retail") + 5})
    assert r.status_code == 200, r.text
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    run = export(mapped)
    after, counts = entries(sandbox)
    assert after[(product["ID"], "Retail", "USD")] == pytest.approx(tier(product, "Retail") + 5)
    assert {k: v for k, v in after.items() if k[:2] != (product["ID"], "Retail")} == {
        k: v for k, v in before.items() if k[:2] != (product["ID"], "Retail")}
    writes = sf_writes(sandbox)
    assert [(e["method"], len(e["json"]["records"])) for e in writes] == [("PATCH", 1)]
    assert writes[0]["json"]["records"][0]["attributes"]["type"] == "PricebookEntry"
    assert run.updated == 0 and max(counts.values()) == 1


def test_stock_follows_changes_that_do_not_touch_the_product(mapped, sandbox):
    export(mapped)
    stock = requests.get(f"{sandbox.url}/cin7/ExternalApi/v2/ref/productavailability",
                         params={"Limit": 1000}, headers=CIN7, timeout=10).json()
    row = stock["ProductAvailabilityList"][0]
    total = sum(r["OnHand"] for r in stock["ProductAvailabilityList"] if r["ID"] == row["ID"])
    got = products_by_cin7_id(sandbox)[row["ID"]]
    assert got["Cin7_Stock_On_Hand__c"] == pytest.approx(total)
    assert row["Location"] in got["Cin7_Stock_By_Location__c"]
    r = requests.patch(f"{sandbox.url}/_sandbox/cin7/stock", timeout=10,
                       json={"ProductID": row["ID"], "Location": row["Location"],
                             "OnHand": row["OnHand"] + 7})
    assert r.status_code == 200, r.text
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    run = export(mapped)
    assert run.updated == 1
    got = products_by_cin7_id(sandbox)[row["ID"]]
    assert got["Cin7_Stock_On_Hand__c"] == pytest.approx(total + 7)
    assert [len(e["json"]["records"]) for e in sf_writes(sandbox)] == [1]


def test_an_org_without_the_external_id_field_is_refused_with_the_steps(salesforce_crm, sandbox,
                                                                        sf_keys):
    sandbox.reset(customers=40, salesforce_jwt_public_key=sf_keys[1],
                  salesforce_cin7_fields=False)
    run = runner.sync(salesforce_crm, "products", "export")
    assert run.status == "refused"
    assert "Setup → Object Manager → Product → Fields & Relationships → New" in run.message
    assert "Cin7_Product_ID__c" in run.message and "External ID and Unique" in run.message
    assert sf_records(sandbox, "Product2") == []
    requests.post(f"{sandbox.url}/_sandbox/salesforce/fields", timeout=10)
    assert export(salesforce_crm).created == len(cin7_products(sandbox))


def test_an_inactive_or_unknown_book_is_refused_with_its_reason(mapped, sandbox):
    with pytest.raises(settings.SettingError, match="is inactive"):
        settings.set("salesforce.price_books", f"Retail={books(sandbox)['Old catalogue']}")
    with pytest.raises(settings.SettingError, match="has no price book"):
        settings.set("salesforce.price_books", "Retail=01sSb0000000zzzAAA")
    with pytest.raises(settings.SettingError, match="standard price book"):
        settings.set("salesforce.price_books",
                     f"Retail={books(sandbox)['Standard Price Book']}")
    # A book deactivated in Salesforce after it was mapped: the run says so and writes nothing.
    retail = books(sandbox)["Retail"]
    Salesforce(mapped).update("Pricebook2", {retail: {"IsActive": False}})
    run = runner.sync(mapped, "products", "export")
    assert run.status == "refused" and "'Retail' is inactive" in run.message
    assert sf_records(sandbox, "Product2") == []


def test_dry_run_shows_the_plan_and_writes_nothing(mapped, sandbox):
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    run = runner.sync(mapped, "products", "export", dry_run=True)
    assert run.status == "finished", run.message
    assert sf_writes(sandbox) == []
    objects = Counter((p["object"], p["action"]) for p in run.plan)
    count = len(cin7_products(sandbox))
    assert objects[("Product2", "create")] == count
    assert objects[("PricebookEntry", "create")] >= count


def test_description_and_default_tier_follow_the_settings(mapped, sandbox):
    settings.set("export.product_description", "full")
    settings.set("products.price_tier", "Distributor")
    export(mapped)
    products = cin7_products(sandbox)
    sample = next(p for p in products if p["Description"] and p["ShortDescription"]
                  and p["Description"] != p["ShortDescription"])
    assert products_by_cin7_id(sandbox)[sample["ID"]]["Description"] == sample["Description"]
    prices, _ = entries(sandbox)
    assert prices[(sample["ID"], "Standard Price Book", "USD")] == pytest.approx(
        tier(sample, "Distributor"))


def test_an_org_without_cin7s_currency_is_refused_and_a_single_currency_org_has_none(
        salesforce_crm, sandbox, sf_keys):
    sandbox.reset(customers=40, salesforce_jwt_public_key=sf_keys[1],
                  salesforce_currencies=["EUR", "GBP"])
    run = runner.sync(salesforce_crm, "products", "export")
    assert run.status == "refused" and "base currency USD" in run.message
    assert "Manage Currencies" in run.message and sf_records(sandbox, "Product2") == []
    sandbox.reset(customers=40, salesforce_jwt_public_key=sf_keys[1], salesforce_currencies=[])
    export(salesforce_crm)
    prices, counts = entries(sandbox)
    assert len(prices) == len(cin7_products(sandbox)) and max(counts.values()) == 1
    assert {currency for _, _, currency in prices} == {None}


def test_exporting_one_chosen_product_writes_it_and_its_prices_only(mapped, sandbox):
    product = cin7_products(sandbox)[3]
    run = export(mapped, only=[product["ID"]])
    assert run.created == 1 and list(products_by_cin7_id(sandbox)) == [product["ID"]]
    prices, _ = entries(sandbox)
    assert set(prices) == {(product["ID"], "Standard Price Book", "USD"),
                           (product["ID"], "Retail", "USD")}


def test_richer_product_data_goes_to_the_fields_the_org_has(mapped, sandbox, sf_keys):
    export(mapped)
    plain = cin7_products(sandbox)[0]
    assert "Cin7_Brand__c" not in products_by_cin7_id(sandbox)[plain["ID"]]
    sandbox.reset(customers=40, salesforce_jwt_public_key=sf_keys[1],
                  salesforce_product_extras=True)
    settings.set("salesforce.price_books", "")  # a new org: its books are not the old ones
    export(mapped, full=True)  # the links name the old org's records: upserts find none
    products, listed = cin7_products(sandbox), products_by_cin7_id(sandbox)
    service = next(p for p in products if p["Type"] == "Service")
    deprecated = next(p for p in products if p["Status"] == "Deprecated")
    branded = next(p for p in products if p["Brand"] and p["Weight"])
    assert listed[service["ID"]]["Cin7_Type__c"] == "Service"
    assert listed[deprecated["ID"]]["Cin7_Status__c"] == "Deprecated"
    assert listed[branded["ID"]]["Cin7_Brand__c"] == branded["Brand"]
    assert listed[branded["ID"]]["Cin7_Weight__c"] == pytest.approx(branded["Weight"])
    prices, counts = entries(sandbox)
    assert len(prices) == len(products) and max(counts.values()) == 1  # standard entries


def test_a_book_mapped_later_gets_every_product_on_the_next_run(salesforce_crm, sandbox):
    """The admin maps a tier after the first export: the next ordinary run fills that book
    for every product (a re-read; unchanged Product2 are not written again)."""
    runner.sync(salesforce_crm, "pricebooks", "refresh")
    first = export(salesforce_crm)
    assert first.created == len(cin7_products(sandbox))
    settings.set("salesforce.price_books", f"Retail={books(sandbox)['Retail']}")
    again = export(salesforce_crm)
    assert again.created == 0 and again.updated == 0
    retail = [e for e in sf_records(sandbox, "PricebookEntry")
              if e["Pricebook2Id"] == books(sandbox)["Retail"]]
    priced = [p for p in cin7_products(sandbox) if p.get("PriceTier2")]
    assert priced and len(retail) == len(priced)
