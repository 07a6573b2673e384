"""The sandbox org's products side (crms.md A.15): seeded price books, Cin7's Product2 fields
and the switch that adds them, one entry per product/book/currency, external ids found again
after an all-or-none rollback."""

import pytest
import requests

from tests.test_sandbox_salesforce import Org, error


@pytest.fixture
def org(sandbox):
    sandbox.reset(customers=2, salesforce_pricebooks=["Wholesale", {"Name": "Old",
                                                                    "IsActive": False}])
    return Org(sandbox)


def product(org, key="p-1", **fields):
    r = org("PATCH", f"sobjects/Product2/Cin7_Product_ID__c/{key}",
            json={"Name": "Tee", "IsActive": True} | fields)
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


def test_the_org_has_its_standard_book_and_the_seeded_ones(org):
    rows = org.query("SELECT Name, IsActive, IsStandard FROM Pricebook2 ORDER BY Name").json()
    assert [(r["Name"], r["IsActive"], r["IsStandard"]) for r in rows["records"]] == [
        ("Old", False, False), ("Standard Price Book", True, True), ("Wholesale", True, False)]


def test_stock_fields_come_with_the_external_id_and_an_admin_can_add_them(sandbox):
    sandbox.reset(customers=2, salesforce_cin7_fields=False)
    sf = Org(sandbox)
    names = {f["name"] for f in sf("GET", "sobjects/Product2/describe").json()["fields"]}
    assert "Cin7_Product_ID__c" not in names and "Cin7_Stock_On_Hand__c" not in names
    r = sf("PATCH", "sobjects/Product2/Cin7_Product_ID__c/p-1", json={"Name": "Tee"})
    assert r.status_code == 404
    requests.post(f"{sandbox.url}/_sandbox/salesforce/fields", timeout=10)
    fields = {f["name"]: f for f in sf("GET", "sobjects/Product2/describe").json()["fields"]}
    assert fields["Cin7_Product_ID__c"]["externalId"] and fields["Cin7_Product_ID__c"]["unique"]
    assert fields["Cin7_Stock_On_Hand__c"]["type"] == "double"
    assert product(sf, Cin7_Stock_On_Hand__c=4, Cin7_Stock_By_Location__c="Main: 4")


def test_a_second_entry_for_a_product_book_and_currency_is_a_duplicate_value(org):
    tee = product(org)
    standard = org.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true").json()[
        "records"][0]["Id"]
    entry = {"attributes": {"type": "PricebookEntry"}, "Pricebook2Id": standard,
             "Product2Id": tee, "UnitPrice": 5, "IsActive": True, "CurrencyIsoCode": "USD"}
    r = org("POST", "composite/sobjects", json={"records": [entry, entry | {"UnitPrice": 6}]})
    first, second = r.json()
    assert first["success"] and second["errors"][0]["statusCode"] == "DUPLICATE_VALUE"
    assert "Sforce-Limit-Info" in r.headers
    other = org("POST", "composite/sobjects", json={"records": [entry | {"CurrencyIsoCode": "EUR"}]})
    assert other.json()[0]["success"]  # another currency is another entry


def test_external_ids_are_found_again_after_an_all_or_none_rollback(org):
    product(org, "p-1")
    records = [{"attributes": {"type": "Product2"}, "Cin7_Product_ID__c": "p-2", "Name": "B"},
               {"attributes": {"type": "Product2"}, "Cin7_Product_ID__c": "p-3", "Name": None}]
    r = org("PATCH", "composite/sobjects/Product2/Cin7_Product_ID__c",
            json={"allOrNone": True, "records": records})
    assert [x["success"] for x in r.json()] == [False, False]
    again = org("PATCH", "sobjects/Product2/Cin7_Product_ID__c/p-2", json={"Name": "B"})
    assert again.status_code == 201  # rolled back: created now, once
    dup = org("POST", "sobjects/Product2", json={"Name": "C", "Cin7_Product_ID__c": "P-1"})
    assert dup.status_code == 400 and error(dup)[0] == "DUPLICATE_VALUE"
