"""Throttling means wait, not fail: "slow down" answers never use up the error budget.

Driven over HTTP against the sandbox's fault switches; the test config's retry waits are
tiny (RETRY_INITIAL 0.01 s, RETRY_MAX 0.05 s), so many throttles still pass quickly.
"""

import dataclasses
import time

import pytest

from core import runner
from core.connectors.cin7 import Cin7
from core.connectors.hubspot import HubSpot
from core.errors import ServiceError
from tests.test_customers_import import hubspot_create

MANY = 20  # consecutive throttles: far more than MAX_RETRIES (6)


@pytest.mark.parametrize("status", [429, 503])
def test_cin7_waits_through_more_throttles_than_the_error_budget(config, sandbox, status):
    assert MANY > config.max_retries
    sandbox.fault(system="cin7", kind="throttle", count=MANY, status=status)
    assert Cin7(config).me()["Company"]


def test_hubspot_waits_through_more_throttles_than_the_error_budget(config, sandbox):
    sandbox.fault(system="hubspot", kind="throttle", count=MANY, retry_after=1)
    assert HubSpot(config).account()["portalId"]


def test_throttles_between_errors_leave_the_whole_error_budget(config, sandbox):
    # max_retries errors in a row, then three throttles: still a success.
    sandbox.fault(system="cin7", kind="error", count=config.max_retries, status=500)
    sandbox.fault(system="cin7", kind="throttle", count=3)
    assert Cin7(config).me()["Company"]


def test_a_server_error_storm_still_gives_up_after_max_retries(config, sandbox):
    sandbox.fault(system="cin7", kind="error", count=100, status=500)
    cin7 = Cin7(config)
    with pytest.raises(ServiceError, match=r"^Cin7 Core: .*\(HTTP 500\)$"):
        cin7.me()
    assert cin7.api.calls == config.max_retries + 1


def test_throttled_for_good_stops_at_the_run_deadline_with_the_reason(config, sandbox):
    patient = dataclasses.replace(config, run_deadline_minutes=0.5 / 60)  # half a second
    sandbox.fault(system="cin7", kind="throttle", count=100_000)
    started = time.monotonic()
    with pytest.raises(ServiceError) as raised:
        Cin7(patient).me()
    assert 0.5 <= time.monotonic() - started < 10
    assert str(raised.value).startswith("throttled for 1 seconds by Cin7 Core: You reached 60 "
                                        "calls per minute API limit (HTTP 429)")
    assert raised.value.retryable is False


def test_an_import_finishes_through_the_throttling_storm_of_the_report(importing, sandbox):  # noqa: F811
    """429 on every other call, 503 before two writes, 502 after a write that landed,
    and a stretch of throttles longer than the error budget."""
    for n in range(3):
        hubspot_create(sandbox, "companies", {"name": f"Storm Traders {n}"})
    sandbox.fault(system="cin7", kind="throttle", count=2, status=503, path="/customer")
    sandbox.fault(system="cin7", kind="landed", count=1, status=502, path="/customer")
    sandbox.fault(system="cin7", kind="throttle", count=MANY, path="/customer")
    sandbox.fault(system="cin7", kind="storm", every=2)
    sandbox.fault(system="hubspot", kind="storm", every=2)
    run = runner.sync(importing, "customers", "import")
    sandbox.clear_faults()
    assert run.status == "finished", run.message
    names = [c["Name"] for c in sandbox.get("cin7/customers")]
    assert sorted(n for n in names if n.startswith("Storm Traders")) == [
        "Storm Traders 0", "Storm Traders 1", "Storm Traders 2"]
