"""Capsule milestones: read as a run, mapped from Cin7 sale statuses in the panel and the
CLI, bad input refused with its reason (EXT-3, as SAL-1's Deal stages)."""

import pytest
from click.testing import CliRunner

import tasks
from core import accounts, settings
from core.cli import cli
from core.sales import milestones
from tests.web.conftest import PASSWORD, USER, Panel, text
from web import create_app


@pytest.fixture
def panel(capsule_crm):
    previous, was_immediate = tasks.app.config, tasks.huey.immediate
    tasks.configure(capsule_crm, immediate=True)
    app = create_app(capsule_crm, {"TESTING": True})
    accounts.create_admin(USER, PASSWORD)
    client = Panel(app.test_client())
    assert client.sign_in().status_code == 302
    yield client
    tasks.configure(previous, immediate=was_immediate)


def ids():
    return {m["name"]: m["id"] for m in milestones.milestones()}


def test_loading_milestones_then_mapping_statuses_is_saved(panel):
    page = text(panel.get("/milestones/"))
    assert "have not been read yet" in page and "Milestones" in page  # in the menu too
    response = panel.post("/milestones/load", follow_redirects=True)
    assert "milestones from Capsule read" in text(response)
    page = text(panel.get("/milestones/"))
    assert "Sales: Proposal (50 %)" in page and "Sales: Lost (0 %, lost)" in page
    response = panel.post("/milestones/", {"status.ESTIMATED": ids()["Proposal"],
                                           "status.VOIDED": ids()["Lost"]},
                          follow_redirects=True)
    assert "Milestones saved." in text(response)
    assert settings.get("capsule.milestone_map") == {"ESTIMATED": ids()["Proposal"],
                                                     "VOIDED": ids()["Lost"]}


def test_voided_on_an_open_milestone_and_an_unknown_milestone_are_refused(panel):
    panel.post("/milestones/load")
    response = panel.post("/milestones/", {"status.VOIDED": ids()["Proposal"]})
    assert response.status_code == 400
    assert "VOIDED must go to a lost milestone" in text(response)
    response = panel.post("/milestones/", {"status.ESTIMATED": "999"})
    assert response.status_code == 400 and "Capsule has no milestone" in text(response)
    assert settings.get("capsule.milestone_map") == {}


def test_the_cli_loads_lists_and_maps_milestones(capsule_crm, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", capsule_crm.database_url)
    monkeypatch.setenv("CAPSULE_BASE_URL", capsule_crm.capsule_base_url)
    monkeypatch.setenv("CAPSULE_TOKEN", capsule_crm.capsule_token)
    result = CliRunner().invoke(cli, ["milestones"])
    assert result.exit_code == 0, result.output
    assert "Proposal" in result.output and "lost" in result.output
    result = CliRunner().invoke(cli, ["milestones", "--map", f"ESTIMATED={ids()['Proposal']}"])
    assert result.exit_code == 0, result.output
    assert settings.get("capsule.milestone_map") == {"ESTIMATED": ids()["Proposal"]}
    refused = CliRunner().invoke(cli, ["milestones", "--map", "SHIPPED=1"])
    assert refused.exit_code != 0 and "not a Cin7 sale status" in refused.output


def test_the_settings_page_chooses_the_crm_and_the_deprecated_tag(panel):
    settings.set("crm", "hubspot")
    assert 'id="crm"' in text(panel.get("/settings/"))
    response = panel.post("/settings/crm", {"crm": "capsule",
                                            "capsule.deprecated_tag": "Inactive in Cin7"},
                          follow_redirects=True)
    assert "Connected CRM: Capsule." in text(response)
    assert (settings.crm(), settings.get("capsule.deprecated_tag")) == ("capsule",
                                                                        "Inactive in Cin7")
    assert "Milestones" in text(response)  # the menu follows the CRM
    refused = panel.post("/settings/crm", {"crm": "pipedrive"}, follow_redirects=True)
    assert "expected one of" in text(refused) and settings.crm() == "capsule"
