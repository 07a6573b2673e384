"""First export of 5,000 Cin7 customers (with their contacts) to Capsule: calls and budget.

Prints figures; never asserts. Capsule has no batch writes: every organisation and every
person is one POST, so the figure that matters is Capsule calls per record and the hours of
Capsule's budget (4,000 calls an hour per user, crms.md §B.9) a first export needs. The
sandbox runs without its hourly limit here (`--fast`), so the run shows the calls, not the
waits; the hours are calls / 4,000. Figures:
- Capsule calls (POST, PUT, GET, filter lookups) and Cin7 calls;
- calls per Cin7 customer and per Capsule party made; hours of the hourly budget;
- local time per customer (wall time minus time waiting for HTTP);
- a no-change rerun: its calls and writes.
"""

import dataclasses
import math
import sys
import tempfile
import time
from pathlib import Path

from bench.common import sandbox_process
from bench.export import Timer, make_config
from core import runner, schema, settings
from core.connectors import capsule, cin7

CUSTOMERS = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
BUDGET = 4_000  # Capsule calls an hour per user


def timed_run(config, timer):
    """One customers export with every Capsule and Cin7 answer counted; (run, wall seconds)."""
    originals = (cin7.Cin7.__init__, capsule.Capsule.__init__)

    def wrap(original, system):
        def init(self, cfg, *args, **kwargs):
            original(self, cfg, *args, **kwargs)
            self.api.session.hooks["response"].append(timer.hook(system))
        return init

    cin7.Cin7.__init__ = wrap(originals[0], "cin7")
    capsule.Capsule.__init__ = wrap(originals[1], "capsule")
    try:
        started = time.perf_counter()
        run = runner.sync(config, "customers", "export")
        return run, time.perf_counter() - started
    finally:
        cin7.Cin7.__init__, capsule.Capsule.__init__ = originals


def main():
    workdir = Path(tempfile.mkdtemp(prefix="syncdesk-bench-capsule-"))
    print(f"== Capsule: first export of {CUSTOMERS:,} Cin7 customers ==")
    with sandbox_process(CUSTOMERS, fast=True, extra=("--capsule-parties", "0")) as (url, seeded):
        config = dataclasses.replace(
            make_config(url, workdir, real_limits=False),
            capsule_base_url=f"{url}/capsule/api/v2/", capsule_token="capsule-sandbox-token",
            capsule_calls_per_hour=100_000_000)  # no client pacing: the calls are the figure
        schema.init(config.database_url)
        settings.set("sync.enabled", "on")
        settings.set("crm", "capsule")
        customers = seeded()
        with_contacts = [c for c in customers if c["Contacts"]]
        contacts = sum(len(c["Contacts"]) for c in with_contacts)
        timer = Timer()
        run, wall = timed_run(config, timer)
        calls = timer.by_system.get("capsule", 0)
        parties = run.created
        print(f"customers {len(customers):,} ({len(with_contacts):,} with contacts, "
              f"{contacts:,} contacts); run {run.status}: {run.created:,} parties created, "
              f"{run.failed} failed")
        print(f"Capsule calls {calls:,}; Cin7 calls {timer.by_system.get('cin7', 0):,}")
        print(f"calls per Cin7 customer {calls / max(1, len(customers)):.2f}; "
              f"per Capsule party made {calls / max(1, parties):.3f}")
        print(f"hours of Capsule's {BUDGET:,}-calls-an-hour budget: {calls / BUDGET:.2f} "
              f"(a first export spans {math.ceil(calls / BUDGET)} hourly windows)")
        local = max(0.0, wall - timer.waiting)
        print(f"wall {wall:.1f} s against the sandbox; local time "
              f"{1000 * local / max(1, len(customers)):.2f} ms per customer")
        again_timer = Timer()
        again, again_wall = timed_run(config, again_timer)
        print(f"no-change rerun: Capsule calls {again_timer.by_system.get('capsule', 0)}, "
              f"created {again.created}, updated {again.updated}, wall {again_wall:.1f} s")


if __name__ == "__main__":
    main()
