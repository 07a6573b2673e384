"""Deal stages ↔ sale statuses (SAL-1): pipelines as read, and the mapping's checks."""

import pytest
import requests

from core import runner, settings
from core.connectors.hubspot import HubSpot
from core.sales import stages

HUBSPOT = {"Authorization": "Bearer pat-na1-sandbox"}


@pytest.fixture
def loaded(config):
    stages.load(HubSpot(config))
    return config


def test_pipelines_are_read_with_their_stage_ids(loaded):
    found = {p["id"]: p for p in stages.pipelines()}
    assert "default" in found and len(found) >= 2
    assert [s["id"] for s in found["default"]["stages"]][:2] == ["appointmentscheduled",
                                                                "qualifiedtobuy"]
    assert stages.read_at() is not None


def test_a_map_naming_a_stage_the_pipeline_lacks_or_an_unknown_status_is_refused(loaded):
    settings.set("sales.pipeline", "default")
    with pytest.raises(settings.SettingError, match="no stage 'nosuchstage'"):
        settings.set("sales.stage_map", "nosuchstage=ESTIMATED")
    with pytest.raises(settings.SettingError, match="'SHIPPEDISH' is not a Cin7 sale status"):
        settings.set("sales.stage_map", "closedwon=SHIPPEDISH")
    with pytest.raises(settings.SettingError, match="mapped to two stages"):
        settings.set("sales.stage_map", "closedwon=INVOICED,contractsent=INVOICED")
    with pytest.raises(settings.SettingError, match="no stage"):
        settings.set("sales.trigger_stage", "15486321")  # a stage of the other pipeline
    with pytest.raises(settings.SettingError, match="no deals pipeline 'nope'"):
        settings.set("sales.pipeline", "nope")


def test_the_map_reads_both_ways_and_a_new_pipeline_clears_it(loaded):
    settings.set("sales.pipeline", "default")
    settings.set("sales.stage_map", "decisionmakerboughtin=Estimated,closedwon=INVOICED")
    mapping = settings.get("sales.stage_map")
    assert stages.stage_for("ESTIMATED", mapping) == "decisionmakerboughtin"
    assert stages.stage_for("ORDERED", mapping) is None  # unmapped: the stage is left alone
    assert stages.status_for("decisionmakerboughtin", mapping) == "ESTIMATED"
    assert stages.status_for("closedwon", mapping) == "ESTIMATED"  # INVOICED: not importable
    assert stages.status_for("qualifiedtobuy", mapping) == "ESTIMATED"  # unmapped
    settings.set("sales.pipeline", "7331956")
    assert settings.get("sales.stage_map") == {}


def test_a_stage_renamed_in_hubspot_shows_its_new_label_after_the_next_read(loaded, sandbox):
    r = requests.patch(f"{sandbox.url}/hubspot/crm/v3/pipelines/deals/default/stages/closedwon",
                       json={"label": "Invoice sent", "metadata": {"probability": "1.0"}},
                       headers=HUBSPOT, timeout=10)
    assert r.status_code == 200, r.text
    before = {s["id"]: s["label"] for s in stages.pipeline("default")["stages"]}
    stages.load(HubSpot(loaded))
    after = {s["id"]: s["label"] for s in stages.pipeline("default")["stages"]}
    assert before["closedwon"] == "Closed Won" and after["closedwon"] == "Invoice sent"


def test_sales_without_a_pipeline_are_refused_with_the_way_out(config):
    settings.set("sales.direction", "export")
    run = runner.sync(config, "sales", "export")
    assert run.status == "refused" and "syncdesk pipelines --choose" in run.message
