"""Products import (PRD-3): HubSpot products -> Cin7 products.

A HubSpot product is matched to a Cin7 product by SKU, then by exact name; matched products
are linked and updated (name, descriptions, the chosen tier's price). Unmatched ones are
created with the import defaults, or, when the admin turned creation off, reported as
unmapped for a person to resolve. Cin7 has no upsert: each create is preceded by an intent
row, and every run starts from an index of Cin7's products by SKU, so a create interrupted
before its link was saved is found by SKU next time instead of being made twice.
"""

import datetime
from dataclasses import replace

from core import cursors, intents, links
from core.errors import ConfigError, RecordError
from core.plan import fingerprint
from core.records import Product
from core.settings import get as setting

ENTITY, DIRECTION = "products", "import"
PROPS = ["name", "hs_sku", "price", "description", "hs_lastmodifieddate"]


def run(ctx):
    if setting("import.create_products") and not setting("import.category"):
        raise ConfigError("import default not set: import.category (SET-2: Cin7 needs a "
                          "category to create a product)")
    window = cursors.open_window(ENTITY, DIRECTION, full=ctx.full)
    since = _ms(window.since) if window.since else 0
    ctx.progress.phase("reading Cin7 products")
    index = ProductIndex(ctx.cin7)
    tier = _tier_position(ctx.cin7.price_tier_names(), setting("products.price_tier"))
    ctx.progress.phase("importing HubSpot products")
    pages = ctx.hubspot.changed("products", since, _ms(window.until), PROPS)
    for page in cursors.resumable(ENTITY, DIRECTION, window, pages, ctx.dry_run,
                                  ctx.notes.append):
        if ctx.only:
            page = [r for r in page if r.id in ctx.only]
        ctx.progress.add(read=len(page))
        for remote in page:
            _import_one(ctx, index, remote, tier)
            ctx.progress.add(done=1)
    if not ctx.dry_run:
        cursors.window_done(ENTITY, DIRECTION, window)


def _ms(moment):
    return int(moment.replace(tzinfo=datetime.UTC).timestamp() * 1000)


def _tier_position(names, chosen):
    for position, name in sorted(names.items()):
        if not chosen or name == chosen:
            return position, name
    return 1, names.get(1, "Tier 1")


def wanted_product(remote, tier):
    """The Cin7 product a HubSpot product says it should be (no id: a create)."""
    sku, name = remote.get("hs_sku").strip(), remote.get("name").strip()
    if not sku:
        raise RecordError(f"HubSpot product '{name or remote.id}'", "hs_sku",
                          "is empty: Cin7 needs a SKU")
    if not name:
        raise RecordError(f"HubSpot product {sku}", "name", "is empty")
    prices = []
    if remote.get("price") not in ("", None):
        try:
            prices = [(tier[0], tier[1], float(remote.get("price")))]
        except ValueError:
            raise RecordError(f"HubSpot product {sku}", "price",
                              f"'{remote.get('price')}' is not a number") from None
    return Product(id="", sku=sku, name=name, short_description=remote.get("description")[:500],
                   category=setting("import.category"), type=setting("import.product_type"),
                   prices=prices)


def _import_one(ctx, index, remote, tier):
    progress = ctx.progress
    try:
        wanted = wanted_product(remote, tier)
    except RecordError as exc:
        progress.result(remote.id, exc.record, "fail", "failed", exc.field, exc.reason)
        return
    key = f"hubspot:{remote.id}"
    link = links.for_records("hubspot", [("product", key)]).get(("product", key))
    existing = (index.ids.get(link.remote_id) if link else None) or index.match(wanted)
    digest = fingerprint([wanted.sku, wanted.name, wanted.short_description, wanted.prices])
    if link and existing and link.fingerprint == digest and not ctx.only:
        progress.add(unchanged=1)
        return
    if existing is None and not setting("import.create_products"):
        progress.result(remote.id, f"product '{wanted.sku}'", "skip", "warning", "hs_sku",
                        "no Cin7 product has this SKU or name and creating products is off: "
                        "unmapped, for a person to resolve")
        return
    action = "update" if existing else "create"
    if ctx.dry_run:
        ctx.plan.append({"record": wanted.name, "object": "product", "action": action,
                         "reason": "", "remote_id": existing.id if existing else ""})
        progress.add(**{"created" if existing is None else "updated": 1})
        return
    # Matched: only what HubSpot holds changes; the Cin7 product keeps the rest.
    product = wanted if existing is None else replace(
        existing, name=wanted.name, short_description=wanted.short_description or
        existing.short_description, prices=wanted.prices or existing.prices)
    if existing is None:
        intents.intend("cin7", "product", [(remote.id, wanted.sku)], ctx.run.id)
    try:
        saved = ctx.cin7.save_product(product)
    except RecordError as exc:
        progress.result(remote.id, exc.record, action, "failed", exc.field,
                        f"Cin7 refused it: {exc.reason}")
        return
    index.add(saved)
    links.save("hubspot", "product", key, "product", saved.id, name=saved.name,
               fingerprint=digest)
    intents.done("cin7", "product", [remote.id])
    progress.add(**{"created" if action == "create" else "updated": 1})
    progress.succeeded([remote.id])


class ProductIndex:
    """Every Cin7 product by id, SKU and name, read once per run (one call per 1,000)."""

    def __init__(self, cin7):
        self.ids, self.skus, self.names = {}, {}, {}
        for _, _, page in cin7.product_pages():
            for product in page:
                self.add(product)

    def add(self, product):
        self.ids[product.id] = product
        self.skus[product.sku.lower()] = product
        self.names.setdefault(product.name.strip().lower(), product)

    def match(self, wanted):
        """By SKU, then by exact name (PRD-3)."""
        return self.skus.get(wanted.sku.lower()) or self.names.get(wanted.name.strip().lower())
