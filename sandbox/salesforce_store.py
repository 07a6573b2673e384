"""Records of the sandbox org: field checks, then create, update and delete.

A write that breaks a rule raises SalesforceError(status, code, message, fields); the REST
views answer it as Salesforce's JSON list of {"message","errorCode","fields"}, and the
collection views as one result's {"statusCode","message","fields"}. The price-book,
opportunity and quote rules live in sandbox/salesforce_rules.py.
"""

import datetime

from sandbox import salesforce_rules as rules
from sandbox import salesforce_schema as schema
from sandbox.salesforce_errors import NO_RECORD, SalesforceError, no_such_column


def check_type(sobject):
    if sobject not in schema.OBJECTS:
        raise SalesforceError(404, "NOT_FOUND", NO_RECORD)
    return sobject


def find(org, sobject, record_id):
    return org["records"][check_type(sobject)].get(schema.full_id(record_id))


def get(org, sobject, record_id):
    record = find(org, sobject, record_id)
    if record is None:
        raise SalesforceError(404, "NOT_FOUND", NO_RECORD)
    return record


def _value(sobject, name, kind, value):
    """The stored value of one field; raises what Salesforce says for a bad one."""
    if value is None:
        return None
    try:
        if kind == "boolean":
            if not isinstance(value, bool):
                raise ValueError
            return value
        if kind == "double":
            return float(value)
        if kind == "date":
            return datetime.date.fromisoformat(str(value)).isoformat()
        if kind == "datetime":
            return schema.stamp(schema.parse_stamp(value))
    except (TypeError, ValueError):
        raise SalesforceError(400, "JSON_PARSER_ERROR",
                              f"Cannot deserialize instance of {kind} from VALUE_STRING "
                              f"value {value} or request may be missing a required field",
                              [name]) from None
    return str(value)


def clean(org, sobject, values, creating):
    """The incoming fields checked against the object's definition (not the rules)."""
    known = schema.fields(org, sobject)
    out = {}
    for name, value in values.items():
        if name == "attributes":
            continue
        if name not in known:
            raise no_such_column(sobject, name)
        kind, flags = known[name]
        if schema.READ_ONLY in flags or (schema.CREATE_ONLY in flags and not creating):
            raise SalesforceError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                                  f"Unable to create/update fields: {name}. Please check the "
                                  "security settings of this field and verify that it is "
                                  "read/write for your profile or permission set.", [name])
        out[name] = _value(sobject, name, kind, value)
    return out


def _require(org, sobject, record):
    missing = [name for name, (_, flags) in schema.fields(org, sobject).items()
               if schema.REQUIRED in flags and record.get(name) in (None, "")]
    if missing:
        raise SalesforceError(400, "REQUIRED_FIELD_MISSING",
                              f"Required fields are missing: [{', '.join(missing)}]", missing)


def _reindex(org, sobject, old, new):
    for key, found in org.get("indexes", {}).items():
        kind, field = key.split(".", 1)
        if kind != sobject:
            continue
        if old is not None:
            found.get(schema.value_key(old.get(field)), set()).discard(old["Id"])
        if new is not None:
            found.setdefault(schema.value_key(new.get(field)), set()).add(new["Id"])


def _unique(org, sobject, record):
    for custom in schema.externals(sobject):
        value = record.get(custom)
        if not value or not schema.unique(org, sobject, custom):
            continue
        for other_id in sorted(schema.index(org, sobject, custom).get(schema.value_key(value),
                                                                       ())):
            if other_id != record.get("Id"):
                raise SalesforceError(400, "DUPLICATE_VALUE",
                                      f"duplicate value found: {custom} duplicates value on "
                                      f"record with id: {other_id}", [])


def create(org, sobject, values):
    """Insert one record; returns it (rules applied, nothing stored on an error)."""
    record = {name: None for name in schema.fields(org, sobject)}
    record.update(rules.defaults(org, sobject))
    record.update(clean(org, sobject, values, creating=True))
    _require(org, sobject, record)
    record["Id"] = schema.new_id(org, sobject)
    record["IsDeleted"] = False
    _unique(org, sobject, record)
    rules.check(org, sobject, record, None)
    now = schema.stamp()
    record.update(CreatedDate=now, LastModifiedDate=now, SystemModstamp=now)
    org["records"][sobject][record["Id"]] = record
    _reindex(org, sobject, None, record)
    rules.after(org, sobject, record)
    return record


def update(org, sobject, record_id, values):
    record = get(org, sobject, record_id)
    changed = dict(record) | clean(org, sobject, values, creating=False)
    _require(org, sobject, changed)
    _unique(org, sobject, changed)
    rules.check(org, sobject, changed, record)
    changed["LastModifiedDate"] = changed["SystemModstamp"] = schema.stamp()
    _reindex(org, sobject, record, changed)
    record.update(changed)
    rules.after(org, sobject, record)
    return record


def delete(org, sobject, record_id):
    record = get(org, sobject, record_id)
    for child, (parent, kind, ref) in schema.CHILDREN.items():
        if parent == sobject and child != "Contacts":
            for other in list(org["records"][kind].values()):
                if other[ref] == record["Id"]:
                    del org["records"][kind][other["Id"]]
                    _reindex(org, kind, other, None)
    del org["records"][sobject][record["Id"]]
    _reindex(org, sobject, record, None)
    rules.after(org, sobject, record, deleted=True)


def by_external_id(org, sobject, field, value):
    """Records whose external-ID `field` is `value` (case-insensitive, as Salesforce's text)."""
    known = schema.fields(org, check_type(sobject))
    if field != "Id" and schema.EXTERNAL not in known.get(field, ("", set()))[1]:
        raise SalesforceError(404, "NOT_FOUND", "Provided external ID field does not exist or "
                              f"is not accessible: {field}")
    if field == "Id":
        found = org["records"][sobject].get(schema.full_id(value))
        return [found] if found else []
    key = schema.value_key(value)
    ids = schema.index(org, sobject, field).get(key, ()) if key else ()
    return [org["records"][sobject][i] for i in sorted(ids)]


def attributes(org, sobject, record_id):
    return {"type": sobject,
            "url": f"/services/data/v{org['version']}/sobjects/{sobject}/{record_id}"}


def render(org, sobject, record, names=None):
    """A record as the API returns it: `attributes` first, then the fields asked for."""
    out = {"attributes": attributes(org, sobject, record["Id"])}
    for name in names or record:
        out[name] = record.get(name)
    return out
