"""Queuing events and one delivery attempt, signed per the Standard Webhooks specification.

`queue` writes one Delivery per endpoint (tasks/events.py enqueues the attempts); `attempt`
makes one POST and returns the outcome without touching the store; `record` writes it and
says whether to try again and when (`retry_delay`: the one retry schedule), and whether the
endpoint has now failed for a day and was switched off.
"""

import datetime
import json
import uuid
from collections import namedtuple

import requests
from peewee import IntegrityError
from standardwebhooks import Webhook

from core.errors import ConfigError, EndpointRefused
from core.events import endpoints, shapes
from core.events.models import Delivery, Endpoint
from core.store import atomic_write, utcnow

FIRST_RETRY = 10  # seconds after the first failed attempt; each wait is 4 times the last…
MAX_GAP = 4 * 3600  # …up to 4 hours between attempts
GIVE_UP_AFTER = datetime.timedelta(days=1)  # retries stop, and a failing endpoint is disabled
TIMEOUT = 15  # seconds for one attempt: receivers should answer at once and work later
STUCK_AFTER = datetime.timedelta(minutes=5)  # an attempt "sending" this long died with its worker
USER_AGENT = "SyncDesk-Webhooks/1"

# status: delivered, retry (429, 5xx, timeout, no connection) or failed (other answers)
Outcome = namedtuple("Outcome", "status code error")


def retry_delay(attempts):
    """Seconds to wait after `attempts` failed attempts: 10 s, 40 s, 160 s, … capped at 4 h."""
    return min(MAX_GAP, FIRST_RETRY * 4 ** max(0, attempts - 1))


def queue(event_type, data, key, endpoint_list=None, now=None):
    """A Delivery for each endpoint (default: the enabled ones subscribed); returns their ids.

    An event already queued for an endpoint (same key) is not queued again.
    """
    now = now or utcnow()
    payload = shapes.envelope(event_type, data, now)
    ids = []
    for endpoint in (endpoint_list if endpoint_list is not None
                     else endpoints.subscribed(event_type)):
        if Delivery.get_or_none(Delivery.endpoint == endpoint.id, Delivery.event_key == key):
            continue
        try:
            with atomic_write():
                ids.append(Delivery.create(
                    endpoint=endpoint.id, message_id=f"msg_{uuid.uuid4().hex}", event_key=key,
                    event_type=event_type, payload=payload, created_at=now, window_start=now,
                    next_attempt_at=now).id)
        except IntegrityError:  # queued meanwhile by another process
            continue
    return ids


def signed(secret, message_id, body, at):
    """The Standard Webhooks headers for `body` sent at `at` (an aware UTC datetime)."""
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, at, body),
            "content-type": "application/json", "user-agent": USER_AGENT}


def attempt(config, delivery, secret, session=requests, now=None):
    """POST `delivery` to its endpoint once; the Outcome. Redirects are not followed, and the
    URL is checked again (its host may resolve elsewhere since it was saved)."""
    try:
        url = endpoints.check_url(config, delivery.endpoint.url)
    except EndpointRefused as exc:
        return Outcome("failed", None, f"refused: {exc}")
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True)
    at = (now or datetime.datetime.now(datetime.UTC)).replace(microsecond=0)
    try:
        response = session.post(url, data=body.encode(), timeout=TIMEOUT, allow_redirects=False,
                                headers=signed(secret, delivery.message_id, body, at))
    except requests.Timeout:
        return Outcome("retry", None, f"no answer within {TIMEOUT} s")
    except requests.ConnectionError as exc:
        return Outcome("retry", None, f"connection failed: {exc.__class__.__name__}")
    code = response.status_code
    if 200 <= code < 300:
        return Outcome("delivered", code, "")
    if code == 429 or code >= 500:
        return Outcome("retry", code, f"HTTP {code}")
    return Outcome("failed", code, f"HTTP {code}" + (" (redirects are not followed)"
                                                     if 300 <= code < 400 else ""))


