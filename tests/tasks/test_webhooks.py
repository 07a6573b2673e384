"""Webhook endpoints: who is let in, what they ask for, and that a burst makes one run."""

import base64
import hashlib
import hmac
import json
import threading
import time

import pytest
import requests
from flask import Flask

from core import leases, settings
from core import webhooks as events
from core.store import Run
from tasks import enqueue_run, huey, start_soon
from tests.tasks.conftest import CLIENT_SECRET, WEBHOOK_SECRET, wait_for

PUBLIC = "https://syncdesk.example.com/webhooks/hubspot"
COMPANY_CHANGED = [{"eventId": 1, "subscriptionId": 12, "portalId": 62515,
                    "occurredAt": 1564113600000, "subscriptionType": "company.propertyChange",
                    "attemptNumber": 0, "objectId": 123, "propertyName": "name",
                    "propertyValue": "Acme", "changeSource": "CRM", "appId": 54321}]


def signed(body, secret=CLIENT_SECRET, uri=PUBLIC, ts=None):
    """Headers HubSpot sends: base64 HMAC-SHA256 of method + URI + body + timestamp (ms)."""
    ts = str(int(time.time() * 1000) if ts is None else ts)
    source = f"POST{uri}{body}{ts}".encode()
    digest = base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest())
    return {"X-HubSpot-Signature-v3": digest.decode(), "X-HubSpot-Request-Timestamp": ts,
            "Content-Type": "application/json"}


def customer_updated(customer):
    return {"NumberOfCustomers": 1, "CustomerDetailsList": [{"Customer": customer}],
            "EventType": "Customer/Updated"}


def soon_tasks():
    return [t.args for t in huey.scheduled() if t.name == "start_soon"]


@pytest.fixture
def debounced(tasks_config, monkeypatch):
    """Webhooks wait 30 s before their run (the run stays in Huey's schedule)."""
    from dataclasses import replace

    import tasks

    cfg = replace(tasks_config, webhook_debounce_seconds=30)
    monkeypatch.setattr(tasks.app, "config", cfg)
    return cfg


def test_a_signed_hubspot_event_asks_for_an_import_soon(debounced, webhook_client):
    settings.set("customers.direction", "import")
    body = json.dumps(COMPANY_CHANGED)
    r = webhook_client.post("/webhooks/hubspot", data=body, headers=signed(body))
    assert r.status_code == 202, r.json
    assert r.json["sync_soon"] == ["customers"]
    assert soon_tasks() == [("customers", "import", "hubspot webhook")]


def test_hubspot_events_are_ignored_once_another_crm_is_connected(debounced, webhook_client):
    settings.set("customers.direction", "import")
    settings.set("crm", "salesforce")
    body = json.dumps(COMPANY_CHANGED)
    r = webhook_client.post("/webhooks/hubspot", data=body, headers=signed(body))
    assert r.status_code == 202
    assert r.json["sync_soon"] == []
    assert r.json["ignored"] == {"customers": "hubspot is not the connected CRM (salesforce)"}
    assert soon_tasks() == []


@pytest.mark.parametrize("change", ["wrong secret", "six minutes old", "body changed",
                                    "other url", "no signature"])
def test_a_hubspot_request_that_fails_the_signature_check_is_refused(tasks_config,
                                                                     webhook_client, change):
    settings.set("customers.direction", "import")
    body = json.dumps(COMPANY_CHANGED)
    headers = signed(body, secret="not-the-secret" if change == "wrong secret" else CLIENT_SECRET,
                     ts=int((time.time() - 360) * 1000) if change == "six minutes old" else None,
                     uri="https://evil.example.com/webhooks/hubspot" if change == "other url"
                     else PUBLIC)
    if change == "body changed":
        body = body.replace("Acme", "Evil")
    if change == "no signature":
        headers.pop("X-HubSpot-Signature-v3")
    r = webhook_client.post("/webhooks/hubspot", data=body, headers=headers)
    assert r.status_code == 401
    assert Run.select().count() == 0


def test_a_cin7_webhook_with_the_secret_in_the_url_syncs_the_change(tasks_config, sandbox,
                                                                    webhook_client):
    webhook_client.post(f"/webhooks/cin7/{WEBHOOK_SECRET}", json=customer_updated({}))
    customer = next(c for c in sandbox.get("cin7/customers") if c["Contacts"])
    requests.patch(f"{sandbox.url}/_sandbox/cin7/customers/{customer['ID']}",
                   json={"Name": "Renamed By Webhook"}, timeout=10).raise_for_status()
    r = webhook_client.post(f"/webhooks/cin7/{WEBHOOK_SECRET}", json=customer_updated(customer))
    assert r.status_code == 202 and r.json["sync_soon"] == ["customers"]
    run = Run.select().order_by(Run.id.desc()).first()
    assert (run.trigger, run.who, run.status) == ("webhook", "cin7 webhook", "finished")
    assert run.read >= 1 and run.read < len(sandbox.get("cin7/customers"))  # incremental
    names = [c["properties"]["name"] for c in sandbox.hubspot("companies")]
    assert "Renamed By Webhook" in names


def test_a_cin7_webhook_may_carry_the_secret_as_basic_auth(tasks_config, webhook_client):
    auth = "Basic " + base64.b64encode(f"syncdesk:{WEBHOOK_SECRET}".encode()).decode()
    r = webhook_client.post("/webhooks/cin7", json=customer_updated({}),
                            headers={"Authorization": auth})
    assert r.status_code == 202


