"""Capsule connected by OAuth (EXT-3): Connect Capsule on the panel through the sandbox's
authorise page, the state check, refusals in words, tokens refreshed before expiry and once
on a 401 (rotated refresh tokens kept), Disconnect revokes; syncs run over OAuth."""

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from click.testing import CliRunner

import tasks
from core import accounts, capsule_tokens, connections, runner, schema
from core.connectors.capsule import Capsule
from core.connectors.capsule_oauth import OAuthApp
from core.errors import ConfigError, ServiceError
from core.store import Connection
from tests.capsule.conftest import parties
from tests.test_connectors_capsule import TOKEN
from tests.web.conftest import PASSWORD, USER, Panel, text
from web import create_app
from web.cli import cli

CLIENT_ID, CLIENT_SECRET = "capsule-sandbox-client", "capsule-sandbox-secret"
ACCOUNT = "OAuth app, account sandbox"


def oauth_config(config, sandbox, **overrides):
    """`config` without a personal token, with the sandbox's registered app."""
    return replace(config, **{
        "capsule_token": "", "capsule_client_id": CLIENT_ID,
        "capsule_client_secret": CLIENT_SECRET, "panel_url": "http://localhost",
        "capsule_auth_url": f"{sandbox.url}/capsule/oauth/authorise",
        "capsule_oauth_url": f"{sandbox.url}/capsule/", **overrides})


def oauth_state(sandbox):
    return requests.get(f"{sandbox.url}/capsule/_sandbox/oauth", timeout=10).json()


def switch(sandbox, **body):
    requests.post(f"{sandbox.url}/capsule/_sandbox/oauth", json=body,
                  timeout=10).raise_for_status()


def issued(sandbox):
    state = oauth_state(sandbox)
    return [t["token"] for t in state["access_tokens"] + state["refresh_tokens"]]


def approve(location, **changed):
    """The browser at Capsule (approved at once): where Capsule sends it back, as a path."""
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changed
    answer = requests.get(f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}",
                          allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def connected(config, sandbox):
    cfg = oauth_config(config, sandbox)
    code = parse_qs(urlsplit(approve(OAuthApp(cfg).authorize_url("s"))).query)["code"][0]
    capsule_tokens.connect(cfg, code)
    return cfg


@pytest.fixture
def make_panel(capsule_crm, sandbox):
    """A signed-in panel over `capsule_crm` with the sandbox's app and `overrides`."""
    previous, was_immediate = tasks.app.config, tasks.huey.immediate
    accounts.create_admin(USER, PASSWORD)

    def make(**overrides):
        cfg = oauth_config(capsule_crm, sandbox, **overrides)
        tasks.configure(cfg, immediate=True)
        client = Panel(create_app(cfg, {"TESTING": True}).test_client())
        assert client.sign_in().status_code == 302
        return client, cfg

    yield make
    tasks.configure(previous, immediate=was_immediate)


def start(panel):
    """Click Connect Capsule: the panel sends the browser to Capsule's authorise page."""
    response = panel.get("/connections/capsule/oauth/connect")
    assert response.status_code == 302
    return response.headers["Location"]


