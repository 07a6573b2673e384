"""`syncdesk settings set crm salesforce`, then `syncdesk sync customers|sales`, as a user
types them (separate processes against the sandbox); and the demo org's sales."""

import subprocess
import sys

import requests

from core import demo, runner, settings
from tests.salesforce.conftest import sf_records
from tests.salesforce.test_sf_sales_import import sales_of
from tests.salesforce.test_sf_sales_reliability import sf_env


def syncdesk(config, *args):
    done = subprocess.run([sys.executable, "-c", "from web.cli import main; main()", *args],
                          env=sf_env(config), capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def test_the_command_line_switches_to_salesforce_and_syncs(sf_sales, sandbox):
    settings.set("crm", "hubspot")
    code, out = syncdesk(sf_sales, "settings", "set", "crm", "salesforce")
    assert code == 0, out
    requests.post(f"{sandbox.url}/_sandbox/salesforce/demo", timeout=10).raise_for_status()
    code, out = syncdesk(sf_sales, "sync", "customers")
    assert code == 0 and "finished" in out, out
    code, out = syncdesk(sf_sales, "sync", "sales")
    assert code == 0 and "1 created" in out, out


def test_the_demo_set_up_shows_products_price_books_and_a_won_opportunity(sf, sandbox):
    """What `make demo CRM=salesforce` shows: products and prices out, a won deal in. The
    demo's first scheduled export may run before the org's demo sales are seeded."""
    demo.set_up(sf)
    assert (settings.get("sales.direction"), settings.get("products.direction")) == \
        ("import", "export")
    assert runner.sync(sf, "products", "export").status == "finished"
    made = requests.post(f"{sandbox.url}/_sandbox/salesforce/demo", timeout=10)
    assert made.status_code == 200, made.text  # the exported products are reused
    books = {b["Id"]: b["Name"] for b in sf_records(sandbox, "Pricebook2")}
    entries = [e for e in sf_records(sandbox, "PricebookEntry")
               if books.get(e["Pricebook2Id"]) in ("Retail", "Wholesale")]
    assert entries, "the mapped tiers' prices are in their price books"
    assert runner.sync(sf, "customers", "import").status == "finished"  # defaults chosen
    run = runner.sync(sf, "sales", "import")
    assert run.status == "finished" and run.created == 1, run.message
    [sale] = sales_of(sandbox, made.json()["opportunity"])
    assert [ln["Quantity"] for ln in sale["Order"]["Lines"]] == [12, 4]
    assert sale["CustomerReference"] == "Harbour Outfitters - spring order"
