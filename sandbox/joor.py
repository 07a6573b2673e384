"""JOOR API v2 connections and bulk-connection jobs, served under /joor/v2/.

Like the real service as far as it is documented (../shared/notes/inventory_apis.md §C):
- auth `Authorization: OAuth2 <base64 token>`; every answer wrapped as
  {"<root>": {"response": {"code": 0, "comment": ...}, "<root>": [...]}};
- GET connection/ paged by start_from / count -> next_start; GET connection/customer_code/<c>/;
- POST bulk-connection starts a job that moves queued -> started -> finished over time
  (joor_job_seconds per step), processed first in, first out; on finishing it upserts each
  connection by customer_code, or lists why it refused it;
- a new connection waits joor_match_seconds for JOOR's staff, then is "connected" (or
  "rejected" when its name holds a word of joor_unmatchable);
- 300 credits per fixed 300-second window from the first call (GET 1, writes 5), 429 beyond.
Seeded from the sandbox's Cin7 customers with noise (sandbox/joor_data.py).

Inspection for tests, no auth or limit: GET /joor/_sandbox/connections, GET
/joor/_sandbox/jobs, POST /joor/_sandbox/advance {"seconds": n} (moves JOOR's clock on).
"""

import base64

from flask import Blueprint, jsonify, request

from sandbox import clock, faults, joor_data, seed, state

blueprint = Blueprint("joor", __name__, url_prefix="/joor")
OPTIONS = {"joor_token": "joor-sandbox-token", "joor_credits": 300, "joor_window_seconds": 300,
           "joor_share": 0.5, "joor_extra": 0.1, "joor_code_share": 0.1, "joor_doubtful": 3,
           "joor_job_seconds": 2.0, "joor_match_seconds": 72 * 3600, "joor_page_max": 100,
           "joor_unmatchable": ["test", "sample"]}
DEFAULT_COUNT = 50
FIELDS = ("customer_code", "customer_alias", "customer_contact_name", "customer_contact_email",
          "customer_buyer_name", "customer_group_code", "sales_rep_code", "billing")


def fresh(options):
    """JOOR's data for one reset: connections derived from the Cin7 seed, no jobs."""
    opts = {k: options.get(k, v) for k, v in OPTIONS.items()}
    customers = (seed.load_customers(options["data"], options["seed"]) if options.get("data")
                 else seed.generate_customers(int(options.get("customers", 50)), options["seed"]))
    connections = joor_data.generate(customers, options["seed"], opts["joor_share"],
                                      opts["joor_extra"], opts["joor_code_share"],
                                      opts["joor_doubtful"])
    for item in connections:
        item["connection_status"], item["status_comment"] = "connected", None
    return {"options": opts, "connections": {c["customer_code"]: c for c in connections},
            "jobs": {}, "next_job": 1, "next_account": 900000, "offset": 0.0,
            "window_start": None, "used": 0}


def now(store):
    return clock.now().timestamp() + store["offset"]


def envelope(root, key=None, items=None, status=200, code=0, comment=None, **paging):
    """{root: {"response": {code, comment, paging, log_id}, key: items}}, status."""
    body = {"response": {"code": code, "comment": comment, **paging, "log_id": "sandbox"}}
    if key:
        body[key] = items if items is not None else []
    return jsonify({root: body}), status


def _authorised(store):
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    try:
        token = base64.b64decode(value.strip(), validate=True).decode()
    except ValueError:
        return False
    return scheme.lower() == "oauth2" and token == store["options"]["joor_token"]


def _charge(store):
    """Take this call's credits from the fixed window; False when they are not there."""
    credits, seconds = store["options"]["joor_credits"], store["options"]["joor_window_seconds"]
    if not credits:
        return True
    at = now(store)
    if store["window_start"] is None or at >= store["window_start"] + seconds:
        store["window_start"], store["used"] = at, 0
    cost = 1 if request.method == "GET" else 5
    if store["used"] + cost > credits:
        return False
    store["used"] += cost
    return True


def _throttled(fault=None):
    response, status = envelope("error", status=429, code=429,
                                comment="Rate limit exceeded: 300 credits per 300 seconds")
    response.headers["X-Throttling-Account-Id"] = "sandbox-brand"
    return response, status


def _server_error(fault, status):
    return envelope("error", status=status, code=status, comment="Internal server error")


