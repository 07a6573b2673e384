"""Connections (CON-1, CON-3): keys saved encrypted, never shown, tested, env first, disconnect."""

from dataclasses import replace

import pytest

from core import connections, links, settings
from core.store import Connection, Link
from tests.conftest import make_config
from tests.test_sandbox_salesforce import CLIENT_ID, SECRET
from tests.web.conftest import Panel, text
from web import create_app

# Unique, long values so that finding any of them in a page cannot be a coincidence.
KEYS = {
    "cin7": {"cin7_account_id": "acct-7f3a", "cin7_application_key": "c7key-Zq81-unique-4e5d6c"},
    "hubspot": {"hubspot_token": "pat-na1-hsTOKEN-unique-91ab27"},
    "joor": {"joor_token": "joorTOKEN-unique-55dd10ee"},
    "slack": {"slack_bot_token": "xoxb-slackBOT-unique-77aa", "slack_signing_secret":
              "signSECRET-unique-0099ffee", "slack_app_token": "xapp-APPtoken-unique-3131"},
}
SECRETS = [v for values in KEYS.values() for k, v in values.items() if k != "cin7_account_id"]
NOWHERE = "http://127.0.0.1:9/"  # refuses connections at once: no test reaches the internet


@pytest.fixture
def bare_config(tmp_path, sandbox, web_config):
    """The sandbox, but no keys in the environment: the panel must supply them."""
    sandbox.reset(cin7_account_id=KEYS["cin7"]["cin7_account_id"],
                  cin7_application_key=KEYS["cin7"]["cin7_application_key"],
                  hubspot_token=KEYS["hubspot"]["hubspot_token"])
    return make_config(tmp_path, sandbox.url, cin7_account_id="", cin7_application_key="",
                       hubspot_token="", slack_api_url=NOWHERE, joor_base_url=NOWHERE)


@pytest.fixture
def bare_panel(bare_config, admin):
    client = Panel(create_app(bare_config, {"TESTING": True}).test_client())
    client.sign_in()
    return client


def test_saved_keys_are_encrypted_tested_and_used(bare_panel, bare_config):
    response = bare_panel.post("/connections/cin7", KEYS["cin7"], follow_redirects=True)
    assert "Cin7 Core keys saved. Test: company:" in text(response)
    stored = Connection.get(Connection.system == "cin7").secrets
    assert KEYS["cin7"]["cin7_application_key"] not in stored
    effective = connections.effective_config(bare_config)
    assert effective.cin7_application_key == KEYS["cin7"]["cin7_application_key"]


def test_a_key_never_appears_in_any_response(bare_panel, app):
    for system, values in KEYS.items():
        bare_panel.post(f"/connections/{system}", values)
        bare_panel.post(f"/connections/{system}/test", htmx=True)
    pages = [rule.rule.replace("<system>", system) for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and rule.endpoint != "static"
             for system in connections.SYSTEMS
             if not set(rule.arguments) - {"system"}]
    assert "/connections/" in pages and "/customers/export.csv" in pages
    for path in sorted(set(pages)) + ["/runs/1", "/runs/1/progress"]:
        body = text(bare_panel.get(path, follow_redirects=True))
        for secret in SECRETS:
            assert secret not in body, (path, secret)
    for system in connections.SYSTEMS:  # nor in what the Test buttons answer
        body = text(bare_panel.post(f"/connections/{system}/test", htmx=True))
        assert not any(secret in body for secret in SECRETS), system


def test_keys_show_masked_with_where_they_come_from(bare_panel):
    bare_panel.post("/connections/hubspot", KEYS["hubspot"])
    page = text(bare_panel.get("/connections/"))
    assert "••••••••91ab27"[-12:] not in page  # only the last four characters show
    assert "••••••••ab27 saved — type to replace" in page
    assert 'value="pat-na1' not in page


