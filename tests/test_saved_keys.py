"""Keys entered in the panel (stored encrypted) drive runs when the environment has none."""

from dataclasses import replace

from core import connections, runner
from core.store import Connection


def test_a_run_uses_the_hubspot_token_saved_in_the_panel(config, sandbox):
    connections.save("hubspot", {"hubspot_token": config.hubspot_token}, config.secret_key)
    assert config.hubspot_token not in Connection.get().secrets  # encrypted at rest
    run = runner.sync(replace(config, hubspot_token=""), "customers", "export")
    assert run.status == "finished", run.message
    assert sandbox.hubspot("companies")


def test_without_any_token_the_run_is_refused_naming_the_key(config, sandbox):
    run = runner.sync(replace(config, hubspot_token=""), "customers", "export")
    assert run.status == "refused" and "HUBSPOT_TOKEN" in run.message
