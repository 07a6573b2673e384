"""`syncdesk slash "/sync customers"`: a signed slash command through the same Bolt app.

For the demo and for debugging without a Slack workspace: the command goes in-process
through bot.http's view, like Slack's request would, and the reply and the messages the
bot posted (read back from the sandbox's fake Slack) are printed.
"""

import json
import secrets
import time
from concurrent.futures import Executor, Future
from dataclasses import replace
from urllib.parse import urlencode

import click
import requests
from flask import Flask
from slack_sdk.signature import SignatureVerifier

from bot import http, notify
from bot.app import create_app
from core import runs
from core.store import Run

SANDBOX_SUFFIX = "/slack/api/"


class InlineExecutor(Executor):
    """Runs Bolt's listeners in the calling thread, so the command is over when we print."""

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future
            future.set_exception(exc)
        return future


def signed(secret, payload, timestamp=None):
    """(body, headers) of a form POST signed as Slack signs it (v0, HMAC-SHA256)."""
    body = urlencode(payload)
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return body, {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature,
                  "Content-Type": "application/x-www-form-urlencoded"}


def sandbox_root(config):
    """The fake Slack's base URL when SLACK_API_URL points at the sandbox, else None."""
    url = config.slack_api_url.rstrip("/") + "/"
    return url[:-len(SANDBOX_SUFFIX)] if url.endswith(SANDBOX_SUFFIX) else None


def send_command(config, command, text, user, channel, user_name=""):
    """Dispatch one slash command through bot.http; returns (Flask response, response_url)."""
    root = sandbox_root(config) or "http://127.0.0.1:9"
    payload = {"token": "cli", "team_id": "T0SANDBOX", "team_domain": "sandbox",
               "channel_id": channel, "channel_name": channel.lower(), "user_id": user,
               "user_name": user_name or user, "command": command, "text": text,
               "api_app_id": "A0SYNCDESK", "trigger_id": f"cli.{secrets.token_hex(4)}",
               "response_url": f"{root}/slack/response/{channel}-{secrets.token_hex(4)}"}
    flask_app = Flask("syncdesk-slash")
    flask_app.register_blueprint(http.bp)
    http.init_app(flask_app, bolt_app=create_app(config, listener_executor=InlineExecutor()))
    body, headers = signed(config.slack_signing_secret, payload)
    response = flask_app.test_client().post("/slack/events", data=body, headers=headers)
    return response, payload["response_url"]


def show_reply(response, response_url):
    """Slack shows the command's immediate answer in the channel; so does the sandbox's view."""
    data = response.get_json() if response.is_json else {"text": response.get_data(as_text=True)}
    if response.status_code == 200 and isinstance(data, dict) and (data.get("text")
                                                                   or data.get("blocks")):
        requests.post(response_url, json=data, timeout=10)


def plain(message):
    """A posted message as lines of text: its blocks' texts and buttons."""
    lines = []
    for block in message.get("blocks") or []:
        if block.get("type") in ("section", "header"):
            lines.append((block.get("text") or {}).get("text", ""))
        elif block.get("type") == "context":
            lines.append(" · ".join(e.get("text", "") for e in block.get("elements", [])))
        elif block.get("type") == "actions":
            lines.append("  ".join(f"[{e['text']['text']}]" for e in block.get("elements", [])))
    return "\n".join(lines) or message.get("text", "")


def _user_name(config, user):
    try:
        return notify.web_client(config).users_info(user=user)["user"]["name"]
    except Exception:  # the name only decorates the reply
        return user


def _wait_for_runs(after_id, seconds):
    """Wait for the runs the command started (a worker runs them, or this process did)."""
    deadline = time.monotonic() + seconds
    while Run.select().where(Run.id > after_id, Run.status.not_in(runs.FINAL)).count():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def register(cli):
    @cli.command("slash")
    @click.argument("command_line")
    @click.option("--user", default=None, help="Slack user id (default: the first allowed user).")
    @click.option("--channel", default="C0SYNCDESK", help="Slack channel id.")
    @click.option("--wait", default=60.0, help="Seconds to wait for the runs it started.")
    @click.pass_obj
    def slash(env, command_line, user, channel, wait):
        """Send COMMAND_LINE (e.g. "/sync customers") as Slack would, signed; print the reply."""
        config = env.config
        if not config.slack_bot_token:
            raise click.ClickException("SLACK_BOT_TOKEN is not set (for the sandbox: "
                                       "xoxb-sandbox, with SLACK_API_URL=<sandbox>/slack/api/)")
        # Signed with the configured secret, or a throwaway one: the request never leaves us.
        config = replace(config, slack_signing_secret=config.slack_signing_secret
                         or secrets.token_hex(16))
        user = user or (config.slack_allowed_users or ["U0ANA"])[0]
        command, _, text = command_line.strip().partition(" ")
        last_id = Run.select(Run.id).order_by(Run.id.desc()).scalar() or 0
        started = time.time()
        response, response_url = send_command(config, command, text.strip(), user, channel,
                                              _user_name(config, user))
        if sandbox_root(config):
            show_reply(response, response_url)
        reply = _reply_text(response)
        click.echo(f"reply ({response.status_code}):\n{reply}")
        if not _wait_for_runs(last_id, wait):
            click.echo(f"(runs still going after {wait:.0f} s; is the worker running?)")
        _print_messages(config, channel, started, skip=reply)


def _reply_text(response):
    if response.is_json:
        data = response.get_json()
        return plain(data) if isinstance(data, dict) else json.dumps(data)
    return response.get_data(as_text=True)


def _print_messages(config, channel, since, skip=""):
    root = sandbox_root(config)
    if root is None:
        click.echo("(messages are in Slack: SLACK_API_URL is not the sandbox)")
        return
    found = requests.get(f"{root}/slack/messages", params={"channel": channel},
                         timeout=10).json()["messages"]
    for message in found:
        if float(message["ts"]) < since - 1 or plain(message) == skip:
            continue  # older, or the command's own reply printed above
        edits = f", updated {len(message['updates'])} time(s)" if message["updates"] else ""
        click.echo(f"\n--- {message['kind']} in {message['channel'] or '?'}{edits}:")
        click.echo(plain(message))
