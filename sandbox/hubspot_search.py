"""POST /crm/v3/objects/{type}/search with HubSpot's limits.

Limits: body <= 3,000 characters, <= 5 filter groups of <= 6 filters (18 in all), one sort,
limit <= 200, no paging past 10,000 results. Datetime values compare as epoch milliseconds.
With hubspot_search_lag_seconds, a write shows up in search only after that delay.
"""

import fnmatch
import re

from flask import Blueprint, jsonify, request

from sandbox import clock, hubspot_associations, hubspot_schema, hubspot_store, state
from sandbox.hubspot_errors import json_body, validation

bp = Blueprint("search", __name__)
MAX_BODY, MAX_GROUPS, MAX_FILTERS, MAX_TOTAL_FILTERS = 3000, 5, 6, 18
MAX_LIMIT, MAX_RESULTS = 200, 10_000
OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY",
             "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}
SEARCH_DEFAULTS = {"contacts": ["createdate", "email", "firstname", "hs_object_id",
                                "lastmodifieddate", "lastname"]}
QUERY_FIELDS = {"contacts": ["firstname", "lastname", "email", "phone", "company"],
                "companies": ["name", "domain", "website", "phone"]}
TOKEN = re.compile(r"[\w*]+")


def _check_limits(body, raw_length):
    if raw_length > MAX_BODY:
        raise validation(f"The request body is {raw_length} characters long; the maximum is "
                         f"{MAX_BODY}.")
    groups = body.get("filterGroups") or []
    counts = [len(g.get("filters") or []) for g in groups]
    if len(groups) > MAX_GROUPS or any(c > MAX_FILTERS for c in counts) or \
            sum(counts) > MAX_TOTAL_FILTERS:
        raise validation(f"Too many filters: at most {MAX_GROUPS} filterGroups with "
                         f"{MAX_FILTERS} filters each and {MAX_TOTAL_FILTERS} filters in total "
                         "are allowed.")
    if len(body.get("sorts") or []) > 1:
        raise validation("Only one sort is allowed.")


def _comparable(prop, value):
    """A value in a form that orders like HubSpot orders it (ms, number, lower-case text)."""
    if value in (None, ""):
        return None
    kind = prop["type"] if prop else "string"
    try:
        if kind in ("datetime", "date"):
            text = str(value)
            return int(text) if text.lstrip("-").isdigit() else clock.epoch_ms(clock.parse(text))
        if kind == "number":
            return float(value)
    except ValueError:
        raise validation(f"{value} is not a valid value for {prop['name']}") from None
    return str(value) if kind in ("enumeration", "bool") else str(value).lower()


def _tokens_match(text, pattern):
    text, pattern = text.lower(), pattern.lower()
    if "*" in pattern:
        return fnmatch.fnmatchcase(text, pattern) or any(
            fnmatch.fnmatchcase(t, pattern) for t in TOKEN.findall(text))
    return pattern == text or pattern in TOKEN.findall(text)


def _matches(hs, kind, record, f):
    name, op = f.get("propertyName", ""), f.get("operator", "EQ")
    if name.startswith("associations."):
        to_kind = hubspot_schema.object_type(name.split(".", 1)[1])
        linked = {t for t, _ in hubspot_associations.targets(hs, kind, record["id"], to_kind)}
        return (str(f.get("value")) in linked) == (op == "EQ")
    prop = hs["properties"][kind].get(name)
    raw = record["properties"].get(name)
    if op == "HAS_PROPERTY":
        return raw not in (None, "")
    if op == "NOT_HAS_PROPERTY":
        return raw in (None, "")
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        found = raw not in (None, "") and _tokens_match(str(raw), str(f.get("value", "")))
        return found == (op == "CONTAINS_TOKEN")
    value = _comparable(prop, raw)
    if op in ("IN", "NOT_IN"):
        wanted = {_comparable(prop, v) for v in f.get("values") or []}
        return (value in wanted) == (op == "IN")
    target = _comparable(prop, f.get("value"))
    if op == "NEQ":
        return value != target
    if value is None or target is None:
        return False
    if op == "BETWEEN":
        return target <= value <= _comparable(prop, f.get("highValue"))
    return {"EQ": value == target, "LT": value < target, "LTE": value <= target,
            "GT": value > target, "GTE": value >= target}[op]


def _check_filters(hs, kind, groups):
    for f in (f for g in groups for f in g.get("filters") or []):
        if f.get("operator") not in OPERATORS:
            raise validation(f"Unknown operator {f.get('operator')}")
        name = f.get("propertyName", "")
        if not name.startswith("associations.") and name not in hs["properties"][kind]:
            raise validation(f"There was a problem with the request. Property {name} does "
                             "not exist.")


def _sort_key(hs, kind, sort):
    if isinstance(sort, str):  # SDK users send "-createdate"
        sort = {"propertyName": sort.lstrip("-"),
                "direction": "DESCENDING" if sort.startswith("-") else "ASCENDING"}
    name = sort.get("propertyName", "hs_object_id")
    prop = hs["properties"][kind].get(name)

    def key(record):
        value = _comparable(prop, record["properties"].get(name))
        return (value is None, value if value is not None else 0, int(record["id"]))

    return key, sort.get("direction", "ASCENDING") == "DESCENDING"


def _query_match(kind, record, query):
    fields = QUERY_FIELDS.get(kind, ["name"])
    words = query.lower().split()
    texts = " ".join(str(record["properties"].get(f) or "") for f in fields).lower()
    return all(w in texts for w in words)


@bp.post("/crm/v3/objects/<object_type>/search")
def search(object_type):
    hs, kind = state.data("hubspot"), hubspot_schema.object_type(object_type)
    body = json_body()
    _check_limits(body, len(request.get_data(as_text=True)))
    groups = body.get("filterGroups") or []
    _check_filters(hs, kind, groups)
    try:
        limit, after = int(body.get("limit") or 10), int(body.get("after") or 0)
    except (TypeError, ValueError):
        raise validation("limit and after must be integers") from None
    if limit > MAX_LIMIT:
        raise validation(f"limit must be less than or equal to {MAX_LIMIT}; got {limit}")
    if after + limit > MAX_RESULTS:
        raise validation(f"Paging beyond {MAX_RESULTS} results is not supported "
                         f"(after={after}, limit={limit}).")
    visible = (hubspot_store.searchable(hs, r) for r in hs["objects"][kind].values())
    found = [r for r in visible if r and not r["archived"]
             and (not groups or any(all(_matches(hs, kind, r, f) for f in g.get("filters") or [])
                                    for g in groups))
             and (not body.get("query") or _query_match(kind, r, body["query"]))]
    key, reverse = _sort_key(hs, kind, (body.get("sorts") or [{}])[0])
    found.sort(key=key, reverse=reverse)
    names = hubspot_store.requested_properties(body) or SEARCH_DEFAULTS.get(kind)
    page = found[after:after + limit]
    result = {"total": len(found),
              "results": [hubspot_store.render(hs, kind, r, names) for r in page]}
    if after + limit < len(found):
        result["paging"] = {"next": {"after": str(after + limit)}}
    return jsonify(result)
