"""Keys entered in the panel (CON-1), encrypted at rest, and what "Disconnect" removes (CON-3).

Keys set in the environment win over keys saved here: `effective_config` fills only the
fields the environment left empty. Values are encrypted with Fernet under a key derived
from SECRET_KEY; if SECRET_KEY changes, saved keys can no longer be read and must be
entered again (they are never guessed at).
"""

import json
from dataclasses import dataclass, replace

import requests
from cryptography.fernet import InvalidToken

from core import capsule_tokens, hubspot_tokens, links, references, settings
from core.connectors.capsule import Capsule
from core.connectors.cin7 import Cin7
from core.connectors.hubspot import HubSpot
from core.connectors.joor import Joor
from core.connectors.omni import Omni
from core.connectors.salesforce import Salesforce
from core.customers import listing as customer_list
from core.errors import ConfigError
from core.products import listing as product_list
from core.sales import listing as sale_list
from core.sealing import fernet
from core.store import Connection, Cursor, Link, Setting, atomic_write, utcnow


@dataclass(frozen=True)
class Key:
    field: str  # the Config field it fills
    label: str
    secret: bool = True
    required: bool = True  # False: one of several ways to connect (Salesforce's two flows)
    multiline: bool = False  # a PEM key: typed into a text area, its line breaks kept


SYSTEMS = {
    "cin7": ("Cin7 Core", (Key("cin7_account_id", "Account ID", secret=False),
                           Key("cin7_application_key", "Application key"))),
    # Cin7 Omni serves the JOOR flows only (settings "joor.source"); HubSpot's stay on Core.
    "omni": ("Cin7 Omni", (Key("omni_username", "API username", secret=False),
                           Key("omni_api_key", "API key (API v1 connection)"))),
    "hubspot": ("HubSpot", (Key("hubspot_token", "Private app token"),)),
    "salesforce": ("Salesforce", (
        Key("salesforce_client_id", "Connected app consumer key", secret=False),
        Key("salesforce_username", "Integration user name (JWT bearer)", secret=False,
            required=False),
        Key("salesforce_private_key", "Private key, PEM (JWT bearer)", required=False,
            multiline=True),
        Key("salesforce_client_secret", "Consumer secret (client credentials)",
            required=False),
        Key("salesforce_login_url", "Login host: empty for production, "
            "https://test.salesforce.com for a sandbox org, or the org's My Domain URL",
            secret=False, required=False),
        Key("salesforce_api_version", "API version (empty: 66.0)", secret=False,
            required=False))),
    "capsule": ("Capsule", (Key("capsule_token", "Personal access token"),)),
    "joor": ("JOOR", (Key("joor_token", "API token"),)),
    "slack": ("Slack", (Key("slack_bot_token", "Bot token"),
                        Key("slack_signing_secret", "Signing secret"),
                        Key("slack_app_token", "App token (socket mode)"))),
}


# CRMs that can also connect by OAuth: their token store and the token field OAuth stands in
# for (the environment's token wins over OAuth, OAuth over a token saved in the panel).
OAUTH = {"hubspot": (hubspot_tokens, "hubspot_token"),
         "capsule": (capsule_tokens, "capsule_token")}


def oauth_grant(system, secret_key):
    """The system's OAuth connection (a Grant), or None."""
    return OAUTH[system][0].load(secret_key) if system in OAUTH else None


def _fields(system):
    if system not in SYSTEMS:
        raise ConfigError(f"unknown system {system!r}")
    return {key.field: key for key in SYSTEMS[system][1]}


def load(system, secret_key):
    """The keys saved for `system` as {config field: value}; {} if none or unreadable."""
    row = Connection.get_or_none(Connection.system == system)
    if row is None or not row.secrets:
        return {}
    try:
        return json.loads(fernet(secret_key).decrypt(row.secrets.encode()))
    except InvalidToken:
        return {}


def readable(system, secret_key):
    """False when keys are saved but SECRET_KEY no longer opens them."""
    row = Connection.get_or_none(Connection.system == system)
    return not (row and row.secrets) or bool(load(system, secret_key))


