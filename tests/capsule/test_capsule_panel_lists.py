"""The panel's lists show the connected CRM's records: Capsule's parties for Cin7 customers."""

import pytest

import tasks
from tests.capsule.conftest import field, parties, sync
from tests.capsule.test_capsule_customers_export import cin7_customers
from tests.web.conftest import admin, app, panel, text  # noqa: F401 - the panel's fixtures


@pytest.fixture
def web_config(capsule_crm):
    """The panel over the Capsule install's store; the runs it asks for execute inline."""
    previous, was_immediate = tasks.app.config, tasks.huey.immediate
    tasks.configure(capsule_crm, immediate=True)
    yield capsule_crm
    tasks.configure(previous, immediate=was_immediate)


def test_the_customers_list_shows_and_finds_the_capsule_party(capsule_crm, sandbox, panel):  # noqa: F811
    assert sync(capsule_crm, "customers", "export").status == "finished"
    lists = panel.post("/customers/refresh", follow_redirects=True)
    assert lists.status_code == 200
    customer = next(c for c in cin7_customers(sandbox) if c["Contacts"])
    party = next(p for p in parties(sandbox) if field(p, "Cin7 Customer ID") == customer["ID"])
    page = text(panel.get("/customers/"))
    assert ">Capsule</th>" in page and ">HubSpot</th>" not in page
    found = text(panel.get(f"/customers/?q={party['id']}"))
    assert customer["Name"] in found and f"<code>{party['id']}</code>" in found
    assert "organisation" in found
