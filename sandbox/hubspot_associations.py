"""HubSpot associations v4: the HUBSPOT_DEFINED type table, the store, and the v4 endpoints.

Associations are stored in both directions ({(fromType, fromId): {(toType, toId): {typeIds}}}),
so reading from either side sees them, as in HubSpot. Every labelled association also has
the pair's unlabelled type, and a contact or deal has at most one primary company.
"""

from flask import Blueprint, jsonify, request

from sandbox import clock, hubspot_schema, hubspot_store, state
from sandbox.hubspot_errors import inputs_of, json_body, validation

bp = Blueprint("associations", __name__)

# (from, to) -> {type id: label}; the first id of each pair is its default (unlabelled) type
PAIRS = {
    ("contacts", "companies"): {279: None, 1: "Primary"},
    ("companies", "contacts"): {280: None, 2: "Primary"},
    ("deals", "contacts"): {3: None},
    ("contacts", "deals"): {4: None},
    ("deals", "companies"): {341: None, 5: "Primary"},
    ("companies", "deals"): {342: None, 6: "Primary"},
    ("deals", "line_items"): {19: None},
    ("line_items", "deals"): {20: None},
    ("companies", "companies"): {450: None, 13: "Child Company", 14: "Parent Company"},
}
INVERSE = {279: 280, 1: 2, 3: 4, 341: 342, 5: 6, 19: 20, 13: 14, 450: 450}
INVERSE |= {v: k for k, v in INVERSE.items()}
PRIMARY = {1, 5}  # one primary company per contact / deal
V3_NAMES = {279: "contact_to_company_unlabeled", 1: "contact_to_company",
            280: "company_to_contact_unlabeled", 2: "company_to_contact", 3: "deal_to_contact",
            4: "contact_to_deal", 341: "deal_to_company_unlabeled", 5: "deal_to_company",
            342: "company_to_deal_unlabeled", 6: "company_to_deal", 19: "deal_to_line_item",
            20: "line_item_to_deal", 450: "company_to_company", 13: "parent_to_child_company",
            14: "child_to_parent_company"}
PAGE = 500


def default_type(from_kind, to_kind):
    return next(iter(PAIRS.get((from_kind, to_kind), {0: None})))


def invalid(from_kind, to_kind, type_id, from_id):
    """HubSpot's 400 for a type id that does not fit the pair.

    HubSpot reads the id as the pair it belongs to, so a deal sent with contact->company's
    type 1 is reported as an invalid CONTACT id (hubspot-api-nodejs#646).
    """
    owner = next((pair for pair, types in PAIRS.items() if type_id in types), None)
    upper = hubspot_schema.TYPES[owner[0] if owner else from_kind][1]
    return validation("One or more associations are invalid", context={
        "INVALID_OBJECT_IDS": [f"{upper}={from_id} is not valid"],
        "objectId": [str(from_id)], "objectType": [upper]})


def check_types(from_kind, to_kind, types, from_id):
    """Type ids from [{"associationCategory", "associationTypeId"}]; 400 if one is wrong."""
    allowed = PAIRS.get((from_kind, to_kind), {})
    ids = []
    for spec in types or []:
        try:
            type_id = int(spec.get("associationTypeId"))
        except (TypeError, ValueError, AttributeError):
            raise validation("associationTypeId must be an integer") from None
        if spec.get("associationCategory", "HUBSPOT_DEFINED") != "HUBSPOT_DEFINED" or \
                type_id not in allowed:
            raise invalid(from_kind, to_kind, type_id, from_id)
        ids.append(type_id)
    if not ids:
        raise validation("types must contain at least one association type")
    return ids


def add(hs, from_kind, from_id, to_kind, to_id, type_id):
    """Associate both ways, with the default type alongside any label."""
    links = hs["associations"]
    mine = links.setdefault((from_kind, from_id), {})
    if type_id in PRIMARY:  # the new primary company replaces the old one
        for (kind, other), kinds in mine.items():
            if kind == to_kind and other != to_id and type_id in kinds:
                kinds.discard(type_id)
                links[(to_kind, other)][(from_kind, from_id)].discard(INVERSE[type_id])
    theirs = links.setdefault((to_kind, to_id), {})
    for tid in {type_id, default_type(from_kind, to_kind)}:
        mine.setdefault((to_kind, to_id), set()).add(tid)
        theirs.setdefault((from_kind, from_id), set()).add(INVERSE[tid])


def remove(hs, from_kind, from_id, to_kind, to_id):
    hs["associations"].get((from_kind, from_id), {}).pop((to_kind, to_id), None)
    hs["associations"].get((to_kind, to_id), {}).pop((from_kind, from_id), None)