def deliver(config, delivery_id, session=requests, now=None):
    """One attempt of a queued delivery, recorded; (delivery or None when there was nothing to
    do, seconds until the next attempt or None, the endpoint this attempt switched off)."""
    delivery = claim(delivery_id)
    if delivery is None:
        return None, None, None
    endpoint = delivery.endpoint
    if not endpoint.enabled and delivery.event_type != shapes.TEST:
        delivery.status, delivery.last_error = "failed", "not sent: the endpoint is disabled"
        with atomic_write():
            delivery.save()
        return delivery, None, None
    try:
        secret = endpoints.secret_of(endpoint, config)
    except ConfigError as exc:
        return delivery, *record(delivery, Outcome("failed", None, str(exc)), now)
    outcome = attempt(config, delivery, secret, session, now and now.replace(tzinfo=datetime.UTC))
    return delivery, *record(delivery, outcome, now)


def claim(delivery_id):
    """Take a delivery for one attempt; None when it is delivered, given up or taken."""
    with atomic_write():
        taken = Delivery.update(status="sending", last_attempt_at=utcnow()).where(
            Delivery.id == delivery_id,
            Delivery.status.in_(("pending", "retrying"))).execute()
    return Delivery.get_by_id(delivery_id) if taken else None


def record(delivery, outcome, now=None):
    """Write an attempt's outcome; returns (seconds until the next attempt or None,
    the endpoint if this failure switched it off)."""
    now = now or utcnow()
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.response_code = now, outcome.code
    delivery.last_error, retry_in = outcome.error[:500], None
    if outcome.status == "delivered":
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
    else:
        delay = retry_delay(delivery.attempts)
        if outcome.status == "retry" and now + datetime.timedelta(seconds=delay) \
                <= delivery.window_start + GIVE_UP_AFTER:
            delivery.status, retry_in = "retrying", delay
            delivery.next_attempt_at = now + datetime.timedelta(seconds=delay)
        else:
            delivery.status, delivery.next_attempt_at = "failed", None
    with atomic_write():
        delivery.save()
    return retry_in, _endpoint_after(delivery.endpoint_id, outcome, now)


def _endpoint_after(endpoint_id, outcome, now):
    """A success clears the endpoint's failing streak; a day of failures disables it."""
    with atomic_write():
        if outcome.status == "delivered":
            Endpoint.update(failing_since=None).where(Endpoint.id == endpoint_id).execute()
            return None
        Endpoint.update(failing_since=now).where(Endpoint.id == endpoint_id,
                                                 Endpoint.failing_since.is_null()).execute()
        reason = (f"disabled after failing for a day (last: {outcome.error})")[:500]
        switched = Endpoint.update(enabled=False, disabled_at=now, disabled_reason=reason).where(
            Endpoint.id == endpoint_id, Endpoint.enabled == True,  # noqa: E712
            Endpoint.failing_since <= now - GIVE_UP_AFTER).execute()
    return Endpoint.get_by_id(endpoint_id) if switched else None


def resend(delivery_id, now=None):
    """Send a delivery again, same webhook-id, with a fresh day of retries; False while an
    attempt is under way (one that began STUCK_AFTER ago is taken to have died)."""
    now = now or utcnow()
    with atomic_write():
        return bool(Delivery.update(status="pending", window_start=now, next_attempt_at=now)
                    .where(Delivery.id == delivery_id,
                           (Delivery.status != "sending")
                           | (Delivery.last_attempt_at < now - STUCK_AFTER)).execute())


def test(endpoint_id, now=None):
    """Queue a test event for one endpoint (enabled or not); returns the delivery id."""
    endpoint = endpoints.get(endpoint_id)
    key = f"test:{uuid.uuid4().hex}"
    return queue(shapes.TEST, shapes.test_event(endpoint.id), key, [endpoint], now)[0]
