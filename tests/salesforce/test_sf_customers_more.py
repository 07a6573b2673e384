"""Customers with Salesforce, the rest of HubSpot's rules (EXT-2): every delivery address
(CUS-10), the sales rep from the Account's owner (CUS-9), suppliers as vendor Accounts and
the Cin7 id written back onto imported Accounts (CUS-11)."""

from collections import Counter

import pytest
import requests

from core import runner, settings
from core.store import Link
from tests.conftest import import_defaults
from tests.salesforce.conftest import BOOKS
from tests.test_customers_export import cin7_customers, cin7_put
from tests.test_sales_import import stocked_products

CUSTOMER_KEY, SUPPLIER_KEY = "Cin7_Customer_ID__c", "Cin7_Supplier_ID__c"
DELIVERY_FIELD = "Cin7_Delivery_Addresses__c"
DELIVERY = ("1 Dock Road; Gate 2; Hobart; TAS; 7000; Australia\n"
            "5 Quay Street; ; Launceston; TAS; 7250; Australia")


def sync(config, direction, **kwargs):
    settings.set("customers.direction", direction)
    run = runner.sync(config, "customers", direction, **kwargs)
    assert run.status == "finished", run.message
    return run


def forget_requests(sandbox):
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)


def writes(sandbox, system="salesforce"):
    return [r for r in sandbox.get("requests", system=system)
            if r["method"] in ("POST", "PATCH", "PUT", "DELETE") and "oauth2" not in r["path"]]


def shipping(customer):
    return [a for a in customer["Addresses"] if a["Type"] == "Shipping"]


def line(a):
    return "; ".join(a.get(f) or "" for f in ("Line1", "Line2", "City", "State", "Postcode",
                                              "Country"))


def several(sandbox):
    return [c for c in cin7_customers(sandbox) if c["Contacts"] and len(shipping(c)) > 1]


def account_of(sandbox, customer_id):
    [account] = [a for a in sandbox.get("salesforce/Account") if a[CUSTOMER_KEY] == customer_id]
    return account


def customer_named(sandbox, name):
    [customer] = [c for c in cin7_customers(sandbox) if c["Name"] == name]
    return customer


# -- CUS-10 delivery addresses ------------------------------------------------------------

def test_every_delivery_address_is_on_the_account_the_default_as_its_shipping_address(
        sf, sandbox):
    customers = several(sandbox)
    assert customers, "the seed must include customers with several delivery addresses"
    sync(sf, "export")
    for customer in customers:
        account = account_of(sandbox, customer["ID"])
        lines = account[DELIVERY_FIELD].split("\n")
        default = next(a for a in shipping(customer) if a["DefaultForType"])
        assert lines[0] == line(default)
        assert sorted(lines) == sorted(line(a) for a in shipping(customer))
        assert (account["ShippingCity"], account["ShippingCountry"]) == (
            default["City"], default["Country"])


def test_an_address_edited_in_cin7_follows_and_a_rerun_writes_nothing(sf, sandbox):
    sync(sf, "export")
    customer = several(sandbox)[0]
    edited = dict(shipping(customer)[1], Line1="99 Wharf Road")
    cin7_put(sandbox, {"ID": customer["ID"], "Addresses": [edited]})
    run = sync(sf, "export")
    assert run.updated >= 1 and run.created == 0
    lines = account_of(sandbox, customer["ID"])[DELIVERY_FIELD].split("\n")
    assert line(edited) in lines and len(lines) == len(shipping(customer))
    forget_requests(sandbox)
    again = sync(sf, "export", full=True)
    assert (again.created, again.updated) == (0, 0) and writes(sandbox) == []


def test_an_accounts_delivery_addresses_import_as_shipping_addresses_once(sf_in, org, sandbox):
    org.account("Many Docks Pty Ltd", **{DELIVERY_FIELD: DELIVERY})
    sync(sf_in, "import")
    customer = customer_named(sandbox, "Many Docks Pty Ltd")
    assert [(a["Line1"], a["DefaultForType"]) for a in shipping(customer)] == [
        ("1 Dock Road", True), ("5 Quay Street", False)]
    assert [a["Type"] for a in customer["Addresses"]].count("Billing") == 1
    forget_requests(sandbox)
    again = sync(sf_in, "import", full=True)
    assert (again.created, again.updated) == (0, 0) and writes(sandbox, "cin7") == []


