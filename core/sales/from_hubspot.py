"""Sales import from HubSpot: the deals to import and what each becomes (core.records.Order).

A deal of the chosen pipeline, created on or after the start date, that has reached the
trigger stage is wanted; its customer is its company (else its contact), imported first
(CUS-7) when Cin7 lacks it; its lines are its line items, their product found through the
HubSpot product's link. The deal's URL is the sale's ExternalID. The rest of the import is
core/sales/import_.py.
"""

import datetime
from dataclasses import replace
from functools import partial

from core import runs, settings
from core.customers import import_ as customers_import
from core.customers.to_cin7 import CONTACT_PROPS
from core.errors import ConfigError, RecordError
from core.records import Order, OrderLine
from core.sales import import_, stages
from core.store import Link

DEAL_PROPS = ["dealname", "dealstage", "pipeline", "createdate", "description", "amount",
              "deal_currency_code", "closedate", "hs_lastmodifieddate", "cin7_sale_id"]
LINE_PROPS = ["name", "quantity", "price", "hs_sku", "hs_product_id", "description",
              "hs_discount_percentage"]
ADDRESS_PROPS = {"Line1": "address", "Line2": "address2", "City": "city", "State": "state",
                 "Postcode": "zip", "Country": "country"}


def external_id(portal_id, deal_id):
    """The deal's address in HubSpot: the sale's ExternalID (256 characters at most)."""
    return f"https://app.hubspot.com/contacts/{portal_id}/record/0-3/{deal_id}"


def address(source):
    """A Cin7 ShippingAddress from a HubSpot company or contact, or None without a street."""
    if source is None or not source.get("address"):
        return None
    found = {field: source.get(prop) for field, prop in ADDRESS_PROPS.items()}
    return {k: v for k, v in found.items() if v}


def _ms(moment):
    return int(moment.replace(tzinfo=datetime.UTC).timestamp() * 1000)


def run(ctx):
    """The HubSpot sales import (the runner's handler)."""
    return import_.run(ctx, Deals)


