"""The admin panel: a Flask app of server-rendered pages, with htmx for partial updates.

    app = create_app()                 # Config from the environment
    app = create_app(config, {"TESTING": True})

Views only parse input, call core (or enqueue a run) and render.
"""

import datetime
from pathlib import Path

from flask import Flask

from bot import http as slack_events
from core import config as configuration
from core import schema, store
from web import (
    auth,
    connections,
    customers,
    dashboard,
    deal_stages,
    events,
    joor,
    mappings,
    milestones,
    oauth,
    price_books,
    products,
    runs,
    sales,
    settings_views,
    views,
    webhooks,
)
from web.views import csrf, htmx

ROOT = Path(__file__).resolve().parent.parent
MAX_BODY = 4 * 1024 * 1024  # the panel's largest form (ticked records) is far smaller

# Blueprints of the panel, one per concern, signed in and CSRF-checked.
PANEL = (auth, dashboard, connections, settings_views, mappings, runs, customers, products,
         sales, deal_stages, price_books, milestones, joor, events, oauth)
# Public ones: Slack signs its requests and the webhooks carry their own secret.
PUBLIC = (slack_events, webhooks)


def create_app(config=None, test_config=None):
    """Create and configure the panel.

    `config` is SyncDesk's Config (default: read from the environment); `test_config`
    overrides Flask settings (a Config passed there is taken as `config`).
    """
    if isinstance(test_config, configuration.Config):
        config, test_config = test_config, None
    config = config or configuration.load()
    config.require("secret_key")
    app = Flask(__name__, template_folder=str(ROOT / "templates"))
    app.config.from_mapping(
        SECRET_KEY=config.secret_key,
        SYNCDESK_CONFIG=config,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.panel_url.startswith("https://"),
        SESSION_COOKIE_NAME="syncdesk_session",
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=MAX_BODY,  # 413 before reading; Slack and webhooks allow less
        PUBLIC_BLUEPRINTS=set(),
    )
    if test_config:
        app.config.from_mapping(test_config)
    csrf.init_app(app)
    htmx.init_app(app)
    _database(app, config)
    for module in PANEL + PUBLIC:
        app.register_blueprint(module.bp)
    for module in PUBLIC:
        csrf.exempt(module.bp)
        app.config["PUBLIC_BLUEPRINTS"].add(module.bp.name)
    views.init_app(app)
    _warn_open_slack(app, config)
    return app


def _warn_open_slack(app, config):
    """No Slack allow-list: say so loudly at start-up and on the dashboard."""
    if not config.slack_open_to_all():
        return
    app.logger.warning("SECURITY: %s", configuration.OPEN_SLACK_WARNING)

    @app.before_request
    def banner():
        from flask import flash, request

        if request.endpoint == "dashboard.index" and not request.headers.get("HX-Request"):
            flash(f"Security: {configuration.OPEN_SLACK_WARNING}", "error")


def _database(app, config):
    """One store for the app; a connection per request, closed when the request ends."""
    schema.init(config.database_url)

    @app.before_request
    def connect():
        store.db.connect(reuse_if_open=True)

    @app.teardown_request
    def close(_exc=None):
        if not store.db.is_closed():
            store.db.close()
