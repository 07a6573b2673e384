"""Capsule opportunities, pipelines and milestones.

    GET|POST /opportunities[?since=]   GET|PUT|DELETE /opportunities/{id}   GET /opportunities/{ids}
    POST /opportunities/filters/results   GET /opportunities/deleted?since=
    GET /parties/{id}/opportunities
    POST|DELETE /opportunities/{id}/parties/{partyId} (additional contacts: 204; again 422;
    missing 404)   GET /opportunities/{id}/parties
    GET /pipelines   GET /pipelines/{id}/milestones   GET /milestones   GET /milestones/all
    GET /milestones/{id}

Rules from crms.md §B.4: `party`, `name` and `milestone` required (a PUT with party null is
refused); probability defaults to the milestone's; a complete milestone (won at 100 %, lost at
0 %) closes the opportunity (`closedOn`), moving back to an open one reopens it. No products.
"""

import datetime

from flask import Blueprint, jsonify, request

from sandbox import capsule_fields, capsule_filters, capsule_hooks, state
from sandbox.capsule_base import (
    answer,
    body_of,
    by_ids,
    changed_since,
    embeds,
    invalid,
    next_id,
    not_found,
    now,
    paged,
    since_arg,
    stamp,
    store,
)

bp = Blueprint("capsule_opportunities", __name__)
PIPELINES = [{"id": 1, "name": "Sales"}]
# (id, name, probability, complete, days until stale) in display order
MILESTONES = [(11, "New", 10, False, 30), (12, "Qualified", 25, False, 30),
              (13, "Proposal", 50, False, 21), (14, "Negotiation", 75, False, 14),
              (15, "Won", 100, True, None), (16, "Lost", 0, True, None)]
