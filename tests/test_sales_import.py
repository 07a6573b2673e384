"""Sales import (SAL-5 … SAL-9): deals reaching the trigger stage become Cin7 sales, once."""

import requests

from core import intents, runner, settings, status
from core.connectors.hubspot import HubSpot
from core.sales import from_hubspot

HUBSPOT = {"Authorization": "Bearer pat-na1-sandbox"}
CIN7 = {"api-auth-accountid": "sandbox-account", "api-auth-applicationkey": "sandbox-key"}


def hs(sandbox, method, path, body=None):
    r = requests.request(method, f"{sandbox.url}/hubspot/{path}", json=body, headers=HUBSPOT,
                         timeout=10)
    assert r.status_code < 300, r.text
    return r.json() if r.text.strip() else None


def stocked_products(sandbox, n=2, on_hand=100):
    """Cin7 Stock products with `on_hand` of each at every location."""
    products = [p for p in sandbox.get("cin7/products") if p["Type"] == "Stock"
                and p["Status"] == "Active"][:n]
    set_stock(sandbox, products, on_hand)
    return products


def set_stock(sandbox, products, on_hand):
    locations = {r["Name"] for r in requests.get(
        f"{sandbox.url}/cin7/ExternalApi/v2/ref/location", headers=CIN7,
        timeout=10).json()["LocationList"]}
    for product in products:
        for location in locations:
            r = requests.patch(f"{sandbox.url}/_sandbox/cin7/stock", timeout=10,
                               json={"ProductID": product["ID"], "Location": location,
                                     "OnHand": on_hand})
            assert r.status_code == 200, r.text


