"""A fake Slack Web API, served under /slack/, that records what the bot posts.

    /slack/api/<method>        auth.test, chat.postMessage, chat.update, chat.postEphemeral,
                               usergroups.users.list, users.info, conversations.info
    /slack/response/<id>       usable as a slash command's or button's response_url
    GET  /slack/messages       what was posted (JSON; ?channel= to filter)
    GET  /slack/               the channels as a person would see them (for `make demo`)
    POST /slack/reset          forget every message (JSON body: users, usergroups to seed)

Answers have Slack's shape: HTTP 200 with {"ok": true, ...} or {"ok": false, "error": ...};
bot methods need `Authorization: Bearer xoxb-...`. Works alone (its own state) or as one of
the sandbox's systems (state in the sandbox, reset with /_sandbox/reset).
"""

import copy
import json
import re
import threading
import time

from flask import Blueprint, current_app, jsonify, render_template_string, request
from markupsafe import Markup, escape

blueprint = Blueprint("slack", __name__, url_prefix="/slack")

TEAM = {"team_id": "T0SANDBOX", "team": "SyncDesk Sandbox", "url": "https://sandbox.slack.test/"}
BOT = {"user_id": "U0BOT", "user": "syncdesk", "bot_id": "B0BOT"}
USERS = {"U0ANA": "ana", "U0BEN": "ben", "U0CARLA": "carla"}
USERGROUPS = {"S0SALESOPS": ["U0CARLA"]}
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9_]{2,}$")
_local_lock = threading.RLock()


def fresh(options=None):
    """An empty workspace: no messages, the seeded users and user groups."""
    options = options or {}
    return {"messages": [], "last_ts": 0.0,
            "users": dict(options.get("slack_users") or USERS),
            "usergroups": copy.deepcopy(options.get("slack_usergroups") or USERGROUPS)}


def _workspace():
    """(data, lock) of this app: the sandbox's when registered as a system, else our own."""
    sandbox = current_app.extensions.get("sandbox")
    if sandbox is not None and "slack" in getattr(sandbox, "data", {}):
        return sandbox.data["slack"], sandbox.lock
    with _local_lock:
        data = current_app.extensions.setdefault("slack_sandbox", fresh())
    return data, _local_lock


def _args():
    """Arguments as slack_sdk sends them: query string, form or JSON body."""
    args = request.args.to_dict()
    args.update(request.form.to_dict())
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        args.update(body)
    return args


def _next_ts(data):
    """A message timestamp like Slack's ("1700000000.000100"), unique and increasing."""
    ts = max(round(time.time(), 6), round(data["last_ts"] + 0.000001, 6))
    data["last_ts"] = ts
    return f"{ts:.6f}"


def _error(code):
    return jsonify({"ok": False, "error": code})


def _find(data, channel, ts):
    for message in data["messages"]:
        if message["channel"] == channel and message["ts"] == ts and message["kind"] == "message":
            return message
    return None


def _public(message):
    """A message as chat.* methods return it."""
    out = {"type": "message", "text": message["text"], "ts": message["ts"]}
    if message["blocks"]:
        out["blocks"] = message["blocks"]
    out.update(user=BOT["user_id"], bot_id=BOT["bot_id"])
    return out


def auth_test(data, args):
    return {**TEAM, **BOT}


def post_message(data, args, kind="message"):
    channel = str(args.get("channel") or "")
    if not CHANNEL_ID.match(channel):
        return {"error": "channel_not_found"}
    if not args.get("text") and not args.get("blocks"):
        return {"error": "no_text"}
    message = {"channel": channel, "ts": _next_ts(data), "kind": kind,
               "text": args.get("text") or "", "blocks": _blocks(args.get("blocks")),
               "user": args.get("user") if kind == "ephemeral" else "",
               "thread_ts": args.get("thread_ts") or "", "updates": []}
    data["messages"].append(message)
    if kind == "ephemeral":
        return {"message_ts": message["ts"]}
    return {"channel": channel, "ts": message["ts"], "message": _public(message)}