def test_connect_capsule_round_trip_shows_the_site(make_panel, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    panel, cfg = make_panel()
    assert "Connect Capsule</a>" in text(panel.get("/connections/"))
    location = start(panel)
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{sandbox.url}/capsule/oauth/authorise?")
    assert query["response_type"] == ["code"] and query["scope"] == ["read write"]
    assert query["redirect_uri"] == ["http://localhost/connections/capsule/oauth/callback"]
    page = text(panel.get(approve(location), follow_redirects=True))
    assert "Capsule connected: site Sandbox Outfitters (sandbox), granted by Sandbox Admin" \
        in page
    assert "Connected by OAuth: site <strong>Sandbox Outfitters</strong> (sandbox)" in page
    assert f"{ACCOUNT}: site Sandbox Outfitters" in page  # tested at once
    tested = text(panel.post("/connections/capsule/test", htmx=True))
    assert f"{ACCOUNT}: site Sandbox Outfitters, user sandbox" in tested
    secrets = issued(sandbox) + [CLIENT_SECRET]
    assert len(secrets) == 3
    for body in (page, tested, text(panel.get("/connections/")), caplog.text):
        assert not any(secret in body for secret in secrets)


def test_a_state_that_does_not_match_is_refused(make_panel, sandbox):
    panel, cfg = make_panel()
    back = approve(start(panel))
    refused = panel.get(back.replace("state=", "state=forged"))
    assert refused.status_code == 400 and "state does not match" in text(refused)
    assert panel.get(back).status_code == 400  # single use: the real one is spent too
    assert capsule_tokens.load(cfg.secret_key) is None
    assert oauth_state(sandbox)["grants"]["authorization_code"] == 0


def test_a_wrong_client_secret_is_shown_in_words(make_panel):
    wrong = "wrong-secret-unique-5519"
    panel, _ = make_panel(capsule_client_secret=wrong)
    page = text(panel.get(approve(start(panel)), follow_redirects=True))
    assert "Capsule was not connected" in page and "invalid_client" in page
    assert "check CAPSULE_CLIENT_ID and CAPSULE_CLIENT_SECRET" in page
    assert wrong not in page


def test_a_redirect_uri_mismatch_and_a_reused_code_are_shown_in_words(make_panel):
    panel, cfg = make_panel()
    elsewhere = "http://localhost/connections/capsule/oauth/callback?from=old-setting"
    page = text(panel.get(approve(start(panel), redirect_uri=elsewhere), follow_redirects=True))
    assert "invalid_grant" in page and "set CAPSULE_REDIRECT_URI" in page
    first = approve(start(panel))
    panel.get(first)
    code = parse_qs(urlsplit(first).query)["code"][0]
    again = approve(start(panel))
    reused = again.replace(parse_qs(urlsplit(again).query)["code"][0], code)
    page = text(panel.get(reused, follow_redirects=True))
    assert "already used or revoked: click Connect Capsule again" in page


def test_access_denied_at_capsule_is_shown(make_panel, sandbox):
    panel, cfg = make_panel()
    switch(sandbox, deny=True)
    page = text(panel.get(approve(start(panel)), follow_redirects=True))
    assert "Capsule did not grant access: The user denied access." in page
    assert capsule_tokens.load(cfg.secret_key) is None


def test_disconnect_revokes_and_the_next_sync_says_not_connected(make_panel, sandbox):
    panel, cfg = make_panel()
    panel.get(approve(start(panel)))
    page = text(panel.post("/connections/capsule/oauth/disconnect", follow_redirects=True))
    assert "Capsule account sandbox disconnected: the app&#39;s access was revoked." in page
    assert "Connect Capsule</a>" in page
    assert [t["revoked"] for t in oauth_state(sandbox)["refresh_tokens"]] == [True]
    assert all(t["expired"] for t in oauth_state(sandbox)["access_tokens"])
    assert Connection.get_or_none(Connection.system == capsule_tokens.ROW) is None
    run = runner.sync(cfg, "customers", "export")
    assert run.status == "refused" and "Capsule is not connected" in run.message


def test_a_customers_export_runs_over_oauth(capsule_crm, sandbox):
    cfg = connected(capsule_crm, sandbox)
    run = runner.sync(cfg, "customers", "export")
    assert run.status == "finished", run.message
    assert parties(sandbox)
    assert oauth_state(sandbox)["grants"]["refresh_token"] == 0  # a fresh token needs none


def test_the_token_is_refreshed_before_it_expires_and_the_rotated_one_kept(capsule_crm, sandbox):
    switch(sandbox, lifetime=capsule_tokens.oauth_tokens.MARGIN - 60)  # inside the margin
    cfg = connected(capsule_crm, sandbox)
    switch(sandbox, lifetime=604799)  # the refreshed one lives a week
    before = capsule_tokens.load(cfg.secret_key)
    assert Capsule(cfg).site()["site"]["subdomain"] == "sandbox"
    after = capsule_tokens.load(cfg.secret_key)
    assert oauth_state(sandbox)["grants"]["refresh_token"] == 1
    assert not [r for r in sandbox.get("requests", system="capsule") if r["status"] == 401]
    assert after.refresh_token != before.refresh_token  # rotated: the newest is stored
    assert after.access_token != before.access_token


def test_a_401_refreshes_once_and_a_second_is_not_refreshed_again(capsule_crm, sandbox):
    cfg = connected(capsule_crm, sandbox)
    switch(sandbox, expire_now=True)  # Capsule ended it early: our clock still says fresh
    assert Capsule(cfg).site()["site"]["subdomain"] == "sandbox"
    statuses = [r["status"] for r in sandbox.get("requests", system="capsule")
                if r["path"].endswith("/site")]
    assert statuses[1:] == [401, 200]  # the first: connect reading the site
    Capsule(cfg).site()  # another process: reads the stored token, no second refresh
    assert oauth_state(sandbox)["grants"]["refresh_token"] == 1
    switch(sandbox, expire_now=True, lifetime=-1)  # refreshed tokens come back expired
    with pytest.raises(ServiceError, match="token was refused") as refused:
        Capsule(cfg).site()
    assert refused.value.status == 401
    assert oauth_state(sandbox)["grants"]["refresh_token"] == 2  # one for this 401, no more


def test_two_refreshes_at_the_same_moment_keep_the_rotated_token(capsule_crm, sandbox):
    cfg = connected(capsule_crm, sandbox)
    workers = [capsule_tokens.Session(cfg) for _ in range(2)]  # the panel and the worker
    stale = workers[0].grant.access_token
    switch(sandbox, expire_now=True)
    # Both read the stored row, then both refresh with the same refresh token: Capsule
    # rotates it, so the second is refused and takes the first one's tokens.
    sandbox.fault(system="capsule", kind="slow", delay=0.5, count=2, path="/oauth/token")
    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(lambda session: session.refresh(stale), workers))
    stored = capsule_tokens.load(cfg.secret_key)
    assert got == [stored.access_token, stored.access_token]
    answers = [r["status"] for r in sandbox.get("requests", system="capsule")
               if r["path"].endswith("/oauth/token")]
    assert sorted(answers) == [200, 200, 400]  # connect, the winner, the spent token
    assert Capsule(cfg).site()  # the stored refresh token is the live one
    alive = [t["token"] for t in oauth_state(sandbox)["refresh_tokens"] if not t["revoked"]]
    assert alive == [stored.refresh_token]