def test_environment_keys_take_precedence_and_are_shown_as_such(panel, web_config):
    connections.save("hubspot", {"hubspot_token": "pat-saved-in-panel-0000"},
                     web_config.secret_key)
    page = text(panel.get("/connections/"))
    assert "set in the environment" in page
    assert "A key saved here is ignored while the environment sets one." in page
    assert connections.effective_config(web_config).hubspot_token == web_config.hubspot_token


def test_empty_fields_keep_the_saved_keys(bare_panel, bare_config):
    bare_panel.post("/connections/cin7", KEYS["cin7"])
    bare_panel.post("/connections/cin7", {"cin7_account_id": "acct-7f3a",
                                          "cin7_application_key": ""})
    assert connections.load("cin7", bare_config.secret_key) == KEYS["cin7"]


def test_the_test_button_shows_the_systems_answer(panel, sandbox):
    good = panel.post("/connections/hubspot/test", htmx=True)
    assert good.status_code == 200 and 'id="hubspot"' in text(good)
    assert "portal" in text(good) and "<html" not in text(good)
    sandbox.reset(hubspot_token="another-token")
    bad = text(panel.post("/connections/hubspot/test", htmx=True))
    assert "failed" in bad and "HubSpot" in bad


def test_a_system_without_keys_says_so(bare_panel):
    body = text(bare_panel.post("/connections/joor/test", htmx=True))
    assert "keys not set" in body


def test_keys_unreadable_after_secret_key_change_are_reported(bare_panel, bare_config):
    bare_panel.post("/connections/hubspot", KEYS["hubspot"])
    other = replace(bare_config, secret_key="a different secret")
    client = Panel(create_app(other, {"TESTING": True}).test_client())
    client.sign_in()
    assert "Saved keys can no longer be read" in text(client.get("/connections/"))
    assert connections.effective_config(other).hubspot_token == ""


def test_disconnect_asks_first_and_says_what_goes(panel):
    links.save("hubspot", "customer", "C1", "company", "101", name="Acme")
    page = text(panel.get("/connections/hubspot/disconnect"))
    assert "Disconnect HubSpot?" in page and "1 link(s)" in page
    assert "Nothing is deleted or changed in HubSpot" in page
    assert Link.select().count() == 1


def test_disconnect_forgets_links_and_mappings_but_nothing_in_the_systems(panel, sandbox):
    links.save("hubspot", "customer", "C1", "company", "101", name="Acme")
    links.save("joor", "customer", "C1", "connection", "J1", name="Acme")
    settings.set("customers.field_map", [{"field": "PriceTier", "property": "cin7_tier"}])
    companies_before = sandbox.hubspot("companies")
    response = panel.post("/connections/hubspot/disconnect", follow_redirects=True)
    assert "HubSpot disconnected: 1 link(s) and 1 mapping(s) forgotten" in text(response)
    assert [link.system for link in Link.select()] == ["joor"]
    assert settings.get("customers.field_map") == []
    assert sandbox.hubspot("companies") == companies_before


def test_unknown_systems_are_not_found(panel):
    assert panel.get("/connections/dropbox/disconnect").status_code == 404
    assert panel.post("/connections/dropbox", {"x": "y"}).status_code == 404


def test_salesforce_is_connected_from_the_panel_with_its_login_host(bare_panel, bare_config,
                                                                     sandbox):
    """A sandbox org (or a My Domain) needs its own login host: typed on the card, used."""
    settings.set("crm", "salesforce")
    values = {"salesforce_client_id": CLIENT_ID, "salesforce_client_secret": SECRET,
              "salesforce_login_url": NOWHERE}
    refused = bare_panel.post("/connections/salesforce", values, follow_redirects=True)
    assert "Salesforce keys saved. Test:" in text(refused)  # a host that answers nothing
    assert "API calls left today" not in text(refused)
    host = f"{sandbox.url}/salesforce/login"
    saved = bare_panel.post("/connections/salesforce", {"salesforce_login_url": host},
                            follow_redirects=True)
    assert "of 115000 API calls left today" in text(saved)
    assert SECRET not in text(saved) and host in text(saved)  # the host is no secret