def update(data, args):
    channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
    if not CHANNEL_ID.match(channel):
        return {"error": "channel_not_found"}
    message = _find(data, channel, ts)
    if message is None:
        return {"error": "message_not_found"}
    if not args.get("text") and not args.get("blocks"):
        return {"error": "no_text"}
    message["updates"].append({"text": message["text"], "blocks": message["blocks"]})
    message["text"], message["blocks"] = args.get("text") or "", _blocks(args.get("blocks"))
    return {"channel": channel, "ts": ts, "text": message["text"], "message": _public(message)}


def post_ephemeral(data, args):
    if not args.get("user"):
        return {"error": "user_not_in_channel"}
    return post_message(data, args, kind="ephemeral")


def usergroup_users(data, args):
    group = data["usergroups"].get(args.get("usergroup", ""))
    return {"error": "no_such_subteam"} if group is None else {"users": list(group)}


def users_info(data, args):
    user = args.get("user", "")
    if user not in data["users"]:
        return {"error": "user_not_found"}
    name = data["users"][user]
    return {"user": {"id": user, "team_id": TEAM["team_id"], "name": name, "real_name": name,
                     "profile": {"display_name": name, "real_name": name}}}


def conversations_info(data, args):
    channel = str(args.get("channel") or "")
    if not CHANNEL_ID.match(channel):
        return {"error": "channel_not_found"}
    return {"channel": {"id": channel, "name": channel.lower(), "is_channel": True,
                        "is_private": channel.startswith("G"), "is_member": True}}


METHODS = {"auth.test": auth_test, "chat.postMessage": post_message, "chat.update": update,
           "chat.postEphemeral": post_ephemeral, "usergroups.users.list": usergroup_users,
           "users.info": users_info, "conversations.info": conversations_info}


def _blocks(value):
    if isinstance(value, str):  # form-encoded calls send blocks as a JSON string
        try:
            return json.loads(value)
        except ValueError:
            return []
    return value or []


@blueprint.route("/api/<method>", methods=["GET", "POST"])
def api(method):
    """One Web API method; errors are HTTP 200 with ok false, as Slack answers them."""
    handler = METHODS.get(method)
    if handler is None:
        return _error("unknown_method")
    auth = request.headers.get("Authorization", "")
    token = auth[len("Bearer "):] if auth.startswith("Bearer ") else _args().get("token", "")
    if not token:
        return _error("not_authed")
    if not token.startswith("xoxb-"):
        return _error("invalid_auth")
    data, lock = _workspace()
    with lock:
        answer = handler(data, _args())
    if "error" in answer:
        return _error(answer["error"])
    return jsonify({"ok": True, **answer})


@blueprint.post("/response/<response_id>")
def response_url(response_id):
    """A response_url: the reply is kept with the channel named by the id's first part."""
    body = request.get_json(silent=True) or request.form.to_dict()
    data, lock = _workspace()
    channel = response_id.split("-", 1)[0]
    with lock:
        data["messages"].append({
            "channel": channel if CHANNEL_ID.match(channel) else "",
            "ts": _next_ts(data), "kind": "response", "response_id": response_id,
            "response_type": body.get("response_type") or "ephemeral",
            "replace_original": bool(body.get("replace_original")),
            "text": body.get("text") or "", "blocks": _blocks(body.get("blocks")),
            "user": "", "thread_ts": "", "updates": []})
    return jsonify({"ok": True})


@blueprint.get("/messages")
def messages():
    """Everything posted, oldest first; ?channel=C123 for one channel."""
    channel = request.args.get("channel")
    data, lock = _workspace()
    with lock:
        found = [copy.deepcopy(m) for m in data["messages"]
                 if not channel or m["channel"] == channel]
    return jsonify({"ok": True, "messages": found})


@blueprint.post("/reset")
def reset():
    """Forget every message; the body may seed `users` and `usergroups`."""
    body = request.get_json(silent=True) or {}
    data, lock = _workspace()
    with lock:
        data.clear()
        data.update(fresh({"slack_users": body.get("users"),
                           "slack_usergroups": body.get("usergroups")}))
    return jsonify({"ok": True})


# --- the channel view -------------------------------------------------------------------

LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]+))?>")
BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


EMOJI = {":white_check_mark:": "✅", ":x:": "❌", ":warning:": "⚠️", ":no_entry:": "⛔",
         ":hourglass_flowing_sand:": "⏳", ":arrows_counterclockwise:": "🔄",
         ":double_vertical_bar:": "⏸"}
