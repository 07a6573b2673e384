"""Customers import from Capsule (EXT-3 by the CUS-7/9/10 rules): organisations with their
people and lone people become Cin7 customers, once, with the import defaults."""

from core import runner, settings
from core.store import Intent, Link
from tests.capsule.conftest import capsule_create, capsule_put, field, parties, sync


def cin7_by_name(sandbox, name):
    return [c for c in sandbox.get("cin7/customers") if c["Name"].lower() == name.lower()]


def run_import(config, **kwargs):
    run = sync(config, "customers", "import", **kwargs)
    assert run.status == "finished", run.message
    return run


def harbour(sandbox):
    org = capsule_create(sandbox, type="organisation", name="Blue Harbour Traders",
                         addresses=[{"type": "Office", "street": "1 Pier St", "city": "Portland",
                                     "country": "United States"}])
    ana = capsule_create(sandbox, type="person", firstName="Ana", lastName="Ruiz",
                         organisation={"id": org["id"]},
                         emailAddresses=[{"type": "Work", "address": "ana@blueharbour.example"}],
                         phoneNumbers=[{"type": "Mobile", "number": "+1 503 555 0101"}])
    return org, ana


def test_an_organisation_with_its_people_becomes_a_customer_with_contacts(
        capsule_importing, sandbox):
    harbour(sandbox)
    run = run_import(capsule_importing)
    [customer] = cin7_by_name(sandbox, "Blue Harbour Traders")
    assert [(c["Name"], c["Email"], c["MobilePhone"]) for c in customer["Contacts"]] == [
        ("Ana Ruiz", "ana@blueharbour.example", "+1 503 555 0101")]
    assert customer["Currency"] == "USD" and customer["Addresses"][0]["City"] == "Portland"
    assert run.created == 1 and Intent.select().count() == 0
    assert Link.get(Link.system == "capsule").remote_id == customer["ID"]


def test_a_person_without_organisation_is_a_customer_unless_ignored(capsule_importing, sandbox):
    capsule_create(sandbox, type="person", firstName="Lone", lastName="Buyer",
                   emailAddresses=[{"type": "Work", "address": "lone@buyer.example"}])
    run_import(capsule_importing)
    [customer] = cin7_by_name(sandbox, "Lone Buyer")
    assert customer["Contacts"][0]["Email"] == "lone@buyer.example"
    settings.set("import.ignore_contacts_without_company", "on")
    capsule_create(sandbox, type="person", firstName="Other", lastName="Loner")
    run_import(capsule_importing)
    assert cin7_by_name(sandbox, "Other Loner") == []


def test_an_existing_customer_is_matched_by_name_and_its_contact_by_email(
        capsule_importing, sandbox):
    existing = next(c for c in sandbox.get("cin7/customers") if c["Contacts"]
                    and c["Contacts"][0].get("Email"))
    email = existing["Contacts"][0]["Email"]
    org = capsule_create(sandbox, type="organisation", name=existing["Name"].upper())
    capsule_create(sandbox, type="person", firstName="Renamed", lastName="Person",
                   organisation={"id": org["id"]},
                   emailAddresses=[{"type": "Work", "address": email}],
                   phoneNumbers=[{"type": "Work", "number": "+1 555 0199"}])
    before = len(sandbox.get("cin7/customers"))
    run = run_import(capsule_importing)
    assert len(sandbox.get("cin7/customers")) == before and run.updated == 1
    [customer] = cin7_by_name(sandbox, existing["Name"])
    contact = next(c for c in customer["Contacts"] if c["Email"].lower() == email.lower())
    assert (contact["Name"], contact["Phone"]) == ("Renamed Person", "+1 555 0199")


def test_a_no_change_run_writes_nothing_and_a_person_changed_since_updates_the_customer(
        capsule_importing, sandbox):
    org, ana = harbour(sandbox)
    run_import(capsule_importing)
    second = run_import(capsule_importing)
    assert (second.created, second.updated) == (0, 0)
    capsule_put(sandbox, ana["id"], jobTitle="Head Buyer")
    third = run_import(capsule_importing)
    assert (third.created, third.updated) == (0, 1)
    [customer] = cin7_by_name(sandbox, "Blue Harbour Traders")
    assert customer["Contacts"][0]["JobTitle"] == "Head Buyer"


def test_the_owner_is_the_sales_rep_only_when_a_cin7_user_has_that_name(
        capsule_importing, sandbox):
    capsule_create(sandbox, type="organisation", name="Rep Unknown Co")
    run = run_import(capsule_importing)
    assert not cin7_by_name(sandbox, "Rep Unknown Co")[0].get("SalesRepresentative")
    assert any("Sandbox Admin" in r.reason for r in run.results if r.outcome == "warning")


def test_a_create_whose_link_was_lost_is_found_by_name(capsule_importing, sandbox):
    harbour(sandbox)
    run_import(capsule_importing)
    Link.delete().execute()  # the link write was lost
    runner.sync(capsule_importing, "customers", "import", full=True)
    assert len(cin7_by_name(sandbox, "Blue Harbour Traders")) == 1


def test_dry_run_shows_the_plan_and_writes_nothing(capsule_importing, sandbox):
    harbour(sandbox)
    before = len(sandbox.get("cin7/customers"))
    run = run_import(capsule_importing, dry_run=True)
    assert [(r["record"], r["action"]) for r in run.plan] == [("Blue Harbour Traders", "create")]
    assert len(sandbox.get("cin7/customers")) == before


def test_switching_to_export_after_an_import_updates_those_parties_instead_of_doubling(
        capsule_importing, sandbox):
    org, ana = harbour(sandbox)
    run_import(capsule_importing)
    settings.set("customers.direction", "export")
    run = sync(capsule_importing, "customers", "export")
    assert run.status == "finished", run.message
    found = parties(sandbox)
    [again] = [p for p in found if p.get("name") == "Blue Harbour Traders"]
    [person] = [p for p in found if "ana@blueharbour.example" in
                [e["address"] for e in p["emailAddresses"]]]
    assert (again["id"], person["id"]) == (org["id"], ana["id"])
    [customer] = cin7_by_name(sandbox, "Blue Harbour Traders")
    assert field(again, "Cin7 Customer ID") == customer["ID"]
    assert person["organisation"]["id"] == org["id"]
