"""sObject rows, external-ID upserts, sObject Collections, describe and /limits.

Collections take at most 200 records (more: 400 EXCEEDED_ID_LIMIT with the text below, the
exact answer being an open point, crms.md A.16.2) and answer 200 with one result per record
in input order. An unknown field anywhere in the request fails the whole request (400
INVALID_FIELD), as a body Salesforce cannot read does. With allOrNone every record that did
not fail itself reports ALL_OR_NONE_OPERATION_ROLLED_BACK and nothing is kept.
"""

import copy

from flask import Blueprint, jsonify, request

from sandbox import salesforce_schema as schema
from sandbox import salesforce_store as store
from sandbox import state
from sandbox.salesforce_errors import NO_RECORD, SalesforceError, no_such_column

bp = Blueprint("salesforce_rest", __name__, url_prefix="/org/services/data")

COLLECTION = 200
TOO_MANY = "record limit reached. cannot submit more than 200 records into this call"
ROLLED_BACK = ("Record rolled back because not all records were valid and the request was "
               "using AllOrNone header")


def _org():
    return state.data("salesforce")


def _body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "The request body is not a JSON object")
    return body


@bp.get("/v<version>/limits")
def limits(version):
    org = _org()
    daily = org["daily_limit"] or 15_000_000
    return jsonify({
        "DailyApiRequests": {"Max": daily, "Remaining": max(0, daily - org["used"])},
        "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
        "DataStorageMB": {"Max": 5120, "Remaining": 5100},
    })


@bp.get("/v<version>/sobjects/<sobject>/describe")
def describe(version, sobject):
    org = _org()
    out = []
    for name, (kind, flags) in schema.fields(org, store.check_type(sobject)).items():
        base = kind.split(":", 1)[0]
        out.append({
            "name": name, "type": base, "referenceTo": kind.split(":", 1)[1:],
            "externalId": schema.EXTERNAL in flags, "unique": schema.unique(org, sobject, name),
            "createable": schema.READ_ONLY not in flags,
            "updateable": not flags & {schema.READ_ONLY, schema.CREATE_ONLY},
            "nillable": schema.REQUIRED not in flags and base != "boolean",
            "picklistValues": [{"value": v, "label": v, "active": True}
                               for v in _picklist(org, sobject, name)]})
    return jsonify({"name": sobject, "keyPrefix": schema.OBJECTS[sobject][0], "fields": out})


def _picklist(org, sobject, name):
    if name == "CurrencyIsoCode":
        return org["currencies"]
    return schema.PICKLISTS.get((sobject, name), ())


@bp.post("/v<version>/sobjects/<sobject>")
def create(version, sobject):
    record = store.create(_org(), store.check_type(sobject), _body())
    return jsonify({"id": record["Id"], "success": True, "errors": []}), 201


@bp.get("/v<version>/sobjects/<sobject>/<record_id>")
def read(version, sobject, record_id):
    org = _org()
    record = store.get(org, sobject, record_id)
    names = [n.strip() for n in request.args.get("fields", "").split(",") if n.strip()]
    known = schema.fields(org, sobject)
    for name in names:
        if name not in known:
            raise no_such_column(sobject, name)
    return jsonify(store.render(org, sobject, record, ["Id", *names] if names else None))


@bp.patch("/v<version>/sobjects/<sobject>/<record_id>")
def update(version, sobject, record_id):
    store.update(_org(), sobject, record_id, _body())
    return "", 204


@bp.delete("/v<version>/sobjects/<sobject>/<record_id>")
def delete(version, sobject, record_id):
    store.delete(_org(), sobject, record_id)
    return "", 204


@bp.patch("/v<version>/sobjects/<sobject>/<field>/<path:value>")
def upsert(version, sobject, field, value):
    """201 created, 200 updated (both with `created`), 300 with the matching records' URLs."""
    org = _org()
    matches = store.by_external_id(org, sobject, field, value)
    values = {k: v for k, v in _body().items() if k != field}
    if len(matches) > 1:
        return jsonify([store.attributes(org, sobject, r["Id"])["url"] for r in matches]), 300
    if not matches and request.args.get("updateOnly", "").lower() == "true":
        raise SalesforceError(404, "NOT_FOUND", NO_RECORD)
    if matches:
        record = store.update(org, sobject, matches[0]["Id"], values)
    else:
        record = store.create(org, sobject, {**values, field: value})
    body = {"id": record["Id"], "success": True, "errors": [], "created": not matches}
    return jsonify(body), 200 if matches else 201


@bp.get("/v<version>/sobjects/<sobject>/<field>/<path:value>")
def read_by_external_id(version, sobject, field, value):
    org = _org()
    matches = store.by_external_id(org, sobject, field, value)
    if len(matches) > 1:
        return jsonify([store.attributes(org, sobject, r["Id"])["url"] for r in matches]), 300
    if not matches:
        raise SalesforceError(404, "NOT_FOUND", NO_RECORD)
    return jsonify(store.render(org, sobject, matches[0]))


