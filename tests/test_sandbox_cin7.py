"""The Cin7 Core simulator, seen from an HTTP client: auth, paging, writes, limits, faults."""

import json
import time

import pytest
import requests

from sandbox import seed
from sandbox.testing import Running

VALID = {"Name": "Harbour Test Shop", "Currency": "USD", "PaymentTerm": "30 days",
         "AccountReceivable": "610", "RevenueAccount": "200", "TaxRule": "Sales Tax"}


@pytest.fixture(scope="module")
def box():
    running = Running({"customers": 250, "cin7_rate_per_minute": 0})
    yield running
    running.close()


@pytest.fixture
def cin7(box):
    """A session with Cin7's auth headers on a freshly seeded sandbox; returns (box, get, send)."""
    box.reset(customers=250, cin7_rate_per_minute=0)
    session = requests.Session()
    session.headers.update(box.cin7_headers)

    def call(method, path, **kwargs):
        return session.request(method, box.cin7_url + path, timeout=10, **kwargs)

    yield box, call
    session.close()


def test_wrong_keys_get_403_with_an_error_list(box):
    r = requests.get(box.cin7_url + "me", headers={"api-auth-accountid": "x",
                                                   "api-auth-applicationkey": "y"})
    assert r.status_code == 403
    assert r.json() == [{"ErrorCode": 403, "Exception": "Method authentication failed"}]


def test_paths_are_case_insensitive_and_unknown_ones_answer_an_html_page(cin7):
    _, call = cin7
    assert call("GET", "me").json()["Currency"] == "USD"
    assert call("GET", "Me").json() == call("GET", "ME").json()
    assert call("GET", "Customer").json()["Total"] == call("GET", "customer").json()["Total"]
    r = call("GET", "Customers")
    assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]
    assert "Page not found" in r.text


def test_customer_pages_cover_every_active_customer_once_in_modified_order(cin7):
    box, call = cin7
    first = call("GET", "customer", params={"Page": 1, "Limit": 100}).json()
    active = [c for c in box.get("cin7/customers") if c["Status"] == "Active"]
    assert first["Total"] == len(active) and first["Page"] == 1
    seen = []
    for page in range(1, 4):
        seen += call("GET", "customer", params={"Page": page, "Limit": 100}).json()["CustomerList"]
    assert len(seen) == len({c["ID"] for c in seen}) == len(active)
    keys = [(c["LastModifiedOn"], c["ID"]) for c in seen]
    assert keys == sorted(keys)
    assert call("GET", "customer", params={"Page": 9}).json()["CustomerList"] == []


def test_customers_have_every_field_cin7_returns(cin7):
    _, call = cin7
    customer = call("GET", "customer", params={"Limit": 1}).json()["CustomerList"][0]
    for field in ["ID", "Name", "Status", "Currency", "PaymentTerm", "Discount", "TaxRule",
                  "Carrier", "SalesRepresentative", "Location", "Comments", "AccountReceivable",
                  "RevenueAccount", "PriceTier", "TaxNumber", "AttributeSet", "Tags",
                  "CreditLimit", "IsOnCreditHold", "LastModifiedOn", "Addresses", "Contacts",
                  *[f"AdditionalAttribute{i}" for i in range(1, 11)]]:
        assert field in customer
    assert customer["LastModifiedOn"].endswith("Z") and len(customer["LastModifiedOn"]) == 24
    assert set(customer["Addresses"][0]) >= {"ID", "Line1", "Line2", "City", "State",
                                             "Postcode", "Country", "Type", "DefaultForType"}
    assert set(customer["Contacts"][0]) >= {"ID", "Name", "JobTitle", "Phone", "MobilePhone",
                                            "Fax", "Email", "Website", "Default", "Comment",
                                            "IncludeInEmail"}


def test_limit_above_1000_is_a_400_with_a_single_error_object(cin7):
    _, call = cin7
    r = call("GET", "customer", params={"Limit": 1001})
    assert r.status_code == 400
    assert r.json()["ErrorCode"] == 400 and "Limit" in r.json()["Exception"]


