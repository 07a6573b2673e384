"""Customers import from Salesforce (CUS-7, CUS-8): Accounts and their Contacts -> Cin7.

The import rules and defaults are HubSpot's (core/customers/import_.py, to_cin7.py); this
module says where Salesforce keeps each value and reads what changed: Accounts and Contacts
whose SystemModstamp moved since the cursor. An Account is a company, its Contacts the
customer's contacts; a Contact without Account becomes a customer of its own unless
"ignore contacts without companies" is set. An Account exported from Cin7 carries the Cin7
customer id and is matched by it before its name; an Account an import made a customer
gets that customer's id written back, so a later export updates it instead of adding one.

Delivery addresses come from the Cin7_Delivery_Addresses__c text (CUS-10); the owner's
user name becomes the sales representative on an exact match (CUS-9); an Account carrying
a Cin7 supplier id is a supplier exported as a vendor and never becomes a customer (CUS-11).
"""

from dataclasses import replace

from core.connectors.salesforce import IN_CHUNK, quote, to_remote
from core.customers import addresses as delivery
from core.customers import import_ as customers_import
from core.customers import to_salesforce as sf
from core.records import Address
from core.settings import get as setting

SALESFORCE_NAMES = {
    "crm": "Salesforce", "company": "Account", "contact": "Contact", "name": "Name",
    "first": "FirstName", "last": "LastName", "email": "Email", "phone": "Phone",
    "mobile": "MobilePhone", "title": "Title", "owner": "OwnerId",
    "delivery": sf.DELIVERY_FIELD,
    "cin7_id": sf.ACCOUNT_KEY,
    "address": {
        "company": ("BillingStreet", None, "BillingCity", "BillingState", "BillingPostalCode",
                    "BillingCountry"),
        "contact": ("MailingStreet", None, "MailingCity", "MailingState", "MailingPostalCode",
                    "MailingCountry")},
}
ACCOUNT_FIELDS = ["Name", "Phone", "BillingStreet", "BillingCity", "BillingState",
                  "BillingPostalCode", "BillingCountry", "ShippingStreet", "ShippingCity",
                  "ShippingState", "ShippingPostalCode", "ShippingCountry", "OwnerId",
                  sf.ACCOUNT_KEY, sf.DELIVERY_FIELD]
CONTACT_FIELDS = ["FirstName", "LastName", "Email", "Phone", "MobilePhone", "Title",
                  "AccountId", "MailingStreet", "MailingCity", "MailingState",
                  "MailingPostalCode", "MailingCountry"]
# Read by the import: the Cin7 id (to match exported Accounts) and the delivery addresses.
NEEDED = {"Account": [f for f in sf.FIELDS["Account"] if f[0] != sf.STATUS_FIELD]}


def prepare(ctx):
    """(index of Cin7 customers, options) for importing from Salesforce; the options carry
    the org's users by id (the owners) and the Account fields to read."""
    field_map = sf.checked_map(setting("customers.field_map"))
    sf.require_fields(ctx.salesforce, {"Account": NEEDED["Account"] +
                                       sf.mapped_fields(field_map)})
    index, options = customers_import.prepare(ctx, "salesforce", SALESFORCE_NAMES)
    options["owners"] = users(ctx.salesforce)
    # Vendor Accounts are told apart by their supplier id, once an admin has added it.
    vendors = not ctx.salesforce.missing_fields("Account", [sf.SUPPLIER_KEY])
    options["account_fields"] = ACCOUNT_FIELDS + ([sf.SUPPLIER_KEY] if vendors else []) + [
        row["property"] for row in field_map if row["property"] not in ACCOUNT_FIELDS]
    return index, options


def users(salesforce):
    """{User id: full name} of the org's users, the owners an Account can have."""
    return {u["Id"]: u.get("Name") or "" for page in salesforce.query(
        "SELECT Id, Name FROM User") for u in page}


def run(ctx):
    """Import the Accounts (with their Contacts) and lone Contacts changed since the cursor."""
    index, options = prepare(ctx)

    def read_changed(window):
        accounts, lone = changed(ctx.salesforce, window, ctx.only)
        ctx.progress.add(read=len(accounts) + len(lone))
        return accounts, lone

    def lone(contact):
        customers_import.import_one(ctx, index, contact.id, contact, [contact], options,
                                    remote_type="contact")

    customers_import.import_pages(ctx, "Salesforce", read_changed,
                                  lambda chunk: import_accounts(ctx, index, chunk, options), lone)


