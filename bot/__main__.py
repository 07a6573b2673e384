"""Socket Mode: `python -m bot` connects to Slack without a public URL (SLACK_APP_TOKEN)."""

import logging
import sys

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot import notify
from bot.app import create_app
from core import config as configuration
from core import schema


def main():
    config = configuration.load()
    missing = [f"{name.upper()} ({hint})" for name, hint in
               (("slack_bot_token", "xoxb-…"), ("slack_app_token", "xapp-…"))
               if not getattr(config, name)]
    if missing:
        print(f"Socket Mode needs {' and '.join(missing)} in .env "
              "(bot/manifest.yml creates the Slack app).")
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    schema.init(config.database_url)

    print(f"SyncDesk bot connecting to Slack in Socket Mode ({notify.api_url(config)})")
    SocketModeHandler(create_app(config), config.slack_app_token).start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
