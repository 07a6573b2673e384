"""The HubSpot simulator's answers validate against HubSpot's own OpenAPI schemas.

The specs are read from ../shared/specs/hubspot (never copied into the repo). Each answer is
checked against the schema the spec declares for that path, method and status code.
"""

import copy
import json
from pathlib import Path

import pytest
import requests
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from sandbox.testing import Running

SPECS = Path(__file__).resolve().parents[2] / "shared" / "specs" / "hubspot"
pytestmark = pytest.mark.skipif(not SPECS.is_dir(),
                                reason=f"HubSpot OpenAPI specs not found at {SPECS}")
FAST = {"customers": 5, "hubspot_rate_per_10s": 0, "hubspot_search_per_second": 0}


def _load(name):
    return json.loads((SPECS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def spec():
    """check(spec file, spec path, method, response): validate against the declared schema."""
    documents = {}

    def check(name, path, method, response):
        if name not in documents:
            documents[name] = _load(name)
        document, uri = documents[name], f"urn:hubspot-spec:{name}"
        operation = document["paths"][path][method.lower()]
        declared = operation["responses"].get(str(response.status_code)) \
            or operation["responses"]["default"]
        if "$ref" in declared:  # e.g. #/components/responses/Error
            declared = document["components"]["responses"][declared["$ref"].rsplit("/", 1)[1]]
        schema = next(iter(declared["content"].values()))["schema"]
        # Resolve "$ref"s inside the whole document, so components refer to each other.
        registry = Registry().with_resource(uri, Resource.from_contents(
            document, default_specification=DRAFT7))
        validator = Draft7Validator({"$ref": f"{uri}#{_pointer(document, schema)}"},
                                    registry=registry)
        body = as_published(response.json())
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])

    return check


def as_published(body):
    """A copy of an answer with the live API's known departures from the schemas undone.

    The live API (and so the sandbox) sends `null` for requested properties that have no value
    (HubSpot's docs say so) and, in v4 associations, object ids as numbers and `label: null`
    for unlabelled types; the published schemas say strings. Clients must accept both, so the
    sandbox keeps the live behaviour and only these three things are normalised here.
    """
    body = copy.deepcopy(body)
    for item in body.get("results", []) if isinstance(body, dict) else []:
        if isinstance(item.get("properties"), dict):
            item["properties"] = {k: v for k, v in item["properties"].items() if v is not None}
        for key in ("fromObjectId", "toObjectId"):
            if isinstance(item.get(key), int):
                item[key] = str(item[key])
        for target in item.get("to", []) if isinstance(item.get("to"), list) else []:
            target["toObjectId"] = str(target["toObjectId"])
            for kind in target.get("associationTypes", []):
                if kind.get("label") is None:
                    kind.pop("label", None)
    if isinstance(body, dict) and isinstance(body.get("properties"), dict):
        body["properties"] = {k: v for k, v in body["properties"].items() if v is not None}
    return body


def _pointer(document, schema):
    """The JSON pointer of `schema` in the document: its $ref, or its place in components."""
    if "$ref" in schema:
        return schema["$ref"][1:]
    for name, candidate in document["components"]["schemas"].items():
        if candidate is schema:
            return f"/components/schemas/{name}"
    raise AssertionError("inline response schemas are not expected in these specs")


@pytest.fixture(scope="module")
def box():
    running = Running(FAST)
    yield running
    running.close()


@pytest.fixture
def hs(box):
    box.reset(**FAST)
    session = requests.Session()
    session.headers.update(box.hubspot_headers)

    def call(method, path, **kwargs):
        return session.request(method, box.hubspot_url + path, timeout=10, **kwargs)

    yield call
    session.close()


OBJECTS = "/crm/v3/objects/{objectType}"


def test_object_writes_and_reads_match_the_objects_spec(hs, spec):
    created = hs("POST", "/crm/v3/objects/companies", json={"properties": {"name": "Acme"}})
    spec("objects.json", OBJECTS, "post", created)
    upsert = hs("POST", "/crm/v3/objects/contacts/batch/upsert", json={"inputs": [
        {"id": "a@x.test", "idProperty": "email", "properties": {"firstname": "A"},
         "objectWriteTraceId": "a"}]})
    assert upsert.status_code == 200
    spec("objects.json", OBJECTS + "/batch/upsert", "post", upsert)
    spec("contacts.json", "/crm/v3/objects/contacts/batch/upsert", "post", upsert)
    partial = hs("POST", "/crm/v3/objects/contacts/batch/create", json={"inputs": [
        {"properties": {"email": "b@x.test"}, "objectWriteTraceId": "b"},
        {"properties": {"email": "a@x.test"}, "objectWriteTraceId": "dup"},
        {"properties": {"colour": "red"}, "objectWriteTraceId": "bad"}]})
    assert partial.status_code == 207
    spec("objects.json", OBJECTS + "/batch/create", "post", partial)
    whole = hs("POST", "/crm/v3/objects/contacts/batch/create",
               json={"inputs": [{"properties": {"email": "c@x.test"}}]})
    assert whole.status_code == 201
    spec("contacts.json", "/crm/v3/objects/contacts/batch/create", "post", whole)
    read = hs("POST", "/crm/v3/objects/contacts/batch/read",
              json={"inputs": [{"id": "1"}, {"id": created.json()["id"]}], "properties": ["email"]})
    assert read.status_code == 207
    spec("objects.json", OBJECTS + "/batch/read", "post", read)


