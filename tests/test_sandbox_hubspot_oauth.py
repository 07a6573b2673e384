"""The sandbox's HubSpot OAuth answers validate against oauth-v1.json and oauth-v3.json, and
refuse as HubSpot does (bodies with `status`, `message`, `error`, `error_description`)."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox.testing import Running
from tests import test_sandbox_openapi as openapi

FAST, SPECS = openapi.FAST, openapi.SPECS
spec = openapi.spec  # the fixture: checks an answer against the schema its spec declares

pytestmark = pytest.mark.skipif(not SPECS.is_dir(), reason="HubSpot OpenAPI specs not found")
REDIRECT = "http://localhost/connections/hubspot/oauth/callback"


@pytest.fixture(scope="module")
def box():
    with Running(FAST) as running:
        yield running


def app_form(box, **fields):
    return {"client_id": box.options["hubspot_client_id"],
            "client_secret": box.options["hubspot_client_secret"], **fields}


def code(box, redirect=REDIRECT):
    answer = requests.get(f"{box.hubspot_url}/oauth/authorize", allow_redirects=False,
                          params={"client_id": box.options["hubspot_client_id"],
                                  "redirect_uri": redirect, "scope": "oauth", "state": "x"},
                          timeout=10)
    return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]


def exchange(box, path="/oauth/v1/token", **changed):
    form = app_form(box, grant_type="authorization_code", redirect_uri=REDIRECT, code=code(box))
    return requests.post(box.hubspot_url + path, timeout=10, data=form | changed)


def test_token_and_token_info_answers_match_the_specs(box, spec):
    tokens = exchange(box)
    spec("oauth-v1.json", "/oauth/v1/token", "POST", tokens)
    spec("oauth-v3.json", "/oauth/v3/token", "POST", exchange(box, "/oauth/v3/token"))
    access, refresh = tokens.json()["access_token"], tokens.json()["refresh_token"]
    spec("oauth-v1.json", "/oauth/v1/access-tokens/{token}", "GET",
         requests.get(f"{box.hubspot_url}/oauth/v1/access-tokens/{access}", timeout=10))
    spec("oauth-v1.json", "/oauth/v1/refresh-tokens/{token}", "GET",
         requests.get(f"{box.hubspot_url}/oauth/v1/refresh-tokens/{refresh}", timeout=10))
    for token in (access, refresh):
        answer = requests.post(f"{box.hubspot_url}/oauth/v3/token/introspect", timeout=10,
                               data=app_form(box, token=token))
        assert answer.json()["active"] is True and answer.json()["hub_id"] == 5678
        spec("oauth-v3.json", "/oauth/v3/token/introspect", "POST", answer)
    refreshed = requests.post(f"{box.hubspot_url}/oauth/v1/token", timeout=10, data=app_form(
        box, grant_type="refresh_token", refresh_token=refresh))
    spec("oauth-v1.json", "/oauth/v1/token", "POST", refreshed)
    assert refreshed.json()["refresh_token"] == refresh  # HubSpot keeps the refresh token


@pytest.mark.parametrize("change, status", [
    ({"client_secret": "not-the-secret"}, "BAD_CLIENT_SECRET"),
    ({"client_id": "someone-else"}, "BAD_CLIENT_ID"),
    ({"redirect_uri": REDIRECT + "/other"}, "BAD_REDIRECT_URI"),
    ({"code": "never-issued"}, "BAD_AUTH_CODE"),
    ({"grant_type": "password"}, "BAD_GRANT_TYPE"),
])
def test_a_refused_code_exchange_says_why(box, change, status):
    answer = exchange(box, **change)
    body = answer.json()
    assert answer.status_code == 400 and body["status"] == status
    assert body["message"] == body["error_description"] and body["error"]


def test_a_revoked_refresh_token_no_longer_refreshes_but_its_access_token_lives(box):
    tokens = exchange(box).json()
    revoked = requests.post(f"{box.hubspot_url}/oauth/v3/token/revoke", timeout=10,
                            data=app_form(box, token=tokens["refresh_token"]))
    assert revoked.status_code == 200
    again = requests.post(f"{box.hubspot_url}/oauth/v1/token", timeout=10, data=app_form(
        box, grant_type="refresh_token", refresh_token=tokens["refresh_token"]))
    assert again.status_code == 400 and again.json() | {"correlationId": ""} == {
        "status": "BAD_REFRESH_TOKEN", "message": "refresh token is invalid, expired or revoked",
        "error": "invalid_grant", "error_description":
        "refresh token is invalid, expired or revoked", "correlationId": ""}
    details = requests.get(f"{box.hubspot_url}/account-info/v3/details", timeout=10,
                           headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert details.status_code == 200
    assert "X-HubSpot-RateLimit-Daily" not in details.headers  # none for OAuth calls
    introspected = requests.post(f"{box.hubspot_url}/oauth/v3/token/introspect", timeout=10,
                                 data=app_form(box, token=tokens["refresh_token"]))
    assert introspected.json() == {"active": False}


def test_an_unregistered_redirect_uri_stops_at_hubspots_page(box):
    box._call("POST", "hubspot/oauth", json={"redirect_uris": [REDIRECT]})
    try:
        answer = requests.get(f"{box.hubspot_url}/oauth/authorize", allow_redirects=False,
                              params={"client_id": box.options["hubspot_client_id"],
                                      "redirect_uri": "https://elsewhere.example/cb",
                                      "scope": "oauth", "state": "x"}, timeout=10)
    finally:
        box._call("POST", "hubspot/oauth", json={"redirect_uris": None})
    assert answer.status_code == 400 and "doesn't match the app's registered" in answer.text
