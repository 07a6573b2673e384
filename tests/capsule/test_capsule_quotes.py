"""Cin7 quotes -> Capsule opportunities (EXT-3): one per quote, on the mapped milestone,
following the sale's status (voided -> lost), created once whatever the network does."""

import subprocess
import sys

import requests

from core import demo, settings
from core.connectors.capsule import SALE_ID_FIELD, Capsule
from core.sales import milestones
from core.store import Intent
from tests.capsule.conftest import capsule_writes, field, opportunities, parties, sync
from tests.test_connectors_capsule import calls
from tests.test_kill_resume import child_env, kill_when

CIN7 = {"api-auth-accountid": "sandbox-account", "api-auth-applicationkey": "sandbox-key"}
QUOTES = ("ESTIMATING", "ESTIMATED")


def cin7_sales(sandbox):
    return sandbox.get("cin7/sales")


def by_sale(sandbox):
    found = {}
    for opp in opportunities(sandbox):
        found.setdefault(field(opp, SALE_ID_FIELD), []).append(opp)
    return found


def export(config):
    run = sync(config, "sales", "export")
    assert run.status == "finished", run.message
    return run


def test_each_quote_is_one_opportunity_of_its_customer_with_value_date_and_milestone(
        capsule_sales, sandbox):
    run = export(capsule_sales)
    sales = cin7_sales(sandbox)
    quotes = [s for s in sales if s["Status"] in QUOTES]
    found = by_sale(sandbox)
    assert set(found) == {s["ID"] for s in quotes}  # orders never quoted here are left out
    assert all(len(opps) == 1 for opps in found.values())
    assert run.created == len(quotes) and run.failed == 0
    orgs = {field(p, "Cin7 Customer ID"): p["id"] for p in parties(sandbox)}
    for sale in quotes:
        [opp] = found[sale["ID"]]
        assert opp["party"]["id"] == orgs[sale["CustomerID"]]  # customer exported first
        assert opp["value"] == {"amount": sale["Quote"]["Total"],
                                "currency": sale["CustomerCurrency"]}
        assert opp["expectedCloseOn"] == sale["SaleOrderDate"][:10]
        assert opp["milestone"]["name"] == {"ESTIMATING": "New",
                                            "ESTIMATED": "Proposal"}[sale["Status"]]
        assert sale["Quote"]["Lines"][0]["SKU"] in opp["description"]


def test_a_no_change_run_writes_nothing(capsule_sales, sandbox):
    export(capsule_sales)
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    again = export(capsule_sales)
    assert (again.created, again.updated) == (0, 0)
    assert capsule_writes(sandbox) == []


def test_status_changes_move_the_milestone_and_a_voided_quote_is_lost(capsule_sales, sandbox):
    export(capsule_sales)
    quote, doomed = [s for s in cin7_sales(sandbox) if s["Status"] == "ESTIMATED"][:2]
    lines = [dict(line, Quantity=1, Total=round(line["Price"] * (1 - line["Discount"] / 100), 2))
             for line in quote["Quote"]["Lines"]]
    r = requests.post(f"{sandbox.url}/cin7/ExternalApi/v2/sale/order", headers=CIN7, timeout=10,
                      json={"SaleID": quote["ID"], "Status": "AUTHORISED", "Lines": lines})
    assert r.status_code < 300, r.text
    r = requests.delete(f"{sandbox.url}/cin7/ExternalApi/v2/sale", headers=CIN7, timeout=10,
                        params={"ID": doomed["ID"], "Void": "true"})
    assert r.status_code < 300, r.text
    run = export(capsule_sales)
    assert (run.created, run.updated) == (0, 2)
    found = by_sale(sandbox)
    [won], [lost] = found[quote["ID"]], found[doomed["ID"]]
    assert (won["milestone"]["name"], won["probability"]) == ("Won", 100) and won["closedOn"]
    assert (lost["milestone"]["name"], lost["probability"]) == ("Lost", 0) and lost["closedOn"]


def test_lost_answers_and_5xx_on_creates_leave_one_opportunity_per_quote(capsule_sales, sandbox):
    sync(capsule_sales, "customers", "export")
    Capsule(capsule_sales).ensure_field(SALE_ID_FIELD, "opportunities")  # faults: creates only
    sandbox.fault(system="capsule", kind="landed", method="POST", path="/api/v2/opportunities",
                  count=3)
    sandbox.fault(system="capsule", kind="error", status=500, method="POST",
                  path="/api/v2/opportunities", count=2)
    run = export(capsule_sales)
    assert run.failed == 0
    found = by_sale(sandbox)
    assert all(len(opps) == 1 for opps in found.values())
    assert len(found) == sum(1 for s in cin7_sales(sandbox) if s["Status"] in QUOTES)
    assert calls(sandbox, status=502)


