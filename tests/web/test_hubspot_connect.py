"""Connect HubSpot in the panel (CON-1): the round trip through the sandbox's authorize page,
the state check, HubSpot's refusals in words, Disconnect; no token ever in a page."""

import logging
from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

import tasks
from core import hubspot_tokens, runner
from core.store import Connection
from tests.test_hubspot_oauth import CLIENT_SECRET, PORTAL, oauth_config, oauth_state, switch
from tests.web.conftest import Panel, text
from web import create_app

DOMAIN = "harbourside-wholesale.hubspot.example"


def oauth_panel(web_config, sandbox, **overrides):
    cfg = oauth_config(web_config, sandbox, **overrides)
    tasks.configure(cfg, immediate=True)  # web_config's teardown puts the previous one back
    client = Panel(create_app(cfg, {"TESTING": True}).test_client())
    assert client.sign_in().status_code == 302
    return client, cfg


@pytest.fixture
def panel_oauth(web_config, sandbox, admin):
    return oauth_panel(web_config, sandbox)


def start(panel):
    """Click Connect HubSpot: the panel sends the browser to HubSpot's authorize page."""
    response = panel.get("/connections/hubspot/oauth/connect")
    assert response.status_code == 302
    return response.headers["Location"]


def approve(location, **changed):
    """The browser at HubSpot (auto-approved): where HubSpot sends it back, as a local path."""
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changed
    answer = requests.get(f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}",
                          allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def issued(sandbox):
    state = oauth_state(sandbox)
    return [t["token"] for t in state["access_tokens"] + state["refresh_tokens"]]


def test_connect_hubspot_round_trip_shows_the_portal(panel_oauth, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    panel, cfg = panel_oauth
    assert "Connect HubSpot</a>" in text(panel.get("/connections/"))
    location = start(panel)
    assert location.startswith(f"{sandbox.url}/hubspot/oauth/authorize?client_id=")
    done = panel.get(approve(location), follow_redirects=True)
    page = text(done)
    assert f"HubSpot connected: portal 5678 ({DOMAIN})" in page
    assert f"Connected by OAuth: portal <strong>5678</strong> ({DOMAIN})" in page
    assert PORTAL in page  # tested at once
    tested = text(panel.post("/connections/hubspot/test", htmx=True))
    assert PORTAL in tested
    secrets = issued(sandbox) + [CLIENT_SECRET]
    assert len(secrets) == 3
    for body in (page, tested, text(panel.get("/connections/")), caplog.text):
        assert not any(secret in body for secret in secrets)


def test_a_state_that_does_not_match_is_refused(panel_oauth, sandbox, caplog):
    panel, _ = panel_oauth
    back = approve(start(panel))
    forged = back.replace("state=", "state=forged")
    with caplog.at_level(logging.WARNING):
        refused = panel.get(forged)
    assert refused.status_code == 400
    assert "state does not match" in text(refused)
    lines = [r for r in caplog.records if "OAuth callback refused" in r.getMessage()]
    assert len(lines) == 1 and "ada" in lines[0].getMessage()
    assert panel.get(back).status_code == 400  # the state was single use: the real one too
    assert hubspot_tokens.load(panel_oauth[1].secret_key) is None
    assert oauth_state(sandbox)["grants"]["authorization_code"] == 0  # no code was exchanged


def test_a_callback_nobody_started_here_is_refused(panel_oauth):
    panel, _ = panel_oauth
    response = panel.get("/connections/hubspot/oauth/callback?code=abc&state=xyz")
    assert response.status_code == 400 and "Connect HubSpot" in text(response)


def test_a_wrong_client_secret_is_shown_in_words(web_config, sandbox, admin):
    wrong = "wrong-secret-unique-7731"
    panel, _ = oauth_panel(web_config, sandbox, hubspot_client_secret=wrong)
    page = text(panel.get(approve(start(panel)), follow_redirects=True))
    assert "HubSpot was not connected" in page
    assert "HubSpot refused the client secret: check HUBSPOT_CLIENT_SECRET" in page
    assert wrong not in page


def test_a_redirect_uri_mismatch_is_shown_in_words(panel_oauth):
    panel, cfg = panel_oauth
    elsewhere = "http://localhost/connections/hubspot/oauth/callback?from=old-app-setting"
    page = text(panel.get(approve(start(panel), redirect_uri=elsewhere), follow_redirects=True))
    assert "BAD_REDIRECT_URI" in page and "set HUBSPOT_REDIRECT_URI" in page
    assert hubspot_tokens.load(cfg.secret_key) is None


def test_a_code_used_twice_is_shown_in_words(panel_oauth, sandbox):
    panel, cfg = panel_oauth
    first = approve(start(panel))
    panel.get(first)
    code = parse_qs(urlsplit(first).query)["code"][0]
    again = approve(start(panel))
    reused = again.replace(parse_qs(urlsplit(again).query)["code"][0], code)
    page = text(panel.get(reused, follow_redirects=True))
    assert "the authorization code expired or was already used" in page


def test_access_denied_at_hubspot_is_shown(panel_oauth, sandbox):
    panel, cfg = panel_oauth
    switch(sandbox, deny=True)
    page = text(panel.get(approve(start(panel)), follow_redirects=True))
    assert "HubSpot did not grant access: The user denied the app access." in page
    assert hubspot_tokens.load(cfg.secret_key) is None


def test_disconnect_revokes_and_the_next_sync_says_not_connected(panel_oauth, sandbox):
    panel, cfg = panel_oauth
    panel.get(approve(start(panel)))
    page = text(panel.post("/connections/hubspot/oauth/disconnect", follow_redirects=True))
    assert "HubSpot portal 5678 disconnected: the app&#39;s access was revoked." in page
    assert "Connect HubSpot</a>" in page
    assert [t["revoked"] for t in oauth_state(sandbox)["refresh_tokens"]] == [True]
    assert Connection.get_or_none(Connection.system == hubspot_tokens.ROW) is None
    run = runner.sync(cfg, "customers", "export")
    assert run.status == "refused" and "HubSpot is not connected" in run.message


def test_the_full_disconnect_revokes_the_oauth_connection_too(panel_oauth, sandbox):
    panel, cfg = panel_oauth
    panel.get(approve(start(panel)))
    panel.post("/connections/hubspot/disconnect")
    assert [t["revoked"] for t in oauth_state(sandbox)["refresh_tokens"]] == [True]
    assert hubspot_tokens.load(cfg.secret_key) is None


def test_without_the_apps_keys_the_card_says_what_to_set(panel, web_config):
    assert not web_config.hubspot_client_id
    page = text(panel.get("/connections/"))
    assert "set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET" in page
    page = text(panel.get("/connections/hubspot/oauth/connect", follow_redirects=True))
    assert "HUBSPOT_CLIENT_ID is not set" in page


def test_a_private_app_token_in_the_environment_is_said_to_win(web_config, sandbox, admin):
    panel, cfg = oauth_panel(web_config, sandbox)
    panel.get(approve(start(panel)))
    client = Panel(create_app(replace(cfg, hubspot_token=web_config.hubspot_token),
                              {"TESTING": True}).test_client())
    client.sign_in()
    page = text(client.get("/connections/"))
    assert "HUBSPOT_TOKEN in the environment takes precedence" in page
