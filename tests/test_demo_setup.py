"""What `make demo` sets up with HubSpot (the default CRM): deal stages mapped, sales out."""

from core import demo, runner, settings


def test_the_demo_maps_the_default_pipeline_and_sales_become_deals(config, sandbox):
    assert demo.set_up(config)[0].startswith("HubSpot")
    assert settings.get("sales.pipeline") == "default"
    assert settings.get("sales.stage_map")["closedwon"] == "INVOICED"
    run = runner.sync(config, "sales", "export")
    assert run.status == "finished" and run.created > 0, run.message
    assert sandbox.hubspot("deals")
