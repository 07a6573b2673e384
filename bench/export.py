"""Export of 10,000 customers (about 20,000 contacts) into the sandbox: calls, time, memory.

Prints figures; never asserts. The sandbox runs in its own process so its work is not
counted as SyncDesk's. Figures:
- API calls made vs the minimum the batch sizes allow;
- local time per record (wall time minus time waiting for HTTP answers);
- peak memory of the SyncDesk process;
- the time the same calls take under the real rate limits vs the lower bound those limits set;
- a second, no-change run: calls and writes.
"""

import math
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.common import sandbox_process
from core import config as configuration
from core import runner, schema, settings
from core.connectors import cin7, hubspot

CUSTOMERS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000


class Timer:
    """Adds up the time requests spent waiting for answers (a requests response hook)."""

    def __init__(self):
        self.waiting, self.by_system = 0.0, {}

    def hook(self, system):
        def on_response(response, *args, **kwargs):
            self.waiting += response.elapsed.total_seconds()
            self.by_system[system] = self.by_system.get(system, 0) + 1
        return on_response


def make_config(url, workdir, real_limits):
    env = {"DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
           "CIN7_BASE_URL": f"{url}/cin7/ExternalApi/v2/", "CIN7_ACCOUNT_ID": "sandbox-account",
           "CIN7_APPLICATION_KEY": "sandbox-key", "HUBSPOT_BASE_URL": f"{url}/hubspot",
           "HUBSPOT_TOKEN": "pat-na1-sandbox"}
    if not real_limits:
        env.update(CIN7_CALLS_PER_MINUTE="0", HUBSPOT_CALLS_PER_10S="0",
                   HUBSPOT_SEARCHES_PER_SECOND="0")
    return configuration.load(env)


def minimum_calls(customers):
    """Calls the batch sizes allow at best: Cin7 pages, 100 per object batch, 2,000 associations."""
    with_contacts = [c for c in customers if c["Contacts"]]
    emails = {ct["Email"].lower() for c in with_contacts for ct in c["Contacts"] if ct.get("Email")}
    no_email = sum(1 for c in with_contacts for ct in c["Contacts"] if not ct.get("Email"))
    lone = len(customers) - len(with_contacts)
    pairs = sum(len(c["Contacts"]) for c in with_contacts)
    cin7 = math.ceil(len(customers) / 1000)
    hubspot = (math.ceil(len(with_contacts) / 100) + math.ceil(len(emails) / 100)
               + math.ceil((no_email + lone) / 100) + math.ceil(pairs / 2000)
               + 6)  # property set-up on first run: groups and properties, two object types
    return cin7, hubspot


def run_once(config, timer, full=False, entity="customers"):
    """One export run with every HTTP answer timed by `timer`; (run, wall seconds)."""
    originals = (cin7.Cin7.__init__, hubspot.HubSpot.__init__)

    def wrap(original, system):
        def init(self, cfg):
            original(self, cfg)
            self.api.session.hooks["response"].append(timer.hook(system))
        return init

    cin7.Cin7.__init__ = wrap(originals[0], "cin7")
    hubspot.HubSpot.__init__ = wrap(originals[1], "hubspot")
    try:
        started = time.perf_counter()
        run = runner.sync(config, entity, "export", full=full)
        return run, time.perf_counter() - started
    finally:
        cin7.Cin7.__init__, hubspot.HubSpot.__init__ = originals


def lower_bound(cin7_calls, hubspot_calls):
    """Seconds the real limits impose at best. Both count calls in a rolling window (Cin7 60
    per minute, HubSpot 100 per 10 s), so call n+1 of a full window waits for the window's
    first call to leave it; the two systems overlap at best."""
    cin7 = max(0, cin7_calls - 1) // 60 * 60.0
    hub = max(0, hubspot_calls - 1) // 100 * 10.0
    return max(cin7, hub)


def main():
    workdir = Path(tempfile.mkdtemp(prefix="syncdesk-bench-"))
    print(f"== Customers export: {CUSTOMERS:,} customers ==")
    with sandbox_process(CUSTOMERS, fast=True) as (url, seeded):
        config = make_config(url, workdir, real_limits=False)
        schema.init(config.database_url)
        settings.set("sync.enabled", "on")
        timer = Timer()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        run, wall = run_once(config, timer)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        customers = seeded()  # fetched after the run: the inspection copy is not SyncDesk's
        contacts = sum(len(c["Contacts"]) for c in customers)
        min_cin7, min_hub = minimum_calls(customers)
        print(f"seeded: {len(customers):,} customers, {contacts:,} contacts")
        made = timer.by_system
        print(f"run #{run.id} {run.status}: {run.read:,} read, {run.created:,} created, "
              f"{run.updated:,} updated, {run.failed:,} failed")
        print(f"API calls: Cin7 {made.get('cin7', 0)} (minimum {min_cin7}), HubSpot "
              f"{made.get('hubspot', 0)} (minimum {min_hub}); total "
              f"{sum(made.values())} = {sum(made.values()) / (min_cin7 + min_hub):.3f} x minimum")
        local = wall - timer.waiting
        print(f"wall {wall:.2f} s, waiting for HTTP {timer.waiting:.2f} s, local {local:.2f} s "
              f"= {local / CUSTOMERS * 1000:.3f} ms per customer, "
              f"{local / (CUSTOMERS + contacts) * 1000:.3f} ms per record (customer or contact)")
        print(f"peak memory (max RSS of this process): {rss_after / 1024:.0f} MB "
              f"(before the run: {rss_before / 1024:.0f} MB)")
        bound = lower_bound(made.get("cin7", 0), made.get("hubspot", 0))
        print(f"under the real limits these calls need at least {bound:.1f} s "
              "(rolling windows: HubSpot 100 per 10 s, Cin7 60 per minute)")
        for full in (False, True):
            timer2 = Timer()
            again, wall2 = run_once(config, timer2, full=full)
            kind = "full re-read" if full else "incremental"
            print(f"no-change run ({kind}): {sum(timer2.by_system.values())} calls "
                  f"{timer2.by_system}, {again.created + again.updated} writes, "
                  f"{again.unchanged:,} unchanged, {wall2:.2f} s")

    print("== The same export under the real rate limits (sandbox and client limited) ==")
    workdir2 = Path(tempfile.mkdtemp(prefix="syncdesk-bench-real-"))
    with sandbox_process(CUSTOMERS, fast=False) as (url, _):
        config = make_config(url, workdir2, real_limits=True)
        schema.init(config.database_url)
        settings.set("sync.enabled", "on")
        timer = Timer()
        run, wall = run_once(config, timer)
        made = timer.by_system
        bound = lower_bound(made.get("cin7", 0), made.get("hubspot", 0))
        print(f"{CUSTOMERS:,} customers: {run.status}, calls {made}, took {wall:.1f} s; "
              f"lower bound {bound:.1f} s; ratio {wall / bound if bound else float('nan'):.2f}")


if __name__ == "__main__":
    main()
