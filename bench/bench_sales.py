"""Export of 5,000 Cin7 sales x 5 lines as HubSpot deals: calls, time, memory (issue #10).

Prints figures; never asserts. Customers and products are exported first, in runs of their
own, so the figures are the sales export's. Figures:
- HubSpot calls vs the minimum the batch sizes allow (deals 100 per upsert, line items 100
  per upsert, associations 2,000 per v4 batch create), and Cin7 calls (saleList pages plus
  one read per sale: Cin7 lists sales without their lines);
- local time per sale (wall time minus time waiting for HTTP), peak memory;
- a no-change rerun: calls and writes;
- a smaller export under the real rate limits vs the lower bound those limits set (Cin7's 60
  calls a minute make 5,000 sale reads take at least 83 minutes: the ratio is what counts).
"""

import math
import resource
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.common import sandbox_process
from bench.export import Timer, lower_bound, make_config, run_once
from core import runner, schema, settings
from core.connectors.hubspot import HubSpot
from core.sales import stages

SALES = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
LINES = 5
REAL_SALES = int(sys.argv[2]) if len(sys.argv) > 2 else 240
CUSTOMERS = 1_000
STAGE_MAP = ("appointmentscheduled=ESTIMATING,decisionmakerboughtin=ESTIMATED,"
             "contractsent=ORDERED,closedwon=INVOICED,closedlost=VOIDED")


def prepare(url, workdir, real_limits):
    config = make_config(url, workdir, real_limits)
    schema.init(config.database_url)
    settings.set("sync.enabled", "on")
    settings.set("sales.direction", "export")
    stages.load(HubSpot(config))
    settings.set("sales.pipeline", "default")
    settings.set("sales.stage_map", STAGE_MAP)
    for entity in ("customers", "products"):
        runner.sync(config, entity, "export")
    return config


def minimum(url):
    """(Cin7, HubSpot) calls the batch sizes allow at best for the seeded sales."""
    sales = requests.get(f"{url}/_sandbox/cin7/sales", timeout=120).json()
    lines = sum(len((s.get("Order") or {}).get("Lines") or (s.get("Quote") or {}).get("Lines")
                    or []) for s in sales)
    cin7_calls = math.ceil(len(sales) / 1000) + len(sales)
    hubspot_calls = (math.ceil(len(sales) / 100) + math.ceil(lines / 100)
                     + math.ceil(lines / 2000) + math.ceil(len(sales) / 2000)
                     + 6)  # properties: the group and the properties of deals and line items
    return len(sales), lines, cin7_calls, hubspot_calls


def main():
    print(f"== Sales export: {SALES:,} sales x {LINES} lines ==")
    extra = ("--sales", str(SALES), "--sale-lines", str(LINES), "--products", "200")
    with sandbox_process(CUSTOMERS, fast=True, extra=extra) as (url, _):
        config = prepare(url, Path(tempfile.mkdtemp(prefix="syncdesk-bench-sales-")), False)
        timer = Timer()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        run, wall = run_once(config, timer, entity="sales")
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        sales, lines, min_cin7, min_hub = minimum(url)
        made = timer.by_system
        print(f"seeded: {sales:,} sales, {lines:,} lines")
        print(f"run #{run.id} {run.status}: {run.read:,} read, {run.created:,} created, "
              f"{run.updated:,} updated, {run.failed:,} failed")
        print(f"HubSpot calls {made.get('hubspot', 0)} (minimum {min_hub}) = "
              f"{made.get('hubspot', 0) / min_hub:.3f} x minimum; Cin7 calls "
              f"{made.get('cin7', 0)} (minimum {min_cin7})")
        local = wall - timer.waiting
        print(f"wall {wall:.1f} s, waiting for HTTP {timer.waiting:.1f} s, local {local:.1f} s "
              f"= {local / max(sales, 1) * 1000:.2f} ms per sale")
        print(f"peak memory (max RSS of this process): {rss_after / 1024:.0f} MB "
              f"(before the run: {rss_before / 1024:.0f} MB)")
        again_timer = Timer()
        again, again_wall = run_once(config, again_timer, entity="sales")
        print(f"no-change run: {sum(again_timer.by_system.values())} calls "
              f"{again_timer.by_system}, {again.created + again.updated} writes, "
              f"{again_wall:.1f} s")

    print(f"== {REAL_SALES} sales x {LINES} lines under the real rate limits ==")
    extra = ("--sales", str(REAL_SALES), "--sale-lines", str(LINES))
    with sandbox_process(200, fast=False, extra=extra) as (url, _):
        config = prepare(url, Path(tempfile.mkdtemp(prefix="syncdesk-bench-sales-real-")), True)
        time.sleep(61)  # Cin7's rolling minute forgets the customers and products exports
        timer = Timer()
        run, wall = run_once(config, timer, entity="sales")
        made = timer.by_system
        bound = lower_bound(made.get("cin7", 0), made.get("hubspot", 0))
        print(f"{run.status}: calls {made}, took {wall:.1f} s; lower bound {bound:.1f} s; "
              f"ratio {wall / bound if bound else float('nan'):.2f}")


if __name__ == "__main__":
    main()