# -- collections --------------------------------------------------------------------------

def _records(kind=None):
    """The request's records and allOrNone, refused whole when it cannot be read."""
    body = _body()
    records = body.get("records")
    if not isinstance(records, list) or not records:
        raise SalesforceError(400, "INVALID_FIELD", "No records to process")
    if len(records) > COLLECTION:
        raise SalesforceError(400, "EXCEEDED_ID_LIMIT", TOO_MANY)
    org = _org()
    for record in records:
        sobject = kind or ((record.get("attributes") or {}).get("type") if isinstance(
            record, dict) else None)
        if not sobject:
            raise SalesforceError(400, "INVALID_TYPE", "Must send a concrete entity type.")
        known = schema.fields(org, store.check_type(sobject))
        for name in record:
            if name != "attributes" and name not in known:
                raise no_such_column(sobject, name)
    return records, bool(body.get("allOrNone", False))


def _run(records, write, all_or_none):
    """Apply `write(record) -> (id, created)` to each; roll all back if allOrNone and one fails."""
    org = _org()
    saved = (copy.deepcopy(org["records"]), org["next_id"]) if all_or_none else None
    results, failed = [], False
    for record in records:
        try:
            record_id, created = write(record)
            result = {"id": record_id, "success": True, "errors": []}
            if created is not None:
                result["created"] = created
        except SalesforceError as exc:
            failed = True
            result = {"id": record.get("Id"), "success": False, "errors": [exc.result()]}
        results.append(result)
    if failed and all_or_none:
        org["records"], org["next_id"] = saved
        org.pop("indexes", None)  # built again from the records as they were
        rolled = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": ROLLED_BACK,
                  "fields": []}
        results = [r if not r["success"] else {"id": None, "success": False, "errors": [rolled]}
                   for r in results]
    return jsonify(results)


def _type(record):
    return record["attributes"]["type"]


@bp.post("/v<version>/composite/sobjects")
def collection_create(version):
    records, all_or_none = _records()
    org = _org()
    return _run(records, lambda r: (store.create(org, _type(r), r)["Id"], None), all_or_none)


@bp.patch("/v<version>/composite/sobjects")
def collection_update(version):
    records, all_or_none = _records()
    org = _org()

    def write(record):
        if not record.get("Id"):
            raise SalesforceError(400, "MISSING_ARGUMENT", "Id not specified in an update call")
        values = {k: v for k, v in record.items() if k != "Id"}
        return store.update(org, _type(record), record["Id"], values)["Id"], None

    return _run(records, write, all_or_none)


@bp.patch("/v<version>/composite/sobjects/<sobject>/<field>")
def collection_upsert(version, sobject, field):
    org = _org()
    store.by_external_id(org, sobject, field, "")  # 404 when not an external-ID field
    records, all_or_none = _records(sobject)
    values = [str(r.get(field) or "").lower() for r in records]

    def write(record):
        value = record.get(field)
        if not value:
            raise SalesforceError(400, "MISSING_ARGUMENT", f"{field} not specified")
        if values.count(str(value).lower()) > 1:
            raise SalesforceError(400, "DUPLICATE_EXTERNAL_ID",
                                  f"Duplicate external id specified: {value}", [field])
        matches = store.by_external_id(org, sobject, field, value)
        if len(matches) > 1:
            raise SalesforceError(300, "DUPLICATE_EXTERNAL_ID", f"{field}: more than one record "
                                  f"found for external id field: {[m['Id'] for m in matches]}",
                                  [field])
        if matches:
            rest = {k: v for k, v in record.items() if k != field}
            return store.update(org, sobject, matches[0]["Id"], rest)["Id"], False
        return store.create(org, sobject, record)["Id"], True

    return _run(records, write, all_or_none)


@bp.delete("/v<version>/composite/sobjects")
def collection_delete(version):
    """DELETE ?ids=a,b&allOrNone=false: one result per id, in order (at most 200)."""
    ids = [i for i in request.args.get("ids", "").split(",") if i]
    if not ids:
        raise SalesforceError(400, "MISSING_ARGUMENT", "ids not specified")
    if len(ids) > COLLECTION:
        raise SalesforceError(400, "EXCEEDED_ID_LIMIT", TOO_MANY)
    org = _org()

    def write(record):
        sobject = schema.type_of(record["Id"])
        if sobject is None or store.find(org, sobject, record["Id"]) is None:
            raise SalesforceError(404, "ENTITY_IS_DELETED", "entity is deleted")
        store.delete(org, sobject, record["Id"])
        return record["Id"], None

    all_or_none = request.args.get("allOrNone", "").lower() == "true"
    return _run([{"Id": i} for i in ids], write, all_or_none)
