"""Sales import (SAL-5 … SAL-9): HubSpot deals at the trigger stage -> Cin7 sales, once.

A deal of the chosen pipeline, created on or after the start date, that has reached the
trigger stage becomes one Cin7 sale; later changes to the deal never touch it. Its customer
is the deal's company (or contact), imported first if Cin7 lacks it; its lines map to Cin7
products by SKU, then exact name. Cin7 has no upsert: an intent is written before the sale
is created, and a sale whose answer was lost is found again by its ExternalID (the deal's
URL) before anything is sent twice. With `sales.when_short` = wait, an order is created only
once stock covers it: the deal stays pending, is read again on every run, and its shortage
is reported once.
"""

import datetime
from dataclasses import replace
from types import SimpleNamespace

from core import cursors, intents, links, runs, settings, status
from core.customers import import_ as customers_import
from core.customers.to_cin7 import CONTACT_PROPS
from core.errors import ConfigError, RecordError, ServiceError
from core.products.import_ import ProductIndex
from core.sales import stages, to_cin7
from core.store import Link

ENTITY, DIRECTION = "sales", "import"
OPEN = ("", "NOT AVAILABLE", "DRAFT")  # a sub-document still to be written


def options():
    """The settings an import runs with; refuses to start without pipeline and trigger."""
    pipeline_id, trigger = settings.get("sales.pipeline"), settings.get("sales.trigger_stage")
    if not pipeline_id or not trigger:
        raise ConfigError("choose the HubSpot deals pipeline and the stage that creates a sale "
                          "(SAL-1, SAL-5: the panel's Deal stages page, or `syncdesk settings "
                          "set sales.pipeline|sales.trigger_stage`)")
    try:
        stages.check_stage(trigger, pipeline_id)
    except ValueError as exc:
        raise ConfigError(f"{exc}: load the pipelines again") from None
    return {"pipeline": pipeline_id, "trigger": trigger,
            "stage_map": settings.get("sales.stage_map"),
            "since": settings.get("sales.import_since"),
            "authorise": settings.get("sales.import_authorise"),
            "type": settings.get("sales.import_type"),
            "location": settings.get("sales.import_location"),
            "when_short": settings.get("sales.when_short")}


def run(ctx):
    chosen = options()
    window = cursors.open_window(ENTITY, DIRECTION, full=ctx.full)
    work = Work(ctx, chosen)
    ctx.progress.phase("reading HubSpot deals")
    for page in cursors.resumable(ENTITY, DIRECTION, window, _pages(ctx, window), ctx.dry_run,
                                  ctx.notes.append):
        work.page([d for d in page if work.wanted(d)])
    if not ctx.dry_run:
        cursors.window_done(ENTITY, DIRECTION, window)


def _pages(ctx, window):
    """The deals to look at: those waiting from earlier runs (stock, a missing product), then
    those changed in the window (or only the chosen ones)."""
    props = to_cin7.DEAL_PROPS
    if ctx.only:
        yield list(ctx.hubspot.read("deals", ctx.only, props).values())
        return
    waiting = [p.record_id for p in status.pending(ENTITY, DIRECTION)]
    yield list(ctx.hubspot.read("deals", waiting, props).values()) if waiting else []
    since = _ms(window.since) if window.since else 0
    yield from ctx.hubspot.changed("deals", since, _ms(window.until), props)


def _ms(moment):
    return int(moment.replace(tzinfo=datetime.UTC).timestamp() * 1000)