def test_the_environment_token_wins_then_oauth_then_the_panel_token(capsule_crm, sandbox):
    cfg = connected(capsule_crm, sandbox)
    client = Capsule(replace(cfg, capsule_token=TOKEN))
    assert client.oauth is None and client.connection() == "personal access token"
    connections.save("capsule", {"capsule_token": TOKEN}, cfg.secret_key)
    assert connections.effective_config(cfg).capsule_token == ""
    assert connections.check("capsule", cfg)[1].startswith(ACCOUNT)
    capsule_tokens.disconnect(cfg)
    assert connections.effective_config(cfg).capsule_token == TOKEN
    assert not connections.check("capsule", cfg)[1].startswith("OAuth")


def test_oauth_needs_the_apps_keys(make_panel, capsule_crm):
    with pytest.raises(ConfigError, match="CAPSULE_CLIENT_ID"):
        OAuthApp(replace(capsule_crm, capsule_client_id=""))
    panel, _ = make_panel(capsule_client_id="", capsule_client_secret="")
    page = text(panel.get("/connections/"))
    assert "set CAPSULE_CLIENT_ID and CAPSULE_CLIENT_SECRET" in page
    page = text(panel.get("/connections/capsule/oauth/connect", follow_redirects=True))
    assert "CAPSULE_CLIENT_ID is not set" in page


