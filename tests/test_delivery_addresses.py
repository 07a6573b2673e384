"""CUS-10: every delivery (Shipping) address of a Cin7 customer, both ways."""

import time

import pytest
import requests

from core import runner, schema, settings
from core.connectors.hubspot import HubSpot
from core.customers import addresses
from core.customers.export import ensure_properties
from core.customers.to_hubspot import property_specs
from core.records import Address
from tests.conftest import make_config
from tests.test_customers_export import by_name, cin7_put, hubspot_writes
from tests.test_customers_import import TOKEN, hubspot_create, run_import

PROPERTY = addresses.PROPERTY
SLOW = 1.0  # seconds a "slow" fault holds a request before doing its work


def landed():
    """Wait until a request the client gave up on has done its work in the sandbox, so it
    lands in this test and not in the next one."""
    time.sleep(SLOW + 0.3)


def export(config):
    run = runner.sync(config, "customers", "export")
    assert run.status == "finished", run.message
    return run


def shipping(customer):
    return [a for a in customer["Addresses"] if a["Type"] == "Shipping"]


def line(a):
    return "; ".join(a.get(f) or "" for f in ("Line1", "Line2", "City", "State", "Postcode",
                                              "Country"))


def several(sandbox):
    return [c for c in sandbox.get("cin7/customers") if c["Contacts"] and len(shipping(c)) > 1]


def company_of(sandbox, customer_id):
    [company] = by_name(sandbox.hubspot("companies"), "cin7_customer_id", customer_id)
    return company["properties"]


def test_every_delivery_address_is_on_the_company_the_default_first(config, sandbox):
    customers = several(sandbox)
    assert customers, "the seed must include customers with several delivery addresses"
    export(config)
    for customer in customers:
        props = company_of(sandbox, customer["ID"])
        lines = props[PROPERTY].split("\n")
        default = next(a for a in shipping(customer) if a["DefaultForType"])
        assert lines[0] == line(default)
        assert sorted(lines) == sorted(line(a) for a in shipping(customer))
        business = next(a for a in customer["Addresses"] if a["Type"] == "Business")
        assert props["city"] == business["City"]  # the main address stays the main address


def test_an_edited_delivery_address_follows_and_a_rerun_writes_nothing(config, sandbox):
    export(config)
    customer = several(sandbox)[0]
    edited = dict(shipping(customer)[1], Line1="99 Wharf Road")
    cin7_put(sandbox, {"ID": customer["ID"], "Addresses": [edited]})
    run = export(config)
    assert run.updated >= 1 and run.created == 0
    lines = company_of(sandbox, customer["ID"])[PROPERTY].split("\n")
    assert line(edited) in lines and len(lines) == len(shipping(customer))
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    again = export(config)
    assert (again.created, again.updated) == (0, 0) and hubspot_writes(sandbox) == []


def test_a_retried_export_duplicates_no_company(tmp_path, sandbox):
    config = make_config(tmp_path / "slow", sandbox.url, http_timeout=0.5)
    schema.init(config.database_url)
    settings.set("sync.enabled", "on")
    sandbox.fault(system="hubspot", kind="slow", count=1, delay=SLOW, path="companies/batch/upsert")
    export(config)
    landed()
    ids = [c["properties"]["cin7_customer_id"] for c in sandbox.hubspot("companies")]
    assert len(ids) == len(set(ids))
    assert company_of(sandbox, several(sandbox)[0]["ID"])[PROPERTY].count("\n") >= 1


DELIVERY = ("1 Dock Road; Gate 2; Hobart; TAS; 7000; Australia\n"
            "5 Quay Street; ; Launceston; TAS; 7250; Australia")


@pytest.fixture
def delivery_in(importing):
    """Importing, with SyncDesk's company properties in HubSpot (the first import makes them)."""
    ensure_properties(HubSpot(importing), property_specs([]))
    return importing


def imported(sandbox, name):
    [customer] = [c for c in sandbox.get("cin7/customers") if c["Name"] == name]
    return customer