def test_an_account_made_by_hand_brings_its_shipping_address(sf_in, org, sandbox):
    org.account("Hand Made Ltd", ShippingStreet="8 Pier Rd\nShed 3", ShippingCity="Burnie",
                ShippingCountry="Australia")
    sync(sf_in, "import")
    [address] = shipping(customer_named(sandbox, "Hand Made Ltd"))
    assert (address["Line1"], address["Line2"], address["City"]) == ("8 Pier Rd", "Shed 3",
                                                                   "Burnie")


def test_a_line_edited_in_salesforce_updates_its_row_and_comes_back_unchanged(
        sf_in, org, sandbox):
    account = org.account("Edited Docks Ltd", **{DELIVERY_FIELD: DELIVERY})
    sync(sf_in, "import")
    before = {a["Line1"]: a["ID"] for a in shipping(customer_named(sandbox, "Edited Docks Ltd"))}
    changed = DELIVERY.replace("5 Quay Street", "7 Quay Street") + \
        "\n3 Mill Lane; ; Devonport; TAS; 7310; Australia"
    org.update("Account", account, **{DELIVERY_FIELD: changed})
    sync(sf_in, "import")
    customer = customer_named(sandbox, "Edited Docks Ltd")
    after = {a["Line1"]: a["ID"] for a in shipping(customer)}
    assert after["1 Dock Road"] == before["1 Dock Road"]
    assert after["7 Quay Street"] == before["5 Quay Street"]  # the same row, edited
    assert len(after) == 3 and "5 Quay Street" not in after
    # Exported back: the same Account (the Cin7 id was written onto it), the same lines.
    sync(sf_in, "export")
    [mine] = [a for a in sandbox.get("salesforce/Account") if a["Name"] == "Edited Docks Ltd"]
    assert mine["Id"] == account and mine[CUSTOMER_KEY] == customer["ID"]
    assert mine[DELIVERY_FIELD] == changed
    # The first import of the 40 Accounts the export made matches them by Cin7 id; after
    # that the two directions settle: nothing more to write either way.
    sync(sf_in, "import")
    sync(sf_in, "export")
    forget_requests(sandbox)
    assert sync(sf_in, "import").updated == 0
    assert sync(sf_in, "export").updated == 0
    assert writes(sandbox) == [] and writes(sandbox, "cin7") == []


# -- CUS-9 the sales rep from the owner ---------------------------------------------------

@pytest.fixture
def users(sf_in, sandbox, sf_keys):
    """The org with two more users: one named as a Cin7 sales rep, one not."""
    rep = next(c["SalesRepresentative"] for c in cin7_customers(sandbox)
               if c.get("SalesRepresentative"))
    sandbox.reset(customers=40, salesforce_jwt_public_key=sf_keys[1],
                  salesforce_pricebooks=BOOKS, salesforce_users=[rep, "Nobody Known"])
    return {u["Name"]: u["Id"] for u in sandbox.get("salesforce/User")}, rep


def test_the_owners_name_is_the_sales_rep_only_on_an_exact_match(sf_in, org, sandbox, users):
    ids, rep = users
    org.account("Rep Known Co", OwnerId=ids[rep])
    org.account("Rep Unknown Co", OwnerId=ids["Nobody Known"])
    run = sync(sf_in, "import")
    assert customer_named(sandbox, "Rep Known Co")["SalesRepresentative"] == rep
    assert not customer_named(sandbox, "Rep Unknown Co").get("SalesRepresentative")
    warnings = [r.reason for r in run.results if r.outcome == "warning"]
    assert any("Nobody Known" in w for w in warnings)