def save(system, values, secret_key):
    """Store the non-empty `values` for `system`; empty ones keep what was saved before."""
    allowed = _fields(system)
    keys = load(system, secret_key)
    keys.update({k: v.strip() for k, v in values.items() if k in allowed and (v or "").strip()})
    token = fernet(secret_key).encrypt(json.dumps(keys).encode()).decode()
    with atomic_write():
        Connection.insert(system=system, secrets=token, updated_at=utcnow()).on_conflict(
            conflict_target=[Connection.system],
            update={Connection.secrets: token, Connection.updated_at: utcnow()}).execute()
    return sorted(keys)


def effective_config(config):
    """`config` with saved keys filled in where the environment left a field empty.

    A CRM connected by OAuth wins over a token saved in the panel (the environment's
    HUBSPOT_TOKEN or CAPSULE_TOKEN still wins over both).
    """
    filled = {}
    for system in SYSTEMS:
        if not Connection.get_or_none(Connection.system == system):
            continue
        saved = load(system, config.secret_key)
        if oauth_grant(system, config.secret_key):
            saved.pop(OAUTH[system][1], None)
        for name, value in saved.items():
            if name in _fields(system) and not getattr(config, name) and value:
                filled[name] = value
    return replace(config, **filled) if filled else config


def _mask(value, secret):
    if not secret:
        return value
    return "••••••••" + (value[-4:] if len(value) >= 16 else "")


def masked(system, config):
    """One row per key: where it comes from and a masked view; never the value itself."""
    saved = load(system, config.secret_key)
    rows = []
    for key in SYSTEMS[system][1]:
        env_value, saved_value = getattr(config, key.field), saved.get(key.field, "")
        source = "environment" if env_value else "panel" if saved_value else ""
        rows.append({"field": key.field, "label": key.label, "secret": key.secret,
                     "multiline": key.multiline,
                     "source": source, "shown": _mask(env_value or saved_value, key.secret),
                     "shadowed": bool(env_value and saved_value)})
    return rows


def last_check(system):
    """The stored answer of the last test: (ok, message, checked_at) or None."""
    row = Connection.get_or_none(Connection.system == system)
    if row is None or row.checked_at is None:
        return None
    return row.check_ok, row.check_message, row.checked_at


def configured(system, config):
    """True when every key this system needs has a value (environment or panel)."""
    cfg = effective_config(config)
    if oauth_grant(system, config.secret_key):
        return True
    return all(getattr(cfg, key.field) for key in SYSTEMS[system][1]
               if key.required and key.field != "slack_app_token")


def _scrub(text, config):
    for key in (k for _, keys in SYSTEMS.values() for k in keys if k.secret):
        value = getattr(config, key.field)
        if value and len(value) >= 4:
            text = text.replace(value, "••••")
    return text


def _probe(system, config):
    """A cheap real call proving the keys work; returns what the system answered."""
    # A probe answers at once (the panel's Test waits on it): one retry, no place in the
    # shared rate limiter's queue behind a running sync, and a throttle is an answer.
    quick = replace(config, max_retries=1, run_deadline_minutes=0, cin7_calls_per_minute=0,
                    hubspot_calls_per_10s=0, hubspot_oauth_calls_per_10s=0,
                    joor_credits_per_window=0,
                    salesforce_calls_per_second=0)
    if system == "cin7":
        return f"company: {Cin7(quick).me().get('Company', '?')}"
    if system == "omni":
        return Omni(quick).probe()
    if system == "hubspot":
        client = HubSpot(quick)
        portal = client.account().get("portalId", "?")
        return client.connection() if client.oauth else f"private app, portal {portal}"
    if system == "salesforce":
        daily = Salesforce(quick).limits().get("DailyApiRequests", {})
        return (f"org answered: {daily.get('Remaining', '?')} of {daily.get('Max', '?')} "
                "API calls left today")
    if system == "capsule":
        return Capsule(quick).probe()
    if system == "slack":
        return _slack_auth_test(quick)
    return _joor_probe(quick)