@pytest.mark.parametrize("path,headers", [
    ("/webhooks/cin7/wrong-secret", {}),
    ("/webhooks/cin7", {}),
    ("/webhooks/cin7", {"Authorization": "Basic " + base64.b64encode(b"syncdesk:nope").decode()}),
])
def test_a_cin7_webhook_without_the_secret_is_refused(tasks_config, webhook_client, path, headers):
    r = webhook_client.post(path, json=customer_updated({}), headers=headers)
    assert r.status_code == 401
    assert Run.select().count() == 0


def test_changes_are_ignored_where_the_direction_does_not_read_that_system(tasks_config,
                                                                          webhook_client):
    settings.set("products.direction", "off")
    r = webhook_client.post(f"/webhooks/cin7/{WEBHOOK_SECRET}",
                            json={"EventType": "Product/Updated", "ProductDetailsList": []})
    assert r.json["sync_soon"] == [] and "products" in r.json["ignored"]  # products are off
    body = json.dumps(COMPANY_CHANGED)  # customers export: HubSpot edits are not read
    r = webhook_client.post("/webhooks/hubspot", data=body, headers=signed(body))
    assert r.status_code == 202 and "export" in r.json["ignored"]["customers"]
    settings.set("sync.enabled", "off")
    r = webhook_client.post(f"/webhooks/cin7/{WEBHOOK_SECRET}", json=customer_updated({}))
    assert "switched off" in r.json["ignored"]["customers"]
    assert Run.select().count() == 0


def test_a_burst_of_webhooks_makes_one_run(debounced, webhook_client, sandbox):
    for _ in range(50):
        r = webhook_client.post(f"/webhooks/cin7/{WEBHOOK_SECRET}", json=customer_updated({}))
        assert r.status_code == 202
    assert soon_tasks() == [("customers", "export", "cin7 webhook")]
    start_soon.call_local("customers", "export", "cin7 webhook")  # the debounce is over
    assert [r.trigger for r in Run.select()] == ["webhook"]
    assert leases.held("soon:customers:export") is None  # the next change asks again
    webhook_client.post(f"/webhooks/cin7/{WEBHOOK_SECRET}", json=customer_updated({}))
    assert len(soon_tasks()) == 2


def test_payloads_are_read_leniently():
    assert events.cin7_entities(b'{"EventType":"Customer/Updated", "DocumentDate":29/01/2018}') \
        == {"customers"}
    assert events.cin7_entities(b'[{"ID": 1, "SKU": "A"}]') == set()  # stock levels: not synced
    assert events.hubspot_entities([{"subscriptionType": "object.propertyChange",
                                     "objectTypeId": "0-2"}, {"subscriptionType": "deal.creation"},
                                    "junk"]) == {"customers", "sales"}


class Obj:
    """What `syncdesk` hands its commands: a loaded config."""

    def __init__(self, config):
        self.config = config


def test_registered_cin7_webhooks_bring_a_change_to_hubspot(tasks_config, sandbox):
    import click
    from click.testing import CliRunner
    from werkzeug.serving import make_server

    from core.connectors.cin7 import Cin7
    from tasks import cli as tasks_cli
    from web import webhooks

    sandbox.reset(customers=20, cin7_webhook_delay=0)
    app = Flask("syncdesk-web")
    app.config["SYNCDESK_CONFIG"] = tasks_config
    app.register_blueprint(webhooks.bp)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    group = click.Group("syncdesk")
    tasks_cli.register(group)
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        for _ in range(2):  # a second time changes nothing
            out = CliRunner().invoke(group, ["webhooks", "register", "--url", url],
                                     obj=Obj(tasks_config))
            assert out.exit_code == 0, out.output
        assert "private app" in out.output and f"{url}/webhooks/hubspot" in out.output
        assert WEBHOOK_SECRET not in out.output
        hooks = Cin7(tasks_config).webhooks()
        assert sorted(h["Type"] for h in hooks) == sorted(events.CIN7_TYPES)
        enqueue_run("customers", "export", "cli")
        customer = next(c for c in sandbox.get("cin7/customers") if c["Contacts"])
        requests.patch(f"{sandbox.url}/_sandbox/cin7/customers/{customer['ID']}",
                       json={"Name": "Changed In Cin7"}, timeout=10).raise_for_status()
        wait_for(lambda: "Changed In Cin7" in {c["properties"]["name"]
                                               for c in sandbox.hubspot("companies")},
                 20, what="the change in HubSpot")
    finally:
        server.shutdown()
    assert Run.select().where(Run.trigger == "webhook").count() == 1


def test_the_panel_serves_the_webhooks_without_sign_in_or_csrf_token(tasks_config):
    from web import create_app

    client = create_app(tasks_config).test_client()
    r = client.post(f"/webhooks/cin7/{WEBHOOK_SECRET}", json=customer_updated({}))
    assert r.status_code == 202, r.data[:300]
    body = json.dumps(COMPANY_CHANGED)
    assert client.post("/webhooks/hubspot", data=body, headers=signed(body)).status_code == 202
    assert client.post("/webhooks/cin7/nope", json={}).status_code == 401
