"""Sales export, executed: Cin7 sales page by page to the CRM's deals with their lines.

One engine for HubSpot (deals and line items) and Salesforce (Opportunities and their line
items, written by core/sales/opportunity_writes.py); a Target says what differs.

saleList gives headers only, so a sale is read whole (one Cin7 call) only when its `Updated`
moved since it was last exported; a no-change run reads one page and writes nothing. Order of
writes per page, so that a kill between any two calls duplicates nothing: deals (upsert by
cin7_sale_id), line items (upsert by cin7_line_key), associations (creating one twice is
harmless), leftover line items archived, links saved, the page checkpointed.
"""

from dataclasses import dataclass, replace

from core import cursors, links, runs, settings
from core.connectors import hubspot as hs
from core.customers import export as customers_export
from core.customers import to_salesforce as sf_customers
from core.customers.to_hubspot import property_specs as customer_specs
from core.errors import ConfigError
from core.products import export as products_export
from core.products.to_hubspot import plan_products
from core.products.to_hubspot import property_specs as product_specs
from core.sales import fields, opportunity_writes, stages, to_hubspot, to_salesforce
from core.sales import listing as sale_list

ENTITY, DIRECTION = "sales", "export"


def options():
    """The settings an export plans with; refuses to start without a pipeline and map."""
    pipeline_id = settings.get("sales.pipeline")
    if not pipeline_id:
        raise ConfigError("choose the HubSpot deals pipeline and map its stages first (SAL-1: "
                          "the panel's Deal stages page, or `syncdesk pipelines`)")
    try:
        first = stages.pipeline(pipeline_id)["stages"][0]["id"]
    except (ValueError, IndexError):
        raise ConfigError(f"pipeline {pipeline_id!r} is not among the pipelines read from "
                          "HubSpot: load them again") from None
    return {"pipeline": pipeline_id, "first_stage": first,
            "stage_map": settings.get("sales.stage_map"),
            "field_map": settings.get("sales.field_map"),
            "since": settings.get("sales.export_since")}


@dataclass(frozen=True)
class Target:
    """What the sales export writes to one CRM."""

    system: str  # the CRM: its client is ctx.<system>, its links say so
    prepare: object  # ctx -> the run's options; refuses the run when the CRM is not ready
    export_missing: object  # (ctx, sales): customers and products the sales need, first
    plan: object  # (sales, links, options, force) -> (Plan, [what each sale writes])
    apply: object  # (ctx, plan, [what each sale writes]): one page's writes and links


def run(ctx):
    """Export changed (or selected) sales to HubSpot; reports through ctx.progress."""
    export(ctx, HUBSPOT)


def run_salesforce(ctx):
    """Export changed (or selected) sales to Salesforce as Opportunities with their lines."""
    export(ctx, SALESFORCE)


def export(ctx, target):
    """Export changed (or selected) sales to `target`, page by page."""
    chosen = target.prepare(ctx)

    def handle_page(ctx, headers):
        sale_list.save(headers)  # the panel's sales list sees what we read
        sales = read_changed(ctx, [h for h in headers if to_hubspot.wanted(h, chosen["since"])],
                             target.system)
        if not ctx.dry_run:
            target.export_missing(ctx, sales)
        first = [e for e in ("customers", "products")
                 if ctx.dry_run and settings.direction(e) == "export"]
        plan, items = target.plan(sales, _known(sales, target.system), {**chosen, "first": first},
                                  force=bool(ctx.only))
        ctx.record_plan(plan) if ctx.dry_run else target.apply(ctx, plan, items)

    def pages(modified_since=None, start_page=1, page_size=1000):
        return ctx.cin7.sale_pages(updated_since=modified_since, page_size=page_size,
                                   start_page=start_page)

    cursors.export_pages(ctx, ENTITY, DIRECTION, pages, ctx.cin7.sale, handle_page, "sales")


def _hubspot_options(ctx):
    chosen = options()
    if not ctx.dry_run:
        customers_export.ensure_properties(ctx.hubspot, fields.property_specs(chosen["field_map"]))
    return chosen


def read_changed(ctx, headers, system="hubspot"):
    """Full sales (with lines) of the headers whose `Updated` moved since their export to
    `system` (the link's remote_key holds the stamp last exported)."""
    known = links.for_records(system, [("sale", h.id) for h in headers])
    sales, unchanged = [], 0
    for header in headers:
        link = known.get(("sale", header.id))
        if header.lines or ctx.only:
            sales.append(header if header.lines else ctx.cin7.sale(header.id))
        elif link is not None and link.remote_id and link.remote_key == stamp(header):
            unchanged += 1
        else:
            sales.append(ctx.cin7.sale(header.id))
    ctx.progress.add(unchanged=unchanged)
    return [s for s in sales if s is not None]


def stamp(sale):
    return sale.updated.isoformat() if sale.updated else ""


