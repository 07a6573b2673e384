"""Sales import from Salesforce (EXT-2): won opportunities or accepted quotes -> Cin7 sales.

`salesforce.sales_from` chooses the records: "opportunities" at `salesforce.trigger_stage`
or won (`IsWon`, as the notes advise, since several stages can be won), or "quotes" whose
Status is Accepted; `sales.import_since` keeps those closing (opportunities) or created
(quotes) on or after a date. Each becomes a core.records.Order: its line items with their
Product2 (matched to Cin7 by Cin7_Product_ID__c, then ProductCode as SKU, then name), its
Account as the customer, imported (created or updated, contact details refreshed) by the
customers import's rules, and its Salesforce id as the sale's ExternalID. The rest of the
import is core/sales/import_.py, the same as HubSpot's. An opportunity carrying
Cin7_Sale_ID__c was exported from Cin7 (core/sales/to_salesforce.py) and is never imported.
"""

from dataclasses import replace
from functools import partial

from core import runs, settings
from core.connectors.salesforce import IN_CHUNK, quote, to_remote
from core.customers import from_salesforce as customers_in
from core.customers import import_ as customers_import
from core.customers import to_salesforce as customer_fields
from core.customers import to_salesforce as customers_sf
from core.errors import ConfigError, RecordError
from core.records import Order, OrderLine
from core.sales import import_
from core.sales.to_salesforce import SALE_KEY

PRODUCT_KEY = "Cin7_Product_ID__c"  # Product2's external ID: the Cin7 product id
ACCEPTED = "Accepted"  # the quote status that makes a sale [C SF-OBJ Quote.Status]
NEEDED = {"Account": [customer_fields.FIELDS["Account"][0]],
          "Product2": [(PRODUCT_KEY, "Text(36)", True)]}
LINE_FIELDS = ["Id", "Product2Id", "Product2.Name", "Product2.ProductCode",
               f"Product2.{PRODUCT_KEY}", "Quantity", "UnitPrice", "Discount", "Description"]
# sObject read per `salesforce.sales_from`: (type, its fields, lines relationship, kind)
SOURCES = {
    "opportunities": ("Opportunity", ["Name", "StageName", "IsWon", "CloseDate", "AccountId",
                                      "Description", "Pricebook2Id"],
                      "OpportunityLineItems", "opportunity"),
    "quotes": ("Quote", ["Name", "Status", "OpportunityId", "AccountId", "Description",
                         "CreatedDate"], "QuoteLineItems", "quote"),
}
ADDRESS = {"Line1": "Street", "City": "City", "State": "State", "Postcode": "PostalCode",
           "Country": "Country"}


def run(ctx):
    """The Salesforce sales import (the runner's handler)."""
    return import_.run(ctx, Orders)


def readiness():
    """Why a Salesforce sales import cannot start yet, or "" (the runner asks first)."""
    chosen = settings.get("salesforce.sales_from")
    if not chosen:
        return ("choose what becomes a Cin7 sale: `syncdesk settings set salesforce.sales_from "
                "opportunities` (won ones, or those at salesforce.trigger_stage) or `quotes` "
                "(Quotes with Status Accepted)")
    if chosen == "opportunities" and not settings.get("salesforce.trigger_stage"):
        return ("choose the opportunity stage that creates a sale: `syncdesk settings set "
                "salesforce.trigger_stage 'Closed Won'` (won opportunities always count)")
    return ""


def ship_to(account):
    """A Cin7 ShippingAddress from the Account's shipping address, else its billing one."""
    for prefix in ("Shipping", "Billing"):
        if account is not None and account.get(f"{prefix}Street"):
            found = {k: account.get(prefix + v) for k, v in ADDRESS.items()}
            return {k: v for k, v in found.items() if v}
    return None


def to_line(item):
    product = item.get("Product2") or {}
    return OrderLine(id=item.get("Id") or "", name=product.get("Name") or "",
                     sku=product.get("ProductCode") or "", cin7_id=product.get(PRODUCT_KEY) or "",
                     quantity=item.get("Quantity"), price=item.get("UnitPrice"),
                     discount=item.get("Discount"), description=item.get("Description") or "")


