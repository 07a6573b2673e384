"""The HubSpot simulator, seen from an HTTP client: auth, limits, batches, search, links."""

import time

import pytest
import requests

from sandbox.testing import Running

FAST = {"customers": 5, "hubspot_rate_per_10s": 0, "hubspot_search_per_second": 0}
PRIMARY = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}]
UNLABELLED = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]


@pytest.fixture(scope="module")
def box():
    running = Running(FAST)
    yield running
    running.close()


@pytest.fixture
def hs(box):
    """call(method, path, json=...) against HubSpot on a fresh sandbox without limits."""
    box.reset(**FAST)
    session = requests.Session()
    session.headers.update(box.hubspot_headers)

    def call(method, path, **kwargs):
        return session.request(method, box.hubspot_url + path, timeout=10, **kwargs)

    yield call
    session.close()


def create(call, kind, *props):
    r = call("POST", f"/crm/v3/objects/{kind}/batch/create",
             json={"inputs": [{"properties": p} for p in props]})
    assert r.status_code == 201, r.text
    return [o["id"] for o in r.json()["results"]]


def test_missing_token_is_a_401_with_hubspots_body(box):
    r = requests.get(box.hubspot_url + "/crm/v3/objects/contacts")
    assert r.status_code == 401
    body = r.json()
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"].startswith("Authentication credentials not found.")
    assert body["status"] == "error" and body["correlationId"]


def test_every_answer_but_search_carries_rate_limit_headers(hs):
    r = hs("GET", "/crm/v3/objects/contacts")
    assert r.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    for name in ("Max", "Remaining", "Daily", "Daily-Remaining"):
        assert f"X-HubSpot-RateLimit-{name}" in r.headers
    search = hs("POST", "/crm/v3/objects/contacts/search", json={})
    assert search.status_code == 200
    assert not [h for h in search.headers if h.startswith("X-HubSpot-RateLimit")]


def test_the_ten_second_window_answers_429_with_retry_after(box):
    box.reset(hubspot_rate_per_10s=3)
    answers = [requests.get(box.hubspot_url + "/crm/v3/objects/companies",
                            headers=box.hubspot_headers) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["X-HubSpot-RateLimit-Remaining"] for r in answers] == ["2", "1", "0", "0"]
    throttled = answers[-1]
    assert 1 <= int(throttled.headers["Retry-After"]) <= 10
    body = throttled.json()
    assert body["policyName"] == "TEN_SECONDLY_ROLLING" and body["errorType"] == "RATE_LIMIT"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["groupName"].startswith("publicapi:private_app-api-calls-ten-secondly:")


