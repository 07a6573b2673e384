"""HTTP mode: Slack's requests arrive at POST /slack/events on the panel's Flask app.

    app.register_blueprint(bot.http.bp)      # and exempt it from CSRF: Bolt must read the
    bot.http.init_app(app, config)           # raw body to check Slack's signature

Nothing may read request.form before this view (a CSRF check, a logger): Bolt would then
see an empty body and answer 401.
"""

import threading

from flask import Blueprint, current_app, request
from slack_bolt.adapter.flask import SlackRequestHandler

from bot.app import create_app
from core import config as configuration

bp = Blueprint("slack_events", __name__)
EXTENSION = "syncdesk_slack"
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


@bp.post("/slack/events")
def events():
    """Slash commands and button presses, signed by Slack; Bolt checks and answers."""
    request.get_data()  # read the raw body once, before anything parses it as a form
    return _handler().handle(request)
