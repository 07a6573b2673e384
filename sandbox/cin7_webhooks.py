"""Cin7 Core webhooks: subscriptions under /webhooks and deliveries of Customer/Updated.

Like the real service: GET/POST/PUT/DELETE ?ID= on /webhooks, at most 5 webhooks of one
type, no signature (basic auth, a bearer token or extra headers authenticate deliveries),
and the first delivery attempt comes a while after the change: option
`cin7_webhook_delay` (seconds, default 60 as Cin7 documents; tests and the benchmark set
less). A watcher notices customers whose LastModifiedOn moved, whoever changed them.
"""

import copy
import threading

import requests
from flask import jsonify, request

from sandbox import clock, state
from sandbox.cin7_customers import Cin7Error, new_id

TYPES = ("Customer/Updated", "Supplier/Updated", "Product/Updated", "Sale/Created",
         "Sale/OrderAuthorised", "Sale/InvoiceAuthorised", "Sale/Voided",
         "Stock/AvailableStockLevelChanged")
AUTH_TYPES = ("noauth", "basicauth", "bearerauth")
MAX_PER_TYPE = 5
POLL = 0.2  # seconds between two looks at the customers
FIELDS = ("Type", "IsActive", "ExternalURL", "ExternalAuthorizationType", "ExternalUserName",
          "ExternalPassword", "ExternalBearerToken", "ExternalHeaders")


def _hooks(store):
    return store.setdefault("webhooks", [])


def _validate(hook, others):
    for name in ("Type", "ExternalURL", "ExternalAuthorizationType"):
        if not hook.get(name):
            raise Cin7Error(f"Required attribute {name} is not provided.")
    if hook["Type"] not in TYPES:
        raise Cin7Error(f"Webhook type '{hook['Type']}' is not supported.")
    if hook["ExternalAuthorizationType"] not in AUTH_TYPES:
        raise Cin7Error("ExternalAuthorizationType must be noauth, basicauth or bearerauth.")
    if sum(1 for h in others if h["Type"] == hook["Type"]) >= MAX_PER_TYPE:
        raise Cin7Error(f"There is a limit of {MAX_PER_TYPE} webhooks of the same type.")


def get(store):
    return jsonify({"Webhooks": _hooks(store)})


def post(store):
    body = request.get_json(silent=True, force=True) or {}
    hook = {"ID": new_id(), "Name": body.get("Type", ""), "IsActive": True,
            "ExternalHeaders": [], **{k: body[k] for k in FIELDS if k in body}}
    _validate(hook, _hooks(store))
    _hooks(store).append(hook)
    # changes from now on are delivered
    store.setdefault("webhooks_seen", max((c["LastModifiedOn"] or "" for c in
                                           store["customers"].values()), default=""))
    watch(state.current())
    return jsonify({"Webhooks": [hook]})


def put(store):
    body = request.get_json(silent=True, force=True) or {}
    hook = next((h for h in _hooks(store) if h["ID"] == body.get("ID")), None)
    if hook is None:
        raise Cin7Error(f"Webhook {body.get('ID')} not found.", status=404, code=404)
    changed = {**hook, **{k: body[k] for k in FIELDS if k in body}}
    _validate(changed, [h for h in _hooks(store) if h is not hook])
    hook.update(changed)
    return jsonify({"Webhooks": [hook]})


def delete(store):
    wanted = request.args.get("ID", "")
    store["webhooks"] = [h for h in _hooks(store) if h["ID"] != wanted]
    return jsonify({"Webhooks": []})


ROUTES = {"GET": get, "POST": post, "PUT": put, "DELETE": delete}


def watch(sandbox):
    """Start the sandbox's change watcher once (it ends when the server shuts down)."""
    with sandbox.lock:
        if getattr(sandbox, "cin7_watcher", None) is None:
            sandbox.cin7_watcher = threading.Thread(target=_watch, args=(sandbox,),
                                                    name="cin7-webhooks", daemon=True)
            sandbox.cin7_watcher.start()


def _watch(sandbox):
    while not sandbox.wake.wait(POLL):
        with sandbox.lock:
            store = sandbox.data.get("cin7") or {}
            seen = store.get("webhooks_seen")
            hooks = [dict(h) for h in _hooks(store)
                     if h["IsActive"] and h["Type"] == "Customer/Updated"]
            if seen is None or not hooks:
                continue
            changed = [copy.deepcopy(c) for c in store["customers"].values()
                       if (c["LastModifiedOn"] or "") > seen]
            if changed:
                store["webhooks_seen"] = max(c["LastModifiedOn"] for c in changed)
            delay = float(sandbox.options.get("cin7_webhook_delay", 60))
        for customer in changed:
            for hook in hooks:
                threading.Thread(target=_deliver, args=(sandbox, store, hook, customer, delay),
                                 daemon=True).start()


def payload(customer):
    """The Customer/Updated body: the customer, its addresses and contacts."""
    header = {k: v for k, v in customer.items() if k not in ("Addresses", "Contacts")}
    return {"NumberOfCustomers": 1,
            "CustomerDetailsList": [{"Customer": header, "Addresses": customer["Addresses"],
                                     "Contacts": customer["Contacts"]}],
            "EventType": "Customer/Updated"}


def _deliver(sandbox, store, hook, customer, delay):
    if sandbox.wake.wait(delay):
        return
    headers = {h["Key"]: h["Value"] for h in hook.get("ExternalHeaders") or []}
    auth = None
    if hook["ExternalAuthorizationType"] == "basicauth":
        auth = (hook.get("ExternalUserName") or "", hook.get("ExternalPassword") or "")
    elif hook["ExternalAuthorizationType"] == "bearerauth":
        headers["Authorization"] = f"Bearer {hook.get('ExternalBearerToken') or ''}"
    try:
        status = requests.post(hook["ExternalURL"], json=payload(customer), auth=auth,
                               headers=headers, timeout=10).status_code
    except requests.RequestException as exc:
        status = exc.__class__.__name__
    with sandbox.lock:
        store.setdefault("deliveries", []).append(
            {"at": clock.now_iso(), "webhook": hook["ID"], "type": hook["Type"],
             "customer": customer["ID"], "status": status})
