"""Salesforce as the connected CRM (settings "crm" = salesforce): an org in the sandbox
(JWT bearer, the demo price books) and a config and store set to it.

`sf` is a store and config with a JWT-connected org and the CRM set; `salesforce_crm` adds
products exported; `sf_in` the import defaults; `sf_sales` the sales import settings. `Org`
writes records the way a Salesforce user would (through the client, so with the org's rules).
"""

import pytest

import tasks
from core import settings
from core.connectors.salesforce import Salesforce
from tests.test_connectors_salesforce import sf_config
from tests.test_kill_resume import child_env
from tests.test_sandbox_salesforce import make_key

BOOKS = ["Wholesale", "Retail", {"Name": "Old catalogue", "IsActive": False}]
STAGE_MAP = "Closed Won=ORDERED,Accepted=ESTIMATED"


@pytest.fixture(scope="session")
def sf_keys():
    return make_key()


@pytest.fixture
def salesforce_crm(sf):
    """crm=salesforce, products exported, a Salesforce config over this test's store."""
    settings.set("products.direction", "export")
    return sf


def sf_records(sandbox, sobject):
    """The org's records of one type, as the sandbox holds them."""
    return sandbox.get(f"salesforce/{sobject}")


def sf_env(config):
    """The environment of a `syncdesk` child process reaching this test's org and store."""
    env = child_env(config)
    env.update({"SALESFORCE_LOGIN_URL": config.salesforce_login_url,
                "SALESFORCE_AUDIENCE": config.salesforce_audience,
                "SALESFORCE_CLIENT_ID": config.salesforce_client_id,
                "SALESFORCE_USERNAME": config.salesforce_username,
                "SALESFORCE_PRIVATE_KEY": config.salesforce_private_key,
                "SALESFORCE_CALLS_PER_SECOND": "0"})
    return env


def sf_writes(sandbox):
    """Writes the org received (the request log's POST/PATCH data calls)."""
    return [e for e in sandbox.get("requests", system="salesforce")
            if e["method"] in ("POST", "PATCH", "DELETE") and "/services/data/" in e["path"]]



@pytest.fixture
def sf(sandbox, sf_keys, config, tmp_path):
    """Config and store of an install whose CRM is the sandbox's Salesforce org."""
    sandbox.reset(customers=40, salesforce_jwt_public_key=sf_keys[1],
                  salesforce_pricebooks=BOOKS)
    cfg = sf_config(tmp_path, sandbox, sf_keys)
    tasks.configure(cfg)  # the config fixture puts the previous one back
    settings.set("crm", "salesforce")
    return cfg


@pytest.fixture
def sf_in(sf, importing):
    """Customers imported from Salesforce, with the import defaults chosen."""
    return sf


@pytest.fixture
def sf_sales(sf_in):
    """Sales imported from won opportunities (stage Closed Won -> an authorised order)."""
    settings.set("sales.direction", "import")
    settings.set("salesforce.sales_from", "opportunities")
    settings.set("salesforce.trigger_stage", "Closed Won")
    settings.set("salesforce.stage_map", STAGE_MAP)
    return sf_in


@pytest.fixture
def org(sf):
    return Org(Salesforce(sf))


class Org:
    """Records made as a Salesforce user would make them."""

    def __init__(self, client):
        self.client = client
        self.standard = client.standard_pricebook()

    def make(self, sobject, **fields):
        return self.client.create_one(sobject, fields)

    def update(self, sobject, record_id, **fields):
        self.client.update_one(sobject, record_id, fields)

    def product(self, cin7=None, name="", sku="", price=10.0, linked=True):
        """A Product2 with its standard price; `linked`: it carries the Cin7 product id."""
        fields = {"Name": name or cin7["Name"], "ProductCode": sku or (cin7 or {}).get("SKU"),
                  "IsActive": True}
        if cin7 and linked:
            fields["Cin7_Product_ID__c"] = cin7["ID"]
        product = self.make("Product2", **fields)
        entry = self.make("PricebookEntry", Pricebook2Id=self.standard, Product2Id=product,
                          UnitPrice=price, IsActive=True, CurrencyIsoCode="USD")
        return product, entry

    def account(self, name, **fields):
        address = {"ShippingStreet": "4 Quay St", "ShippingCity": "Hobart",
                   "ShippingCountry": "Australia", "BillingStreet": "4 Quay St",
                   "BillingCity": "Hobart", "BillingCountry": "Australia"}
        return self.make("Account", Name=name, **(address | fields))

    def opportunity(self, name, stage, account, lines, close="2026-11-20", **fields):
        """An opportunity with line items [(entry id, quantity, unit price, discount)]."""
        opportunity = self.make("Opportunity", Name=name, StageName="Prospecting",
                                CloseDate=close, AccountId=account, CurrencyIsoCode="USD",
                                **fields)
        for entry, quantity, price, discount in lines:
            self.make("OpportunityLineItem", OpportunityId=opportunity, PricebookEntryId=entry,
                      Quantity=quantity, UnitPrice=price, Discount=discount)
        if stage != "Prospecting":
            self.update("Opportunity", opportunity, StageName=stage)
        return opportunity

    def quote(self, opportunity, name, status, lines):
        quote = self.make("Quote", Name=name, OpportunityId=opportunity,
                          Pricebook2Id=self.standard)
        for entry, quantity, price, discount in lines:
            self.make("QuoteLineItem", QuoteId=quote, PricebookEntryId=entry,
                      Quantity=quantity, UnitPrice=price, Discount=discount)
        self.update("Quote", quote, Status=status)
        return quote
