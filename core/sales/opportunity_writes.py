"""Sales export to Salesforce, executed for one page: Opportunities, then their lines.

Order, so that a kill between any two calls duplicates nothing: Opportunities upserted by
Cin7_Sale_ID__c; the lines Salesforce holds for those updated (not those just created) read
in one query per 200; their price book entries read; lines gone from the sale (or whose
product changed) deleted; lines upserted by Cin7_Line_Key__c. Lines are compared with what
Salesforce holds, not with links, so a line written by a killed run is updated, never made
twice, and an unchanged line costs no write.
"""

from core.connectors.salesforce import IN_CHUNK, quote
from core.errors import RecordError
from core.sales.to_salesforce import CURRENCY_FIELD, LINE_KEY, SALE_KEY, line_writes

SAID = ("", "no answer from Salesforce")


def write(ctx, plan, opportunities):
    """Write one page's plan; returns the opportunities written whole (their links are
    saved by the caller). A sale fails alone, with the reason, and is written next run."""
    for sale, error in plan.failures:
        ctx.progress.result(sale.id, error.record, "fail", "failed", error.field, error.reason)
    ctx.progress.add(unchanged=sum(1 for o in opportunities if o.write.action == "skip"))
    todo = [o for o in opportunities if o.write.action != "skip"]
    if not todo:
        return []
    sf = ctx.salesforce
    result = sf.upsert("Opportunity", SALE_KEY, {o.sale.id: o.write.properties for o in todo})
    for o in todo:
        if o.sale.id in result.ok:
            o.write.remote_id, o.write.ok = result.ok[o.sale.id].id, True
            o.write.created = o.sale.id in result.created
        else:
            _fail(ctx, o, *result.failed.get(o.sale.id, SAID))
    written = [o for o in todo if o.write.ok]
    held = _held(sf, [o.write.remote_id for o in written if not o.write.created])
    entries = _entries(sf, written, held)
    upserts, deletes, owner = {}, [], {}
    for o in written:
        lines_held, book = held.get(o.write.remote_id, ({}, None))
        at = (book or o.book, _currency(o))
        try:
            lines, gone = line_writes(o, lines_held,
                                      {p: entries.get((p, *at)) for p, _, _ in o.lines.values()})
        except RecordError as exc:
            _fail(ctx, o, exc.field, exc.reason)
            continue
        upserts.update(lines)
        deletes += gone
        owner.update({key: o for key in lines} | {line_id: o for line_id in gone})
    if deletes:
        done = sf.delete("OpportunityLineItem", deletes)
        for line_id, (field, reason) in done.failed.items():
            _fail(ctx, owner[line_id], field or "Lines", f"line not removed: {reason}")
    if upserts:
        done = sf.upsert("OpportunityLineItem", LINE_KEY, upserts)
        for key in upserts:
            if key not in done.ok:
                field, reason = done.failed.get(key, SAID)
                _fail(ctx, owner[key], field or "Lines", f"line refused by Salesforce: {reason}")
    done = [o for o in written if o.write.ok]
    for o in done:
        created = o.write.action == "create" and o.write.created
        ctx.progress.add(**{"created" if created else "updated": 1})
    ctx.progress.succeeded({o.sale.id for o in done})
    return done


def _fail(ctx, opportunity, field, reason):
    if opportunity.failed:
        return  # one reason per sale
    opportunity.write.ok, opportunity.failed = False, True
    ctx.progress.result(opportunity.sale.id, opportunity.write.label, opportunity.write.action,
                        "failed", field, reason)


def _held(sf, opportunity_ids):
    """{Opportunity id: ({line key: line}, Pricebook2Id)} as Salesforce holds them now."""
    found = {}
    lines = f"(SELECT Id, {LINE_KEY}, PricebookEntryId, Quantity, UnitPrice, Discount, " \
            "Description FROM OpportunityLineItems)"
    for at in range(0, len(opportunity_ids), IN_CHUNK):
        chosen = ", ".join(quote(i) for i in opportunity_ids[at:at + IN_CHUNK])
        soql = f"SELECT Id, Pricebook2Id, {lines} FROM Opportunity WHERE Id IN ({chosen})"
        for page in sf.query(soql):
            for record in page:
                items = (record.get("OpportunityLineItems") or {}).get("records") or []
                found[record["Id"]] = ({i[LINE_KEY]: i for i in items if i.get(LINE_KEY)},
                                       record.get("Pricebook2Id"))
    return found


def _currency(opportunity):
    return opportunity.write.properties.get(CURRENCY_FIELD) or ""


def _entries(sf, opportunities, held):
    """{(Product2 id, book id, currency): active PricebookEntry id} for the lines to write."""
    products = sorted({p for o in opportunities for p, _, _ in o.lines.values()})
    books = sorted({(held.get(o.write.remote_id, ({}, None))[1] or o.book)
                    for o in opportunities})
    if not products:
        return {}
    return {key: entry.id for key, entry in sf.price_entries(products, books).items()
            if entry.get("IsActive")}
