"""HubSpot properties v3: property definitions and groups per object type."""

from flask import Blueprint, jsonify, request

from sandbox import clock, hubspot_schema, state
from sandbox.hubspot_errors import HubSpotError, inputs_of, json_body, not_found, validation

bp = Blueprint("properties", __name__, url_prefix="/crm/v3/properties/<object_type>")
REQUIRED = ("name", "label", "type", "fieldType", "groupName")
MAX_UNIQUE = 10


def _context(object_type):
    return state.data("hubspot"), hubspot_schema.object_type(object_type)


def _problem(message, name=None):
    return validation(message, errors=[{"message": message, "in": name}] if name else None)


def build(hs, kind, spec):
    """A new Property from a PropertyCreate body; raises HubSpotError when it is invalid."""
    if not isinstance(spec, dict):
        raise _problem("The property definition must be an object")
    missing = [f for f in REQUIRED if not spec.get(f)]
    if missing:
        raise validation(f"Missing required fields: {', '.join(missing)}", errors=[
            {"message": f"{f} is required", "in": f} for f in missing])
    name, kind_name, field = spec["name"], spec["type"], spec["fieldType"]
    if not hubspot_schema.NAME.match(name):
        raise _problem(f"Property name '{name}' is invalid: use lower-case letters, digits and "
                       "underscores, starting with a letter", "name")
    if kind_name not in hubspot_schema.FIELD_TYPES:
        raise _problem(f"Invalid property type '{kind_name}'", "type")
    if field not in hubspot_schema.FIELD_TYPES[kind_name]:
        raise _problem(f"fieldType '{field}' is not valid for a property of type "
                       f"'{kind_name}'", "fieldType")
    if spec["groupName"] not in hs["groups"][kind]:
        raise _problem(f"Property group '{spec['groupName']}' does not exist", "groupName")
    options = _options(spec.get("options"), kind_name, field)
    existing = hs["properties"][kind].get(name)
    if existing and not existing.get("archived"):
        raise HubSpotError(409, "OBJECT_ALREADY_EXISTS", f"A property named '{name}' already "
                           f"exists on {kind}.", context={"name": [name]})
    unique = bool(spec.get("hasUniqueValue"))
    if unique and sum(p["hasUniqueValue"] for p in hs["properties"][kind].values()) >= MAX_UNIQUE:
        raise _problem(f"At most {MAX_UNIQUE} unique properties are allowed per object",
                       "hasUniqueValue")
    prop = hubspot_schema.definition(name, spec["label"], kind_name, field, spec["groupName"],
                                     options, defined=False, unique=unique,
                                     description=spec.get("description", ""))
    now = clock.now_iso()
    prop |= {"createdAt": now, "updatedAt": now, "formField": bool(spec.get("formField", False)),
             "hidden": bool(spec.get("hidden", False)),
             "displayOrder": int(spec.get("displayOrder", -1))}
    return prop


def _options(options, kind, field):
    options = options or []
    if (kind in ("enumeration", "bool") or field == "booleancheckbox") and not options:
        raise _problem(f"Properties of type '{kind}' need options", "options")
    clean = []
    for i, o in enumerate(options):
        if not isinstance(o, dict) or o.get("label") in (None, "") or o.get("value") in (None, ""):
            raise _problem("Each option needs a label and a value", "options")
        clean.append({"label": str(o["label"]), "value": str(o["value"]),
                      "description": o.get("description", ""),
                      "displayOrder": int(o.get("displayOrder", i)),
                      "hidden": bool(o.get("hidden", False))})
    return clean


def _find(hs, kind, name, archived=False):
    prop = hs["properties"][kind].get(name)
    if prop is None or bool(prop.get("archived")) != archived:
        raise not_found(f"Property {name} does not exist", context={"name": [name]})
    return prop


