"""The sandbox Salesforce org answers as crms.md §A says a real org does (HTTP, no client)."""

import base64
import datetime
import hashlib
import hmac
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID, SECRET = "3MVG9SandboxSyncDeskConsumerKey", "sandbox-consumer-secret"
USER = "integration@syncdesk.example"
V = "v66.0"


def make_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public.decode()


@pytest.fixture(scope="session")
def keys():
    return make_key()


@pytest.fixture
def org(sandbox, keys):
    sandbox.reset(customers=2, salesforce_jwt_public_key=keys[1])
    return sandbox


def assertion(private, **claims):
    values = {"iss": CLIENT_ID, "sub": USER, "aud": "https://login.salesforce.com",
              "exp": int(time.time()) + 180} | claims
    return jwt.encode(values, private, algorithm="RS256")


def token(box, **form):
    return requests.post(f"{box.url}/salesforce/login/services/oauth2/token", data=form,
                         timeout=10)


class Org:
    """Calls to the org's data API with a client-credentials session."""

    def __init__(self, box):
        self.box = box
        answer = token(box, grant_type="client_credentials", client_id=CLIENT_ID,
                       client_secret=SECRET).json()
        self.base = answer["instance_url"] + f"/services/data/{V}/"
        self.headers = {"Authorization": f"Bearer {answer['access_token']}"}

    def __call__(self, method, path, **kwargs):
        headers = self.headers | kwargs.pop("headers", {})
        return requests.request(method, self.base + path, headers=headers, timeout=10, **kwargs)

    def create(self, sobject, **fields):
        r = self("POST", f"sobjects/{sobject}", json=fields)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def query(self, soql, **kwargs):
        return self("GET", "query", params={"q": soql}, **kwargs)


@pytest.fixture
def sf(org):
    return Org(org)


def error(response):
    body = response.json()
    assert isinstance(body, list), body
    return body[0]["errorCode"], body[0]["message"], body[0].get("fields")