def test_a_new_owner_changes_the_sales_rep(sf_in, org, sandbox, users):
    ids, rep = users
    account = org.account("Owner Moves Co")
    sync(sf_in, "import")
    assert not customer_named(sandbox, "Owner Moves Co").get("SalesRepresentative")
    org.update("Account", account, OwnerId=ids[rep])
    assert sync(sf_in, "import").updated == 1
    assert customer_named(sandbox, "Owner Moves Co")["SalesRepresentative"] == rep


# -- CUS-11 suppliers as vendor Accounts, the Cin7 id on imported Accounts -----------------

def vendors(sandbox):
    return [a for a in sandbox.get("salesforce/Account") if a.get(SUPPLIER_KEY)]


def test_suppliers_stay_out_unless_the_setting_is_on(sf, sandbox):
    sync(sf, "export")
    assert vendors(sandbox) == []


def test_every_supplier_is_one_vendor_account_never_a_customer(sf, sandbox):
    settings.set("suppliers.export", "on")
    first = sync(sf, "export")
    suppliers = sandbox.get("cin7/suppliers")
    listed = {a[SUPPLIER_KEY]: a for a in vendors(sandbox)}
    assert sorted(listed) == sorted(s["ID"] for s in suppliers)
    assert {a["Type"] for a in listed.values()} == {"Vendor"}
    assert not any(a[CUSTOMER_KEY] for a in listed.values())
    supplier = next(s for s in suppliers if s["Contacts"] and s["Contacts"][0]["Email"])
    email = supplier["Contacts"][0]["Email"].lower()
    [contact] = [c for c in sandbox.get("salesforce/Contact") if c["Email"] == email]
    assert contact["AccountId"] == listed[supplier["ID"]]["Id"]
    customers = {c["Name"] for c in cin7_customers(sandbox) if c["Contacts"]}
    shared = [s["Name"] for s in suppliers if s["Name"] in customers]
    assert shared, "the seed must include suppliers named as customers"
    names = Counter(a["Name"] for a in sandbox.get("salesforce/Account"))
    assert {names[n] for n in shared} == {2}  # a customer's Account and a vendor's
    assert Link.select().where(Link.entity == "supplier").count() == len(suppliers)
    forget_requests(sandbox)
    again = sync(sf, "export", full=True)
    assert (again.created, again.updated) == (0, 0) and first.created > 0
    assert writes(sandbox) == []
    # An import (everything changed) takes no vendor Account for a customer.
    settings.set("import.ignore_contacts_without_company", "on")
    before = len(cin7_customers(sandbox))
    for key, value in {"import.currency": "USD", "import.payment_term": "30 days",
                       "import.tax_rule": "Tax Exempt", "import.revenue_account": "200",
                       "import.account_receivable": "610"}.items():
        settings.set(key, value)
    sync(sf, "import", full=True)
    assert len(cin7_customers(sandbox)) == before
    assert not {c["Name"] for c in cin7_customers(sandbox)} & (
        {s["Name"] for s in suppliers} - {c["Name"] for c in cin7_customers(sandbox)})


def test_an_org_without_the_fields_is_refused_naming_the_new_ones(sf, sandbox, sf_keys):
    settings.set("suppliers.export", "on")
    sandbox.reset(customers=4, salesforce_jwt_public_key=sf_keys[1],
                  salesforce_cin7_fields=False)
    run = runner.sync(sf, "customers", "export")
    assert run.status == "failed"
    assert "Long Text Area(32768): label 'Cin7 Delivery Addresses'" in run.message
    assert "field name Cin7_Supplier_ID; tick Unique and External ID" in run.message
    assert sandbox.get("salesforce/Account") == []


def test_an_imported_account_gets_the_cin7_id_and_an_export_updates_it(sf_in, org, sandbox):
    account = org.account("Written Back Ltd")
    org.make("Contact", LastName="Back", Email="back@written.example", AccountId=account)
    sync(sf_in, "import")
    customer = customer_named(sandbox, "Written Back Ltd")
    [mine] = [a for a in sandbox.get("salesforce/Account") if a["Id"] == account]
    assert mine[CUSTOMER_KEY] == customer["ID"]
    forget_requests(sandbox)
    assert sync(sf_in, "import").updated == 0  # the write-back is no change to import
    assert writes(sandbox, "cin7") == []
    run = sync(sf_in, "export")
    assert run.status == "finished"
    names = Counter(a["Name"] for a in sandbox.get("salesforce/Account"))
    emails = Counter(c["Email"] for c in sandbox.get("salesforce/Contact"))
    assert names["Written Back Ltd"] == 1 and emails["back@written.example"] == 1


