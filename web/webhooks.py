"""Webhook endpoints: HubSpot (signature v3) and Cin7 Core (secret in the URL or basic auth).

Both answer 202 at once and only ask for a debounced incremental sync of what changed
(tasks.sync_soon); the run itself reads the changes. Public: no sign-in, no CSRF token.
A body over BODY_LIMIT gets 413 before it is read; a signature is checked before parsing.
"""

import hmac
import json
import logging
import time

from flask import Blueprint, current_app, jsonify, request

from core import runner, settings
from core import webhooks as events
from core.errors import SyncOff
from tasks import app as worker
from tasks import sync_soon

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
# HubSpot batches at most 100 events (~400 bytes each); Cin7 sends one record's change.
BODY_LIMIT = 256 * 1024
log = logging.getLogger("syncdesk.webhooks")


@bp.before_request
def limit_body():
    request.max_content_length = BODY_LIMIT  # werkzeug answers 413 before reading the body


def _config():
    config = current_app.config.get("SYNCDESK_CONFIG")
    if config is None:
        config = worker.config
    return config


def trigger(entities, source):
    """Ask for a sync soon of each entity whose direction reads from `source`."""
    direction = events.SOURCE_DIRECTION[source]
    queued, ignored = [], {}
    if source != "cin7" and source != settings.crm():  # a CRM this install no longer syncs
        why = f"{source} is not the connected CRM ({settings.crm()})"
        return jsonify({"sync_soon": [], "ignored": {e: why for e in sorted(entities)}}), 202
    for entity in sorted(entities):
        try:  # master switch on, and this entity synced in the direction reading `source`
            runner.check_allowed(entity, direction)
        except SyncOff as exc:
            ignored[entity] = str(exc)
            continue
        sync_soon(entity, direction, who=f"{source} webhook")
        queued.append(entity)
    return jsonify({"sync_soon": queued, "ignored": ignored}), 202


@bp.post("/hubspot")
def hubspot():
    """HubSpot's batched events; the signature is checked against the app's client secret."""
    config = _config()
    body = request.get_data()
    public = config.panel_url.rstrip("/") + request.full_path.rstrip("?")
    if not events.hubspot_valid(config.hubspot_client_secret, request.method,
                                (request.url, public), body,
                                request.headers.get("X-HubSpot-Request-Timestamp", ""),
                                request.headers.get("X-HubSpot-Signature-v3", ""),
                                time.time() * 1000):
        log.warning("hubspot webhook: refused a request without a valid signature")
        return jsonify({"error": "invalid or expired signature"}), 401
    try:
        payload = json.loads(body or b"[]")
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        log.warning("hubspot webhook: refused a signed body that is not JSON")
        return jsonify({"error": "the body is not JSON"}), 400
    return trigger(events.hubspot_entities(payload), "hubspot")


def _cin7_allowed(config, secret):
    """Cin7 signs nothing: the shared secret comes in the URL or as the basic-auth password."""
    expected = config.webhook_secret
    if not expected:
        return False
    auth = request.authorization
    offered = secret or (auth.password if auth and auth.password else "")
    return hmac.compare_digest(offered.encode(), expected.encode())


@bp.post("/cin7", defaults={"secret": ""})
@bp.post("/cin7/<secret>")
def cin7(secret):
    """A Cin7 Core webhook (Customer/Updated, Product/Updated, Sale/...)."""
    config = _config()
    if not _cin7_allowed(config, secret):
        return jsonify({"error": "unknown webhook secret"}), 401
    return trigger(events.cin7_entities(request.get_data()), "cin7")
