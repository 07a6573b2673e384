"""Customers export, executed: read Cin7 page by page, plan, write to the CRM, link.

Order of writes per page, chosen so a kill between any two calls loses nothing and
duplicates nothing: companies (upsert by cin7_customer_id), contacts (upsert by e-mail or
cin7_contact_id, or update by id when linked), links saved from HubSpot's answers, then
associations, then the page checkpoint. A re-run repeats at most the unfinished page, and
every write in it is keyed by a unique value. Salesforce (`run_salesforce`) follows the
same order: Accounts upserted by Cin7_Customer_ID__c, then Contacts by Cin7_Contact_Key__c
with their AccountId, then links and the checkpoint.
"""

from core import cursors, links
from core.connectors import hubspot as hs
from core.connectors.salesforce import IN_CHUNK, quote
from core.customers import listing as customer_list
from core.customers import to_salesforce as sf
from core.customers.to_hubspot import plan_export, property_specs
from core.plan import fingerprint
from core.settings import get as setting
from core.store import Setting
from core.upserts import record, upsert

ENTITY, DIRECTION = "customers", "export"
SUPPLIERS = "suppliers"  # their own cursor: ("suppliers", "export")


def run(ctx):
    """Export changed (or selected) customers, then with `suppliers.export` changed
    suppliers as vendor companies (CUS-11); reports through ctx.progress."""
    field_map = setting("customers.field_map")
    with_suppliers = setting("suppliers.export")
    if not ctx.dry_run:
        ensure_properties(ctx.hubspot, property_specs(field_map, with_suppliers))

    def handle_page(ctx, customers):
        customer_list.save(customers)  # the panel's customer list sees what we read
        plan = plan_customers(customers, field_map, force=bool(ctx.only))
        ctx.record_plan(plan) if ctx.dry_run else apply(ctx, plan)

    cursors.export_pages(ctx, ENTITY, DIRECTION, ctx.cin7.customer_pages, ctx.cin7.customer,
                        handle_page, "customers")
    if with_suppliers and not ctx.only:  # a selection names customers
        export_suppliers(ctx)


def export_suppliers(ctx):
    """Changed Cin7 suppliers as HubSpot companies of type Vendor, with their contacts."""
    def handle_page(ctx, suppliers):
        plan = plan_customers(suppliers, [], suppliers=True)
        ctx.record_plan(plan) if ctx.dry_run else apply(ctx, plan)

    cursors.export_pages(ctx, SUPPLIERS, DIRECTION, ctx.cin7.supplier_pages, ctx.cin7.supplier,
                        handle_page, "suppliers")


def plan_customers(customers, field_map, force=False, suppliers=False, system="hubspot",
                   target=None):
    """The plan for one page, from the records and what the store knows of `system`."""
    entity = "supplier" if suppliers else "customer"
    contact_ids = [c.id for cu in customers for c in cu.contacts]
    known = links.for_records(system, [(entity, c.id) for c in customers] +
                              [("contact", i) for i in contact_ids])
    emails = {c.email_key for cu in customers for c in cu.contacts if c.email_key}
    owners = links.email_owners(system, emails)
    return plan_export(customers, known, owners, field_map, force=force, suppliers=suppliers,
                       target=target)


def ensure_properties(hubspot, specs):
    """Create SyncDesk's properties ({object type: specs}) once; new specs are created when
    they change (a new field mapping)."""
    for object_type, object_specs in specs.items():
        key = f"hubspot.properties.{object_type}"
        marker = fingerprint(object_specs)
        row = Setting.get_or_none(Setting.key == key)
        if row and row.value == marker:
            continue
        hubspot.ensure_properties(object_type, object_specs)
        Setting.replace(key=key, value=marker).execute()