def changed(salesforce, window, only=()):
    """(Account ids, Contacts without Account) changed in the window, or only those chosen."""
    accounts, lone = set(), []
    for page in salesforce.changed("Account", window.since, ["Name"]):
        accounts.update(r.id for r in page)
    for page in salesforce.changed("Contact", window.since, CONTACT_FIELDS):
        for contact in page:
            if contact.get("AccountId"):
                accounts.add(contact.get("AccountId"))
            elif not only or contact.id in only:
                lone.append(contact)
    if only:
        accounts &= set(only)
    return sorted(accounts), lone


def read_accounts(salesforce, account_ids, fields=ACCOUNT_FIELDS):
    """{Account id: (Account, [its Contacts])}, read with a Contacts subquery."""
    found, ids = {}, list(dict.fromkeys(account_ids))
    people = ", ".join(["Id", *CONTACT_FIELDS])
    for at in range(0, len(ids), IN_CHUNK):
        chosen = ", ".join(quote(i) for i in ids[at:at + IN_CHUNK])
        soql = (f"SELECT Id, {', '.join(fields)}, (SELECT {people} FROM Contacts "
                f"ORDER BY CreatedDate, Id) FROM Account WHERE Id IN ({chosen})")
        for page in salesforce.query(soql):
            for record in page:
                contacts = (record.pop("Contacts", None) or {}).get("records") or []
                found[record["Id"]] = (to_remote("Account", record),
                                       [to_remote("Contact", c) for c in contacts])
    return found


def import_accounts(ctx, index, account_ids, options):
    """Create or update the Cin7 customers of these Accounts, with their Contacts, then
    write the Cin7 id onto the Accounts that lack it."""
    found = read_accounts(ctx.salesforce, account_ids, options.get("account_fields",
                                                                   ACCOUNT_FIELDS))
    for account_id in account_ids:
        account = found.get(account_id, (None, []))[0]  # None: deleted since it changed
        if account is not None and not account.get(sf.SUPPLIER_KEY):  # else a vendor
            customers_import.import_one(ctx, index, account_id,
                                        as_source(account, ctx.salesforce.user_id),
                                        found[account_id][1],
                                        options, remote_type="company")
        ctx.progress.add(done=1)
    if not ctx.dry_run:
        write_back(ctx, [a for a, _ in found.values()
                         if not a.get(sf.ACCOUNT_KEY) and not a.get(sf.SUPPLIER_KEY)])


def as_source(account, integration_user=""):
    """The Account as the import reads it. Owned by the integration user (SyncDesk made it,
    or nobody chose an owner): no owner, so no sales rep and no warning. Without delivery
    text but with a ShippingAddress (an Account made in Salesforce): that address is its one
    delivery address; otherwise the delivery text alone says (CUS-10)."""
    values = dict(account.properties)
    if integration_user and values.get("OwnerId") == integration_user:
        values["OwnerId"] = None
    street = account.get("ShippingStreet")
    if not account.get(sf.DELIVERY_FIELD).strip() and (street or account.get("ShippingCity")):
        line1, _, line2 = street.partition("\n")
        values[sf.DELIVERY_FIELD] = delivery.as_line(Address(
            line1=line1.strip(), line2=line2.replace("\n", " ").strip(),
            city=account.get("ShippingCity"), state=account.get("ShippingState"),
            postcode=account.get("ShippingPostalCode"), country=account.get("ShippingCountry")))
    return replace(account, properties=values)


def write_back(ctx, accounts):
    """Put the Cin7 customer id on Accounts imported as customers (from their links, so an
    import killed before this step writes them on its next run). A refusal is reported."""
    ids = {a.id: customers_import.customer_of("company", a.id, "salesforce") for a in accounts}
    ids = {account_id: cin7_id for account_id, cin7_id in ids.items() if cin7_id}
    if not ids:
        return
    result = ctx.salesforce.update("Account", {i: {sf.ACCOUNT_KEY: c} for i, c in ids.items()})
    for account_id, (field, reason) in result.failed.items():
        ctx.progress.result(account_id, f"Account {account_id}", "update", "warning",
                            field or sf.ACCOUNT_KEY, "the Cin7 customer id could not be "
                            f"written back, so an export may add a second Account: {reason}")