def test_search_has_its_own_per_second_limit(box):
    box.reset(hubspot_search_per_second=2)
    url = box.hubspot_url + "/crm/v3/objects/contacts/search"
    answers = [requests.post(url, json={}, headers=box.hubspot_headers) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert answers[-1].json()["policyName"] == "SECONDLY"
    assert answers[-1].json()["message"] == "You have reached your secondly limit."


def test_contacts_are_unique_by_email_whatever_the_case(hs):
    first = hs("POST", "/crm/v3/objects/contacts", json={"properties": {"email": "Ann@Shop.test"}})
    assert first.status_code == 201 and first.json()["properties"]["email"] == "ann@shop.test"
    again = hs("POST", "/crm/v3/objects/contacts", json={"properties": {"email": "ann@shop.TEST"}})
    assert again.status_code == 409
    assert again.json()["category"] == "CONFLICT"
    assert again.json()["message"] == f"Contact already exists. Existing ID: {first.json()['id']}"
    company = {"properties": {"name": "Same Name"}}
    assert hs("POST", "/crm/v3/objects/companies", json=company).status_code == 201
    assert hs("POST", "/crm/v3/objects/companies", json=company).status_code == 201


def test_property_values_are_checked_like_hubspot(hs):
    r = hs("POST", "/crm/v3/objects/contacts", json={"properties": {
        "email": "not-an-email", "favourite_colour": "blue", "lifecyclestage": "pirate"}})
    assert r.status_code == 400
    body = r.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: [")
    codes = {e["context"]["propertyName"][0]: e["code"] for e in body["errors"]}
    assert codes == {"email": "INVALID_EMAIL", "favourite_colour": "PROPERTY_DOESNT_EXIST",
                     "lifecyclestage": "INVALID_OPTION"}
    number = hs("POST", "/crm/v3/objects/companies", json={"properties": {"annualrevenue": "lots"}})
    assert number.json()["errors"][0]["code"] == "INVALID_INTEGER"
    assert "was not a valid number" in number.json()["errors"][0]["message"]


def test_batch_create_with_trace_ids_reports_bad_inputs_in_a_207(hs, box):
    r = hs("POST", "/crm/v3/objects/contacts/batch/create", json={"inputs": [
        {"properties": {"email": "a@x.test"}, "objectWriteTraceId": "row-1"},
        {"properties": {"email": "b@x.test", "nope": "1"}, "objectWriteTraceId": "row-2"},
        {"properties": {"email": "a@x.test"}, "objectWriteTraceId": "row-3"}]})
    assert r.status_code == 207
    body = r.json()
    assert body["status"] == "COMPLETE" and body["numErrors"] == 2
    assert [o["objectWriteTraceId"] for o in body["results"]] == ["row-1"]
    by_trace = {e["context"]["objectWriteTraceId"][0]: e for e in body["errors"]}
    assert by_trace["row-2"]["category"] == "VALIDATION_ERROR"
    assert "PROPERTY_DOESNT_EXIST" in by_trace["row-2"]["message"]
    assert by_trace["row-3"]["category"] == "CONFLICT"
    assert len(box.get("hubspot/contacts")) == 1


def test_batch_create_without_trace_ids_fails_whole_on_one_bad_input(hs, box):
    r = hs("POST", "/crm/v3/objects/contacts/batch/create", json={"inputs": [
        {"properties": {"email": "a@x.test"}}, {"properties": {"nope": "1"}}]})
    assert r.status_code == 400
    assert box.get("hubspot/contacts") == []
    too_many = hs("POST", "/crm/v3/objects/contacts/batch/create",
                  json={"inputs": [{"properties": {}}] * 101})
    assert too_many.status_code == 400 and too_many.json()["category"] == "VALIDATION_ERROR"


def test_upsert_by_email_says_which_records_are_new(hs):
    body = {"inputs": [{"id": "A@x.test", "idProperty": "email", "properties": {"firstname": "A"}}]}
    first = hs("POST", "/crm/v3/objects/contacts/batch/upsert", json=body)
    assert first.status_code == 200 and first.json()["results"][0]["new"] is True
    second = hs("POST", "/crm/v3/objects/contacts/batch/upsert", json=body)
    assert second.json()["results"][0]["new"] is False
    assert second.json()["results"][0]["id"] == first.json()["results"][0]["id"]


def test_upsert_by_email_has_no_partial_success(hs, box):
    r = hs("POST", "/crm/v3/objects/contacts/batch/upsert", json={"inputs": [
        {"id": "ok@x.test", "idProperty": "email", "properties": {}},
        {"id": "broken", "idProperty": "email", "properties": {}}]})
    assert r.status_code == 400
    assert box.get("hubspot/contacts") == []


def test_upsert_needs_a_unique_id_property(hs):
    r = hs("POST", "/crm/v3/objects/contacts/batch/upsert",
           json={"inputs": [{"id": "Ann", "idProperty": "firstname", "properties": {}}]})
    assert r.status_code == 400
    assert "non-unique 0-1 property firstname" in r.json()["message"]


def test_custom_unique_properties_dedupe_and_allow_partial_upserts(hs):
    group = {"name": "cin7_information", "label": "Cin7 information"}
    assert hs("POST", "/crm/v3/properties/companies/groups", json=group).status_code == 201
    prop = {"name": "cin7_customer_id", "label": "Cin7 customer id", "type": "string",
            "fieldType": "text", "groupName": "cin7_information", "hasUniqueValue": True}
    assert hs("POST", "/crm/v3/properties/companies", json=prop).status_code == 201
    assert hs("POST", "/crm/v3/properties/companies", json=prop).status_code == 409
    one = {"properties": {"name": "A", "cin7_customer_id": "c-1"}}
    assert hs("POST", "/crm/v3/objects/companies", json=one).status_code == 201
    assert hs("POST", "/crm/v3/objects/companies", json=one).status_code == 409
    r = hs("POST", "/crm/v3/objects/companies/batch/upsert", json={"inputs": [
        {"id": "c-1", "idProperty": "cin7_customer_id", "properties": {"name": "A2"}},
        {"id": "c-2", "idProperty": "cin7_customer_id", "properties": {"industry": "BAD"},
         "objectWriteTraceId": "c-2"},
        {"id": "c-3", "idProperty": "cin7_customer_id", "properties": {"name": "C"}}]})
    assert r.status_code == 207
    assert [(o["properties"]["cin7_customer_id"], o["new"]) for o in r.json()["results"]] == [
        ("c-1", False), ("c-3", True)]
    assert r.json()["errors"][0]["context"]["objectWriteTraceId"] == ["c-2"]
    read = hs("GET", "/crm/v3/objects/companies/c-3",
              params={"idProperty": "cin7_customer_id", "properties": "name"})
    assert read.status_code == 200 and read.json()["properties"]["name"] == "C"


def test_property_definitions_are_validated(hs):
    base = {"name": "cin7_tier", "label": "Tier", "groupName": "companyinformation"}
    cases = [({**base, "type": "string", "fieldType": "select"}, 400),
             ({**base, "type": "enumeration", "fieldType": "select"}, 400),
             ({**base, "name": "Tier-1", "type": "string", "fieldType": "text"}, 400),
             ({**base, "groupName": "nowhere", "type": "string", "fieldType": "text"}, 400),
             ({"name": "x", "label": "X"}, 400),
             ({**base, "type": "enumeration", "fieldType": "select",
               "options": [{"label": "Gold", "value": "gold", "hidden": False}]}, 201)]
    for body, status in cases:
        assert hs("POST", "/crm/v3/properties/companies", json=body).status_code == status, body
    names = [p["name"] for p in hs("GET", "/crm/v3/properties/companies").json()["results"]]
    assert "cin7_tier" in names and "hs_lastmodifieddate" in names


def test_batch_read_reports_missing_ids_in_a_207(hs):
    [ann] = create(hs, "contacts", {"email": "ann@x.test", "firstname": "Ann"})
    r = hs("POST", "/crm/v3/objects/contacts/batch/read",
           json={"inputs": [{"id": ann}, {"id": "999999"}], "properties": ["firstname"]})
    assert r.status_code == 207
    assert r.json()["results"][0]["properties"]["firstname"] == "Ann"
    assert r.json()["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert r.json()["errors"][0]["context"]["ids"] == ["999999"]
    by_email = hs("POST", "/crm/v3/objects/contacts/batch/read",
                  json={"inputs": [{"id": "ANN@x.test"}], "idProperty": "email",
                        "properties": ["firstname"]})
    assert by_email.status_code == 200 and by_email.json()["results"][0]["id"] == ann


def test_list_pages_by_10_by_default_and_at_most_100(hs):
    create(hs, "companies", *[{"name": f"C{i}"} for i in range(12)])
    first = hs("GET", "/crm/v3/objects/companies").json()
    assert len(first["results"]) == 10
    after = first["paging"]["next"]["after"]
    rest = hs("GET", "/crm/v3/objects/companies", params={"after": after}).json()
    assert len(rest["results"]) == 2 and "paging" not in rest
    assert {o["id"] for o in first["results"]}.isdisjoint(o["id"] for o in rest["results"])
    everything = hs("GET", "/crm/v3/objects/companies", params={"limit": 500}).json()
    assert len(everything["results"]) == 12 and "paging" not in everything
    shown = first["results"][0]["properties"]
    assert set(shown) == {"name", "domain", "hs_object_id", "createdate", "hs_lastmodifieddate"}
    assert shown["domain"] is None


def test_search_filters_sorts_and_pages(hs):
    ids = create(hs, "contacts", *[{"email": f"p{i}@x.test", "firstname": f"P{i}"}
                                   for i in range(5)])
    body = {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "IN",
                                           "values": ["p1@x.test", "p3@x.test", "p4@x.test"]}]}],
            "sorts": [{"propertyName": "firstname", "direction": "DESCENDING"}], "limit": 2}
    first = hs("POST", "/crm/v3/objects/contacts/search", json=body).json()
    assert first["total"] == 3 and [o["properties"]["firstname"] for o in first["results"]] == [
        "P4", "P3"]
    rest = hs("POST", "/crm/v3/objects/contacts/search",
              json={**body, "after": first["paging"]["next"]["after"]}).json()
    assert [o["id"] for o in rest["results"]] == [ids[1]] and "paging" not in rest
    assert set(rest["results"][0]["properties"]) == {"createdate", "email", "firstname",
                                                     "hs_object_id", "lastmodifieddate", "lastname"}


