"""The Capsule connector against the Capsule sandbox over HTTP: paging, keys, limits, errors."""

import calendar
import time

import pytest
import requests

from core.connectors.capsule import CUSTOMER_ID_FIELD, SALE_ID_FIELD, Capsule
from core.errors import RecordError, ServiceError
from core.records import Address, Detail, Opportunity, Party
from tests.conftest import make_config

TOKEN = "capsule-sandbox-token"


def capsule_config(tmp_path, url, **overrides):
    settings = {"capsule_base_url": f"{url}/capsule/api/v2/", "capsule_token": TOKEN}
    return make_config(tmp_path, url, **(settings | overrides))


@pytest.fixture
def capsule(config, sandbox, tmp_path):
    return Capsule(capsule_config(tmp_path, sandbox.url))


class SandboxTime:
    """A clock and a sleep for the connector that move Capsule's clock instead of waiting."""

    def __init__(self, url):
        self.url, self.offset, self.waits = url, 0.0, []

    def clock(self):
        return time.time() + self.offset

    def sleep(self, seconds):
        self.waits.append(seconds)
        self.offset += seconds
        requests.post(f"{self.url}/capsule/_sandbox/advance", json={"seconds": seconds},
                      timeout=5).raise_for_status()


def calls(sandbox, **match):
    return [e for e in sandbox.get("requests", system="capsule")
            if all(e[k] == v for k, v in match.items())]