def apply(ctx, plan):
    """Execute one page's plan against HubSpot and record every outcome.

    Links are saved once, after the associations: a kill before that repeats the page's
    writes, which are all keyed by unique values, so nothing is duplicated.
    """
    progress = ctx.progress
    for customer, error in plan.failures:
        progress.result(customer.id, error.record, "fail", "failed", error.field, error.reason)
    for w in plan.writes:
        w.ok = w.action == "skip"
    progress.add(unchanged=sum(1 for w in plan.writes if w.action == "skip"))
    companies = {w.record_id: w for w in plan.writes if w.kind == "company"}
    upsert(ctx, "companies", [w for w in companies.values() if w.action != "skip"])
    _write_contacts(ctx, [w for w in plan.writes
                          if w.kind == "contact" and w.action in ("create", "update")])
    _resolve_shared(ctx, plan)
    _associate(ctx, plan, companies)
    progress.succeeded({w.record_id for w in plan.writes if w.ok})
    links.save_page("hubspot", [w for w in plan.writes if w.ok and w.remote_id
                                and (w.action != "skip" or w.parent != w.saved_parent)])


def _write_contacts(ctx, writes):
    by_id = [w for w in writes if w.action == "update" and w.id_property == "email"]
    upsert(ctx, "contacts", [w for w in writes if w not in by_id])
    if not by_id:
        return
    result = ctx.hubspot.update("contacts", {w.remote_id: w.properties for w in by_id})
    gone = [w for w in by_id if _not_found(result.failed.get(w.remote_id))]
    for w in gone:  # deleted in HubSpot since we linked it: upsert by e-mail again
        result.failed.pop(w.remote_id)
        w.action = "create"
    record(ctx, [w for w in by_id if w not in gone], result, lambda w: w.remote_id)
    upsert(ctx, "contacts", gone)


def _not_found(failure):
    reason = (failure or ("", ""))[1].lower()
    return "not found" in reason or "does not exist" in reason


def _resolve_shared(ctx, plan):
    """Contacts sharing an e-mail point at the contact HubSpot already has for it (CUS-2)."""
    owner_ids = {w.key: w.remote_id for w in plan.writes
                 if w.kind == "contact" and w.id_property == "email" and w.ok and w.remote_id
                 and w.action != "link"}
    for w in plan.writes:
        if w.action != "link":
            continue
        w.remote_id = w.remote_id or owner_ids.get(w.key)
        w.ok = bool(w.remote_id)
        if not w.ok:
            ctx.progress.result(w.record_id, w.label, "link", "failed", "Email",
                                f"the HubSpot contact for {w.key} could not be written, so it "
                                "cannot be shared")


def _associate(ctx, plan, companies):
    """Associate each contact with its customer's company, once (CUS-1, CUS-2)."""
    todo = []
    for w in plan.writes:
        company = companies.get(w.company_of) if w.kind == "contact" else None
        if company and company.ok and company.remote_id and w.ok and w.remote_id \
                and w.parent != company.remote_id:
            todo.append((w, company.remote_id))
    if not todo:
        return
    pairs = sorted({(w.remote_id, company_id) for w, company_id in todo})
    refused = {(a, b): reason for a, b, reason in
               ctx.hubspot.associate("contacts", "companies", pairs, hs.CONTACT_TO_COMPANY)}
    for w, company_id in todo:
        if (w.remote_id, company_id) in refused:
            ctx.progress.result(w.record_id, w.label, "associate", "failed", "",
                                "association with its company refused by HubSpot: "
                                + refused[(w.remote_id, company_id)])
        else:
            w.parent = company_id


# -- Salesforce --------------------------------------------------------------------------

