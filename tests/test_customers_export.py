"""Customers export against the sandbox, over HTTP, as against the real services."""

import requests

from core import runner, schema, settings
from core.customers import listing as customer_list
from core.store import Link

GUIDE = ("Arabella", "Admiralty", "Revenge of New York")


def export(config, **kwargs):
    return runner.sync(config, "customers", "export", **kwargs)


def by_name(objects, prop, value):
    return [o for o in objects if (o["properties"].get(prop) or "") == value]


def hubspot_writes(sandbox):
    return [r for r in sandbox.get("requests", system="hubspot")
            if r["method"] in ("POST", "PATCH", "PUT", "DELETE") and "/search" not in r["path"]
            and "batch/read" not in r["path"]]


def cin7_customers(sandbox):
    return sandbox.get("cin7/customers")


def cin7_put(sandbox, customer):
    r = requests.put(f"{sandbox.url}/cin7/ExternalApi/v2/customer", json=customer, timeout=10,
                     headers={"api-auth-accountid": "sandbox-account",
                              "api-auth-applicationkey": "sandbox-key"})
    assert r.status_code == 200, r.text
    return r.json()["CustomerList"][0]


def test_guide_example_one_contact_associated_with_three_companies(config, sandbox):
    run = export(config)
    assert run.status == "finished", run.message
    companies = sandbox.hubspot("companies")
    contacts = by_name(sandbox.hubspot("contacts"), "email", "corsair_1@mail.uk")
    assert len(contacts) == 1
    assert (contacts[0]["properties"]["firstname"], contacts[0]["properties"]["lastname"]) == (
        "Peter", "Blood")
    guide_ids = {c["id"] for c in companies if c["properties"]["name"] in GUIDE}
    assert len(guide_ids) == 3
    assoc = sandbox.get("hubspot/associations")
    linked = {a["toId"] for a in assoc if a["fromType"] == "contacts"
              and a["fromId"] == contacts[0]["id"] and a["toType"] == "companies"}
    assert guide_ids <= linked


def test_every_customer_lands_once_by_the_cus1_rules(config, sandbox):
    export(config)
    customers = cin7_customers(sandbox)
    companies, contacts = sandbox.hubspot("companies"), sandbox.hubspot("contacts")
    with_contacts = [c for c in customers if c["Contacts"]]
    without = [c for c in customers if not c["Contacts"]]
    assert without, "the seed must include customers without contacts"
    company_keys = [c["properties"].get("cin7_customer_id") for c in companies]
    assert sorted(company_keys) == sorted(c["ID"] for c in with_contacts)
    lone = {c["properties"].get("cin7_contact_id") for c in contacts}
    assert {c["ID"] for c in without} <= lone
    emails = [c["properties"].get("email") for c in contacts if c["properties"].get("email")]
    assert len(emails) == len(set(emails))
    assoc = sandbox.get("hubspot/associations")
    lone_ids = {c["id"] for c in contacts if c["properties"].get("cin7_contact_id") in
                {x["ID"] for x in without}}
    assert not [a for a in assoc if a["fromType"] == "contacts" and a["fromId"] in lone_ids]


def test_deprecated_customer_contacts_are_inactive(config, sandbox):
    export(config)
    deprecated = [c for c in cin7_customers(sandbox) if c["Status"] == "Deprecated" and c["Contacts"]]
    assert deprecated, "the seed must include deprecated customers with contacts"
    emails = {ct["Email"].lower() for c in deprecated for ct in c["Contacts"] if ct.get("Email")}
    contacts = [c for c in sandbox.hubspot("contacts") if c["properties"].get("email") in emails]
    assert contacts and {c["properties"]["cin7_status"] for c in contacts} == {"Inactive"}


def test_second_run_without_change_makes_no_write(config, sandbox):
    first = export(config)
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    second = export(config)
    assert second.status == "finished"
    assert (second.created, second.updated) == (0, 0)
    assert hubspot_writes(sandbox) == []
    assert first.created > 0


def test_a_name_change_is_exported_on_the_next_run(config, sandbox):
    export(config)
    customer = next(c for c in cin7_customers(sandbox) if c["Contacts"] and c["Status"] == "Active")
    cin7_put(sandbox, {"ID": customer["ID"], "Name": customer["Name"] + " Renamed"})
    run = export(config)
    assert run.updated >= 1 and run.created == 0
    company = by_name(sandbox.hubspot("companies"), "cin7_customer_id", customer["ID"])[0]
    assert company["properties"]["name"] == customer["Name"] + " Renamed"


def test_bad_email_fails_alone_and_the_run_goes_on(config, sandbox):
    victim = next(c for c in cin7_customers(sandbox) if len(c["Contacts"]) >= 1
                  and c["Name"] not in GUIDE)
    contact = dict(victim["Contacts"][0], Email="not-an-email")
    cin7_put(sandbox, {"ID": victim["ID"], "Contacts": [contact]})
    run = export(config)
    assert run.status == "finished" and run.failed == 1
    [failure] = [r for r in run.results if r.outcome == "failed"]
    assert failure.field == "Email" and "not-an-email" in failure.reason
    assert contact["Name"] in failure.record_name and victim["Name"] in failure.record_name
    assert by_name(sandbox.hubspot("companies"), "cin7_customer_id", victim["ID"])


