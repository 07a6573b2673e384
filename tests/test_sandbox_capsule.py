"""The Capsule sandbox behaves as crms.md §B describes Capsule CRM API v2 (plain HTTP)."""

import time

import pytest
import requests

TOKEN, READ_ONLY, APP = "capsule-sandbox-token", "capsule-readonly-token", "capsule-app-token"


class Capsule:
    """Plain HTTP to the sandbox's Capsule with a token."""

    def __init__(self, url, token=TOKEN):
        self.base = f"{url}/capsule/api/v2/"
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def __call__(self, method, path, **kwargs):
        url = path if path.startswith("http") else self.base + path
        return requests.request(method, url, headers=self.headers, timeout=10, **kwargs)

    def create(self, **party):
        answer = self("POST", "parties", json={"party": party})
        assert answer.status_code == 201, answer.text
        return answer.json()["party"]


@pytest.fixture
def capsule(sandbox):
    return Capsule(sandbox.url)


def test_a_bad_token_gets_401_with_www_authenticate_and_a_message(sandbox):
    answer = Capsule(sandbox.url, "wrong")("GET", "parties")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.json()["message"]


def test_a_read_only_token_reads_but_cannot_write(sandbox):
    reader = Capsule(sandbox.url, READ_ONLY)
    assert reader("GET", "parties").status_code == 200
    answer = reader("POST", "parties", json={"party": {"type": "organisation", "name": "X"}})
    assert answer.status_code == 403
    assert "insufficient_scope" in answer.headers["WWW-Authenticate"]


def test_parties_page_by_link_next_until_it_is_absent(sandbox, capsule):
    sandbox.reset(capsule_parties=45)
    answer = capsule("GET", "parties", params={"perPage": 20, "embed": "fields,tags"})
    seen, pages = [], 0
    while True:
        assert answer.status_code == 200
        pages += 1
        seen += [p["id"] for p in answer.json()["parties"]]
        assert answer.headers["X-Pagination-Has-More"] == str("next" in answer.links).lower()
        if "next" not in answer.links:
            break
        assert "embed=fields,tags" in answer.links["next"]["url"]
        answer = capsule("GET", answer.links["next"]["url"])
    assert pages == 3 and len(seen) == len(set(seen)) == 45
    assert capsule("GET", "parties", params={"perPage": 101}).status_code == 400


def test_since_returns_only_parties_changed_after_it(sandbox, capsule):
    sandbox.reset(capsule_parties=10)
    parties = capsule("GET", "parties").json()["parties"]
    since = parties[6]["updatedAt"]
    later = capsule("GET", "parties", params={"since": since}).json()["parties"]
    assert [p["id"] for p in later] == [p["id"] for p in parties[7:]]


def test_a_person_links_to_an_organisation_and_arrays_change_by_item_id(capsule):
    org = capsule.create(type="organisation", name="Harbour Outfitters")
    ana = capsule.create(type="person", firstName="Ana", lastName="Ruiz",
                         organisation={"id": org["id"]},
                         emailAddresses=[{"type": "Work", "address": "ana@harbour.example"}],
                         phoneNumbers=[{"type": "Mobile", "number": "+61 400 000 000"},
                                       {"type": "Work", "number": "+61 3 9000 0000"}])
    assert ana["organisation"]["id"] == org["id"]
    email, mobile, work = ana["emailAddresses"][0], *ana["phoneNumbers"]
    answer = capsule("PUT", f"parties/{ana['id']}", json={"party": {
        "emailAddresses": [{"id": email["id"], "type": "Home"},
                           {"type": "Work", "address": "orders@harbour.example"}],
        "phoneNumbers": [{"id": mobile["id"], "_delete": True}]}})
    assert answer.status_code == 200
    after = answer.json()["party"]
    assert [(e["type"], e["address"]) for e in after["emailAddresses"]] == [
        ("Home", "ana@harbour.example"), ("Work", "orders@harbour.example")]
    assert after["phoneNumbers"] == [work]
    unlinked = capsule("PUT", f"parties/{ana['id']}", json={"party": {"organisation": None}})
    assert unlinked.json()["party"]["organisation"] is None


def test_validation_failures_are_422_naming_resource_and_field(capsule):
    answer = capsule("POST", "parties", json={"party": {"type": "person", "jobTitle": "Buyer"}})
    assert answer.status_code == 422
    assert answer.json()["message"] == "Validation Failed"
    assert answer.json()["errors"][0]["field"] == "firstName"
    answer = capsule("POST", "parties", json={"party": {
        "type": "organisation", "name": "Uk Shop", "addresses": [{"country": "UK"}]}})
    assert answer.json()["errors"] == [{"message": "unknown country", "resource": "address",
                                        "field": "country"}]
    usa = capsule.create(type="organisation", name="Us Shop", addresses=[{"country": "USA"}])
    assert usa["addresses"][0]["country"] == "United States"


def test_the_same_post_twice_makes_two_parties(capsule):
    first = capsule.create(type="organisation", name="Twice Ltd")
    second = capsule.create(type="organisation", name="Twice Ltd")
    assert second["id"] > first["id"]


