"""The admin panel: a Flask app of server-rendered pages, with htmx for partial updates.

    app = create_app()                 # Config from the environment
    app = create_app(config, {"TESTING": True})

Views only parse input, call core (or enqueue a run) and render.
"""

import datetime
import importlib
from pathlib import Path

from flask import Flask
from flask_htmx import HTMX
from flask_wtf.csrf import CSRFProtect

from core import config as configuration
from core import store

ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()
htmx = HTMX()
MAX_BODY = 4 * 1024 * 1024  # the panel's largest form (ticked records) is far smaller

# Blueprints of the panel, one per concern.
PANEL = ("auth", "dashboard", "connections", "settings_views", "mappings", "runs", "customers",
         "products")
# Blueprints other packages provide: (module, public: no sign-in and no CSRF check).
# Slack signs its requests and the webhooks carry their own secret; a browser signs in.
OPTIONAL = (("bot.http", True), ("web.webhooks", True), ("web.joor", False))


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
    for name in PANEL:
        app.register_blueprint(importlib.import_module(f"web.{name}").bp)
    for module, public in OPTIONAL:
        _register_optional(app, module, public)
    from web import views

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
    store.init(config.database_url)

    @app.before_request
    def connect():
        store.db.connect(reuse_if_open=True)

    @app.teardown_request
    def close(_exc=None):
        if not store.db.is_closed():
            store.db.close()


def _register_optional(app, module, public):
    """Register `module.bp` when that module is installed; say nothing when it is not."""
    try:
        blueprint = importlib.import_module(module).bp
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    app.register_blueprint(blueprint)
    if public:
        csrf.exempt(blueprint)
        app.config["PUBLIC_BLUEPRINTS"].add(blueprint.name)
    return blueprint


def current_config():
    """SyncDesk's Config of the running app (as the environment set it)."""
    from flask import current_app

    return current_app.config["SYNCDESK_CONFIG"]


def current_admin():
    """The signed-in administrator's user name."""
    from flask import g

    return g.admin.username if getattr(g, "admin", None) else ""
