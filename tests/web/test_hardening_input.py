"""Public endpoints and the panel refuse junk cheaply; an open Slack is announced loudly."""

import dataclasses
import json
import logging

from tests.tasks.conftest import tasks_config, webhook_client  # noqa: F401 (fixtures)
from tests.tasks.test_webhooks import signed
from tests.web.conftest import PASSWORD, USER, Panel, text
from web import create_app
from web import webhooks as webhook_views


def test_signed_deeply_nested_json_to_the_hubspot_webhook_is_a_400_and_one_line(
        tasks_config, webhook_client, caplog):  # noqa: F811
    body = "[" * 100_000 + "]" * 100_000
    assert len(body) < webhook_views.BODY_LIMIT
    r = webhook_client.post("/webhooks/hubspot", data=body, headers=signed(body))
    assert r.status_code == 400
    loud = [rec for rec in caplog.records if rec.levelno >= logging.WARNING]
    assert len(loud) == 1 and not any(rec.exc_info for rec in caplog.records)


def test_a_hubspot_webhook_over_the_limit_is_refused_before_reading(
        tasks_config, webhook_client):  # noqa: F811
    body = json.dumps([{"subscriptionType": "company.creation", "objectId": n,
                        "propertyValue": "x" * 400} for n in range(1000)])
    r = webhook_client.post("/webhooks/hubspot", data=body, headers=signed(body))
    assert r.status_code == 413


def test_the_panel_refuses_a_body_over_its_limit(anonymous):
    r = anonymous.client.post("/login", data={"username": "x" * (5 * 1024 * 1024)})
    assert r.status_code == 413


def test_an_open_slack_is_logged_at_start_and_shown_on_the_dashboard(web_config, caplog):
    open_slack = dataclasses.replace(web_config, slack_signing_secret="s3cret",
                                     slack_allowed_users=[], slack_allowed_channels=[],
                                     slack_allowed_usergroups=[])
    app = create_app(open_slack, {"TESTING": True})
    assert any("SECURITY" in r.getMessage() and "ANY member" in r.getMessage()
               for r in caplog.records if r.levelno >= logging.WARNING)
    from core import accounts

    accounts.create_admin(USER, PASSWORD)
    panel = Panel(app.test_client())
    panel.sign_in()
    assert "ANY member of the Slack workspace" in text(panel.get("/"))


def test_an_allow_list_silences_the_warning(web_config, caplog):
    listed = dataclasses.replace(web_config, slack_signing_secret="s3cret",
                                 slack_allowed_users=["U0ANA"])
    create_app(listed, {"TESTING": True})
    assert not any("SECURITY" in r.getMessage() for r in caplog.records)
