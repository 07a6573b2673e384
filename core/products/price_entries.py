"""Price book entries, executed: after each page's Product2 writes, each product's prices.

Salesforce has no external id on PricebookEntry, but allows one entry per product, book and
currency: the entries of the page's changed products are read (one query per 200 products),
then updated by id or created, standard entries first. A create whose answer was lost is
sent again safely: Salesforce answers DUPLICATE_VALUE for an entry that already landed,
which is then looked up and updated, so a killed or retried run never makes a second one.
What was last written is remembered per product (links "product_prices"), so an unchanged
product costs no call.
"""

from core import links
from core.products.to_salesforce import (
    NEW_ENTRY,
    book_prices,
    plan_entries,
    prices_fingerprint,
)

ENTITY = "product_prices"
DUPLICATE = "DUPLICATE_VALUE"


def export(ctx, plan, products, options):
    """Write the prices of the page's products whose prices changed since the last write."""
    by_id = {p.id: p for p in products}
    known = links.for_records("salesforce", [(ENTITY, p.id) for p in products])
    rows, prints, fresh = [], {}, set()
    for w in plan.writes:
        if not ctx.dry_run and not (w.ok and w.remote_id):
            continue  # the Product2 write failed: its prices wait for the next run
        product = by_id[w.cin7_id]
        prices = book_prices(product, options)
        print_ = prices_fingerprint(prices)
        done = known.get((ENTITY, product.id))
        if (done is not None and done.fingerprint == print_ and done.remote_id == w.remote_id
                and not ctx.only):
            continue
        rows.append((product, w.remote_id, prices))
        if w.created:
            fresh.add(w.remote_id)  # a Product2 made just now has no entries to look up
        prints[product.id] = (w.remote_id, print_, product.name)
    if not rows:
        return
    books = [options["standard"], *options.get("books", {}).values()]
    ids = [product_id for _, product_id, _ in rows if product_id and product_id not in fresh]
    existing = ctx.salesforce.price_entries(ids, books) if ids else {}
    entries = plan_entries(rows, existing, options)
    if ctx.dry_run:
        ctx.record_plan(entries)
        return
    failed = write(ctx, entries, options)
    links.save_many("salesforce", ENTITY, "product",
                    [(cin7_id, remote_id, name, print_)
                     for cin7_id, (remote_id, print_, name) in prints.items()
                     if cin7_id not in failed])


def _standard(options):
    return lambda w: w.properties.get("Pricebook2Id", options["standard"]) == options["standard"]


def write(ctx, plan, options):
    """Standard creates, updates, other creates, then entries found already there; returns
    the Cin7 ids of products with an entry not written."""
    failed, counts = set(), options["counts"]
    is_standard = _standard(options)
    creates = [w for w in plan.writes if w.action == "create"]
    updates = [w for w in plan.writes if w.action == "update"]
    counts["unchanged"] += sum(1 for w in plan.writes if w.action == "skip")
    landed = _create(ctx, [w for w in creates if is_standard(w)], failed, counts)
    _update(ctx, updates, failed, counts)
    later = []
    for w in creates:
        if not is_standard(w) and w.cin7_id in failed:
            ctx.progress.result(w.record_id, w.label, "create", "failed", "Pricebook2Id",
                                "not written: the product's standard price was not written")
        elif not is_standard(w):
            later.append(w)
    landed += _create(ctx, later, failed, counts)
    _update(ctx, _found(ctx, landed, failed), failed, counts)
    return failed


def _create(ctx, writes, failed, counts):
    """Create `writes`; returns those Salesforce already holds (DUPLICATE_VALUE)."""
    if not writes:
        return []
    result = ctx.salesforce.create("PricebookEntry", {w.key: w.properties for w in writes},
                                   repeatable=True)
    landed = []
    for w in writes:
        if w.key in result.ok:
            counts["created"] += 1
            continue
        field, reason = result.failed.get(w.key, ("", "no answer from Salesforce"))
        if DUPLICATE in reason:
            landed.append(w)  # written by a run that was killed or lost the answer
        else:
            failed.add(w.cin7_id)
            ctx.progress.result(w.record_id, w.label, "create", "failed", field, reason)
    return landed


def _found(ctx, writes, failed):
    """The entries of `writes` as they are in Salesforce now, to update by id."""
    if not writes:
        return []
    product_ids = [w.properties["Product2Id"] for w in writes]
    existing = ctx.salesforce.price_entries(product_ids,
                                            list({w.properties["Pricebook2Id"] for w in writes}))
    updates = []
    for w in writes:
        entry = existing.get(tuple(w.key.split("|")))
        if entry is None:
            failed.add(w.cin7_id)
            ctx.progress.result(w.record_id, w.label, "create", "failed", "",
                                "Salesforce says the entry exists but it cannot be read")
            continue
        if entry.get("UnitPrice") == w.properties["UnitPrice"] and entry.get("IsActive"):
            continue  # landed as wanted: nothing to write
        w.action, w.remote_id = "update", entry.id
        w.properties = {"UnitPrice": w.properties["UnitPrice"], **NEW_ENTRY}
        updates.append(w)
    return updates


def _update(ctx, writes, failed, counts):
    if not writes:
        return
    result = ctx.salesforce.update("PricebookEntry", {w.remote_id: w.properties for w in writes})
    for w in writes:
        if w.remote_id in result.ok:
            counts["updated"] += 1
        else:
            failed.add(w.cin7_id)
            field, reason = result.failed.get(w.remote_id, ("", "no answer from Salesforce"))
            ctx.progress.result(w.record_id, w.label, "update", "failed", field, reason)
