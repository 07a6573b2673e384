"""Sales export to Salesforce (EXT-2): each Cin7 sale is one Opportunity upserted by
Cin7_Sale_ID__c, its lines OpportunityLineItems keyed by Cin7_Line_Key__c, its stage following
the sale's status; reruns, kills and storms never make a second one."""

import subprocess
import sys
import time
from collections import Counter

import pytest
import requests

from core import runner, runs, settings
from core.connectors.salesforce import Salesforce
from core.store import Link
from tests.conftest import import_defaults
from tests.salesforce.conftest import sf_records, sf_writes
from tests.salesforce.test_sf_reliability import sf_env
from tests.test_kill_resume import kill_when
from tests.test_sales_export import cin7, cin7_sales, one, order

BASE = "USD"  # the sandbox's Cin7 base currency and the org's
STAGES = ("ESTIMATING=Prospecting,ESTIMATED=Proposal/Price Quote,"
          "ORDERED=Negotiation/Review,INVOICED=Closed Won")


@pytest.fixture
def selling(salesforce_crm):
    """Sales, customers and products exported to Salesforce, statuses mapped to stages."""
    settings.set("customers.direction", "export")
    settings.set("sales.direction", "export")
    settings.set("salesforce.export_stage_map", STAGES)
    return salesforce_crm


def export(config):
    run = runner.sync(config, "sales", "export")
    assert run.status == "finished", run.message
    return run


def exported(sandbox):
    """The sales an export writes: from quote onwards, in the org's currency (products are
    priced in Cin7's base currency only: the others fail, naming their currency)."""
    return [s for s in cin7_sales(sandbox) if s["Status"] != "DRAFT"
            and s.get("CustomerCurrency", BASE) == BASE]


def foreign(sandbox):
    return [s for s in cin7_sales(sandbox) if s["Status"] != "DRAFT" and s not in
            exported(sandbox)]


def opportunities(sandbox):
    return {o["Cin7_Sale_ID__c"]: o for o in sf_records(sandbox, "Opportunity")}


def lines_of(sandbox, sale_id):
    return sorted((item for item in sf_records(sandbox, "OpportunityLineItem")
                   if item["Cin7_Line_Key__c"].startswith(sale_id + ":")),
                  key=lambda i: i["Cin7_Line_Key__c"])


def cin7_lines(sale):
    return (sale.get("Order") or {}).get("Lines") or (sale.get("Quote") or {}).get("Lines") or []


def assert_each_once(sandbox):
    """One Opportunity per exported sale, one line item per sale line, no key twice."""
    sales = exported(sandbox)
    keys = Counter(o["Cin7_Sale_ID__c"] for o in sf_records(sandbox, "Opportunity"))
    assert set(keys) == {s["ID"] for s in sales} and max(keys.values()) == 1
    lines = Counter(i["Cin7_Line_Key__c"] for i in sf_records(sandbox, "OpportunityLineItem"))
    assert max(lines.values()) == 1
    assert len(lines) == sum(len(cin7_lines(s)) for s in sales)


def test_every_sale_becomes_one_opportunity_with_its_lines_and_a_rerun_writes_nothing(
        selling, sandbox):
    run = export(selling)
    assert run.created == len(exported(sandbox)) and run.failed == len(foreign(sandbox)) > 0
    assert {r.field for r in runs.results(run, outcome="failed")} == {"Currency"}
    assert_each_once(sandbox)
    standard = next(b["Id"] for b in sf_records(sandbox, "Pricebook2") if b["IsStandard"])
    accounts = {a["Id"]: a for a in sf_records(sandbox, "Account")}
    sale = one(sandbox, "ESTIMATED")
    opp = opportunities(sandbox)[sale["ID"]]
    assert opp["Name"].endswith(sale["Customer"])
    assert accounts[opp["AccountId"]]["Cin7_Customer_ID__c"] == sale["CustomerID"]
    assert opp["StageName"] == "Proposal/Price Quote" and opp["Pricebook2Id"] == standard
    dated = [s for s in exported(sandbox) if s["SaleOrderDate"]]
    assert dated and all(opportunities(sandbox)[s["ID"]]["CloseDate"] == s["SaleOrderDate"][:10]
                         for s in dated)
    first = cin7_lines(sale)[0]
    item = lines_of(sandbox, sale["ID"])[0]
    assert (item["Quantity"], item["UnitPrice"]) == (first["Quantity"], first["Price"])
    assert (item["Discount"] or 0) == first["Discount"]

    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    again = export(selling)
    assert (again.created, again.updated, again.failed) == (0, 0, 0)
    assert sf_writes(sandbox) == []


def test_the_stage_follows_the_status_voided_is_closed_lost_a_hand_set_stage_stays(
        selling, sandbox):
    export(selling)
    quote = one(sandbox, "ESTIMATED")
    opp = opportunities(sandbox)[quote["ID"]]
    Salesforce(selling).update_one("Opportunity", opp["Id"], {"StageName": "Value Proposition"})
    requests.patch(f"{sandbox.url}/_sandbox/cin7/sales/{quote['ID']}",
                   json={"CustomerReference": "PO-77"}, timeout=10)
    export(selling)  # the sale changed, its status did not: the hand-set stage stays
    assert opportunities(sandbox)[quote["ID"]]["StageName"] == "Value Proposition"

    assert order(sandbox, quote)["Status"] == "ORDERED"
    assert export(selling).updated == 1
    assert opportunities(sandbox)[quote["ID"]]["StageName"] == "Negotiation/Review"
    cin7(sandbox, "DELETE", "sale", params={"ID": quote["ID"], "Void": "true"})
    export(selling)
    assert opportunities(sandbox)[quote["ID"]]["StageName"] == "Closed Lost"
    assert_each_once(sandbox)


