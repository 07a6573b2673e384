"""HubSpot CRM records in memory: create, update, archive, look up, render, index for search.

A record is {"id", "properties", "createdAt", "updatedAt", "archived", "archivedAt",
"versions"}. With a search lag, "versions" holds what search sees and from when.
"""

import copy
import time

from sandbox import clock, hubspot_schema
from sandbox.hubspot_errors import conflict, invalid_properties, not_found, validation

SYSTEM_PROPERTIES = ("hs_object_id", "createdate")


def next_id(hs):
    hs["next_id"] += 1
    return str(hs["next_id"])


def unique_properties(hs, kind):
    """Properties an upsert or idProperty may use: e-mail on contacts, and hasUniqueValue ones."""
    names = [p["name"] for p in hs["properties"][kind].values()
             if p["hasUniqueValue"] and not p.get("archived")]
    return (["email"] if kind == "contacts" else []) + names


def _norm(name, value):
    return str(value).lower() if name == "email" else str(value)


def _reindex(hs, kind, record, before):
    """Keep the unique-value indexes in step with a record's change (`before` -> now)."""
    for name in unique_properties(hs, kind):
        index = hs["unique_index"].setdefault((kind, name), {})
        old = before.get(name)
        new = None if record["archived"] else record["properties"].get(name)
        if old is not None and index.get(_norm(name, old)) == record["id"]:
            del index[_norm(name, old)]
        if new is not None:
            index[_norm(name, new)] = record["id"]


def find(hs, kind, key, id_property=None):
    """A live record by id, or by the value of a unique property (see check_id_property)."""
    records = hs["objects"][kind]
    if not id_property or id_property == "hs_object_id":
        record = records.get(str(key))
        return record if record and not record["archived"] else None
    # Unique values are indexed, so upserting 20,000 contacts by e-mail stays fast.
    found = hs["unique_index"].get((kind, id_property), {}).get(_norm(id_property, key))
    return records.get(found) if found else None


def check_id_property(hs, kind, id_property):
    """400 unless `id_property` can identify records of `kind`."""
    if id_property in (None, "hs_object_id") or id_property in unique_properties(hs, kind):
        return
    type_id = hubspot_schema.TYPES[kind][0]
    raise validation(f"Unable to perform update/upsert by non-unique {type_id} property "
                     f"{id_property} in portal ID {hs['portal_id']}")


def check_unique(hs, kind, values, own_id=None, claimed=None):
    """409 when a value of a unique property already belongs to another record.

    `claimed` collects values taken earlier in the same batch (two inputs, one e-mail).
    """
    for name in unique_properties(hs, kind):
        value = values.get(name)
        if not value:
            continue
        holder = find(hs, kind, value, name)
        if holder and holder["id"] != own_id:
            if kind == "contacts" and name == "email":
                raise conflict(f"Contact already exists. Existing ID: {holder['id']}")
            # Unverified wording: HubSpot documents the 409 but not its text for custom
            # unique properties; this keeps the contact message's "Existing ID" shape.
            raise conflict(f"A {hubspot_schema.TYPES[kind][2]} with {name} \"{value}\" already "
                           f"exists. Existing ID: {holder['id']}")
        if claimed is not None:
            key = (name, value.lower() if name == "email" else value)
            if key in claimed:
                raise conflict(f"Duplicate value for unique property {name} in batch input: "
                               f"{value}")
            claimed.add(key)


def clean_properties(hs, kind, values):
    """Validated, normalised values; 400 with HubSpot's message when any is invalid."""
    clean, problems = hubspot_schema.validate_properties(hs["properties"][kind], values or {})
    if problems:
        raise invalid_properties(problems, hs["portal_id"])
    if kind == "deals":
        clean.setdefault("pipeline", "default")
    return clean


def _touch(hs, kind, record, moment):
    record["updatedAt"] = clock.iso(moment)
    record["properties"][hubspot_schema.modified_property(kind)] = record["updatedAt"]
    if hs["lag"] > 0:
        seen = copy.deepcopy({k: v for k, v in record.items() if k != "versions"})
        record["versions"].append((time.monotonic() + hs["lag"], seen))


def create(hs, kind, values):
    """Store a new record from already validated values."""
    moment = clock.now()
    record_id = next_id(hs)
    record = {"id": record_id, "properties": {}, "createdAt": clock.iso(moment),
              "updatedAt": None, "archived": False, "archivedAt": None, "versions": []}
    record["properties"] = {k: v for k, v in values.items() if v != ""}
    record["properties"] |= {"hs_object_id": record_id, "createdate": record["createdAt"]}
    _touch(hs, kind, record, moment)
    hs["objects"][kind][record_id] = record
    _reindex(hs, kind, record, {})
    return record


def update(hs, kind, record, values):
    """Apply validated values ("" clears); the modified date moves even if nothing changed."""
    before = dict(record["properties"])
    for name, value in values.items():
        if value == "":
            record["properties"].pop(name, None)
        else:
            record["properties"][name] = value
    _touch(hs, kind, record, clock.now())
    _reindex(hs, kind, record, before)
    return record


def archive(hs, kind, record):
    record["archived"], record["archivedAt"] = True, clock.now_iso()
    _touch(hs, kind, record, clock.now())
    _reindex(hs, kind, record, record["properties"])


def require(hs, kind, key, id_property=None):
    record = find(hs, kind, key, id_property)
    if record is None:
        raise not_found()
    return record


def render(hs, kind, record, names=None, everything=False):
    """SimplePublicObject: the asked-for properties (null when unset), plus system ones."""
    props = record["properties"]
    if everything:
        shown = dict(props)
    else:
        defined = hs["properties"][kind]
        wanted = hubspot_schema.DEFAULT_PROPERTIES[kind] if names is None else names
        shown = {n: props.get(n) for n in wanted if n in defined}
        for name in (*SYSTEM_PROPERTIES, hubspot_schema.modified_property(kind)):
            shown[name] = props.get(name)
    body = {"id": record["id"], "properties": shown, "createdAt": record["createdAt"],
            "updatedAt": record["updatedAt"], "archived": record["archived"]}
    if record["archived"]:
        body["archivedAt"] = record["archivedAt"]
    return body


def searchable(hs, record, now=None):
    """The version of `record` search can see now (None while it is still being indexed)."""
    if hs["lag"] <= 0:
        return record
    now = time.monotonic() if now is None else now
    visible = [r for at, r in record["versions"] if at <= now]
    if len(visible) > 1:  # older visible versions can never be seen again
        record["versions"] = record["versions"][len(visible) - 1:]
    return visible[-1] if visible else None


def requested_properties(args_or_body, key="properties"):
    """Property names from ?properties=a,b (repeatable) or a JSON list; None if not given."""
    if isinstance(args_or_body, dict):
        value = args_or_body.get(key)
        if value is None:
            return None
        items = value if isinstance(value, list) else [value]
    else:
        items = args_or_body.getlist(key)
        if not items:
            return None
    return [n.strip() for item in items for n in str(item).split(",") if n.strip()]
