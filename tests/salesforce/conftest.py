"""Salesforce as the connected CRM: an org in the sandbox (JWT bearer, the demo price books)
and a config and store set to it."""

import pytest

from core import settings
from tests.test_connectors_salesforce import sf_config
from tests.test_sandbox_salesforce import make_key

BOOKS = ["Wholesale", "Retail", {"Name": "Old catalogue", "IsActive": False}]


@pytest.fixture(scope="session")
def sf_keys():
    return make_key()


@pytest.fixture
def salesforce_crm(config, sandbox, sf_keys, tmp_path):
    """crm=salesforce, products exported, a Salesforce config over this test's store."""
    sandbox.reset(customers=40, salesforce_jwt_public_key=sf_keys[1],
                  salesforce_pricebooks=BOOKS)
    settings.set("crm", "salesforce")
    settings.set("products.direction", "export")
    return sf_config(tmp_path, sandbox, sf_keys)


def sf(sandbox, sobject):
    """The org's records of one type, as the sandbox holds them."""
    return sandbox.get(f"salesforce/{sobject}")


def sf_writes(sandbox):
    """Writes the org received (the request log's POST/PATCH data calls)."""
    return [e for e in sandbox.get("requests", system="salesforce")
            if e["method"] in ("POST", "PATCH", "DELETE") and "/services/data/" in e["path"]]
