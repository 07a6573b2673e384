"""What the Capsule sandbox adds for these flows (crms.md §B.12): party tags written by name and
removed by id, REST hook deliveries with retries and 410 unsubscribe."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from tests.test_sandbox_capsule import APP, Capsule


@pytest.fixture
def capsule(sandbox):
    return Capsule(sandbox.url)


def test_tags_are_added_by_name_once_and_removed_by_id(capsule):
    made = capsule("POST", "parties", params={"embed": "tags"}, json={"party": {
        "type": "organisation", "name": "Tagged Co", "tags": [{"name": "Deprecated"}]}})
    party = made.json()["party"]
    [tag] = party["tags"]
    assert tag["name"] == "Deprecated" and tag["id"]
    again = capsule("PUT", f"parties/{party['id']}", params={"embed": "tags"}, json={"party": {
        "tags": [{"name": "deprecated"}, {"name": "VIP"}]}}).json()["party"]
    assert [t["name"] for t in again["tags"]] == ["Deprecated", "VIP"]
    gone = capsule("PUT", f"parties/{party['id']}", params={"embed": "tags"}, json={"party": {
        "tags": [{"id": tag["id"], "_delete": True}]}}).json()["party"]
    assert [t["name"] for t in gone["tags"]] == ["VIP"]
    assert capsule("PUT", f"parties/{party['id']}", json={"party": {
        "tags": [{"description": "no name"}]}}).status_code == 422


class Receiver(BaseHTTPRequestHandler):
    """Answers each path's statuses in turn (then 200) and keeps what it got."""

    answers, got = {}, []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Receiver.got.append((self.path, body))
        queue = Receiver.answers.get(self.path) or [200]
        self.send_response(queue.pop(0) if len(queue) > 1 else queue[0])
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.answers, Receiver.got = {"/flaky": [500, 200], "/gone": [410]}, []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def deliveries(sandbox, count, seconds=5):
    deadline = time.time() + seconds
    while time.time() < deadline:
        found = requests.get(f"{sandbox.url}/capsule/_sandbox/deliveries", timeout=5).json()
        if len(found) >= count:
            return found
        time.sleep(0.05)
    return found


def test_rest_hooks_deliver_the_record_retry_a_failure_and_drop_on_410(sandbox, receiver):
    sandbox.reset(customers=40, capsule_hook_retry_seconds=0.05)
    app, capsule = Capsule(sandbox.url, APP), Capsule(sandbox.url)
    for event, path, embed in (("party/created", "/flaky", "fields,tags"),
                               ("party/updated", "/gone", None)):
        made = app("POST", "resthooks", json={"restHook": {
            "event": event, "targetUrl": receiver + path, "embed": embed}})
        assert made.status_code == 201, made.text
    party = capsule.create(type="organisation", name="Hooked Co")
    capsule("PUT", f"parties/{party['id']}", json={"party": {"about": "changed"}})
    found = deliveries(sandbox, 3)
    assert sorted((d["event"], d["attempt"], d["status"]) for d in found) == [
        ("party/created", 1, 500), ("party/created", 2, 200), ("party/updated", 1, 410)]
    path, body = next(g for g in Receiver.got if g[0] == "/flaky")
    assert body["event"] == "party/created" and body["payload"][0]["name"] == "Hooked Co"
    assert "tags" in body["payload"][0] and "fields" in body["payload"][0]
    assert [h["event"] for h in app("GET", "resthooks").json()["restHooks"]] == ["party/created"]


def test_additional_parties_are_204_once_then_422_and_404_when_missing(capsule):
    buyer = capsule.create(type="organisation", name="Buyer Co")
    ana = capsule.create(type="person", firstName="Ana")
    opp = capsule("POST", "opportunities", json={"opportunity": {
        "name": "Q", "party": {"id": buyer["id"]}, "milestone": {"id": 11}}}).json()["opportunity"]
    path = f"opportunities/{opp['id']}/parties/{ana['id']}"
    added = capsule("POST", path)
    assert added.status_code == 204 and added.text == ""
    again = capsule("POST", path)
    assert again.status_code == 422 and "already a contact" in again.json()["errors"][0]["message"]
    listed = capsule("GET", f"opportunities/{opp['id']}/parties").json()["parties"]
    assert [p["id"] for p in listed] == [ana["id"]]
    assert capsule("DELETE", path).status_code == 204
    assert capsule("DELETE", path).status_code == 404


def test_embed_missing_important_fields_names_the_empty_important_ones(capsule):
    made = capsule("POST", "parties/fields/definitions", json={"definition": {
        "name": "Account code", "type": "text", "important": True,
        "captureRule": "organisation"}}).json()["definition"]
    org = capsule.create(type="organisation", name="Gappy Co")
    read = capsule("GET", f"parties/{org['id']}",
                   params={"embed": "missingImportantFields"}).json()["party"]
    assert read["missingImportantFields"] == [{"id": made["id"], "name": "Account code"}]
