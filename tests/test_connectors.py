"""The connectors against the sandbox: the API facts a user would otherwise meet live."""

from dataclasses import replace

import pytest
import requests

from core import runner, schema, settings
from core.connectors import hubspot as hs
from core.connectors.cin7 import Cin7
from core.connectors.hubspot import HubSpot
from core.errors import ServiceError

TOKEN = {"Authorization": "Bearer pat-na1-sandbox"}


def test_a_wrong_cin7_path_answering_html_is_a_clear_error(config, sandbox):
    wrong = replace(config, cin7_base_url=f"{sandbox.url}/cin7/ExternalApi/v9/")
    with pytest.raises(ServiceError, match="web page instead of data: check CIN7_BASE_URL"):
        Cin7(wrong).me()


def test_refused_cin7_keys_say_so(config, sandbox):
    with pytest.raises(ServiceError, match="account id or application key was refused"):
        Cin7(replace(config, cin7_application_key="wrong")).me()


def test_a_refused_hubspot_token_says_so(config, sandbox):
    with pytest.raises(ServiceError, match="token was refused"):
        HubSpot(replace(config, hubspot_token="pat-na1-wrong")).account()


def test_cin7_reference_lists_are_read_by_name(config, sandbox):
    cin7 = Cin7(config)
    assert "Tier 4" in cin7.reference("price_tiers")
    for kind in ("locations", "payment_terms", "tax_rules", "carriers", "accounts"):
        assert cin7.reference(kind), kind


def test_search_past_hubspot_s_10000_result_cap_is_windowed(config, sandbox, monkeypatch):
    """With the cap lowered to 40, 130 companies (many sharing a timestamp) come back whole."""
    inputs = [{"properties": {"name": f"Company {i:03d}"}} for i in range(130)]
    for start in range(0, 130, 100):
        r = requests.post(f"{sandbox.url}/hubspot/crm/v3/objects/companies/batch/create",
                          json={"inputs": inputs[start:start + 100]}, headers=TOKEN, timeout=10)
        assert r.status_code == 201, r.text
    monkeypatch.setattr(hs, "SEARCH_CAP", 40)
    monkeypatch.setattr(hs, "SEARCH_PAGE", 20)
    seen = [r.get("name") for page in HubSpot(config).changed("companies", 0, 2**42, ["name"])
            for r in page]
    assert sorted(set(seen)) == sorted(f"Company {i:03d}" for i in range(130))


def test_a_value_hubspot_rejects_fails_that_record_alone(config, sandbox):
    """An admin maps Comments onto a number property: companies with text comments fail,
    named, with the property; the others are exported."""
    r = requests.post(f"{sandbox.url}/hubspot/crm/v3/properties/companies",
                      json={"name": "cin7_comments", "label": "Comments", "type": "number",
                            "fieldType": "number", "groupName": "companyinformation"},
                      headers=TOKEN, timeout=10)
    assert r.status_code == 201, r.text
    settings.set("customers.field_map", ["Comments=cin7_comments"])
    customers = [c for c in sandbox.get("cin7/customers") if c["Contacts"]]
    wordy = [c for c in customers if (c.get("Comments") or "").strip()]
    assert wordy, "the seed must have customers with comments"
    run = runner.sync(config, "customers", "export")
    assert run.status == "finished"
    failed = [r for r in run.results if r.outcome == "failed"]
    assert {r.record_id for r in failed} == {c["ID"] for c in wordy}
    assert all(r.field == "cin7_comments" for r in failed)
    exported = {c["properties"]["cin7_customer_id"] for c in sandbox.hubspot("companies")}
    assert {c["ID"] for c in customers} - {c["ID"] for c in wordy} <= exported


def test_the_daily_limit_stops_the_run_with_the_reason(tmp_path, sandbox):
    from tests.conftest import make_config

    sandbox.reset(customers=40, hubspot_daily_limit=3)
    config = make_config(tmp_path, sandbox.url)
    schema.init(config.database_url)
    settings.set("sync.enabled", "on")
    run = runner.sync(config, "customers", "export")
    assert run.status == "failed" and "daily API limit" in run.message