def run_salesforce(ctx):
    """Export changed (or selected) customers as Accounts and Contacts, then with
    `suppliers.export` changed suppliers as vendor Accounts (CUS-11); refuses to start while
    the org lacks SyncDesk's fields, naming the setup steps."""
    with_suppliers = setting("suppliers.export")
    field_map = sf.checked_map(setting("customers.field_map"))
    sf.require_fields(ctx.salesforce, sf.fields_for(with_suppliers, field_map))

    def handle_page(ctx, customers):
        customer_list.save(customers)
        plan = plan_customers(customers, field_map, force=bool(ctx.only), system="salesforce",
                              target=sf.SALESFORCE)
        ctx.record_plan(plan) if ctx.dry_run else apply_salesforce(ctx, plan)

    def handle_suppliers(ctx, suppliers):
        plan = plan_customers(suppliers, [], suppliers=True, system="salesforce",
                              target=sf.SALESFORCE)
        ctx.record_plan(plan) if ctx.dry_run else apply_salesforce(ctx, plan)

    cursors.export_pages(ctx, ENTITY, DIRECTION, ctx.cin7.customer_pages, ctx.cin7.customer,
                        handle_page, "customers")
    if with_suppliers and not ctx.only:  # a selection names customers
        cursors.export_pages(ctx, SUPPLIERS, DIRECTION, ctx.cin7.supplier_pages,
                            ctx.cin7.supplier, handle_suppliers, "suppliers")


def apply_salesforce(ctx, plan):
    """Execute one page's plan against Salesforce: Accounts, then Contacts under them."""
    progress = ctx.progress
    for customer, error in plan.failures:
        progress.result(customer.id, error.record, "fail", "failed", error.field, error.reason)
    accounts = {w.record_id: w for w in plan.writes if w.kind == "company"}
    for w in plan.writes:
        w.ok = w.action == "skip"
        account = accounts.get(w.company_of) if w.kind == "contact" else None
        # Unchanged, but its customer's Account is another one. (A Contact sharing another's
        # e-mail has no fingerprint: it stays under the Account it was written for.)
        if w.action == "skip" and w.fingerprint and account and account.remote_id != w.parent:
            w.action = "update"
    progress.add(unchanged=sum(1 for w in plan.writes if w.action == "skip"))
    todo = [w for w in accounts.values() if w.action != "skip"]
    for key in sorted({w.id_property for w in todo}):  # customers', then suppliers' key
        keyed = [w for w in todo if w.id_property == key]
        result = ctx.salesforce.upsert("Account", key, {w.key: w.properties for w in keyed})
        record(ctx, keyed, result, lambda w: w.key)
    contacts = [(w, accounts[w.company_of].remote_id) for w in plan.writes
                if w.kind == "contact" and w.action in ("create", "update")
                and accounts.get(w.company_of) and accounts[w.company_of].ok]
    if contacts:
        _adopt_contacts(ctx, [w for w, _ in contacts])
        result = ctx.salesforce.upsert("Contact", sf.CONTACT_KEY, {
            w.key: {**w.properties, "AccountId": account_id} for w, account_id in contacts})
        record(ctx, [w for w, _ in contacts], result, lambda w: w.key)
        for w, account_id in contacts:
            w.parent = account_id if w.ok else w.parent
    _resolve_shared(ctx, plan)
    progress.succeeded({w.record_id for w in plan.writes if w.ok})
    links.save_page("salesforce", [w for w in plan.writes if w.ok and w.remote_id
                                   and (w.action != "skip" or w.parent != w.saved_parent)])


def _adopt_contacts(ctx, writes):
    """Contacts people made by hand with an e-mail SyncDesk is about to create get its key
    first, so the upsert updates them instead of making a second Contact (the oldest one
    when there are several)."""
    emails = sorted({w.key for w in writes if w.action == "create" and w.id_property == "email"})
    found = {}
    for at in range(0, len(emails), IN_CHUNK):
        listed = ", ".join(quote(e) for e in emails[at:at + IN_CHUNK])
        soql = (f"SELECT Id, Email FROM Contact WHERE Email IN ({listed}) "
                f"AND {sf.CONTACT_KEY} = null ORDER BY CreatedDate, Id")
        for page in ctx.salesforce.query(soql):
            for contact in page:
                found.setdefault(contact["Email"].strip().lower(), contact["Id"])
    if found:  # a refusal here only means the upsert creates the Contact after all
        ctx.salesforce.update("Contact", {i: {sf.CONTACT_KEY: e} for e, i in found.items()})
