"""Customers export to Capsule against the sandbox, over HTTP: the CUS-1..4 rules as Capsule
allows them, idempotency without an upsert, dry runs."""

import requests

from core import settings
from core.store import Link
from tests.capsule.conftest import capsule_writes, field, parties, sync

GUIDE = ("Arabella", "Admiralty", "Revenge of New York")
SHARED = "corsair_1@mail.uk"


def cin7_customers(sandbox):
    return sandbox.get("cin7/customers")


def emails_of(party):
    return [e["address"] for e in party["emailAddresses"]]


def cin7_put(sandbox, customer):
    r = requests.put(f"{sandbox.url}/cin7/ExternalApi/v2/customer", json=customer, timeout=10,
                     headers={"api-auth-accountid": "sandbox-account",
                              "api-auth-applicationkey": "sandbox-key"})
    assert r.status_code == 200, r.text


def test_customers_with_contacts_are_organisations_with_their_people_others_a_person(
        capsule_crm, sandbox):
    run = sync(capsule_crm, "customers", "export")
    assert run.status == "finished", run.message
    customers, found = cin7_customers(sandbox), parties(sandbox)
    orgs = {field(p, "Cin7 Customer ID"): p for p in found if p["type"] == "organisation"}
    assert sorted(orgs) == sorted(c["ID"] for c in customers if c["Contacts"])
    lone = {field(p, "Cin7 Customer ID"): p for p in found
            if p["type"] == "person" and field(p, "Cin7 Customer ID")}
    assert sorted(lone) == sorted(c["ID"] for c in customers if not c["Contacts"])
    assert all(p["organisation"] is None for p in lone.values())
    # every contact's person works for its customer's organisation (or, shared, for another)
    people = [p for p in found if field(p, "Cin7 Contact ID")]
    by_contact = {field(p, "Cin7 Contact ID"): p for p in people}
    for customer in customers:
        for contact in customer["Contacts"]:
            person = by_contact.get(contact["ID"])
            if person is not None and (contact.get("Email") or "").lower() != SHARED:
                assert person["organisation"]["id"] == orgs[customer["ID"]]["id"]
    emails = [e for p in people for e in emails_of(p)]
    assert len(emails) == len(set(emails))  # one person per e-mail


def test_a_shared_email_is_one_person_with_the_first_customer_noted_on_the_others(
        capsule_crm, sandbox):
    sync(capsule_crm, "customers", "export")
    found = parties(sandbox)
    [blood] = [p for p in found if SHARED in emails_of(p)]
    assert (blood["firstName"], blood["lastName"]) == ("Peter", "Blood")
    assert blood["organisation"]["name"] == "Arabella"
    for name in ("Admiralty", "Revenge of New York"):
        [org] = [p for p in found if p["type"] == "organisation" and p["name"] == name]
        assert SHARED in (org["about"] or "") and "another organisation" in org["about"]
    shared = Link.select().where(Link.system == "capsule", Link.remote_id == str(blood["id"]))
    assert shared.count() == 3  # each customer's contact is linked to that one person


def test_deprecated_customers_carry_the_chosen_tag_and_lose_it_when_active(capsule_crm, sandbox):
    settings.set("capsule.deprecated_tag", "Cin7 Deprecated")
    sync(capsule_crm, "customers", "export")
    customers = cin7_customers(sandbox)
    old = next(c for c in customers if c["Status"] == "Deprecated" and c["Contacts"])
    tagged = [p for p in parties(sandbox)
              if "Cin7 Deprecated" in [t["name"] for t in p["tags"]]]
    assert old["ID"] in {field(p, "Cin7 Customer ID") for p in tagged}
    assert {field(p, "Cin7 Contact ID") for p in tagged} >= {c["ID"] for c in old["Contacts"]
                                                           if (c.get("Email") or "").lower() != SHARED}
    cin7_put(sandbox, {"ID": old["ID"], "Status": "Active"})
    sync(capsule_crm, "customers", "export")
    [org] = [p for p in parties(sandbox) if field(p, "Cin7 Customer ID") == old["ID"]]
    assert org["tags"] == []


