"""Products import (PRD-3): HubSpot products matched by SKU then name, else created."""

import pytest
import requests

from core import runner, settings
from core.store import Intent, Link

TOKEN = {"Authorization": "Bearer pat-na1-sandbox"}


@pytest.fixture
def importing(config, sandbox):
    settings.set("products.direction", "import")
    categories = sandbox.get("cin7/products")[0]["Category"]
    settings.set("import.category", categories)
    return config


def hubspot_product(sandbox, **properties):
    r = requests.post(f"{sandbox.url}/hubspot/crm/v3/objects/products",
                      json={"properties": properties, "associations": []}, headers=TOKEN,
                      timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def cin7_by_sku(sandbox, sku):
    return [p for p in sandbox.get("cin7/products") if p["SKU"].lower() == sku.lower()]


def run_import(config, **kwargs):
    run = runner.sync(config, "products", "import", **kwargs)
    assert run.status == "finished", run.message
    return run


def test_a_product_with_a_known_sku_is_linked_and_updated(importing, sandbox):
    existing = sandbox.get("cin7/products")[0]
    hubspot_product(sandbox, name="Renamed in HubSpot", hs_sku=existing["SKU"].lower(),
                    price="99.5")
    before = len(sandbox.get("cin7/products"))
    run = run_import(importing)
    assert (run.created, run.updated) == (0, 1)
    [product] = cin7_by_sku(sandbox, existing["SKU"])
    assert product["Name"] == "Renamed in HubSpot" and product["PriceTier1"] == 99.5
    assert product["Category"] == existing["Category"]  # what HubSpot lacks stays
    assert len(sandbox.get("cin7/products")) == before


def test_a_product_matched_by_exact_name_is_linked(importing, sandbox):
    existing = sandbox.get("cin7/products")[1]
    hubspot_product(sandbox, name=existing["Name"], hs_sku="NEW-SKU-FROM-HUBSPOT")
    run = run_import(importing)
    assert run.updated == 1 and cin7_by_sku(sandbox, "NEW-SKU-FROM-HUBSPOT") == []


def test_an_unmatched_product_is_created_once_with_the_import_defaults(importing, sandbox):
    hubspot_product(sandbox, name="Wool Beanie - Grey", hs_sku="WBN-GRY", price="18")
    run_import(importing)
    [product] = cin7_by_sku(sandbox, "WBN-GRY")
    assert product["Type"] == "Stock" and product["Category"] == settings.get("import.category")
    Link.delete().where(Link.entity == "product").execute()  # the link write was lost
    run = run_import(importing, full=True)
    assert run.created == 0 and len(cin7_by_sku(sandbox, "WBN-GRY")) == 1
    assert Intent.select().count() == 0


def test_with_creation_off_unmatched_products_are_listed_for_a_person(importing, sandbox):
    settings.set("import.create_products", "off")
    hubspot_product(sandbox, name="Mystery Item", hs_sku="MYST-1")
    run = run_import(importing)
    assert cin7_by_sku(sandbox, "MYST-1") == []
    [warning] = [r for r in run.results if r.outcome == "warning"]
    assert "unmapped" in warning.reason and "MYST-1" in warning.record_name


def test_a_product_without_sku_fails_alone_naming_the_field(importing, sandbox):
    hubspot_product(sandbox, name="No SKU Here")
    hubspot_product(sandbox, name="Fine Item", hs_sku="FINE-1")
    run = run_import(importing)
    [failure] = [r for r in run.results if r.outcome == "failed"]
    assert failure.field == "hs_sku" and "No SKU Here" in failure.record_name
    assert len(cin7_by_sku(sandbox, "FINE-1")) == 1


def test_second_import_without_change_writes_nothing(importing, sandbox):
    hubspot_product(sandbox, name="Quiet Item", hs_sku="QUIET-1")
    run_import(importing)
    again = run_import(importing, full=True)
    assert (again.created, again.updated) == (0, 0) and again.unchanged == 1
