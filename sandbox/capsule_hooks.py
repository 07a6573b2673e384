"""Capsule REST hooks: the registry only (crms.md §B.11).

    POST /resthooks {"restHook": {"event", "targetUrl", "description", "embed"}} -> 201
    GET /resthooks (the calling app's hooks)   GET|DELETE /resthooks/{id}

Only a registered application's OAuth token may manage hooks (the sandbox's
capsule_app_token); a personal token gets 403. At most 20 hooks per account.

Deliveries: after a party or opportunity changes, each hook of that event gets a POST of
{"event", "payload": [record]} (the record as its `embed` asks) from a thread, no signature
(none is known, §B.13.1). A failed delivery is tried again, up to 5 attempts
`capsule_hook_retry_seconds` apart (default 1); an answer 410 removes the hook. Every attempt is
kept for tests: GET /capsule/_sandbox/deliveries. A local http:// target (127.0.0.1, localhost)
is accepted besides https, so tests and the demo can receive them.
"""

import threading
import time

import requests
from flask import Blueprint, after_this_request, g, jsonify

from sandbox import state
from sandbox.capsule_base import CapsuleError, body_of, invalid, next_id, not_found, now, stamp
from sandbox.capsule_base import store as capsule_store

bp = Blueprint("capsule_hooks", __name__)
MAX_HOOKS = 20
ATTEMPTS = 5
LOCAL = ("http://127.0.0.1", "http://localhost")
CLIENT_ID = "sandbox-app"
EVENTS = tuple(f"{kind}/{action}" for kind, actions in (
    ("party", ("created", "updated", "deleted")),
    ("opportunity", ("created", "updated", "deleted", "closed", "moved")),
    ("kase", ("created", "updated", "deleted", "closed", "moved")),
    ("task", ("created", "updated", "completed")),
    ("user", ("created", "updated", "deleted"))) for action in actions)


def _app_only():
    if g.get("capsule_token") != "app":
        raise CapsuleError(403, "REST hooks can only be managed by a registered application "
                                "using OAuth")


@bp.post("/resthooks")
def create_hook():
    _app_only()
    data, item = capsule_store(), body_of("restHook")
    if item.get("event") not in EVENTS:
        raise invalid("restHook", "event", "event is not a supported event")
    if not str(item.get("targetUrl") or "").startswith(("https://", *LOCAL)):
        raise invalid("restHook", "targetUrl", "targetUrl must be an https URL")
    if len(data["hooks"]) >= MAX_HOOKS:
        raise invalid("restHook", "event", f"an account can have at most {MAX_HOOKS} REST hooks")
    at = stamp(now(data))
    hook = {"id": next_id(data), "user": dict(data["user"]["public"]), "clientId": CLIENT_ID,
            "description": item.get("description"), "event": item["event"],
            "targetUrl": item["targetUrl"], "embed": item.get("embed"), "batched": True,
            "createdAt": at, "updatedAt": at}
    data["hooks"][hook["id"]] = hook
    answer = jsonify({"restHook": hook})
    answer.status_code = 201
    return answer


@bp.get("/resthooks")
def list_hooks():
    _app_only()
    hooks = [h for h in capsule_store()["hooks"].values() if h["clientId"] == CLIENT_ID]
    return jsonify({"restHooks": sorted(hooks, key=lambda h: h["id"])})


@bp.get("/resthooks/<int:hook_id>")
def get_hook(hook_id):
    _app_only()
    hook = capsule_store()["hooks"].get(hook_id) or _raise(not_found())
    return jsonify({"restHook": hook})


@bp.delete("/resthooks/<int:hook_id>")
def delete_hook(hook_id):
    _app_only()
    if capsule_store()["hooks"].pop(hook_id, None) is None:
        raise not_found()
    return "", 204


def _raise(exc):
    raise exc


def notify(data, event, render):
    """After this request, deliver `event` to its hooks; `render(embed)` gives the record."""
    hooks = [h for h in data["hooks"].values() if h["event"] == event]
    if not hooks:
        return
    sandbox, pause = state.current(), float(data["options"].get("capsule_hook_retry_seconds", 1))
    sends = [(h["id"], h["targetUrl"], {"event": event, "payload": [
        render(set((h.get("embed") or "").split(",")) - {""})]}) for h in hooks]

    @after_this_request
    def _start(response):
        threading.Thread(target=_deliver, args=(sandbox, data, sends, pause),
                         daemon=True).start()
        return response


def _deliver(sandbox, data, sends, pause):
    for hook_id, url, body in sends:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                status = requests.post(url, json=body, timeout=5).status_code
            except requests.RequestException:
                status = None
            with sandbox.lock:
                data.setdefault("deliveries", []).append(
                    {"hook": hook_id, "event": body["event"], "url": url, "attempt": attempt,
                     "status": status, "ids": [r.get("id") for r in body["payload"]]})
                if status == 410:
                    data["hooks"].pop(hook_id, None)
            if status is not None and (status < 300 or status == 410):
                break
            time.sleep(pause)
