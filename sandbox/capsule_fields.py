"""Capsule custom fields: definitions per entity, and the values kept on a record.

    GET  /{parties|opportunities}/fields/definitions    paged {"definitions": [...]}
    POST /{parties|opportunities}/fields/definitions    {"definition": {name, type, ...}}

Values are written through the record's own POST/PUT as `fields: [{"definition": {"id": N}
(or the bare id N), "value": ...}]`, changed or removed by value id (`{"id", "_delete": true}`),
and read back with `embed=fields` as [{id, definition: {id, name}, value}] (crms.md §B.3).
Quirks kept: numbers read back as strings; boolean false removes the value, null is refused.
"""

import datetime

from flask import Blueprint, jsonify

from sandbox.capsule_base import (
    CapsuleError,
    body_of,
    invalid,
    next_id,
    now,
    paged,
    stamp,
    store,
)

bp = Blueprint("capsule_fields", __name__)
ENTITIES = ("parties", "opportunities")
TYPES = ("text", "date", "list", "boolean", "number", "link")
CAPTURE_RULES = ("person", "organisation")


def fresh():
    return {entity: {} for entity in ENTITIES}


@bp.get("/<entity>/fields/definitions")
def list_definitions(entity):
    definitions = _definitions(entity)
    return paged("definitions", sorted(definitions.values(), key=lambda d: d["id"]), dict)


@bp.post("/<entity>/fields/definitions")
def create_definition(entity):
    definitions = _definitions(entity)
    data, item = store(), body_of("definition")
    name = str(item.get("name") or "").strip()
    if not name:
        raise invalid("definition", "name", "name is required")
    kind = item.get("type") or "text"
    if kind not in TYPES:
        raise invalid("definition", "type", f"type must be one of {', '.join(TYPES)}")
    rule = item.get("captureRule")
    if entity == "parties" and rule not in (None, *CAPTURE_RULES):
        raise invalid("definition", "captureRule", "captureRule must be person or organisation")
    if kind == "list" and not item.get("options"):
        raise invalid("definition", "options", "a list field needs options")
    definition = {"id": next_id(data), "name": name, "type": kind,
                  "description": item.get("description"), "important": bool(item.get("important")),
                  "tag": None, "options": list(item.get("options") or []) if kind == "list" else [],
                  "captureRule": rule if entity == "parties" else None,
                  "displayOrder": len(definitions) + 1}
    definitions[definition["id"]] = definition
    answer = jsonify({"definition": definition})
    answer.status_code = 201
    return answer


def _definitions(entity):
    if entity not in ENTITIES:
        raise CapsuleError(404, "Could not find resource")
    return store()["definitions"][entity]


def write(data, entity, record, items, party_type=None):
    """Apply the `fields` array of a POST/PUT to `record`; 422 naming the first bad item."""
    if items is None:
        return
    if not isinstance(items, list):
        raise invalid(entity[:-1] if entity == "parties" else "opportunity", "fields",
                      "fields must be an array")
    values = record.setdefault("_fields", {})
    for item in items:
        if not isinstance(item, dict):
            raise invalid("field", "fields", "each field must be an object")
        by_id = next((d for d, v in values.items() if v["id"] == item.get("id")), None)
        if item.get("id") is not None and by_id is None:
            raise invalid("field", "id", f"field {item['id']} does not exist on this record")
        if item.get("_delete"):
            values.pop(by_id, None)
            continue
        definition = _definition_of(data, entity, item, by_id)
        if party_type and definition["captureRule"] not in (None, party_type):
            raise invalid("field", "definition",
                          f"{definition['name']} applies to {definition['captureRule']} only")
        value = _value(definition, item.get("value"))
        if value is None:  # boolean false: the value goes away
            values.pop(definition["id"], None)
            continue
        old = values.get(definition["id"])
        values[definition["id"]] = {"id": old["id"] if old else next_id(data), "value": value}


def _definition_of(data, entity, item, by_id):
    ref = item.get("definition", by_id)
    ref = ref.get("id") if isinstance(ref, dict) else ref
    try:
        definition = data["definitions"][entity].get(int(ref))
    except (TypeError, ValueError):
        definition = None
    if definition is None:
        raise invalid("field", "definition", f"unknown field definition {ref}")
    return definition


def _value(definition, value):
    """The stored form of `value` (None: remove it); 422 when the type refuses it."""
    kind, name = definition["type"], definition["name"]
    if value is None or value == "":
        raise invalid("field", "value", f"{name} needs a value")
    if kind == "boolean":
        if not isinstance(value, bool):
            raise invalid("field", "value", f"{name} must be true or false")
        return True if value else None
    if kind == "number":
        try:
            if isinstance(value, bool):
                raise ValueError(value)
            return str(float(value)).removesuffix(".0")  # read back as a string
        except (TypeError, ValueError):
            raise invalid("field", "value", f"{name} must be a number") from None
    if kind == "date":
        try:
            return datetime.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise invalid("field", "value", f"{name} must be a date (YYYY-MM-DD)") from None
    if kind == "list" and value not in definition["options"]:
        raise invalid("field", "value", f"{value!r} is not an option of {name}")
    return str(value)


def read(data, entity, record):
    """The `fields` array as Capsule returns it with embed=fields."""
    out = []
    for definition_id, stored in sorted(record.get("_fields", {}).items()):
        definition = data["definitions"][entity].get(definition_id)
        if definition is None:
            continue
        out.append({"id": stored["id"], "definition": {"id": definition["id"],
                                                       "name": definition["name"]},
                    "value": stored["value"], "tagId": None})
    return out


def value_of(record, definition_id):
    stored = record.get("_fields", {}).get(definition_id)
    return None if stored is None else stored["value"]


def touch(record, data):
    record["_updated"] = now(data)
    record["updatedAt"] = stamp(record["_updated"])


def missing_important(data, party):
    """embed=missingImportantFields: the important party fields (for its kind) it has no
    value for, as [{id, name}] ([U] the exact shape, §B.3)."""
    return [{"id": d["id"], "name": d["name"]} for d in data["definitions"]["parties"].values()
            if d["important"] and d["captureRule"] in (None, party["type"])
            and d["id"] not in party.get("_fields", {})]