def test_dry_run_shows_the_plan_and_writes_nothing(config, sandbox):
    run = export(config, dry_run=True)
    assert run.status == "finished" and run.created > 0
    assert {row["action"] for row in run.plan} >= {"create", "link"}
    assert sandbox.hubspot("companies") == [] and Link.select().count() == 0


def test_master_switch_off_refuses_every_run(config, sandbox):
    settings.set("sync.enabled", "off")
    run = export(config)
    assert run.status == "refused" and "switched off" in run.message
    assert sandbox.hubspot("companies") == []


def test_lost_links_never_make_duplicates(config, sandbox):
    export(config)
    before = (len(sandbox.hubspot("companies")), len(sandbox.hubspot("contacts")))
    Link.delete().execute()
    run = export(config)
    assert run.status == "finished" and run.created == 0
    assert (len(sandbox.hubspot("companies")), len(sandbox.hubspot("contacts"))) == before


def test_throttling_and_server_errors_end_in_the_same_state(config, sandbox, tmp_path):
    sandbox.fault(system="hubspot", kind="storm", rate=0.3)
    sandbox.fault(system="cin7", kind="throttle", count=2, status=503)
    sandbox.fault(system="hubspot", kind="error", count=2, status=502)
    run = export(config)
    sandbox.clear_faults()
    assert run.status == "finished", run.message
    stormy = (sorted(c["properties"]["cin7_customer_id"] for c in sandbox.hubspot("companies")),
              sorted(c["properties"].get("email") or "" for c in sandbox.hubspot("contacts")))
    sandbox.reset(customers=40)
    from tests.conftest import make_config

    calm_config = make_config(tmp_path / "calm", sandbox.url)
    schema.init(calm_config.database_url)
    settings.set("sync.enabled", "on")
    export(calm_config)
    calm = (sorted(c["properties"]["cin7_customer_id"] for c in sandbox.hubspot("companies")),
            sorted(c["properties"].get("email") or "" for c in sandbox.hubspot("contacts")))
    assert stormy == calm


def test_field_mapping_creates_properties_in_the_cin7_group(config, sandbox):
    settings.set("customers.field_map", ["PaymentTerm=cin7_payment_term",
                                         "CreditLimit=cin7_credit_limit"])
    export(config)
    props = requests.get(f"{sandbox.url}/hubspot/crm/v3/properties/companies",
                         headers={"Authorization": "Bearer pat-na1-sandbox"}, timeout=10).json()
    by = {p["name"]: p for p in props["results"]}
    assert by["cin7_payment_term"]["groupName"] == "cin7_information"
    assert by["cin7_credit_limit"]["type"] == "number"
    customer = next(c for c in cin7_customers(sandbox) if c["Contacts"])
    company = by_name(sandbox.hubspot("companies"), "cin7_customer_id", customer["ID"])[0]
    assert company["properties"]["cin7_payment_term"] == customer["PaymentTerm"]


def test_a_failed_record_stays_pending_until_it_is_fixed(config, sandbox):
    from core import status

    victim = next(c for c in cin7_customers(sandbox) if c["Contacts"] and c["Name"] not in GUIDE)
    good = victim["Contacts"][0]
    cin7_put(sandbox, {"ID": victim["ID"], "Contacts": [dict(good, Email="broken@")]})
    export(config)
    export(config)  # nothing changed: the record is still pending, not forgotten
    [row] = status.pending("customers", "export")
    assert row.record_id == victim["ID"] and row.field == "Email"
    cin7_put(sandbox, {"ID": victim["ID"], "Contacts": [dict(good, Email="fixed@example.com")]})
    export(config)
    assert status.pending("customers", "export") == []


def test_a_call_that_times_out_is_retried(tmp_path, sandbox):
    from tests.conftest import make_config

    config = make_config(tmp_path / "slow", sandbox.url, http_timeout=0.5)
    schema.init(config.database_url)
    settings.set("sync.enabled", "on")
    sandbox.fault(system="hubspot", kind="timeout", count=1, delay=2, path="batch/upsert")
    run = export(config)
    assert run.status == "finished", run.message
    assert len(sandbox.hubspot("companies")) == sum(1 for c in cin7_customers(sandbox) if c["Contacts"])


def test_a_selection_of_many_customers_is_read_page_by_page(config, sandbox):
    chosen = [c["ID"] for c in cin7_customers(sandbox)[:15]]
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    run = export(config, only=chosen)
    assert run.status == "finished" and run.read == 15
    reads = [r for r in sandbox.get("requests", system="cin7") if r["method"] == "GET"]
    assert len(reads) == 1  # one page of 40, not 15 single reads
    listed = {c["properties"].get("cin7_customer_id") for c in sandbox.hubspot("companies")} | \
        {c["properties"].get("cin7_contact_id") for c in sandbox.hubspot("contacts")}
    assert set(chosen) <= listed


def test_customers_read_by_a_run_appear_in_the_panel_list(config, sandbox):

    export(config)
    page = customer_list.search("Arabella")
    assert [row["name"] for row in page.rows] == ["Arabella"]
