"""GET /query?q=<SOQL> and its nextRecordsUrl pages; a small SOQL subset.

    SELECT Id, Name, Account.Name, (SELECT Quantity FROM OpportunityLineItems)
    FROM Opportunity WHERE IsWon = true AND SystemModstamp > 2026-01-01T00:00:00Z
    ORDER BY SystemModstamp, Id LIMIT 500

WHERE takes =, !=, <>, <, <=, >, >=, LIKE, IN (...), NOT IN (...), AND, OR, NOT and
parentheses; literals are 'quoted strings', numbers, true/false/null, unquoted datetimes and
dates. Text compares case-insensitively, as SOQL does. A batch holds 2,000 records unless the
`Sforce-Query-Options: batchSize=N` header asks for 200 to 2,000; `nextRecordsUrl` names an
opaque locator. Anything else answers MALFORMED_QUERY; unknown objects INVALID_TYPE and
unknown fields INVALID_FIELD, with Salesforce's texts.
"""

import re

from flask import Blueprint, jsonify, request

from sandbox import salesforce_schema as schema
from sandbox import salesforce_store as store
from sandbox import state
from sandbox.salesforce_errors import SalesforceError
from sandbox.salesforce_soql_parser import Parser, malformed

bp = Blueprint("salesforce_soql", __name__, url_prefix="/org/services/data")

BATCH, MIN_BATCH = 2000, 200


# -- evaluation ---------------------------------------------------------------------------

def value_at(org, record, path):
    for owner, name in path[:-1]:
        record = org["records"][schema.relationship(org, owner, name)].get(
            record.get(name + "Id") or "")
        if record is None:
            return None
    owner, name = path[-1]
    value = record.get(name)
    if value is not None and schema.fields(org, owner)[name][0] == "datetime":
        return schema.parse_stamp(value)
    return value


def _compare(operator, left, right):
    if isinstance(left, str) and isinstance(right, str):
        left, right = left.lower(), right.lower()
    if operator == "like":
        pattern = re.escape(str(right)).replace("%", ".*").replace("_", ".")
        return left is not None and re.fullmatch(pattern, str(left), re.I | re.S) is not None
    if operator in ("=", "!=", "<>"):
        return (left == right) == (operator == "=")
    if left is None or right is None:
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right,
            ">=": left >= right}[operator]


def matches(org, record, node):
    if node is None:
        return True
    kind = node[0]
    if kind in ("and", "or"):
        found = (matches(org, record, n) for n in node[1])
        return all(found) if kind == "and" else any(found)
    if kind == "not":
        return not matches(org, record, node[1])
    left = value_at(org, record, node[1])
    if kind in ("in", "not in"):
        hit = any(_compare("=", left, v) for v in node[2])
        return hit == (kind == "in")
    return _compare(kind, left, node[2])


def select(org, query, rows=None):
    rows = [r for r in (rows if rows is not None else org["records"][query["type"]].values())
            if matches(org, r, query["where"])]
    for path, descending, nulls_last in reversed(query["order"] or []):
        present = sorted((r for r in rows if value_at(org, r, path) is not None),
                         key=lambda r, path=path: value_at(org, r, path), reverse=descending)
        empty = [r for r in rows if value_at(org, r, path) is None]
        rows = present + empty if nulls_last else empty + present
    return rows[:query["limit"]] if query["limit"] is not None else rows


def render(org, query, record):
    out = {"attributes": store.attributes(org, query["type"], record["Id"])}
    for kind, spec in query["items"]:
        if kind == "field":
            _place(org, out, record, spec)
        elif kind == "child":
            name, (_, child, ref) = next((c, v) for c, v in schema.CHILDREN.items()
                                         if v[0] == query["type"] and v[1] == spec["type"])
            rows = select(org, spec, [r for r in org["records"][child].values()
                                      if r[ref] == record["Id"]])
            out[name] = {"totalSize": len(rows), "done": True,
                         "records": [render(org, spec, r) for r in rows]} if rows else None
    return out


def _place(org, out, record, path):
    """Put a (dotted) field into `out`, nesting parents as Salesforce does."""
    for owner, name in path[:-1]:
        target = schema.relationship(org, owner, name)
        record = org["records"][target].get(record.get(name + "Id") or "")
        if record is None:
            out[name] = None
            return
        out = out.setdefault(name, {"attributes": store.attributes(org, target, record["Id"])})
    out[path[-1][1]] = record.get(path[-1][1])


def _batch_size():
    options = request.headers.get("Sforce-Query-Options", "")
    found = re.search(r"batchSize\s*=\s*(\d+)", options)
    return min(BATCH, max(MIN_BATCH, int(found.group(1)))) if found else BATCH


def _page(org, locator, rows, start, size, version):
    end = start + size
    body = {"totalSize": len(rows), "done": end >= len(rows), "records": rows[start:end]}
    if end < len(rows):
        org["cursors"][locator] = (rows, size)
        body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{end}"
    return jsonify(body)


@bp.get("/v<version>/query")
@bp.get("/v<version>/queryAll")
def query(version):
    org = state.data("salesforce")
    text = request.args.get("q", "")
    if not text.strip():
        raise malformed("unexpected token: '<EOF>'")
    parser = Parser(org, text)
    parsed = parser.statement()
    if parser.peek():
        raise malformed(f"unexpected token: '{parser.peek()}'")
    rows = select(org, parsed)
    if any(kind == "count" for kind, _ in parsed["items"]):
        return jsonify({"totalSize": len(rows), "done": True, "records": []})
    rendered = [render(org, parsed, r) for r in rows]
    org["next_id"] += 1
    locator = f"01gSb{org['next_id']:010d}AAA"
    return _page(org, locator, rendered, 0, _batch_size(), version)


@bp.get("/v<version>/query/<cursor>")
def more(version, cursor):
    org = state.data("salesforce")
    locator, _, start = cursor.rpartition("-")
    if locator not in org["cursors"] or not start.isdigit():
        raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    rows, size = org["cursors"][locator]
    return _page(org, locator, rows, int(start), size, version)