def remove_object(hs, kind, object_id):
    for to_kind, to_id in list(hs["associations"].get((kind, object_id), {})):
        remove(hs, kind, object_id, to_kind, to_id)


def targets(hs, from_kind, from_id, to_kind):
    """[(to id, [type ids])] ordered by id."""
    found = [(other, sorted(kinds))
             for (kind, other), kinds in hs["associations"].get((from_kind, from_id), {}).items()
             if kind == to_kind and kinds]
    return sorted(found, key=lambda item: int(item[0]))


def every_link(hs):
    """(from kind, from id, to kind, to id, type id) for every stored association."""
    return [(fk, fid, tk, tid, t) for (fk, fid), mine in hs["associations"].items()
            for (tk, tid), kinds in mine.items() for t in sorted(kinds)]


def labelled(type_ids):
    return [{"category": "HUBSPOT_DEFINED", "typeId": t, "label": _label(t)} for t in type_ids]


def _label(type_id):
    return next((types[type_id] for types in PAIRS.values() if type_id in types), None)


def v3_view(hs, kind, object_id, to_kinds):
    """The `associations` member of a v3 object read with ?associations=..."""
    view = {}
    for raw in to_kinds:
        to_kind = hubspot_schema.object_type(raw)
        results = [{"id": to_id, "type": V3_NAMES.get(t, str(t))}
                   for to_id, types in targets(hs, kind, object_id, to_kind) for t in types]
        if results:
            view[raw] = {"results": results}
    return view


def _kinds(from_type, to_type):
    return hubspot_schema.object_type(from_type), hubspot_schema.object_type(to_type)


