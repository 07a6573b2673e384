"""Adding, changing and listing event endpoints. A secret is made on creation, returned that
once, and stored encrypted like the connection keys (core.connections)."""

import base64
import secrets

from core import sealing
from core.errors import EndpointRefused
from core.events import shapes, urls
from core.events.models import Delivery, Endpoint
from core.store import atomic_write

SECRET_BYTES = 24


def new_secret():
    """A Standard Webhooks secret: `whsec_` and base64 of random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def check_url(config, url):
    return urls.check(url, allow_http=config.events_allow_http,
                      allow_private=config.events_allow_private)


def _events(chosen):
    chosen = [e for e in (chosen or []) if e]
    unknown = [e for e in chosen if e not in shapes.TYPES]
    if unknown:
        raise EndpointRefused(f"unknown event type {unknown[0]!r}; known: "
                              + ", ".join(shapes.TYPES))
    if not chosen:
        raise EndpointRefused("choose at least one event to send")
    return [e for e in shapes.TYPES if e in chosen]  # in the table's order


def create(config, url, events, enabled=True, description="", secret=None):
    """A new endpoint after its URL passed the check; returns (endpoint, secret in clear)."""
    url, events = check_url(config, url), _events(events)
    secret = secret or new_secret()
    with atomic_write():
        endpoint = Endpoint.create(url=url, events=events, enabled=enabled,
                                   description=(description or "")[:200],
                                   secret=sealing.encrypt(secret, config.secret_key))
    return endpoint, secret


def update(config, endpoint_id, url, events, enabled, description=""):
    """Change an endpoint (its URL checked again); enabling it forgets a failed day."""
    endpoint = get(endpoint_id)
    endpoint.url, endpoint.events = check_url(config, url), _events(events)
    endpoint.description = (description or "")[:200]
    if enabled and not endpoint.enabled:
        endpoint.failing_since = endpoint.disabled_at = None
        endpoint.disabled_reason = ""
    endpoint.enabled = enabled
    with atomic_write():
        endpoint.save()
    return endpoint


def remove(endpoint_id):
    with atomic_write():
        Delivery.delete().where(Delivery.endpoint == endpoint_id).execute()
        return Endpoint.delete().where(Endpoint.id == endpoint_id).execute()


def get(endpoint_id):
    endpoint = Endpoint.get_or_none(Endpoint.id == endpoint_id)
    if endpoint is None:
        raise EndpointRefused(f"no event endpoint {endpoint_id}")
    return endpoint


def secret_of(endpoint, config):
    return sealing.decrypt(endpoint.secret, config.secret_key)


def listed():
    return list(Endpoint.select().order_by(Endpoint.id))


def disabled_by_failures():
    """Endpoints SyncDesk switched off after a day of failures (the panel's banner)."""
    return list(Endpoint.select().where(Endpoint.disabled_at.is_null(False))
                .order_by(Endpoint.id))


def recent_deliveries(endpoint, limit=20):
    return list(Delivery.select().where(Delivery.endpoint == endpoint)
                .order_by(Delivery.id.desc()).limit(limit))


def delivery(delivery_id):
    found = Delivery.get_or_none(Delivery.id == delivery_id)
    if found is None:
        raise EndpointRefused(f"no delivery {delivery_id}")
    return found


def subscribed(event_type):
    """Enabled endpoints that want `event_type` (a test event goes to one endpoint only)."""
    return [e for e in Endpoint.select().where(Endpoint.enabled == True)  # noqa: E712
            if event_type in (e.events or [])]
