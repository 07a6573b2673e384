"""Salesforce runs SIGKILLed midway, and through fault storms (403 REQUEST_LIMIT_EXCEEDED,
503 SERVER_UNAVAILABLE, lost answers): nothing is duplicated on either side."""

import subprocess
import sys
from collections import Counter

from core import cursors, runner
from tests.salesforce.conftest import sf_env
from tests.salesforce.test_sf_sales_import import sales_of
from tests.test_kill_resume import kill_when
from tests.test_sales_import import stocked_products


def child(config, *args):
    return subprocess.Popen([sys.executable, "-c", "from web.cli import main; main()", *args],
                            env=sf_env(config), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def won_opportunities(org, sandbox, n):
    [product] = stocked_products(sandbox, 1)
    _, entry = org.product(product)
    account = org.account("Many Orders Ltd")
    return [org.opportunity(f"Order {i}", "Closed Won", account, [(entry, 1, 10, None)])
            for i in range(n)]


def accounts_and_contacts(sandbox):
    accounts = Counter(a["Cin7_Customer_ID__c"] for a in sandbox.get("salesforce/Account"))
    contacts = Counter(c["Cin7_Contact_Key__c"] for c in sandbox.get("salesforce/Contact"))
    return accounts, contacts


def test_a_killed_sales_import_resumes_without_a_second_sale(sf_sales, org, sandbox):
    opportunities = won_opportunities(org, sandbox, 8)
    sandbox.fault(system="cin7", kind="slow", count=10_000, delay=0.1)
    process = child(sf_sales, "sync", "sales")
    kill_when(process, lambda: 3 <= sum(bool(sales_of(sandbox, o)) for o in opportunities))
    sandbox.clear_faults()
    run = runner.sync(sf_sales, "sales", "import")
    assert run.status == "finished", run.message
    assert [len(sales_of(sandbox, o)) for o in opportunities] == [1] * 8
    customers = Counter(c["Name"] for c in sandbox.get("cin7/customers"))
    assert customers["Many Orders Ltd"] == 1


def test_a_killed_customers_export_resumes_without_duplicates(sf, sandbox):
    sandbox.fault(system="salesforce", kind="slow", count=10_000, delay=0.15)
    process = child(sf, "sync", "customers")
    kill_when(process, lambda: (cursors.describe("customers", "export")[1] or 0) >= 2)
    sandbox.clear_faults()
    run = runner.sync(sf, "customers", "export", page_size=5)
    assert run.status == "finished", run.message
    assert "resumed after page" in run.message
    accounts, contacts = accounts_and_contacts(sandbox)
    assert sorted(accounts) == sorted(c["ID"] for c in sandbox.get("cin7/customers"))
    assert max(accounts.values()) == 1 and max(contacts.values()) == 1


def storm(sandbox):
    data = "/services/data/"  # the data API; the login host throttles differently
    sandbox.fault(system="salesforce", kind="throttle", count=2, path=data)  # 403 REQUEST_LIMIT_EXCEEDED
    sandbox.fault(system="salesforce", kind="error", count=2, status=503, path=data)
    sandbox.fault(system="salesforce", kind="landed", count=2, status=502, path="composite")
    sandbox.fault(system="salesforce", kind="storm", every=3, path=data)
    sandbox.fault(system="cin7", kind="throttle", count=2, status=503)
    sandbox.fault(system="cin7", kind="landed", count=1, status=502, path="/sale",
                  method="POST")
    sandbox.fault(system="cin7", kind="storm", every=3)


def stormed(sandbox):
    """The answers Salesforce gave: the storm must have hit the run."""
    return {e["status"] for e in sandbox.get("requests", system="salesforce")}


def test_a_sales_import_through_a_storm_makes_each_sale_once(sf_sales, org, sandbox):
    opportunities = won_opportunities(org, sandbox, 3)
    storm(sandbox)
    run = runner.sync(sf_sales, "sales", "import")
    sandbox.clear_faults()
    assert run.status == "finished" and run.failed == 0, run.message
    assert {403, 503} <= stormed(sandbox)
    assert [len(sales_of(sandbox, o)) for o in opportunities] == [1, 1, 1]
    assert {s["Status"] for o in opportunities for s in sales_of(sandbox, o)} == {"ORDERED"}


def test_a_customers_export_through_a_storm_writes_each_record_once(sf, sandbox):
    storm(sandbox)
    run = runner.sync(sf, "customers", "export")
    sandbox.clear_faults()
    assert run.status == "finished", run.message
    assert {403, 503, 502} <= stormed(sandbox)
    accounts, contacts = accounts_and_contacts(sandbox)
    assert sorted(accounts) == sorted(c["ID"] for c in sandbox.get("cin7/customers"))
    assert max(accounts.values()) == 1 and max(contacts.values()) == 1
    again = runner.sync(sf, "customers", "export", full=True)
    assert (again.created, again.updated) == (0, 0)