def _batch(results, errors, created=False):
    now = clock.now_iso()
    body = {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
    if errors:
        body |= {"numErrors": len(errors), "errors": errors}
    return jsonify(body), 207 if errors else (201 if created else 200)


def _missing(hs, from_kind, from_id, to_kind, to_id):
    """A StandardError for an input whose objects do not exist, else None."""
    bad = [(k, i) for k, i in ((from_kind, from_id), (to_kind, to_id))
           if hubspot_store.find(hs, k, i) is None]
    if not bad:
        return None
    return {"status": "error", "category": "VALIDATION_ERROR",
            "message": "One or more associations are invalid",
            "context": {"INVALID_OBJECT_IDS": [f"{hubspot_schema.TYPES[k][1]}={i} is not valid"
                                               for k, i in bad],
                        "fromObjectId": [from_id], "toObjectId": [to_id]},
            "errors": [], "links": {}}


def _pair(item):
    try:
        return str(item["from"]["id"]), str(item["to"]["id"])
    except (KeyError, TypeError):
        raise validation("Each input needs from.id and to.id") from None


def _default_results(from_id, to_id, type_id):
    """PublicDefaultAssociation for both directions, as HubSpot reports a default link."""
    return [{"from": {"id": a}, "to": {"id": b}, "associationSpec": {
        "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": t}}
        for a, b, t in ((from_id, to_id, type_id), (to_id, from_id, INVERSE[type_id]))]


def pair_result(from_kind, from_id, to_kind, to_id, type_ids):
    """LabelsBetweenObjectPair; the live API sends the object ids as numbers."""
    return {"fromObjectTypeId": hubspot_schema.TYPES[from_kind][0], "fromObjectId": int(from_id),
            "toObjectTypeId": hubspot_schema.TYPES[to_kind][0], "toObjectId": int(to_id),
            "labels": [label for t in type_ids if (label := _label(t))]}


@bp.post("/crm/v4/associations/<from_type>/<to_type>/batch/create")
def batch_create(from_type, to_type):
    hs = state.data("hubspot")
    from_kind, to_kind = _kinds(from_type, to_type)
    inputs = inputs_of(json_body(), 2000)
    pairs = [_pair(i) for i in inputs]
    plans = [(a, b, check_types(from_kind, to_kind, i.get("types"), a))  # one bad type fails all
             for (a, b), i in zip(pairs, inputs, strict=True)]
    results, errors = [], []
    for from_id, to_id, type_ids in plans:
        error = _missing(hs, from_kind, from_id, to_kind, to_id)
        if error:
            errors.append(error)
            continue
        for type_id in type_ids:
            add(hs, from_kind, from_id, to_kind, to_id, type_id)
        results.append(pair_result(from_kind, from_id, to_kind, to_id, type_ids))
    state.current().count_records("hubspot", len(results))
    return _batch(results, errors, created=True)


@bp.post("/crm/v4/associations/<from_type>/<to_type>/batch/associate/default")
def batch_default(from_type, to_type):
    hs = state.data("hubspot")
    from_kind, to_kind = _kinds(from_type, to_type)
    results, errors = [], []
    for item in inputs_of(json_body(), 2000):
        from_id, to_id = _pair(item)
        error = _missing(hs, from_kind, from_id, to_kind, to_id)
        if error:
            errors.append(error)
            continue
        type_id = default_type(from_kind, to_kind)
        if not type_id:
            raise invalid(from_kind, to_kind, 0, from_id)
        add(hs, from_kind, from_id, to_kind, to_id, type_id)
        results += _default_results(from_id, to_id, type_id)
    state.current().count_records("hubspot", len(results) // 2)
    return _batch(results, errors)


@bp.post("/crm/v4/associations/<from_type>/<to_type>/batch/read")
def batch_read(from_type, to_type):
    hs = state.data("hubspot")
    from_kind, to_kind = _kinds(from_type, to_type)
    results, errors = [], []
    for item in inputs_of(json_body(), 1000):
        from_id = str((item or {}).get("id", ""))
        found = targets(hs, from_kind, from_id, to_kind)
        if not found:
            errors.append({
                "status": "error", "category": "OBJECT_NOT_FOUND",
                "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                "message": f"No {hubspot_schema.TYPES[to_kind][2]} is associated with "
                           f"{hubspot_schema.TYPES[from_kind][2]} {from_id}.",
                "context": {"fromObjectId": [from_id]}, "errors": [], "links": {}})
            continue
        start = int(item.get("after") or 0)
        page = found[start:start + PAGE]
        result = {"from": {"id": from_id},
                  "to": [{"toObjectId": int(to_id), "associationTypes": labelled(types)}
                         for to_id, types in page]}
        if start + PAGE < len(found):
            result["paging"] = {"next": {"after": str(start + PAGE)}}
        results.append(result)
    return _batch(results, errors)


@bp.post("/crm/v4/associations/<from_type>/<to_type>/batch/archive")
def batch_archive(from_type, to_type):
    hs = state.data("hubspot")
    from_kind, to_kind = _kinds(from_type, to_type)
    for item in inputs_of(json_body(), 2000):
        from_id = str(((item or {}).get("from") or {}).get("id", ""))
        for target in (item or {}).get("to") or []:
            remove(hs, from_kind, from_id, to_kind, str(target.get("id")))
    return "", 204


@bp.put("/crm/v4/objects/<from_type>/<from_id>/associations/default/<to_type>/<to_id>")
def put_default(from_type, from_id, to_type, to_id):
    hs = state.data("hubspot")
    from_kind, to_kind = _kinds(from_type, to_type)
    error = _missing(hs, from_kind, from_id, to_kind, to_id)
    if error:
        raise validation(error["message"], context=error["context"])
    type_id = default_type(from_kind, to_kind)
    if not type_id:
        raise invalid(from_kind, to_kind, 0, from_id)
    add(hs, from_kind, from_id, to_kind, to_id, type_id)
    return _batch(_default_results(from_id, to_id, type_id), [])


@bp.put("/crm/v4/objects/<from_type>/<from_id>/associations/<to_type>/<to_id>")
def put_labelled(from_type, from_id, to_type, to_id):
    hs = state.data("hubspot")
    from_kind, to_kind = _kinds(from_type, to_type)
    type_ids = check_types(from_kind, to_kind, json_body(list), from_id)
    error = _missing(hs, from_kind, from_id, to_kind, to_id)
    if error:
        raise validation(error["message"], context=error["context"])
    for type_id in type_ids:
        add(hs, from_kind, from_id, to_kind, to_id, type_id)
    return jsonify(pair_result(from_kind, from_id, to_kind, to_id, type_ids)), 201


@bp.delete("/crm/v4/objects/<from_type>/<from_id>/associations/<to_type>/<to_id>")
def delete_pair(from_type, from_id, to_type, to_id):
    from_kind, to_kind = _kinds(from_type, to_type)
    remove(state.data("hubspot"), from_kind, from_id, to_kind, to_id)
    return "", 204


@bp.get("/crm/v4/objects/<from_type>/<from_id>/associations/<to_type>")
def list_for_object(from_type, from_id, to_type):
    hs = state.data("hubspot")
    from_kind, to_kind = _kinds(from_type, to_type)
    found = targets(hs, from_kind, from_id, to_kind)
    limit = min(max(int(request.args.get("limit", PAGE)), 1), PAGE)
    start = int(request.args.get("after") or 0)
    body = {"results": [{"toObjectId": int(to_id), "associationTypes": labelled(types)}
                        for to_id, types in found[start:start + limit]]}
    if start + limit < len(found):
        body["paging"] = {"next": {"after": str(start + limit),
                                   "link": f"?after={start + limit}"}}
    return jsonify(body)