BASES = ("FIXED", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR")


def fresh_milestones():
    pipeline = PIPELINES[0]
    return {m[0]: {"id": m[0], "name": m[1], "description": None, "probability": m[2],
                   "complete": m[3], "daysUntilStale": m[4], "displayOrder": n,
                   "pipeline": dict(pipeline)} for n, m in enumerate(MILESTONES, 1)}


def render(data, opp):
    party = data["parties"].get(opp["_party"]) or {}
    milestone = data["milestones"][opp["_milestone"]]
    brief = {"id": party.get("id"), "type": party.get("type"), "pictureURL": party.get("pictureURL")}
    brief |= ({"name": party.get("name")} if party.get("type") == "organisation" else
              {"firstName": party.get("firstName"), "lastName": party.get("lastName")})
    out = {"id": opp["id"], "createdAt": opp["createdAt"], "updatedAt": opp["updatedAt"],
           "party": brief, "name": opp["name"], "description": opp["description"],
           "owner": opp["owner"], "team": None,
           "milestone": {"id": milestone["id"], "name": milestone["name"]},
           "lastOpenMilestone": opp["lastOpenMilestone"], "value": dict(opp["value"]),
           **{k: opp[k] for k in ("expectedCloseOn", "probability", "durationBasis", "duration",
                                  "closedOn", "lostReason", "lastStageChangedAt")}}
    if "fields" in embeds():
        out["fields"] = capsule_fields.read(data, "opportunities", opp)
    if "tags" in embeds():
        out["tags"] = []
    return out


def _answer(data, opp, status=200):
    return answer("opportunity", render(data, opp), opp["id"], status)


@bp.get("/opportunities")
def list_opportunities():
    data = store()
    return paged("opportunities", changed_since(data["opportunities"].values(), since_arg()),
                 lambda o: render(data, o))


@bp.get("/opportunities/<ids>")
def get_opportunities(ids):
    data = store()
    return by_ids(data["opportunities"], ids, "opportunity", lambda o: render(data, o))


@bp.post("/opportunities")
def create_opportunity():
    data, item = store(), body_of("opportunity")
    for key in ("party", "name", "milestone"):
        if not item.get(key):
            raise invalid("opportunity", key, f"{key} is required")
    at = now(data)
    opp = {"id": next_id(data), "createdAt": stamp(at), "name": "", "description": None,
           "owner": data["user"]["public"], "_party": None, "_milestone": None,
           "lastOpenMilestone": None, "value": {"amount": 0.0, "currency": data["currency"]},
           "expectedCloseOn": None, "probability": None, "durationBasis": "FIXED",
           "duration": None, "closedOn": None, "lostReason": None, "lastStageChangedAt": None,
           "_fields": {}}
    _apply(data, opp, item)
    capsule_fields.touch(opp, data)
    data["opportunities"][opp["id"]] = opp
    state.current().count_records("capsule")
    capsule_hooks.notify(data, "opportunity/created", lambda _: render(data, opp))
    return _answer(data, opp, 201)


@bp.put("/opportunities/<int:opp_id>")
def update_opportunity(opp_id):
    data = store()
    opp = data["opportunities"].get(opp_id)
    if opp is None:
        raise not_found()
    draft = {**opp, "_fields": dict(opp["_fields"]), "value": dict(opp["value"])}
    _apply(data, draft, body_of("opportunity"))
    moved, closed = draft["_milestone"] != opp["_milestone"], draft["closedOn"] and not \
        opp["closedOn"]
    opp.update(draft)
    capsule_fields.touch(opp, data)
    state.current().count_records("capsule")
    for event, happened in (("updated", True), ("moved", moved), ("closed", closed)):
        if happened:
            capsule_hooks.notify(data, f"opportunity/{event}", lambda _: render(data, opp))
    return _answer(data, opp)


def _apply(data, opp, item):
    if "party" in item:
        ref = item["party"]
        party_id = ref.get("id") if isinstance(ref, dict) else ref
        if party_id is None:
            raise invalid("opportunity", "party", "party is required")
        if _int(party_id) not in data["parties"]:
            raise invalid("opportunity", "party", f"party {party_id} does not exist")
        opp["_party"] = _int(party_id)
    if "name" in item:
        if not str(item["name"] or "").strip():
            raise invalid("opportunity", "name", "name is required")
        opp["name"] = str(item["name"]).strip()
    if "description" in item:
        opp["description"] = item["description"]
    if "value" in item:
        opp["value"] = _value(data, item["value"], opp["value"])
    for key in ("expectedCloseOn", "closedOn"):
        if item.get(key) is not None:
            opp[key] = _date(item[key], key)
    if "durationBasis" in item:
        if item["durationBasis"] not in BASES:
            raise invalid("opportunity", "durationBasis", f"must be one of {', '.join(BASES)}")
        opp["durationBasis"] = item["durationBasis"]
    if "duration" in item:
        opp["duration"] = item["duration"]
    if "lostReason" in item:
        opp["lostReason"] = item["lostReason"]
    if "milestone" in item:
        _move(data, opp, item["milestone"], item)
    elif "probability" in item:
        opp["probability"] = _probability(item["probability"])
    capsule_fields.write(data, "opportunities", opp, item.get("fields"))


def _move(data, opp, ref, item):
    """Put `opp` on a milestone: its probability, and closed or reopened with it."""
    milestone_id = ref.get("id") if isinstance(ref, dict) else ref
    milestone = data["milestones"].get(_int(milestone_id))
    if milestone is None:
        raise invalid("opportunity", "milestone", f"milestone {milestone_id} does not exist")
    if opp["_milestone"] != milestone["id"]:
        opp["lastStageChangedAt"] = stamp(now(data))
    opp["_milestone"] = milestone["id"]
    opp["probability"] = (_probability(item["probability"]) if "probability" in item
                          else milestone["probability"])
    if milestone["complete"]:
        opp["closedOn"] = opp["closedOn"] or now(data).date().isoformat()
    else:
        opp["closedOn"], opp["lostReason"] = None, None
        opp["lastOpenMilestone"] = {"id": milestone["id"], "name": milestone["name"]}


def _value(data, value, old):
    if not isinstance(value, dict):
        raise invalid("opportunity", "value", "value must be an object {amount, currency}")
    try:
        amount = float(value.get("amount", old["amount"]) or 0)
    except (TypeError, ValueError):
        raise invalid("opportunity", "value", "amount must be a number") from None
    currency = value.get("currency") or old["currency"] or data["currency"]
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        raise invalid("opportunity", "value", f"unknown currency {currency!r}")
    return {"amount": amount, "currency": currency.upper()}


def _date(text, key):
    try:
        return datetime.date.fromisoformat(str(text)).isoformat()
    except ValueError:
        raise invalid("opportunity", key, f"{key} must be a date (YYYY-MM-DD)") from None


def _probability(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= 100:
        raise invalid("opportunity", "probability", "probability must be between 0 and 100")
    return number


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.delete("/opportunities/<int:opp_id>")
def delete_opportunity(opp_id):
    data = store()
    if data["opportunities"].pop(opp_id, None) is None:
        raise not_found()
    at = now(data)
    data["deleted"]["opportunities"].append({"id": opp_id, "deletedAt": stamp(at), "_at": at})
    state.current().count_records("capsule")
    return "", 204


@bp.post("/opportunities/filters/results")
def filter_opportunities():
    data = store()
    match = capsule_filters.matcher(data, "opportunities", request.get_json(silent=True))
    items = [o for o in sorted(data["opportunities"].values(), key=lambda o: o["id"]) if match(o)]
    return paged("opportunities", items, lambda o: render(data, o))


@bp.get("/opportunities/deleted")
def deleted_opportunities():
    data, since = store(), since_arg(required=True)
    items = [{"id": d["id"], "deletedAt": d["deletedAt"]}
             for d in data["deleted"]["opportunities"] if d["_at"] > since]
    return paged("opportunities", items, dict)


@bp.get("/parties/<int:party_id>/opportunities")
def opportunities_of(party_id):
    data = store()
    if party_id not in data["parties"]:
        raise not_found()
    items = [o for o in sorted(data["opportunities"].values(), key=lambda o: o["id"])
             if o["_party"] == party_id]
    return paged("opportunities", items, lambda o: render(data, o))


@bp.post("/opportunities/<int:opp_id>/parties/<int:party_id>")
def add_party(opp_id, party_id):
    """An additional contact: 204; the main party or one added before -> 422 (§B.8)."""
    data = store()
    opp = data["opportunities"].get(opp_id) or _raise(not_found())
    if party_id not in data["parties"]:
        raise not_found()
    extra = opp.setdefault("_parties", [])
    if party_id in extra or party_id == opp["_party"]:
        raise invalid("opportunity", "party", "party is already a contact for this opportunity")
    extra.append(party_id)
    return "", 204


@bp.delete("/opportunities/<int:opp_id>/parties/<int:party_id>")
def remove_party(opp_id, party_id):
    data = store()
    opp = data["opportunities"].get(opp_id) or _raise(not_found())
    if party_id not in opp.get("_parties", []):
        raise not_found()
    opp["_parties"].remove(party_id)
    return "", 204


@bp.get("/opportunities/<int:opp_id>/parties")
def additional_parties(opp_id):
    data = store()
    opp = data["opportunities"].get(opp_id) or _raise(not_found())
    from_store = [data["parties"][i] for i in opp.get("_parties", []) if i in data["parties"]]
    return paged("parties", from_store, lambda p: {"id": p["id"], "type": p["type"],
                                                   "name": p.get("name"),
                                                   "firstName": p.get("firstName"),
                                                   "lastName": p.get("lastName")})


def _raise(exc):
    raise exc


@bp.get("/pipelines")
def pipelines():
    return paged("pipelines", PIPELINES, dict)


@bp.get("/pipelines/<int:pipeline_id>/milestones")
@bp.get("/milestones")
@bp.get("/milestones/all")
def milestones(pipeline_id=None):
    items = [m for m in sorted(store()["milestones"].values(), key=lambda m: m["displayOrder"])
             if pipeline_id is None or m["pipeline"]["id"] == pipeline_id]
    if pipeline_id is not None and not items:
        raise not_found()
    return paged("milestones", items, dict)


@bp.get("/milestones/<int:milestone_id>")
def milestone(milestone_id):
    found = store()["milestones"].get(milestone_id)
    if found is None:
        raise not_found()
    return jsonify({"milestone": found})
