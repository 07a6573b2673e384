"""Sales export to Salesforce: a Cin7 sale -> one Opportunity with its line items (pure).

HubSpot's rules (core/sales/to_hubspot.py): a sale from quote onwards, dated on/after
sales.export_since, becomes an Opportunity named after its order number and customer,
under its customer's Account, closing on the sale date, with its total and currency; each
line an OpportunityLineItem keyed "<sale id>:<line number>". Opportunities are upserted by
SALE_KEY and lines by LINE_KEY (external IDs), so a retried or killed run duplicates nothing.
The stage follows the sale's status through "salesforce.export_stage_map" (VOIDED -> Closed
Lost unless mapped); it is written only when the status changes, so a stage set by hand in
Salesforce stays until the sale moves. A sale whose customer or product is not in Salesforce
fails alone, naming it; so does, in a multi-currency org, a sale in another currency than
Cin7's base one (products are priced in that currency only).
"""

from dataclasses import dataclass, field

from core.errors import RecordError
from core.plan import Plan, planned
from core.sales.to_hubspot import FIRST, label, wanted  # noqa: F401 - the same rules

SALE_KEY = "Cin7_Sale_ID__c"  # Opportunity external ID: the Cin7 sale id
LINE_KEY = "Cin7_Line_Key__c"  # OpportunityLineItem external ID: "<sale id>:<line number>"
FIELDS = {  # what an admin adds before the first export: sObject -> [(field, type, ext id)]
    "Opportunity": [(SALE_KEY, "Text(36)", True)],
    "OpportunityLineItem": [(LINE_KEY, "Text(80)", True)],
}
CLOSED_LOST = "Closed Lost"  # the default org's lost stage: a voided sale's, unless mapped
CURRENCY_FIELD = "CurrencyIsoCode"  # multi-currency orgs only
NAME_LIMIT = 120  # Opportunity.Name
LINE_FIELDS = ("Quantity", "UnitPrice", "Discount", "Description")  # updatable on a line


@dataclass
class Opportunity:
    """What one sale writes: its Opportunity, its lines, the price book they are priced in."""

    sale: object
    write: object  # core.plan.Write of the Opportunity
    book: str  # Pricebook2 id the lines' entries are looked up in
    lines: dict = field(default_factory=dict)  # key -> (Product2 id, SKU, line fields)
    failed: bool = False  # a reason was reported: the sale is written again next run


def stage_for(status, stage_map):
    """The stage a sale of `status` puts its opportunity at, or None (leave it alone)."""
    return stage_map.get(status) or (CLOSED_LOST if status == "VOIDED" else None)


def book_for(sale, options):
    """The price book of the sale's tier when products export mapped one, else standard."""
    return options.get("books", {}).get(sale.price_tier) or options["standard"]


def opportunity_fields(sale, options):
    """The Opportunity's fields, without its stage (see `plan_sales`)."""
    when = sale.order_date or sale.updated
    fields = {"Name": f"{sale.order_number} {sale.customer}".strip()[:NAME_LIMIT],
              "CloseDate": when.date().isoformat() if when else None,
              "Amount": sale.order_total}
    if options.get("currency"):
        fields[CURRENCY_FIELD] = options["currency"]
    return fields


def line_fields(sale, number, line):
    """One line: quantity, sales price, discount percentage, comment."""
    return {"Quantity": line.quantity, "UnitPrice": line.price,
            "Discount": line.discount or None, "Description": (line.comment or None),
            LINE_KEY: f"{sale.id}:{number}"}


def plan_sales(sales, known, options, force=False):
    """(Plan, [Opportunity]) for full sales; `known` maps (entity, cin7 id) -> Link for the
    sales, their customers and products. options: stage_map, first_stage, standard, books,
    currency, first (what a dry run would export first)."""
    plan, opportunities = Plan(), []
    for sale in sales:
        try:
            opportunity = _plan_sale(sale, known, options, force)
        except RecordError as exc:
            plan.failures.append((sale, exc))
            continue
        plan.writes.append(opportunity.write)
        opportunities.append(opportunity)
    return plan, opportunities


