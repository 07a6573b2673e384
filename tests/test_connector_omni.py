"""The Cin7 Omni connector against the sandbox: paging, changes, one by id, refusals, 429s."""

import datetime
import time
from dataclasses import replace

import pytest
import requests

from core import connections, settings
from core.connectors.omni import Omni
from core.errors import ServiceError
from core.store import Link


def contacts(sandbox):
    return requests.get(f"{sandbox.url}/omni/_sandbox/contacts", timeout=10).json()


def calls(sandbox):
    return [e for e in sandbox.get("requests", system="omni") if "/api/v1/" in e["path"]]


def test_customers_are_read_page_by_page_as_customer_records_without_suppliers(config, sandbox):
    pages = list(Omni(config).customer_pages(page_size=7))
    customers = [c for _, _, found in pages for c in found]
    wanted = {str(c["id"]) for c in contacts(sandbox) if c["type"] == "Customer"}
    assert {c.id for c in customers} == wanted and len(customers) == len(wanted) == 40
    assert [number for number, _, _ in pages] == [1, 2, 3, 4, 5, 6]  # 40 = 5 × 7 + 5
    asked = [e["query"] for e in calls(sandbox)]
    assert all(q["rows"] == "7" and q["order"] == "id ASC" for q in asked)
    arabella = next(c for c in customers if c.name == "Arabella")  # the guide's example
    assert arabella.contacts[0].name == "Peter Blood" and arabella.contacts[0].default
    assert arabella.contacts[0].email == "corsair_1@mail.uk"
    assert arabella.main_address("Billing").city and arabella.status == "Active"
    assert any(len(c.contacts) > 1 for c in customers)  # secondary contacts come along
    assert any(c.status == "Deprecated" for c in customers)  # isActive false


def test_a_page_is_never_asked_for_more_than_omnis_250_rows(config, sandbox):
    list(Omni(config).customer_pages(page_size=1000))
    assert [e["query"]["rows"] for e in calls(sandbox)] == ["250"]


def test_modified_since_reads_only_the_customers_changed_since(config, sandbox):
    before = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(
        seconds=5)
    changed = next(c for c in contacts(sandbox) if c["type"] == "Customer" and c["id"] > 1010)
    requests.patch(f"{sandbox.url}/omni/_sandbox/contacts/{changed['id']}",
                   json={"company": "Renamed Outfitters"}, timeout=10).raise_for_status()
    found = [c for _, _, page in Omni(config).customer_pages(modified_since=before) for c in page]
    assert [(c.id, c.name) for c in found] == [(str(changed["id"]), "Renamed Outfitters")]
    where = calls(sandbox)[-1]["query"]["where"]
    assert where == f"type='Customer' AND modifiedDate>='{before:%Y-%m-%dT%H:%M:%S}Z'"


def test_one_customer_is_read_by_id_and_a_supplier_or_unknown_id_is_none(config, sandbox):
    everyone = contacts(sandbox)
    customer = next(c for c in everyone if c["type"] == "Customer")
    supplier = next(c for c in everyone if c["type"] == "Supplier")
    omni = Omni(config)
    assert omni.customer(customer["id"]).name == customer["company"]
    assert omni.customer(supplier["id"]) is None
    assert omni.customer(999999) is None


def test_refused_keys_say_so_without_retrying(config, sandbox):
    with pytest.raises(ServiceError, match="API username or key was refused") as refused:
        next(Omni(replace(config, omni_api_key="wrong-key")).customer_pages())
    assert refused.value.status == 401 and "Unauthorized access" in str(refused.value)
    assert len(calls(sandbox)) == 1


def test_missing_read_permission_names_the_toggle(config, sandbox):
    sandbox.fault(system="omni", kind="error", status=403, count=1)
    with pytest.raises(ServiceError, match="tick Read on Contacts"):
        Omni(config).probe()


def test_a_429_pauses_the_client_then_the_read_goes_on(config, sandbox):
    limited = replace(config, omni_calls_per_minute=60)  # a 429 pauses for 60/60 = 1 s
    sandbox.fault(system="omni", kind="throttle", count=2)
    started = time.monotonic()
    found = [c for _, _, page in Omni(limited).customer_pages() for c in page]
    assert len(found) == 40 and time.monotonic() - started >= 1.9
    statuses = [e["status"] for e in calls(sandbox)]
    assert statuses == [429, 429, 200]


def test_the_client_keeps_to_three_calls_a_second_so_omni_never_refuses(config, sandbox):
    sandbox.reset(customers=40, omni_rate_per_second=3, omni_rate_per_minute=60)
    paced = replace(config, omni_calls_per_second=3, omni_calls_per_minute=60)
    started = time.monotonic()
    pages = list(Omni(paced).customer_pages(page_size=8))  # 6 calls: the last page is empty
    assert len(pages) == 6 and time.monotonic() - started >= 1.0
    assert {e["status"] for e in calls(sandbox)} == {200}
    assert sandbox.get("stats")["omni"]["throttled"] == 0


def test_syncdesk_check_has_an_omni_line_that_proves_the_keys(config, sandbox):
    found = {label: (ok, message) for label, ok, message in connections.check_all(config)}
    assert found["Cin7 Omni"] == (True, "contacts can be read (some)")
    ok, message = connections.check("omni", replace(config, omni_api_key="wrong-key-0042"))
    assert ok is False and "refused" in message and "wrong-key-0042" not in message
    ok, message = connections.check("omni", replace(config, omni_username="", omni_api_key=""))
    assert ok is None and message == "keys not set: OMNI_USERNAME, OMNI_API_KEY"


def _link(system, cin7_id):
    Link.create(entity="customer", cin7_id=cin7_id, system=system, remote_type="connection")


def test_disconnecting_a_cin7_forgets_only_the_links_that_name_its_records(config):
    settings.set("joor.source", "omni")
    _link("hubspot", "core-guid-1")
    _link("joor", "1001")
    assert connections.disconnect_preview("cin7")["links"] == 1
    assert connections.disconnect("cin7")["links"] == 1  # Core's HubSpot link only
    assert [link.system for link in Link.select()] == ["joor"]
    assert connections.disconnect("omni")["links"] == 1  # JOOR's links name Omni ids
    assert Link.select().count() == 0