def epoch(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def test_site_proves_the_token_and_a_bad_token_says_so(config, sandbox, tmp_path, capsule):
    assert capsule.site()["site"]["subdomain"] == "sandbox"
    wrong = Capsule(capsule_config(tmp_path, sandbox.url, capsule_token="nope"))
    with pytest.raises(ServiceError, match="token was refused") as refused:
        wrong.site()
    assert refused.value.status == 401


def test_parties_are_read_page_by_page_by_link_and_since(sandbox, capsule):
    sandbox.reset(capsule_parties=230)
    pages = list(capsule.party_pages())
    assert [len(p) for p in pages] == [100, 100, 30]
    assert [e["query"].get("page") for e in calls(sandbox, path="/capsule/api/v2/parties")] == [
        None, "2", "3"]
    everyone = [p for page in pages for p in page]
    assert everyone[1].organisation_id == everyone[0].id  # seeded people work for the org before
    since = epoch(everyone[199].updated_at)
    changed = [p.id for page in capsule.party_pages(since=since) for p in page]
    # a second of overlap (SINCE_OVERLAP): the party changed at `since` comes again
    assert changed == [p.id for p in everyone[199:]]


def test_a_create_whose_answer_was_lost_is_found_again_by_its_key_and_exists_once(
        config, sandbox, tmp_path):
    capsule = Capsule(capsule_config(tmp_path, sandbox.url, http_timeout=0.4))
    key = capsule.ensure_field(CUSTOMER_ID_FIELD)
    assert capsule.ensure_field(CUSTOMER_ID_FIELD).id == key.id  # found, not made twice
    party = Party(type="organisation", name="Harbour Outfitters",
                  emails=[Detail("orders@harbour.example", "Work")],
                  fields={key.id: "0365e5bb-e5ea-4a45-b98b-fdc4466bdaf1"})
    sandbox.fault(system="capsule", kind="slow", delay=1.2, method="POST", path="/parties")
    with pytest.raises(ServiceError, match="no answer"):
        capsule.create_party(party)
    time.sleep(1.2)  # the sandbox finishes the write the client gave up on
    posts = calls(sandbox, method="POST", path="/capsule/api/v2/parties")
    assert [e["status"] for e in posts] == [201]  # landed, and not sent again
    found = capsule.find_by_field(key, "0365e5bb-e5ea-4a45-b98b-fdc4466bdaf1")
    assert [p.label for p in found] == ["Harbour Outfitters"]
    assert found[0].fields[key.id] == "0365e5bb-e5ea-4a45-b98b-fdc4466bdaf1"
    assert capsule.find_by_field(key, "another-customer") == []
    stored = requests.get(f"{sandbox.url}/capsule/_sandbox/parties", timeout=5).json()
    assert [p["name"] for p in stored] == ["Harbour Outfitters"]


def test_a_429_waits_for_the_reset_then_goes_on_without_hammering(config, sandbox, tmp_path):
    sandbox.reset(capsule_rate_per_hour=2, capsule_parties=2)
    other_app = {"Authorization": f"Bearer {TOKEN}"}
    for _ in range(2):  # another app of the same user spends the hour's budget
        requests.get(f"{sandbox.url}/capsule/api/v2/site", headers=other_app, timeout=5)
    clock = SandboxTime(sandbox.url)
    capsule = Capsule(capsule_config(tmp_path, sandbox.url), sleep=clock.sleep, clock=clock.clock)
    party = capsule.party(1001)
    assert party.name == "Seed Outfitters 001"
    throttled = calls(sandbox, status=429)
    assert len(throttled) == 1  # one refusal, then nothing until the reset
    assert 3590 < sum(clock.waits) < 3605


def test_remaining_zero_makes_the_next_call_wait_for_the_reset_without_a_429(
        config, sandbox, tmp_path):
    sandbox.reset(capsule_rate_per_hour=2, capsule_parties=2)
    clock = SandboxTime(sandbox.url)
    capsule = Capsule(capsule_config(tmp_path, sandbox.url), sleep=clock.sleep, clock=clock.clock)
    capsule.site()  # two calls: the second answer says Remaining 0
    assert clock.waits == []
    assert capsule.party(1001) is not None
    assert calls(sandbox, status=429) == []
    assert 3590 < sum(clock.waits) < 3605


def test_a_422_is_a_record_error_naming_the_record_and_field(capsule):
    uk = Party(type="organisation", name="Corsair Ltd",
               addresses=[Address(line1="1 Dock Rd", city="Bristol", country="UK", type="Office")])
    with pytest.raises(RecordError) as refused:
        capsule.create_party(uk)
    assert (refused.value.record, refused.value.field) == ("Corsair Ltd", "country")
    assert "unknown country" in str(refused.value)
    with pytest.raises(RecordError) as nameless:
        capsule.create_party(Party(type="person", job_title="Buyer"))
    assert nameless.value.field == "firstName"


def test_update_makes_the_party_look_like_the_record(sandbox, capsule):
    org = capsule.create_party(Party(type="organisation", name="Harbour Outfitters"))
    ana = capsule.create_party(Party(
        type="person", first_name="Ana", last_name="Ruiz",
        emails=[Detail("ana@harbour.example", "Work")],
        phones=[Detail("+61 400 000 000", "Mobile"), Detail("+61 3 9000 0000", "Work")]))
    wanted = Party(type="person", first_name="Ana", last_name="Ruiz", organisation_id=org.id,
                   emails=[Detail("ANA@harbour.example", "Home"),
                           Detail("orders@harbour.example", "Work")],
                   phones=[Detail("+61 3 9000 0000", "Work")],
                   addresses=[Address(line1="12 Quay St", city="Melbourne", state="VIC",
                                      postcode="3000", country="Australia", type="Office")])
    after = capsule.update_party(ana.id, wanted)
    assert after.organisation_id == org.id
    assert [(e.value, e.type) for e in after.emails] == [("ana@harbour.example", "Home"),
                                                        ("orders@harbour.example", "Work")]
    assert after.emails[0].id == ana.emails[0].id  # kept, not removed and added again
    assert [p.value for p in after.phones] == ["+61 3 9000 0000"]
    assert after.addresses[0].city == "Melbourne"
    put = calls(sandbox, method="PUT")[-1]["json"]["party"]
    assert {"id": int(ana.phones[0].id), "_delete": True} in put["phoneNumbers"]


def test_an_opportunity_goes_on_a_milestone_and_is_found_by_its_sale_id(capsule):
    milestones = {m.name: m for m in capsule.milestones()}
    assert milestones["Won"].outcome == "won" and milestones["Lost"].outcome == "lost"
    assert milestones["Proposal"].outcome == "open" and milestones["Proposal"].probability == 50
    sale_key = capsule.ensure_field(SALE_ID_FIELD, "opportunities")
    buyer = capsule.create_party(Party(type="organisation", name="Buyer Co"))
    quote = Opportunity(name="Quote SO-00123", party_id=buyer.id,
                        milestone_id=milestones["Proposal"].id, amount=194.0, currency="AUD",
                        description="12 x TEE-RED @ 13.50", expected_close_on="2026-12-15",
                        fields={sale_key.id: "SO-00123"})
    made = capsule.create_opportunity(quote)
    assert (made.probability, made.amount, made.closed_on) == (50, 194.0, "")
    assert [o.id for o in capsule.find_by_field(sale_key, "SO-00123", "opportunities")] == [made.id]
    quote.milestone_id, quote.lost_reason = milestones["Lost"].id, "Price"
    lost = capsule.update_opportunity(made.id, quote, made)
    assert lost.probability == 0 and lost.closed_on and lost.milestone == "Lost"
    changed = [o.id for page in capsule.opportunity_pages(since=time.time() - 3600) for o in page]
    assert changed == [made.id]
