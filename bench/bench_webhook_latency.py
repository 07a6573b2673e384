"""Change-to-HubSpot latency through the webhook path, against the sandbox.

    .venv/bin/python bench/bench_webhook_latency.py [--changes 20] [--interval 3]
        [--delivery-delay 0] [--debounce 10] [--workers 1] [--fast]

A sandbox (real rate limits unless --fast) serves Cin7 and HubSpot; SyncDesk's webhook
endpoint runs in this process and `huey_consumer tasks.huey` workers in their own. After a
first full export, customers are renamed in the sandbox Cin7 one at a time; Cin7 delivers
Customer/Updated after --delivery-delay seconds (the real Cin7 waits about 60 s), SyncDesk
debounces and runs an incremental export, and the new name is watched for in HubSpot.
Prints p50/p95/max from the change and from the delivery. Target: p95 under 60 s from the
delivery (the anchors' best is 15 minutes).
"""

import argparse
import logging
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sandbox  # noqa: E402
from core import config as configuration  # noqa: E402
from core import runs, schema, settings, store  # noqa: E402
from sandbox import clock  # noqa: E402

SECRET = "bench-webhook-secret"


def env_for(base, tmp, args):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp / 'syncdesk.db'}", "QUEUE_URL": f"sqlite:///{tmp / 'huey.db'}",
        "CIN7_BASE_URL": f"{base}/cin7/ExternalApi/v2/", "CIN7_ACCOUNT_ID": "sandbox-account",
        "CIN7_APPLICATION_KEY": "sandbox-key", "HUBSPOT_BASE_URL": f"{base}/hubspot",
        "HUBSPOT_TOKEN": "pat-na1-sandbox", "SECRET_KEY": "bench", "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_DEBOUNCE_SECONDS": str(args.debounce), "SLACK_BOT_TOKEN": "",
    }
    if args.fast:
        env.update(CIN7_CALLS_PER_MINUTE="0", HUBSPOT_CALLS_PER_10S="0",
                   HUBSPOT_SEARCHES_PER_SECOND="0")
    return env


def web_server(config):
    """SyncDesk's webhook endpoint on a free port (the panel app when it is installed)."""
    from flask import Flask
    from werkzeug.serving import make_server

    try:
        from web import create_app

        app = create_app(config)
    except ImportError:
        from web import webhooks

        app = Flask("syncdesk-webhooks")
        app.config["SYNCDESK_CONFIG"] = config
        app.register_blueprint(webhooks.bp)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def start_workers(count, env, tmp):
    consumer = str(Path(sys.executable).with_name("huey_consumer"))
    procs = []
    for i in range(count):
        log = open(tmp / f"worker-{i}.log", "w")  # noqa: SIM115
        procs.append(subprocess.Popen(
            [consumer, "tasks.huey", "-w", "2", "-k", "thread", "-m", "1", "-f", "-g", "TERM"],
            cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": str(ROOT), "HUEY_IMMEDIATE": "0"},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    return procs


def wait_run(run_id, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        store.db.close()
        run = runs.get(run_id)
        if run.status in runs.FINAL:
            return run
        time.sleep(0.5)
    raise SystemExit(f"run {run_id} did not finish in {timeout} s")


class Watcher(threading.Thread):
    """Polls the sandbox HubSpot and notes when each awaited company name appears."""

    def __init__(self, base):
        super().__init__(daemon=True)
        self.base, self.awaited, self.seen, self.stop = base, {}, {}, threading.Event()

    def run(self):
        while not self.stop.wait(0.25):
            if not self.awaited:
                continue
            names = {c["properties"].get("name") for c in
                     requests.get(f"{self.base}/_sandbox/hubspot/companies", timeout=30).json()}
            now = time.time()
            for name in list(self.awaited):
                if name in names:
                    self.seen[name] = now
                    self.awaited.pop(name)


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(label, values):
    if not values:
        print(f"{label}: no measurement")
        return
    print(f"{label}: n={len(values)} p50={statistics.median(values):.1f}s "
          f"p95={pct(values, 95):.1f}s max={max(values):.1f}s")


def measure(args, base, app, watcher):
    """Rename customers one by one; returns [(change time, delivery time, seen time)]."""
    customers = [c for c in requests.get(f"{base}/_sandbox/cin7/customers", timeout=30).json()
                 if c["Contacts"]][:args.changes]
    changes = []
    for i, customer in enumerate(customers):
        name = f"Bench change {i:03d}"
        watcher.awaited[name] = customer["ID"]
        requests.patch(f"{base}/_sandbox/cin7/customers/{customer['ID']}", json={"Name": name},
                       timeout=30).raise_for_status()
        changes.append((name, customer["ID"], time.time()))
        time.sleep(args.interval)
    deadline = time.monotonic() + args.delivery_delay + 240
    while watcher.awaited and time.monotonic() < deadline:
        time.sleep(0.5)
    deliveries = {}
    for d in app.extensions["sandbox"].data["cin7"].get("deliveries", []):
        at = clock.parse(d["at"]).timestamp()
        deliveries[d["customer"]] = min(at, deliveries.get(d["customer"], at))
    return [(changed, deliveries.get(cid), watcher.seen.get(name))
            for name, cid, changed in changes]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between changes")
    parser.add_argument("--delivery-delay", type=float, default=0.0,
                        help="seconds Cin7 waits before delivering (real Cin7: about 60)")
    parser.add_argument("--debounce", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--fast", action="store_true", help="no rate limits")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    limits = {} if not args.fast else {"cin7_rate_per_minute": 0, "hubspot_rate_per_10s": 0,
                                       "hubspot_search_per_second": 0}
    app = sandbox.create_app({"customers": args.customers, "cin7_webhook_delay":
                              args.delivery_delay, **limits})
    base, shutdown = sandbox.serve(app)
    tmp = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    env = env_for(base, tmp, args)
    config = configuration.load(env)
    schema.init(config.database_url)
    settings.set("sync.enabled", "on")
    import tasks

    tasks.configure(config, immediate=False)
    server, web_url = web_server(config)
    procs = start_workers(args.workers, env, tmp)
    watcher = Watcher(base)
    try:
        started = time.monotonic()
        first, _ = tasks.enqueue_run("customers", "export", "cli")
        first = wait_run(first.id, 600)
        print(f"first export: {first.status}, {first.read} customers in "
              f"{time.monotonic() - started:.1f}s")
        from core.connectors.cin7 import Cin7

        Cin7(config).create_webhook("Customer/Updated", f"{web_url}/webhooks/cin7", "syncdesk",
                                    SECRET)
        watcher.start()
        rows = measure(args, base, app, watcher)
    finally:
        watcher.stop.set()
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)
        server.shutdown()
        shutdown()
    store.db.close()
    webhook_runs = [r for r in runs.recent(1000) if r.trigger == "webhook"]
    print(f"{len(rows)} changes, {len(webhook_runs)} webhook runs "
          f"({'no rate limits' if args.fast else 'real rate limits'}, debounce {args.debounce}s, "
          f"Cin7 delivery delay {args.delivery_delay}s, {args.workers} worker(s))")
    report("change -> HubSpot  ", [seen - changed for changed, _, seen in rows if seen])
    from_delivery = [seen - delivered for _, delivered, seen in rows if seen and delivered]
    report("delivery -> HubSpot", from_delivery)
    missing = sum(1 for _, _, seen in rows if not seen)
    if missing:
        print(f"{missing} change(s) never reached HubSpot")
    if from_delivery:
        verdict = "met" if pct(from_delivery, 95) < 60 else "NOT met"
        print(f"target p95 < 60 s from the delivery: {verdict}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
