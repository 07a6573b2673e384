"""Customers both ways with Salesforce (EXT-2, CUS-1 … CUS-8): Accounts and Contacts keyed by
Cin7_Customer_ID__c and Cin7_Contact_Key__c (the e-mail), by HubSpot's rules."""

from collections import Counter

import requests

from core import runner, settings
from core.store import Link
from tests.test_customers_export import GUIDE, cin7_customers

CUSTOMER_KEY, CONTACT_KEY, STATUS = "Cin7_Customer_ID__c", "Cin7_Contact_Key__c", "Cin7_Status__c"


def sync(config, direction, **kwargs):
    run = runner.sync(config, "customers", direction, **kwargs)
    assert run.status == "finished", run.message
    return run


def writes(sandbox):
    return [r for r in sandbox.get("requests", system="salesforce")
            if r["method"] in ("POST", "PATCH", "DELETE") and "oauth2" not in r["path"]]


def emails_of(customers):
    return {ct["Email"].lower() for c in customers for ct in c["Contacts"]
            if ct.get("Email") and "@" in ct["Email"]}


def test_every_customer_is_an_account_with_its_contacts_under_it(sf, sandbox):
    sync(sf, "export")
    customers = cin7_customers(sandbox)
    accounts = sandbox.get("salesforce/Account")
    assert sorted(a[CUSTOMER_KEY] for a in accounts) == sorted(c["ID"] for c in customers)
    contacts = sandbox.get("salesforce/Contact")
    keys = Counter(c[CONTACT_KEY] for c in contacts)
    assert max(keys.values()) == 1  # a shared e-mail is one Contact (CUS-2)
    assert emails_of(customers) <= {c["Email"] for c in contacts}
    account_of = {a["Id"]: a["Name"] for a in accounts}
    guide = [c for c in contacts if c["Email"] == "corsair_1@mail.uk"]
    assert len(guide) == 1 and account_of[guide[0]["AccountId"]] in GUIDE
    assert (guide[0]["FirstName"], guide[0]["LastName"]) == ("Peter", "Blood")


def test_a_second_run_without_change_writes_nothing(sf, sandbox):
    first = sync(sf, "export")
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    second = sync(sf, "export", full=True)  # every customer read again
    assert first.created > 0 and (second.created, second.updated) == (0, 0)
    assert second.unchanged >= first.created  # and the Contacts sharing an e-mail
    assert writes(sandbox) == []


def test_a_contact_made_by_hand_with_the_same_e_mail_is_adopted_not_doubled(sf, org,
                                                                           sandbox):
    hand_made = org.make("Contact", LastName="Blood", Email="Corsair_1@mail.uk")
    sync(sf, "export")
    [contact] = [c for c in sandbox.get("salesforce/Contact")
                 if c["Email"].lower() == "corsair_1@mail.uk"]
    assert contact["Id"] == hand_made and contact[CONTACT_KEY] == "corsair_1@mail.uk"
    assert contact["FirstName"] == "Peter" and contact["AccountId"]


def test_deprecated_customers_are_inactive(sf, sandbox):
    sync(sf, "export")
    deprecated = [c for c in cin7_customers(sandbox) if c["Status"] == "Deprecated"
                  and c["Contacts"]]
    assert deprecated, "the seed must include deprecated customers with contacts"
    accounts = {a[CUSTOMER_KEY]: a for a in sandbox.get("salesforce/Account")}
    assert {accounts[c["ID"]][STATUS] for c in deprecated} == {"Inactive"}
    mine = emails_of(deprecated) - emails_of([c for c in cin7_customers(sandbox)
                                              if c["Status"] != "Deprecated"])
    statuses = {c[STATUS] for c in sandbox.get("salesforce/Contact") if c["Email"] in mine}
    assert statuses == {"Inactive"}


def test_lost_links_never_make_duplicates(sf, sandbox):
    sync(sf, "export")
    before = (len(sandbox.get("salesforce/Account")), len(sandbox.get("salesforce/Contact")))
    Link.delete().execute()
    run = sync(sf, "export")
    assert run.created == 0
    assert (len(sandbox.get("salesforce/Account")),
            len(sandbox.get("salesforce/Contact"))) == before


def test_a_dry_run_shows_the_plan_and_writes_nothing(sf, sandbox):
    run = sync(sf, "export", dry_run=True)
    assert run.created > 0 and {p["object"] for p in run.plan} >= {"company", "contact"}
    assert sandbox.get("salesforce/Account") == []


def test_an_org_without_the_fields_is_refused_with_the_setup_steps(sf, sandbox, sf_keys):
    sandbox.reset(customers=4, salesforce_jwt_public_key=sf_keys[1],
                  salesforce_cin7_fields=False)
    run = runner.sync(sf, "customers", "export")
    assert run.status == "failed"
    assert "Object Manager > Account" in run.message and "Cin7_Customer_ID" in run.message
    assert "tick Unique and External ID" in run.message
    assert sandbox.get("salesforce/Account") == []


def test_accounts_and_contacts_import_as_customers_once(sf_in, org, sandbox):
    account = org.account("Quayside Traders", Phone="+61 3 6200 1111")
    org.make("Contact", LastName="Nguyen", FirstName="Lin", Email="lin@quayside.example",
             AccountId=account)
    org.make("Contact", LastName="Solo", FirstName="Han", Email="han@solo.example",
             MailingStreet="1 Long Rd", MailingCity="Perth", MailingCountry="Australia")
    first = sync(sf_in, "import")
    customers = {c["Name"]: c for c in cin7_customers(sandbox)}
    quayside = customers["Quayside Traders"]
    assert [c["Email"] for c in quayside["Contacts"]] == ["lin@quayside.example"]
    assert quayside["Currency"] == "USD" and quayside["PaymentTerm"] == settings.get(
        "import.payment_term")
    assert "Han Solo" in customers  # a Contact without Account is a customer (CUS-7)
    assert first.created == 2
    again = sync(sf_in, "import", full=True)
    assert (again.created, again.updated) == (0, 0) and again.unchanged == 2
    names = Counter(c["Name"] for c in cin7_customers(sandbox))
    assert names["Quayside Traders"] == 1


def test_a_changed_contact_updates_its_customer(sf_in, org, sandbox):
    account = org.account("Quayside Traders")
    contact = org.make("Contact", LastName="Nguyen", Email="lin@quayside.example",
                       AccountId=account)
    sync(sf_in, "import")
    org.update("Contact", contact, Phone="+61 400 000 000")
    run = sync(sf_in, "import")
    assert run.updated == 1
    quayside = next(c for c in cin7_customers(sandbox) if c["Name"] == "Quayside Traders")
    assert quayside["Contacts"][0]["Phone"] == "+61 400 000 000"
