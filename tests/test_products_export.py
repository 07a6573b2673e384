"""Products export against the sandbox (PRD-1, PRD-2, PRD-4, PRD-5)."""

import pytest
import requests

from core import links, runner, settings
from core.connectors.hubspot import HubSpot
from core.products import listing as product_list
from core.store import Link
from tests.test_customers_export import hubspot_writes

CIN7 = {"api-auth-accountid": "sandbox-account", "api-auth-applicationkey": "sandbox-key"}


@pytest.fixture
def exporting(config):
    settings.set("products.direction", "export")
    return config


def export(config, **kwargs):
    run = runner.sync(config, "products", "export", **kwargs)
    assert run.status == "finished", run.message
    return run


def cin7_products(sandbox):
    return sandbox.get("cin7/products")


def hubspot_products(sandbox):
    return {p["properties"]["cin7_product_id"]: p for p in sandbox.hubspot("products")}


def cin7_put(sandbox, product):
    r = requests.put(f"{sandbox.url}/cin7/ExternalApi/v2/product", json=product, headers=CIN7,
                     timeout=10)
    assert r.status_code == 200, r.text


def test_every_product_lands_once_with_name_sku_price_and_description(exporting, sandbox):
    run = export(exporting)
    products, listed = cin7_products(sandbox), hubspot_products(sandbox)
    assert (run.created, run.updated) == (len(products), 0)  # stock rides on the first write
    assert sorted(listed) == sorted(p["ID"] for p in products)
    sample = next(p for p in products if p["Status"] == "Active" and p["Sellable"])
    props = listed[sample["ID"]]["properties"]
    assert (props["name"], props["hs_sku"]) == (sample["Name"], sample["SKU"])
    assert float(props["price"]) == pytest.approx(sample["PriceTier1"])
    assert props["description"] == (sample["ShortDescription"] or sample["Description"])
    assert props["cin7_status"] == "Active"


def test_deprecated_not_sellable_and_service_items_say_so(exporting, sandbox):
    export(exporting)
    products, listed = cin7_products(sandbox), hubspot_products(sandbox)
    deprecated = next(p for p in products if p["Status"] == "Deprecated")
    unsellable = next(p for p in products if p["Status"] == "Active" and not p["Sellable"])
    service = next(p for p in products if p["Type"] == "Service")
    assert listed[deprecated["ID"]]["properties"]["cin7_status"] == "Deprecated"
    assert listed[unsellable["ID"]]["properties"]["cin7_status"] == "Not sellable"
    assert listed[service["ID"]]["properties"]["cin7_type"] == "Service"


def test_a_sku_changed_in_cin7_updates_the_same_hubspot_product(exporting, sandbox):
    export(exporting)
    product = cin7_products(sandbox)[0]
    before = hubspot_products(sandbox)[product["ID"]]["id"]
    cin7_put(sandbox, {"ID": product["ID"], "SKU": product["SKU"] + "-V2"})
    run = export(exporting)
    assert (run.created, run.updated) == (0, 1)
    after = hubspot_products(sandbox)
    assert len(after) == len(cin7_products(sandbox))
    assert after[product["ID"]]["id"] == before
    assert after[product["ID"]]["properties"]["hs_sku"] == product["SKU"] + "-V2"


def test_second_run_without_change_writes_nothing(exporting, sandbox):
    export(exporting)
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    run = export(exporting, full=True)
    assert (run.created, run.updated) == (0, 0) and run.unchanged > 0
    assert hubspot_writes(sandbox) == []


