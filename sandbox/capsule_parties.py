"""Capsule parties (people and organisations): list, read, write, delete, search, filters.

    GET    /parties[?since=&page=&perPage=&embed=]      changed after `since`, oldest first
    GET    /parties/{id} | /parties/{id1},{id2},...     at most 10 ids; one unknown -> 404
    POST   /parties                                     201 + Location; no uniqueness at all
    PUT    /parties/{id}                                partial; nested arrays by item id
    DELETE /parties/{id}                                204; its opportunities go with it
    GET    /parties/search?q=   POST /parties/filters/results   GET /parties/deleted?since=
    GET    /parties/{orgId}/people

Rules from crms.md §B.3: `type` person|organisation; a person needs a first or last name, an
organisation a name; `organisation` links a person ({"id"}), null unlinks, and is ignored on
an organisation. Arrays: an item without id is added, with id it is updated, with id and
"_delete": true removed; items not sent stay. Countries are checked against Capsule's list.
Tags the same way: {"name"} adds one, {"id", "_delete": true} removes it.
"""

from flask import Blueprint, request

from sandbox import capsule_details, capsule_fields, capsule_filters, capsule_hooks, state
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

bp = Blueprint("capsule_parties", __name__)
TYPES = ("person", "organisation")
BATCH_IDS = 10
PERSON = ("title", "firstName", "lastName", "jobTitle")


def render(data, party, wanted=None):
    """A party as Capsule answers it; `fields` and `tags` only when embedded."""
    wanted = embeds() if wanted is None else wanted
    out = {"id": party["id"], "type": party["type"], "about": party.get("about")}
    if party["type"] == "person":
        out |= {k: party.get(k) for k in PERSON}
        org = data["parties"].get(party.get("_organisation"))
        out["organisation"] = ({"id": org["id"], "name": org["name"], "pictureURL": org["pictureURL"]}
                               if org else None)
    else:
        out["name"] = party["name"]
    out |= {k: party[k] for k in ("createdAt", "updatedAt", "lastContactedAt", "pictureURL",
                                  "owner", "team")}
    out |= {k: [dict(i) for i in party[k]] for k in capsule_details.ARRAYS}
    if "fields" in wanted:
        out["fields"] = capsule_fields.read(data, "parties", party)
    if "tags" in wanted:
        out["tags"] = list(party.get("tags", []))
    if "organisation" in wanted and party["type"] == "person" and out["organisation"]:
        org = data["parties"][party["_organisation"]]  # extended details of the organisation
        out["organisation"] |= {"about": org.get("about"), "owner": org.get("owner")}
    if "missingImportantFields" in wanted:
        out["missingImportantFields"] = capsule_fields.missing_important(data, party)
    return out


def _answer(data, party, status=200):
    return answer("party", render(data, party), party["id"], status)


@bp.get("/parties")
def list_parties():
    data = store()
    return paged("parties", changed_since(data["parties"].values(), since_arg()),
                 lambda p: render(data, p))


@bp.get("/parties/<ids>")
def get_parties(ids):
    data = store()
    return by_ids(data["parties"], ids, "party", lambda p: render(data, p), BATCH_IDS)


@bp.post("/parties")
def create_party():
    data, item = store(), body_of("party")
    kind = item.get("type")
    if kind not in TYPES:
        raise invalid("party", "type", "type must be person or organisation")
    at = now(data)
    party = {"id": next_id(data), "type": kind, "about": None, "name": None,
             "title": None, "firstName": None, "lastName": None, "jobTitle": None,
             "_organisation": None, "createdAt": stamp(at), "lastContactedAt": None,
             "pictureURL": _picture(kind), "owner": data["user"]["public"], "team": None,
             "tags": [], "_fields": {}, **{k: [] for k in capsule_details.ARRAYS}}
    _apply(data, party, item)
    capsule_fields.touch(party, data)
    data["parties"][party["id"]] = party
    state.current().count_records("capsule")
    capsule_hooks.notify(data, "party/created", lambda embed: render(data, party, embed))
    return _answer(data, party, 201)