def test_jwt_bearer_gives_a_token_without_expiry_or_refresh_token(org, keys):
    r = token(org, grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
              assertion=assertion(keys[0]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"access_token", "instance_url", "id", "token_type", "issued_at", "signature"} <= set(
        body)
    assert body["token_type"] == "Bearer" and body["access_token"].startswith("00D")
    assert "expires_in" not in body and "refresh_token" not in body
    signed = hmac.new(SECRET.encode(), (body["id"] + body["issued_at"]).encode(),
                      hashlib.sha256).digest()
    assert base64.b64decode(body["signature"]) == signed
    assert body["instance_url"].endswith("/salesforce/org")


@pytest.mark.parametrize("change, expected", [
    ({"key": "other"}, ("invalid_grant", "invalid assertion")),
    ({"aud": "https://example.com"}, ("invalid_grant", "audience is invalid")),
    ({"iss": "someone-else"}, ("invalid_client_id", "client identifier invalid")),
    ({"sub": "nobody@example.com"}, ("invalid_grant", "user hasn't approved this consumer")),
    ({"exp": int(time.time()) - 60}, ("invalid_grant", "expired authorization code")),
])
def test_a_bad_assertion_is_refused_with_salesforces_error(org, keys, change, expected):
    private = make_key()[0] if change.pop("key", None) else keys[0]
    r = token(org, grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
              assertion=assertion(private, **change))
    assert r.status_code == 400
    assert (r.json()["error"], r.json()["error_description"]) == expected


def test_client_credentials_need_the_secret_and_a_my_domain_host(org):
    good = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
    assert token(org, **good).status_code == 200
    wrong = token(org, **(good | {"client_secret": "nope"}))
    assert wrong.json() == {"error": "invalid_client",
                            "error_description": "invalid client credentials"}
    org.reset(salesforce_my_domain=False)
    refused = token(org, **good)
    assert refused.status_code == 400
    assert refused.json()["error_description"] == "request not supported on this domain"
    assert token(org, grant_type="password").json()["error"] == "invalid_grant"


def test_an_expired_session_answers_401_invalid_session_id(sf, org):
    assert sf("GET", "limits").status_code == 200
    requests.post(f"{org.url}/_sandbox/salesforce/expire", timeout=10)
    r = sf("GET", "limits")
    assert r.status_code == 401
    assert error(r)[:2] == ("INVALID_SESSION_ID", "Session expired or invalid")


def test_data_calls_count_against_the_daily_allocation(org):
    org.reset(salesforce_daily_limit=3)
    sf = Org(org)
    first = sf("GET", "limits")
    assert first.headers["Sforce-Limit-Info"] == "api-usage=1/3"
    assert first.json()["DailyApiRequests"] == {"Max": 3, "Remaining": 2}
    requests.get(sf.base.rsplit("/v", 1)[0] + "/", timeout=10)  # the version list is free
    sf("GET", "limits"), sf("GET", "limits")
    spent = sf("GET", "limits")
    assert spent.status_code == 403
    assert error(spent)[:2] == ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    assert spent.headers["Sforce-Limit-Info"] == "api-usage=3/3"


def test_records_have_18_character_ids_and_attributes(sf):
    account = sf.create("Account", Name="Harbour Outfitters")
    assert len(account) == 18 and account.startswith("001")
    got = sf("GET", f"sobjects/Account/{account}").json()
    assert got["attributes"] == {"type": "Account",
                                 "url": f"/services/data/{V}/sobjects/Account/{account}"}
    assert got["SystemModstamp"].endswith("+0000") and got["Cin7_Customer_ID__c"] is None
    assert sf("PATCH", f"sobjects/Account/{account}", json={"Phone": "555"}).status_code == 204
    assert sf("GET", f"sobjects/Account/{account[:15]}").json()["Phone"] == "555"
    assert sf("DELETE", f"sobjects/Account/{account}").status_code == 204
    assert error(sf("GET", f"sobjects/Account/{account}"))[0] == "NOT_FOUND"


def test_writes_are_checked_like_salesforce(sf):
    assert error(sf("POST", "sobjects/Contact", json={"FirstName": "Ana"})) == (
        "REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ["LastName"])
    assert error(sf("POST", "sobjects/Account", json={"Name": "A", "Colour__c": "red"}))[:2] == (
        "INVALID_FIELD", "No such column 'Colour__c' on sobject of type Account")
    code, _, fields = error(sf("POST", "sobjects/Opportunity", json={
        "Name": "Deal", "StageName": "Closed Won", "CloseDate": "2026-05-01", "IsWon": True}))
    assert (code, fields) == ("INVALID_FIELD_FOR_INSERT_UPDATE", ["IsWon"])
    assert error(sf("POST", "sobjects/Opportunity", json={"Name": "Deal"}))[2] == [
        "StageName", "CloseDate"]


def test_upsert_by_external_id_creates_then_updates(sf):
    path = "sobjects/Product2/Cin7_Product_ID__c/prod-1"
    created = sf("PATCH", path, json={"Name": "Red tee"})
    assert created.status_code == 201 and created.json()["created"] is True
    updated = sf("PATCH", path, json={"Name": "Red tee (cotton)"})
    assert updated.status_code == 200
    assert updated.json() == {"id": created.json()["id"], "success": True, "errors": [],
                              "created": False}
    duplicate = sf("POST", "sobjects/Product2", json={"Name": "Copy",
                                                      "Cin7_Product_ID__c": "PROD-1"})
    code, message, _ = error(duplicate)
    assert code == "DUPLICATE_VALUE"
    assert message == ("duplicate value found: Cin7_Product_ID__c duplicates value on record "
                       f"with id: {created.json()['id']}")
    assert error(sf("PATCH", "sobjects/Product2/Name/x", json={}))[0] == "NOT_FOUND"


def test_an_external_id_that_is_not_unique_can_match_several_records(org):
    org.reset(salesforce_unique_external_ids=False)
    sf = Org(org)
    for _ in range(2):
        sf.create("Account", Name="Twin", Cin7_Customer_ID__c="c-1")
    r = sf("PATCH", "sobjects/Account/Cin7_Customer_ID__c/c-1", json={"Name": "Which?"})
    assert r.status_code == 300 and len(r.json()) == 2
    assert r.json()[0].startswith(f"/services/data/{V}/sobjects/Account/001")


def test_an_org_without_the_cin7_fields_refuses_them(org):
    org.reset(salesforce_cin7_fields=False)
    sf = Org(org)
    r = sf("PATCH", "sobjects/Product2/Cin7_Product_ID__c/p-1", json={"Name": "Tee"})
    assert r.status_code == 404
    assert error(r)[1] == ("Provided external ID field does not exist or is not accessible: "
                           "Cin7_Product_ID__c")
    r = sf.query("SELECT Id, Cin7_Customer_ID__c FROM Account")
    assert r.status_code == 400 and error(r)[0] == "INVALID_FIELD"


def test_a_custom_price_needs_a_standard_price_first(sf):
    standard = sf.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true").json()["records"]
    assert len(standard) == 1
    wholesale = sf.create("Pricebook2", Name="Wholesale", IsActive=True)
    product = sf.create("Product2", Name="Red tee", IsActive=True)
    entry = {"Pricebook2Id": wholesale, "Product2Id": product, "UnitPrice": 9.5,
             "IsActive": True}
    assert error(sf("POST", "sobjects/PricebookEntry", json=entry))[:2] == (
        "STANDARD_PRICE_NOT_DEFINED", "No standard price defined for this product")
    sf.create("PricebookEntry", **(entry | {"Pricebook2Id": standard[0]["Id"], "UnitPrice": 12}))
    sf.create("PricebookEntry", **entry)
    assert error(sf("POST", "sobjects/PricebookEntry", json=entry))[:2] == (
        "DUPLICATE_VALUE", "This price definition already exists in this price book")
    euro = entry | {"CurrencyIsoCode": "EUR"}  # one entry per product, book and currency
    assert error(sf("POST", "sobjects/PricebookEntry", json=euro))[0] == (
        "STANDARD_PRICE_NOT_DEFINED")
    sf.create("PricebookEntry", **(euro | {"Pricebook2Id": standard[0]["Id"]}))
    sf.create("PricebookEntry", **euro)


def _priced_product(sf, price=10.0):
    standard = sf.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true").json()
    book = standard["records"][0]["Id"]
    product = sf.create("Product2", Name="Mug", IsActive=True)
    entry = sf.create("PricebookEntry", Pricebook2Id=book, Product2Id=product, UnitPrice=price,
                      IsActive=True)
    return book, product, entry


def test_closed_won_opportunities_roll_their_lines_up(sf):
    book, product, entry = _priced_product(sf)
    account = sf.create("Account", Name="Harbour", Cin7_Customer_ID__c="c-9")
    opportunity = sf.create("Opportunity", Name="Spring order", StageName="Prospecting",
                            CloseDate="2026-05-01", AccountId=account)
    sf.create("OpportunityLineItem", OpportunityId=opportunity, PricebookEntryId=entry,
              Quantity=3, UnitPrice=12.5)
    assert sf("PATCH", f"sobjects/Opportunity/{opportunity}",
              json={"StageName": "Closed Won"}).status_code == 204
    soql = ("SELECT Id, Amount, IsWon, Pricebook2Id, Account.Cin7_Customer_ID__c, "
            "(SELECT Quantity, Product2Id FROM OpportunityLineItems) FROM Opportunity "
            "WHERE IsWon = true")
    row = sf.query(soql).json()["records"][0]
    assert (row["Amount"], row["IsWon"], row["Pricebook2Id"]) == (37.5, True, book)
    assert row["Account"]["Cin7_Customer_ID__c"] == "c-9"
    assert row["OpportunityLineItems"]["records"][0]["Product2Id"] == product
    other = sf.create("Pricebook2", Name="Retail", IsActive=True)
    r = sf("PATCH", f"sobjects/Opportunity/{opportunity}", json={"Pricebook2Id": other})
    assert error(r)[0] == "FIELD_INTEGRITY_EXCEPTION"
    bad = sf("PATCH", f"sobjects/Opportunity/{opportunity}", json={"StageName": "Won-ish"})
    assert error(bad)[0] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_accepted_quotes_carry_their_lines_and_totals(sf):
    book, product, entry = _priced_product(sf, 4.0)
    opportunity = sf.create("Opportunity", Name="O", StageName="Prospecting",
                            CloseDate="2026-05-01", Pricebook2Id=book)
    quote = sf.create("Quote", Name="Q", OpportunityId=opportunity, Status="Accepted")
    sf.create("QuoteLineItem", QuoteId=quote, PricebookEntryId=entry, Product2Id=product,
              Quantity=5, UnitPrice=4.0, Discount=10)
    row = sf.query("SELECT Id, GrandTotal, (SELECT TotalPrice FROM QuoteLineItems) FROM Quote "
                   "WHERE Status = 'accepted'").json()["records"][0]
    assert row["GrandTotal"] == 18.0 and row["QuoteLineItems"]["totalSize"] == 1


def test_collections_take_200_records_in_order_with_all_or_none(sf):
    records = [{"attributes": {"type": "Account"}, "Name": f"A{i}"} for i in range(201)]
    r = sf("POST", "composite/sobjects", json={"records": records})
    assert r.status_code == 400 and error(r)[0] == "EXCEEDED_ID_LIMIT"
    mixed = [records[0], {"attributes": {"type": "Account"}}, records[2]]
    partial = sf("POST", "composite/sobjects", json={"allOrNone": False, "records": mixed}).json()
    assert [p["success"] for p in partial] == [True, False, True]
    assert partial[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    whole = sf("POST", "composite/sobjects", json={"allOrNone": True, "records": mixed}).json()
    assert [e["errors"][0]["statusCode"] for e in whole] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK", "REQUIRED_FIELD_MISSING",
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"]
    assert sf.query("SELECT COUNT() FROM Account").json()["totalSize"] == 2


def test_collection_upsert_says_which_records_it_created(sf):
    rows = [{"attributes": {"type": "Product2"}, "Cin7_Product_ID__c": f"p{i}", "Name": f"P{i}"}
            for i in range(3)]
    path = "composite/sobjects/Product2/Cin7_Product_ID__c"
    first = sf("PATCH", path, json={"records": rows[:2]}).json()
    again = sf("PATCH", path, json={"records": rows}).json()
    assert [r["created"] for r in first] == [True, True]
    assert [r["created"] for r in again] == [False, False, True]
    assert again[0]["id"] == first[0]["id"]


def test_soql_pages_with_next_records_url(sf):
    rows = [{"attributes": {"type": "Account"}, "Name": f"A{i:03}"} for i in range(200)]
    for _ in range(3):
        sf("POST", "composite/sobjects", json={"records": rows})
    first = sf.query("SELECT Id, Name FROM Account ORDER BY Name",
                     headers={"Sforce-Query-Options": "batchSize=250"}).json()
    assert (first["totalSize"], first["done"], len(first["records"])) == (600, False, 250)
    assert first["nextRecordsUrl"].startswith(f"/services/data/{V}/query/01g")
    host = sf.base.split("/services/")[0]
    seen = list(first["records"])
    page = first
    while not page["done"]:
        page = requests.get(host + page["nextRecordsUrl"], headers=sf.headers, timeout=10).json()
        seen += page["records"]
    assert len(seen) == 600 and [r["Name"] for r in seen] == sorted(r["Name"] for r in seen)
    assert len(sf.query("SELECT Id FROM Account").json()["records"]) == 600  # default 2,000


def test_soql_filters_by_system_modstamp_and_refuses_what_salesforce_refuses(sf):
    sf.create("Account", Name="Old")
    time.sleep(1.05)
    since = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    time.sleep(1.05)
    sf.create("Account", Name="New")
    r = sf.query(f"SELECT Name FROM Account WHERE SystemModstamp > {since} ORDER BY "
                 "SystemModstamp, Id LIMIT 10")
    assert [x["Name"] for x in r.json()["records"]] == ["New"]
    quoted = sf.query(f"SELECT Name FROM Account WHERE SystemModstamp > '{since}'")
    assert error(quoted)[0] == "INVALID_FIELD"
    assert error(sf.query("SELECT Name FROM Account WHERE"))[0] == "MALFORMED_QUERY"
    assert error(sf.query("SELECT Name FROM Acount"))[0] == "INVALID_TYPE"
    assert error(sf.query("SELECT Nme FROM Account"))[1].startswith(
        "No such column 'Nme' on entity 'Account'")


def test_faults_answer_like_salesforce_under_load(sf, org):
    org.fault(system="salesforce", kind="throttle")
    r = sf("GET", "limits")
    assert r.status_code == 403 and "ConcurrentPerOrgLongTxn" in error(r)[1]
    org.fault(system="salesforce", kind="error", status=503)
    r = sf("GET", "limits")
    assert r.status_code == 503 and error(r)[0] == "SERVER_UNAVAILABLE"
    org.fault(system="salesforce", kind="throttle", status=429, retry_after=2)
    r = sf("GET", "limits")
    assert r.status_code == 429 and r.headers["Retry-After"] == "2"
