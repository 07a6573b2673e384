"""Products export: Cin7 product -> HubSpot product payload, and the plan of writes (pure).

Rules (PRD-1, PRD-4, PRD-5): name, SKU, description (short or full), the chosen tier's price
and the term; every price tier, category, brand, tags, weight, average cost, type and status
as properties in the "Cin7 information" group; the first image in HubSpot's image URL
property (IMAGE_PROPERTY) when the account has it, and every image's URL in cin7_images. Products are keyed by the Cin7 product id, so
a SKU changed in Cin7 updates the same HubSpot product. Nothing is ever removed in HubSpot.
"""

from core.errors import RecordError
from core.plan import Plan, planned

TIERS = range(1, 11)
IMAGE_PROPERTY = "hs_images"  # HubSpot's own product image URL (a text property)


def property_specs(tier_names=None):
    """SyncDesk's own product properties."""
    names = tier_names or {}
    number = {"type": "number", "fieldType": "number"}
    text = {"type": "string", "fieldType": "text"}
    status = {"type": "enumeration", "fieldType": "select",
              "options": [{"label": v, "value": v, "displayOrder": i, "hidden": False}
                          for i, v in enumerate(("Active", "Not sellable", "Deprecated"))]}
    specs = [
        {"name": "cin7_product_id", "label": "Cin7 product ID", "hasUniqueValue": True,
         "description": "Cin7 Core product ID, kept by SyncDesk", **text},
        {"name": "cin7_status", "label": "Cin7 status", **status},
        {"name": "cin7_type", "label": "Cin7 type (Stock or Service)", **text},
        {"name": "cin7_category", "label": "Cin7 category", **text},
        {"name": "cin7_brand", "label": "Cin7 brand", **text},
        {"name": "cin7_tags", "label": "Cin7 tags", **text},
        {"name": "cin7_weight", "label": "Cin7 weight", **number},
        {"name": "cin7_stock_on_hand", "label": "Cin7 stock on hand", **number},
        {"name": "cin7_stock_by_location", "label": "Cin7 stock by location",
         "type": "string", "fieldType": "textarea"},
        {"name": "cin7_images", "label": "Cin7 images", "type": "string",
         "fieldType": "textarea", "description": "The URL of each image attached in Cin7, "
                                                 "one per line, the first as the product image"},
    ]
    specs += [{"name": f"cin7_price_tier_{i}",
               "label": f"Cin7 price: {names.get(i, f'Tier {i}')}", **number} for i in TIERS]
    return specs


def _number(value):
    return "" if value is None else f"{value:g}"


def status_of(product):
    if product.status.lower() == "deprecated":
        return "Deprecated"
    return "Active" if product.sellable else "Not sellable"


def product_properties(product, options):
    """HubSpot's properties for `product`; options: description (short|full), price_tier
    (a tier name, "" for the first), term_months ("" for none), images (the account has
    IMAGE_PROPERTY)."""
    prices = {name: price for _, name, price in product.prices}
    by_position = {position: price for position, _, price in product.prices}
    tier = options.get("price_tier") or ""
    price = prices.get(tier) if tier else by_position.get(1)
    full = options.get("description") == "full"
    props = {"name": product.name, "hs_sku": product.sku,
             "description": (product.description if full else product.short_description)
             or product.short_description or product.description,
             "price": _number(price), "hs_cost_of_goods_sold": _number(product.average_cost),
             "cin7_product_id": product.id, "cin7_status": status_of(product),
             "cin7_type": product.type, "cin7_category": product.category,
             "cin7_brand": product.brand, "cin7_tags": product.tags,
             "cin7_weight": _number(product.weight)}
    props.update({f"cin7_price_tier_{i}": _number(by_position.get(i)) for i in TIERS})
    props["cin7_images"] = "\n".join(product.images)
    if options.get("images"):
        props[IMAGE_PROPERTY] = product.images[0] if product.images else ""
    if options.get("term_months"):
        props["hs_recurring_billing_period"] = f"P{int(options['term_months'])}M"
    return props


def stock_properties(places):
    """Stock on hand in total and per location, from {location: quantity}."""
    total = sum(places.values())
    by_location = "; ".join(f"{name or 'no location'}: {qty:g}"
                            for name, qty in sorted(places.items()))
    return {"cin7_stock_on_hand": f"{total:g}", "cin7_stock_by_location": by_location}


def check_product(product, options):
    who = f"product '{product.sku or product.name or product.id}'"
    if not product.sku:
        raise RecordError(who, "SKU", "is empty")
    if not product.name.strip():
        raise RecordError(who, "Name", "is empty")
    tier = options.get("price_tier")
    if tier and tier not in {name for _, name, _ in product.prices}:
        raise RecordError(who, "PriceTiers", f"has no price in tier '{tier}'")
    if any(price < 0 for _, _, price in product.prices):
        raise RecordError(who, "PriceTiers", "a price is negative; HubSpot refuses those")


def plan_products(products, links, options, stock=None, force=False):
    """Decide the writes for `products`; `links` maps ("product", cin7 id) -> Link and
    `stock` product id -> {location: on hand} (services have none)."""
    stock = stock or {}
    plan = Plan()
    for product in products:
        try:
            check_product(product, options)
        except RecordError as exc:
            plan.failures.append((product, exc))
            continue
        label = f"product '{product.sku}'"
        props = product_properties(product, options)
        if product.type != "Service":
            props.update(stock_properties(stock.get(product.id, {})))
        plan.writes.append(planned("product", "product", product.id, product.id, label,
                                   product.name, props,
                                   links.get(("product", product.id)), "cin7_product_id",
                                   product.id, force))
    return plan