def test_search_compares_datetimes_as_epoch_milliseconds(hs):
    [old] = create(hs, "companies", {"name": "Old"})
    time.sleep(0.02)
    cutoff = int(time.time() * 1000)
    time.sleep(0.02)
    [new] = create(hs, "companies", {"name": "New"})
    r = hs("POST", "/crm/v3/objects/companies/search", json={"filterGroups": [{"filters": [
        {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(cutoff)}]}]})
    assert [o["id"] for o in r.json()["results"]] == [new]
    r = hs("POST", "/crm/v3/objects/companies/search", json={"filterGroups": [{"filters": [
        {"propertyName": "hs_lastmodifieddate", "operator": "LT", "value": str(cutoff)}]}]})
    assert [o["id"] for o in r.json()["results"]] == [old]


def test_search_refuses_what_hubspot_refuses(hs):
    url = "/crm/v3/objects/contacts/search"
    flt = {"propertyName": "email", "operator": "HAS_PROPERTY"}
    refused = [{"limit": 201}, {"after": "9950", "limit": 100}, {"after": "10000"},
               {"query": "x" * 3001},
               {"filterGroups": [{"filters": [flt]}] * 6},
               {"filterGroups": [{"filters": [flt] * 7}]},
               {"filterGroups": [{"filters": [flt] * 5}] * 4},
               {"sorts": ["email", "firstname"]}]
    for body in refused:
        r = hs("POST", url, json=body)
        assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR", body
    assert hs("POST", url, json={"after": "9900", "limit": 100}).status_code == 200
    assert hs("POST", url, json={"limit": 200}).status_code == 200


