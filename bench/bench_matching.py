"""How well and how fast Cin7 customers are matched with JOOR connections (JOOR-4).

    .venv/bin/python bench/bench_matching.py [--size 2000] [--big 10000] [--seed 7]

Builds a labelled set: Cin7 customers from the sandbox seed, plus branches (a second shop of
the same company in another city, same e-mail domain); JOOR connections made from 70% of
them with real-world noise (typos, other legal suffixes, "&"/"and", word order, case,
accents, the city in the name, missing or other e-mails, missing or reformatted addresses),
plus JOOR-only retailers whose names come from the same pool. Prints precision and recall of
the automatic links, the share put to a person, and the time to match --big × --big.
Targets: precision >= 0.99, recall >= 0.9, 10,000 x 10,000 in under 5 s.
"""

import argparse
import copy
import random
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import matching  # noqa: E402
from core.connectors.cin7 import to_customer  # noqa: E402
from core.connectors.joor import to_connection  # noqa: E402
from core.joor.customers import row_of  # noqa: E402
from core.joor.match import connection_party, customer_party  # noqa: E402
from sandbox import joor_data, seed  # noqa: E402

BRANCH_SHARE = 0.05


def branch_name(name, city):
    """'Harbour Outfitters Leeds Ltd' for the Leeds shop of 'Harbour Outfitters (Bristol) Ltd'."""
    known = {c for c, _ in _cities()}
    words = [w for w in name.split() if w not in known and not w.isdigit()]
    suffix = [w for w in words[-2:] if w in ("Ltd", "Inc", "LLC", "Co.", "Pty", "GmbH")]
    head = words[:len(words) - len(suffix)]
    return " ".join(head + [city] + suffix)


def add_branches(customers, rng):
    """A second shop for some companies: same name + its city, same domain, other people."""
    branches = []
    for customer in customers:
        if customer["Status"] != "Active" or not customer["Addresses"] or rng.random() > BRANCH_SHARE:
            continue
        address = customer["Addresses"][0]
        cities = [c for c, _ in seed.COUNTRIES[address["Country"]][6] if c != address["City"]]
        if not cities:
            continue
        city = rng.choice(cities)
        twin = copy.deepcopy(customer)
        twin["ID"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        twin["Name"] = branch_name(customer["Name"], city)
        twin["Addresses"] = [{**address, "ID": None, "City": city,
                              "Postcode": seed._postcode(rng, address["Country"], city)}]
        domain = next((c["Email"].split("@")[1] for c in customer["Contacts"] if c["Email"]), None)
        for contact in twin["Contacts"]:
            contact["ID"] = None
            contact["Name"] = f"{rng.choice(seed.FIRST)} {rng.choice(seed.LAST)}"
            if domain:
                contact["Email"] = f"{contact['Name'].split()[0].lower()}.{city.lower()}@{domain}"
        branches.append(twin)
    return branches


def labelled_set(size, seed_value, extra=0.1):
    """(cin7 parties, joor parties, truth {joor code: cin7 id}, branch ids)."""
    rng = random.Random(seed_value * 31 + 5)  # not the seed's own sequence: no id clashes
    cin7 = seed.generate_customers(size, seed_value)
    branches = add_branches(cin7, rng)
    cin7 += branches
    joor = joor_data.generate(cin7, seed_value, extra=extra)
    branch_family = {b["ID"] for b in branches}
    for item in joor:  # the branch city often missing from JOOR's name: only the address tells
        if item["_source"] in branch_family and rng.random() < 0.5:
            item["customer_alias"] = " ".join(w for w in item["customer_alias"].split()
                                              if w.lower() not in {c.lower() for c, _ in _cities()})
    truth = {item["customer_code"]: item["_source"] for item in joor}
    customers = [customer_party(SimpleNamespace(**row_of(to_customer(c))))
                 for c in cin7 if c["Status"] == "Active"]
    connections = [connection_party(to_connection(item)) for item in joor]
    return customers, connections, truth, branch_family


def _cities():
    return [city for country in seed.COUNTRIES.values() for city in country[6]]


def quality(customers, connections, truth, branches):
    started = time.perf_counter()
    outcome = matching.match(customers, connections)
    elapsed = time.perf_counter() - started
    true_pairs = sum(1 for source in truth.values() if source)
    right = [p for p in outcome.linked if truth.get(p.joor.id) == p.cin7.id]
    wrong = [p for p in outcome.linked if truth.get(p.joor.id) != p.cin7.id]
    review_right = sum(1 for p in outcome.review if truth.get(p.joor.id) == p.cin7.id)
    branch_wrong = [p for p in wrong if p.cin7.id in branches or truth.get(p.joor.id) in branches]
    linked = len(outcome.linked)
    print(f"  customers {len(customers)}, connections {len(connections)}, true pairs {true_pairs}")
    print(f"  automatic links  {linked:6}  precision {len(right) / max(linked, 1):.4f}  "
          f"recall {len(right) / max(true_pairs, 1):.4f}  (wrong: {len(wrong)}, "
          f"of them branches: {len(branch_wrong)})")
    print(f"  put to a person  {len(outcome.review):6}  = {len(outcome.review) / len(customers):.1%}"
          f" of customers; {review_right} of them right; true pairs covered "
          f"(linked or asked): {(len(right) + review_right) / max(true_pairs, 1):.1%}")
    branch_pairs = {code: source for code, source in truth.items() if source in branches}
    asked = {(p.joor.id, p.cin7.id) for p in outcome.review}
    print(f"  branches: {len(branch_pairs)} true pairs are a company's second shop: "
          f"{sum(1 for p in right if p.cin7.id in branches)} linked right, "
          f"{sum(1 for c, s in branch_pairs.items() if (c, s) in asked)} asked, "
          f"{len(branch_wrong)} wrong")
    print(f"  unmatched        {len(outcome.unmatched_cin7):6} customers;  time {elapsed:.2f} s")
    for pair in wrong[:5]:
        print(f"    WRONG {pair.cin7.name!r} ({pair.cin7.city}) <-> {pair.joor.name!r} "
              f"({pair.joor.city}) {pair.score} {pair.reasons}")
    return len(right) / max(linked, 1), len(right) / max(true_pairs, 1), elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--big", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"Labelled set of {args.size} Cin7 customers (seed {args.seed}):")
    precision, recall, _ = quality(*labelled_set(args.size, args.seed))
    print(f"\nScale: {args.big} Cin7 customers against about as many JOOR connections:")
    # JOOR-only retailers added so there are about as many connections as customers
    customers, connections, truth, branches = labelled_set(args.big, args.seed + 1, extra=0.35)
    big_precision, big_recall, elapsed = quality(customers[:args.big], connections[:args.big],
                                                 truth, branches)
    verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    print(f"\nTargets: labelled set precision >= 0.99 and recall >= 0.9: "
          f"{verdict(precision >= 0.99 and recall >= 0.9)}; at scale precision "
          f"{verdict(big_precision >= 0.99)}, recall {verdict(big_recall >= 0.9)}; "
          f"{args.big:,} x {args.big:,} under 5 s: {verdict(elapsed < 5)}")
    return 0 if precision >= 0.99 and recall >= 0.9 and elapsed < 5 else 1


if __name__ == "__main__":
    sys.exit(main())
