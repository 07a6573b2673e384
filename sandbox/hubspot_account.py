"""HubSpot portal settings: account info and API usage, owners, the deals pipelines."""

import datetime
import zoneinfo

from flask import Blueprint, jsonify, request

from sandbox import clock, hubspot_schema, state
from sandbox.hubspot_errors import not_found, validation

bp = Blueprint("account", __name__)
PORTAL_ID, APP_ID = 5678, 1234
TIME_ZONE = "US/Eastern"
# Three owners match Cin7 sales reps in seed.SALES_REPS; Jordan Blake matches none.
OWNERS = [("Olivia", "Bennett"), ("Marcus", "Reid"), ("Priya", "Shah"), ("Jordan", "Blake")]
STAGES = [("appointmentscheduled", "Appointment Scheduled", "0.2"),
          ("qualifiedtobuy", "Qualified To Buy", "0.4"),
          ("presentationscheduled", "Presentation Scheduled", "0.6"),
          ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8"),
          ("contractsent", "Contract Sent", "0.9"),
          ("closedwon", "Closed Won", "1.0"),
          ("closedlost", "Closed Lost", "0.0")]
EPOCH = "1970-01-01T00:00:00Z"  # default pipelines and stages report createdAt = 0
# A pipeline the portal's admin added: HubSpot gives custom pipelines and their stages numeric
# ids, so a client that assumes the default's word ids breaks here.
WHOLESALE_ID, WHOLESALE_CREATED = "7331956", "2024-03-11T15:02:44.512Z"
WHOLESALE_STAGES = [("15486321", "Order Requested", "0.3"), ("15486322", "Terms Agreed", "0.6"),
                    ("15486323", "Sent to Cin7", "0.9"), ("15486324", "Won", "1.0"),
                    ("15486325", "Lost", "0.0")]


def _zone():
    try:
        return zoneinfo.ZoneInfo(TIME_ZONE)
    except zoneinfo.ZoneInfoNotFoundError:
        return datetime.UTC


def today():
    """The portal's current date: HubSpot's daily limit resets at the portal's midnight."""
    return clock.now().astimezone(_zone()).date()


def owners():
    return [{"id": str(52510531 + i), "type": "PERSON",
             "email": f"{first.lower()}.{last.lower()}@harbourside.example",
             "firstName": first, "lastName": last, "userId": 9100001 + i,
             "userIdIncludingInactive": 9100001 + i, "createdAt": "2023-05-02T14:11:52.318Z",
             "updatedAt": "2024-02-19T09:30:04.120Z", "archived": False,
             "teams": [{"id": "401991", "name": "Wholesale", "primary": True}]}
            for i, (first, last) in enumerate(OWNERS)]


def stage_options():
    """dealstage's options: every stage of every pipeline."""
    every = [(s["id"], s["label"]) for p in pipelines() for s in p["stages"]]
    return [hubspot_schema.option(stage_id, label, i) for i, (stage_id, label) in enumerate(every)]


def pipeline_options():
    return [hubspot_schema.option(p["id"], p["label"], p["displayOrder"]) for p in pipelines()]


def _stages(rows, created):
    # A stage is closed when its probability is 0 or 1 (won or lost), as HubSpot's are.
    return [{"id": stage_id, "label": label, "displayOrder": i, "archived": False,
             "createdAt": created, "updatedAt": created,
             "metadata": {"isClosed": str(probability in ("0.0", "1.0")).lower(),
                          "probability": probability},
             "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT"}
            for i, (stage_id, label, probability) in enumerate(rows)]


def pipelines():
    return [{"id": "default", "label": "Sales Pipeline", "displayOrder": 0, "archived": False,
             "createdAt": EPOCH, "updatedAt": EPOCH, "stages": _stages(STAGES, EPOCH)},
            {"id": WHOLESALE_ID, "label": "Wholesale", "displayOrder": 1, "archived": False,
             "createdAt": WHOLESALE_CREATED, "updatedAt": WHOLESALE_CREATED,
             "stages": _stages(WHOLESALE_STAGES, WHOLESALE_CREATED)}]