def test_the_guides_three_corsairs_share_one_email_oldest_first(cin7):
    _, call = cin7
    found = call("GET", "customer", params={"ContactFilter": "corsair_1@mail.uk"}).json()
    assert [c["Name"] for c in found["CustomerList"]] == ["Arabella", "Admiralty",
                                                          "Revenge of New York"]
    assert [c["Contacts"][0]["Name"] for c in found["CustomerList"]] == [
        "Peter Blood", "Henry Morgan", "Richard Worley"]


def test_filters_by_name_id_and_deprecated(cin7):
    box, call = cin7
    everyone = box.get("cin7/customers")
    deprecated = [c for c in everyone if c["Status"] == "Deprecated"]
    assert deprecated, "the seed has ~5% deprecated customers"
    all_ = call("GET", "customer", params={"IncludeDeprecated": "true", "Limit": 1000}).json()
    assert all_["Total"] == len(everyone)
    by_id = call("GET", "customer", params={"ID": deprecated[0]["ID"],
                                            "IncludeDeprecated": "true"}).json()
    assert [c["ID"] for c in by_id["CustomerList"]] == [deprecated[0]["ID"]]
    assert call("GET", "customer", params={"Name": "arab"}).json()["CustomerList"][0]["Name"] \
        == "Arabella"


def test_create_validates_like_cin7(cin7):
    _, call = cin7
    missing = call("POST", "customer", json={k: v for k, v in VALID.items() if k != "Currency"})
    assert missing.status_code == 400
    assert missing.json() == {"ErrorCode": 400,
                              "Exception": "Required attribute Currency is not provided."}
    unknown = call("POST", "customer", json={**VALID, "PaymentTerm": "90 days"})
    assert unknown.status_code == 400
    assert unknown.json()["Exception"] == "Payment term '90 days' was not found in reference book"
    dup = call("POST", "customer", json={**VALID, "Name": "ARABELLA"})
    assert dup.json()["Exception"] == "Customer with name 'ARABELLA' already exists."


def test_create_assigns_ids_and_answers_with_the_list_wrapper(cin7):
    box, call = cin7
    body = {**VALID, "Contacts": [{"Name": "Ann Lee", "Email": "ann@shop.test"}],
            "Addresses": [{"Line1": "1 Quay St", "Country": "New Zealand", "Type": "Business"}]}
    r = call("POST", "customer", json=body)
    assert r.status_code == 200
    answer = r.json()
    assert answer["Total"] == 1 and answer["Page"] == 1
    created = answer["CustomerList"][0]
    assert len(created["ID"]) == 36 and len(created["Contacts"][0]["ID"]) == 36
    assert created["Addresses"][0]["ID"]
    assert any(c["ID"] == created["ID"] for c in box.get("cin7/customers"))


def test_update_merges_rows_and_bumps_last_modified(cin7):
    _, call = cin7
    arabella = call("GET", "customer", params={"Name": "Arabella"}).json()["CustomerList"][0]
    peter = arabella["Contacts"][0]
    r = call("PUT", "customer", json={"ID": arabella["ID"], "Tags": "pirates",
                                      "Contacts": [{"ID": peter["ID"], "JobTitle": "Captain"},
                                                   {"Name": "Jeremy Pitt"}]})
    assert r.status_code == 200
    updated = r.json()["CustomerList"][0]
    assert updated["Tags"] == "pirates" and updated["LastModifiedOn"] > arabella["LastModifiedOn"]
    peter_now = updated["Contacts"][0]
    assert (peter_now["Name"], peter_now["JobTitle"]) == ("Peter Blood", "Captain")
    assert updated["Contacts"][1]["Name"] == "Jeremy Pitt" and updated["Contacts"][1]["ID"]
    assert updated["Addresses"] == arabella["Addresses"]  # rows left out are kept
    since = call("GET", "customer", params={"ModifiedSince": updated["LastModifiedOn"][:19]}).json()
    assert [c["ID"] for c in since["CustomerList"]] == [arabella["ID"]]


def test_update_of_an_unknown_customer_is_refused(cin7):
    _, call = cin7
    r = call("PUT", "customer", json={"ID": "00000000-0000-0000-0000-000000000000", "Tags": "x"})
    assert r.status_code == 400 and "not found" in r.json()["Exception"]


