"""Capsule REST hooks: the registry only (crms.md §B.11).

    POST /resthooks {"restHook": {"event", "targetUrl", "description", "embed"}} -> 201
    GET /resthooks (the calling app's hooks)   GET|DELETE /resthooks/{id}

Only a registered application's OAuth token may manage hooks (the sandbox's
capsule_app_token); a personal token gets 403. At most 20 hooks per account. Deliveries
(POST {"event", "payload": [...]} to targetUrl) are not sent by this sandbox yet.
"""

from flask import Blueprint, g, jsonify

from sandbox.capsule_base import CapsuleError, body_of, invalid, next_id, not_found, now, stamp
from sandbox.capsule_base import store as capsule_store

bp = Blueprint("capsule_hooks", __name__)
MAX_HOOKS = 20
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
    if not str(item.get("targetUrl") or "").startswith("https://"):
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
