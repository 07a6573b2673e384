"""Customers import from Capsule (EXT-3, CUS-7/9/10): organisations and people -> Cin7 customers.

Reads the parties changed since the last run (`since=`), then each organisation touched (by
itself or one of its people) whole, with its people (GET /parties/{id}/people), and writes
through the same step as the HubSpot import (import_.save_customer): matched by link, then by
name; created with the import defaults behind an intent row; unchanged ones cost no write.
It also saves the links an export would have made, so a later switch to export updates these
parties instead of doubling them.
"""

import datetime

from core import links
from core.customers.from_capsule import desired_customer
from core.customers.import_ import CustomerIndex, import_defaults, import_pages, save_customer
from core.errors import RecordError
from core.settings import get as setting

SYSTEM = "capsule"


def run(ctx):
    """Import the organisations (with their people) and lone people changed since the cursor."""
    options = {"defaults": import_defaults()}
    ctx.progress.phase("reading Cin7 customers")
    index = CustomerIndex(ctx.cin7)
    options["reps"] = set(setting("cin7.sales_reps")) | index.sales_reps
    orgs = {}

    def read_changed(window):
        found, lone = _changed(ctx, window)
        orgs.update(found)
        return sorted(found, key=int), lone

    def import_orgs(chunk):
        for org_id in chunk:
            org = orgs[org_id] or ctx.capsule.party(org_id)
            if org is not None:
                import_party(ctx, index, org, ctx.capsule.people(org.id), options)
            ctx.progress.add(done=1)

    import_pages(ctx, "Capsule", read_changed, import_orgs,
                 lambda person: import_party(ctx, index, person, [person], options))


def _changed(ctx, window):
    """Organisations to (re)import ({id: party, or None when only a person of it changed})
    and people without organisation, changed since the window's start."""
    since = window.since.replace(tzinfo=datetime.UTC).timestamp() if window.since else None
    orgs, lone = {}, []
    for page in ctx.capsule.party_pages(since=since):
        for party in page:
            if ctx.only and party.id not in ctx.only:
                continue
            if party.type == "organisation":
                orgs[party.id] = party
            elif party.organisation_id:
                orgs.setdefault(party.organisation_id, None)
            else:
                lone.append(party)
    ctx.progress.add(read=len(orgs) + len(lone))
    return orgs, lone


def import_party(ctx, index, party, people, options):
    """Create or update the Cin7 customer of one organisation (or lone person)."""
    try:
        wanted, warnings = desired_customer(party, people, options)
    except RecordError as exc:
        ctx.progress.result(party.id, exc.record, "fail", "failed", exc.field, exc.reason)
        return
    saved = save_customer(ctx, index, SYSTEM, party.id, party.type, wanted, warnings)
    if saved is not None:
        links.save_rows(SYSTEM, export_links(saved, party, people))


def export_links(customer, party, people):
    """The links a customers export would have made for what was just imported, so that
    switching the direction to export updates these parties instead of making new ones. An
    empty fingerprint: the next export writes them once."""
    rows = [] if party.type == "person" else [
        {"entity": "customer", "cin7_id": customer.id, "remote_type": "organisation",
         "remote_id": party.id, "fingerprint": "", "name": customer.name[:250]}]
    contacts = {c.email_key: c for c in customer.contacts if c.email_key}
    for person in people:
        email = person.emails[0].value.strip().lower() if person.emails else ""
        contact = contacts.get(email)
        if contact is not None and contact.id:
            rows.append({"entity": "contact", "cin7_id": contact.id, "remote_type": "person",
                         "remote_id": person.id, "remote_key": email, "fingerprint": "",
                         "parent_remote_id": person.organisation_id or None,
                         "name": contact.name[:250]})
    return rows
