"""Storms from the sandbox's fault switches (429 on every other call, Cin7's 503 throttle,
a 502 after a write that landed): the products export and the sales flows end in the same
state as without faults: nothing lost, nothing twice."""

from collections import Counter

from core import runner
from tests.test_sales_import import line, make_deal, sales_of, stocked_products


def storm(sandbox, landed_path):
    sandbox.fault(system="cin7", kind="throttle", count=2, status=503)
    sandbox.fault(system="cin7", kind="landed", count=1, status=502, path=landed_path,
                  method="POST")
    sandbox.fault(system="cin7", kind="storm", every=2)
    sandbox.fault(system="hubspot", kind="storm", every=2)
    sandbox.fault(system="hubspot", kind="landed", count=1, status=502, path="batch/upsert")


def test_a_products_export_through_a_storm_lists_each_product_once(config, sandbox):
    storm(sandbox, "/product")
    run = runner.sync(config, "products", "export")
    sandbox.clear_faults()
    assert run.status == "finished" and run.failed == 0, run.message
    keys = Counter(p["properties"]["cin7_product_id"] for p in sandbox.hubspot("products"))
    assert set(keys) == {p["ID"] for p in sandbox.get("cin7/products")}
    assert max(keys.values()) == 1


def test_a_sales_export_through_a_storm_makes_each_deal_and_line_once(exporting, sandbox):
    storm(sandbox, "/sale")
    run = runner.sync(exporting, "sales", "export")
    sandbox.clear_faults()
    assert run.status == "finished" and run.failed == 0, run.message
    sales = {s["ID"] for s in sandbox.get("cin7/sales") if s["Status"] != "DRAFT"}
    deals = Counter(d["properties"]["cin7_sale_id"] for d in sandbox.hubspot("deals"))
    assert set(deals) == sales and max(deals.values()) == 1
    lines = Counter(i["properties"]["cin7_line_key"] for i in sandbox.hubspot("line_items"))
    assert max(lines.values()) == 1


def test_a_sales_import_through_a_storm_creates_the_sale_once(deals_in, sandbox):
    [product] = stocked_products(sandbox, 1)
    deal_id = make_deal(sandbox, "Stormy order", "contractsent", [line(product)])
    storm(sandbox, "/sale")  # the header POST lands, then answers 502
    run = runner.sync(deals_in, "sales", "import")
    sandbox.clear_faults()
    assert run.status == "finished" and run.failed == 0, run.message
    [sale] = sales_of(sandbox, deal_id)
    assert sale["Status"] == "ORDERED"