@bp.get("/account-info/v3/details")
def details():
    offset = clock.now().astimezone(_zone()).utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return jsonify({
        "portalId": PORTAL_ID, "accountType": "STANDARD", "timeZone": TIME_ZONE,
        "companyCurrency": "USD", "additionalCurrencies": ["GBP", "EUR", "AUD", "NZD", "CAD"],
        "utcOffset": f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}",
        "utcOffsetMilliseconds": minutes * 60_000, "uiDomain": "app.hubspot.com",
        "dataHostingLocation": "na1"})


@bp.get("/account-info/v3/api-usage/daily/private-apps")
def api_usage():
    daily = state.data("hubspot")["daily"]
    midnight = datetime.datetime.combine(today() + datetime.timedelta(days=1), datetime.time(),
                                         _zone())
    return jsonify({"results": [{
        "name": "private-apps-api-calls-daily", "usageLimit": daily.limit,
        "currentUsage": daily.count, "collectedAt": clock.now_iso(), "fetchStatus": "SUCCESS",
        "resetsAt": clock.iso(midnight)}]})


@bp.get("/crm/v3/owners")
def list_owners():
    people = state.data("hubspot")["owners"]
    if request.args.get("email"):
        people = [o for o in people if o["email"].lower() == request.args["email"].lower()]
    if request.args.get("archived", "false").lower() == "true":
        people = []
    limit = min(max(int(request.args.get("limit", 100)), 1), 500)
    start = int(request.args.get("after") or 0)
    body = {"results": people[start:start + limit]}
    if start + limit < len(people):
        body["paging"] = {"next": {"after": str(start + limit),
                                   "link": f"?after={start + limit}"}}
    return jsonify(body)


@bp.get("/crm/v3/owners/<owner_id>")
def read_owner(owner_id):
    field = "userId" if request.args.get("idProperty") == "userId" else "id"
    for owner in state.data("hubspot")["owners"]:
        if str(owner[field]) == owner_id:
            return jsonify(owner)
    raise not_found(f"Owner {owner_id} not found")


def _pipelines(object_type):
    kind = hubspot_schema.object_type(object_type)
    if kind != "deals":
        raise validation(f"Pipelines are not supported for {object_type} in this sandbox")
    return state.data("hubspot")["pipelines"]


def _pipeline(object_type, pipeline_id):
    found = next((p for p in _pipelines(object_type) if p["id"] == pipeline_id), None)
    if found is None:
        raise not_found(f"Pipeline {pipeline_id} not found")
    return found


@bp.get("/crm/v3/pipelines/<object_type>")
def list_pipelines(object_type):
    return jsonify({"results": _pipelines(object_type)})


@bp.get("/crm/v3/pipelines/<object_type>/<pipeline_id>")
def read_pipeline(object_type, pipeline_id):
    return jsonify(_pipeline(object_type, pipeline_id))


@bp.get("/crm/v3/pipelines/<object_type>/<pipeline_id>/stages")
def list_stages(object_type, pipeline_id):
    return jsonify({"results": _pipeline(object_type, pipeline_id)["stages"]})


@bp.patch("/crm/v3/pipelines/<object_type>/<pipeline_id>/stages/<stage_id>")
def update_stage(object_type, pipeline_id, stage_id):
    """Rename or reorder a stage, as an admin does in HubSpot's settings (metadata required)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("metadata"), dict):
        raise validation("Invalid input JSON: metadata is required")
    stage = next((s for s in _pipeline(object_type, pipeline_id)["stages"]
                  if s["id"] == stage_id), None)
    if stage is None:
        raise not_found(f"Stage {stage_id} not found")
    with state.current().lock:
        for field in ("label", "displayOrder", "archived"):
            if field in body:
                stage[field] = body[field]
        stage["metadata"] = {**stage.get("metadata", {}), **{k: str(v) for k, v in
                                                             body["metadata"].items()}}
        stage["updatedAt"] = clock.now_iso()
    return jsonify(stage)
