"""EXT-1: a brand on Cin7 Omni matches, uploads and updates its customers in JOOR exactly as a
Cin7 Core brand does (joor.source = omni), each customer reaching JOOR once."""

from collections import Counter

import requests

from core import runner, runs, settings
from core.connectors.cin7 import Cin7
from core.connectors.joor import Joor
from core.connectors.omni import Omni
from core.joor import customers as joor_customers
from core.joor import follow as joor_follow
from core.joor.models import JoorCustomer
from core.store import Link


def run(config, direction, only=None):
    row, _ = runs.request("joor", direction, "cli", only=only)
    return runner.execute(config, row.id)


def omni_contacts(sandbox):
    r = requests.get(f"{sandbox.url}/omni/_sandbox/contacts", timeout=10)
    r.raise_for_status()
    return [c for c in r.json() if c["type"] == "Customer"]


def edit_contact(sandbox, contact_id, **fields):
    requests.patch(f"{sandbox.url}/omni/_sandbox/contacts/{contact_id}", json=fields,
                   timeout=10).raise_for_status()


def states():
    return Counter(link.state for link in Link.select().where(Link.system == "joor"))


def twice_in_joor(sandbox):
    """Omni customers JOOR holds more than one connection for (what must never happen)."""
    by_source = {c["_source"]: str(c["id"]) for c in omni_contacts(sandbox)}
    owners = Counter()
    for c in sandbox.connections():
        owner = by_source.get(c.get("_source")) or (
            c["customer_code"] if c["customer_code"] in by_source.values() else None)
        if owner:
            owners[owner] += 1
    return [owner for owner, n in owners.items() if n > 1]


def cin7_calls(sandbox):
    return sandbox.calls(path="/cin7/")


def use_omni():
    settings.set("joor.source", "omni")


def test_the_joor_flows_read_omni_when_it_is_chosen_and_the_hubspot_flows_stay_on_core(jconfig):
    assert isinstance(runner.client("cin7", "joor", jconfig), Cin7)
    use_omni()
    assert isinstance(runner.client("cin7", "joor", jconfig), Omni)
    assert isinstance(runner.client("cin7", "customers", jconfig), Cin7)
    assert isinstance(runner.client("cin7", "sales", jconfig), Cin7)


def test_match_pairs_omni_customers_with_joors_connections(jconfig, joor):
    use_omni()
    done = run(jconfig, "match")
    assert done.status == "finished", done.message
    omni_ids = {str(c["id"]) for c in omni_contacts(joor)}
    linked = list(Link.select().where(Link.system == "joor"))
    assert linked and {link.cin7_id for link in linked} <= omni_ids
    assert done.created == len(linked) and done.updated == 3  # the doubtful pairs, as on Core
    assert {row.cin7_id for row in JoorCustomer.select()} == omni_ids
    assert cin7_calls(joor) == []  # Cin7 Core was never asked


def test_upload_sends_active_omni_customers_once_and_follows_them_until_connected(jconfig, joor):
    use_omni()
    done = run(jconfig, "upload")
    assert done.status == "finished", done.message
    assert "matched first" in done.message
    sent = done.created
    active = {str(c["id"]) for c in omni_contacts(joor) if c["isActive"]}
    (job,) = joor.jobs()
    codes = [r["customer_code"] for r in job["records"]]
    assert sent > 0 and len(codes) == sent and set(codes) <= active  # the Omni id is the code
    assert states()["queued"] == sent
    joor.advance(2)
    assert follow(jconfig)["jobs finished"] == 1 and states()["pending"] == sent
    joor.advance(3600)
    follow(jconfig)
    assert states()["pending"] == 0 and states()["connected"] >= sent
    assert twice_in_joor(joor) == []
    assert run(jconfig, "upload").created == 0 and len(joor.jobs()) == 1  # nothing sent again
    assert cin7_calls(joor) == []


def test_update_pushes_a_changed_omni_customer_under_joors_own_code(jconfig, joor):
    use_omni()
    run(jconfig, "match")
    matched = Link.select().where(Link.system == "joor", Link.state == "connected",
                                  Link.remote_key != Link.cin7_id).first()
    assert matched is not None and joor_customers.to_update().count() == 0
    edit_contact(joor, matched.cin7_id, company="Renamed Retailer Ltd")
    done = run(jconfig, "update")
    assert done.updated == 1
    (job,) = joor.jobs()
    assert [r["customer_code"] for r in job["records"]] == [matched.remote_key]
    joor.advance(2)
    follow(jconfig)
    by_code = {c["customer_code"]: c for c in joor.connections()}
    assert by_code[matched.remote_key]["customer_alias"] == "Renamed Retailer Ltd"
    assert twice_in_joor(joor) == []


def test_choosing_omni_forgets_the_cin7_core_customers_read_for_joor(jconfig, joor):
    assert run(jconfig, "refresh").status == "finished"
    core_ids = {c["ID"] for c in joor.cin7()}
    assert {row.cin7_id for row in JoorCustomer.select()} == core_ids
    use_omni()
    assert JoorCustomer.select().count() == 0  # no Core customer offered for upload any more
    assert run(jconfig, "refresh").status == "finished"
    assert {row.cin7_id for row in JoorCustomer.select()} == {
        str(c["id"]) for c in omni_contacts(joor)}


def test_omni_without_keys_refuses_the_run_naming_the_key(jconfig, joor):
    from dataclasses import replace

    use_omni()
    done = run(replace(jconfig, omni_api_key=""), "match")
    assert done.status == "refused" and "OMNI_API_KEY is not set" in done.message


def follow(config):
    return joor_follow.follow(Joor(config), pending_every=0)
