"""HTTP mode: Slack's requests arrive at POST /slack/events on the panel's Flask app.

    app.register_blueprint(bot.http.bp)      # and exempt it from CSRF: Bolt must read the
    bot.http.init_app(app, config)           # raw body to check Slack's signature

Nothing may read request.form before this view (a CSRF check, a logger): Bolt would then
see an empty body and answer 401. The view refuses, with one log line each, a body over
BODY_LIMIT (413, before it is read), a wrong signature (401) and a signed body that is not
Slack's shape (400) before Bolt parses anything.
"""

import json
import logging
import threading
from urllib.parse import parse_qs

from flask import Blueprint, current_app, request
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.app import create_app
from core import config as configuration

bp = Blueprint("slack_events", __name__)
EXTENSION = "syncdesk_slack"
# Slack's largest requests are block_actions payloads carrying the whole message (at most
# 50 blocks of 3,000 characters), form-encoded; ours are a few KB.
BODY_LIMIT = 256 * 1024
log = logging.getLogger("syncdesk.slack")
_lock = threading.Lock()


def init_app(app, config=None, bolt_app=None):
    """Attach the Bolt app (built from `config` unless given) to the Flask `app`."""
    if bolt_app is None:
        bolt_app = create_app(config)
    app.extensions[EXTENSION] = SlackRequestHandler(bolt_app)
    return bolt_app


def _handler():
    """The app's handler; built on first use from SYNCDESK_CONFIG or the environment."""
    with _lock:
        if EXTENSION not in current_app.extensions:
            config = current_app.config.get("SYNCDESK_CONFIG")
            if config is None:
                config = configuration.load()
            init_app(current_app, config)
    return current_app.extensions[EXTENSION]


@bp.before_request
def limit_body():
    request.max_content_length = BODY_LIMIT  # werkzeug answers 413 before reading the body


def signed(secret, body, headers):
    """Slack's signature is right and fresh; junk (a timestamp "abc", bad bytes) is False."""
    try:
        return SignatureVerifier(secret).is_valid(body, headers.get("X-Slack-Request-Timestamp"),
                                                  headers.get("X-Slack-Signature"))
    except ValueError:
        return False


def slack_shaped(body, content_type):
    """A form (a JSON object in `payload`, if any) or a JSON object: what Bolt can parse."""
    try:
        text = body.decode("utf-8")
        if "json" in content_type:
            return isinstance(json.loads(text), dict)
        form = parse_qs(text, strict_parsing=bool(text))
        return "payload" not in form or isinstance(json.loads(form["payload"][0]), dict)
    except (ValueError, RecursionError):
        return False


@bp.post("/slack/events")
def events():
    """Slash commands and button presses, signed by Slack; Bolt checks and answers."""
    body = request.get_data()  # the raw body once, before anything parses it as a form
    handler = _handler()
    if not signed(handler.app._signing_secret, body, request.headers):
        log.warning("slack: refused a request without a valid signature from %s",
                    request.remote_addr)
        return {"error": "invalid request"}, 401
    if not slack_shaped(body, request.content_type or ""):
        log.warning("slack: refused a signed request whose body is not Slack's shape")
        return {"error": "unreadable body"}, 400
    return handler.handle(request)
