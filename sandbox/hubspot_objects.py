"""HubSpot CRM v3 object endpoints: list, read, create, update, archive, and the batches."""

from flask import Blueprint, jsonify, request

from sandbox import clock, hubspot_associations, hubspot_schema, hubspot_store, state
from sandbox.hubspot_errors import HubSpotError, inputs_of, json_body, not_found, validation

bp = Blueprint("objects", __name__, url_prefix="/crm/v3/objects/<object_type>")
BATCH_LIMIT = 100
HISTORY_LIMIT = 50


def _context():
    return state.data("hubspot"), hubspot_schema.object_type(request.view_args["object_type"])


def _counted(n=1):
    state.current().count_records("hubspot", n)


def _batch_response(results, errors, ok_status=200):
    now = clock.now_iso()
    body = {"status": "COMPLETE", "results": results, "requestedAt": now, "startedAt": now,
            "completedAt": now}
    if errors:
        body |= {"numErrors": len(errors), "errors": errors}
    return jsonify(body), 207 if errors else ok_status


def _plan_associations(hs, kind, associations):
    """[(to kind, to id, type id)] for the `associations` of a create input; 400 if invalid."""
    plan = []
    for item in associations or []:
        to_id = str(((item or {}).get("to") or {}).get("id", ""))
        for spec in (item or {}).get("types") or []:
            try:
                type_id = int(spec.get("associationTypeId"))
            except (TypeError, ValueError, AttributeError):
                raise validation("associationTypeId must be an integer") from None
            to_kind = next((pair[1] for pair, types in hubspot_associations.PAIRS.items()
                            if pair[0] == kind and type_id in types), None)
            if to_kind is None:
                raise hubspot_associations.invalid(kind, None, type_id, to_id)
            if hubspot_store.find(hs, to_kind, to_id) is None:
                upper = hubspot_schema.TYPES[to_kind][1]
                raise validation("One or more associations are invalid", context={
                    "INVALID_OBJECT_IDS": [f"{upper}={to_id} is not valid"]})
            plan.append((to_kind, to_id, type_id))
    return plan


def _prepare_create(hs, kind, item, claimed):
    if not isinstance(item, dict):
        raise validation("Each input must be an object")
    values = hubspot_store.clean_properties(hs, kind, item.get("properties") or {})
    if kind == "deals":
        missing = [n for n in ("dealname", "dealstage") if not values.get(n)]
        if missing:
            raise validation(f"Missing required properties: {missing}", errors=[
                {"message": f"{n} is required", "code": "REQUIRED_PROPERTY",
                 "context": {"propertyName": [n]}} for n in missing])
    hubspot_store.check_unique(hs, kind, values, claimed=claimed)
    return values, _plan_associations(hs, kind, item.get("associations"))


def _commit_create(hs, kind, values, plan):
    record = hubspot_store.create(hs, kind, values)
    for to_kind, to_id, type_id in plan:
        hubspot_associations.add(hs, kind, record["id"], to_kind, to_id, type_id)
    _counted()
    return record


@bp.get("")
def list_objects(object_type):
    hs, kind = _context()
    try:
        limit = min(max(int(request.args.get("limit", 10)), 1), 100)  # HubSpot caps at 100
        after = int(request.args.get("after") or 0)
    except ValueError:
        raise validation("limit and after must be integers") from None
    archived = request.args.get("archived", "false").lower() == "true"
    records = sorted((r for r in hs["objects"][kind].values()
                      if r["archived"] == archived and int(r["id"]) >= after),
                     key=lambda r: int(r["id"]))
    names = hubspot_store.requested_properties(request.args)
    links = hubspot_store.requested_properties(request.args, "associations") or []
    results = []
    for record in records[:limit]:
        item = hubspot_store.render(hs, kind, record, names)
        view = hubspot_associations.v3_view(hs, kind, record["id"], links)
        results.append(item | ({"associations": view} if view else {}))
    body = {"results": results}
    if len(records) > limit:
        token = records[limit]["id"]  # the next page starts at this record id
        body["paging"] = {"next": {"after": token,
                                   "link": f"{request.base_url}?after={token}&limit={limit}"}}
    return jsonify(body)


@bp.post("")
def create_object(object_type):
    hs, kind = _context()
    values, plan = _prepare_create(hs, kind, json_body(), set())
    record = _commit_create(hs, kind, values, plan)
    return jsonify(hubspot_store.render(hs, kind, record, everything=True)), 201


def _lookup(hs, kind, object_id):
    id_property = request.args.get("idProperty")
    hubspot_store.check_id_property(hs, kind, id_property)
    record = hubspot_store.find(hs, kind, object_id, id_property)
    if record is None and request.args.get("archived", "").lower() == "true":
        found = hs["objects"][kind].get(object_id)
        record = found if found and found["archived"] else None
    if record is None:
        if not id_property and not object_id.isdigit():
            raise not_found("Object not found.  objectId are usually numeric.",
                            context={"id": [object_id]})
        raise not_found()
    return record


@bp.get("/<object_id>")
def read_object(object_type, object_id):
    hs, kind = _context()
    record = _lookup(hs, kind, object_id)
    item = hubspot_store.render(hs, kind, record, hubspot_store.requested_properties(request.args))
    links = hubspot_store.requested_properties(request.args, "associations") or []
    view = hubspot_associations.v3_view(hs, kind, record["id"], links)
    return jsonify(item | ({"associations": view} if view else {}))


