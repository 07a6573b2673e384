"""One Capsule record per Cin7 record, always: a run killed between a POST and its link, and
storms of 429s, 5xx and lost answers, end with every customer and quote in Capsule once."""

import subprocess
import sys
from collections import Counter

import requests

from core import intents, runner, runs
from core.connectors.capsule import CUSTOMER_ID_FIELD, Capsule
from core.connectors.cin7 import Cin7
from core.customers import export_capsule
from core.customers.export_capsule import CONTACT_ID_FIELD
from core.store import Intent, Run
from tests.capsule.conftest import field, parties, sync
from tests.test_connectors_capsule import SandboxTime, calls
from tests.test_kill_resume import child_env, kill_when


def keys_of(found):
    """Every party's Cin7 key: customer id (organisation, lone person) or contact id."""
    return [field(p, CUSTOMER_ID_FIELD) or field(p, CONTACT_ID_FIELD) for p in found]


def assert_each_record_once(sandbox):
    keys = keys_of(parties(sandbox))
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    customers = sandbox.get("cin7/customers")
    assert set(keys) >= {c["ID"] for c in customers}
    return keys


def test_a_run_killed_between_the_post_and_the_link_resumes_with_one_party_each(
        capsule_crm, sandbox):
    capsule = Capsule(capsule_crm)
    for name in (CUSTOMER_ID_FIELD, CONTACT_ID_FIELD):
        capsule.ensure_field(name)  # the next POST under /parties is a party's
    sandbox.fault(system="capsule", kind="late", method="POST", path="/api/v2/parties",
                  delay=30, count=1)
    env = child_env(capsule_crm) | {"CAPSULE_BASE_URL": capsule_crm.capsule_base_url,
                                    "CAPSULE_TOKEN": capsule_crm.capsule_token,
                                    "CAPSULE_CALLS_PER_HOUR": "1000000"}
    child = subprocess.Popen([sys.executable, "-c", "from web.cli import main; main()", "sync",
                              "customers"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    # the first party has landed in Capsule, its answer not yet read: kill the run there
    kill_when(child, lambda: parties(sandbox) and Intent.select().count() == 1)
    landed = parties(sandbox)
    assert len(landed) == 1 and intents.left("capsule", "customer")
    sandbox.clear_faults()

    run = runner.sync(capsule_crm, "customers", "export")
    assert run.status == "finished", run.message
    keys = assert_each_record_once(sandbox)
    assert keys.count(field(landed[0], CUSTOMER_ID_FIELD)) == 1
    lookups = calls(sandbox, method="POST", path="/capsule/api/v2/parties/filters/results")
    assert len(lookups) == 1  # the one create a killed run may have made was looked up
    assert Intent.select().count() == 0
    assert Run.get(Run.id != run.id).status == "failed"
    assert runs.active("customers", "export") is None


def test_lost_answers_5xx_and_429_storms_end_with_one_party_each(capsule_crm, sandbox):
    capsule = Capsule(capsule_crm)
    for name in (CUSTOMER_ID_FIELD, CONTACT_ID_FIELD):
        capsule.ensure_field(name)  # the faults below are for the parties' POSTs
    sandbox.fault(system="capsule", kind="landed", method="POST", path="/api/v2/parties",
                  count=4)
    sandbox.fault(system="capsule", kind="error", status=503, method="POST",
                  path="/api/v2/parties", count=3)
    sandbox.fault(system="capsule", kind="storm", every=5, count=3, retry_after=1)
    run = sync(capsule_crm, "customers", "export")
    assert run.status == "finished", run.message
    assert run.failed == 0
    assert_each_record_once(sandbox)
    assert calls(sandbox, status=502) and calls(sandbox, status=503) and calls(sandbox, status=429)
    assert Intent.select().count() == 0
    sandbox.clear_faults()
    again = sync(capsule_crm, "customers", "export")
    assert (again.created, again.updated) == (0, 0)


def test_the_export_waits_for_x_ratelimit_reset_and_never_hammers(capsule_crm, sandbox):
    sandbox.reset(customers=40, capsule_rate_per_hour=60)
    other_app = {"Authorization": f"Bearer {capsule_crm.capsule_token}"}
    for _ in range(60):  # another app of the same user spends this hour's budget
        requests.get(f"{capsule_crm.capsule_base_url}site", headers=other_app, timeout=5)
    clock = SandboxTime(sandbox.url)
    run = runs.new_run("customers", "export", "test", "", False, False, None)
    ctx = runner.Context(config=capsule_crm, run=run, progress=runs.Progress(run),
                         cin7=Cin7(capsule_crm),
                         capsule=Capsule(capsule_crm, sleep=clock.sleep, clock=clock.clock))
    export_capsule.run(ctx)
    assert ctx.run.failed == 0
    keys = assert_each_record_once(sandbox)
    hours = len(keys) / 60  # every party is one POST; the budget is 60 an hour
    assert len(calls(sandbox, status=429)) == 1  # the one the other app caused; then it waited
    assert sum(clock.waits) >= 3590 * int(hours)
    assert all(w >= 60 for w in clock.waits)  # waits are for the reset, not short retries
