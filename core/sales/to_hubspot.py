"""Sales export: a Cin7 sale -> one HubSpot deal with its line items, planned without I/O.

Rules (SAL-2 … SAL-4, SAL-10): a sale from quote onwards becomes a deal in the chosen pipeline,
named after its order number and customer, with amount, currency, close date and the mapped
sale fields; each line a line item of its own (product, quantity, unit price, discount),
keyed "<sale id>:<line number>" so a retried batch cannot duplicate it and a changed sale
updates its items in place; items beyond the sale's lines are archived. The deal moves to the
stage mapped for the sale's status whenever that status changes (VOIDED included); an
unmapped status leaves the stage alone, so a stage set by hand in HubSpot stays until the
sale's status moves again. A sale whose customer or a product is not in HubSpot fails alone,
naming what is missing.
"""

from dataclasses import dataclass, field

from core.errors import RecordError
from core.plan import Plan, planned
from core.sales import fields, stages

# HubSpot's line item discount property; the notes mark its name unverified: one place.
DISCOUNT_PROPERTY = "hs_discount_percentage"
QUOTE_ONWARDS = set(stages.STATUSES)  # DRAFT (a sale with no data yet) is left out


@dataclass
class Deal:
    """What one sale writes: its deal, its line items, whom it belongs to, what goes."""

    sale: object
    write: object  # core.plan.Write of the deal
    lines: dict = field(default_factory=dict)  # line key -> line item properties
    customer: tuple = ()  # (HubSpot object type, id) the deal is associated with
    stale: list = field(default_factory=list)  # (line key, item id) the sale no longer has


def label(sale):
    return f"sale {sale.order_number or sale.id} ({sale.customer})"


def wanted(sale, since=""):
    """True when the sale is exported at all: from quote onwards, dated on/after `since`."""
    if sale.status not in QUOTE_ONWARDS:
        return False
    return not since or not sale.order_date or sale.order_date.date().isoformat() >= since


def deal_properties(sale, options):
    """The deal's properties, without its stage (see `plan_sales`)."""
    close = sale.order_date.strftime("%Y-%m-%dT00:00:00Z") if sale.order_date else ""
    props = {"dealname": f"{sale.order_number} {sale.customer}".strip(),
             "pipeline": options["pipeline"],
             "amount": "" if sale.order_total is None else f"{sale.order_total:g}",
             "deal_currency_code": sale.currency, "closedate": close,
             "cin7_sale_id": sale.id}
    props.update(fields.values(sale, options["field_map"]))
    return props


def line_properties(sale, number, line, product_id):
    """One line item: name, quantity, unit price, discount, the product it is of."""
    props = {"name": line.name, "quantity": f"{line.quantity:g}", "price": f"{line.price:g}",
             "hs_sku": line.sku, "description": line.comment,
             "hs_line_item_currency_code": sale.currency,
             "cin7_line_key": f"{sale.id}:{number}"}
    if line.discount:
        props[DISCOUNT_PROPERTY] = f"{line.discount:g}"
    if product_id:
        props["hs_product_id"] = product_id
    return props


def plan_sales(sales, known, options, force=False):
    """(Plan, [Deal]) for full sales (with lines); `known` maps (entity, cin7 id) -> Link
    for the sales, their lines, customers and products. `options["first"]` names what a dry
    run would export first (customers, products) rather than fail the sale for."""
    plan, deals = Plan(), []
    for sale in sales:
        try:
            deal = _plan_sale(sale, known, options, force)
        except RecordError as exc:
            plan.failures.append((sale, exc))
            continue
        plan.writes.append(deal.write)
        deals.append(deal)
    return plan, deals


FIRST = "(exported first)"  # a dry run's stand-in for a record the run would export first


def _plan_sale(sale, known, options, force):
    customer = _customer(sale, known, options.get("first", ()))
    lines = {}
    for number, line in enumerate(sale.lines, start=1):
        product = known.get(("product", line.product_id))
        if product is None and "products" in options.get("first", ()):
            lines[f"{sale.id}:{number}"] = line_properties(sale, number, line, FIRST)
            continue
        if product is None or not product.remote_id or product.state == "removed":
            raise RecordError(label(sale), "SKU",
                              f"product {line.sku or line.name!r} is not in HubSpot yet: "
                              "export products first")
        lines[f"{sale.id}:{number}"] = line_properties(sale, number, line, product.remote_id)
    props = deal_properties(sale, options)
    link = known.get(("sale", sale.id))
    fingerprinted = {**props, "_lines": lines, "_customer": list(customer)}
    write = planned("deal", "sale", sale.id, sale.id, label(sale), props["dealname"],
                    fingerprinted, link, "cin7_sale_id", sale.id, force=force)
    write.properties = props
    write.parent = customer[1]
    stage = stages.stage_for(sale.status, options["stage_map"])
    moved = link is None or not link.remote_id or (link.detail or "") != sale.status
    if write.action == "create" and stage is None:
        stage = options["first_stage"]  # a deal needs a stage: the pipeline's first
    if stage and moved:
        write.properties["dealstage"] = stage
        if write.action == "skip":
            write.action, write.reason = "update", f"status is now {sale.status}"
    old = {k: link_ for (entity, k), link_ in known.items()
           if entity == "sale_line" and k.startswith(f"{sale.id}:")}
    stale = [(k, old[k].remote_id) for k in old if k not in lines and old[k].remote_id]
    return Deal(sale, write, lines, customer, stale)


def _customer(sale, known, first=()):
    link = known.get(("customer", sale.customer_id))
    if link is None and "customers" in first:
        return ("companies", FIRST)
    if link is None or not link.remote_id:
        raise RecordError(label(sale), "Customer",
                          f"customer {sale.customer!r} is not in HubSpot yet: "
                          "export customers first")
    return ("companies" if link.remote_type == "company" else "contacts", link.remote_id)
