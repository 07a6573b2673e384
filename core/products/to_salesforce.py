"""Products export to Salesforce: Cin7 product -> Product2 fields, and price book entries (pure).

Product2 is keyed by the external-ID field EXTERNAL_ID (the Cin7 product id), so a SKU
changed in Cin7 updates the same Product2 and a retried batch never makes a second one.
Name, ProductCode (the SKU), Description (short or full), Family (the category), IsActive
(sellable and not deprecated) and stock on hand, in total and per location, in two custom
fields; status, type, brand, tags, weight, average cost and image URLs when the org has
their fields (OPTIONAL_FIELDS). Prices are PricebookEntry rows, one per product, price book and currency: the
standard book carries the default tier (Salesforce refuses any other entry before it), each
mapped book its tier's price. Nothing is ever removed in Salesforce (PRD-4).
"""

from core.errors import RecordError
from core.plan import Plan, Write, fingerprint, planned
from core.products.to_hubspot import status_of

EXTERNAL_ID = "Cin7_Product_ID__c"
STOCK_ON_HAND = "Cin7_Stock_On_Hand__c"
STOCK_BY_LOCATION = "Cin7_Stock_By_Location__c"
# The custom fields an admin adds to Product2, with the type to choose in Setup.
CUSTOM_FIELDS = {
    EXTERNAL_ID: ("Text, length 36, with External ID and Unique ticked", "Cin7 Product ID"),
    STOCK_ON_HAND: ("Number (16, 2)", "Cin7 Stock On Hand"),
    STOCK_BY_LOCATION: ("Long Text Area (32,768)", "Cin7 Stock By Location"),
}
# PRD-5's richer data, written when the admin added the field (none is required).
OPTIONAL_FIELDS = {
    "Cin7_Status__c": lambda p: status_of(p), "Cin7_Type__c": lambda p: p.type,
    "Cin7_Brand__c": lambda p: p.brand or None, "Cin7_Tags__c": lambda p: p.tags or None,
    "Cin7_Weight__c": lambda p: p.weight, "Cin7_Average_Cost__c": lambda p: p.average_cost,
    "Cin7_Images__c": lambda p: "\n".join(p.images) or None,
}
# Points crms.md leaves open (A.3, A.16), kept here to correct in one place: the currency
# field exists only in multi-currency orgs; entries are written active, with their own price.
CURRENCY_FIELD = "CurrencyIsoCode"
NEW_ENTRY = {"IsActive": True, "UseStandardPrice": False}
TEXT_LIMITS = {"Name": 255, "ProductCode": 255, "Family": 255, "Description": 4000,
               "Cin7_Brand__c": 255, "Cin7_Tags__c": 255}


def setup_steps(missing):
    """What an admin does in Setup to add the `missing` Product2 fields, in words."""
    lines = [f"Salesforce's Product2 lacks {', '.join(missing)}. In Salesforce: Setup → "
             "Object Manager → Product → Fields & Relationships → New, then for each:"]
    for name in missing:
        kind, label = CUSTOM_FIELDS[name]
        lines.append(f"  • {kind}; Field Label \"{label}\", Field Name "
                     f"\"{name.removesuffix('__c')}\" (API name {name})")
    lines.append("Give the integration user's profile edit access to them (field-level "
                 "security), then run the export again.")
    return "\n".join(lines)


def _cut(fields):
    return {k: v[:TEXT_LIMITS[k]] if isinstance(v, str) and k in TEXT_LIMITS else v
            for k, v in fields.items()}


def product_fields(product, options):
    """Product2's fields for `product`; options: description (short|full), extra_fields
    (those of OPTIONAL_FIELDS the org has)."""
    full = options.get("description") == "full"
    description = ((product.description if full else product.short_description)
                   or product.short_description or product.description)
    active = product.sellable and product.status.lower() != "deprecated"
    fields = {"Name": product.name, "ProductCode": product.sku,
              "Description": description or None, "Family": product.category or None,
              "IsActive": active}
    fields.update({name: OPTIONAL_FIELDS[name](product) for name in options.get(
        "extra_fields", ())})
    return _cut(fields)