class Orders:
    """Salesforce's side of the sales import: opportunities or quotes."""

    system = "salesforce"

    def __init__(self, ctx, chosen):
        self.ctx, self.chosen = ctx, chosen
        self.sobject, self.fields, self.children, self.kind = SOURCES[chosen["from"]]
        self.label = f"Salesforce {chosen['from']}"
        self._customers = None
        customer_fields.require_fields(ctx.salesforce, NEEDED)
        if self.sobject == "Opportunity" and SALE_KEY in ctx.salesforce.fields(self.sobject):
            self.fields = [*self.fields, SALE_KEY]  # to skip those exported from Cin7

    @staticmethod
    def options():
        missing = readiness()
        if missing:
            raise ConfigError(missing)
        return {"from": settings.get("salesforce.sales_from"),
                "trigger": settings.get("salesforce.trigger_stage"),
                "stage_map": settings.get("salesforce.stage_map"), **import_.shared_options()}

    def _where(self):
        if self.sobject == "Quote":
            return f"Status = {quote(ACCEPTED)}"
        return f"IsWon = true OR StageName = {quote(self.chosen['trigger'])}"

    def _select(self):
        lines = f"(SELECT {', '.join(LINE_FIELDS)} FROM {self.children})"
        return [*self.fields, lines]

    def pages(self, window, waiting):
        """Those waiting from earlier runs, then those changed since the cursor (or only the
        chosen ones)."""
        if self.ctx.only:
            yield self._by_id(self.ctx.only)
            return
        yield self._by_id(waiting) if waiting else []
        yield from self.ctx.salesforce.changed(self.sobject, window.since, self._select(),
                                               where=self._where())

    def _by_id(self, ids):
        found = []
        for at in range(0, len(ids), IN_CHUNK):
            chosen = ", ".join(quote(i) for i in ids[at:at + IN_CHUNK])
            soql = (f"SELECT Id, {', '.join(self._select())} FROM {self.sobject} "
                    f"WHERE Id IN ({chosen}) AND ({self._where()})")
            found += [to_remote(self.sobject, r) for p in self.ctx.salesforce.query(soql)
                      for r in p]
        return found

    def wanted(self, record):
        """Closing (an opportunity) or created (a quote) on or after the start date."""
        if record.get(SALE_KEY):
            return False  # exported from Cin7: it is a Cin7 sale already
        since = self.chosen["since"]
        when = record.get("CloseDate") if self.sobject == "Opportunity" else record.get(
            "CreatedDate")
        return not since or str(when)[:10] >= since

    def orders(self, records):
        """(Order, customer finder) of each record; their Accounts read in one query (the
        customers import's fields, so the org is checked for them first)."""
        if self._customers is None:
            self._customers = customers_in.prepare(self.ctx)
        accounts = customers_in.read_accounts(
            self.ctx.salesforce, [r.get("AccountId") for r in records if r.get("AccountId")],
            self._customers[1]["account_fields"])
        for record in records:
            items = (record.get(self.children) or {}).get("records") or []
            account = accounts.get(record.get("AccountId"))
            order = Order(id=record.id, kind=self.kind, name=record.get("Name") or record.id,
                          stage=record.get("StageName" if self.sobject == "Opportunity"
                                           else "Status"),
                          external_id=record.id, description=record.get("Description") or "",
                          lines=[to_line(i) for i in items],
                          ship_to=ship_to(account[0] if account else None))
            yield order, partial(self._customer, order, record.get("AccountId"), account)

    def _customer(self, order, account_id, account):
        """The Cin7 customer of the order's Account, imported (created, or updated with its
        contact details) by the customers import's rules."""
        label = f"{order.kind} '{order.name}'"
        if account is None:
            raise RecordError(label, "AccountId", "has no Account: Cin7 needs a customer for "
                              "the sale")
        if account[0].get(customers_sf.SUPPLIER_KEY):
            raise RecordError(label, "AccountId", "its Account is a Cin7 supplier's (Type "
                              f"{customers_sf.VENDOR_TYPE}): Cin7 sells to customers only")
        if self.ctx.dry_run:
            return f"(customer from Account {account_id})"
        index, chosen = self._customers
        aside = replace(self.ctx, progress=runs.Aside())
        customers_import.import_one(aside, index, account_id,
                                    customers_in.as_source(account[0], self.ctx.salesforce.user_id),
                                    account[1], chosen, remote_type="company")
        found = customers_import.customer_of("company", account_id, self.system)
        if found is None:
            why = "; ".join(r for _, r in aside.progress.failures) or "it could not be read"
            raise RecordError(label, "AccountId", "its Account could not be imported as a "
                              f"Cin7 customer ({why})")
        return found
