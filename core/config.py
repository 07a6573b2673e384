"""The one place that reads the environment (and `.env`).

Everything else receives a `Config` (or values from it) as an argument.
"""

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from dotenv import load_dotenv

from core.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

# Values that must never be printed, logged or rendered.
SECRET_FIELDS = {
    "cin7_application_key",
    "omni_api_key",
    "hubspot_token",
    "hubspot_client_secret",
    "joor_token",
    "capsule_token",
    "capsule_client_secret",
    "salesforce_private_key",
    "salesforce_client_secret",
    "slack_bot_token",
    "slack_signing_secret",
    "slack_app_token",
    "secret_key",
    "webhook_secret",
}


OPEN_SLACK_WARNING = ("SLACK_ALLOWED_USERS, SLACK_ALLOWED_USERGROUPS and SLACK_ALLOWED_CHANNELS "
                      "are all empty: ANY member of the Slack workspace can start and retry "
                      "runs and have plans posted in any channel. Set an allow-list.")


def _list(value):
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@dataclass(frozen=True)
class Config:
    """Settings read from the environment at start-up."""

    database_url: str = f"sqlite:///{INSTANCE / 'syncdesk.db'}"
    queue_url: str = ""  # empty: SQLite file beside the database; redis:// or postgresql://
    secret_key: str = ""
    panel_url: str = "http://127.0.0.1:5000"

    cin7_base_url: str = "https://inventory.dearsystems.com/ExternalApi/v2/"
    cin7_account_id: str = ""
    cin7_application_key: str = ""
    cin7_calls_per_minute: int = 60
    cin7_page_size: int = 1000  # the API's maximum; smaller pages checkpoint more often

    omni_base_url: str = "https://api.cin7.com/api/"  # Cin7 Omni API v1 (JOOR flows only)
    omni_username: str = ""  # the account's API username
    omni_api_key: str = ""  # the key of one API v1 connection
    omni_calls_per_second: int = 3  # Omni's limits per API connection: 3 a second,
    omni_calls_per_minute: int = 60  # 60 a minute (and 5,000 a day, not limited here)

    hubspot_base_url: str = "https://api.hubapi.com"
    hubspot_token: str = ""
    hubspot_client_secret: str = ""  # the public app's secret: OAuth and webhook signatures
    hubspot_calls_per_10s: int = 100  # private app, Free/Starter (Pro/Enterprise: 190)
    # OAuth install (CON-1, hubspot.md §2): the public app's client id; the redirect URI
    # registered in the app (empty: PANEL_URL + /connections/hubspot/oauth/callback).
    hubspot_client_id: str = ""
    hubspot_redirect_uri: str = ""
    hubspot_auth_url: str = "https://app.hubspot.com/oauth/authorize"
    hubspot_oauth_calls_per_10s: int = 100  # per installed portal (110 cited, unverified)
    hubspot_searches_per_second: int = 5

    joor_base_url: str = "https://api.jooraccess.com/v2/"
    joor_token: str = ""
    # JOOR facts the vendor's docs leave open (inventory_apis.md §C): correctable here.
    joor_auth_scheme: str = "OAuth2"  # "OAuth2": token sent base64-encoded; other: sent as is
    joor_credits_per_window: int = 300  # 300 credits per 300 s (GET 1, write 5); 0: no limit
    joor_page_size: int = 100  # connections per GET page (JOOR does not state its size)
    joor_bulk_size: int = 200  # connections per bulk-connection job

    capsule_base_url: str = "https://api.capsulecrm.com/api/v2/"
    capsule_token: str = ""  # a personal access token, or an OAuth app's access token
    capsule_calls_per_hour: int = 4000  # Capsule's budget per user (shared by their tokens)
    # OAuth (crms.md §B.2): the registered app's client id and secret; the redirect URI
    # registered for it (empty: PANEL_URL + /connections/capsule/oauth/callback).
    capsule_client_id: str = ""
    capsule_client_secret: str = ""
    capsule_redirect_uri: str = ""
    capsule_auth_url: str = "https://api.capsulecrm.com/oauth/authorise"
    capsule_oauth_url: str = "https://api.capsulecrm.com/"  # + oauth/token, oauth/token/revoke
    # Salesforce (crms.md §A). The login host: https://login.salesforce.com (production),
    # https://test.salesforce.com (sandboxes) or the org's My Domain, which client
    # credentials need. JWT bearer when a private key is set, else client credentials.
    # Empty: production's host and the connector's API version (the panel may set either).
    salesforce_login_url: str = ""
    salesforce_audience: str = ""  # the JWT's aud; empty: the login URL
    salesforce_api_version: str = ""
    salesforce_client_id: str = ""  # the connected app's consumer key
    salesforce_username: str = ""  # the integration user (JWT bearer)
    salesforce_private_key: str = ""  # PEM text of the key whose certificate the app holds
    salesforce_private_key_path: str = ""  # or a file holding it
    salesforce_client_secret: str = ""  # the consumer secret (client credentials)
    salesforce_calls_per_second: int = 10  # SyncDesk's own cap: Salesforce counts per day
    salesforce_daily_percent: int = 90  # stop at this share of the org's daily allocation

    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = "https://slack.com/api/"
    slack_alerts_channel: str = ""
    slack_allowed_users: list = field(default_factory=list)
    slack_allowed_channels: list = field(default_factory=list)
    slack_allowed_usergroups: list = field(default_factory=list)  # ids like S0123, checked live

    webhook_secret: str = ""
    webhook_debounce_seconds: float = 10.0  # a burst of webhooks within this makes one run
    run_lease_seconds: int = 60  # a killed worker's run lock expires after this
    # Outgoing event webhooks (EXT-4): endpoints must be public https addresses unless these
    # allow plain http or loopback/private addresses (the demo and tests; never in production).
    events_allow_http: bool = False
    events_allow_private: bool = False
    http_timeout: float = 30.0
    max_retries: int = 6
    retry_initial: float = 1.0  # seconds; backoff doubles up to retry_max
    retry_max: float = 60.0
    run_deadline_minutes: float = 30.0  # a run throttled (and nothing else) this long stops

    def slack_open_to_all(self):
        """Slack is set up but no allow-list is: any workspace member can start runs."""
        lists = (self.slack_allowed_users, self.slack_allowed_usergroups,
                 self.slack_allowed_channels)
        return bool(self.slack_signing_secret or self.slack_app_token) and not any(lists)

    def require(self, *names):
        """Raise ConfigError naming the first of `names` that is empty."""
        for name in names:
            if not getattr(self, name):
                raise ConfigError(f"{name.upper()} is not set: add it to .env or the environment.")
        return self

    def safe(self):
        """This configuration as a dict with secrets masked, for display."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = ("set" if value else "not set") if f.name in SECRET_FIELDS else value
        return out


_INTS = {"cin7_calls_per_minute", "cin7_page_size", "hubspot_calls_per_10s", "hubspot_searches_per_second",
         "max_retries", "run_lease_seconds"}
_INTS |= {"omni_calls_per_second", "omni_calls_per_minute"}
_INTS |= {"joor_credits_per_window", "joor_page_size", "joor_bulk_size"}
_INTS |= {"capsule_calls_per_hour"}
_INTS |= {"hubspot_oauth_calls_per_10s"}
_INTS |= {"salesforce_calls_per_second", "salesforce_daily_percent"}
_FLOATS = {"http_timeout", "retry_initial", "retry_max", "webhook_debounce_seconds",
           "run_deadline_minutes"}
_BOOLS = {"events_allow_http", "events_allow_private"}
_LISTS = {"slack_allowed_users", "slack_allowed_channels", "slack_allowed_usergroups"}


def _flag(name, raw):
    value = raw.strip().lower()
    if value not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise ConfigError(f"{name.upper()} must be on or off, got {raw!r}.")
    return value in ("1", "true", "yes", "on")


def load(env=None, dotenv_path=None):
    """Build a Config from `env` (default: os.environ after reading `.env`)."""
    if env is None:
        # SYNCDESK_DOTENV names another file, or "" for none (the tests use that).
        path = os.environ.get("SYNCDESK_DOTENV", dotenv_path or ROOT / ".env")
        if path:
            load_dotenv(path, override=False)
        env = os.environ
    values = {}
    for f in fields(Config):
        raw = env.get(f.name.upper())
        if raw is None or raw == "":
            continue
        try:
            if f.name in _INTS:
                values[f.name] = int(raw)
            elif f.name in _FLOATS:
                values[f.name] = float(raw)
            elif f.name in _BOOLS:
                values[f.name] = _flag(f.name, raw)
            elif f.name in _LISTS:
                values[f.name] = _list(raw)
            else:
                values[f.name] = raw
        except ValueError:
            raise ConfigError(f"{f.name.upper()} must be a number, got {raw!r}.") from None
    return Config(**values)
