"""Products export, executed: Cin7 products page by page to the CRM's products, then stock.

One engine for every CRM; a Target says what differs (HubSpot products, Salesforce Product2
and its price book entries). Products are upserted by the Cin7 product id (HubSpot's unique
property cin7_product_id, Salesforce's external-ID field Cin7_Product_ID__c), so a retried
batch or a lost link never makes a duplicate and a SKU changed in Cin7 updates the same
product (PRD-5). Stock changes do not touch a Cin7 product's modified date, so the
availability list is read whole first (one call per 1,000 rows): a product written in this
run carries its stock, and afterwards every other linked product whose stock changed since
the last write is updated by its CRM id.
"""

from collections import Counter
from dataclasses import dataclass

from core import cursors, links
from core.customers.export import ensure_properties
from core.errors import SyncOff
from core.plan import fingerprint
from core.products import listing as product_list
from core.products import price_books, price_entries, to_hubspot, to_salesforce
from core.settings import get as setting
from core.upserts import upsert

ENTITY, DIRECTION = "products", "export"


@dataclass(frozen=True)
class Target:
    """What the products export writes to one CRM."""

    system: str  # the CRM: its client is ctx.<system>, its links say so
    object_type: str  # its products' object in its API
    prepare: object  # ctx -> the run's options; may refuse the run (SyncOff)
    plan: object  # (products, links, options, stock, force) -> Plan
    stock_fields: object  # {location: on hand} -> the product's stock fields
    after_page: object = None  # (ctx, plan, products, options): more writes per page
    finish: object = None  # (ctx, options): said at the end of the run


def options():
    return {"description": setting("export.product_description"),
            "price_tier": setting("products.price_tier"),
            "term_months": setting("export.product_term")}


def run(ctx):
    """Export changed (or selected) products to HubSpot, then changed stock."""
    export(ctx, HUBSPOT)


def run_salesforce(ctx):
    """Export changed (or selected) products to Salesforce with their prices, then stock."""
    export(ctx, SALESFORCE)


def export(ctx, target):
    """Export changed (or selected) products to `target`, then changed stock."""
    chosen = target.prepare(ctx)
    ctx.progress.phase("reading Cin7 stock")
    stock, handled = ctx.cin7.stock(), set()

    def handle_page(ctx, products):
        product_list.save(products)  # the panel's product list sees what we read
        known = links.for_records(target.system, [("product", p.id) for p in products])
        plan = target.plan(products, known, chosen, stock, force=bool(ctx.only))
        handled.update(p.id for p in products)
        if ctx.dry_run:
            ctx.record_plan(plan)
        else:
            apply(ctx, plan, target)
            _remember_stock(plan, stock, target)
        if target.after_page:
            target.after_page(ctx, plan, products, chosen)

    cursors.export_pages(ctx, ENTITY, DIRECTION, ctx.cin7.product_pages, ctx.cin7.product,
                         handle_page, "products")
    if not ctx.dry_run:
        export_stock(ctx, {i: places for i, places in stock.items() if i not in handled},
                     target)
    if target.finish:
        target.finish(ctx, chosen)


# -- HubSpot ------------------------------------------------------------------------------

def _hubspot_options(ctx):
    chosen = {**options(), "images": has_image_property(ctx)}
    if not ctx.dry_run:
        specs = to_hubspot.property_specs(ctx.cin7.price_tier_names())
        ensure_properties(ctx.hubspot, {"products": specs})
    return chosen


def has_image_property(ctx):
    """Whether the portal has HubSpot's product image URL property as text (PRD-5): read,
    never created (it is HubSpot's own); without it images go to cin7_images only."""
    found = ctx.hubspot.properties("products").get(to_hubspot.IMAGE_PROPERTY)
    if found and found.get("type") == "string":
        return True
    ctx.notes.append(f"product images not set as the product image: HubSpot has no text "
                     f"property {to_hubspot.IMAGE_PROPERTY} on products (they are in cin7_images)")
    return False


HUBSPOT = Target("hubspot", "products", _hubspot_options, to_hubspot.plan_products,
                 to_hubspot.stock_properties)


# -- Salesforce ---------------------------------------------------------------------------

