"""Sales export (SAL-2 … SAL-4, SAL-10): Cin7 sales become deals with line items and stages."""

import subprocess
import sys
from collections import Counter

import requests

from core import runner, runs
from core.connectors.hubspot import HubSpot
from core.products import listing as product_list
from core.store import Link
from tests.test_customers_export import hubspot_writes
from tests.test_kill_resume import child_env, kill_when


def cin7_sales(sandbox):
    return sandbox.get("cin7/sales")


def deals_by_sale(sandbox):
    return {d["properties"]["cin7_sale_id"]: d for d in sandbox.hubspot("deals")}


def export(config):
    run = runner.sync(config, "sales", "export")
    assert run.status == "finished", run.message
    return run


def test_every_sale_from_quote_onwards_becomes_one_deal_with_its_lines(exporting, sandbox):
    run = export(exporting)
    sales = [s for s in cin7_sales(sandbox) if s["Status"] != "DRAFT"]
    deals = deals_by_sale(sandbox)
    assert set(deals) == {s["ID"] for s in sales}
    assert run.created == len(sales) and run.failed == 0
    items = sandbox.hubspot("line_items")
    keys = Counter(i["properties"]["cin7_line_key"] for i in items)
    assert max(keys.values()) == 1
    wanted = sum(len((s.get("Order") or {}).get("Lines") or (s.get("Quote") or {}).get("Lines")
                     or []) for s in sales)
    assert len(items) == wanted


def test_quote_authorised_lands_at_decision_maker_bought_in(exporting, sandbox):
    export(exporting)
    deals = deals_by_sale(sandbox)
    for sale in cin7_sales(sandbox):
        stage = deals[sale["ID"]]["properties"]["dealstage"] if sale["ID"] in deals else None
        if sale["Status"] == "ESTIMATED":
            assert stage == "decisionmakerboughtin"
        if sale["Status"] == "VOIDED":
            assert stage == "closedlost"


CIN7 = {"api-auth-accountid": "sandbox-account", "api-auth-applicationkey": "sandbox-key"}
HUBSPOT = {"Authorization": "Bearer pat-na1-sandbox"}


def cin7(sandbox, method, path, **kwargs):
    r = requests.request(method, f"{sandbox.url}/cin7/ExternalApi/v2/{path}", headers=CIN7,
                         timeout=10, **kwargs)
    assert r.status_code < 300, r.text
    return r.json() if r.text.strip() else None


def one(sandbox, status):
    return next(s for s in cin7_sales(sandbox) if s["Status"] == status)


def order(sandbox, sale):
    """Authorise the order of an authorised quote, one of each line (so stock covers it)."""
    lines = [dict(line, Quantity=1, Total=round(line["Price"] * (1 - line["Discount"] / 100), 2))
             for line in sale["Quote"]["Lines"]]
    cin7(sandbox, "POST", "sale/order", json={"SaleID": sale["ID"], "Status": "AUTHORISED",
                                              "Lines": lines})
    return next(s for s in cin7_sales(sandbox) if s["ID"] == sale["ID"])


def test_a_no_change_run_reads_one_page_and_writes_nothing(exporting, sandbox):
    export(exporting)
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    again = export(exporting)
    assert (again.created, again.updated, again.failed) == (0, 0, 0)
    assert hubspot_writes(sandbox) == []
    reads = sandbox.get("requests", system="cin7")
    assert [r["path"] for r in reads if "/sale" in r["path"].lower()] == [
        r["path"] for r in reads if "salelist" in r["path"].lower()]  # no sale read whole


def test_when_the_sale_moves_the_deal_stage_follows(exporting, sandbox):
    export(exporting)
    quote = one(sandbox, "ESTIMATED")
    assert order(sandbox, quote)["Status"] == "ORDERED"
    run = export(exporting)
    assert run.updated == 1
    assert deals_by_sale(sandbox)[quote["ID"]]["properties"]["dealstage"] == "contractsent"
    cin7(sandbox, "DELETE", "sale", params={"ID": quote["ID"], "Void": "true"})
    export(exporting)
    assert deals_by_sale(sandbox)[quote["ID"]]["properties"]["dealstage"] == "closedlost"


def test_a_stage_set_by_hand_stays_until_the_sale_moves(exporting, sandbox):
    export(exporting)
    sale = one(sandbox, "ESTIMATED")
    deal = deals_by_sale(sandbox)[sale["ID"]]
    r = requests.patch(f"{sandbox.url}/hubspot/crm/v3/objects/deals/{deal['id']}",
                       json={"properties": {"dealstage": "presentationscheduled"}},
                       headers=HUBSPOT, timeout=10)
    assert r.status_code == 200, r.text
    sandbox_patch = requests.patch(f"{sandbox.url}/_sandbox/cin7/sales/{sale['ID']}",
                                   json={"CustomerReference": "PO-77"}, timeout=10)
    assert sandbox_patch.status_code == 200, sandbox_patch.text
    export(exporting)  # the sale changed, its status did not: the stage is left alone
    assert deals_by_sale(sandbox)[sale["ID"]]["properties"]["dealstage"] == \
        "presentationscheduled"