def test_a_second_run_without_change_writes_nothing_and_a_change_is_one_put(
        capsule_crm, sandbox):
    first = sync(capsule_crm, "customers", "export")
    assert first.created > 0
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    second = sync(capsule_crm, "customers", "export")
    assert second.status == "finished" and (second.created, second.updated) == (0, 0)
    assert capsule_writes(sandbox) == []
    customer = next(c for c in cin7_customers(sandbox) if c["Contacts"] and c["Name"] not in GUIDE)
    cin7_put(sandbox, {"ID": customer["ID"], "Name": customer["Name"] + " Renamed"})
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    third = sync(capsule_crm, "customers", "export")
    assert (third.created, third.updated) == (0, 1)
    assert [w["method"] for w in capsule_writes(sandbox)] == ["PUT"]
    [org] = [p for p in parties(sandbox) if field(p, "Cin7 Customer ID") == customer["ID"]]
    assert org["name"] == customer["Name"] + " Renamed"


def test_dry_run_shows_the_plan_and_writes_nothing(capsule_crm, sandbox):
    run = sync(capsule_crm, "customers", "export", dry_run=True)
    assert run.status == "finished" and run.created > 0
    assert {row["object"] for row in run.plan} >= {"organisation", "person"}
    assert {row["action"] for row in run.plan} >= {"create", "link"}
    assert parties(sandbox) == [] and capsule_writes(sandbox) == []
    assert Link.select().count() == 0


def test_a_bad_address_fails_alone_naming_the_field_and_the_run_goes_on(capsule_crm, sandbox):
    victim = next(c for c in cin7_customers(sandbox) if c["Contacts"] and c["Name"] not in GUIDE)
    address = dict(victim["Addresses"][0], Country="Atlantis") if victim["Addresses"] else {
        "Line1": "1 Sea Rd", "City": "Nowhere", "Country": "Atlantis", "Type": "Billing"}
    cin7_put(sandbox, {"ID": victim["ID"], "Addresses": [address]})
    run = sync(capsule_crm, "customers", "export")
    assert run.status == "finished"
    failed = [r for r in run.results if r.outcome == "failed"]
    assert [(f.record_id, f.field) for f in failed][:1] == [(victim["ID"], "country")]
    assert "unknown country" in failed[0].reason
    assert run.created > 10


def test_an_organisation_deleted_in_capsule_is_made_again_on_the_next_change(
        capsule_crm, sandbox):
    sync(capsule_crm, "customers", "export")
    customer = next(c for c in cin7_customers(sandbox) if c["Contacts"] and c["Name"] not in GUIDE)
    [org] = [p for p in parties(sandbox) if field(p, "Cin7 Customer ID") == customer["ID"]]
    r = requests.delete(f"{sandbox.url}/capsule/api/v2/parties/{org['id']}", timeout=10,
                        headers={"Authorization": "Bearer capsule-sandbox-token"})
    assert r.status_code == 204
    cin7_put(sandbox, {"ID": customer["ID"], "Name": customer["Name"] + " Again"})
    run = sync(capsule_crm, "customers", "export")
    assert run.status == "finished" and run.failed == 0 and run.created == 1
    [again] = [p for p in parties(sandbox) if field(p, "Cin7 Customer ID") == customer["ID"]]
    assert again["name"] == customer["Name"] + " Again" and again["id"] != org["id"]
    people = [p for p in parties(sandbox) if p["type"] == "person" and p["organisation"]
              and p["organisation"]["id"] == again["id"]]
    assert people  # its people work for the new organisation


def test_people_already_in_capsule_are_adopted_by_email_when_asked(capsule_crm, sandbox):
    customer = next(c for c in cin7_customers(sandbox) if c["Contacts"] and c["Name"] not in GUIDE
                    and c["Contacts"][0].get("Email"))
    email = customer["Contacts"][0]["Email"].lower()
    r = requests.post(f"{sandbox.url}/capsule/api/v2/parties", timeout=10,
                      headers={"Authorization": "Bearer capsule-sandbox-token"},
                      json={"party": {"type": "person", "firstName": "Already", "lastName": "Here",
                                      "emailAddresses": [{"type": "Home", "address": email}]}})
    assert r.status_code == 201
    settings.set("capsule.match_people_by_email", "on")
    run = sync(capsule_crm, "customers", "export")
    assert run.status == "finished" and run.failed == 0
    [person] = [p for p in parties(sandbox) if email in emails_of(p)]
    assert person["id"] == r.json()["party"]["id"]  # written over, not doubled
    assert field(person, "Cin7 Contact ID") == customer["Contacts"][0]["ID"]
    assert person["organisation"]["name"] == customer["Name"]
