"""Customers import (CUS-7..10): HubSpot companies and contacts -> Cin7 customers.

A company becomes a customer, its contacts the customer's contacts; a contact with several
companies joins each of their customers (CUS-8); a contact without company becomes a
customer of its own unless the admin said to ignore those. Existing customers are found by
name and contacts by e-mail. Cin7 has no upsert, so each create is preceded by an intent row
and the run starts from an index of every Cin7 customer by name: a create interrupted
before its link was saved is found by name on the next run instead of being made twice.
"""

import datetime

from core import cursors, intents, links
from core.connectors import hubspot as hs
from core.customers.export import ensure_properties
from core.customers.to_cin7 import (
    COMPANY_PROPS,
    CONTACT_PROPS,
    HUBSPOT_NAMES,
    desired_customer,
    has_delivery_addresses,
    mapped_values,
    merge_contacts,
    payload_digest,
)
from core.customers.to_hubspot import SUPPLIER_KEY, property_specs
from core.errors import ConfigError, RecordError
from core.plan import fingerprint
from core.settings import get as setting

ENTITY, DIRECTION = "customers", "import"
REQUIRED_DEFAULTS = ("import.currency", "import.payment_term", "import.tax_rule",
                     "import.revenue_account", "import.account_receivable")
CHUNK = 100
MAPPED = ("hubspot", "salesforce")  # the CRMs a field mapping (CUS-6) writes to


def run(ctx):
    """Import the HubSpot companies (with their contacts) and lone contacts changed."""
    index, options = prepare(ctx)

    def lone(contact):
        import_one(ctx, index, contact.id, contact, [contact], options, remote_type="contact")

    import_pages(ctx, "HubSpot", lambda window: _changed(ctx, window),
                 lambda chunk: import_companies(ctx, index, chunk, options), lone)


def import_pages(ctx, crm, read_changed, import_companies, import_lone):
    """The import loop every CRM shares: read what changed since the cursor (company ids,
    lone contacts), then import the companies a checkpointed page of CHUNK at a time and the
    contacts without company as the last page unless they are ignored (CUS-7)."""
    window = cursors.open_window(ENTITY, DIRECTION, full=ctx.full)
    ctx.progress.phase(f"reading {crm} changes")
    companies, lone = read_changed(window)
    ctx.progress.phase("importing", total=len(companies) + len(lone))
    chunks = [companies[start:start + CHUNK] for start in range(0, len(companies), CHUNK)]
    if not setting("import.ignore_contacts_without_company"):
        chunks.append(lone)  # the last page: contacts without company
    for chunk in cursors.resumable(ENTITY, DIRECTION, window, chunks, ctx.dry_run,
                                   ctx.notes.append):
        if chunk is lone:
            ctx.progress.phase("importing contacts without company")
            for contact in lone:
                import_lone(contact)
                ctx.progress.add(done=1)
        else:
            ctx.progress.phase(f"importing companies {chunk[0]}…{chunk[-1]}")
            import_companies(chunk)
    if not ctx.dry_run:
        cursors.window_done(ENTITY, DIRECTION, window)


def prepare(ctx, system="hubspot", names=HUBSPOT_NAMES):
    """What importing customers needs, read once per run: (index of Cin7 customers, options).
    `system` is the CRM the customers come from and `names` where it keeps their fields.

    Refuses to start (ConfigError) while the import defaults are not chosen."""
    defaults = import_defaults()
    hubspot = system == "hubspot"
    # The CRM's field names (HubSpot properties, Salesforce Account fields); Capsule has none.
    field_map = setting("customers.field_map") if system in MAPPED else []
    if hubspot and not ctx.dry_run:  # the delivery addresses property must exist to be filled
        ensure_properties(ctx.hubspot, property_specs(field_map, setting("suppliers.export")))
    ctx.progress.phase("reading Cin7 customers")
    index = CustomerIndex(ctx.cin7)
    options = {"owners": ctx.hubspot.owners() if hubspot else {},
               "reps": set(setting("cin7.sales_reps")) | index.sales_reps,
               "field_map": field_map, "system": system, "names": names,
               "company_props": COMPANY_PROPS + [r["property"] for r in field_map],
               "defaults": defaults}
    return index, options


def import_defaults():
    """The import defaults (SET-2) by short name; ConfigError while some are not chosen."""
    missing = [k for k in REQUIRED_DEFAULTS if not setting(k)]
    if missing:
        raise ConfigError("import defaults not set: " + ", ".join(missing) +
                          " (SET-2: choose them in the panel or with `syncdesk settings set`)")
    return {k.split(".", 1)[1]: setting(k) for k in (
        *REQUIRED_DEFAULTS, "import.price_tier", "import.location", "import.address_type")}


def customer_of(remote_type, remote_id, system="hubspot"):
    """The Cin7 customer id a CRM company or contact was imported as, or None."""
    key = f"{system}:{remote_id}"
    link = links.for_records(system, [("customer", key)]).get(("customer", key))
    return link.remote_id if link and link.remote_type == remote_type else None


