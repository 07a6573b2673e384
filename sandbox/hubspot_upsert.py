"""POST /crm/v3/objects/{type}/batch/upsert: create or update by a unique property.

By e-mail (contacts) HubSpot has no partial upserts: one bad input fails the batch with 400.
By a custom unique property, bad inputs are reported one by one (207).
"""

from flask import Blueprint, jsonify, request

from sandbox import clock, hubspot_schema, hubspot_store, state
from sandbox.hubspot_errors import HubSpotError, inputs_of, json_body, validation

bp = Blueprint("upsert", __name__, url_prefix="/crm/v3/objects/<object_type>")


def _id_property(hs, kind, name):
    if name not in hubspot_store.unique_properties(hs, kind):
        type_id = hubspot_schema.TYPES[kind][0]
        raise validation(f"Unable to perform update/upsert by non-unique {type_id} property "
                         f"{name or 'hs_object_id'} in portal ID {hs['portal_id']}")
    return name


def _key(name, value):
    return str(value).lower() if name == "email" else str(value)


def _prepare(hs, kind, item, id_property, claimed):
    if not isinstance(item, dict) or item.get("id") in (None, ""):
        raise validation("Each input needs an id (the value of the idProperty)")
    values = hubspot_store.clean_properties(
        hs, kind, {**(item.get("properties") or {}), id_property: item["id"]})
    existing = hubspot_store.find(hs, kind, item["id"], id_property)
    hubspot_store.check_unique(hs, kind, values, own_id=existing and existing["id"],
                               claimed=claimed)
    return existing, values


@bp.post("/batch/upsert")
def batch_upsert(object_type):
    hs = state.data("hubspot")
    kind = hubspot_schema.object_type(request.view_args["object_type"])
    body = json_body()
    inputs = inputs_of(body, 100)
    names = [_id_property(hs, kind, (i or {}).get("idProperty") or body.get("idProperty"))
             for i in inputs]
    keys = [_key(n, (i or {}).get("id")) for n, i in zip(names, inputs, strict=True)]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise validation(f"Duplicate IDs found in batch input: {duplicates}. IDs must be unique")
    all_or_nothing = "email" in names
    claimed, ready, errors = set(), [], []
    for name, item in zip(names, inputs, strict=True):
        try:
            ready.append((item, *_prepare(hs, kind, item, name, claimed)))
        except HubSpotError as exc:
            if all_or_nothing:
                raise
            error = exc.standard(item.get("objectWriteTraceId"))
            error["context"].setdefault("ids", [str(item.get("id"))])
            errors.append(error)
    results = []
    for item, existing, values in ready:
        if existing:
            record = hubspot_store.update(hs, kind, existing, values)
        else:
            record = hubspot_store.create(hs, kind, values)
        state.current().count_records("hubspot")
        result = hubspot_store.render(hs, kind, record, everything=True) | {"new": not existing}
        if "objectWriteTraceId" in item:
            result["objectWriteTraceId"] = str(item["objectWriteTraceId"])
        results.append(result)
    now = clock.now_iso()
    body = {"status": "COMPLETE", "results": results, "requestedAt": now, "startedAt": now,
            "completedAt": now}
    if errors:
        body |= {"numErrors": len(errors), "errors": errors}
    return jsonify(body), 207 if errors else 200
