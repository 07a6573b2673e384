"""The panel's Event webhooks page (EXT-4): add an endpoint (secret shown once), URLs refused
with the reason, deliveries listed with Resend and a test event, the disabled banner."""

from dataclasses import replace

import pytest

import tasks
from core.events import endpoints
from core.events.models import Delivery, Endpoint
from tests.tasks.test_event_deliveries import Receiver
from tests.web.conftest import Panel, text
from web import create_app


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def loopback_panel(web_config, admin):
    """The panel and worker of a demo-like install: loopback endpoints over http allowed."""
    cfg = replace(web_config, events_allow_http=True, events_allow_private=True)
    tasks.configure(cfg)  # the worker checks the URL again before each attempt
    client = Panel(create_app(cfg, {"TESTING": True}).test_client())
    client.sign_in()
    yield client
    tasks.configure(web_config)


def test_a_private_or_plain_http_url_is_refused_with_the_reason(panel):
    page = panel.post("/events/", {"url": "http://127.0.0.1:8100/hook", "events": "run.failed",
                                   "enabled": "on"})
    assert page.status_code == 400 and "must start with https://" in text(page)
    page = panel.post("/events/", {"url": "https://127.0.0.1/hook", "events": "run.failed"})
    assert page.status_code == 400 and "loopback, private or reserved" in text(page)
    assert Endpoint.select().count() == 0


def test_the_secret_is_shown_once_and_a_test_event_is_delivered(loopback_panel, receiver):
    page = loopback_panel.post("/events/", {"url": receiver.url, "events": ["run.finished",
                                                                            "run.failed"],
                                            "enabled": "on"})
    assert page.status_code == 201
    [endpoint] = Endpoint.select()
    secret = endpoints.secret_of(endpoint, loopback_panel.client.application.config[
        "SYNCDESK_CONFIG"])
    assert secret in text(page) and endpoint.events == ["run.finished", "run.failed"]
    assert secret not in text(loopback_panel.get("/events/"))  # never again
    answer = loopback_panel.post(f"/events/{endpoint.id}/test")
    assert answer.status_code == 302
    [event] = receiver.verified(secret)
    assert event["type"] == "endpoint.test"
    page = text(loopback_panel.get("/events/"))
    assert "endpoint.test" in page and "delivered" in page and ">200<" in page.replace(" ", "")


def test_resend_sends_a_delivery_again_with_its_id(loopback_panel, receiver):
    cfg = loopback_panel.client.application.config["SYNCDESK_CONFIG"]
    endpoint, _ = endpoints.create(cfg, receiver.url, ["run.failed"])
    loopback_panel.post(f"/events/{endpoint.id}/test")
    [sent] = Delivery.select()
    assert loopback_panel.post(f"/events/deliveries/{sent.id}/resend").status_code == 302
    assert receiver.ids() == [sent.message_id, sent.message_id]
    assert Delivery.get_by_id(sent.id).attempts == 2


def test_a_disabled_endpoint_shows_a_banner_until_enabled_again(loopback_panel, receiver):
    cfg = loopback_panel.client.application.config["SYNCDESK_CONFIG"]
    endpoint, _ = endpoints.create(cfg, receiver.url, ["run.failed"])
    Endpoint.update(enabled=False, disabled_at=Endpoint.created_at,
                    disabled_reason="disabled after failing for a day (last: HTTP 503)").execute()
    assert "was disabled" in text(loopback_panel.get("/events/"))
    loopback_panel.post(f"/events/{endpoint.id}", {"url": receiver.url, "events": "run.failed",
                                                   "enabled": "on"})
    assert "was disabled" not in text(loopback_panel.get("/events/"))
    assert Endpoint.get_by_id(endpoint.id).enabled


def test_the_page_needs_a_signed_in_admin(anonymous):
    assert anonymous.get("/events/").status_code == 302
