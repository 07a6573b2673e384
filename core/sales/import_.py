"""Sales import (SAL-5 … SAL-9): CRM orders at the trigger stage -> Cin7 sales, once.

A CRM order (a HubSpot deal, a Salesforce opportunity or quote) that has reached the trigger
becomes one Cin7 sale; later changes to it never touch the sale. Each CRM has a source
(core/sales/from_hubspot.py, from_salesforce.py) that reads its records, says which are
wanted, turns them into core.records.Order and finds their customer, imported first if Cin7
lacks it; everything after that is here and the same for every CRM. Lines map to Cin7
products by the id the CRM knows, then SKU, then exact name. Cin7 has no upsert: an intent
is written before the sale is created, and a sale whose answer was lost is found again by
its ExternalID before anything is sent twice. With `sales.when_short` = wait, an order is
created only once stock covers it: the record stays pending, is read again on every run,
and its shortage is reported once.
"""

from types import SimpleNamespace

from core import cursors, intents, links, settings, status
from core.errors import RecordError, ServiceError
from core.products.import_ import ProductIndex
from core.sales import to_cin7

ENTITY, DIRECTION = "sales", "import"
OPEN = ("", "NOT AVAILABLE", "DRAFT")  # a sub-document still to be written


def shared_options():
    """The SAL-5 … SAL-9 settings every CRM's import runs with."""
    return {"since": settings.get("sales.import_since"),
            "authorise": settings.get("sales.import_authorise"),
            "type": settings.get("sales.import_type"),
            "location": settings.get("sales.import_location"),
            "when_short": settings.get("sales.when_short")}


def run(ctx, source_type):
    """Import the orders `source_type` (a CRM's source class) reads, page by page."""
    chosen = source_type.options()
    window = cursors.open_window(ENTITY, DIRECTION, full=ctx.full)
    source = source_type(ctx, chosen)
    work = Work(ctx, chosen, source.system)
    ctx.progress.phase(f"reading {source.label}")
    waiting = [p.record_id for p in status.pending(ENTITY, DIRECTION)]
    for page in cursors.resumable(ENTITY, DIRECTION, window, source.pages(window, waiting),
                                  ctx.dry_run, ctx.notes.append):
        work.page(source, [r for r in page if source.wanted(r)])
    if not ctx.dry_run:
        cursors.window_done(ENTITY, DIRECTION, window)


class Work:
    """One run's import: what it reads once (Cin7's products), what it has seen."""

    def __init__(self, ctx, chosen, system):
        self.ctx, self.chosen, self.system = ctx, chosen, system
        self._products = None
        self.lost = {i.source_id for i in intents.left("cin7", "sale")}
        self.seen = set()  # a waiting record changed meanwhile comes twice: handled once

    def page(self, source, records):
        """Turn the records of one page not imported yet into sales."""
        ctx = self.ctx
        records = [r for r in records if r.id not in self.seen]
        self.seen.update(r.id for r in records)
        ctx.progress.add(read=len(records), done=len(records))
        key = f"{self.system}:{{}}".format
        known = links.for_records(self.system, [("sale", key(r.id)) for r in records])
        todo = [r for r in records if ("sale", key(r.id)) not in known]
        ctx.progress.add(unchanged=len(records) - len(todo))  # imported once, never again
        ctx.progress.succeeded([r.id for r in records if r not in todo])
        if not todo:
            return
        for order, customer in source.orders(todo):
            try:
                self.one(order, customer)
            except RecordError as exc:
                ctx.progress.result(order.id, exc.record, "create", "failed", exc.field,
                                    exc.reason)

    def one(self, order, customer):
        """Create the Cin7 sale of one order (or say, in a RecordError, why it cannot be);
        `customer()` gives its Cin7 customer id, importing the customer first if needed."""
        ctx, chosen = self.ctx, self.chosen
        lines = to_cin7.sale_lines(order, self._product_of)
        customer_id = customer()
        sale_status = to_cin7.status(order, chosen["stage_map"], chosen["authorise"])
        if chosen["when_short"] == "wait" and to_cin7.DOCUMENTS[sale_status][1] == "AUTHORISED":
            self._check_stock(order, customer_id, lines)
        if ctx.dry_run:
            ctx.plan.append({"record": order.name, "object": "sale", "action": "create",
                             "reason": f"as {sale_status}", "remote_id": ""})
            ctx.progress.add(created=1)
            return
        header = to_cin7.header(order, customer_id, chosen)
        sale_id = self._create(order, header, sale_status, lines)
        links.save(self.system, "sale", f"{self.system}:{order.id}", "sale", sale_id,
                   name=order.name, detail=sale_status)
        intents.done("cin7", "sale", [order.id])
        ctx.progress.add(created=1)
        ctx.progress.result(order.id, order.name, "create", "ok", remote_id=sale_id)
        ctx.progress.succeeded([order.id])

    def _create(self, order, header, status, lines):
        """Header, quote, order: each only if a stopped run did not write it already."""
        cin7 = self.ctx.cin7
        found = cin7.find_sales(order.external_id) if order.id in self.lost else []
        existing = cin7.sale(found[0].id) if found else None
        if existing is None:
            intents.intend("cin7", "sale", [(order.id, order.external_id)], self.ctx.run.id)
            self.lost.add(order.id)
            sale_id = self._create_header(order.external_id, header)
        else:
            sale_id = existing.id
        quote, sale_order = to_cin7.DOCUMENTS[status]
        if existing is None or existing.quote_status in OPEN:
            cin7.save_quote(sale_id, quote, lines, order.description)
        if sale_order and (existing is None or existing.order_status in OPEN):
            cin7.save_order(sale_id, sale_order, lines, order.description)
        return sale_id

    def _create_header(self, external_id, header):
        """POST /sale once; when its answer is lost, the sale is looked for before anything
        else is sent (a retried POST would make a second sale)."""
        try:
            return self.ctx.cin7.create_sale(header)
        except ServiceError as exc:
            if exc.status is not None and exc.status < 500:
                raise
            found = self.ctx.cin7.find_sales(external_id)
            if not found:
                raise
            return found[0].id

    def _check_stock(self, order, customer_id, lines):
        """SAL-7 "wait": a RecordError naming what is short keeps the order pending."""
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
            raise RecordError(to_cin7.label(order), "Quantity",
                              "waiting for stock (" + "; ".join(short) + "): the order is "
                              "created once stock covers it")

    def _product_of(self, line):
        """The Cin7 product of a line: the one the CRM knows it as, else by SKU, then name."""
        if self._products is None:
            self._products = ProductIndex(self.ctx.cin7)
        if line.cin7_id in self._products.ids:
            return self._products.ids[line.cin7_id]
        wanted = SimpleNamespace(sku=line.sku or "\0", name=line.name or "\0")
        return self._products.match(wanted)
