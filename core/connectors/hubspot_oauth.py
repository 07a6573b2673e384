"""HubSpot OAuth for a public app (CON-1, hubspot.md §2): authorize URL, code exchange,
refresh, token info, revoke.

Tokens come from /oauth/v1/token (the spec's tokenUrl; /oauth/v3/token takes the same form).
Token info and revoke use v3's introspect and revoke: the spec marks v1's
/oauth/v1/access-tokens/{token} and /oauth/v1/refresh-tokens/{token} deprecated, and they
carry the token in the URL path, where access logs keep it. The paths are kept here, in one
place, should they have to change.
"""

import time
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from core.errors import ServiceError
from core.http import Api, token_refusals

SYSTEM = "HubSpot"
TOKEN_PATH = "oauth/v1/token"
INTROSPECT_PATH = "oauth/v3/token/introspect"
REVOKE_PATH = "oauth/v3/token/revoke"
CALLBACK_PATH = "/connections/hubspot/oauth/callback"  # the panel's, for the default URI
# What SyncDesk reads and writes (hubspot.md §2): objects, their property definitions and
# groups, owners; deal pipelines come with crm.objects.deals.read. Product and line-item
# property writes fall under e-commerce (the properties spec lists no crm.schemas.products).
SCOPES = (
    "oauth",
    "crm.objects.contacts.read", "crm.objects.contacts.write",
    "crm.objects.companies.read", "crm.objects.companies.write",
    "crm.objects.deals.read", "crm.objects.deals.write",
    "crm.objects.products.read", "crm.objects.products.write",
    "crm.objects.line_items.read", "crm.objects.line_items.write",
    "crm.schemas.contacts.read", "crm.schemas.contacts.write",
    "crm.schemas.companies.read", "crm.schemas.companies.write",
    "crm.schemas.deals.read", "crm.schemas.deals.write",
    "crm.objects.owners.read",
    "e-commerce",
)
# HubSpot's `status` on a refused token request -> what the admin can do about it. Only
# BAD_REFRESH_TOKEN's body is documented; the others are seen in the community.
HINTS = {
    "BAD_AUTH_CODE": "the authorization code expired or was already used: click "
                     "Connect HubSpot again",
    "BAD_REDIRECT_URI": "the redirect URI differs from the one the app sent to HubSpot's "
                        "authorize page: set HUBSPOT_REDIRECT_URI to the redirect URL "
                        "registered in the HubSpot app",
    "BAD_CLIENT_ID": "HubSpot does not know this client ID: check HUBSPOT_CLIENT_ID (the "
                     "app's Auth settings)",
    "BAD_CLIENT_SECRET": "HubSpot refused the client secret: check HUBSPOT_CLIENT_SECRET (the "
                         "app's Auth settings)",
    "BAD_REFRESH_TOKEN": "the connection was revoked or the app uninstalled from the portal: "
                         "click Connect HubSpot again",
    "BAD_HUB": "the portal was deleted or disconnected the app: click Connect HubSpot again",
}
ERROR_HINTS = {"invalid_client": HINTS["BAD_CLIENT_SECRET"],
               "invalid_grant": HINTS["BAD_AUTH_CODE"]}


class OAuthError(ServiceError):
    """HubSpot refused a token request; `code` is its `status` (BAD_AUTH_CODE, …)."""

    def __init__(self, status, body):
        self.code = body.get("status") or body.get("error") or ""
        said = body.get("message") or body.get("error_description") or ""
        hint = HINTS.get(body.get("status")) or ERROR_HINTS.get(body.get("error"), "")
        words = f"the OAuth request was refused ({self.code}: {said})" if said else \
            "the OAuth request was refused"
        if body.get("correlationId"):
            words += f", correlation id {body['correlationId']}"
        super().__init__(SYSTEM, words + (f"; {hint}" if hint else ""), status)


@dataclass(frozen=True)
class Tokens:
    """What a token request answers; `expires_at` in epoch seconds."""

    access_token: str
    refresh_token: str
    expires_at: float


@dataclass(frozen=True)
class Portal:
    """Whose portal a token opens (the access-token info)."""

    hub_id: int
    hub_domain: str
    user: str
    scopes: tuple


check = token_refusals(SYSTEM, OAuthError)


def redirect_uri(config):
    """The redirect URI sent to HubSpot: HUBSPOT_REDIRECT_URI, else the panel's callback."""
    return config.hubspot_redirect_uri or config.panel_url.rstrip("/") + CALLBACK_PATH


class OAuthApp:
    """The public app's side of OAuth: its client id and secret, HubSpot's token endpoint."""

    def __init__(self, config, clock=time.time):
        config.require("hubspot_client_id", "hubspot_client_secret")
        self.config, self.clock = config, clock
        self.api = Api(SYSTEM, config.hubspot_base_url, {"Accept": "application/json"}, check,
                       None, config.http_timeout, config.max_retries,
                       (config.retry_initial, config.retry_max))

    def authorize_url(self, state):
        """HubSpot's page where an admin of a portal grants the scopes; it comes back with
        `code` and `state` to the redirect URI."""
        query = urlencode({"client_id": self.config.hubspot_client_id,
                           "redirect_uri": redirect_uri(self.config),
                           "scope": " ".join(SCOPES), "state": state}, quote_via=quote)
        return f"{self.config.hubspot_auth_url}?{query}"

    def _app(self, **fields):
        return {"client_id": self.config.hubspot_client_id,
                "client_secret": self.config.hubspot_client_secret, **fields}

    def _grant(self, repeatable, **fields):
        data = self._app(**fields)
        before = self.clock()
        body = self.api.json("POST", TOKEN_PATH, data=data, repeatable=repeatable)
        # Counted from before the request: the token may have been issued a moment earlier.
        return Tokens(body["access_token"], body.get("refresh_token") or fields.get(
            "refresh_token", ""), before + float(body.get("expires_in") or 0))

    def exchange(self, code):
        """Tokens for the code HubSpot's authorize page sent back (single use: never resent)."""
        return self._grant(False, grant_type="authorization_code", code=code,
                           redirect_uri=redirect_uri(self.config))

    def refresh(self, refresh_token):
        """A new access token (HubSpot keeps the refresh token; a new one is kept if sent)."""
        return self._grant(True, grant_type="refresh_token", refresh_token=refresh_token,
                           redirect_uri=redirect_uri(self.config))

    def portal(self, access_token):
        """The portal, domain, installing user and scopes of an access token."""
        body = self.api.json("POST", INTROSPECT_PATH, data=self._app(
            token=access_token, token_type_hint="access_token"))
        if not body.get("active"):
            raise ServiceError(SYSTEM, "the access token HubSpot just issued is not active; "
                               "click Connect HubSpot again")
        return Portal(int(body.get("hub_id") or 0), body.get("hub_domain") or "",
                      body.get("user") or "", tuple(body.get("scopes") or ()))

    def revoke(self, refresh_token):
        """Revoke the refresh token (access tokens already issued live until they expire)."""
        self.api.call("POST", REVOKE_PATH, data=self._app(token=refresh_token,
                                                            token_type_hint="refresh_token"))
