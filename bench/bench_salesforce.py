"""Export of 10,000 products × 3 price books to the sandbox Salesforce org (EXT-2).

Prints figures; never asserts. The sandbox runs in its own process. Three price books: the
standard one (the default tier, Wholesale), Retail and Distributor, so each product has
three entries. Figures:
- Salesforce calls made (as the org counts them, Sforce-Limit-Info) vs the minimum sObject
  Collections allow: 200 records per write call, 2,000 records per SOQL batch;
- the share of the org's daily allocation (DailyApiRequests.Max from /limits) one full
  export costs;
- a no-change rerun's calls, and a full re-read's.
"""

import math
import sys
import tempfile
import time
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench.common import sandbox_process
from core import config as configuration
from core import runner, schema, settings
from core.connectors.salesforce import COLLECTION, IN_CHUNK, Salesforce
from core.products import price_books

PRODUCTS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
BOOKS = ["Retail", "Distributor"]  # beside the standard book
CLIENT_ID, USER = "3MVG9SandboxSyncDeskConsumerKey", "integration@syncdesk.example"
FAST = {"cin7_rate_per_minute": 0, "hubspot_rate_per_10s": 0, "hubspot_search_per_second": 0}


def key_pair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public.decode()


def make_config(url, workdir, private):
    return configuration.load({
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "CIN7_BASE_URL": f"{url}/cin7/ExternalApi/v2/", "CIN7_ACCOUNT_ID": "sandbox-account",
        "CIN7_APPLICATION_KEY": "sandbox-key", "CIN7_CALLS_PER_MINUTE": "0",
        "SALESFORCE_LOGIN_URL": f"{url}/salesforce/login",
        "SALESFORCE_AUDIENCE": "https://login.salesforce.com",
        "SALESFORCE_CLIENT_ID": CLIENT_ID, "SALESFORCE_USERNAME": USER,
        "SALESFORCE_PRIVATE_KEY": private, "SALESFORCE_CALLS_PER_SECOND": "0",
        "SALESFORCE_DAILY_PERCENT": "100"})


def minimum_calls(products, entries):
    """Salesforce calls Collections allow at best for a first export: Product2 upserts and
    entry creates, 200 records a call. Reading what exists costs nothing more at best."""
    return math.ceil(products / COLLECTION) + math.ceil(entries / COLLECTION)


def used(url):
    return requests.get(f"{url}/_sandbox/salesforce/usage", timeout=30).json()


def run_once(config, url, full=False):
    before = used(url)["used"]
    started = time.perf_counter()
    run = runner.sync(config, "products", "export", full=full)
    wall = time.perf_counter() - started
    return run, used(url)["used"] - before, wall


def main():
    workdir = Path(tempfile.mkdtemp(prefix="syncdesk-bench-sf-"))
    private, public = key_pair()
    print(f"== Salesforce products export: {PRODUCTS:,} products × {len(BOOKS) + 1} price books ==")
    with sandbox_process(10, fast=True, extra=("--products", str(PRODUCTS))) as (url, _):
        requests.post(f"{url}/_sandbox/reset", timeout=120, json={
            **FAST, "customers": 10, "products": PRODUCTS, "salesforce_jwt_public_key": public,
            "salesforce_pricebooks": BOOKS}).raise_for_status()
        config = make_config(url, workdir, private)
        schema.init(config.database_url)
        for key, value in (("sync.enabled", "on"), ("crm", "salesforce"),
                           ("products.direction", "export")):
            settings.set(key, value)
        sf = Salesforce(config)
        found = {b["name"]: b["id"] for b in price_books.load(sf)}
        settings.set("salesforce.price_books", ",".join(f"{b}={found[b]}" for b in BOOKS))
        allocation = sf.limits()["DailyApiRequests"]["Max"]

        run, calls, wall = run_once(config, url)
        entries = len(requests.get(f"{url}/_sandbox/salesforce/PricebookEntry", timeout=120).json())
        least = minimum_calls(run.created, entries)
        print(f"run #{run.id} {run.status}: {run.read:,} read, {run.created:,} Product2 created, "
              f"{run.failed:,} failed; {entries:,} price book entries in the org; {wall:.1f} s")
        print(f"  {run.message}")
        print(f"Salesforce calls: {calls} (the org's count); the minimum Collections allow: "
              f"{least} writes ({math.ceil(run.created / COLLECTION)} Product2 + "
              f"{math.ceil(entries / COLLECTION)} entry calls) = {calls / least:.2f} x; "
              f"the other {calls - least}: the run's checks (describe Product2 and "
              "PricebookEntry, the price books) and any entry look-ups "
              f"({IN_CHUNK} products a query; none for a Product2 created in the run)")
        print(f"one full export costs {calls / allocation:.3%} of the org's daily allocation "
              f"({calls} of {allocation:,}; Enterprise with 15 licences)")
        print(f"Cin7 and Salesforce calls in all (run.api_calls): {run.api_calls}")
        for full in (False, True):
            again, calls2, wall2 = run_once(config, url, full=full)
            kind = "full re-read" if full else "incremental"
            print(f"no-change run ({kind}): {calls2} Salesforce calls, "
                  f"{again.api_calls} calls in all, {again.created + again.updated} writes, "
                  f"{again.unchanged:,} unchanged, {wall2:.1f} s")


if __name__ == "__main__":
    main()
