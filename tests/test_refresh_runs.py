"""Reading what the panel lists is a run of its own (refresh), never work inside a page request."""

from core import references, runner, settings
from core.customers import listing as customer_list
from core.products import listing as product_list
from core.sales import listing as sale_list
from core.sales import stages


def test_refresh_runs_fill_the_lists_even_with_sync_switched_off(config, sandbox):
    settings.set("sync.enabled", "off")  # they only read: the master switch does not apply
    for entity in ("customers", "products", "sales", "references", "pipelines"):
        run = runner.sync(config, entity, "refresh")
        assert run.status == "finished", (entity, run.message)
        assert run.read > 0 and "read" in run.message
    assert customer_list.summary()["customers"] == len(sandbox.get("cin7/customers"))
    assert product_list.summary()["products"] == len(sandbox.get("cin7/products"))
    assert sale_list.summary()["sales"] == len(sandbox.get("cin7/sales"))
    assert references.names("price_tiers") and stages.pipelines()
