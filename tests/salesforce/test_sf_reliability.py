"""A killed Salesforce products export resumes without duplicates, and storms (Salesforce's
403 REQUEST_LIMIT_EXCEEDED under load, 503s, writes that landed but answered 502) end in the
state a calm run reaches: each Product2 once, each price book entry once."""

import subprocess
import sys
import time
from collections import Counter

import requests

from core import cursors, runner, settings
from core.store import Run
from tests.salesforce.conftest import sf_env, sf_records
from tests.test_kill_resume import kill_when


def map_retail(config, sandbox):
    runner.sync(config, "pricebooks", "refresh")
    retail = next(b["Id"] for b in sf_records(sandbox, "Pricebook2") if b["Name"] == "Retail")
    settings.set("salesforce.price_books", f"Retail={retail}")


def assert_each_once(sandbox):
    """Every Cin7 product is one Product2 with one standard and (when priced) one Retail
    entry; no key twice."""
    products = Counter(p["Cin7_Product_ID__c"] for p in sf_records(sandbox, "Product2"))
    assert set(products) == {p["ID"] for p in sandbox.get("cin7/products")}
    assert max(products.values()) == 1
    entries = Counter((e["Product2Id"], e["Pricebook2Id"], e.get("CurrencyIsoCode"))
                      for e in sf_records(sandbox, "PricebookEntry"))
    assert max(entries.values()) == 1
    books = {b["Id"]: b["Name"] for b in sf_records(sandbox, "Pricebook2")}
    per_book = Counter(books[book] for _, book, _ in entries)
    assert per_book["Standard Price Book"] == len(products)
    assert per_book["Retail"] == len(products)


def test_a_killed_export_resumes_without_a_second_product_or_entry(salesforce_crm, sandbox):
    map_retail(salesforce_crm, sandbox)
    # Every write lands slowly, so the kill finds one in flight: it lands after the kill.
    sandbox.fault(system="salesforce", kind="slow", count=10_000, delay=0.15,
                  path="/composite/sobjects")
    child = subprocess.Popen([sys.executable, "-c", "from web.cli import main; main()", "sync",
                              "products"], env=sf_env(salesforce_crm),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_when(child, lambda: (cursors.describe("products", "export")[1] or 0) >= 2)
    killed_page = cursors.describe("products", "export")[1]
    time.sleep(0.5)  # the write in flight at the kill lands now, unanswered
    sandbox.clear_faults()
    before = len(sf_records(sandbox, "Product2"))
    assert 0 < before < len(sandbox.get("cin7/products"))

    run = runner.sync(salesforce_crm, "products", "export", page_size=5)
    assert run.status == "finished", run.message
    assert f"resumed after page {killed_page}" in run.message and run.failed == 0
    assert Run.get(Run.id != run.id, Run.entity == "products").status == "failed"
    assert_each_once(sandbox)


def test_a_storm_ends_with_each_product_and_entry_once(salesforce_crm, sandbox):
    map_retail(salesforce_crm, sandbox)
    sandbox.fault(system="salesforce", kind="storm", every=2)  # 403 REQUEST_LIMIT_EXCEEDED
    sandbox.fault(system="salesforce", kind="error", count=2, status=503)
    sandbox.fault(system="salesforce", kind="landed", count=1, status=502, method="POST",
                  path="/composite/sobjects")  # entries created, the answer lost
    sandbox.fault(system="salesforce", kind="landed", count=1, status=502, method="PATCH",
                  path="/composite/sobjects/Product2")
    sandbox.fault(system="cin7", kind="storm", every=2)
    run = runner.sync(salesforce_crm, "products", "export")
    sandbox.clear_faults()
    assert run.status == "finished" and run.failed == 0, run.message
    assert_each_once(sandbox)
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    again = runner.sync(salesforce_crm, "products", "export")
    assert (again.created, again.updated) == (0, 0), again.message