def stock_fields(places):
    """Stock on hand in total and per location, from {location: quantity}."""
    by_location = "; ".join(f"{name or 'no location'}: {qty:g}"
                            for name, qty in sorted(places.items()))
    return {STOCK_ON_HAND: round(sum(places.values()), 2), STOCK_BY_LOCATION: by_location}


def default_price(product, options):
    """The default tier's price (options price_tier; "" = the first tier), or None."""
    tier = options.get("price_tier") or ""
    for position, name, price in product.prices:
        if (name == tier) if tier else position == 1:
            return price
    return None


def check_product(product, options):
    who = f"product '{product.sku or product.name or product.id}'"
    if not product.sku:
        raise RecordError(who, "SKU", "is empty")
    if not product.name.strip():
        raise RecordError(who, "Name", "is empty")
    if default_price(product, options) is None:
        tier = options.get("price_tier") or "the first tier"
        raise RecordError(who, "PriceTiers", f"has no price in {tier}: Salesforce needs a "
                          "standard price book price before any other")


def plan_products(products, links, options, stock=None, force=False):
    """Decide the Product2 writes; `links` maps ("product", cin7 id) -> Link and `stock`
    product id -> {location: on hand} (services have none)."""
    stock, plan = stock or {}, Plan()
    for product in products:
        try:
            check_product(product, options)
        except RecordError as exc:
            plan.failures.append((product, exc))
            continue
        fields = product_fields(product, options)
        if product.type != "Service":
            fields.update(stock_fields(stock.get(product.id, {})))
        plan.writes.append(planned("Product2", "product", product.id, product.id,
                                   f"product '{product.sku}'", product.name, fields,
                                   links.get(("product", product.id)), EXTERNAL_ID,
                                   product.id, force))
    return plan


def book_prices(product, options):
    """{(price book id, currency): price}: the standard book at the default tier's price,
    then each mapped book (options books: {tier name: book id}) at its tier's price."""
    currency = options.get("currency") or ""
    prices = {(options["standard"], currency): default_price(product, options)}
    by_name = {name: price for _, name, price in product.prices}
    for tier, book in options.get("books", {}).items():
        if by_name.get(tier) is not None:
            prices[(book, currency)] = by_name[tier]
    return prices


def prices_fingerprint(prices):
    return fingerprint({f"{book}|{currency}": price for (book, currency), price in prices.items()})


def plan_entries(rows, existing, options):
    """The PricebookEntry writes for `rows` of (product, Product2 id or None, prices), given
    the `existing` entries {(product id, book id, currency): Remote}; standard ones first."""
    names, plan = options.get("book_names", {}), Plan()
    for product, product_id, prices in rows:
        for (book, currency), price in prices.items():
            found = existing.get((product_id, book, currency)) if product_id else None
            label = f"product '{product.sku}', price book '{names.get(book, book)}'"
            write = Write(kind="PricebookEntry", entity="product_prices", cin7_id=product.id,
                          record_id=product.id, label=label,
                          name=f"{product.name} in {names.get(book, book)}", action="create",
                          key=f"{product_id}|{book}|{currency}")
            if found is None:
                write.properties = {"Pricebook2Id": book, "Product2Id": product_id,
                                    "UnitPrice": price, **NEW_ENTRY}
                if currency:
                    write.properties[CURRENCY_FIELD] = currency
            else:
                write.remote_id = found.id
                same = (found.get("UnitPrice") == price and found.get("IsActive")
                        and not found.get("UseStandardPrice"))
                write.action = "skip" if same else "update"
                write.reason = "same price" if same else ""
                write.properties = {"UnitPrice": price, **NEW_ENTRY}
            plan.writes.append(write)
    standard = options["standard"]
    plan.writes.sort(key=lambda w: w.properties.get("Pricebook2Id", standard) != standard)
    return plan