def test_a_companys_delivery_addresses_become_shipping_addresses(delivery_in, sandbox):
    hubspot_create(sandbox, "companies", {"name": "Many Docks Pty Ltd", "address": "1 Main St",
                                          "city": "Hobart", "country": "Australia",
                                          PROPERTY: DELIVERY})
    run_import(delivery_in)
    customer = imported(sandbox, "Many Docks Pty Ltd")
    assert [(a["Line1"], a["DefaultForType"]) for a in shipping(customer)] == [
        ("1 Dock Road", True), ("5 Quay Street", False)]
    assert [a["Type"] for a in customer["Addresses"]].count("Billing") == 1
    second = run_import(delivery_in)
    assert (second.created, second.updated) == (0, 0)


def test_a_line_edited_in_hubspot_updates_its_row_without_duplicating(delivery_in, sandbox):
    company = hubspot_create(sandbox, "companies", {"name": "Edited Docks Ltd",
                                                    "country": "Australia", PROPERTY: DELIVERY})
    run_import(delivery_in)
    before = {a["Line1"]: a["ID"] for a in shipping(imported(sandbox, "Edited Docks Ltd"))}
    changed = DELIVERY.replace("5 Quay Street", "7 Quay Street") + \
        "\n3 Mill Lane; ; Devonport; TAS; 7310; Australia"
    r = requests.patch(f"{sandbox.url}/hubspot/crm/v3/objects/companies/{company}",
                       json={"properties": {PROPERTY: changed}}, headers=TOKEN, timeout=10)
    assert r.status_code == 200, r.text
    run_import(delivery_in)
    after = {a["Line1"]: a["ID"] for a in shipping(imported(sandbox, "Edited Docks Ltd"))}
    assert after["1 Dock Road"] == before["1 Dock Road"]
    assert after["7 Quay Street"] == before["5 Quay Street"]  # the same row, edited
    assert len(after) == 3 and "5 Quay Street" not in after


def test_an_import_put_that_timed_out_adds_no_address_twice(delivery_in, sandbox, tmp_path):
    company = hubspot_create(sandbox, "companies", {"name": "Timeout Docks Ltd",
                                                    "country": "Australia", PROPERTY: DELIVERY})
    run_import(delivery_in)
    more = DELIVERY + "\n3 Mill Lane; ; Devonport; TAS; 7310; Australia"
    requests.patch(f"{sandbox.url}/hubspot/crm/v3/objects/companies/{company}",
                   json={"properties": {PROPERTY: more}}, headers=TOKEN, timeout=10)
    slow = make_config(tmp_path, sandbox.url, http_timeout=0.5)
    sandbox.fault(system="cin7", kind="slow", count=1, delay=SLOW, path="customer", method="PUT")
    first = runner.sync(slow, "customers", "import")  # the PUT landed, its answer was lost
    assert first.status == "failed" or first.failed >= 1, first.message
    landed()
    run_import(delivery_in)
    lines = [a["Line1"] for a in shipping(imported(sandbox, "Timeout Docks Ltd"))]
    assert sorted(lines) == ["1 Dock Road", "3 Mill Lane", "5 Quay Street"]


def test_matching_keeps_other_types_and_rows_hubspot_left_out():
    existing = [Address("1 Main", country="UK", type="Billing", default_for_type=True, id="b"),
                Address("2 Dock", city="Leeds", postcode="LS2", country="UK", type="Shipping",
                        default_for_type=True, id="s1"),
                Address("3 Quay", city="York", country="UK", type="Shipping", id="s2")]
    wanted, warnings = addresses.parse("3 Quay; ; York; ; ; UK\n4 New; Leeds\nnot an address")
    merged = addresses.merge(existing, wanted)
    by_line = {a.line1: a for a in merged}
    assert by_line["1 Main"].id == "b" and by_line["3 Quay"].id == "s2"
    assert by_line["3 Quay"].default_for_type and not by_line["2 Dock"].default_for_type
    assert by_line["4 New"].id == "" and by_line["4 New"].country == "Leeds"
    assert len(warnings) == 1 and "line 3" in warnings[0]
