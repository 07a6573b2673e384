"""CUS-11: Cin7 suppliers as HubSpot companies of type Vendor, never mixed with customers."""

import requests

from core import runner, settings
from core.store import Link
from tests.test_customers_export import by_name, hubspot_writes
from tests.test_customers_import import run_import


def export(config, **kwargs):
    run = runner.sync(config, "customers", "export", **kwargs)
    assert run.status == "finished", run.message
    return run


def suppliers(sandbox):
    return sandbox.get("cin7/suppliers")


def vendors(sandbox):
    return [c for c in sandbox.hubspot("companies") if c["properties"].get("cin7_supplier_id")]


def test_suppliers_stay_out_unless_the_setting_is_on(config, sandbox):
    export(config)
    assert vendors(sandbox) == []
    assert not [r for r in sandbox.get("requests", system="cin7") if "/supplier" in r["path"]]


def test_every_supplier_is_one_vendor_company_with_its_contacts(config, sandbox):
    settings.set("suppliers.export", "on")
    export(config)
    listed = {c["properties"]["cin7_supplier_id"]: c for c in vendors(sandbox)}
    assert sorted(listed) == sorted(s["ID"] for s in suppliers(sandbox))
    assert {c["properties"]["type"] for c in listed.values()} == {"VENDOR"}
    supplier = next(s for s in suppliers(sandbox) if s["Contacts"] and s["Contacts"][0]["Email"])
    email = supplier["Contacts"][0]["Email"].lower()
    [contact] = by_name(sandbox.hubspot("contacts"), "email", email)
    assoc = sandbox.get("hubspot/associations")
    assert any(a["fromId"] == contact["id"] and a["toId"] == listed[supplier["ID"]]["id"]
               for a in assoc if a["fromType"] == "contacts")
    deprecated = next(s for s in suppliers(sandbox) if s["Status"] == "Deprecated")
    assert listed[deprecated["ID"]]["properties"]["cin7_status"] == "Inactive"


def test_a_supplier_sharing_a_customers_name_is_a_company_of_its_own(config, sandbox):
    settings.set("suppliers.export", "on")
    export(config)
    customers = {c["Name"]: c for c in sandbox.get("cin7/customers") if c["Contacts"]}
    shared = [s for s in suppliers(sandbox) if s["Name"] in customers]
    assert len(shared) == 2, "the seed must include suppliers named as customers"
    for supplier in shared:
        companies = by_name(sandbox.hubspot("companies"), "name", supplier["Name"])
        assert len(companies) == 2
        kinds = {(c["properties"].get("cin7_customer_id") or "",
                  c["properties"].get("cin7_supplier_id") or "") for c in companies}
        assert kinds == {(customers[supplier["Name"]]["ID"], ""), ("", supplier["ID"])}
    assert Link.select().where(Link.entity == "supplier").count() == len(suppliers(sandbox))


def test_a_supplier_change_follows_and_a_rerun_writes_nothing(config, sandbox):
    settings.set("suppliers.export", "on")
    export(config)
    supplier = suppliers(sandbox)[0]
    r = requests.patch(f"{sandbox.url}/_sandbox/cin7/suppliers/{supplier['ID']}", timeout=10,
                       json={"Name": "Loomcraft Mills International"})
    assert r.status_code == 200, r.text
    run = export(config)
    # the company, and its contacts, whose company name it is
    assert (run.created, run.updated) == (0, 1 + len(supplier["Contacts"]))
    [company] = by_name(vendors(sandbox), "cin7_supplier_id", supplier["ID"])
    assert company["properties"]["name"] == "Loomcraft Mills International"
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    again = export(config)
    assert (again.created, again.updated) == (0, 0) and hubspot_writes(sandbox) == []


def test_failed_and_retried_runs_make_no_duplicate_vendor(config, sandbox):
    settings.set("suppliers.export", "on")
    sandbox.fault(system="cin7", kind="error", count=10, status=500, path="supplier")
    failed = runner.sync(config, "customers", "export")
    assert failed.status == "failed"
    sandbox.clear_faults()
    sandbox.fault(system="hubspot", kind="error", count=1, status=502, path="batch/upsert")
    export(config)
    Link.delete().where(Link.entity == "supplier").execute()  # links lost: upserts still key
    export(config, full=True)
    ids = [c["properties"]["cin7_supplier_id"] for c in vendors(sandbox)]
    assert sorted(ids) == sorted(s["ID"] for s in suppliers(sandbox))


def test_a_vendor_company_is_never_imported_as_a_customer(importing, sandbox):
    settings.set("customers.direction", "export")
    settings.set("suppliers.export", "on")
    export(importing)
    settings.set("customers.direction", "import")
    before = len(sandbox.get("cin7/customers"))
    run_import(importing)
    names = [c["Name"] for c in sandbox.get("cin7/customers")]
    assert len(names) == before and "Loomcraft Mills" not in names