def test_a_write_back_that_failed_is_done_by_the_next_import(sf_in, org, sandbox):
    account = org.account("Late Id Ltd")
    # Every Account update refused by a long outage: the run fails after the Cin7 create.
    sandbox.fault(system="salesforce", kind="error", count=50, status=503, method="PATCH",
                  path="/composite/sobjects")
    settings.set("customers.direction", "import")
    failed = runner.sync(sf_in, "customers", "import")
    sandbox.clear_faults()
    assert failed.status == "failed"
    customer = customer_named(sandbox, "Late Id Ltd")
    [mine] = [a for a in sandbox.get("salesforce/Account") if a["Id"] == account]
    assert not mine[CUSTOMER_KEY]
    run = sync(sf_in, "import")
    assert run.created == 0
    [mine] = [a for a in sandbox.get("salesforce/Account") if a["Id"] == account]
    assert mine[CUSTOMER_KEY] == customer["ID"]


def test_a_storm_ends_with_each_account_and_vendor_once(sf, sandbox):
    settings.set("suppliers.export", "on")
    sandbox.fault(system="salesforce", kind="storm", every=2)  # 403 REQUEST_LIMIT_EXCEEDED
    sandbox.fault(system="salesforce", kind="error", count=2, status=503)
    sandbox.fault(system="salesforce", kind="landed", count=2, status=502, method="PATCH",
                  path="/composite/sobjects/Account")  # upserted, the answer lost
    sandbox.fault(system="cin7", kind="storm", every=2)
    run = runner.sync(sf, "customers", "export")
    sandbox.clear_faults()
    assert run.status == "finished" and run.failed == 0, run.message
    accounts = sandbox.get("salesforce/Account")
    customers = Counter(a[CUSTOMER_KEY] for a in accounts if a[CUSTOMER_KEY])
    suppliers = Counter(a[SUPPLIER_KEY] for a in accounts if a[SUPPLIER_KEY])
    assert sorted(customers) == sorted(c["ID"] for c in cin7_customers(sandbox))
    assert sorted(suppliers) == sorted(s["ID"] for s in sandbox.get("cin7/suppliers"))
    assert set(customers.values()) == set(suppliers.values()) == {1}
    forget_requests(sandbox)
    again = sync(sf, "export", full=True)
    assert (again.created, again.updated) == (0, 0) and writes(sandbox) == []


def test_a_dry_run_shows_the_vendor_accounts_and_writes_nothing(sf, sandbox):
    settings.set("suppliers.export", "on")
    run = runner.sync(sf, "customers", "export", dry_run=True)
    assert run.status == "finished", run.message
    companies = Counter(p["record"] for p in run.plan if p["object"] == "company")
    suppliers = {s["Name"] for s in sandbox.get("cin7/suppliers")}
    customers = {c["Name"] for c in cin7_customers(sandbox)}
    assert suppliers <= set(companies)
    assert {companies[name] for name in suppliers & customers} == {2}  # two Accounts each
    assert sandbox.get("salesforce/Account") == []


# -- CUS-6 field mapping to Account fields ------------------------------------------------

MAPPED = {"Cin7_Price_Tier__c": "string", "Cin7_Credit_Limit__c": "double",
          "Cin7_On_Hold__c": "boolean"}
FIELD_MAP = [{"field": "PriceTier", "property": "Cin7_Price_Tier__c"},
             {"field": "CreditLimit", "property": "Cin7_Credit_Limit__c"},
             {"field": "IsOnCreditHold", "property": "Cin7_On_Hold__c"}]