def test_a_changed_line_updates_only_it_and_a_removed_line_is_deleted(selling, sandbox):
    export(selling)
    draft = next(s for s in cin7_sales(sandbox) if s["Status"] == "ESTIMATING"
                 and len(s["Quote"]["Lines"]) >= 3)
    before = lines_of(sandbox, draft["ID"])
    kept = [dict(line) for line in draft["Quote"]["Lines"][:2]]
    kept[0]["Quantity"] = 7
    for line in kept:
        line["Total"] = round(line["Quantity"] * line["Price"] * (1 - line["Discount"] / 100), 2)
    cin7(sandbox, "POST", "sale/quote", json={"SaleID": draft["ID"], "Status": "DRAFT",
                                              "Lines": kept})
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    run = export(selling)
    assert run.updated == 1 and run.failed == 0
    after = lines_of(sandbox, draft["ID"])
    assert [i["Id"] for i in after] == [i["Id"] for i in before[:2]]  # updated in place
    assert after[0]["Quantity"] == 7 and after[1] == before[1]
    line_writes = [w for w in sf_writes(sandbox) if "OpportunityLineItem" in w["path"]]
    assert len(line_writes) == 1  # one upsert, of the changed line only
    deletes = [w for w in sf_writes(sandbox) if w["method"] == "DELETE"]
    assert len(deletes) == 1 and before[2]["Id"] in str(deletes[0])


def test_a_killed_export_resumes_without_a_second_opportunity_or_line(selling, sandbox):
    export_first = runner.sync(selling, "customers", "export")  # a shorter child run
    assert export_first.status == "finished"
    sandbox.fault(system="salesforce", kind="slow", count=10_000, delay=0.3,
                  path="/composite/sobjects/OpportunityLineItem")
    child = subprocess.Popen([sys.executable, "-c", "from web.cli import main; main()", "sync",
                              "sales"], env=sf_env(selling), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    kill_when(child, lambda: len(sf_records(sandbox, "Opportunity")) > 0)
    assert Link.select().where(Link.entity == "sale").count() == 0  # killed before the links
    time.sleep(0.5)  # the line upsert in flight at the kill lands now, unanswered
    assert sf_records(sandbox, "OpportunityLineItem")  # lines the next run must not double
    sandbox.clear_faults()
    export(selling)
    assert_each_once(sandbox)


def test_a_storm_ends_with_each_opportunity_and_line_once(selling, sandbox):
    sandbox.fault(system="salesforce", kind="storm", every=2)  # 403 REQUEST_LIMIT_EXCEEDED
    sandbox.fault(system="salesforce", kind="error", count=2, status=503)
    sandbox.fault(system="salesforce", kind="landed", count=1, status=502, method="PATCH",
                  path="/composite/sobjects/Opportunity")
    sandbox.fault(system="salesforce", kind="landed", count=1, status=502, method="PATCH",
                  path="/composite/sobjects/OpportunityLineItem")
    run = runner.sync(selling, "sales", "export")
    sandbox.clear_faults()
    if run.status != "finished" or run.failed > len(foreign(sandbox)):
        run = export(selling)  # whatever failed is written by the next run
    assert_each_once(sandbox)
    again = export(selling)
    assert (again.created, again.updated) == (0, 0)


def test_a_dry_run_shows_the_plan_and_writes_nothing(selling, sandbox):
    run = runner.sync(selling, "sales", "export", dry_run=True)
    assert run.status == "finished" and run.failed == len(foreign(sandbox)), run.message
    assert run.created == len(exported(sandbox))
    assert {row["action"] for row in run.plan} == {"create", "fail"}
    assert sf_records(sandbox, "Opportunity") == [] and sf_writes(sandbox) == []


def test_an_org_without_the_sale_field_is_refused_with_the_steps(selling, sandbox, sf_keys):
    sandbox.reset(customers=40, salesforce_jwt_public_key=sf_keys[1],
                  salesforce_cin7_fields=False)
    run = runner.sync(selling, "sales", "export")
    assert run.status != "finished"
    assert "Setup > Object Manager > Opportunity > Fields & Relationships > New > Text(36): " \
        "label 'Cin7 Sale ID', field name Cin7_Sale_ID; tick Unique and External ID" in run.message
    assert "Object Manager > Opportunity Product > Fields & Relationships > New > Text(80): " \
        "label 'Cin7 Line Key'" in run.message
    assert sf_records(sandbox, "Opportunity") == []


def test_opportunities_exported_from_cin7_are_never_imported_back(selling, sandbox):
    export(selling)
    won = opportunities(sandbox)[one(sandbox, "ESTIMATED")["ID"]]
    Salesforce(selling).update_one("Opportunity", won["Id"], {"StageName": "Closed Won"})
    settings.set("sales.direction", "off")
    import_defaults(selling, sandbox)  # so that it would be imported, were it not skipped
    settings.set("sales.direction", "import")
    settings.set("salesforce.sales_from", "opportunities")
    settings.set("salesforce.trigger_stage", "Closed Won")
    before = len(cin7_sales(sandbox))
    run = runner.sync(selling, "sales", "import")
    assert run.status == "finished", run.message
    assert run.created == 0 and len(cin7_sales(sandbox)) == before

