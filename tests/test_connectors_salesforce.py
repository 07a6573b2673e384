"""The Salesforce client against the sandbox org: login both ways, writes, reads, limits."""

import time

import pytest
import requests

from core.connectors.salesforce import Salesforce
from core.errors import RecordError, ServiceError
from tests.conftest import make_config
from tests.test_sandbox_salesforce import CLIENT_ID, SECRET, USER, make_key


@pytest.fixture(scope="module")
def keys():
    return make_key()


def sf_config(tmp_path, box, keys, flow="jwt", **overrides):
    auth = ({"salesforce_username": USER, "salesforce_private_key": keys[0]} if flow == "jwt"
            else {"salesforce_client_secret": SECRET})
    settings = {"salesforce_login_url": f"{box.url}/salesforce/login",
                "salesforce_audience": "https://login.salesforce.com",
                "salesforce_client_id": CLIENT_ID, "salesforce_calls_per_second": 0} | auth
    return make_config(tmp_path, box.url, **(settings | overrides))


@pytest.fixture
def org(config, sandbox, keys):
    sandbox.reset(customers=2, salesforce_jwt_public_key=keys[1])
    return sandbox


@pytest.fixture
def client(org, tmp_path, keys):
    return Salesforce(sf_config(tmp_path, org, keys))


def calls(box, path):
    log = box.get("requests", system="salesforce")
    return [e for e in log if path in e["path"]]


def test_jwt_bearer_login_reaches_the_instance_url(client, org):
    assert client.limits()["DailyApiRequests"]["Max"] == 115_000
    assert client.api.base_url.endswith("/salesforce/org/")
    assert client.usage == (1, 115_000)
    token_call = calls(org, "/oauth2/token")[0]
    assert token_call["status"] == 200


def test_client_credentials_login(org, tmp_path, keys):
    client = Salesforce(sf_config(tmp_path, org, keys, flow="client_credentials"))
    assert client.limits()["DailyApiRequests"]["Remaining"] == 114_999


def test_a_key_the_app_does_not_hold_is_refused_with_the_real_error(org, tmp_path):
    client = Salesforce(sf_config(tmp_path, org, make_key()))
    with pytest.raises(ServiceError) as caught:
        client.limits()
    assert "invalid_grant: invalid assertion" in str(caught.value)
    assert "SALESFORCE_PRIVATE_KEY must match" in str(caught.value)
    assert not caught.value.retryable and len(calls(org, "/oauth2/token")) == 1


def test_a_login_host_answering_an_error_list_is_reported_not_crashed(org, tmp_path, keys):
    body = [{"errorCode": "INVALID_SESSION_ID", "message": "no login here"}]
    org.fault(system="salesforce", kind="error", status=400, path="/oauth2/token", body=body)
    with pytest.raises(ServiceError) as caught:
        Salesforce(sf_config(tmp_path, org, keys)).limits()
    assert "the login was refused" in str(caught.value) and "no login here" in str(caught.value)


def test_an_expired_session_is_renewed_once(client, org):
    client.limits()
    requests.post(f"{org.url}/_sandbox/salesforce/expire", timeout=10)
    client.limits()
    assert len(calls(org, "/oauth2/token")) == 2
    assert [e["status"] for e in calls(org, "/limits")] == [200, 401, 200]


def test_upsert_by_external_id_is_idempotent(client, org):
    first = client.upsert("Product2", "Cin7_Product_ID__c", {"p-1": {"Name": "Red tee"}})
    again = client.upsert("Product2", "Cin7_Product_ID__c", {"p-1": {"Name": "Red tee"}})
    assert first.created == {"p-1"} and again.created == set()
    assert first.ok["p-1"].id == again.ok["p-1"].id
    assert len(org.get("salesforce/Product2")) == 1


def test_upsert_sends_collections_of_200_and_a_bad_record_fails_alone(client, org):
    records = {f"p-{i}": {"Name": f"Product {i}"} for i in range(450)}
    records["p-7"] = {"Name": None}
    result = client.upsert("Product2", "Cin7_Product_ID__c", records)
    sent = calls(org, "/composite/sobjects/Product2/Cin7_Product_ID__c")
    assert [len(e["json"]["records"]) for e in sent] == [200, 200, 50]
    assert all(e["json"]["allOrNone"] is False for e in sent)
    assert len(result.ok) == 449 and list(result.failed) == ["p-7"]
    field, reason = result.failed["p-7"]
    assert field == "Name" and "REQUIRED_FIELD_MISSING" in reason


def test_a_duplicate_external_id_names_the_field(client):
    client.create("Account", {"a": {"Name": "A", "Cin7_Customer_ID__c": "c-1"}})
    result = client.create("Account", {"b": {"Name": "B", "Cin7_Customer_ID__c": "c-1"}})
    field, reason = result.failed["b"]
    assert field == "Cin7_Customer_ID__c" and "DUPLICATE_VALUE" in reason


