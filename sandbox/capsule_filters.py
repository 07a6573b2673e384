"""The filter language of POST /{parties|opportunities}/filters/results.

    {"filter": {"conditions": [{"field": "custom:77", "operator": "is", "value": "..."}]}}

Every condition must hold. Filter field names differ from the record's (`addedOn`,
`updatedOn`); `custom:{definitionId}` and `email` are documented for parties (crms.md §B.7,
§B.8). Documented operators are `is` and `is within last`; the others served here (`is not`,
`contains`, `starts with`, `is after`, `is before`) are the sandbox's guess (§B.13 point 6).
Text compares ignore case.
"""

import datetime

from sandbox import capsule_fields, clock
from sandbox.capsule_base import invalid, now

TEXT_OPERATORS = ("is", "is not", "contains", "starts with")
DATE_OPERATORS = ("is", "is within last", "is after", "is before")


def _texts(data, entity, field, record):
    """The values of `field` on `record` (None when the entity has no such filter field)."""
    if field.startswith("custom:"):
        try:
            value = capsule_fields.value_of(record, int(field.split(":", 1)[1]))
        except ValueError:
            return None
        return [] if value is None else [str(value)]
    if entity == "parties":
        plain = {"name": [record.get("name") or " ".join(
                     filter(None, [record.get("firstName"), record.get("lastName")]))],
                 "type": [record["type"]],
                 "email": [e["address"] or "" for e in record["emailAddresses"]],
                 "phone": [p["number"] or "" for p in record["phoneNumbers"]],
                 "city": [a["city"] or "" for a in record["addresses"]],
                 "country": [a["country"] or "" for a in record["addresses"]],
                 "zip": [a["zip"] or "" for a in record["addresses"]]}
    else:
        milestone = data["milestones"].get(record["_milestone"]) or {}
        plain = {"name": [record["name"]], "milestone": [milestone.get("name", "")]}
    return plain.get(field)


def _dates(field, record):
    stamp = {"updatedOn": record.get("_updated"), "addedOn": record.get("createdAt")}.get(field)
    if stamp is None:
        return None
    return stamp if isinstance(stamp, datetime.datetime) else clock.parse(stamp)


def _condition(data, entity, condition):
    if not isinstance(condition, dict):
        raise invalid("filter", "conditions", "each condition must be an object")
    field, operator = str(condition.get("field") or ""), str(condition.get("operator") or "")
    value = condition.get("value")
    if field in ("updatedOn", "addedOn"):
        return _date_test(data, field, operator, value)
    sample = {"emailAddresses": [], "phoneNumbers": [], "addresses": [], "type": "person",
              "_milestone": None, "name": ""}
    if _texts(data, entity, field, sample) is None:
        raise invalid("filter", "field", f"unknown filter field {field}")
    if operator not in TEXT_OPERATORS:
        raise invalid("filter", "operator", f"operator {operator!r} is not valid for {field}")
    wanted = str(value if value is not None else "").lower()
    tests = {"is": lambda t: t == wanted, "is not": lambda t: t != wanted,
             "contains": lambda t: wanted in t, "starts with": lambda t: t.startswith(wanted)}
    test = tests[operator]

    def match(record):
        texts = [t.lower() for t in _texts(data, entity, field, record)]
        if operator == "is not":
            return all(test(t) for t in texts)
        return any(test(t) for t in texts)

    return match


def _date_test(data, field, operator, value):
    if operator not in DATE_OPERATORS:
        raise invalid("filter", "operator", f"operator {operator!r} is not valid for {field}")
    try:
        if operator == "is within last":
            low = now(data) - datetime.timedelta(days=float(value))
            return lambda r: _dates(field, r) >= low
        day = datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise invalid("filter", "value", f"{value!r} is not valid for {field}") from None
    compare = {"is": lambda d: d == day, "is after": lambda d: d > day,
               "is before": lambda d: d < day}[operator]
    return lambda r: compare(_dates(field, r).date())


def matcher(data, entity, body):
    """A function record -> bool for the filter in `body`; 422 when it cannot be read."""
    conditions = ((body or {}).get("filter") or {}).get("conditions") if isinstance(
        body, dict) else None
    if not isinstance(conditions, list) or not conditions:
        raise invalid("filter", "conditions", "filter must have at least one condition")
    tests = [_condition(data, entity, c) for c in conditions]
    return lambda record: all(t(record) for t in tests)
