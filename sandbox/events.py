"""A receiver for SyncDesk's outgoing event webhooks (EXT-4), so the demo has one endpoint.

    POST /_sandbox/events        records the delivery (webhook-* headers and the JSON body)
    GET  /_sandbox/events        what was received, oldest first (JSON)
    GET  /_sandbox/events/view   the same as a page, newest first (for `make demo`)

It answers 204 and does not check signatures: it shows what a receiver gets. A delivery
repeated with the same webhook-id (a retry or Resend) is recorded once, with a count.
"""

import json

from flask import Blueprint, jsonify, render_template_string, request

from sandbox import clock, state

bp = Blueprint("sandbox_events", __name__, url_prefix="/_sandbox/events")
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def fresh(options=None):
    return {"received": []}


@bp.post("")
def receive():
    sandbox = state.current()
    headers = {name: request.headers.get(name, "") for name in HEADERS}
    with sandbox.lock:
        received = sandbox.data["events"]["received"]
        for entry in received:
            if headers["webhook-id"] and entry["headers"]["webhook-id"] == headers["webhook-id"]:
                entry["times"] += 1
                return "", 204
        received.append({"headers": headers, "body": request.get_json(silent=True),
                         "at": clock.now_iso(), "times": 1})
    return "", 204


@bp.get("")
def received():
    with state.current().lock:
        return jsonify({"received": list(state.data("events")["received"])})


PAGE = """<!doctype html><meta charset="utf-8"><title>Events received · sandbox</title>
<style>body{font:14px system-ui;margin:2rem}pre{background:#f4f4f4;padding:.6rem}</style>
<h1>Events SyncDesk sent to the sandbox</h1>
<p>{{ entries|length }} received. Each is a POST signed per Standard Webhooks.</p>
{% for e in entries %}<h3>{{ e.body.type if e.body else "?" }} · {{ e.at }}
{% if e.times > 1 %}· received {{ e.times }} times{% endif %}</h3>
<p><code>webhook-id: {{ e.headers["webhook-id"] }}</code></p><pre>{{ e.text }}</pre>
{% else %}<p>Nothing yet: events arrive when a run ends.</p>{% endfor %}"""


@bp.get("/view")
def view():
    with state.current().lock:
        entries = [dict(e, text=json.dumps(e["body"], indent=2))
                   for e in reversed(state.data("events")["received"])]
    return render_template_string(PAGE, entries=entries)
