"""Test and `syncdesk check` for the CRM the admin chose: Salesforce's limits, Capsule's budget."""

import pytest

from core import connections, settings
from tests.test_connectors_capsule import capsule_config
from tests.test_connectors_salesforce import sf_config
from tests.test_sandbox_salesforce import make_key


@pytest.fixture(scope="module")
def keys():
    return make_key()


def test_salesforce_test_shows_the_daily_allocation_left(config, sandbox, tmp_path, keys):
    sandbox.reset(customers=2, salesforce_jwt_public_key=keys[1])
    settings.set("crm", "salesforce")
    for flow in ("jwt", "client_credentials"):
        ok, message = connections.check("salesforce", sf_config(tmp_path, sandbox, keys, flow))
        assert ok, message
        assert "of 115000 API calls left today" in message
    names = [name for name, _, _ in connections.check_all(sf_config(tmp_path, sandbox, keys))]
    assert "Salesforce" in names and "HubSpot" not in names and "Capsule" not in names


def test_salesforce_needs_only_one_way_to_sign_in(config, sandbox, tmp_path, keys):
    cfg = sf_config(tmp_path, sandbox, keys, "client_credentials", salesforce_client_id="")
    ok, message = connections.check("salesforce", cfg)
    assert ok is None and message == "keys not set: SALESFORCE_CLIENT_ID"
    wrong = sf_config(tmp_path, sandbox, keys, "client_credentials",
                      salesforce_client_secret="not-the-secret")
    ok, message = connections.check("salesforce", wrong)
    assert ok is False and "not-the-secret" not in message


def test_capsule_test_shows_the_hourly_budget_left(config, sandbox, tmp_path):
    settings.set("crm", "capsule")
    ok, message = connections.check("capsule", capsule_config(tmp_path, sandbox.url))
    assert ok, message
    assert "calls left this hour" in message and "of 4000" in message
    ok, message = connections.check("capsule", capsule_config(tmp_path, sandbox.url,
                                                              capsule_token="wrong-token"))
    assert ok is False and "token was refused" in message