def _known(sales, system="hubspot"):
    """Links of the sales, their line items, customers and products."""
    keys = [("sale", s.id) for s in sales] + [("customer", s.customer_id) for s in sales]
    keys += [("product", line.product_id) for s in sales for line in s.lines]
    known = links.for_records(system, keys)
    deal_ids = [link.remote_id for (entity, _), link in known.items() if entity == "sale"]
    for line in links.children(system, "sale_line", deal_ids):
        known[("sale_line", line.cin7_id)] = line
    return known


def _export_missing(ctx, sales):  # HubSpot's
    """Customers and products a sale needs and HubSpot lacks go first, when their own
    export is on (beyond the guide, which fails the sale); else the sale fails, naming them."""
    known = links.for_records("hubspot", [("customer", s.customer_id) for s in sales] +
                              [("product", line.product_id) for s in sales for line in s.lines])
    aside = replace(ctx, progress=runs.Aside())
    customers = sorted({s.customer_id for s in sales if ("customer", s.customer_id) not in known})
    if customers and settings.direction("customers") == "export":
        field_map = settings.get("customers.field_map")
        customers_export.ensure_properties(
            ctx.hubspot, customer_specs(field_map, settings.get("suppliers.export")))
        found = [c for c in map(ctx.cin7.customer, customers) if c]
        customers_export.apply(aside, customers_export.plan_customers(found, field_map))
        ctx.notes.append(f"{len(found)} customer(s) exported first")
    products = sorted({line.product_id for s in sales for line in s.lines
                       if line.product_id and ("product", line.product_id) not in known})
    if products and settings.direction("products") == "export":
        customers_export.ensure_properties(
            ctx.hubspot, {"products": product_specs(ctx.cin7.price_tier_names())})
        found = [p for p in map(ctx.cin7.product, products) if p]
        chosen = {**products_export.options(),
                  "images": products_export.has_image_property(ctx)}
        plan = plan_products(found, {}, chosen, {})
        products_export.apply(aside, plan)
        ctx.notes.append(f"{len(found)} product(s) exported first")


def apply(ctx, plan, deals):
    """Write one page's plan: deals, line items, associations, leftovers; then the links.

    A sale counts as created or updated only once all of it is written; otherwise it fails
    alone, with the reason, and is written again on the next run (every write is keyed).
    """
    for sale, error in plan.failures:
        ctx.progress.result(sale.id, error.record, "fail", "failed", error.field, error.reason)
    ctx.progress.add(unchanged=sum(1 for d in deals if d.write.action == "skip"))
    written = [d for d in deals if d.write.action != "skip"]
    if not written:
        return
    result = ctx.hubspot.upsert("deals", {d.sale.id: d.write.properties for d in written},
                                "cin7_sale_id")
    for d in written:
        if d.sale.id in result.ok:
            d.write.remote_id, d.write.ok = result.ok[d.sale.id].id, True
        else:
            field, reason = result.failed.get(d.sale.id, ("", "no answer from HubSpot"))
            ctx.progress.result(d.sale.id, d.write.label, d.write.action, "failed", field,
                                reason)
    lines = _write_lines(ctx, [d for d in written if d.write.ok])
    _associate(ctx, written, lines)
    done = [d for d in written if d.write.ok]
    stale = [pair for d in done for pair in d.stale]
    if stale:
        ctx.hubspot.archive("line_items", [item_id for _, item_id in stale])
        links.forget("hubspot", "sale_line", [key for key, _ in stale])
    for d in done:
        created = d.write.action == "create" and d.sale.id in result.created
        ctx.progress.add(**{"created" if created else "updated": 1})
    ctx.progress.succeeded({d.sale.id for d in done})
    links.save_rows("hubspot", [_sale_link(d) for d in done] + [
        {"entity": "sale_line", "cin7_id": key, "remote_type": "line_item",
         "remote_id": lines[key].id, "parent_remote_id": d.write.remote_id,
         "name": (d.lines[key]["name"] or "")[:250]} for d in done for key in d.lines])


def _write_lines(ctx, deals):
    """Upsert every line item of the deals written; a refused line fails its sale."""
    items = {key: props for d in deals for key, props in d.lines.items()}
    if not items:
        return {}
    result = ctx.hubspot.upsert("line_items", items, "cin7_line_key")
    for d in deals:
        refused = [k for k in d.lines if k not in result.ok]
        if refused:
            d.write.ok = False
            field, reason = result.failed.get(refused[0], ("", "no answer from HubSpot"))
            ctx.progress.result(d.sale.id, d.write.label, d.write.action, "failed",
                                field or "Lines", f"line item refused by HubSpot: {reason}")
    return result.ok


