"""How fast the panel's customers page answers with 100,000 customers in the store (CUS-5).

    .venv/bin/python -m bench.bench_panel [--customers 100000] [--listed 0.6] [--requests 20]

Fills a fresh SQLite store with --customers catalogue rows, links half-plus of them (a
company or contact link each, and contact links), then times requests through the Flask
test client, signed in: first page, a page in the middle (reached by its keyset link), the
last page, searches, filters, the htmx partial and the CSV download. Prints p50 / p95 per request kind. Target: customers page p95 < 200 ms.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HUEY_IMMEDIATE", "1")

from core import accounts, store  # noqa: E402
from core import config as configuration  # noqa: E402
from core.customers.listing import CustomerRecord  # noqa: E402
from core.store import Link, utcnow  # noqa: E402

TARGET_MS = 200
WORDS = ["Alpine", "Harbour", "Summit", "Cedar", "Maple", "Atlas", "Nova", "Urban", "Coastal",
         "Granite", "Willow", "Pioneer", "Meridian", "Beacon", "Orchard", "Falcon"]
KINDS = ["Outfitters", "Trading", "Supply", "Goods", "Boutique", "Store", "Co", "Traders"]


def fill(count, listed_share, rng):
    """Insert `count` customers and links for about `listed_share` of them."""
    now = utcnow()
    customers, links = [], []
    for i in range(count):
        cin7_id = f"{rng.getrandbits(128):032x}"
        name = f"{rng.choice(WORDS)} {rng.choice(KINDS)} {i:06d}"
        contact_ids = [f"{cin7_id[:24]}{n:08x}" for n in range(rng.choice((0, 1, 2)))]
        customers.append({"cin7_id": cin7_id, "name": name, "status": "Active" if rng.random()
                          < 0.9 else "Deprecated", "email": f"buyer{i}@example.com",
                          "contact_ids": contact_ids, "modified": now, "refreshed_at": now})
        if rng.random() < listed_share:
            kind = "company" if contact_ids else "contact"
            links.append({"entity": "customer", "cin7_id": cin7_id, "system": "hubspot",
                          "remote_type": kind, "remote_id": str(10_000_000 + i), "name": name})
            links += [{"entity": "contact", "cin7_id": c, "system": "hubspot",
                       "remote_type": "contact", "remote_id": str(50_000_000 + i * 4 + n),
                       "name": name} for n, c in enumerate(contact_ids)]
    with store.atomic_write():
        for start in range(0, len(customers), 500):
            CustomerRecord.insert_many(customers[start:start + 500]).execute()
        for start in range(0, len(links), 500):
            Link.insert_many(links[start:start + 500]).execute()
    return len(customers), sum(1 for link in links if link["entity"] == "customer")


def timed(client, path, count, headers=None):
    """Milliseconds per request for `count` requests of `path` (after one warm-up)."""
    client.get(path, headers=headers or {})
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(path, headers=headers or {})
        response.get_data()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--listed", type=float, default=0.6)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench-panel-"))
    config = configuration.load({"DATABASE_URL": f"sqlite:///{folder / 'syncdesk.db'}",
                                 "SECRET_KEY": "bench-secret"})
    from web import create_app

    app = create_app(config, {"TESTING": True, "WTF_CSRF_ENABLED": False})
    started = time.perf_counter()
    total, listed = fill(args.customers, args.listed, random.Random(7))
    store.db.execute_sql("ANALYZE")
    print(f"store: {total:,} customers, {listed:,} listed, filled in "
          f"{time.perf_counter() - started:.1f} s")

    accounts.create_admin("bench", "bench-password")
    client = app.test_client()
    client.post("/login", data={"username": "bench", "password": "bench-password"})
    middle = (CustomerRecord.select(CustomerRecord.cin7_id)
              .order_by(CustomerRecord.name, CustomerRecord.cin7_id)
              .offset(total // 2).limit(1).scalar())  # a page deep in the list (keyset)
    cases = [("first page", "/customers/", None),
             ("middle page", f"/customers/?after={middle}&start={total // 2}", None),
             ("last page", "/customers/?last=1", None),
             ("htmx partial, next", f"/customers/?after={middle}", {"HX-Request": "true"}),
             ("search 'harbour'", "/customers/?q=harbour", None),
             ("search e-mail", "/customers/?q=buyer4242@", None),
             ("listed only", "/customers/?listed=yes", None),
             ("not listed, middle", f"/customers/?listed=no&after={middle}", None),
             ("Deprecated + search", "/customers/?status=Deprecated&q=summit", None)]
    worst = 0.0
    print(f"{'request':24} {'p50 ms':>8} {'p95 ms':>8}")
    for label, path, headers in cases:
        times = sorted(timed(client, path, args.requests, headers))
        p50 = statistics.median(times)
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        worst = max(worst, p95)
        print(f"{label:24} {p50:8.1f} {p95:8.1f}")
    started = time.perf_counter()
    size = len(client.get("/customers/export.csv").get_data())
    print(f"CSV of all {total:,} customers: {time.perf_counter() - started:.2f} s, "
          f"{size / 1e6:.1f} MB (streamed)")
    verdict = "meets" if worst < TARGET_MS else "MISSES"
    print(f"worst p95 {worst:.1f} ms: {verdict} the {TARGET_MS} ms target")
    store.db.close()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