def test_changed_lines_change_the_line_items_never_duplicated_never_left_over(exporting,
                                                                             sandbox):
    export(exporting)
    draft = next(s for s in cin7_sales(sandbox) if s["Status"] == "ESTIMATING"
                 and len(s["Quote"]["Lines"]) >= 2)
    first = dict(draft["Quote"]["Lines"][0], Quantity=7)
    first["Total"] = round(first["Quantity"] * first["Price"] * (1 - first["Discount"] / 100), 2)
    cin7(sandbox, "POST", "sale/quote", json={"SaleID": draft["ID"], "Status": "DRAFT",
                                              "Lines": [first]})
    export(exporting)
    items = [i for i in sandbox.hubspot("line_items")
             if i["properties"]["cin7_line_key"].startswith(draft["ID"] + ":")]
    assert [(i["properties"]["quantity"], i["properties"]["hs_sku"]) for i in items] == \
        [("7", first["SKU"])]
    assert Link.select().where(Link.entity == "sale_line",
                               Link.cin7_id.startswith(draft["ID"])).count() == 1


def test_invoice_payment_and_tracking_reach_the_deal(exporting, sandbox):
    export(exporting)
    sale = order(sandbox, one(sandbox, "ESTIMATED"))
    for action in ({"Action": "invoice"}, {"Action": "pay"},
                   {"Action": "ship", "TrackingNumber": "1Z999"}):
        r = requests.patch(f"{sandbox.url}/_sandbox/cin7/sales/{sale['ID']}", json=action,
                           timeout=10)
        assert r.status_code == 200, r.text
    export(exporting)
    props = deals_by_sale(sandbox)[sale["ID"]]["properties"]
    assert float(props["cin7_invoice_total"]) > 0
    assert props["cin7_invoice_paid"] == props["cin7_invoice_total"]
    assert "1Z999" in props["cin7_tracking_numbers"]
    assert props["cin7_shipment_status"] == "SHIPPED"


def test_a_sale_whose_product_was_removed_from_hubspot_fails_alone_naming_the_sku(
        exporting, sandbox):
    export(exporting)
    sale = one(sandbox, "ESTIMATING")
    line = sale["Quote"]["Lines"][0]
    link = Link.get(Link.entity == "product", Link.cin7_id == line["ProductID"])
    product_list.remove(HubSpot(exporting), link.id)
    requests.patch(f"{sandbox.url}/_sandbox/cin7/sales/{sale['ID']}",
                   json={"CustomerReference": "again"}, timeout=10)
    run = export(exporting)
    failed = runs.results(run, outcome="failed")
    assert any(line["SKU"] in r.reason and r.field == "SKU" for r in failed)
    assert run.failed >= 1 and run.status == "finished"


def test_faults_and_lost_answers_end_in_the_same_state(exporting, sandbox):
    sandbox.fault(system="hubspot", kind="storm", rate=0.3)
    sandbox.fault(system="hubspot", kind="error", status=502, count=2, path="deals/batch")
    sandbox.fault(system="hubspot", kind="slow", delay=7, count=1,
                  path="objects/line_items/batch/upsert")
    run = runner.sync(exporting, "sales", "export")
    sandbox.clear_faults()
    if run.status != "finished" or run.failed:
        run = export(exporting)  # whatever failed is written by the next run
    sales = [s for s in cin7_sales(sandbox) if s["Status"] != "DRAFT"]
    assert set(deals_by_sale(sandbox)) == {s["ID"] for s in sales}
    assert len(sandbox.hubspot("deals")) == len(sales)
    keys = Counter(i["properties"]["cin7_line_key"] for i in sandbox.hubspot("line_items"))
    assert max(keys.values()) == 1


def test_an_export_killed_between_the_deals_and_their_links_duplicates_nothing(exporting,
                                                                                sandbox):
    sandbox.fault(system="hubspot", kind="slow", delay=8, count=1,
                  path="objects/line_items/batch/upsert")
    child = subprocess.Popen([sys.executable, "-c", "from web.cli import main; main()", "sync",
                              "sales"], env=child_env(exporting), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    kill_when(child, lambda: len(sandbox.hubspot("deals")) > 0)
    assert Link.select().where(Link.entity == "sale").count() == 0  # killed before the links
    sandbox.clear_faults()

    run = export(exporting)

    sales = [s for s in cin7_sales(sandbox) if s["Status"] != "DRAFT"]
    assert len(sandbox.hubspot("deals")) == len(sales) == run.created + run.updated
    keys = Counter(i["properties"]["cin7_line_key"] for i in sandbox.hubspot("line_items"))
    assert max(keys.values()) == 1


def test_a_dry_run_plans_every_deal_and_writes_nothing(exporting, sandbox):
    run = runner.sync(exporting, "sales", "export", dry_run=True)
    sales = [s for s in cin7_sales(sandbox) if s["Status"] != "DRAFT"]
    assert run.status == "finished" and run.created == len(sales) and run.failed == 0
    assert {row["action"] for row in run.plan} == {"create"}
    assert sandbox.hubspot("deals") == [] and sandbox.hubspot("companies") == []