def test_tokens_and_secrets_never_reach_the_logs(capsule_crm, sandbox, caplog):
    caplog.set_level(logging.DEBUG)  # urllib3's request lines too: no token in any URL
    cfg = connected(capsule_crm, sandbox)
    switch(sandbox, expire_now=True, lifetime=-1)
    with pytest.raises(ServiceError):
        Capsule(replace(cfg, max_retries=2)).site()
    wrong = replace(cfg, capsule_client_secret="wrong-secret-unique-8842")
    assert "invalid_client" in capsule_tokens.disconnect(wrong)[1]  # refused, logged
    assert "Capsule connected by OAuth: site Sandbox Outfitters" in caplog.text
    assert "not revoked" in caplog.text
    secrets = [CLIENT_SECRET, wrong.capsule_client_secret] + issued(sandbox)
    assert len(secrets) == 6
    for secret in secrets:
        assert secret not in caplog.text


def test_syncdesk_check_says_oauth_app(capsule_crm, sandbox):
    cfg = connected(capsule_crm, sandbox)
    env = {name.upper(): ",".join(value) if isinstance(value, list) else str(value)
           for name, value in vars(cfg).items()}
    result = CliRunner().invoke(cli, ["check"], env=env, catch_exceptions=False)
    schema.init(cfg.database_url)  # the command bound the store itself
    line = next(x for x in result.output.splitlines() if x.startswith("Capsule"))
    assert line.split()[:2] == ["Capsule", "ok"] and ACCOUNT in line
    assert CLIENT_SECRET not in result.output


def test_the_sandbox_token_endpoint_answers_as_rfc_6749_says(capsule_crm, sandbox):
    url, app = f"{sandbox.url}/capsule/oauth/token", {"client_id": CLIENT_ID,
                                                      "client_secret": CLIENT_SECRET}
    cfg = oauth_config(capsule_crm, sandbox)
    code = parse_qs(urlsplit(approve(OAuthApp(cfg).authorize_url("s"))).query)["code"][0]
    redirect_uri = "http://localhost/connections/capsule/oauth/callback"
    body = requests.post(url, data=app | {"grant_type": "authorization_code", "code": code,
                                          "redirect_uri": redirect_uri}, timeout=10).json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope",
                         "subdomain"}
    assert (body["token_type"], body["expires_in"], body["scope"], body["subdomain"]) == \
        ("bearer", 604799, "read write", "sandbox")
    wrong = requests.post(url, data=app | {"client_secret": "x", "grant_type": "refresh_token",
                                           "refresh_token": body["refresh_token"]}, timeout=10)
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    odd = requests.post(url, data=app | {"grant_type": "password"}, timeout=10)
    assert odd.status_code == 400 and odd.json()["error"] == "unsupported_grant_type"
    renewed = requests.post(url, json=app | {"grant_type": "refresh_token",
                                             "refresh_token": body["refresh_token"]}, timeout=10)
    assert renewed.json()["refresh_token"] != body["refresh_token"]  # rotated
    spent = requests.post(url, data=app | {"grant_type": "refresh_token",
                                           "refresh_token": body["refresh_token"]}, timeout=10)
    assert spent.status_code == 400 and spent.json()["error"] == "invalid_grant"


def test_the_card_says_a_token_in_the_environment_wins(make_panel):
    panel, cfg = make_panel()
    panel.get(approve(start(panel)))
    client = Panel(create_app(replace(cfg, capsule_token=TOKEN), {"TESTING": True}).test_client())
    client.sign_in()
    page = text(client.get("/connections/"))
    assert "CAPSULE_TOKEN in the environment takes precedence" in page
    assert "Disconnect OAuth" in page
