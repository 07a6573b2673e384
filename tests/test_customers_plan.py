"""The export plan, decided from records and links alone (what a dry run shows)."""

from types import SimpleNamespace

from core.customers.to_hubspot import plan_export, property_specs
from core.plan import fingerprint
from core.records import Contact, Customer


def customer(cid, name, *contacts, status="Active"):
    return Customer(id=cid, name=name, status=status, contacts=list(contacts))


def link(remote_id, fp=None):
    return SimpleNamespace(remote_id=remote_id, fingerprint=fp)


def test_customer_without_contacts_becomes_one_contact_without_company():
    plan = plan_export([customer("c1", "Solo Traders")], {}, {}, [])
    [write] = plan.writes
    assert (write.kind, write.action, write.id_property) == ("contact", "create", "cin7_contact_id")
    assert write.properties["firstname"] == "Solo Traders"
    assert write.company_of is None


def test_customer_with_contacts_becomes_company_with_contacts():
    plan = plan_export([customer("c1", "Arabella", Contact("Peter Blood", "Corsair_1@mail.uk", id="p1"))],
                       {}, {}, [])
    company, contact = plan.writes
    assert company.kind == "company" and company.properties["cin7_customer_id"] == "c1"
    assert contact.key == "corsair_1@mail.uk" and contact.company_of == "c1"
    assert (contact.properties["firstname"], contact.properties["lastname"]) == ("Peter", "Blood")


def test_shared_email_gives_one_contact_linked_to_every_company():
    shared = "corsair_1@mail.uk"
    customers = [customer("a", "Arabella", Contact("Peter Blood", shared, id="p")),
                 customer("b", "Admiralty", Contact("Henry Morgan", shared, id="h")),
                 customer("c", "Revenge of New York", Contact("Richard Worley", shared, id="r"))]
    plan = plan_export(customers, {}, {}, [])
    contacts = [w for w in plan.writes if w.kind == "contact"]
    assert [w.action for w in contacts] == ["create", "link", "link"]
    assert contacts[0].name == "Peter Blood"
    assert [w.company_of for w in contacts] == ["a", "b", "c"]


def test_email_already_written_for_another_customer_is_linked_not_rewritten():
    plan = plan_export([customer("b", "Admiralty", Contact("Henry Morgan", "x@y.com", id="h"))],
                       {}, {"x@y.com": "501"}, [])
    contact = plan.writes[1]
    assert (contact.action, contact.remote_id) == ("link", "501")


def test_deprecated_customer_contacts_are_inactive():
    plan = plan_export([customer("c1", "Old Co", Contact("Ann Lee", "ann@old.co", id="a"),
                                 status="Deprecated")], {}, {}, [])
    assert {w.properties["cin7_status"] for w in plan.writes} == {"Inactive"}


def test_unchanged_record_is_skipped_and_a_change_is_an_update():
    c = customer("c1", "Arabella")
    first = plan_export([c], {}, {}, []).writes[0]
    linked = {("customer", "c1"): link("9", first.fingerprint)}
    assert plan_export([c], linked, {}, []).writes[0].action == "skip"
    c.name = "Arabella Ltd"
    again = plan_export([c], linked, {}, []).writes[0]
    assert (again.action, again.remote_id) == ("update", "9")


def test_bad_email_fails_that_contact_alone_naming_record_and_field():
    c = customer("c1", "Arabella", Contact("Peter Blood", "peter@", id="p"),
                 Contact("Ann Lee", "ann@arabella.com", id="a"))
    plan = plan_export([c], {}, {}, [])
    [(record, error)] = plan.failures
    assert error.field == "Email" and "Peter Blood" in error.record and "peter@" in error.reason
    assert [w.name for w in plan.writes] == ["Arabella", "Ann Lee"]


def test_missing_name_fails_the_customer():
    plan = plan_export([customer("c9", "  ")], {}, {}, [])
    assert plan.writes == [] and plan.failures[0][1].field == "Name"


def test_mapped_fields_are_written_and_their_properties_defined():
    c = customer("c1", "Arabella", Contact("Peter Blood", "p@a.com", id="p"))
    c.credit_limit, c.is_on_credit_hold, c.payment_term = 5000.0, True, "30 days"
    field_map = [{"field": "CreditLimit", "property": "cin7_credit_limit"},
                 {"field": "IsOnCreditHold", "property": "cin7_credit_hold"},
                 {"field": "PaymentTerm", "property": "cin7_payment_term"}]
    company = plan_export([c], {}, {}, field_map).writes[0]
    assert company.properties["cin7_credit_limit"] == "5000"
    assert company.properties["cin7_credit_hold"] == "true"
    assert company.properties["cin7_payment_term"] == "30 days"
    specs = {s["name"]: s for s in property_specs(field_map)["companies"]}
    assert specs["cin7_credit_limit"]["type"] == "number"
    assert specs["cin7_customer_id"]["hasUniqueValue"] is True


def test_fingerprint_ignores_key_order():
    assert fingerprint({"a": "1", "b": "2"}) == fingerprint({"b": "2", "a": "1"})
