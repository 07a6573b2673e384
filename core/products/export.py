"""Products export, executed: Cin7 products page by page to HubSpot products, then stock.

Products are upserted by the unique property cin7_product_id, so a retried batch or a lost
link never makes a duplicate and a SKU changed in Cin7 updates the same product (PRD-5).
Stock changes do not touch a Cin7 product's modified date, so the availability list is read
whole first (one call per 1,000 rows): a product written in this run carries its stock, and
afterwards every other linked product whose stock changed since the last write is updated
by HubSpot id.
"""

from core import cursors, links
from core.customers.export import ensure_properties
from core.plan import fingerprint
from core.products import listing as product_list
from core.products.to_hubspot import (
    IMAGE_PROPERTY,
    plan_products,
    property_specs,
    stock_properties,
)
from core.settings import get as setting
from core.upserts import upsert

ENTITY, DIRECTION = "products", "export"


def options():
    return {"description": setting("export.product_description"),
            "price_tier": setting("products.price_tier"),
            "term_months": setting("export.product_term")}


def run(ctx):
    """Export changed (or selected) products, then changed stock; reports via ctx.progress."""
    chosen = {**options(), "images": has_image_property(ctx)}
    if not ctx.dry_run:
        ensure_properties(ctx.hubspot, {"products": property_specs(ctx.cin7.price_tier_names())})
    ctx.progress.phase("reading Cin7 stock")
    stock, handled = ctx.cin7.stock(), set()

    def handle_page(ctx, products):
        product_list.save(products)  # the panel's product list sees what we read
        known = links.for_records("hubspot", [("product", p.id) for p in products])
        plan = plan_products(products, known, chosen, stock, force=bool(ctx.only))
        handled.update(p.id for p in products)
        if ctx.dry_run:
            ctx.record_plan(plan)
        else:
            apply(ctx, plan)
            _remember_stock(plan, stock)

    cursors.export_pages(ctx, ENTITY, DIRECTION, ctx.cin7.product_pages, ctx.cin7.product,
                        handle_page, "products")
    if not ctx.dry_run:
        export_stock(ctx, {i: places for i, places in stock.items() if i not in handled})


def has_image_property(ctx):
    """Whether the portal has HubSpot's product image URL property as text (PRD-5): read,
    never created (it is HubSpot's own); without it images go to cin7_images only."""
    found = ctx.hubspot.properties("products").get(IMAGE_PROPERTY)
    if found and found.get("type") == "string":
        return True
    ctx.notes.append(f"product images not set as the product image: HubSpot has no text "
                     f"property {IMAGE_PROPERTY} on products (they are in cin7_images)")
    return False


def _remember_stock(plan, stock):
    """Products written with their stock: the stock pass compares against this."""
    links.save_many("hubspot", "product_stock", "product",
                    [(w.cin7_id, w.remote_id, w.name, fingerprint(stock_properties(stock.get(w.cin7_id, {}))))
                     for w in plan.writes if w.ok and w.remote_id and w.action != "skip"])


def apply(ctx, plan):
    """Write one page's plan; links are saved from HubSpot's answers."""
    for product, error in plan.failures:
        ctx.progress.result(product.id, error.record, "fail", "failed", error.field, error.reason)
    for w in plan.writes:
        w.ok = w.action == "skip"
    ctx.progress.add(unchanged=sum(1 for w in plan.writes if w.action == "skip"))
    upsert(ctx, "products", [w for w in plan.writes if w.action != "skip"])
    ctx.progress.succeeded({w.record_id for w in plan.writes if w.ok})
    links.save_page("hubspot", [w for w in plan.writes if w.ok and w.action != "skip"])


def export_stock(ctx, stock):
    """Stock on hand per location onto every linked product whose stock changed."""
    ctx.progress.phase("exporting stock")
    known = links.for_records("hubspot", [("product", i) for i in stock] +
                              [("product_stock", i) for i in stock])
    changes, prints = {}, {}
    for product_id, places in stock.items():
        product = known.get(("product", product_id))
        if product is None or not product.remote_id or product.state == "removed":
            continue  # not exported (yet): its stock goes with it on a later run
        props = stock_properties(places)
        done = known.get(("product_stock", product_id))
        if done is None or done.fingerprint != fingerprint(props) or done.remote_id != product.remote_id:
            changes[product.remote_id] = props
            prints[product.remote_id] = (product_id, fingerprint(props), product.name)
    if not changes:
        return
    result = ctx.hubspot.update("products", changes)
    links.save_many("hubspot", "product_stock", "product",
                    [(product_id, remote_id, name, print_)
                     for remote_id, (product_id, print_, name) in prints.items()
                     if remote_id in result.ok])
    for remote_id, (product_id, _, name) in prints.items():
        if remote_id not in result.ok:
            field, reason = result.failed.get(remote_id, ("", "no answer from HubSpot"))
            ctx.progress.result(product_id, f"product '{name}'", "update", "failed",
                                field or "stock", reason)
    ctx.progress.add(updated=len(result.ok))