class Work:
    """One run's import: what it reads once (Cin7's products and customers, the portal)."""

    def __init__(self, ctx, chosen):
        self.ctx, self.chosen = ctx, chosen
        self.imported = {}  # deal id -> Cin7 sale id, from the links
        self._products = self._customers = self._portal = None
        self.lost = {i.source_id for i in intents.left("cin7", "sale")}
        self.seen = set()  # a waiting deal changed meanwhile comes twice: handled once

    def wanted(self, deal):
        """Of the chosen pipeline, created on/after the start date, at or past the trigger,
        and not a deal SyncDesk exported from a Cin7 sale (it is a sale already)."""
        created = (deal.get("createdate") or "")[:10]
        return (not deal.get("cin7_sale_id") and deal.get("pipeline") == self.chosen["pipeline"]
                and (not self.chosen["since"] or created >= self.chosen["since"])
                and stages.reached(deal.get("dealstage"), self.chosen["trigger"],
                                   self.chosen["pipeline"]))

    def page(self, deals):
        ctx = self.ctx
        deals = [d for d in deals if d.id not in self.seen]
        self.seen.update(d.id for d in deals)
        ctx.progress.add(read=len(deals), done=len(deals))
        ids = [d.id for d in deals]
        known = links.for_records("hubspot", [("sale", f"hubspot:{i}") for i in ids])
        todo = [d for d in deals if ("sale", f"hubspot:{d.id}") not in known]
        ctx.progress.add(unchanged=len(deals) - len(todo))  # imported once, never again
        ctx.progress.succeeded([d.id for d in deals if d not in todo])
        if not todo:
            return
        ids = [d.id for d in todo]
        companies = ctx.hubspot.associations("deals", "companies", ids)
        contacts = ctx.hubspot.associations("deals", "contacts", ids)
        item_ids = ctx.hubspot.associations("deals", "line_items", ids)
        items = ctx.hubspot.read("line_items", [i for v in item_ids.values() for i in v],
                                 to_cin7.LINE_PROPS)
        places = self._places(companies, contacts)
        for deal in todo:
            parties = (companies.get(deal.id, [])[:1], contacts.get(deal.id, [])[:1])
            deal_items = [items[i] for i in item_ids.get(deal.id, []) if i in items]
            try:
                self.one(deal, parties, deal_items, places)
            except RecordError as exc:
                ctx.progress.result(deal.id, exc.record, "create", "failed", exc.field,
                                    exc.reason)

    def _places(self, companies, contacts):
        """Companies and contacts of the deals, with their addresses."""
        company_ids = sorted({i for v in companies.values() for i in v[:1]})
        contact_ids = sorted({i for v in contacts.values() for i in v[:1]})
        found = {}
        if company_ids:
            found.update(self.ctx.hubspot.read("companies", company_ids,
                                               ["name", *to_cin7.ADDRESS_PROPS.values()]))
        if contact_ids:
            found.update(self.ctx.hubspot.read("contacts", contact_ids, CONTACT_PROPS))
        return found

    def one(self, deal, parties, items, places):
        """Create the Cin7 sale of one deal (or say, in a RecordError, why it cannot be)."""
        ctx, chosen = self.ctx, self.chosen
        lines = to_cin7.sale_lines(deal, items, self._product_of)
        customer_id, party = self._customer(deal, parties, places)
        sale_status = to_cin7.status(deal, chosen["stage_map"], chosen["authorise"])
        if chosen["when_short"] == "wait" and to_cin7.DOCUMENTS[sale_status][1] == "AUTHORISED":
            self._check_stock(deal, customer_id, lines)
        name = deal.get("dealname") or deal.id
        if ctx.dry_run:
            ctx.plan.append({"record": name, "object": "sale", "action": "create",
                             "reason": f"as {sale_status}", "remote_id": ""})
            ctx.progress.add(created=1)
            return
        url = to_cin7.external_id(self._portal_id(), deal.id)
        header = to_cin7.header(deal, customer_id, url, to_cin7.address(party), chosen)
        sale_id = self._create(deal, url, header, sale_status, lines)
        links.save("hubspot", "sale", f"hubspot:{deal.id}", "sale", sale_id, name=name,
                   detail=sale_status)
        intents.done("cin7", "sale", [deal.id])
        ctx.progress.add(created=1)
        ctx.progress.result(deal.id, name, "create", "ok", remote_id=sale_id)
        ctx.progress.succeeded([deal.id])

    def _create(self, deal, url, header, status, lines):
        """Header, quote, order: each only if a stopped run did not write it already."""
        cin7 = self.ctx.cin7
        found = cin7.find_sales(url) if deal.id in self.lost else []
        existing = cin7.sale(found[0].id) if found else None
        if existing is None:
            intents.intend("cin7", "sale", [(deal.id, url)], self.ctx.run.id)
            self.lost.add(deal.id)
            sale_id = self._create_header(url, header)
        else:
            sale_id = existing.id
        quote, order = to_cin7.DOCUMENTS[status]
        memo = deal.get("description") or ""
        if existing is None or existing.quote_status in OPEN:
            cin7.save_quote(sale_id, quote, lines, memo)
        if order and (existing is None or existing.order_status in OPEN):
            cin7.save_order(sale_id, order, lines, memo)
        return sale_id

    def _create_header(self, url, header):
        """POST /sale once; when its answer is lost, the sale is looked for before anything
        else is sent (a retried POST would make a second sale)."""
        try:
            return self.ctx.cin7.create_sale(header)
        except ServiceError as exc:
            if exc.status is not None and exc.status < 500:
                raise
            found = self.ctx.cin7.find_sales(url)
            if not found:
                raise
            return found[0].id

    def _check_stock(self, deal, customer_id, lines):
        """SAL-7 "wait": a RecordError naming what is short keeps the deal pending."""
        location = self.chosen["location"] or getattr(
            self.ctx.cin7.customer(customer_id), "location", "")
        needed = {}
        for line in lines:
            needed[line.product_id] = needed.get(line.product_id, 0) + line.quantity
        available = self.ctx.cin7.availability(list(needed), location or None)
        # The reason names what is short, not how much is there: the same shortage reads
        # the same every run, so Slack is told once (AUTO-3 does not re-post a lasting one).
        short = [f"{line.sku} needs {needed[line.product_id]:g}" for line in lines
                 if line.product_id in available
                 and available[line.product_id] < needed[line.product_id]]
        if short:
            raise RecordError(to_cin7.label(deal), "Quantity",
                              "waiting for stock (" + "; ".join(short) + "): the order is "
                              "created once stock covers it")

    def _portal_id(self):
        if self._portal is None:
            self._portal = str(self.ctx.hubspot.account().get("portalId", ""))
        return self._portal

    def _product_of(self, item):
        """The Cin7 product of a line item: its HubSpot product's link, else SKU, then name."""
        if self._products is None:
            self._products = ProductIndex(self.ctx.cin7)
        product_id = item.get("hs_product_id")
        if product_id:
            for link in Link.select().where(Link.system == "hubspot", Link.entity == "product",
                                            (Link.cin7_id == f"hubspot:{product_id}")
                                            | (Link.remote_id == product_id)):
                cin7_id = link.remote_id if link.cin7_id.startswith("hubspot:") else link.cin7_id
                if cin7_id in self._products.ids:
                    return self._products.ids[cin7_id]
        wanted = SimpleNamespace(sku=item.get("hs_sku") or "\0", name=item.get("name") or "\0")
        return self._products.match(wanted)

    def _customer(self, deal, parties, places):
        """(Cin7 customer id, the HubSpot party) of the deal: its company, else its contact;
        imported first (CUS-7) when Cin7 lacks it."""
        for remote_type, ids in zip(("company", "contact"), parties, strict=True):
            if not ids:
                continue
            remote_id = ids[0]
            customer_id = self._linked(remote_type, remote_id) or self._import(
                deal, remote_type, remote_id, places.get(remote_id))
            return customer_id, places.get(remote_id)
        raise RecordError(to_cin7.label(deal), "associations",
                          "has no company or contact: Cin7 needs a customer for the sale")

    def _linked(self, remote_type, remote_id):
        found = customers_import.customer_of(remote_type, remote_id)
        if found:
            return found
        exported = Link.get_or_none(Link.system == "hubspot", Link.entity == "customer",
                                    Link.remote_type == remote_type, Link.remote_id == remote_id)
        return exported.cin7_id if exported else None

    def _import(self, deal, remote_type, remote_id, source):
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
            raise RecordError(to_cin7.label(deal), "Customer",
                              f"its {remote_type} could not be imported as a Cin7 customer "
                              f"({why})")
        self.ctx.notes.append(f"{remote_type} {remote_id} imported first as a customer")
        return found