def test_a_user_edit_through_the_control_endpoint_shows_up_in_modified_since(cin7):
    box, call = cin7
    target = box.get("cin7/customers")[10]
    before = time.time()
    r = box.control.patch(f"{box.url}/_sandbox/cin7/customers/{target['ID']}",
                          json={"Comments": "changed in Cin7"})
    assert r.status_code == 200 and r.json()["Comments"] == "changed in Cin7"
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(before - 1))
    changed = call("GET", "customer", params={"ModifiedSince": stamp,
                                              "IncludeDeprecated": "true"}).json()
    assert [c["ID"] for c in changed["CustomerList"]] == [target["ID"]]


def test_reference_books_use_the_portals_list_keys(cin7):
    _, call = cin7
    assert len(call("GET", "ref/priceTier").json()["PriceTiers"]) == 10
    for path, key, field in [("ref/location", "LocationList", "Name"),
                             ("ref/paymentterm", "PaymentTermList", "Duration"),
                             ("ref/tax", "TaxRuleList", "TaxPercent"),
                             ("ref/carrier", "CarrierList", "CarrierID"),
                             ("ref/account", "AccountsList", "Class"),
                             ("ref/category", "CategoryList", "ID")]:
        body = call("GET", path, params={"Page": 1, "Limit": 2}).json()
        assert body["Page"] == 1 and body["Total"] >= len(body[key]) and len(body[key]) <= 2
        assert field in body[key][0]


def test_the_61st_call_in_a_minute_is_throttled_without_retry_after(box):
    box.reset(cin7_rate_per_minute=3)
    statuses = [requests.get(box.cin7_url + "me", headers=box.cin7_headers) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert statuses[-1].text == "You reached 60 calls per minute API limit"
    assert "Retry-After" not in statuses[-1].headers


def test_faults_throttle_with_503_and_fail_with_500(cin7):
    box, call = cin7
    box.fault("cin7", "throttle", count=1, status=503)
    box.fault("cin7", "error", count=1, status=500, path="customer")
    assert call("GET", "me").status_code == 503
    assert call("GET", "me").status_code == 200  # the error fault waits for a /customer call
    failed = call("GET", "customer")
    assert failed.status_code == 500 and failed.json()["ErrorCode"] == 500
    assert call("GET", "customer").status_code == 200


def test_slow_fault_still_writes_after_the_client_gave_up(cin7):
    box, call = cin7
    box.fault("cin7", "slow", delay=0.5)
    with pytest.raises(requests.Timeout):
        requests.post(box.cin7_url + "customer", json=VALID, headers=box.cin7_headers,
                      timeout=0.1)
    time.sleep(0.6)
    assert any(c["Name"] == VALID["Name"] for c in box.get("cin7/customers"))


def test_generator_is_deterministic_and_realistic():
    a, b = seed.generate_customers(300, 7), seed.generate_customers(300, 7)
    assert a == b and a != seed.generate_customers(300, 8)
    contacts = [c for customer in a for c in customer["Contacts"]]
    assert 1.5 < len(contacts) / len(a) < 2.5
    assert 0.03 < sum(not c["Contacts"] for c in a) / len(a) < 0.2
    assert len({c["Name"].lower() for c in a}) == len(a)
    emails = [c["Email"] for c in contacts if c["Email"]]
    assert len(emails) > len(set(emails))  # some people buy for several shops


def test_data_file_seeds_the_customers(tmp_path):
    data = {"CustomerList": [{"Name": "Only One", "Currency": "NZD", "PaymentTerm": "30 days",
                              "TaxRule": "GST 15%", "AccountReceivable": "610",
                              "RevenueAccount": "200", "LastModifiedOn": "2024-01-01T00:00:00",
                              "Contacts": [{"Name": "Kiri", "Email": "kiri@one.test"}]}]}
    path = tmp_path / "customers.json"
    path.write_text(json.dumps(data))
    with Running({"data": str(path)}) as box:
        [customer] = requests.get(box.cin7_url + "customer",
                                  headers=box.cin7_headers).json()["CustomerList"]
    assert customer["Name"] == "Only One" and customer["ID"] and customer["Contacts"][0]["ID"]
    assert customer["LastModifiedOn"] == "2024-01-01T00:00:00.000Z"