EMOJI_NAME = re.compile(r":[a-z_]+:")


def _plain(text):
    """Slack escapes &, < and > in message text; undo it, then escape for HTML."""
    text = EMOJI_NAME.sub(lambda m: EMOJI.get(m.group(0), m.group(0)), text)
    return escape(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def mrkdwn(text, users=None):
    """Slack mrkdwn as safe HTML: <url|label> links, <@U1> mentions, *bold*, line breaks."""
    out, last, users = [], 0, users or {}
    for match in LINK.finditer(text or ""):
        out.append(_plain(text[last:match.start()]))
        target, label = match.group(1), match.group(2)
        if target.startswith(("@", "#", "!")):
            name = "@" + users.get(target[1:], target[1:]) if target[0] == "@" else target
            out.append(Markup('<span class="mention">{}</span>').format(label or name))
        elif target.startswith(("http://", "https://", "mailto:")):
            out.append(Markup('<a href="{}">{}</a>').format(target, _plain(label or target)))
        else:
            out.append(_plain(match.group(0)))
        last = match.end()
    out.append(_plain((text or "")[last:]))
    html = str(Markup("").join(out))
    html = BOLD.sub(r"<b>\1</b>", html)
    return Markup(html.replace("\n", "<br>"))


def _texts(block):
    """The visible pieces of one block, as (kind, payload) for the template."""
    kind = block.get("type")
    if kind in ("section", "header"):
        pieces = [("text", (block.get("text") or {}).get("text", ""))]
        pieces += [("text", f.get("text", "")) for f in block.get("fields", [])]
        return pieces
    if kind == "context":
        return [("context", " · ".join(e.get("text", "") for e in block.get("elements", [])))]
    if kind == "actions":
        return [("button", e) for e in block.get("elements", []) if e.get("type") == "button"]
    if kind == "divider":
        return [("divider", "")]
    return []


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Slack sandbox</title>
<meta http-equiv="refresh" content="2">
<style>body{font:15px system-ui,sans-serif;margin:2em;max-width:52em}
.msg{border-left:3px solid #ccc;padding:.4em .8em;margin:.8em 0}.response{border-color:#9cf}
.ephemeral{border-color:#fc6;background:#fffbea}.meta{color:#666;font-size:12px}
.ctx{color:#555;font-size:13px}.btn{display:inline-block;border:1px solid #999;
border-radius:4px;padding:2px 10px;margin:4px 6px 0 0}.mention{color:#1264a3;background:#e8f5fa}
</style></head><body><h1>Slack sandbox</h1>
{% for channel, items in channels %}<h2>#{{ channel or "(no channel)" }}</h2>
{% for m in items %}<div class="msg {{ m.kind }} {{ m.response_type or '' }}">
<div class="meta">{{ m.kind }}{% if m.kind == 'ephemeral' %} · only visible to {{ m.user }}
{% endif %}{% if m.response_type %} · {{ m.response_type }}{% endif %} · ts {{ m.ts }}
{% if m.updates %} · edited {{ m.updates|length }} time(s){% endif %}</div>
{% if not m.blocks %}<div>{{ render(m.text) }}</div>{% endif %}
{% for kind, piece in m.pieces %}{% if kind == 'text' %}<div>{{ render(piece) }}</div>
{% elif kind == 'context' %}<div class="ctx">{{ render(piece) }}</div>
{% elif kind == 'divider' %}<hr>{% else %}<span class="btn">{% if piece.url %}<a href="{{
piece.url }}">{{ piece.text.text }}</a>{% else %}{{ piece.text.text }}{% endif %}</span>
{% endif %}{% endfor %}</div>{% endfor %}{% else %}<p>No messages yet.</p>{% endfor %}
</body></html>"""


@blueprint.get("/")
def channel_view():
    """What Slack would show: each channel's messages in their latest version."""
    data, lock = _workspace()
    with lock:
        items, users = copy.deepcopy(data["messages"]), dict(data["users"])
    channels = {}
    for m in items:
        m["pieces"] = [p for block in m["blocks"] for p in _texts(block)]
        channels.setdefault(m["channel"], []).append(m)
    return render_template_string(PAGE, channels=sorted(channels.items()),
                                  render=lambda text: mrkdwn(text, users))