def _batch(results, errors, ok_status):
    now = clock.now_iso()
    body = {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
    if errors:
        body |= {"numErrors": len(errors), "errors": errors}
    return jsonify(body), 207 if errors else ok_status


@bp.get("")
def list_properties(object_type):
    hs, kind = _context(object_type)
    archived = request.args.get("archived", "false").lower() == "true"
    return jsonify({"results": [p for p in hs["properties"][kind].values()
                                if bool(p.get("archived")) == archived]})


@bp.post("")
def create_property(object_type):
    hs, kind = _context(object_type)
    prop = build(hs, kind, json_body())
    hs["properties"][kind][prop["name"]] = prop
    return jsonify(prop), 201


@bp.post("/batch/create")
def batch_create(object_type):
    hs, kind = _context(object_type)
    results, errors = [], []
    for spec in inputs_of(json_body(), 100):
        try:
            prop = build(hs, kind, spec)
        except HubSpotError as exc:
            errors.append(exc.standard() | {"context": {"name": [str((spec or {}).get("name"))]}})
            continue
        hs["properties"][kind][prop["name"]] = prop
        results.append(prop)
    return _batch(results, errors, 201)


@bp.post("/batch/read")
def batch_read(object_type):
    hs, kind = _context(object_type)
    body = json_body()
    results, missing = [], []
    for item in inputs_of(body, 100):
        name = str((item or {}).get("name", ""))
        try:
            results.append(_find(hs, kind, name, bool(body.get("archived"))))
        except HubSpotError:
            missing.append(name)
    errors = [{"status": "error", "category": "OBJECT_NOT_FOUND",
               "message": f"Properties not found: {missing}", "context": {"names": missing},
               "errors": [], "links": {}}] if missing else []
    return _batch(results, errors, 200)


@bp.post("/batch/archive")
def batch_archive(object_type):
    hs, kind = _context(object_type)
    for item in inputs_of(json_body(), 100):
        prop = hs["properties"][kind].get(str((item or {}).get("name", "")))
        if prop and not prop["hubspotDefined"]:
            prop |= {"archived": True, "archivedAt": clock.now_iso()}
    return "", 204


@bp.get("/groups")
def list_groups(object_type):
    hs, kind = _context(object_type)
    return jsonify({"results": [g for g in hs["groups"][kind].values() if not g["archived"]]})


@bp.post("/groups")
def create_group(object_type):
    hs, kind = _context(object_type)
    body = json_body()
    name, label = body.get("name"), body.get("label")
    if not name or not label:
        raise validation("Missing required fields: name and label are required")
    if not hubspot_schema.NAME.match(name):
        raise _problem(f"Group name '{name}' is invalid", "name")
    if name in hs["groups"][kind] and not hs["groups"][kind][name]["archived"]:
        raise HubSpotError(409, "OBJECT_ALREADY_EXISTS",
                           f"A property group named '{name}' already exists.")
    group = {"name": name, "label": label, "displayOrder": int(body.get("displayOrder", -1)),
             "archived": False}
    hs["groups"][kind][name] = group
    response = jsonify(group)
    response.headers["Location"] = f"/crm/v3/properties/{object_type}/groups/{name}"
    return response, 201


def _group(hs, kind, name):
    group = hs["groups"][kind].get(name)
    if group is None or group["archived"]:
        raise not_found(f"Property group {name} does not exist")
    return group


@bp.get("/groups/<group_name>")
def read_group(object_type, group_name):
    hs, kind = _context(object_type)
    return jsonify(_group(hs, kind, group_name))


@bp.patch("/groups/<group_name>")
def update_group(object_type, group_name):
    hs, kind = _context(object_type)
    group = _group(hs, kind, group_name)
    body = json_body()
    group.update({k: body[k] for k in ("label", "displayOrder") if k in body})
    return jsonify(group)


@bp.delete("/groups/<group_name>")
def archive_group(object_type, group_name):
    hs, kind = _context(object_type)
    _group(hs, kind, group_name)["archived"] = True
    return "", 204


@bp.get("/<name>")
def read_property(object_type, name):
    hs, kind = _context(object_type)
    return jsonify(_find(hs, kind, name, request.args.get("archived", "").lower() == "true"))


@bp.patch("/<name>")
def update_property(object_type, name):
    hs, kind = _context(object_type)
    prop = _find(hs, kind, name)
    body = json_body()
    if "groupName" in body and body["groupName"] not in hs["groups"][kind]:
        raise _problem(f"Property group '{body['groupName']}' does not exist", "groupName")
    kind_name, field = body.get("type", prop["type"]), body.get("fieldType", prop["fieldType"])
    if field not in hubspot_schema.FIELD_TYPES.get(kind_name, ()):
        raise _problem(f"fieldType '{field}' is not valid for a property of type "
                       f"'{kind_name}'", "fieldType")
    if "options" in body:
        prop["options"] = _options(body["options"], kind_name, field)
    prop.update({k: body[k] for k in ("label", "description", "groupName", "hidden",
                                      "displayOrder", "formField") if k in body})
    prop |= {"type": kind_name, "fieldType": field, "updatedAt": clock.now_iso()}
    return jsonify(prop)


@bp.delete("/<name>")
def archive_property(object_type, name):
    hs, kind = _context(object_type)
    prop = _find(hs, kind, name)
    if prop["hubspotDefined"]:
        raise validation(f"{name} is a HubSpot defined property and cannot be archived")
    prop |= {"archived": True, "archivedAt": clock.now_iso()}
    return "", 204
