"""Connect HubSpot in a real browser: the panel, the sandbox's authorize page, back again."""

import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from core import accounts, hubspot_tokens
from tests.browser.conftest import PASSWORD, USER
from tests.test_hubspot_oauth import PORTAL, oauth_config, oauth_state
from web import create_app


@pytest.fixture
def oauth_panel(config, sandbox):
    """The panel served over HTTP with the sandbox's public app; its callback is its own."""
    server = make_server("127.0.0.1", 0, None, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    cfg = oauth_config(config, sandbox, panel_url=url)
    server.app = create_app(cfg)  # the app needs the URL the server got
    accounts.create_admin(USER, PASSWORD)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url, cfg
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_connect_hubspot_round_trip_and_disconnect(tab, oauth_panel, sandbox):
    url, cfg = oauth_panel
    page = tab
    page.goto(f"{url}/connections/")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page).to_have_url(f"{url}/connections/")
    page.click("#hubspot >> text=Connect HubSpot")
    expect(page).to_have_url(f"{url}/connections/#hubspot")
    card = page.locator("#hubspot")
    expect(card).to_contain_text("Connected by OAuth: portal 5678")
    expect(card.locator(".check")).to_contain_text(PORTAL)
    assert hubspot_tokens.load(cfg.secret_key).hub_id == 5678
    html = page.content()
    assert not any(t["token"] in html for t in oauth_state(sandbox)["refresh_tokens"])
    page.click("#hubspot >> button:has-text('Disconnect OAuth')")
    expect(card).to_contain_text("Connect HubSpot")
    assert [t["revoked"] for t in oauth_state(sandbox)["refresh_tokens"]] == [True]
