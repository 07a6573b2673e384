"""Customers import (CUS-7..10): HubSpot companies and contacts become Cin7 customers."""

import subprocess
import sys
from collections import Counter

import requests

from core import cursors, runner, settings
from core.store import Intent, Link
from tests.conftest import import_defaults
from tests.test_kill_resume import child_env, kill_when

TOKEN = {"Authorization": "Bearer pat-na1-sandbox"}


def hubspot_create(sandbox, object_type, properties, company_id=None):
    body = {"properties": properties, "associations": []}
    if company_id:
        body["associations"] = [{"to": {"id": company_id}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]
    r = requests.post(f"{sandbox.url}/hubspot/crm/v3/objects/{object_type}", json=body,
                      headers=TOKEN, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def associate(sandbox, contact_id, company_id):
    r = requests.put(f"{sandbox.url}/hubspot/crm/v4/objects/contacts/{contact_id}/associations/"
                     f"default/companies/{company_id}", headers=TOKEN, timeout=10)
    assert r.status_code in (200, 201), r.text


def cin7_by_name(sandbox, name):
    return [c for c in sandbox.get("cin7/customers") if c["Name"].lower() == name.lower()]


def run_import(config):
    run = runner.sync(config, "customers", "import")
    assert run.status == "finished", run.message
    return run


def test_company_with_contacts_becomes_customer_with_contacts(importing, sandbox):
    company = hubspot_create(sandbox, "companies", {"name": "Blue Harbour Traders",
                                                    "city": "Portland", "address": "1 Pier St",
                                                    "country": "United States"})
    hubspot_create(sandbox, "contacts", {"firstname": "Ana", "lastname": "Ruiz",
                                         "email": "ana@blueharbour.example"}, company)
    run = run_import(importing)
    [customer] = cin7_by_name(sandbox, "Blue Harbour Traders")
    assert [c["Email"] for c in customer["Contacts"]] == ["ana@blueharbour.example"]
    assert customer["Currency"] == "USD" and customer["Addresses"][0]["City"] == "Portland"
    assert run.created == 1
    assert Intent.select().count() == 0


def test_contact_without_company_becomes_customer_unless_ignored(importing, sandbox):
    hubspot_create(sandbox, "contacts", {"firstname": "Lone", "lastname": "Buyer",
                                         "email": "lone@buyer.example"})
    run_import(importing)
    [customer] = cin7_by_name(sandbox, "Lone Buyer")
    assert customer["Contacts"][0]["Email"] == "lone@buyer.example"

    settings.set("import.ignore_contacts_without_company", "on")
    hubspot_create(sandbox, "contacts", {"firstname": "Other", "lastname": "Loner"})
    run_import(importing)
    assert cin7_by_name(sandbox, "Other Loner") == []


def test_existing_customer_matched_by_name_and_contact_by_email(importing, sandbox):
    existing = next(c for c in sandbox.get("cin7/customers") if c["Contacts"]
                    and c["Contacts"][0].get("Email"))
    email = existing["Contacts"][0]["Email"]
    company = hubspot_create(sandbox, "companies", {"name": existing["Name"].upper()})
    hubspot_create(sandbox, "contacts", {"firstname": "Renamed", "lastname": "Person",
                                         "email": email, "phone": "+1 555 0199"}, company)
    before = len(sandbox.get("cin7/customers"))
    run = run_import(importing)
    assert len(sandbox.get("cin7/customers")) == before and run.updated == 1
    [customer] = cin7_by_name(sandbox, existing["Name"])
    contact = next(c for c in customer["Contacts"] if c["Email"].lower() == email.lower())
    assert (contact["Name"], contact["Phone"]) == ("Renamed Person", "+1 555 0199")
    assert len(customer["Contacts"]) == len(existing["Contacts"])


def test_contact_with_several_companies_joins_each_customer(importing, sandbox):
    first = hubspot_create(sandbox, "companies", {"name": "North Wind Ltd"})
    second = hubspot_create(sandbox, "companies", {"name": "South Sea GmbH"})
    contact = hubspot_create(sandbox, "contacts", {"firstname": "Kim", "lastname": "Park",
                                                   "email": "kim@wind.example"}, first)
    associate(sandbox, contact, second)
    run_import(importing)
    for name in ("North Wind Ltd", "South Sea GmbH"):
        [customer] = cin7_by_name(sandbox, name)
        assert [c["Email"] for c in customer["Contacts"]] == ["kim@wind.example"]


def test_unknown_owner_syncs_without_sales_rep_and_reports_it(importing, sandbox):
    owners = requests.get(f"{sandbox.url}/hubspot/crm/v3/owners", headers=TOKEN, timeout=10).json()
    reps = {c["SalesRepresentative"] for c in sandbox.get("cin7/customers")
            if c.get("SalesRepresentative")}
    names = {o["id"]: f"{o['firstName']} {o['lastName']}" for o in owners["results"]}
    known = next(i for i, n in names.items() if n in reps)
    unknown = next(i for i, n in names.items() if n not in reps)
    hubspot_create(sandbox, "companies", {"name": "Rep Known Co", "hubspot_owner_id": known})
    hubspot_create(sandbox, "companies", {"name": "Rep Unknown Co", "hubspot_owner_id": unknown})
    run = run_import(importing)
    assert cin7_by_name(sandbox, "Rep Known Co")[0]["SalesRepresentative"] == names[known]
    assert not cin7_by_name(sandbox, "Rep Unknown Co")[0].get("SalesRepresentative")
    warnings = [r for r in run.results if r.outcome == "warning"]
    assert any(names[unknown] in w.reason for w in warnings)


def test_second_import_without_change_writes_nothing_to_cin7(importing, sandbox):
    hubspot_create(sandbox, "companies", {"name": "Quiet Co"})
    run_import(importing)
    second = run_import(importing)
    assert (second.created, second.updated) == (0, 0)


def test_create_interrupted_before_its_link_is_found_by_name(importing, sandbox):
    hubspot_create(sandbox, "companies", {"name": "Half Done Ltd"})
    run_import(importing)
    Link.delete().where(Link.name == "Half Done Ltd").execute()  # the link write was lost
    runner.sync(importing, "customers", "import", full=True)
    assert len(cin7_by_name(sandbox, "Half Done Ltd")) == 1


def test_missing_import_defaults_refuse_with_the_setting_named(config, sandbox):
    settings.set("customers.direction", "import")
    run = runner.sync(config, "customers", "import")
    assert run.status == "failed" and "import.currency" in run.message


def test_a_customers_import_killed_midway_resumes_and_creates_nothing_twice(
        importing, sandbox):
    config = importing
    for i in range(250):  # three pages of 100 companies
        hubspot_create(sandbox, "companies", {"name": f"Killed Import Co {i:03}"})
    sandbox.fault(system="cin7", kind="slow", count=10_000, delay=0.05)
    child = subprocess.Popen([sys.executable, "-c", "from web.cli import main; main()", "sync",
                              "customers"], env=child_env(config), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    kill_when(child, lambda: (cursors.describe("customers", "import")[1] or 0) >= 1)
    sandbox.clear_faults()

    again = runner.sync(config, "customers", "import", wait=0)

    assert again.status == "finished", again.message
    assert "resumed after page" in again.message
    names = Counter(c["Name"] for c in sandbox.get("cin7/customers"))
    assert [n for n, count in names.items() if count > 1] == []
    wanted = {c["properties"]["name"] for c in sandbox.hubspot("companies")}
    assert wanted <= set(names)


def test_reading_back_customers_exported_earlier_adds_no_address(config, sandbox):
    """Customers went out to HubSpot; the admin turns the direction round: the first import
    finds the company's address already in Cin7 (its street in two lines there, one in
    HubSpot) and adds no second one; a customer Cin7 holds exactly as HubSpot says costs no
    write."""
    settings.set("customers.direction", "export")
    assert runner.sync(config, "customers", "export").status == "finished"
    before = {c["ID"]: len(c["Addresses"]) for c in sandbox.get("cin7/customers")}
    import_defaults(config, sandbox)
    run = runner.sync(config, "customers", "import", full=True)
    assert run.status == "finished", run.message
    after = {c["ID"]: len(c["Addresses"]) for c in sandbox.get("cin7/customers")}
    assert after == before and run.created == 0
    assert run.unchanged > run.updated