def make_deal(sandbox, name, stage, lines, company="Deal Buyer Co", description=""):
    company_id = hs(sandbox, "POST", "crm/v3/objects/companies",
                    {"properties": {"name": company, "address": "4 Quay St",
                                    "city": "Hobart", "country": "Australia"}})["id"]
    deal = hs(sandbox, "POST", "crm/v3/objects/deals", {"properties": {
        "dealname": name, "pipeline": "default", "dealstage": stage,
        "description": description}, "associations": [
        {"to": {"id": company_id}, "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                              "associationTypeId": 5}]}]})
    for props in lines:
        hs(sandbox, "POST", "crm/v3/objects/line_items", {"properties": props, "associations": [
            {"to": {"id": deal["id"]}, "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                                  "associationTypeId": 20}]}]})
    return deal["id"]


def line(product, quantity=1, price=10.0, discount=0, description=""):
    props = {"name": product["Name"], "hs_sku": product["SKU"], "quantity": str(quantity),
             "price": str(price), "description": description}
    if discount:
        props["hs_discount_percentage"] = str(discount)
    return props


def sales_of(sandbox, deal_id):
    return [s for s in sandbox.get("cin7/sales")
            if (s.get("ExternalID") or "").endswith(f"/{deal_id}")]


def run_import(config):
    run = runner.sync(config, "sales", "import")
    assert run.status == "finished", run.message
    return run


def move(sandbox, deal_id, stage):
    hs(sandbox, "PATCH", f"crm/v3/objects/deals/{deal_id}", {"properties": {"dealstage": stage}})


def test_a_deal_reaching_the_trigger_stage_becomes_one_sale_with_the_mapped_status(deals_in,
                                                                                  sandbox):
    product, other = stocked_products(sandbox)
    deal_id = make_deal(sandbox, "Spring order", "contractsent",
                        [line(product, 2, 12.5, 10, "gift wrapped"), line(other, 1, 30)],
                        description="Deliver before Friday")
    run = run_import(deals_in)
    [sale] = sales_of(sandbox, deal_id)
    assert run.created == 1
    assert sale["Status"] == "ORDERED"
    assert sale["CustomerReference"] == "Spring order"
    portal = str(HubSpot(deals_in).account()["portalId"])
    assert sale["ExternalID"] == from_hubspot.external_id(portal, deal_id)
    lines = sale["Order"]["Lines"]
    assert [(ln["SKU"], ln["Quantity"], ln["Price"], ln["Discount"]) for ln in lines] == [
        (product["SKU"], 2, 12.5, 10), (other["SKU"], 1, 30, 0)]
    assert lines[0]["Comment"] == "gift wrapped"
    assert sale["Order"]["Memo"] == "Deliver before Friday"
    customer = next(c for c in sandbox.get("cin7/customers") if c["ID"] == sale["CustomerID"])
    assert customer["Name"] == "Deal Buyer Co"  # imported first (CUS-7)
    assert sale["ShippingAddress"]["City"] == "Hobart"


def test_invoice_sent_maps_to_invoiced_but_lands_as_estimated(deals_in, sandbox):
    [product] = stocked_products(sandbox, 1)
    deal_id = make_deal(sandbox, "Invoice sent deal", "closedwon", [line(product)])
    run_import(deals_in)
    [sale] = sales_of(sandbox, deal_id)
    assert sale["Status"] == "ESTIMATED"


def test_before_the_trigger_nothing_then_once_and_a_later_stage_leaves_the_sale(deals_in,
                                                                               sandbox):
    [product] = stocked_products(sandbox, 1)
    deal_id = make_deal(sandbox, "Slow burner", "qualifiedtobuy", [line(product)])
    run_import(deals_in)
    assert sales_of(sandbox, deal_id) == []
    move(sandbox, deal_id, "contractsent")
    run_import(deals_in)
    [sale] = sales_of(sandbox, deal_id)
    move(sandbox, deal_id, "decisionmakerboughtin")
    again = run_import(deals_in)
    assert sales_of(sandbox, deal_id) == [sale]  # the same sale, status untouched
    assert again.created == 0


def test_a_deal_with_an_unknown_product_is_skipped_naming_it(deals_in, sandbox):
    deal_id = make_deal(sandbox, "Mystery", "contractsent",
                        [{"name": "Unicorn saddle", "hs_sku": "UNI-001", "quantity": "1",
                          "price": "99"}])
    run = run_import(deals_in)
    assert sales_of(sandbox, deal_id) == []
    [failure] = [r for r in status.pending("sales", "import")]
    assert "UNI-001" in failure.reason and failure.record_id == deal_id
    assert run.failed == 1


def test_a_sale_created_by_a_killed_run_is_found_again_not_made_twice(deals_in, sandbox):
    [product] = stocked_products(sandbox, 1)
    deal_id = make_deal(sandbox, "Half done", "contractsent", [line(product)])
    portal = str(HubSpot(deals_in).account()["portalId"])
    url = from_hubspot.external_id(portal, deal_id)
    customer = next(c for c in sandbox.get("cin7/customers") if c["Status"] == "Active")
    # The run that was killed had written its intent and POSTed the header, nothing more.
    intents.intend("cin7", "sale", [(deal_id, url)])
    r = requests.post(f"{sandbox.url}/cin7/ExternalApi/v2/sale", headers=CIN7, timeout=10,
                      json={"CustomerID": customer["ID"], "ExternalID": url})
    assert r.status_code == 200, r.text
    run_import(deals_in)
    [sale] = sales_of(sandbox, deal_id)
    assert sale["ID"] == r.json()["ID"] and sale["Status"] == "ORDERED"
    assert intents.left("cin7", "sale") == []


def test_when_short_wait_holds_the_deal_until_stock_arrives_and_says_so_once(deals_in,
                                                                            sandbox):
    settings.set("sales.when_short", "wait")
    [product] = stocked_products(sandbox, 1)
    deal_id = make_deal(sandbox, "Big order", "contractsent", [line(product, 5000)])
    first = run_import(deals_in)
    assert sales_of(sandbox, deal_id) == []
    [waiting] = status.pending("sales", "import")
    assert "waiting for stock" in waiting.reason and product["SKU"] in waiting.reason
    assert first.failed == 1
    second = run_import(deals_in)  # read again though the deal did not change
    assert sales_of(sandbox, deal_id) == [] and second.failed == 1
    assert status.pending("sales", "import")[0].failures == 2
    set_stock(sandbox, [product], 10000)
    run_import(deals_in)
    [sale] = sales_of(sandbox, deal_id)
    assert sale["Status"] == "ORDERED" and status.pending("sales", "import") == []


def test_backorder_mode_lets_cin7_backorder(deals_in, sandbox):
    [product] = stocked_products(sandbox, 1)
    deal_id = make_deal(sandbox, "Backorder me", "contractsent", [line(product, 5000)])
    run_import(deals_in)
    [sale] = sales_of(sandbox, deal_id)
    assert sale["Status"] == "BACKORDERED"


def test_a_lost_answer_to_the_sale_create_never_makes_a_second_sale(deals_in, sandbox):
    [product] = stocked_products(sandbox, 1)
    deal_id = make_deal(sandbox, "Lost answer", "contractsent", [line(product)])
    # Cin7 creates the sale, but its answer comes after the client gave up (HTTP_TIMEOUT 5).
    sandbox.fault(system="cin7", kind="slow", delay=6, count=1, path="/sale", method="POST")
    first = runner.sync(deals_in, "sales", "import")
    assert first.status == "failed" and "no answer" in first.message
    sandbox.clear_faults()
    run_import(deals_in)
    [sale] = sales_of(sandbox, deal_id)
    assert sale["Status"] == "ORDERED" and intents.left("cin7", "sale") == []


def test_deals_exported_from_cin7_are_not_imported_back(deals_in, sandbox):
    settings.set("sales.direction", "export")
    exported = runner.sync(deals_in, "sales", "export")
    assert exported.created > 0
    settings.set("sales.direction", "import")
    before = len(sandbox.get("cin7/sales"))
    run = run_import(deals_in)
    assert len(sandbox.get("cin7/sales")) == before and run.created == 0
