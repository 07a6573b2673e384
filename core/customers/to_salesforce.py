"""Customers export to Salesforce: Cin7 customer -> Account and Contact fields (pure).

The rules are HubSpot's (core/customers/to_hubspot.py plans both): contacts keyed by
e-mail, one Contact per shared e-mail, a Deprecated customer's records marked Inactive.
One difference: a customer without contacts is an Account too, not a lone Contact, because
an opportunity (and so a sale coming back) belongs to an Account.

Contacts are upserted by CONTACT_KEY, an external-ID field holding the lower-cased e-mail
(the Cin7 contact id when there is none): Salesforce upserts only by external IDs, not by
Email, and an upsert is one idempotent call per 200 records, so a killed or retried run
never makes a second Contact and needs no intent row or lookup.
"""

from core.customers.to_hubspot import Target, split_name
from core.errors import ConfigError

ACCOUNT_KEY = "Cin7_Customer_ID__c"  # Account external ID: the Cin7 customer id (CUS-11)
CONTACT_KEY = "Cin7_Contact_Key__c"  # Contact external ID: e-mail, else Cin7 contact id
STATUS_FIELD = "Cin7_Status__c"  # Active / Inactive (CUS-3) on Accounts and Contacts
INACTIVE, ACTIVE = "Inactive", "Active"

# The fields an admin adds before the first run: sObject -> [(field, type, external id)].
FIELDS = {
    "Account": [(ACCOUNT_KEY, "Text(36)", True), (STATUS_FIELD, "Text(20)", False)],
    "Contact": [(CONTACT_KEY, "Text(255)", True), (STATUS_FIELD, "Text(20)", False)],
}


SETUP_NAMES = {"OpportunityLineItem": "Opportunity Product"}  # Object Manager's label


def setup_steps(sobject, field, kind, external):
    """What an admin does in Salesforce Setup to add one of SyncDesk's fields."""
    label = field[:-3].replace("_", " ")
    flags = "; tick Unique and External ID" if external else ""
    shown = SETUP_NAMES.get(sobject, sobject)
    return (f"Setup > Object Manager > {shown} > Fields & Relationships > New > {kind}: "
            f"label '{label}', field name {field[:-3]}{flags}; make it visible and editable "
            "for the integration user's profile")


def require_fields(salesforce, fields):
    """Refuse to start (ConfigError with the setup steps) while the org lacks a field."""
    steps = [setup_steps(sobject, name, kind, external)
             for sobject, wanted in fields.items()
             for name, kind, external in wanted
             if name in salesforce.missing_fields(sobject, [name])]
    if steps:
        raise ConfigError("the Salesforce org lacks SyncDesk's fields; an admin must add "
                          "them first: " + " | ".join(steps))


def _status(customer):
    return INACTIVE if customer.deprecated else ACTIVE


def _address(address, prefix):
    if not address:
        return {}
    street = "\n".join(filter(None, [address.line1, address.line2]))
    return {f"{prefix}Street": street, f"{prefix}City": address.city,
            f"{prefix}State": address.state, f"{prefix}PostalCode": address.postcode,
            f"{prefix}Country": address.country}


def account_fields(customer, field_map=()):
    """A Cin7 customer as an Account (the external id is added by the upsert)."""
    phone = next((c.phone for c in customer.contacts if c.default and c.phone),
                 next((c.phone for c in customer.contacts if c.phone), ""))
    return {"Name": customer.name, "Phone": phone, STATUS_FIELD: _status(customer),
            **_address(customer.main_address("Billing", "Business", "Shipping"), "Billing"),
            **_address(customer.main_address("Shipping"), "Shipping")}


def contact_fields(customer, contact):
    """A Cin7 contact as a Contact; Salesforce requires a last name."""
    first, last = split_name(contact.name)
    if not last:
        first, last = "", first or contact.email_key
    return {"FirstName": first, "LastName": last, "Email": contact.email_key,
            "Phone": contact.phone, "MobilePhone": contact.mobile, "Title": contact.job_title,
            STATUS_FIELD: _status(customer)}


SALESFORCE = Target(account_fields, contact_fields, lone=None, company_key=ACCOUNT_KEY)