@bp.put("/parties/<int:party_id>")
def update_party(party_id):
    data = store()
    party = data["parties"].get(party_id) or _raise(not_found())
    item = body_of("party")
    if item.get("type") not in (None, party["type"]):
        raise invalid("party", "type", "the type of a party cannot be changed")
    draft = {**party, "_fields": dict(party["_fields"]), "tags": list(party["tags"]),
             **{k: [dict(i) for i in party[k]] for k in capsule_details.ARRAYS}}
    _apply(data, draft, item)  # a 422 leaves the stored party as it was
    party.update(draft)
    capsule_fields.touch(party, data)
    state.current().count_records("capsule")
    capsule_hooks.notify(data, "party/updated", lambda embed: render(data, party, embed))
    return _answer(data, party)


def _apply(data, party, item):
    """Write the fields of a POST/PUT body onto `party`; 422 on the first bad value."""
    for key in ("about",) + (PERSON if party["type"] == "person" else ("name",)):
        if key in item:
            party[key] = (str(item[key]).strip() or None) if item[key] is not None else None
    if party["type"] == "person" and "organisation" in item:
        party["_organisation"] = _organisation(data, item["organisation"])
    if party["type"] == "person" and not (party["firstName"] or party["lastName"]):
        raise invalid("party", "firstName", "person must have a first name or a last name")
    if party["type"] == "organisation" and not party["name"]:
        raise invalid("party", "name", "organisation must have a name")
    for key in capsule_details.ARRAYS:
        if key in item:
            capsule_details.write(data, party, key, item[key])
    if "tags" in item:
        capsule_details.write_tags(data, party, item["tags"])
    capsule_fields.write(data, "parties", party, item.get("fields"), party["type"])


def _organisation(data, ref):
    if ref is None:
        return None
    ref_id = ref.get("id") if isinstance(ref, dict) else ref
    try:
        org = data["parties"].get(int(ref_id))
    except (TypeError, ValueError):
        org = None
    if org is None or org["type"] != "organisation":
        raise invalid("party", "organisation", f"organisation {ref_id} does not exist")
    return org["id"]


@bp.delete("/parties/<int:party_id>")
def delete_party(party_id):
    data = store()
    if data["parties"].pop(party_id, None) is None:
        raise not_found()
    at = now(data)
    data["deleted"]["parties"].append({"id": party_id, "deletedAt": stamp(at), "_at": at})
    for person in data["parties"].values():
        if person.get("_organisation") == party_id:
            person["_organisation"] = None
    for opp in [o for o in data["opportunities"].values() if o["_party"] == party_id]:
        del data["opportunities"][opp["id"]]
        data["deleted"]["opportunities"].append({"id": opp["id"], "deletedAt": stamp(at),
                                                 "_at": at})
    state.current().count_records("capsule")
    capsule_hooks.notify(data, "party/deleted", lambda _: {"id": party_id})
    return "", 204


@bp.get("/parties/search")
def search_parties():
    data, words = store(), request.args.get("q", "").strip().lower()
    items = [p for p in sorted(data["parties"].values(), key=lambda p: p["id"])
             if words and words in capsule_details.searchable(p)]
    return paged("parties", items, lambda p: render(data, p))


@bp.post("/parties/filters/results")
def filter_parties():
    data = store()
    match = capsule_filters.matcher(data, "parties", request.get_json(silent=True))
    items = [p for p in sorted(data["parties"].values(), key=lambda p: p["id"]) if match(p)]
    return paged("parties", items, lambda p: render(data, p))


@bp.get("/parties/deleted")
def deleted_parties():
    data, since = store(), since_arg(required=True)
    items = [{"id": d["id"], "deletedAt": d["deletedAt"]} for d in data["deleted"]["parties"]
             if d["_at"] > since]
    return paged("parties", items, dict, {"restrictedParties": []})


@bp.get("/parties/<int:org_id>/people")
def people_of(org_id):
    data = store()
    if org_id not in data["parties"]:
        raise not_found()
    items = [p for p in sorted(data["parties"].values(), key=lambda p: p["id"])
             if p.get("_organisation") == org_id]
    return paged("parties", items, lambda p: render(data, p))


def _picture(kind):
    name = "org_avatar_70.png" if kind == "organisation" else "person_avatar_70.png"
    return f"https://capsulecrm.com/theme/default/images/{name}"


def _raise(exc):
    raise exc
