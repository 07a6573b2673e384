"""Customers import from Salesforce (CUS-7, CUS-8): Accounts and their Contacts -> Cin7.

The import rules and defaults are HubSpot's (core/customers/import_.py, to_cin7.py); this
module says where Salesforce keeps each value and reads what changed: Accounts and Contacts
whose SystemModstamp moved since the cursor. An Account is a company, its Contacts the
customer's contacts; a Contact without Account becomes a customer of its own unless
"ignore contacts without companies" is set. An Account exported from Cin7 carries the Cin7
customer id and is matched by it before its name.
"""

from core.connectors.salesforce import IN_CHUNK, quote, to_remote
from core.customers import import_ as customers_import
from core.customers import to_salesforce as sf

SALESFORCE_NAMES = {
    "crm": "Salesforce", "company": "Account", "contact": "Contact", "name": "Name",
    "first": "FirstName", "last": "LastName", "email": "Email", "phone": "Phone",
    "mobile": "MobilePhone", "title": "Title", "owner": None, "delivery": None,
    "cin7_id": sf.ACCOUNT_KEY,
    "address": {
        "company": ("BillingStreet", None, "BillingCity", "BillingState", "BillingPostalCode",
                    "BillingCountry"),
        "contact": ("MailingStreet", None, "MailingCity", "MailingState", "MailingPostalCode",
                    "MailingCountry")},
}
ACCOUNT_FIELDS = ["Name", "Phone", "BillingStreet", "BillingCity", "BillingState",
                  "BillingPostalCode", "BillingCountry", "ShippingStreet", "ShippingCity",
                  "ShippingState", "ShippingPostalCode", "ShippingCountry", sf.ACCOUNT_KEY]
CONTACT_FIELDS = ["FirstName", "LastName", "Email", "Phone", "MobilePhone", "Title",
                  "AccountId", "MailingStreet", "MailingCity", "MailingState",
                  "MailingPostalCode", "MailingCountry"]
NEEDED = {"Account": [sf.FIELDS["Account"][0]]}  # read to match exported Accounts


def prepare(ctx):
    """(index of Cin7 customers, options) for importing from Salesforce."""
    sf.require_fields(ctx.salesforce, NEEDED)
    return customers_import.prepare(ctx, "salesforce", SALESFORCE_NAMES)


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


def read_accounts(salesforce, account_ids):
    """{Account id: (Account, [its Contacts])}, read with a Contacts subquery."""
    found, ids = {}, list(dict.fromkeys(account_ids))
    people = ", ".join(["Id", *CONTACT_FIELDS])
    for at in range(0, len(ids), IN_CHUNK):
        chosen = ", ".join(quote(i) for i in ids[at:at + IN_CHUNK])
        soql = (f"SELECT Id, {', '.join(ACCOUNT_FIELDS)}, (SELECT {people} FROM Contacts "
                f"ORDER BY CreatedDate, Id) FROM Account WHERE Id IN ({chosen})")
        for page in salesforce.query(soql):
            for record in page:
                contacts = (record.pop("Contacts", None) or {}).get("records") or []
                found[record["Id"]] = (to_remote("Account", record),
                                       [to_remote("Contact", c) for c in contacts])
    return found


def import_accounts(ctx, index, account_ids, options):
    """Create or update the Cin7 customers of these Accounts, with their Contacts."""
    found = read_accounts(ctx.salesforce, account_ids)
    for account_id in account_ids:
        if account_id in found:  # else deleted since it changed
            account, contacts = found[account_id]
            customers_import.import_one(ctx, index, account_id, account, contacts, options,
                                        remote_type="company")
        ctx.progress.add(done=1)

