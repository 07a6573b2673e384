"""A party's nested arrays: e-mail addresses, phone numbers, addresses, websites.

Write rules (crms.md §B.3): an item without `id` is added; with `id` and attributes it is
updated; with `id` and `"_delete": true` it is removed (`_destroy` is ignored); items not sent
are left alone. `type` may be null; the known values are the v1 lists (§B.13 point 5).
Address countries are checked against Capsule's country list (a subset here), `USA` accepted.
"""

from sandbox.capsule_base import invalid, next_id

# array -> (resource named in a 422, the attribute that must be there, attributes, types)
ARRAYS = {
    "emailAddresses": ("emailAddress", "address", ("type", "address"), ("Home", "Work")),
    "phoneNumbers": ("phoneNumber", "number", ("type", "number"),
                     ("Home", "Work", "Mobile", "Fax", "Direct")),
    "addresses": ("address", None, ("type", "street", "city", "state", "country", "zip"),
                  ("Home", "Office", "Postal")),
    "websites": ("website", "address", ("type", "service", "address"), ("Home", "Work")),
}
SERVICES = ("URL", "SKYPE", "TWITTER", "LINKED_IN", "FACEBOOK", "XING", "FEED", "GOOGLE_PLUS",
            "FLICKR", "GITHUB", "YOUTUBE", "INSTAGRAM", "PINTEREST")
# A subset of GET /countries (250 names in Capsule); aliases map to a listed name.
COUNTRIES = {
    "Afghanistan", "Argentina", "Australia", "Austria", "Belgium", "Brazil", "Canada", "Chile",
    "China", "Denmark", "Finland", "France", "Germany", "Greece", "Hong Kong", "India",
    "Indonesia", "Ireland", "Israel", "Italy", "Japan", "Malaysia", "Mexico", "Netherlands",
    "New Zealand", "Norway", "Philippines", "Poland", "Portugal", "Singapore", "South Africa",
    "South Korea", "Spain", "Sweden", "Switzerland", "Thailand", "United Arab Emirates",
    "United Kingdom", "United States", "Vietnam",
}
ALIASES = {"USA": "United States"}


def write(data, party, key, items):
    """Apply one array of a POST/PUT body to `party[key]`; 422 naming the first bad item."""
    resource, required, attributes, types = ARRAYS[key]
    if not isinstance(items, list):
        raise invalid("party", key, f"{key} must be an array")
    rows = party[key]
    for item in items:
        if not isinstance(item, dict):
            raise invalid(resource, key, f"each of {key} must be an object")
        row = next((r for r in rows if r["id"] == item.get("id")), None)
        if item.get("id") is not None and row is None:
            raise invalid(resource, "id", f"{resource} {item['id']} does not exist on this party")
        if item.get("_delete"):
            rows.remove(row)
            continue
        values = {a: item[a] for a in attributes if a in item}
        _check(resource, values, types, key)
        if row is None:
            if required and not values.get(required):
                raise invalid(resource, required, f"{required} is required")
            row = {"id": next_id(data), **{a: None for a in attributes}}
            rows.append(row)
        row.update(values)
        if required and not row.get(required):
            raise invalid(resource, required, f"{required} is required")


def _check(resource, values, types, key):
    kind = values.get("type")
    if kind is not None and kind not in types:
        raise invalid(resource, "type", f"type must be one of {', '.join(types)}")
    if key == "emailAddresses" and values.get("address") and "@" not in values["address"]:
        raise invalid(resource, "address", "address is not a valid email address")
    if key == "websites" and values.get("service", "URL") not in SERVICES:
        raise invalid(resource, "service", "unknown service")
    if key == "addresses" and values.get("country"):
        country = ALIASES.get(values["country"], values["country"])
        if country not in COUNTRIES:
            raise invalid(resource, "country", "unknown country")
        values["country"] = country


def write_tags(data, party, items):
    """Apply a `tags` array: {"name"} adds the tag (made on first use, one id per name),
    {"id", "_delete": true} removes it; a tag already on the party is not added twice."""
    if not isinstance(items, list):
        raise invalid("party", "tags", "tags must be an array")
    ids = data.setdefault("tag_ids", {})
    for item in items:
        if not isinstance(item, dict):
            raise invalid("tag", "tags", "each of tags must be an object")
        if item.get("_delete"):
            party["tags"] = [t for t in party["tags"] if t["id"] != item.get("id")]
            continue
        name = str(item.get("name") or "").strip()
        if not name:
            raise invalid("tag", "name", "name is required")
        if name.lower() not in ids:
            ids[name.lower()] = next_id(data)
        if all(t["name"].lower() != name.lower() for t in party["tags"]):
            party["tags"].append({"id": ids[name.lower()], "name": name, "description": None,
                                  "dataTag": False})


def searchable(party):
    """The text GET /parties/search?q= looks in: names, e-mail addresses, phone numbers."""
    words = [party.get(k) or "" for k in ("name", "firstName", "lastName")]
    words += [e["address"] or "" for e in party["emailAddresses"]]
    words += [p["number"] or "" for p in party["phoneNumbers"]]
    return " ".join(words).lower()