def test_a_party_is_found_by_a_custom_field_value(capsule):
    answer = capsule("POST", "parties/fields/definitions",
                     json={"definition": {"name": "Cin7 Customer ID", "type": "text"}})
    assert answer.status_code == 201
    field_id = answer.json()["definition"]["id"]
    counted = capsule("POST", "parties/fields/definitions",
                      json={"definition": {"name": "Orders", "type": "number"}}).json()
    made = capsule("POST", "parties", params={"embed": "fields"}, json={"party": {
        "type": "organisation", "name": "Keyed Co",
        "fields": [{"definition": {"id": field_id}, "value": "c-1"},
                   {"definition": counted["definition"]["id"], "value": 12}]}}).json()["party"]
    assert [f["value"] for f in made["fields"]] == ["c-1", "12"]  # numbers come back as text
    capsule.create(type="organisation", name="Other Co")
    found = capsule("POST", "parties/filters/results", params={"embed": "fields"}, json={
        "filter": {"conditions": [{"field": f"custom:{field_id}", "operator": "is",
                                   "value": "c-1"}]}}).json()["parties"]
    assert [p["id"] for p in found] == [made["id"]]
    bad = capsule("POST", "parties/filters/results",
                  json={"filter": {"conditions": [{"field": "nonsense", "operator": "is"}]}})
    assert bad.status_code == 422


def test_opportunities_need_party_name_and_milestone_and_close_on_won_or_lost(capsule):
    milestones = capsule("GET", "milestones").json()["milestones"]
    by_name = {m["name"]: m for m in milestones}
    assert by_name["Lost"]["complete"] and by_name["Lost"]["probability"] == 0
    party = capsule.create(type="organisation", name="Buyer Co")
    refused = capsule("POST", "opportunities", json={"opportunity": {"name": "Quote"}})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "party"
    opp = capsule("POST", "opportunities", json={"opportunity": {
        "name": "Quote SO-1", "party": {"id": party["id"]},
        "milestone": {"id": by_name["Proposal"]["id"]}, "value": {"amount": 194.0,
                                                                 "currency": "AUD"},
        "expectedCloseOn": "2026-12-15"}}).json()["opportunity"]
    assert opp["probability"] == 50 and opp["closedOn"] is None
    lost = capsule("PUT", f"opportunities/{opp['id']}", json={"opportunity": {
        "milestone": {"id": by_name["Lost"]["id"]}, "lostReason": "Price"}}).json()["opportunity"]
    assert lost["probability"] == 0 and lost["closedOn"]
    no_party = capsule("PUT", f"opportunities/{opp['id']}", json={"opportunity": {"party": None}})
    assert no_party.status_code == 422


def test_deleting_a_party_takes_its_opportunities_and_shows_in_the_deleted_feed(capsule):
    party = capsule.create(type="organisation", name="Gone Co")
    capsule("POST", "opportunities", json={"opportunity": {
        "name": "Q", "party": {"id": party["id"]}, "milestone": {"id": 11}}})
    assert capsule("DELETE", f"parties/{party['id']}").status_code == 204
    assert capsule("GET", "opportunities").json()["opportunities"] == []
    assert capsule("GET", "parties/deleted").status_code == 422  # since is required
    gone = capsule("GET", "parties/deleted", params={"since": "2000-01-01T00:00:00Z"}).json()
    assert [p["id"] for p in gone["parties"]] == [party["id"]]


def test_the_hourly_budget_ends_in_429_without_retry_after_until_the_reset(sandbox, capsule):
    sandbox.reset(capsule_rate_per_hour=3)
    answers = [capsule("GET", "site") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    throttled = answers[-1]
    assert throttled.json() == {"error": "rate limit reached"}
    assert "Retry-After" not in throttled.headers
    reset = int(throttled.headers["X-RateLimit-Reset"])
    assert reset == int(answers[0].headers["X-RateLimit-Reset"])
    requests.post(f"{sandbox.url}/capsule/_sandbox/advance", json={"seconds": 3600},
                  timeout=5).raise_for_status()
    again = capsule("GET", "site")
    assert again.status_code == 200 and int(again.headers["X-RateLimit-Reset"]) >= reset + 3600


def test_a_slow_answer_still_writes_the_party(sandbox, capsule):
    sandbox.fault(system="capsule", kind="slow", delay=1.0, method="POST")
    with pytest.raises(requests.Timeout):
        requests.post(capsule.base + "parties", headers=capsule.headers, timeout=0.3,
                      json={"party": {"type": "organisation", "name": "Landed Anyway"}})
    for _ in range(30):  # the sandbox finishes the write after the client gave up
        parties = requests.get(f"{sandbox.url}/capsule/_sandbox/parties", timeout=5).json()
        names = [p.get("name") for p in parties]
        if "Landed Anyway" in names:
            break
        time.sleep(0.1)
    assert names.count("Landed Anyway") == 1


def test_rest_hooks_are_for_oauth_apps_only(sandbox, capsule):
    hook = {"restHook": {"event": "party/updated", "targetUrl": "https://syncdesk.example/h",
                         "description": "SyncDesk"}}
    assert capsule("POST", "resthooks", json=hook).status_code == 403
    app = Capsule(sandbox.url, APP)
    made = app("POST", "resthooks", json=hook)
    assert made.status_code == 201
    assert [h["id"] for h in app("GET", "resthooks").json()["restHooks"]] == [
        made.json()["restHook"]["id"]]
