"""What one sandbox app remembers: options, each system's data, faults, the request log.

Everything lives in memory behind one lock. Each simulated system contributes a `fresh`
function that builds its data from the options; /_sandbox/reset calls them all again.
"""

import collections
import random
import threading

from flask import current_app, g, request

from sandbox import clock

DEFAULTS = {
    "customers": 50,
    "products": 60,  # Cin7 products; generated whether customers come from "data" or not
    "sales": None,  # Cin7 sales; None: 3 per 10 customers
    "sale_lines": None,  # lines per sale; None: 1 to 6
    "data": None,
    "seed": 42,
    "cin7_rate_per_minute": 60,
    "hubspot_rate_per_10s": 100,
    "hubspot_search_per_second": 5,
    "hubspot_daily_limit": 250_000,
    "cin7_account_id": "sandbox-account",
    "cin7_application_key": "sandbox-key",
    "hubspot_token": "pat-na1-sandbox",
    "hubspot_search_lag_seconds": 0,
    # The public app of HubSpot's OAuth (sandbox/hubspot_oauth.py); redirect URIs None: any.
    "hubspot_client_id": "5f1c2a7e-3b9d-4c1e-9a8f-2d6b0e4c7a11",
    "hubspot_client_secret": "sandbox-client-secret",
    "hubspot_redirect_uris": None,
    "hubspot_oauth_lifetime": 1800,
    # Salesforce (sandbox/salesforce.py): an Enterprise org with 15 licences, JWT and client
    # credentials apps for one integration user, Cin7's custom fields present.
    "salesforce_daily_limit": 115_000,
    "salesforce_client_id": "3MVG9SandboxSyncDeskConsumerKey",
    "salesforce_client_secret": "sandbox-consumer-secret",
    "salesforce_username": "integration@syncdesk.example",
    "salesforce_jwt_public_key": None,
    "salesforce_jwt_approved": True,
    "salesforce_my_domain": True,
    "salesforce_cin7_fields": True,
    "salesforce_unique_external_ids": True,
    "salesforce_currencies": ["USD", "EUR"],
    "salesforce_product_extras": False,  # Product2's optional Cin7_*__c fields (PRD-5)
    "salesforce_users": [],
    "salesforce_account_fields": {},  # Account fields an admin added for a field mapping:
                                      # API name -> "string", "double" or "boolean"  # active users beside the integration user: full names
    "salesforce_pricebooks": [],  # custom books beside the standard one: names (active) or
                                  # {"Name", "IsActive"}; make demo seeds Wholesale and Retail
}
LOG_SIZE = 20_000  # enough for a 10,000-customer benchmark run; older entries drop off
READ_SUFFIXES = ("/search", "/batch/read")  # POSTs that only read


class Sandbox:
    """State of one sandbox app; `systems` maps a name ('cin7') to its fresh(options)."""

    def __init__(self, options, systems):
        self.lock = threading.RLock()
        self.wake = threading.Event()  # set at shutdown so sleeping faults end at once
        self.systems = dict(systems)
        self.base = dict(options or {})
        self.reset()

    def reset(self, overrides=None):
        """Reseed every system from the app's options plus `overrides`."""
        with self.lock:
            self.options = {**DEFAULTS, **self.base, **(overrides or {})}
            self.rng = random.Random(self.options["seed"])
            self.faults = []
            self.log = collections.deque(maxlen=LOG_SIZE)
            self.stats = {name: empty_stats() for name in self.systems}
            self.data = {name: fresh(self.options) for name, fresh in self.systems.items()}

    def sleep(self, seconds):
        self.wake.wait(max(0.0, float(seconds)))

    def count_records(self, system, n=1):
        """Records a system created, changed or archived (for the benchmark's write count)."""
        self.stats[system]["records_written"] += n


def empty_stats():
    return {"calls": 0, "writes": 0, "records_written": 0, "throttled": 0, "errors": 0}


def current():
    """The Sandbox of the app handling this request."""
    return current_app.extensions["sandbox"]


def data(system):
    return current().data[system]


def system_of(path):
    """'cin7' for '/cin7/...', None for control and unknown paths."""
    head = path.lstrip("/").split("/", 1)[0].lower()
    return head if head in current().systems else None


def hold_lock():
    """Serialise the rest of this request; released by release_lock at teardown."""
    current().lock.acquire()
    g.sandbox_locked = True


def release_lock(_exc=None):
    if g.pop("sandbox_locked", False):
        current().lock.release()


def record(response):
    """after_request: log the call and count it for /_sandbox/requests and /_sandbox/stats."""
    system = system_of(request.path)
    if system is None:
        return response
    sandbox = current()
    with sandbox.lock:
        stats = sandbox.stats[system]
        stats["calls"] += 1
        status = response.status_code
        if status == 429 or g.get("sandbox_throttled"):
            stats["throttled"] += 1
        elif status >= 400:
            stats["errors"] += 1
        elif request.method != "GET" and not request.path.endswith(READ_SUFFIXES):
            stats["writes"] += 1
        sandbox.log.append({
            "system": system, "method": request.method, "path": request.path,
            "query": request.args.to_dict(), "json": request.get_json(silent=True, force=True),
            "status": status, "at": clock.now_iso(),
        })
    return response