def test_an_org_without_the_cin7_field_says_what_to_add(org, tmp_path, keys):
    org.reset(customers=2, salesforce_jwt_public_key=keys[1], salesforce_cin7_fields=False)
    client = Salesforce(sf_config(tmp_path, org, keys))
    assert client.missing_fields("Product2", ["Name", "Cin7_Product_ID__c"]) == [
        "Cin7_Product_ID__c"]
    with pytest.raises(ServiceError) as caught:
        client.create("Account", {"a": {"Name": "A", "Cin7_Customer_ID__c": "c-1"}})
    assert "an admin must add it" in str(caught.value)


def test_query_follows_next_records_url(client):
    client.create("Account", {f"a{i}": {"Name": f"A{i:03}"} for i in range(450)})
    pages = list(client.query("SELECT Id, Name FROM Account ORDER BY Name", batch_size=200))
    assert [len(p) for p in pages] == [200, 200, 50]
    names = [r["Name"] for p in pages for r in p]
    assert names == sorted(names) and len(set(names)) == 450


def test_changed_reads_by_system_modstamp(client):
    client.create("Account", {"old": {"Name": "Old"}})
    time.sleep(1.05)
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    time.sleep(1.05)
    client.create("Account", {"new": {"Name": "New"}})
    pages = list(client.changed("Account", since, ["Name"]))
    assert [[r.get("Name") for r in p] for p in pages] == [["New"]]
    assert pages[0][0].updated_at.endswith("+0000")
    assert sum(len(p) for p in client.changed("Account", None, ["Name"])) == 2


def test_a_custom_price_needs_the_standard_price_first(client):
    product = client.create("Product2", {"tee": {"Name": "Tee", "IsActive": True}}).ok["tee"].id
    standard = client.standard_pricebook()
    wholesale = client.create("Pricebook2", {"w": {"Name": "Wholesale", "IsActive": True}})
    book = wholesale.ok["w"].id
    entry = {"Product2Id": product, "UnitPrice": 9.0, "IsActive": True}
    early = client.create("PricebookEntry", {"w": entry | {"Pricebook2Id": book}})
    assert "STANDARD_PRICE_NOT_DEFINED" in early.failed["w"][1]
    done = client.create("PricebookEntry", {"s": entry | {"Pricebook2Id": standard},
                                            "w": entry | {"Pricebook2Id": book}})
    assert set(done.ok) == {"s", "w"}  # in order: the standard entry lands first
    found = client.price_entries([product])
    assert set(found) == {(product, standard, "USD"), (product, book, "USD")}
    books = client.pricebooks()
    assert books[0].get("IsStandard") is True and len(books) == 2


def test_upsert_one_reports_several_matches_as_a_record_error(org, tmp_path, keys):
    org.reset(customers=2, salesforce_jwt_public_key=keys[1], salesforce_unique_external_ids=False)
    client = Salesforce(sf_config(tmp_path, org, keys))
    client.create("Account", {k: {"Name": k, "Cin7_Customer_ID__c": "c-1"} for k in "ab"})
    with pytest.raises(RecordError) as caught:
        client.upsert_one("Account", "Cin7_Customer_ID__c", "c-1", {"Name": "Which?"})
    assert caught.value.field == "Cin7_Customer_ID__c"
    assert client.upsert_one("Account", "Cin7_Customer_ID__c", "c-2", {"Name": "New"})[1] is True


def test_a_spent_daily_allocation_stops_without_retrying(org, tmp_path, keys):
    org.reset(customers=2, salesforce_jwt_public_key=keys[1], salesforce_daily_limit=2)
    client = Salesforce(sf_config(tmp_path, org, keys, salesforce_daily_percent=100))
    client.limits(), client.limits()
    client.usage = None  # as a new process would be: it has not seen the header yet
    with pytest.raises(ServiceError) as caught:
        client.limits()
    assert "daily API allocation is spent" in str(caught.value)
    assert not caught.value.retryable and len(calls(org, "/limits")) == 3


def test_the_client_stops_at_its_share_of_the_daily_allocation(org, tmp_path, keys):
    org.reset(customers=2, salesforce_jwt_public_key=keys[1], salesforce_daily_limit=10)
    client = Salesforce(sf_config(tmp_path, org, keys, salesforce_daily_percent=30))
    client.limits(), client.limits(), client.limits()
    with pytest.raises(ServiceError) as caught:
        client.limits()
    assert "used 3 of its 10 daily API calls" in str(caught.value)
    assert len(calls(org, "/limits")) == 3


@pytest.mark.parametrize("fault", [
    {"kind": "throttle", "status": 429, "retry_after": 0},
    {"kind": "throttle"},  # 403 REQUEST_LIMIT_EXCEEDED, ConcurrentPerOrgLongTxn
    {"kind": "error", "status": 503},
    {"kind": "error", "status": 400},  # UNABLE_TO_LOCK_ROW
])
def test_throttles_and_outages_are_retried_by_the_shared_policy(client, org, fault):
    client.limits()
    org.fault(system="salesforce", path="/limits", count=2, **fault)
    assert client.limits()["DailyApiRequests"]["Max"] == 115_000
    assert len(calls(org, "/limits")) == 4