def _salesforce_options(ctx):
    """The run's options; refuses when Product2 lacks SyncDesk's fields or a mapped price
    book cannot take prices (the books are read again: the copy may be old)."""
    sf = ctx.salesforce
    missing = sf.missing_fields("Product2", list(to_salesforce.CUSTOM_FIELDS))
    if missing:
        raise SyncOff(to_salesforce.setup_steps(missing))
    found = price_books.load(sf)
    mapping = setting("salesforce.price_books")
    problems = price_books.problems_of(mapping, found)
    if problems:
        raise SyncOff("price books: " + "; ".join(problems) + " (the panel's Price books page "
                      "or `syncdesk pricebooks --map`)")
    extra = [name for name in to_salesforce.OPTIONAL_FIELDS if name in sf.fields("Product2")]
    return {**options(), "extra_fields": extra, "books": mapping, "standard": price_books.standard(found)["id"],
            "book_names": {b["id"]: b["name"] for b in found}, "currency": _currency(ctx),
            "counts": Counter()}


def _currency(ctx):
    """Cin7's base currency for the entries of a multi-currency org ("" in a single-currency
    one); refused when the org does not have it, before any write."""
    field = ctx.salesforce.fields("PricebookEntry").get(to_salesforce.CURRENCY_FIELD)
    if field is None:
        return ""
    currency = ctx.cin7.me().get("Currency", "")
    offered = [v["value"] for v in field.get("picklistValues") or [] if v.get("active")]
    if offered and currency not in offered:
        raise SyncOff(f"Cin7's base currency {currency} is not a currency of the Salesforce "
                      f"org ({', '.join(offered)}): add it in Setup → Company Settings → "
                      "Manage Currencies, then run the export again")
    return currency


def _salesforce_finish(ctx, chosen):
    counts = chosen["counts"]
    if any(counts.values()):
        ctx.notes.append(f"price book entries: {counts['created']} created, "
                         f"{counts['updated']} updated, {counts['unchanged']} unchanged")


SALESFORCE = Target("salesforce", "Product2", _salesforce_options, to_salesforce.plan_products,
                    to_salesforce.stock_fields, price_entries.export, _salesforce_finish)


# -- shared steps -------------------------------------------------------------------------

def _remember_stock(plan, stock, target):
    """Products written with their stock: the stock pass compares against this."""
    links.save_many(target.system, "product_stock", "product",
                    [(w.cin7_id, w.remote_id, w.name,
                      fingerprint(target.stock_fields(stock.get(w.cin7_id, {}))))
                     for w in plan.writes if w.ok and w.remote_id and w.action != "skip"])


def apply(ctx, plan, target=HUBSPOT):
    """Write one page's plan; links are saved from the CRM's answers."""
    for product, error in plan.failures:
        ctx.progress.result(product.id, error.record, "fail", "failed", error.field, error.reason)
    for w in plan.writes:
        w.ok = w.action == "skip"
    ctx.progress.add(unchanged=sum(1 for w in plan.writes if w.action == "skip"))
    upsert(ctx, target.object_type, [w for w in plan.writes if w.action != "skip"],
           target.system)
    ctx.progress.succeeded({w.record_id for w in plan.writes if w.ok})
    links.save_page(target.system, [w for w in plan.writes if w.ok and w.action != "skip"])


def export_stock(ctx, stock, target=HUBSPOT):
    """Stock on hand per location onto every linked product whose stock changed."""
    ctx.progress.phase("exporting stock")
    known = links.for_records(target.system, [("product", i) for i in stock] +
                              [("product_stock", i) for i in stock])
    changes, prints = {}, {}
    for product_id, places in stock.items():
        product = known.get(("product", product_id))
        if product is None or not product.remote_id or product.state == "removed":
            continue  # not exported (yet): its stock goes with it on a later run
        props = target.stock_fields(places)
        done = known.get(("product_stock", product_id))
        if done is None or done.fingerprint != fingerprint(props) or done.remote_id != product.remote_id:
            changes[product.remote_id] = props
            prints[product.remote_id] = (product_id, fingerprint(props), product.name)
    if not changes:
        return
    client = getattr(ctx, target.system)
    result = client.update(target.object_type, changes)
    links.save_many(target.system, "product_stock", "product",
                    [(product_id, remote_id, name, print_)
                     for remote_id, (product_id, print_, name) in prints.items()
                     if remote_id in result.ok])
    for remote_id, (product_id, _, name) in prints.items():
        if remote_id not in result.ok:
            field, reason = result.failed.get(remote_id, ("", f"no answer from {client.api.system}"))
            ctx.progress.result(product_id, f"product '{name}'", "update", "failed",
                                field or "stock", reason)
    ctx.progress.add(updated=len(result.ok))
