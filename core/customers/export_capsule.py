"""Customers export to Capsule, executed: Cin7 page by page, planned, written one party at a time.

Capsule has no upsert and no uniqueness, so every create goes through intents.create_once: an
intent row before the POST, the "Cin7 Customer ID" / "Cin7 Contact ID" field in the same POST,
the link saved the moment the answer is in. A lost answer, or a run killed between the POST
and the link, is looked up by that field before anything is sent again: one party per record.
Organisations go before their people, so a person is linked to its organisation as it is made.
"""

from core import cursors, intents, links
from core.connectors.capsule import CUSTOMER_ID_FIELD
from core.customers import listing as customer_list
from core.customers import to_capsule
from core.errors import RecordError
from core.records import FieldDefinition
from core.settings import get as setting

SYSTEM = "capsule"
ENTITY, DIRECTION = "customers", "export"
CONTACT_ID_FIELD = "Cin7 Contact ID"  # on people made from a Cin7 customer's contacts


def run(ctx):
    """Export changed (or selected) customers to Capsule; reports through ctx.progress."""
    keys = key_fields(ctx)
    tag = setting("capsule.deprecated_tag")

    def handle_page(ctx, customers):
        customer_list.save(customers)  # the panel's customer list sees what we read
        plan = plan_customers(customers, {r: d.id for r, d in keys.items()}, tag,
                              force=bool(ctx.only))
        ctx.record_plan(plan) if ctx.dry_run else apply(ctx, plan, keys)

    cursors.export_pages(ctx, ENTITY, DIRECTION, ctx.cin7.customer_pages, ctx.cin7.customer,
                         handle_page, "customers")


def key_fields(ctx):
    """The custom fields that key parties, by role ("customer", "contact"): made when missing
    (a dry run only reads them, so it never writes to Capsule)."""
    names = {"customer": CUSTOMER_ID_FIELD, "contact": CONTACT_ID_FIELD}
    if ctx.dry_run:
        have = {d.name.lower(): d for d in ctx.capsule.field_definitions()}
        found = {role: have.get(name.lower(), FieldDefinition("new", name))
                 for role, name in names.items()}
    else:
        found = {role: ctx.capsule.ensure_field(name) for role, name in names.items()}
    return found


def plan_customers(customers, keys, tag, force=False):
    """The plan for one page, from the records and what the store knows."""
    contact_ids = [c.id for cu in customers for c in cu.contacts]
    known = links.for_records(SYSTEM, [("customer", c.id) for c in customers] +
                              [("contact", i) for i in contact_ids])
    emails = {c.email_key for cu in customers for c in cu.contacts if c.email_key}
    owners = links.email_owners(SYSTEM, emails, remote_type="person")
    return to_capsule.plan_export(customers, known, owners, keys, tag, force=force)


def apply(ctx, plan, keys):
    """Write one page's plan: each organisation, then its people; every link saved at once."""
    progress = ctx.progress
    for customer, error in plan.failures:
        progress.result(customer.id, error.record, "fail", "failed", error.field, error.reason)
    for w in plan.writes:
        w.ok = w.action == "skip"
    progress.add(unchanged=sum(1 for w in plan.writes if w.action == "skip"))
    orgs = {w.record_id: w for w in plan.writes if w.kind == "organisation"}
    owners = {}  # e-mail -> person written in this page
    for w in plan.writes:
        if w.action == "link":
            continue
        org = orgs.get(w.company_of) if w.company_of else None
        if w.company_of and not (org and org.ok and org.remote_id):
            w.ok = False
            progress.result(w.record_id, w.label, w.action, "failed", "",
                            "its customer's organisation could not be written")
            continue
        parent = org.remote_id if org else None
        if w.action == "skip" and (org is None or w.parent == parent or w.fingerprint is None):
            continue
        write_party(ctx, w, parent, keys)
        if w.ok and w.entity == "contact" and "@" in w.key:
            owners[w.key] = w.remote_id
    _share(ctx, plan, owners)
    progress.succeeded({w.record_id for w in plan.writes if w.ok})


def write_party(ctx, w, parent, keys):
    """Create (once) or update the party of write `w`; links it and counts it."""
    party = to_capsule.party_from_json(w.properties["party"])
    party.organisation_id = parent or ""
    role = "customer" if w.entity == "customer" else "contact"
    try:
        current = ctx.capsule.party(w.remote_id) if w.action != "create" else _adopt(ctx, w)
        if current is None:  # never made, or deleted in Capsule since: made (again), once
            made, created = intents.create_once(
                SYSTEM, w.entity, w.cin7_id, w.key, lambda: ctx.capsule.create_party(party),
                lambda: _find(ctx, keys[role], w.cin7_id), ctx.run.id)
            if not created:  # found after a lost answer: make it look as planned
                made = ctx.capsule.update_party(made.id, party, made)
        else:
            made, created = ctx.capsule.update_party(current.id, party, current), False
    except RecordError as exc:
        ctx.progress.result(w.record_id, w.label, w.action, "failed", exc.field,
                            f"Capsule refused it: {exc.reason}")
        return
    w.remote_id, w.parent, w.ok = made.id, parent, True
    links.save_rows(SYSTEM, [_link_row(w)])
    intents.done(SYSTEM, w.entity, [w.cin7_id])
    ctx.progress.add(**{"created" if created else "updated": 1})


def _adopt(ctx, w):
    """With capsule.match_people_by_email, the person Capsule already has for a contact's
    e-mail (made by someone else, not keyed by SyncDesk): written over instead of doubled.
    One filter call per new person, so off by default."""
    if w.entity != "contact" or "@" not in w.key or not setting("capsule.match_people_by_email"):
        return None
    found = ctx.capsule.find_by_email(w.key)
    return min(found, key=lambda p: int(p.id)) if found else None


def _find(ctx, key, cin7_id):
    """The party an earlier create made for `cin7_id`, found by its key field (the oldest if a
    duplicate slipped in some other way), or None."""
    found = ctx.capsule.find_by_field(key, cin7_id)
    return min(found, key=lambda p: int(p.id)) if found else None


def _link_row(w, fingerprint=True):
    return {"entity": w.entity, "cin7_id": w.cin7_id, "remote_type": w.kind,
            "remote_id": w.remote_id, "remote_key": w.key if "@" in w.key else None,
            "fingerprint": w.fingerprint if fingerprint else None,
            "parent_remote_id": w.parent, "name": (w.name or "")[:250]}


def _share(ctx, plan, owners):
    """Contacts sharing an e-mail point at the person another customer holds (README rule)."""
    rows = []
    for w in plan.writes:
        if w.action != "link":
            continue
        w.remote_id = w.remote_id or owners.get(w.key)
        w.ok = bool(w.remote_id)
        if w.ok:
            rows.append(_link_row(w, fingerprint=False))
        else:
            ctx.progress.result(w.record_id, w.label, "link", "failed", "Email",
                                f"the Capsule person for {w.key} could not be written, so it "
                                "cannot be shared")
    links.save_rows(SYSTEM, rows)