@bp.patch("/<object_id>")
def update_object(object_type, object_id):
    hs, kind = _context()
    record = _lookup(hs, kind, object_id)
    values = hubspot_store.clean_properties(hs, kind, json_body().get("properties") or {})
    hubspot_store.check_unique(hs, kind, values, own_id=record["id"])
    hubspot_store.update(hs, kind, record, values)
    _counted()
    return jsonify(hubspot_store.render(hs, kind, record, everything=True))


@bp.delete("/<object_id>")
def archive_object(object_type, object_id):
    hs, kind = _context()
    record = hubspot_store.find(hs, kind, object_id)
    if record:
        hubspot_store.archive(hs, kind, record)
        hubspot_associations.remove_object(hs, kind, record["id"])
        _counted()
    return "", 204


def _ids_of(inputs):
    ids = [str((i or {}).get("id", "")) for i in inputs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise validation(f"Duplicate IDs found in batch input: {duplicates}. IDs must be unique")
    return ids


def _missing_error(kind, ids, trace_id=None):
    upper = hubspot_schema.TYPES[kind][1]
    context = {"ids": ids} | ({"objectWriteTraceId": [str(trace_id)]} if trace_id else {})
    return {"status": "error", "category": "OBJECT_NOT_FOUND",
            "message": f"Could not get some {upper} objects, they may be deleted or not exist. "
                       "Check that ids are valid.", "context": context, "errors": [], "links": {}}


@bp.post("/batch/read")
def batch_read(object_type):
    hs, kind = _context()
    body = json_body()
    inputs = inputs_of(body, BATCH_LIMIT)
    if body.get("propertiesWithHistory") and len(inputs) > HISTORY_LIMIT:
        raise validation("The maximum number of inputs supported in a batch request for "
                         f"property histories is {HISTORY_LIMIT}")
    id_property = body.get("idProperty")
    hubspot_store.check_id_property(hs, kind, id_property)
    names = hubspot_store.requested_properties(body)
    if id_property and names is not None and id_property not in names:
        names.append(id_property)
    results, missing = [], []
    for object_id in [str((i or {}).get("id", "")) for i in inputs]:
        record = hubspot_store.find(hs, kind, object_id, id_property)
        if record is None:
            missing.append(object_id)
        else:
            results.append(hubspot_store.render(hs, kind, record, names))
    return _batch_response(results, [_missing_error(kind, missing)] if missing else [])


@bp.post("/batch/create")
def batch_create(object_type):
    hs, kind = _context()
    inputs = inputs_of(json_body(), BATCH_LIMIT)
    # With objectWriteTraceId HubSpot reports bad inputs one by one (207); without, one bad
    # input fails the whole batch and nothing is created.
    multi = any(isinstance(i, dict) and "objectWriteTraceId" in i for i in inputs)
    claimed, ready, errors = set(), [], []
    for item in inputs:
        try:
            ready.append((item, _prepare_create(hs, kind, item, claimed)))
        except HubSpotError as exc:
            if not multi:
                raise
            errors.append(exc.standard((item or {}).get("objectWriteTraceId")))
    results = []
    for item, (values, plan) in ready:
        record = _commit_create(hs, kind, values, plan)
        result = hubspot_store.render(hs, kind, record, everything=True)
        if "objectWriteTraceId" in item:
            result["objectWriteTraceId"] = str(item["objectWriteTraceId"])
        results.append(result)
    return _batch_response(results, errors, ok_status=201)


@bp.post("/batch/update")
def batch_update(object_type):
    hs, kind = _context()
    body = json_body()
    inputs = inputs_of(body, BATCH_LIMIT)
    _ids_of(inputs)
    multi = any(isinstance(i, dict) and "objectWriteTraceId" in i for i in inputs)
    ready, errors = [], []
    for item in inputs:
        if not isinstance(item, dict):
            raise validation("Each input must be an object")
        trace = item.get("objectWriteTraceId")
        id_property = item.get("idProperty", body.get("idProperty"))
        hubspot_store.check_id_property(hs, kind, id_property)
        record = hubspot_store.find(hs, kind, item.get("id", ""), id_property)
        if record is None:  # unknown ids never fail the rest of the batch
            errors.append(_missing_error(kind, [str(item.get("id", ""))], trace))
            continue
        try:
            values = hubspot_store.clean_properties(hs, kind, item.get("properties") or {})
            hubspot_store.check_unique(hs, kind, values, own_id=record["id"])
            ready.append((item, record, values))
        except HubSpotError as exc:
            if not multi:
                raise
            errors.append(exc.standard(trace))
    results = []
    for item, record, values in ready:
        hubspot_store.update(hs, kind, record, values)
        _counted()
        result = hubspot_store.render(hs, kind, record, everything=True)
        if "objectWriteTraceId" in item:
            result["objectWriteTraceId"] = str(item["objectWriteTraceId"])
        results.append(result)
    return _batch_response(results, errors)


@bp.post("/batch/archive")
def batch_archive(object_type):
    hs, kind = _context()
    for object_id in [str((i or {}).get("id", "")) for i in inputs_of(json_body(), BATCH_LIMIT)]:
        record = hubspot_store.find(hs, kind, object_id)
        if record:
            hubspot_store.archive(hs, kind, record)
            hubspot_associations.remove_object(hs, kind, record["id"])
            _counted()
    return "", 204