def _plan_sale(sale, known, options, force):
    first = options.get("first", ())
    base = options.get("currency")
    if base and sale.currency and sale.currency != base:
        raise RecordError(label(sale), "Currency", f"the sale is in {sale.currency}, but its "
                          f"products are priced in Salesforce in Cin7's base currency {base} "
                          "only (products export), so its lines cannot be priced")
    account = _account(sale, known, first)
    lines = {}
    for number, line in enumerate(sale.lines, start=1):
        product = known.get(("product", line.product_id))
        if product is None and "products" in first:
            product_id = FIRST
        elif product is None or not product.remote_id or product.state == "removed":
            raise RecordError(label(sale), "SKU", f"product {line.sku or line.name!r} is not in "
                              "Salesforce yet: export products first")
        else:
            product_id = product.remote_id
        lines[f"{sale.id}:{number}"] = (product_id, line.sku or line.name,
                                        line_fields(sale, number, line))
    book = book_for(sale, options)
    props = {**opportunity_fields(sale, options), "AccountId": account}
    link = known.get(("sale", sale.id))
    fingerprinted = {**props, "_book": book, "_lines": {k: [p, f] for k, (p, _, f) in
                                                        lines.items()}}
    write = planned("Opportunity", "sale", sale.id, sale.id, label(sale), props["Name"],
                    fingerprinted, link, SALE_KEY, sale.id, force=force)
    write.properties, write.parent = props, account
    if write.action == "create":  # fixed once the opportunity has lines
        write.properties["Pricebook2Id"] = book
    stage = stage_for(sale.status, options["stage_map"])
    moved = link is None or not link.remote_id or (link.detail or "") != sale.status
    if write.action == "create" and stage is None:
        stage = options["first_stage"]  # an opportunity needs a stage: the first one
    if stage and moved:
        write.properties["StageName"] = stage
        if write.action == "skip":
            write.action, write.reason = "update", f"status is now {sale.status}"
    return Opportunity(sale, write, book, lines)


def _account(sale, known, first=()):
    link = known.get(("customer", sale.customer_id))
    if link is None and "customers" in first:
        return FIRST
    if link is None or not link.remote_id:
        raise RecordError(label(sale), "Customer", f"customer {sale.customer!r} is not in "
                          "Salesforce yet: export customers first")
    return link.remote_id


def line_writes(opportunity, existing, entries):
    """(upserts {key: fields}, deletes [line id]) bringing the opportunity's lines in
    Salesforce (`existing`: {key: line as read}) to the sale's; `entries` maps Product2 id
    -> PricebookEntry id in its book. A line whose product changed is deleted and made
    again (PricebookEntryId is fixed at creation). Raises RecordError for a product with
    no price in the book."""
    upserts, deletes = {}, []
    prefix = f"{opportunity.sale.id}:"
    for key, line in existing.items():
        wanted_line = opportunity.lines.get(key)
        if key.startswith(prefix) and (wanted_line is None or line.get("PricebookEntryId")
                                       != entries.get(wanted_line[0])):
            deletes.append(line["Id"])
    for key, (product_id, sku, fields) in opportunity.lines.items():
        entry = entries.get(product_id)
        if entry is None:
            raise RecordError(label(opportunity.sale), "SKU", f"product {sku!r} has no active "
                              "price in the opportunity's price book: export products first")
        found = existing.get(key)
        if found is not None and found["Id"] not in deletes:
            if any(_differs(found.get(name), fields[name]) for name in LINE_FIELDS):
                upserts[key] = fields
            continue
        upserts[key] = {**fields, "OpportunityId": opportunity.write.remote_id,
                        "PricebookEntryId": entry}
    return upserts, deletes


def _differs(have, want):
    if isinstance(want, float) or isinstance(have, float):
        return round(float(have or 0), 4) != round(float(want or 0), 4)
    return (have or None) != (want or None)