def _changed(ctx, window):
    """Companies to (re)import and contacts that have no company, changed in the window."""
    since = int(window.since.replace(tzinfo=datetime.UTC).timestamp() * 1000) if window.since else 0
    until = int(window.until.replace(tzinfo=datetime.UTC).timestamp() * 1000)
    companies = set()
    for page in ctx.hubspot.changed("companies", since, until, ["name"]):
        companies.update(r.id for r in page)
    lone = []
    for page in ctx.hubspot.changed("contacts", since, until, CONTACT_PROPS):
        if ctx.only:
            page = [c for c in page if c.id in ctx.only]
        parents = ctx.hubspot.associations("contacts", "companies", [c.id for c in page])
        for contact in page:
            companies.update(parents.get(contact.id, []))
            if not parents.get(contact.id):
                lone.append(contact)
    if ctx.only:
        companies &= set(ctx.only)
    ctx.progress.add(read=len(companies) + len(lone))
    return sorted(companies, key=int), lone


def import_companies(ctx, index, company_ids, options):
    """Create or update the Cin7 customers of these HubSpot companies, with their people."""
    companies = ctx.hubspot.read("companies", company_ids, options["company_props"])
    members = ctx.hubspot.associations("companies", "contacts", list(companies))
    contact_ids = sorted({i for ids in members.values() for i in ids})
    contacts = ctx.hubspot.read("contacts", contact_ids, CONTACT_PROPS) if contact_ids else {}
    for company_id in company_ids:
        company = companies.get(company_id)
        if company is None or company.get(SUPPLIER_KEY):
            ctx.progress.add(done=1)  # gone, or a Cin7 supplier exported as a vendor:
            continue                  # never made a customer
        people = [contacts[i] for i in members.get(company_id, []) if i in contacts]
        import_one(ctx, index, company_id, company, people, options, remote_type="company")
        ctx.progress.add(done=1)


def import_one(ctx, index, remote_id, source, people, options, remote_type):
    """Create or update the Cin7 customer for one CRM company (or lone contact)."""
    try:
        wanted, warnings = desired_customer(source, people, remote_type, options)
    except RecordError as exc:
        ctx.progress.result(remote_id, exc.record, "fail", "failed", exc.field, exc.reason)
        return
    system, names = options.get("system", "hubspot"), options.get("names", HUBSPOT_NAMES)
    exported = source.get(names["cin7_id"]) if names.get("cin7_id") else ""  # its Cin7 id
    save_customer(ctx, index, system, remote_id, remote_type, wanted, warnings,
                  mapped_values(source, options["field_map"]),
                  has_delivery_addresses(source, remote_type, names), exported)


def save_customer(ctx, index, system, remote_id, remote_type, wanted, warnings, mapped=None,
                  with_delivery=False, exported=""):
    """Create or update the Cin7 customer `wanted` (from CRM `system`'s record `remote_id`):
    matched by its link, then the Cin7 id the CRM record carries (`exported`), else by name
    (CUS-7); an unchanged record costs no write. Returns the customer as Cin7 saved it, or
    None when nothing was written."""
    progress, mapped, key = ctx.progress, mapped or {}, f"{system}:{remote_id}"
    link = links.for_records(system, [("customer", key)]).get(("customer", key))
    existing = index.by_id(link.remote_id) if link else None
    existing = existing or index.by_id(exported) or index.by_name(wanted.name)
    customer = merge_contacts(existing, wanted, mapped, with_delivery) if existing else wanted
    # What the CRM says, not the merged result: Cin7 fills in values of its own on create.
    digest = fingerprint({**payload_digest(wanted), "mapped": mapped})
    action = "update" if existing else "create"
    if link and existing and link.fingerprint == digest and not ctx.only:
        progress.add(unchanged=1)
        return None
    if existing and customer == existing and not ctx.only:
        # Cin7 already holds exactly this (a customer exported earlier, now read back): no
        # write, only the link, so the next run compares fingerprints.
        if not ctx.dry_run:
            links.save(system, "customer", key, remote_type, existing.id, name=existing.name,
                       fingerprint=digest)
        progress.add(unchanged=1)
        return None
    for text in warnings:
        field = "SalesRepresentative" if "representative" in text else "Addresses"
        progress.result(remote_id, wanted.name, action, "warning", field, text)
    if ctx.dry_run:
        ctx.plan.append({"record": wanted.name, "object": "customer", "action": action,
                         "reason": "matched by name" if existing and not link else "",
                         "remote_id": existing.id if existing else ""})
        progress.add(**{"created" if action == "create" else "updated": 1})
        return None
    if action == "create":
        intents.intend("cin7", "customer", [(remote_id, wanted.name)], ctx.run.id)
    try:
        saved = ctx.cin7.save_customer(customer)
    except RecordError as exc:
        progress.result(remote_id, f"customer '{wanted.name}'", action, "failed", exc.field,
                        f"Cin7 refused it: {exc.reason}")
        return None
    index.add(saved)
    links.save(system, "customer", key, remote_type, saved.id, name=saved.name,
               fingerprint=digest)
    intents.done("cin7", "customer", [remote_id])
    progress.add(**{"created" if action == "create" else "updated": 1})
    progress.result(remote_id, saved.name, action, "ok", remote_id=saved.id)
    return saved


class CustomerIndex:
    """Every Cin7 customer by id, name and contact e-mail, read once per run (1 call/1000)."""

    def __init__(self, cin7):
        self.ids, self.names = {}, {}
        for _, _, page in cin7.customer_pages():
            for customer in page:
                self.add(customer)

    def add(self, customer):
        self.ids[customer.id] = customer
        self.names[customer.name.strip().lower()] = customer

    def by_id(self, customer_id):
        return self.ids.get(customer_id)

    def by_name(self, name):
        return self.names.get(name.strip().lower())

    @property
    def sales_reps(self):
        return {c.sales_representative for c in self.ids.values() if c.sales_representative}


__all__ = ["run", "CustomerIndex", "hs"]
