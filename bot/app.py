"""The Bolt app: listeners grouped by kind (commands, actions, JOOR matching).

    app = create_app(config)            # HTTP: bot.http.bp at /slack/events; Socket Mode: python -m bot
"""

import logging

from slack_bolt import App, BoltResponse

from bot import actions, commands, match, notify
from core.config import OPEN_SLACK_WARNING

log = logging.getLogger("syncdesk.bot")

# Bolt reads SLACK_BOT_TOKEN from the environment by itself and then warns that our client's
# token (the same value, from core.config) wins; the warning only confuses.
logging.getLogger("slack_bolt.App").addFilter(
    lambda record: "`token` will be unused" not in record.getMessage())


def create_app(config, client=None, **bolt_kwargs):
    """A Bolt app for `config`; bolt_kwargs go to slack_bolt.App (tests pass an executor).

    The bot token is checked lazily (one auth.test on the first request), so building the
    app needs no network; every Web API call goes to config.slack_api_url.
    """
    options = {"signing_secret": config.slack_signing_secret,
               "client": client or notify.web_client(config),
               "token_verification_enabled": False}
    if config.slack_open_to_all():
        log.warning("SECURITY: %s", OPEN_SLACK_WARNING)
    app = App(**{**options, **bolt_kwargs})
    app.use(ignore_retries)
    app.use(with_config(config))
    match.register(app)  # the JOOR work answers /match; registered first, so it wins
    commands.register(app)
    actions.register(app)
    return app


def ignore_retries(request, next):
    """Slack re-sends a request it thinks went unanswered; the first one did the work."""
    if request.headers.get("x-slack-retry-num"):
        return BoltResponse(status=200, body="")
    next()


def with_config(config):
    """Give every listener the configuration as context["config"]."""

    def middleware(context, next):
        context["config"] = config
        next()

    return middleware