def test_lists_reads_and_search_match_the_spec(hs, spec):
    company = hs("POST", "/crm/v3/objects/companies", json={"properties": {"name": "Acme"}}).json()
    contact = hs("POST", "/crm/v3/objects/contacts", json={
        "properties": {"email": "a@x.test"},
        "associations": [{"to": {"id": company["id"]}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]}).json()
    listed = hs("GET", "/crm/v3/objects/contacts", params={"limit": 1, "associations": "companies"})
    spec("objects.json", OBJECTS, "get", listed)
    one = hs("GET", f"/crm/v3/objects/contacts/{contact['id']}",
             params={"associations": "companies"})
    spec("objects.json", OBJECTS + "/{objectId}", "get", one)
    hs("POST", "/crm/v3/objects/contacts", json={"properties": {"email": "b@x.test"}})
    token = {"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@x.test"}
    search = hs("POST", "/crm/v3/objects/contacts/search",
                json={"limit": 1, "filterGroups": [{"filters": [token]}]})
    assert search.json()["total"] == 2 and search.json()["paging"]["next"]["after"] == "1"
    spec("objects.json", OBJECTS + "/search", "post", search)


def test_properties_and_groups_match_the_properties_spec(hs, spec):
    group = hs("POST", "/crm/v3/properties/contacts/groups",
               json={"name": "cin7_information", "label": "Cin7 information"})
    spec("properties.json", "/crm/v3/properties/{objectType}/groups", "post", group)
    prop = hs("POST", "/crm/v3/properties/contacts", json={
        "name": "cin7_status", "label": "Cin7 status", "type": "enumeration",
        "fieldType": "select", "groupName": "cin7_information",
        "options": [{"label": "Active", "value": "active", "hidden": False}]})
    assert prop.status_code == 201
    spec("properties.json", "/crm/v3/properties/{objectType}", "post", prop)
    spec("properties.json", "/crm/v3/properties/{objectType}", "get",
         hs("GET", "/crm/v3/properties/contacts"))
    batch = hs("POST", "/crm/v3/properties/contacts/batch/create", json={"inputs": [
        {"name": "cin7_id", "label": "Cin7 id", "type": "string", "fieldType": "text",
         "groupName": "cin7_information", "hasUniqueValue": True},
        {"name": "cin7_status", "label": "again", "type": "string", "fieldType": "text",
         "groupName": "cin7_information"}]})
    assert batch.status_code == 207
    spec("properties.json", "/crm/v3/properties/{objectType}/batch/create", "post", batch)


def test_association_answers_match_the_v4_spec(hs, spec):
    contact = hs("POST", "/crm/v3/objects/contacts",
                 json={"properties": {"email": "a@x.test"}}).json()
    company = hs("POST", "/crm/v3/objects/companies", json={"properties": {"name": "A"}}).json()
    created = hs("POST", "/crm/v4/associations/contacts/companies/batch/create", json={"inputs": [
        {"from": {"id": contact["id"]}, "to": {"id": company["id"]},
         "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}]}]})
    assert created.status_code == 201
    base = "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch"
    spec("associations-v4.json", base + "/create", "post", created)
    partial = hs("POST", "/crm/v4/associations/contacts/companies/batch/create", json={"inputs": [
        {"from": {"id": contact["id"]}, "to": {"id": "424242"},
         "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]})
    assert partial.status_code == 207
    spec("associations-v4.json", base + "/create", "post", partial)
    read = hs("POST", "/crm/v4/associations/contacts/companies/batch/read",
              json={"inputs": [{"id": contact["id"]}]})
    assert read.status_code == 200
    spec("associations-v4.json", base + "/read", "post", read)
    default = hs("POST", "/crm/v4/associations/companies/contacts/batch/associate/default",
                 json={"inputs": [{"from": {"id": company["id"]}, "to": {"id": contact["id"]}}]})
    spec("associations-v4.json", base + "/associate/default", "post", default)


def test_account_owners_and_pipelines_match_their_specs(hs, spec):
    spec("accountInfo.json", "/account-info/v3/details", "get",
         hs("GET", "/account-info/v3/details"))
    spec("accountInfo.json", "/account-info/v3/api-usage/daily/private-apps", "get",
         hs("GET", "/account-info/v3/api-usage/daily/private-apps"))
    spec("crmOwners.json", "/crm/v3/owners", "get", hs("GET", "/crm/v3/owners"))
    spec("pipelines.json", "/crm/v3/pipelines/{objectType}", "get",
         hs("GET", "/crm/v3/pipelines/deals"))


def test_error_bodies_match_the_error_schema(hs, box, spec):
    unauthorised = requests.get(box.hubspot_url + "/crm/v3/objects/contacts")
    assert unauthorised.status_code == 401
    spec("objects.json", OBJECTS, "get", unauthorised)
    invalid = hs("POST", "/crm/v3/objects/contacts", json={"properties": {"colour": "red"}})
    assert invalid.status_code == 400
    spec("objects.json", OBJECTS, "post", invalid)
    hs("POST", "/crm/v3/objects/contacts", json={"properties": {"email": "a@x.test"}})
    conflict = hs("POST", "/crm/v3/objects/contacts", json={"properties": {"email": "a@x.test"}})
    assert conflict.status_code == 409
    spec("contacts.json", "/crm/v3/objects/contacts", "post", conflict)
    missing = hs("GET", "/crm/v3/objects/contacts/424242")
    assert missing.status_code == 404
    spec("objects.json", OBJECTS + "/{objectId}", "get", missing)
    bad_search = hs("POST", "/crm/v3/objects/contacts/search", json={"limit": 500})
    spec("objects.json", OBJECTS + "/search", "post", bad_search)
    duplicate = hs("POST", "/crm/v3/properties/contacts", json={
        "name": "email", "label": "E", "type": "string", "fieldType": "text",
        "groupName": "contactinformation"})
    assert duplicate.status_code == 409
    spec("properties.json", "/crm/v3/properties/{objectType}", "post", duplicate)
