"""HubSpot connected by OAuth (CON-1): tokens from the sandbox's public app, refreshed before
they expire and once on a 401, revoked on disconnect; syncs run over them."""

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from click.testing import CliRunner

from core import connections, hubspot_tokens, runner, schema
from core.connectors.hubspot import HubSpot
from core.connectors.hubspot_oauth import SCOPES, OAuthApp
from core.errors import ConfigError, ServiceError
from core.store import Connection
from web.cli import cli

CLIENT_ID, CLIENT_SECRET = "5f1c2a7e-3b9d-4c1e-9a8f-2d6b0e4c7a11", "sandbox-client-secret"
SPECS = Path(__file__).resolve().parents[2] / "shared" / "specs" / "hubspot"
PORTAL = "OAuth app, portal 5678 (harbourside-wholesale.hubspot.example)"


def oauth_config(config, sandbox, **overrides):
    """`config` with no private-app token and the sandbox's public app."""
    return replace(config, **{
        "hubspot_token": "", "hubspot_client_id": CLIENT_ID,
        "hubspot_client_secret": CLIENT_SECRET, "panel_url": "http://localhost",
        "hubspot_auth_url": f"{sandbox.url}/hubspot/oauth/authorize",
        "hubspot_oauth_calls_per_10s": 0, **overrides})


def oauth_state(sandbox):
    return sandbox.get("hubspot/oauth")


def switch(sandbox, **body):
    requests.post(f"{sandbox.url}/_sandbox/hubspot/oauth", json=body,
                  timeout=10).raise_for_status()


def grant_code(config, state="s"):
    """What an admin's browser brings back from HubSpot's authorize page: code and state."""
    answer = requests.get(OAuthApp(config).authorize_url(state), allow_redirects=False,
                          timeout=10)
    assert answer.status_code == 302, answer.text
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def connected(config, sandbox):
    cfg = oauth_config(config, sandbox)
    hubspot_tokens.connect(cfg, grant_code(cfg)["code"])
    return cfg


def token_calls(sandbox, kind):
    return oauth_state(sandbox)["grants"][kind]


def test_the_authorize_url_asks_for_every_scope_the_sync_uses(config, sandbox):
    cfg = oauth_config(config, sandbox)
    query = parse_qs(urlsplit(OAuthApp(cfg).authorize_url("abc")).query)
    assert query["client_id"] == [CLIENT_ID] and query["state"] == ["abc"]
    assert query["redirect_uri"] == ["http://localhost/connections/hubspot/oauth/callback"]
    scopes = query["scope"][0].split(" ")
    for needed in ("crm.objects.contacts.write", "crm.objects.companies.write",
                   "crm.objects.deals.write", "crm.objects.line_items.write",
                   "crm.objects.products.write", "crm.schemas.companies.write",
                   "crm.objects.owners.read", "oauth"):
        assert needed in scopes


def test_every_scope_asked_for_is_one_hubspot_names():
    named = set()
    for path in SPECS.glob("*.json"):
        spec = json.loads(path.read_text())
        for item in spec["paths"].values():
            for operation in item.values():
                for requirement in operation.get("security") or []:
                    for scopes in requirement.values():
                        named.update(scopes)
    assert named, "the specs name the scopes of their operations"
    assert set(SCOPES) - {"oauth", "e-commerce"} <= named


def test_a_connected_portal_is_stored_sealed_and_named(config, sandbox):
    cfg = connected(config, sandbox)
    grant = hubspot_tokens.load(cfg.secret_key)
    assert (grant.hub_id, grant.hub_domain) == (5678, "harbourside-wholesale.hubspot.example")
    assert "crm.objects.contacts.write" in grant.scopes
    sealed = Connection.get(Connection.system == hubspot_tokens.ROW).secrets
    assert grant.refresh_token not in sealed and grant.access_token not in sealed
    assert connections.check("hubspot", cfg) == (True, PORTAL)


def test_a_customers_export_runs_over_oauth(config, sandbox):
    cfg = connected(config, sandbox)
    run = runner.sync(cfg, "customers", "export")
    assert run.status == "finished", run.message
    assert sandbox.hubspot("companies")
    assert token_calls(sandbox, "refresh_token") == 0  # a fresh token needs no refresh


def test_the_token_is_refreshed_before_it_expires(config, sandbox):
    switch(sandbox, lifetime=hubspot_tokens.MARGIN - 60)  # issued already inside the margin
    cfg = connected(config, sandbox)
    first = hubspot_tokens.load(cfg.secret_key).access_token
    HubSpot(cfg).account()
    assert token_calls(sandbox, "refresh_token") == 1
    assert not [r for r in sandbox.get("requests", system="hubspot") if r["status"] == 401]
    assert hubspot_tokens.load(cfg.secret_key).access_token != first


def test_a_401_refreshes_once_and_the_new_token_is_kept(config, sandbox):
    cfg = connected(config, sandbox)
    switch(sandbox, expire_now=True)  # HubSpot ended it early: our clock still says fresh
    assert HubSpot(cfg).account()["portalId"] == 5678
    statuses = [r["status"] for r in sandbox.get("requests", system="hubspot")
                if "account-info" in r["path"]]
    assert statuses == [401, 200]
    HubSpot(cfg).account()  # another process: reads the stored token, no second refresh
    assert token_calls(sandbox, "refresh_token") == 1