def test_search_lags_behind_writes_when_asked_to(box):
    box.reset(**FAST, hubspot_search_lag_seconds=0.4)
    headers = box.hubspot_headers
    created = requests.post(box.hubspot_url + "/crm/v3/objects/contacts", headers=headers,
                            json={"properties": {"email": "late@x.test"}})
    assert created.status_code == 201
    url = box.hubspot_url + "/crm/v3/objects/contacts/search"
    assert requests.post(url, json={}, headers=headers).json()["total"] == 0
    read = requests.get(f"{box.hubspot_url}/crm/v3/objects/contacts/{created.json()['id']}",
                        headers=headers)
    assert read.status_code == 200  # reads by id see the write at once
    time.sleep(0.5)
    assert requests.post(url, json={}, headers=headers).json()["total"] == 1


def test_associations_are_stored_both_ways_and_read_from_either_side(hs, box):
    [ann, bob] = create(hs, "contacts", {"email": "ann@x.test"}, {"email": "bob@x.test"})
    [acme, beta] = create(hs, "companies", {"name": "Acme"}, {"name": "Beta"})
    r = hs("POST", "/crm/v4/associations/contacts/companies/batch/create", json={"inputs": [
        {"from": {"id": ann}, "to": {"id": acme}, "types": PRIMARY},
        {"from": {"id": ann}, "to": {"id": beta}, "types": UNLABELLED},
        {"from": {"id": bob}, "to": {"id": "424242"}, "types": UNLABELLED}]})
    assert r.status_code == 207
    assert [x["labels"] for x in r.json()["results"]] == [["Primary"], []]
    assert r.json()["errors"][0]["context"]["INVALID_OBJECT_IDS"] == ["COMPANY=424242 is not valid"]
    read = hs("POST", "/crm/v4/associations/companies/contacts/batch/read",
              json={"inputs": [{"id": acme}]}).json()
    [target] = read["results"][0]["to"]
    assert target["toObjectId"] == int(ann)
    assert sorted(t["typeId"] for t in target["associationTypes"]) == [2, 280]
    links = box.get("hubspot/associations")
    assert {"fromType": "companies", "fromId": beta, "toType": "contacts", "toId": ann,
            "typeId": 280} in links
    hs("POST", "/crm/v4/associations/contacts/companies/batch/archive",
       json={"inputs": [{"from": {"id": ann}, "to": [{"id": beta}]}]})
    assert not [x for x in box.get("hubspot/associations") if beta in (x["fromId"], x["toId"])]


