"""Sales export to Capsule, executed: Cin7 quotes page by page to opportunities (EXT-3).

Like the HubSpot export, a sale is read whole only when its `Updated` moved since its last
export, so a no-change run reads one page and writes nothing. An opportunity is created once
(intents.create_once: intent row, "Cin7 Sale ID" in the same POST, lookup by that field after
a lost answer or a killed run) and linked at once; later changes are PUTs by id. A sale whose
customer Capsule lacks has the customer exported first when customers export is on.
"""

from dataclasses import replace

from core import cursors, intents, links, runs, settings
from core.connectors.capsule import SALE_ID_FIELD
from core.customers import export_capsule as customers_export
from core.errors import RecordError, ServiceError
from core.records import FieldDefinition
from core.sales import listing as sale_list
from core.sales import to_capsule
from core.sales.export import read_changed, stamp

SYSTEM = "capsule"
ENTITY, DIRECTION = "sales", "export"


def run(ctx):
    """Export changed (or selected) quotes as opportunities; reports through ctx.progress."""
    key = sale_key(ctx)
    options = {"milestone_map": settings.get("capsule.milestone_map"), "key": key.id,
               "first": ctx.dry_run and settings.direction("customers") == "export"}
    since = settings.get("sales.export_since")

    def handle_page(ctx, headers):
        sale_list.save(headers)  # the panel's sales list sees what we read
        linked = links.for_records(SYSTEM, [("sale", h.id) for h in headers])
        chosen = [h for h in headers if to_capsule.wanted(h, ("sale", h.id) in linked, since)]
        sales = read_changed(ctx, chosen, SYSTEM)
        if not ctx.dry_run:
            _export_missing(ctx, sales)
        plan = to_capsule.plan_sales(sales, _known(sales), options, force=bool(ctx.only))
        ctx.record_plan(plan) if ctx.dry_run else apply(ctx, plan, key, sales)

    def pages(modified_since=None, start_page=1, page_size=1000):
        return ctx.cin7.sale_pages(updated_since=modified_since, page_size=page_size,
                                   start_page=start_page)

    cursors.export_pages(ctx, ENTITY, DIRECTION, pages, ctx.cin7.sale, handle_page, "sales")


def sale_key(ctx):
    """The opportunities' "Cin7 Sale ID" field: made when missing, only read on a dry run."""
    if not ctx.dry_run:
        return ctx.capsule.ensure_field(SALE_ID_FIELD, "opportunities")
    found = [d for d in ctx.capsule.field_definitions("opportunities")
             if d.name.lower() == SALE_ID_FIELD.lower()]
    return found[0] if found else FieldDefinition("new", SALE_ID_FIELD, entity="opportunities")


def _known(sales):
    return links.for_records(SYSTEM, [("sale", s.id) for s in sales] +
                             [("customer", s.customer_id) for s in sales])


def _export_missing(ctx, sales):
    """Customers a quote needs and Capsule lacks go first when customers export is on;
    otherwise the sale fails, naming its customer."""
    known = links.for_records(SYSTEM, [("customer", s.customer_id) for s in sales])
    missing = sorted({s.customer_id for s in sales if ("customer", s.customer_id) not in known})
    if not missing or settings.direction("customers") != "export":
        return
    keys = customers_export.key_fields(ctx)
    found = [c for c in map(ctx.cin7.customer, missing) if c]
    plan = customers_export.plan_customers(found, {r: d.id for r, d in keys.items()},
                                           settings.get("capsule.deprecated_tag"))
    customers_export.apply(replace(ctx, progress=runs.Aside()), plan, keys)
    ctx.notes.append(f"{len(found)} customer(s) exported first")


def apply(ctx, plan, key, sales):
    """Write each opportunity of one page's plan; every link saved as soon as it is known."""
    for sale, error in plan.failures:
        ctx.progress.result(sale.id, error.record, "fail", "failed", error.field, error.reason)
    ctx.progress.add(unchanged=plan.count("skip"))
    stamps = {s.id: stamp(s) for s in sales}
    for w in plan.writes:
        if w.action != "skip":
            _write(ctx, w, key, stamps[w.cin7_id])
    # Unchanged opportunities of re-read sales: remember the new stamp, so no re-read next time.
    links.save_rows(SYSTEM, [_link_row(w, stamps[w.cin7_id]) for w in plan.writes
                             if w.action == "skip" and w.remote_id])
    ctx.progress.succeeded({w.cin7_id for w in plan.writes if w.ok or w.action == "skip"})


def _link_row(w, sale_stamp):
    return {"entity": "sale", "cin7_id": w.cin7_id, "remote_type": "opportunity",
            "remote_id": w.remote_id, "remote_key": sale_stamp, "fingerprint": w.fingerprint,
            "parent_remote_id": w.parent, "name": w.name[:250],
            "detail": w.properties["opportunity"]["milestone_id"]}


def _write(ctx, w, key, sale_stamp):
    opp = to_capsule.opportunity_from_json(w.properties["opportunity"])
    try:
        made = _update(ctx, w, opp) if w.action != "create" else None
        created = made is None
        if made is None:  # never made, or deleted in Capsule since: made (again), once
            made, created = intents.create_once(
                SYSTEM, "sale", w.cin7_id, w.cin7_id, lambda: ctx.capsule.create_opportunity(opp),
                lambda: _find(ctx, key, w.cin7_id), ctx.run.id)
            if not created:  # found after a lost answer: make it look as planned
                made = ctx.capsule.update_opportunity(made.id, opp, made)
    except RecordError as exc:
        ctx.progress.result(w.cin7_id, w.label, w.action, "failed", exc.field,
                            f"Capsule refused it: {exc.reason}")
        return
    w.remote_id, w.ok = made.id, True
    links.save_rows(SYSTEM, [_link_row(w, sale_stamp)])
    intents.done(SYSTEM, "sale", [w.cin7_id])
    ctx.progress.add(**{"created" if created else "updated": 1})
    ctx.progress.result(w.cin7_id, w.name, w.action, "ok", remote_id=made.id)


def _update(ctx, w, opp):
    """PUT the linked opportunity; None when it was deleted in Capsule."""
    try:
        return ctx.capsule.update_opportunity(w.remote_id, opp)
    except ServiceError as exc:
        if exc.status == 404:
            return None
        raise


def _find(ctx, key, sale_id):
    found = ctx.capsule.find_by_field(key, sale_id, "opportunities")
    return min(found, key=lambda o: int(o.id)) if found else None
