"""With Salesforce connected, `syncdesk sync products` and Slack's /sync products run the
Salesforce export, and what they say names Salesforce, not HubSpot."""

import dataclasses
import subprocess
import sys

import pytest

from core import runs
from tests.bot.conftest import (  # noqa: F401 - the bot's fixtures, over a Salesforce config
    ALERTS,
    ANA,
    CHANNEL,
    PANEL,
    SECRET,
    TOKEN,
    client,
    client_for,
    slack,
    slack_server,
    slash,
    text_of,
    worker,
)
from tests.salesforce.conftest import sf_records
from tests.salesforce.test_sf_reliability import sf_env


@pytest.fixture
def bot_config(salesforce_crm, slack):  # noqa: F811
    return dataclasses.replace(salesforce_crm, slack_api_url=slack.api_url,
                               slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                               slack_allowed_users=[ANA], slack_alerts_channel=ALERTS,
                               panel_url=PANEL)


def test_the_command_line_switches_to_salesforce_and_exports(salesforce_crm, sandbox):
    env = sf_env(salesforce_crm)
    command = [sys.executable, "-c", "from web.cli import main; main()"]
    subprocess.run([*command, "settings", "set", "crm", "salesforce"], env=env, check=True,
                   capture_output=True)
    done = subprocess.run([*command, "sync", "products"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "finished" in done.stdout
    assert len(sf_records(sandbox, "Product2")) == len(sandbox.get("cin7/products"))
    assert len(sf_records(sandbox, "PricebookEntry")) == len(sandbox.get("cin7/products"))  # standard


def test_slash_sync_products_exports_to_salesforce_and_says_so(slash, slack, sandbox):  # noqa: F811
    response = slash("products")
    assert response.status_code == 200
    [run] = runs.recent()
    assert (run.entity, run.direction, run.status) == ("products", "export", "finished")
    assert len(sf_records(sandbox, "Product2")) == len(sandbox.get("cin7/products"))
    posted = " ".join(text_of(m) for m in slack.messages(CHANNEL))
    assert "Cin7 → Salesforce" in posted and "HubSpot" not in posted


def test_slash_sync_products_in_an_org_without_the_fields_says_what_to_add(  # noqa: F811
        slash, slack, sandbox, sf_keys):  # noqa: F811
    sandbox.reset(customers=40, salesforce_jwt_public_key=sf_keys[1],
                  salesforce_cin7_fields=False)
    slash("products")
    [run] = runs.recent()
    assert run.status == "refused"
    posted = " ".join(text_of(m) for m in slack.all())
    assert "Setup → Object Manager → Product" in posted and "Cin7_Product_ID__c" in posted