def test_wrong_association_types_fail_the_batch(hs):
    [deal] = create(hs, "deals", {"dealname": "D", "dealstage": "appointmentscheduled"})
    [acme] = create(hs, "companies", {"name": "Acme"})
    r = hs("POST", "/crm/v4/associations/deals/companies/batch/create", json={"inputs": [
        {"from": {"id": deal}, "to": {"id": acme}, "types": PRIMARY}]})
    assert r.status_code == 400
    assert r.json()["message"] == "One or more associations are invalid"
    assert r.json()["context"]["INVALID_OBJECT_IDS"] == [f"CONTACT={deal} is not valid"]


def test_objects_can_be_created_with_associations(hs):
    [acme] = create(hs, "companies", {"name": "Acme"})
    r = hs("POST", "/crm/v3/objects/contacts", json={"properties": {"email": "c@x.test"},
                                                     "associations": [{"to": {"id": acme},
                                                                       "types": PRIMARY}]})
    assert r.status_code == 201
    read = hs("GET", f"/crm/v3/objects/contacts/{r.json()['id']}",
              params={"associations": "companies"}).json()
    assert {a["type"] for a in read["associations"]["companies"]["results"]} == {
        "contact_to_company", "contact_to_company_unlabeled"}


def test_faults_reproduce_locks_migrations_and_gateway_errors(hs, box):
    box.fault("hubspot", "error", status=423)
    box.fault("hubspot", "error", status=477, retry_after=3)
    box.fault("hubspot", "error", status=502)
    box.fault("hubspot", "throttle", path="/batch/upsert")
    locked = hs("GET", "/crm/v3/objects/contacts")
    assert locked.status_code == 423 and locked.json()["status"] == "error"
    migrating = hs("GET", "/crm/v3/objects/contacts")
    assert migrating.status_code == 477 and migrating.headers["Retry-After"] == "3"
    assert hs("GET", "/crm/v3/objects/contacts").status_code == 502
    assert hs("GET", "/crm/v3/objects/contacts").status_code == 200
    throttled = hs("POST", "/crm/v3/objects/contacts/batch/upsert", json={"inputs": []})
    assert throttled.status_code == 429 and throttled.headers["Retry-After"]
    assert throttled.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert throttled.json()["policyName"] == "TEN_SECONDLY_ROLLING"


def test_timeout_fault_answers_504_after_the_delay_and_does_nothing(hs, box):
    box.fault("hubspot", "timeout", delay=0.3)
    started = time.monotonic()
    r = hs("POST", "/crm/v3/objects/companies", json={"properties": {"name": "Never"}})
    assert r.status_code == 504 and time.monotonic() - started >= 0.3
    assert box.get("hubspot/companies") == []


def test_a_storm_throttles_a_share_of_calls_until_cleared(hs, box):
    box.fault("hubspot", "storm", rate=0.5)
    statuses = [hs("GET", "/crm/v3/objects/contacts").status_code for _ in range(30)]
    assert 5 < statuses.count(429) < 25 and statuses.count(200) + statuses.count(429) == 30
    box.clear_faults()
    assert {hs("GET", "/crm/v3/objects/contacts").status_code for _ in range(5)} == {200}


def test_owners_pipelines_and_account_info(hs):
    owners = hs("GET", "/crm/v3/owners").json()["results"]
    names = {f"{o['firstName']} {o['lastName']}" for o in owners}
    assert {"Olivia Bennett", "Marcus Reid", "Jordan Blake"} <= names
    pipeline = hs("GET", "/crm/v3/pipelines/deals").json()["results"][0]
    assert pipeline["id"] == "default" and len(pipeline["stages"]) == 7
    account = hs("GET", "/account-info/v3/details").json()
    assert account["uiDomain"] == "app.hubspot.com" and account["accountType"] == "STANDARD"


def test_control_endpoints_log_calls_and_count_writes(hs, box):
    box.control.delete(f"{box.url}/_sandbox/requests")
    create(hs, "companies", {"name": "Logged"})
    hs("GET", "/crm/v3/objects/companies", params={"limit": 5})
    log = box.get("requests", system="hubspot")
    assert [(e["method"], e["status"]) for e in log] == [("POST", 201), ("GET", 200)]
    assert log[0]["json"] == {"inputs": [{"properties": {"name": "Logged"}}]}
    assert log[1]["query"] == {"limit": "5"}
    stats = box.get("stats")["hubspot"]
    assert stats["writes"] == 1 and stats["records_written"] == 1