def _associate(ctx, deals, lines):
    """Each deal with its line items (19) and its customer's company (5) or contact (3)."""
    pairs = {"line_items": [], "companies": [], "contacts": []}
    for d in deals:
        if not d.write.ok:
            continue
        pairs["line_items"] += [(d.write.remote_id, lines[k].id) for k in d.lines]
        if d.write.parent != d.write.saved_parent or d.write.action == "create":
            pairs[d.customer[0]].append((d.write.remote_id, d.customer[1]))
    refused = {}
    for to_type, type_id in (("line_items", hs.DEAL_TO_LINE_ITEM),
                             ("companies", hs.DEAL_TO_COMPANY), ("contacts", hs.DEAL_TO_CONTACT)):
        if pairs[to_type]:
            for deal_id, _, reason in ctx.hubspot.associate("deals", to_type, pairs[to_type],
                                                            type_id):
                refused.setdefault(deal_id, reason)
    for d in deals:
        if d.write.ok and d.write.remote_id in refused:
            d.write.ok = False
            ctx.progress.result(d.sale.id, d.write.label, "associate", "failed", "",
                                f"association refused by HubSpot: {refused[d.write.remote_id]}")


def _sale_link(deal):
    return {"entity": "sale", "cin7_id": deal.sale.id, "remote_type": "deal",
            "remote_id": deal.write.remote_id, "remote_key": stamp(deal.sale),
            "fingerprint": deal.write.fingerprint, "parent_remote_id": deal.write.parent,
            "name": deal.write.name[:250], "detail": deal.sale.status}


HUBSPOT = Target("hubspot", _hubspot_options, _export_missing, to_hubspot.plan_sales, apply)


# -- Salesforce ---------------------------------------------------------------------------

def _salesforce_options(ctx):
    """The run's options; refuses while the org lacks SyncDesk's fields or a stage mapped
    (or Closed Lost, for voided sales) is not one of the org's opportunity stages."""
    sf = ctx.salesforce
    sf_customers.require_fields(sf, to_salesforce.FIELDS)
    offered = [v["value"] for v in sf.fields("Opportunity")["StageName"].get(
        "picklistValues") or [] if v.get("active")]
    stage_map = settings.get("salesforce.export_stage_map")
    unknown = sorted({s for s in [*stage_map.values(), to_salesforce.stage_for(
        "VOIDED", stage_map)] if s not in offered})
    if unknown or not offered:
        raise ConfigError(f"Salesforce has no opportunity stage {', '.join(unknown)} (stages: "
                          f"{', '.join(offered)}): set salesforce.export_stage_map, e.g. "
                          "`syncdesk settings set salesforce.export_stage_map "
                          "'ORDERED=Negotiation/Review,VOIDED=Closed Lost'`")
    currency = to_salesforce.CURRENCY_FIELD in sf.fields("Opportunity")
    return {"stage_map": stage_map, "first_stage": offered[0],
            "since": settings.get("sales.export_since"), "standard": sf.standard_pricebook(),
            "books": settings.get("salesforce.price_books"),
            "currency": ctx.cin7.me().get("Currency", "") if currency else ""}


def _salesforce_missing(ctx, sales):
    """Customers and products a sale needs and Salesforce lacks go first when their own
    export is on; else the sale fails, naming them."""
    known = links.for_records("salesforce", [("customer", s.customer_id) for s in sales] +
                              [("product", line.product_id) for s in sales for line in s.lines])
    aside = replace(ctx, progress=runs.Aside())
    customers = sorted({s.customer_id for s in sales if ("customer", s.customer_id) not in known})
    if customers and settings.direction("customers") == "export":
        sf_customers.require_fields(ctx.salesforce, sf_customers.FIELDS)
        found = [c for c in map(ctx.cin7.customer, customers) if c]
        customers_export.apply_salesforce(aside, customers_export.plan_customers(
            found, [], system="salesforce", target=sf_customers.SALESFORCE))
        ctx.notes.append(f"{len(found)} customer(s) exported first")
    products = sorted({line.product_id for s in sales for line in s.lines
                       if line.product_id and ("product", line.product_id) not in known})
    if products and settings.direction("products") == "export":
        target = products_export.SALESFORCE
        chosen = target.prepare(ctx)
        found = [p for p in map(ctx.cin7.product, products) if p]
        plan = target.plan(found, {}, chosen, {})
        products_export.apply(aside, plan, target)
        target.after_page(aside, plan, found, chosen)  # their prices: lines need them
        ctx.notes.append(f"{len(found)} product(s) exported first")


def _salesforce_apply(ctx, plan, opportunities):
    done = opportunity_writes.write(ctx, plan, opportunities)
    links.save_rows("salesforce", [
        {"entity": "sale", "cin7_id": o.sale.id, "remote_type": "opportunity",
         "remote_id": o.write.remote_id, "remote_key": stamp(o.sale),
         "fingerprint": o.write.fingerprint, "parent_remote_id": o.write.parent,
         "name": o.write.name[:250], "detail": o.sale.status} for o in done])


SALESFORCE = Target("salesforce", _salesforce_options, _salesforce_missing,
                    to_salesforce.plan_sales, _salesforce_apply)