@blueprint.route("/v2/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
def dispatch(rest):
    """Every JOOR call: faults, auth, credits, then the endpoint."""
    sandbox = state.current()
    fault = faults.take(sandbox, "joor", request.path) if "joor" in sandbox.systems else None
    if fault:
        forced = faults.apply(sandbox, fault, _throttled, _server_error)
        if forced is not None:
            return forced
    state.hold_lock()
    store = state.data("joor")
    if not _authorised(store):
        return envelope("error", status=401, code=401, comment="Invalid or missing API token")
    if not _charge(store):
        return _throttled()
    advance(store)
    parts = [p for p in rest.lower().split("/") if p]
    if parts == ["connection"] and request.method == "GET":
        return list_connections(store)
    if parts[:2] == ["connection", "customer_code"] and len(parts) == 3:
        return one_connection(store, rest.strip("/").split("/")[2])
    if parts == ["bulk-connection"] and request.method == "POST":
        return start_job(store)
    if parts[:1] == ["bulk-connection"] and len(parts) == 2 and request.method == "GET":
        job = store["jobs"].get(parts[1])
        if job is None:
            return envelope("bulk_connections", status=404, code=404,
                            comment=f"Job {parts[1]} not found")
        return envelope("bulk_connections", "bulk_connections_jobs", [job_view(job)])
    return envelope("error", status=404, code=404, comment=f"Unknown resource {request.path}")


def _public(item):
    return {k: v for k, v in item.items() if not k.startswith("_")}


def list_connections(store):
    start = max(0, _int(request.args.get("start_from"), 0))
    count = min(max(1, _int(request.args.get("count"), DEFAULT_COUNT)),
                store["options"]["joor_page_max"])
    items = sorted(store["connections"].values(), key=lambda c: c["customer_code"])
    page = items[start:start + count]
    following = start + len(page) if start + len(page) < len(items) else None
    return envelope("connections", "connections", [_public(c) for c in page],
                    start_from=start, next_start=following, count=len(page))


def one_connection(store, code):
    item = store["connections"].get(code)
    if item is None:
        return envelope("connections", "connections", [], 404, 404,
                        f"No connection with customer code {code}")
    return envelope("connections", "connections", [_public(item)], start_from=0,
                    next_start=None, count=1)


def _int(text, default):
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def start_job(store):
    """Queue a bulk-connection job; its records are applied when it finishes."""
    body = request.get_json(silent=True) or {}
    records = (body.get("bulk_connections") or {}).get("connection") if isinstance(body, dict) \
        else None
    if not isinstance(records, list) or not records:
        return envelope("bulk_connections", status=400, code=400,
                        comment="bulk_connections.connection must hold at least one connection")
    number = store["next_job"]
    store["next_job"] += 1
    at = now(store)
    job = {"id": number, "status": "queued", "records": records, "errors": [],
           "created": at, "modified": at, "finished_at": None}
    store["jobs"][str(number)] = job
    return envelope("bulk_connections", "bulk_connections_jobs", [job_view(job)])


def job_view(job):
    total = len(job["records"])
    done = {"queued": 0, "started": total // 2, "finished": total}[job["status"]]
    view = {"bulk_connections_job_id": job["id"], "status": job["status"],
            "created": clock.iso(clock.from_ms(job["created"] * 1000)),
            "modified": clock.iso(clock.from_ms(job["modified"] * 1000)),
            "connection_record_count": total, "connection_record_progress": done}
    if job["status"] == "finished":
        view["connection_record_errors"] = job["errors"]
    return view


def advance(store):
    """Move jobs and JOOR's staff on to the current time (jobs one at a time, in order)."""
    at, step, previous = now(store), store["options"]["joor_job_seconds"], 0.0
    for job in sorted(store["jobs"].values(), key=lambda j: j["id"]):
        if job["status"] == "finished":
            previous = job["finished_at"]
            continue
        started = max(job["created"] + step, previous)
        if at < started:
            break
        job["status"], job["modified"] = "started", started
        if at < started + step:
            break
        finish(store, job, started + step)
        previous = started + step
    for item in store["connections"].values():
        if item.get("connection_status") == "pending" and item.get("_match_at", at + 1) <= at:
            settle(store, item)


def _refusal(record):
    code, name = str(record.get("customer_code") or ""), record.get("customer_name")
    email = record.get("customer_contact_email") or ""
    if not code:
        return "customer_code is required"
    if len(code) > 50:
        return "customer_code is longer than 50 characters"
    if not name:
        return "customer_name is required"
    if email and "@" not in email:
        return f"customer_contact_email {email!r} is not a valid e-mail address"
    return None


def finish(store, job, at):
    """Apply a job's records: update by customer_code, or create a pending connection."""
    for record in job["records"]:
        reason = _refusal(record)
        if reason:
            job["errors"].append({"customer_code": record.get("customer_code"), "comment": reason})
            continue
        code = str(record["customer_code"])
        item = store["connections"].get(code)
        if item is None:
            item = {"customer_code": code, "customer_alias": record["customer_name"],
                    "customer_contact_name": record["customer_name"], "customer_account_id": None,
                    "connection_status": "pending", "status_comment": None, "_source": None,
                    "_created_by_job": job["id"], "_updated_by_jobs": [],
                    "_match_at": at + store["options"]["joor_match_seconds"]}
            store["connections"][code] = item
        else:
            item.setdefault("_updated_by_jobs", []).append(job["id"])
        item.update({k: record[k] for k in FIELDS if k in record and k != "customer_code"})
        if "customer_alias" not in record:  # the name "as it is intended to be displayed"
            item["customer_alias"] = record["customer_name"]
    job["status"], job["modified"], job["finished_at"] = "finished", at, at


def settle(store, item):
    """JOOR's staff looked at a new connection: matched to a retailer, or not."""
    name = (item.get("customer_alias") or "").lower()
    if any(word in name.split() for word in store["options"]["joor_unmatchable"]):
        item["connection_status"] = "rejected"
        item["status_comment"] = "No retailer matches this customer; check the name and address"
        return
    store["next_account"] += 7
    item["connection_status"], item["customer_account_id"] = "connected", store["next_account"]


@blueprint.get("/_sandbox/connections")
def inspect_connections():
    with state.current().lock:
        store = state.data("joor")
        advance(store)
        return jsonify(sorted(store["connections"].values(), key=lambda c: c["customer_code"]))


@blueprint.get("/_sandbox/jobs")
def inspect_jobs():
    with state.current().lock:
        store = state.data("joor")
        advance(store)
        return jsonify([{**job_view(j), "records": j["records"]}
                        for j in sorted(store["jobs"].values(), key=lambda j: j["id"])])


@blueprint.post("/_sandbox/advance")
def advance_clock():
    """Move JOOR's clock on by {"seconds": n}: jobs, matching and the credit window follow."""
    seconds = float((request.get_json(silent=True) or {}).get("seconds", 0))
    with state.current().lock:
        store = state.data("joor")
        store["offset"] += seconds
        advance(store)
        return jsonify({"offset": store["offset"]})