class Deals:
    """HubSpot's side of the sales import."""

    system, label = "hubspot", "HubSpot deals"

    def __init__(self, ctx, chosen):
        self.ctx, self.chosen = ctx, chosen
        self._portal = self._customers = None

    @staticmethod
    def options():
        """The settings an import runs with; refuses to start without pipeline and trigger."""
        pipeline_id, trigger = settings.get("sales.pipeline"), settings.get("sales.trigger_stage")
        if not pipeline_id or not trigger:
            raise ConfigError("choose the HubSpot deals pipeline and the stage that creates a "
                              "sale (SAL-1, SAL-5: the panel's Deal stages page, or `syncdesk "
                              "settings set sales.pipeline|sales.trigger_stage`)")
        try:
            stages.check_stage(trigger, pipeline_id)
        except ValueError as exc:
            raise ConfigError(f"{exc}: load the pipelines again") from None
        return {"pipeline": pipeline_id, "trigger": trigger,
                "stage_map": settings.get("sales.stage_map"), **import_.shared_options()}

    def pages(self, window, waiting):
        """The deals to look at: those waiting from earlier runs (stock, a missing product),
        then those changed in the window (or only the chosen ones)."""
        hubspot = self.ctx.hubspot
        if self.ctx.only:
            yield list(hubspot.read("deals", self.ctx.only, DEAL_PROPS).values())
            return
        yield list(hubspot.read("deals", waiting, DEAL_PROPS).values()) if waiting else []
        since = _ms(window.since) if window.since else 0
        yield from hubspot.changed("deals", since, _ms(window.until), DEAL_PROPS)

    def wanted(self, deal):
        """Of the chosen pipeline, created on/after the start date, at or past the trigger,
        and not a deal SyncDesk exported from a Cin7 sale (it is a sale already)."""
        created = (deal.get("createdate") or "")[:10]
        return (not deal.get("cin7_sale_id") and deal.get("pipeline") == self.chosen["pipeline"]
                and (not self.chosen["since"] or created >= self.chosen["since"])
                and stages.reached(deal.get("dealstage"), self.chosen["trigger"],
                                   self.chosen["pipeline"]))

    def orders(self, deals):
        """(Order, customer finder) of each deal, read with its associations in a few calls."""
        hubspot, ids = self.ctx.hubspot, [d.id for d in deals]
        companies = hubspot.associations("deals", "companies", ids)
        contacts = hubspot.associations("deals", "contacts", ids)
        item_ids = hubspot.associations("deals", "line_items", ids)
        items = hubspot.read("line_items", [i for v in item_ids.values() for i in v], LINE_PROPS)
        places = self._places(companies, contacts)
        for deal in deals:
            parties = (companies.get(deal.id, [])[:1], contacts.get(deal.id, [])[:1])
            party = next((ids[0] for ids in parties if ids), None)
            lines = [self._line(items[i]) for i in item_ids.get(deal.id, []) if i in items]
            order = Order(id=deal.id, kind="deal", name=deal.get("dealname") or deal.id,
                          stage=deal.get("dealstage"), description=deal.get("description"),
                          external_id=external_id(self._portal_id(), deal.id), lines=lines,
                          ship_to=address(places.get(party)))
            yield order, partial(self._customer, order, parties, places)

    def _line(self, item):
        return OrderLine(id=item.id, name=item.get("name"), sku=item.get("hs_sku"),
                         cin7_id=self._linked_product(item.get("hs_product_id")),
                         quantity=item.get("quantity"), price=item.get("price"),
                         discount=item.get("hs_discount_percentage"),
                         description=item.get("description"))

    @staticmethod
    def _linked_product(product_id):
        """The Cin7 product a HubSpot product is linked to (exported or imported), or ""."""
        if not product_id:
            return ""
        for link in Link.select().where(Link.system == "hubspot", Link.entity == "product",
                                        (Link.cin7_id == f"hubspot:{product_id}")
                                        | (Link.remote_id == product_id)):
            return link.remote_id if link.cin7_id.startswith("hubspot:") else link.cin7_id
        return ""

    def _places(self, companies, contacts):
        """Companies and contacts of the deals, with their addresses."""
        company_ids = sorted({i for v in companies.values() for i in v[:1]})
        contact_ids = sorted({i for v in contacts.values() for i in v[:1]})
        found = {}
        if company_ids:
            found.update(self.ctx.hubspot.read("companies", company_ids,
                                               ["name", *ADDRESS_PROPS.values()]))
        if contact_ids:
            found.update(self.ctx.hubspot.read("contacts", contact_ids, CONTACT_PROPS))
        return found

    def _portal_id(self):
        if self._portal is None:
            self._portal = str(self.ctx.hubspot.account().get("portalId", ""))
        return self._portal

    def _customer(self, order, parties, places):
        """The deal's Cin7 customer id: its company, else its contact; imported first
        (CUS-7) when Cin7 lacks it."""
        for remote_type, ids in zip(("company", "contact"), parties, strict=True):
            if ids:
                return self._linked(remote_type, ids[0]) or self._import(
                    order, remote_type, ids[0], places.get(ids[0]))
        raise RecordError(f"deal '{order.name}'", "associations",
                          "has no company or contact: Cin7 needs a customer for the sale")

    @staticmethod
    def _linked(remote_type, remote_id):
        found = customers_import.customer_of(remote_type, remote_id)
        if found:
            return found
        exported = Link.get_or_none(Link.system == "hubspot", Link.entity == "customer",
                                    Link.remote_type == remote_type, Link.remote_id == remote_id)
        return exported.cin7_id if exported else None

    def _import(self, order, remote_type, remote_id, source):
        if self.ctx.dry_run:
            return f"(new customer from {remote_type} {remote_id})"
        if self._customers is None:
            self._customers = customers_import.prepare(self.ctx)
        index, chosen = self._customers
        aside = replace(self.ctx, progress=runs.Aside())
        if remote_type == "company":
            customers_import.import_companies(aside, index, [remote_id], chosen)
        elif source is not None:
            customers_import.import_one(aside, index, remote_id, source, [source], chosen,
                                        remote_type="contact")
        found = self._linked(remote_type, remote_id)
        if found is None:
            why = "; ".join(r for _, r in aside.progress.failures) or "it could not be read"
            raise RecordError(f"deal '{order.name}'", "Customer",
                              f"its {remote_type} could not be imported as a Cin7 customer "
                              f"({why})")
        self.ctx.notes.append(f"{remote_type} {remote_id} imported first as a customer")
        return found