def test_dry_run_shows_the_plan_and_writes_nothing(capsule_sales, sandbox):
    run = sync(capsule_sales, "sales", "export", dry_run=True)
    assert run.status == "finished", run.message
    assert {row["object"] for row in run.plan} == {"opportunity"}
    assert {row["action"] for row in run.plan} == {"create"}
    assert opportunities(sandbox) == [] and capsule_writes(sandbox) == []


def test_sales_are_refused_until_milestones_are_read_and_mapped(capsule_crm, sandbox):
    settings.set("sales.direction", "export")
    run = sync(capsule_crm, "sales", "export")
    assert run.status == "refused" and "milestones" in run.message
    run = sync(capsule_crm, "milestones", "refresh")
    assert run.status == "finished" and milestones.milestones()
    refused = sync(capsule_crm, "sales", "export")
    assert refused.status == "refused" and "ESTIMATED" in refused.message


def test_a_quotes_export_killed_between_the_post_and_the_link_makes_each_opportunity_once(
        capsule_sales, sandbox):
    sync(capsule_sales, "customers", "export")
    Capsule(capsule_sales).ensure_field(SALE_ID_FIELD, "opportunities")
    sandbox.fault(system="capsule", kind="late", method="POST", path="/api/v2/opportunities",
                  delay=30, count=1)
    env = child_env(capsule_sales) | {"CAPSULE_BASE_URL": capsule_sales.capsule_base_url,
                                      "CAPSULE_TOKEN": capsule_sales.capsule_token}
    child = subprocess.Popen([sys.executable, "-c", "from web.cli import main; main()", "sync",
                              "sales"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    kill_when(child, lambda: len(opportunities(sandbox)) == 1)
    sandbox.clear_faults()
    export(capsule_sales)
    found = by_sale(sandbox)
    assert all(len(opps) == 1 for opps in found.values())
    assert len(found) == sum(1 for s in cin7_sales(sandbox) if s["Status"] in QUOTES)
    assert Intent.select().count() == 0


def test_an_opportunity_deleted_in_capsule_is_made_again_when_its_sale_changes(
        capsule_sales, sandbox):
    export(capsule_sales)
    doomed = next(s for s in cin7_sales(sandbox) if s["Status"] == "ESTIMATED")
    [opp] = by_sale(sandbox)[doomed["ID"]]
    r = requests.delete(f"{sandbox.url}/capsule/api/v2/opportunities/{opp['id']}", timeout=10,
                        headers={"Authorization": "Bearer capsule-sandbox-token"})
    assert r.status_code == 204
    r = requests.delete(f"{sandbox.url}/cin7/ExternalApi/v2/sale", headers=CIN7, timeout=10,
                        params={"ID": doomed["ID"], "Void": "true"})
    assert r.status_code < 300, r.text
    run = export(capsule_sales)
    assert run.failed == 0 and run.created == 1
    [again] = by_sale(sandbox)[doomed["ID"]]
    assert again["id"] != opp["id"] and again["milestone"]["name"] == "Lost"


def test_an_unmapped_status_leaves_a_milestone_moved_by_hand_where_it_is(capsule_sales, sandbox):
    export(capsule_sales)
    quote = next(s for s in cin7_sales(sandbox) if s["Status"] == "ESTIMATED")
    [opp] = by_sale(sandbox)[quote["ID"]]
    r = requests.put(f"{sandbox.url}/capsule/api/v2/opportunities/{opp['id']}", timeout=10,
                     headers={"Authorization": "Bearer capsule-sandbox-token"},
                     json={"opportunity": {"milestone": {"id": 14}}})  # Negotiation, by hand
    assert r.status_code == 200
    mapping = dict(settings.get("capsule.milestone_map"))
    del mapping["ORDERED"]
    settings.set("capsule.milestone_map", mapping)
    lines = [dict(line, Quantity=1, Total=round(line["Price"] * (1 - line["Discount"] / 100), 2))
             for line in quote["Quote"]["Lines"]]
    r = requests.post(f"{sandbox.url}/cin7/ExternalApi/v2/sale/order", headers=CIN7, timeout=10,
                      json={"SaleID": quote["ID"], "Status": "AUTHORISED", "Lines": lines})
    assert r.status_code < 300, r.text
    run = export(capsule_sales)
    assert run.updated == 1
    [after] = by_sale(sandbox)[quote["ID"]]
    assert after["milestone"]["name"] == "Negotiation"
    assert after["value"]["amount"] != opp["value"]["amount"]  # the order's total went out


def test_the_demo_set_up_maps_the_milestones_and_quotes_go_out(capsule_crm, sandbox):
    """What `make demo CRM=capsule` shows: quotes as opportunities at their milestones."""
    demo.set_up(capsule_crm)
    assert settings.get("sales.direction") == "export"
    run = export(capsule_crm)
    quotes = [s for s in cin7_sales(sandbox) if s["Status"] in QUOTES]
    assert quotes and run.created >= len(quotes)
    assert {opps[0]["milestone"]["name"] for opps in by_sale(sandbox).values()} <= \
        {"New", "Proposal"}