def test_stock_per_location_follows_changes_that_do_not_touch_the_product(exporting, sandbox):
    export(exporting)
    stock = requests.get(f"{sandbox.url}/cin7/ExternalApi/v2/ref/productavailability",
                         params={"Limit": 1000}, headers=CIN7, timeout=10).json()
    row = stock["ProductAvailabilityList"][0]
    props = hubspot_products(sandbox)[row["ID"]]["properties"]
    assert row["Location"] in props["cin7_stock_by_location"]
    total = sum(r["OnHand"] for r in stock["ProductAvailabilityList"] if r["ID"] == row["ID"])
    assert float(props["cin7_stock_on_hand"]) == pytest.approx(total)

    r = requests.patch(f"{sandbox.url}/_sandbox/cin7/stock", timeout=10,
                       json={"ProductID": row["ID"], "Location": row["Location"],
                             "OnHand": row["OnHand"] + 7})
    assert r.status_code == 200, r.text
    run = export(exporting)
    assert run.updated == 1
    props = hubspot_products(sandbox)[row["ID"]]["properties"]
    assert float(props["cin7_stock_on_hand"]) == pytest.approx(total + 7)


def test_price_tier_description_and_term_follow_the_settings(exporting, sandbox):
    product = next(p for p in cin7_products(sandbox) if p["PriceTier2"] and p["Description"])
    tier2 = requests.get(f"{sandbox.url}/cin7/ExternalApi/v2/ref/priceTier", headers=CIN7,
                         timeout=10).json()["PriceTiers"][1]["Name"]
    settings.set("products.price_tier", tier2)
    settings.set("export.product_description", "full")
    settings.set("export.product_term", "12")
    export(exporting)
    props = hubspot_products(sandbox)[product["ID"]]["properties"]
    assert float(props["price"]) == pytest.approx(product["PriceTier2"])
    assert props["description"] == product["Description"]
    assert props["hs_recurring_billing_period"] == "P12M"
    assert float(props["cin7_price_tier_2"]) == pytest.approx(product["PriceTier2"])


def test_dry_run_plans_without_writing(exporting, sandbox):
    run = export(exporting, dry_run=True)
    assert run.created == len(cin7_products(sandbox))
    assert sandbox.hubspot("products") == []


def test_remove_archives_the_hubspot_product_and_keeps_cin7(exporting, sandbox):
    export(exporting)
    link = Link.get(Link.entity == "product")
    product_list.remove(HubSpot(exporting), link.id)
    assert link.cin7_id not in hubspot_products(sandbox)
    assert link.cin7_id in {p["ID"] for p in cin7_products(sandbox)}
    export(exporting, full=True)  # a removed product stays out of HubSpot...
    assert link.cin7_id not in hubspot_products(sandbox)
    export(exporting, only=[link.cin7_id])  # ...until someone lists it again
    assert link.cin7_id in hubspot_products(sandbox)
    assert Link.get(Link.id == link.id).state == "linked"


def test_unlink_forgets_the_link_and_a_later_run_finds_the_same_product(exporting, sandbox):
    export(exporting)
    link = Link.get(Link.entity == "product")
    links.unlink(link.id)
    run = export(exporting, full=True)
    assert run.created == 0
    assert len(hubspot_products(sandbox)) == len(cin7_products(sandbox))


def test_a_run_reads_the_price_tier_names_once(exporting, sandbox):
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    export(exporting, only=[p["ID"] for p in cin7_products(sandbox)[:5]])
    reads = [r for r in sandbox.get("requests", system="cin7") if "priceTier" in r["path"]]
    assert len(reads) == 1


def test_a_new_price_tier_reaches_every_product_on_the_next_ordinary_run(exporting, sandbox):
    export(exporting)
    tier2 = requests.get(f"{sandbox.url}/cin7/ExternalApi/v2/ref/priceTier", headers=CIN7,
                         timeout=10).json()["PriceTiers"][1]["Name"]
    settings.set("products.price_tier", tier2)
    run = export(exporting)  # no --full: the setting made the export read everything again
    priced = [p for p in cin7_products(sandbox) if p["PriceTier2"]]
    assert run.read == len(cin7_products(sandbox)) and run.updated > 0
    for product in priced:
        props = hubspot_products(sandbox)[product["ID"]]["properties"]
        assert float(props["price"]) == pytest.approx(product["PriceTier2"])