def test_a_second_401_is_not_refreshed_again(config, sandbox):
    cfg = connected(config, sandbox)
    switch(sandbox, expire_now=True, lifetime=-1)  # refreshed tokens come back expired
    with pytest.raises(ServiceError, match="expired"):
        HubSpot(cfg).account()
    assert token_calls(sandbox, "refresh_token") == 1


def test_two_processes_refreshing_at_once_share_one_new_token(config, sandbox):
    cfg = connected(config, sandbox)
    first, second = hubspot_tokens.Session(cfg), hubspot_tokens.Session(cfg)
    stale = first.grant.access_token
    switch(sandbox, expire_now=True)
    assert first.refresh(stale) == second.refresh(stale) != stale
    assert token_calls(sandbox, "refresh_token") == 1


def test_two_refreshes_at_the_same_moment_keep_one_token(config, sandbox):
    cfg = connected(config, sandbox)
    workers = [hubspot_tokens.Session(cfg) for _ in range(2)]  # the panel and the worker
    stale = workers[0].grant.access_token
    switch(sandbox, expire_now=True)
    # Both read the stored row, then wait on HubSpot: both refresh, one write may land.
    sandbox.fault(system="hubspot", kind="slow", delay=0.5, count=2, path="/oauth/v1/token")
    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(lambda session: session.refresh(stale), workers))
    stored = hubspot_tokens.load(cfg.secret_key).access_token
    assert got == [stored, stored]
    assert token_calls(sandbox, "refresh_token") == 2


def test_a_revoked_connection_says_connect_again(config, sandbox):
    cfg = connected(config, sandbox)
    OAuthApp(cfg).revoke(hubspot_tokens.load(cfg.secret_key).refresh_token)
    switch(sandbox, expire_now=True)
    with pytest.raises(ServiceError, match="revoked or the app uninstalled.*Connect HubSpot"):
        HubSpot(cfg).account()


def test_disconnect_revokes_and_the_next_sync_says_not_connected(config, sandbox):
    cfg = connected(config, sandbox)
    grant, problem = hubspot_tokens.disconnect(cfg)
    assert problem == ""
    assert oauth_state(sandbox)["refresh_tokens"] == [{"token": grant.refresh_token,
                                                       "revoked": True}]
    run = runner.sync(cfg, "customers", "export")
    assert run.status == "refused" and "HubSpot is not connected" in run.message
    assert connections.check("hubspot", cfg)[0] is None


def test_a_private_app_token_in_the_environment_wins(config, sandbox):
    cfg = replace(connected(config, sandbox), hubspot_token=config.hubspot_token)
    client = HubSpot(cfg)
    assert client.oauth is None and client.connection() == "private app"
    assert connections.check("hubspot", cfg) == (True, "private app, portal 5678")


def test_oauth_wins_over_a_token_saved_in_the_panel(config, sandbox):
    cfg = connected(config, sandbox)
    connections.save("hubspot", {"hubspot_token": config.hubspot_token}, cfg.secret_key)
    assert connections.effective_config(cfg).hubspot_token == ""
    assert connections.check("hubspot", cfg) == (True, PORTAL)


def test_the_limiter_follows_the_connection_type(config, sandbox):
    cfg = replace(connected(config, sandbox), hubspot_oauth_calls_per_10s=110,
                  hubspot_calls_per_10s=190)
    oauth = HubSpot(cfg).limiter
    private = HubSpot(replace(cfg, hubspot_token=config.hubspot_token)).limiter
    assert (oauth.calls, private.calls) == (110, 190)
    assert oauth.name != private.name  # per portal, not shared with a private app's budget


def test_oauth_needs_the_apps_keys(config, sandbox):
    with pytest.raises(ConfigError, match="HUBSPOT_CLIENT_ID"):
        OAuthApp(replace(config, hubspot_client_id=""))


def test_tokens_and_secrets_never_reach_the_logs(config, sandbox, caplog):
    caplog.set_level(logging.DEBUG)  # urllib3's request lines too: no token in any URL
    cfg = connected(config, sandbox)
    switch(sandbox, expire_now=True, lifetime=-1)
    with pytest.raises(ServiceError):  # a refused call is logged with its retries
        HubSpot(replace(cfg, max_retries=2)).account()
    wrong = replace(cfg, hubspot_client_secret="wrong-secret-unique-2291")
    assert "BAD_CLIENT_SECRET" in hubspot_tokens.disconnect(wrong)[1]  # refused, logged
    assert "HubSpot connected by OAuth: portal 5678" in caplog.text
    assert "not revoked" in caplog.text
    issued = oauth_state(sandbox)
    secrets = [CLIENT_SECRET, wrong.hubspot_client_secret] + \
        [t["token"] for t in issued["access_tokens"] + issued["refresh_tokens"]]
    assert len(secrets) == 5
    for secret in secrets:
        assert secret not in caplog.text


def test_syncdesk_check_names_the_oauth_portal(config, sandbox):
    cfg = connected(config, sandbox)
    env = {name.upper(): ",".join(value) if isinstance(value, list) else str(value)
           for name, value in vars(cfg).items()}
    result = CliRunner().invoke(cli, ["check"], env=env, catch_exceptions=False)
    schema.init(cfg.database_url)  # the command bound the store itself
    line = next(x for x in result.output.splitlines() if x.startswith("HubSpot"))
    assert line.split()[:2] == ["HubSpot", "ok"] and line.endswith(PORTAL)
    assert CLIENT_SECRET not in result.output
