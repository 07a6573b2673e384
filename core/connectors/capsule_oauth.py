"""Capsule OAuth 2 for a registered app (EXT-3, crms.md §B.2): authorise URL, code exchange,
refresh, revoke.

Capsule's token endpoint is plain RFC 6749: a form POST with the client id and secret,
answering access and refresh token, `scope`, `token_type`, `expires_in` (604799 s, about a
week) and the account's `subdomain`; refresh tokens may be rotated, so the newest is kept.
Facts the notes leave uncertain are the constants below, kept here in one place.
"""

import time
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from core.errors import ServiceError
from core.http import Api, token_refusals

SYSTEM = "Capsule"
TOKEN_PATH = "oauth/token"
# [U] The docs page writes /oauth/token/revoke, the server's discovery document /oauth/revoke.
REVOKE_PATH = "oauth/token/revoke"
CALLBACK_PATH = "/connections/capsule/oauth/callback"  # the panel's, for the default URI
SCOPES = ("read", "write")  # `user_preference` is also listed; SyncDesk does not need it
# RFC 6749's `error` on a refused token request -> what the admin can do about it. Capsule
# does not document its bodies: these are the standard codes.
HINTS = {
    "invalid_client": "Capsule refused the app's credentials: check CAPSULE_CLIENT_ID and "
                      "CAPSULE_CLIENT_SECRET (the app's page at developer.capsulecrm.com)",
    "invalid_grant": "the authorisation code or refresh token is expired, already used or "
                     "revoked: click Connect Capsule again",
    "redirect_uri": "the redirect URI differs from the one sent to Capsule's authorise page: "
                    "set CAPSULE_REDIRECT_URI to the redirect URL registered for the app",
    "unauthorized_client": "this app may not use this grant: check the app's type (a web "
                           "application) at developer.capsulecrm.com",
}


class OAuthError(ServiceError):
    """Capsule refused a token request; `code` is its `error` (invalid_grant, …)."""

    def __init__(self, status, body):
        self.code = body.get("error") or ""
        said = body.get("error_description") or body.get("message") or ""
        hint = HINTS["redirect_uri"] if "redirect" in said.lower() else HINTS.get(self.code, "")
        words = f"the OAuth request was refused ({self.code}: {said})" if said else \
            f"the OAuth request was refused ({self.code or status})"
        super().__init__(SYSTEM, words + (f"; {hint}" if hint else ""), status)


@dataclass(frozen=True)
class Account:
    """Whose account a token opens: the site and the user who granted access."""

    site: str
    subdomain: str
    user: str
    user_id: int


@dataclass(frozen=True)
class Tokens:
    """What a token request answers; `expires_at` in epoch seconds."""

    access_token: str
    refresh_token: str
    expires_at: float
    scope: str = ""
    subdomain: str = ""


check = token_refusals(SYSTEM, OAuthError)


def redirect_uri(config):
    """The redirect URI sent to Capsule: CAPSULE_REDIRECT_URI, else the panel's callback."""
    return config.capsule_redirect_uri or config.panel_url.rstrip("/") + CALLBACK_PATH


class OAuthApp:
    """The registered app's side of OAuth: its client id and secret, Capsule's token URL."""

    def __init__(self, config, clock=time.time):
        config.require("capsule_client_id", "capsule_client_secret")
        self.config, self.clock = config, clock
        self.api = Api(SYSTEM, config.capsule_oauth_url, {"Accept": "application/json"}, check,
                       None, config.http_timeout, config.max_retries,
                       (config.retry_initial, config.retry_max))

    def authorize_url(self, state):
        """Capsule's page where a user grants read and write; it comes back with `code` and
        `state` to the redirect URI."""
        query = urlencode({"response_type": "code", "client_id": self.config.capsule_client_id,
                           "redirect_uri": redirect_uri(self.config),
                           "scope": " ".join(SCOPES), "state": state}, quote_via=quote)
        return f"{self.config.capsule_auth_url}?{query}"

    def _app(self, **fields):
        return {"client_id": self.config.capsule_client_id,
                "client_secret": self.config.capsule_client_secret, **fields}

    def _grant(self, repeatable, **fields):
        before = self.clock()
        body = self.api.json("POST", TOKEN_PATH, data=self._app(**fields),
                             repeatable=repeatable)
        # Counted from before the request: the token may have been issued a moment earlier.
        return Tokens(body["access_token"], body.get("refresh_token") or fields.get(
            "refresh_token", ""), before + float(body.get("expires_in") or 0),
            body.get("scope") or "", body.get("subdomain") or "")

    def exchange(self, code):
        """Tokens for the code the authorise page sent back (single use: never resent)."""
        return self._grant(False, grant_type="authorization_code", code=code,
                           redirect_uri=redirect_uri(self.config))

    def refresh(self, refresh_token):
        """A new access token (and maybe a new refresh token: keep the newest). Not resent
        after a lost answer: a rotated refresh token would be spent already."""
        return self._grant(False, grant_type="refresh_token", refresh_token=refresh_token)

    def revoke(self, refresh_token):
        """Revoke the refresh token (RFC 7009 lets the server end its access tokens too)."""
        self.api.call("POST", REVOKE_PATH, data=self._app(token=refresh_token,
                                                            token_type_hint="refresh_token"))

    def account(self, access_token):
        """The site and user an access token opens (GET /site, GET /users/current)."""
        api = Api(SYSTEM, self.config.capsule_base_url,
                  {"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
                  check, None, self.config.http_timeout, self.config.max_retries,
                  (self.config.retry_initial, self.config.retry_max))
        site, user = api.json("GET", "site")["site"], api.json("GET", "users/current")["user"]
        return Account(site.get("name") or "", site.get("subdomain") or "",
                       user.get("name") or user.get("username") or "", int(user.get("id") or 0))