@pytest.fixture
def mapped(sf, sandbox, sf_keys):
    """An org whose admin added three Account fields, and the mapping to them."""
    sandbox.reset(customers=40, salesforce_jwt_public_key=sf_keys[1],
                  salesforce_pricebooks=BOOKS, salesforce_account_fields=MAPPED)
    settings.set("customers.field_map", FIELD_MAP)
    return sf


def test_mapped_cin7_fields_land_on_the_accounts_and_follow_changes(mapped, sandbox):
    sync(mapped, "export")
    for customer in cin7_customers(sandbox):
        account = account_of(sandbox, customer["ID"])
        assert account["Cin7_Price_Tier__c"] == (customer["PriceTier"] or None)
        assert account["Cin7_Credit_Limit__c"] == float(customer["CreditLimit"] or 0) or (
            customer["CreditLimit"] in (None, "") and account["Cin7_Credit_Limit__c"] is None)
        assert account["Cin7_On_Hold__c"] is bool(customer["IsOnCreditHold"])
    forget_requests(sandbox)
    assert sync(mapped, "export", full=True).updated == 0 and writes(sandbox) == []
    customer = cin7_customers(sandbox)[0]
    cin7_put(sandbox, {"ID": customer["ID"], "CreditLimit": 1234.5})
    assert sync(mapped, "export").updated == 1
    assert account_of(sandbox, customer["ID"])["Cin7_Credit_Limit__c"] == 1234.5


def test_a_mapped_field_the_org_lacks_is_refused_with_its_setup_step(sf, sandbox):
    settings.set("customers.field_map", FIELD_MAP[:1])
    run = runner.sync(sf, "customers", "export")
    assert run.status == "failed"
    assert "Object Manager > Account > Fields & Relationships > New > Text(255): label " \
           "'Cin7 Price Tier', field name Cin7_Price_Tier" in run.message
    assert sandbox.get("salesforce/Account") == []


def test_a_mapping_typed_for_hubspot_is_refused_until_it_is_retyped(sf, sandbox):
    settings.set("crm", "hubspot")
    settings.set("customers.field_map", [{"field": "PriceTier", "property": "cin7_price_tier"}])
    settings.set("crm", "salesforce")
    run = runner.sync(sf, "customers", "export")
    assert run.status == "failed" and "cin7_price_tier" in run.message
    assert "Field mappings page" in run.message


def test_a_mapped_price_tier_changed_on_the_account_follows_into_cin7(mapped, org, sandbox):
    import_defaults(mapped, sandbox)
    tiers = sorted({c["PriceTier"] for c in cin7_customers(sandbox) if c["PriceTier"]})
    assert len(tiers) >= 2, "the seed must use two price tiers"
    account = org.account("Tiered Ltd", Cin7_Price_Tier__c=tiers[0])
    sync(mapped, "import")
    assert customer_named(sandbox, "Tiered Ltd")["PriceTier"] == tiers[0]
    org.update("Account", account, Cin7_Price_Tier__c=tiers[1])
    assert sync(mapped, "import").updated == 1
    assert customer_named(sandbox, "Tiered Ltd")["PriceTier"] == tiers[1]


def test_a_won_opportunity_on_a_vendor_account_makes_no_sale_nor_customer(sf_sales, org,
                                                                          sandbox):
    vendor = org.account("Vendor Only Pty", Type="Vendor", Cin7_Supplier_ID__c="sup-1")
    _, entry = org.product(stocked_products(sandbox)[0])
    opportunity = org.opportunity("Vendor order", "Closed Won", vendor, [(entry, 1, 5, None)])
    run = runner.sync(sf_sales, "sales", "import")
    assert run.status == "finished", run.message
    assert [r.reason for r in run.results if r.record_id == opportunity and r.outcome == "failed"]
    failed = " ".join(r.reason for r in run.results if r.outcome == "failed")
    assert "Cin7 supplier's" in failed
    assert not [c for c in cin7_customers(sandbox) if c["Name"] == "Vendor Only Pty"]
    assert not [s for s in sandbox.get("cin7/sales") if s.get("ExternalID") == opportunity]