def _slack_auth_test(config):
    config.require("slack_bot_token")
    response = requests.post(config.slack_api_url.rstrip("/") + "/auth.test",
                             headers={"Authorization": f"Bearer {config.slack_bot_token}"},
                             timeout=config.http_timeout)
    body = response.json()
    if not body.get("ok"):
        raise ConfigError(f"Slack refused the bot token ({body.get('error', response.status_code)})")
    return f"team {body.get('team', '?')}, bot user {body.get('user', '?')}"


def _joor_probe(config):
    config.require("joor_token")
    if hasattr(config, "joor_page_size"):
        config = replace(config, joor_page_size=1)  # one connection is enough to prove it
    next(Joor(config).connection_pages(), None)
    return "token accepted: connections can be read"


def check(system, config):
    """Test `system` with its effective keys, remember the answer; returns (ok, message)."""
    _fields(system)
    cfg = effective_config(config)
    if not configured(system, config):
        missing = [k.field.upper() for k in SYSTEMS[system][1]
                   if k.required and not getattr(cfg, k.field) and k.field != "slack_app_token"]
        ok, message = None, "keys not set: " + ", ".join(missing)
        if system in OAUTH:
            message += f" (or click Connect {SYSTEMS[system][0]})"
    else:
        try:
            ok, message = True, _probe(system, cfg)
        except Exception as exc:  # any failure is the answer to show
            ok, message = False, _scrub(str(exc), cfg)
    with atomic_write():
        Connection.insert(system=system, check_ok=ok, check_message=message,
                          checked_at=utcnow()).on_conflict(
            conflict_target=[Connection.system],
            update={Connection.check_ok: ok, Connection.check_message: message,
                    Connection.checked_at: utcnow()}).execute()
    return ok, message


def shown():
    """The systems this install uses: Cin7 Core and Omni, the connected CRM, JOOR, Slack."""
    crm = settings.crm()
    return [system for system in SYSTEMS if system not in settings.CRMS or system == crm]


def check_all(config):
    """Test every system this install uses; [(label, ok or None, message)]."""
    return [(SYSTEMS[system][0], *check(system, config)) for system in shown()]


def disconnect(system):
    """CON-3: forget this system's keys, links and mappings; nothing changes in the systems."""
    _fields(system)
    removed = {"links": 0, "mappings": 0}
    with atomic_write():
        Connection.delete().where(Connection.system == system).execute()
        if system in OAUTH:  # the OAuth connection too (revoked by the caller)
            OAUTH[system][0].forget()
        if system == "cin7":  # every link pairs a Cin7 record with another system's
            removed["links"] = Link.delete().where(_core_links()).execute()
        elif system in ("hubspot", "joor", "salesforce", "capsule"):
            removed["links"] = links.forget_system(system)
        elif system == "omni" and _omni_for_joor():  # its customers' JOOR links name Omni ids
            removed["links"] = links.forget_system("joor")
        if system in ("cin7", settings.crm()):
            # Cursors say what was already synced; without links they would skip records.
            Cursor.delete().execute()
        if system == "hubspot":
            row = Setting.get_or_none(Setting.key == "customers.field_map")
            removed["mappings"] = len(row.value or []) if row else 0
            Setting.delete().where(Setting.key == "customers.field_map").execute()
    if system == "cin7":
        for cached in (customer_list, product_list, sale_list, references):
            cached.forget()
    return removed


def _omni_for_joor():
    return settings.get("joor.source") == "omni"


def _core_links():
    """The links that pair a Cin7 Core record: all, but JOOR's when Omni is JOOR's source."""
    return (Link.system != "joor") if _omni_for_joor() else (Link.id.is_null(False))


def disconnect_preview(system):
    """What `disconnect(system)` would remove, for the confirmation page."""
    _fields(system)
    joor_links = Link.select().where(Link.system == "joor").count()
    count = {"cin7": Link.select().where(_core_links()).count(),
             **{crm: Link.select().where(Link.system == crm).count()
                for crm in ("hubspot", "salesforce", "capsule")},
             "joor": joor_links, "omni": joor_links if _omni_for_joor() else 0}.get(system, 0)
    row = Setting.get_or_none(Setting.key == "customers.field_map")
    mappings = len(row.value or []) if row and system == "hubspot" else 0
    return {"links": count, "mappings": mappings}
