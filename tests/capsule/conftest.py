"""Capsule as the connected CRM: a store and a Config pointing at the sandbox's Capsule.

`capsule_crm` sets crm=capsule with sync on; `capsule_sales` adds the milestones read from
Capsule and a status -> milestone map; helpers read what the sandbox's Capsule holds.
"""

import pytest
import requests

from core import runner, schema, settings, store
from core.connectors.capsule import Capsule
from core.sales import milestones
from tests.conftest import import_defaults
from tests.test_connectors_capsule import TOKEN, capsule_config

# The client's hourly budget far above what a test spends: the limiter's waits are proved
# with SandboxTime, not by waiting.
FAST_CAPSULE = {"capsule_calls_per_hour": 1_000_000}


@pytest.fixture
def capsule_crm(tmp_path, sandbox):
    import tasks

    cfg = capsule_config(tmp_path, sandbox.url, **FAST_CAPSULE)
    schema.init(cfg.database_url)
    settings.set("sync.enabled", "on")
    settings.set("crm", "capsule")
    previous = tasks.app.config
    tasks.configure(cfg)
    yield cfg
    tasks.configure(previous)
    store.db.close()


@pytest.fixture
def capsule_sales(capsule_crm):
    """Sales export to Capsule with quotes on Proposal, orders Won, voided Lost."""
    settings.set("sales.direction", "export")
    found = {m["name"]: m["id"] for m in milestones.load(Capsule(capsule_crm))}
    settings.set("capsule.milestone_map", f"ESTIMATING={found['New']},"
                                          f"ESTIMATED={found['Proposal']},"
                                          f"ORDERED={found['Won']},VOIDED={found['Lost']}")
    return capsule_crm


def sync(config, entity, direction=None, **kwargs):
    return runner.sync(config, entity, direction, **kwargs)


def parties(sandbox):
    return requests.get(f"{sandbox.url}/capsule/_sandbox/parties", timeout=10).json()


def opportunities(sandbox):
    return requests.get(f"{sandbox.url}/capsule/_sandbox/opportunities?embed=fields,tags",
                        timeout=10).json()


def field(party, name):
    """A party's (or opportunity's) custom field value by the field's name."""
    return next((f["value"] for f in party.get("fields") or []
                 if f["definition"]["name"] == name), None)


def capsule_writes(sandbox):
    return [r for r in sandbox.get("requests", system="capsule")
            if r["method"] in ("POST", "PUT", "DELETE") and "/filters/" not in r["path"]]


@pytest.fixture
def capsule_importing(capsule_crm, sandbox):
    """Customers imported from Capsule, with the import defaults chosen."""
    return import_defaults(capsule_crm, sandbox)


def capsule_create(sandbox, **party):
    """A party made in Capsule by a person (not by SyncDesk)."""
    r = requests.post(f"{sandbox.url}/capsule/api/v2/parties", json={"party": party},
                      headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["party"]


def capsule_put(sandbox, party_id, **changes):
    r = requests.put(f"{sandbox.url}/capsule/api/v2/parties/{party_id}",
                     json={"party": changes}, headers={"Authorization": f"Bearer {TOKEN}"},
                     timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["party"]
