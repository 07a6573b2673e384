"""Customers export to Salesforce: Cin7 customer -> Account and Contact fields (pure).

The rules are HubSpot's (core/customers/to_hubspot.py plans both): contacts keyed by
e-mail, one Contact per shared e-mail, a Deprecated customer's records marked Inactive.
One difference: a customer without contacts is an Account too, not a lone Contact, because
an opportunity (and so a sale coming back) belongs to an Account.

Contacts are upserted by CONTACT_KEY, an external-ID field holding the lower-cased e-mail
(the Cin7 contact id when there is none): Salesforce upserts only by external IDs, not by
Email, and an upsert is one idempotent call per 200 records, so a killed or retried run
never makes a second Contact and needs no intent row or lookup.

Delivery addresses (CUS-10): the default Cin7 Shipping address is the Account's
ShippingAddress, and every one of them travels in DELIVERY_FIELD, one per line as HubSpot's
property holds them (core/customers/addresses.py). Suppliers (CUS-11) are Accounts of Type
VENDOR_TYPE keyed by their own external ID, SUPPLIER_KEY, so a supplier and a customer of one
name stay two Accounts and an import never takes a supplier's Account for a customer.
"""

import re

from core.customers import addresses
from core.customers.to_hubspot import MAPPABLE_FIELDS, Target, split_name
from core.errors import ConfigError
from core.records import Address

ACCOUNT_KEY = "Cin7_Customer_ID__c"  # Account external ID: the Cin7 customer id (CUS-11)
CONTACT_KEY = "Cin7_Contact_Key__c"  # Contact external ID: e-mail, else Cin7 contact id
STATUS_FIELD = "Cin7_Status__c"  # Active / Inactive (CUS-3) on Accounts and Contacts
DELIVERY_FIELD = "Cin7_Delivery_Addresses__c"  # every Shipping address, one a line (CUS-10)
SUPPLIER_KEY = "Cin7_Supplier_ID__c"  # Account external ID of a Cin7 supplier (CUS-11)
# Account.Type of a supplier. The standard Type picklist has no such value (Prospect,
# Customer - Direct, ..., Other): an admin adds it, or changes this one constant.
VENDOR_TYPE = "Vendor"
INACTIVE, ACTIVE = "Inactive", "Active"

# The fields an admin adds before the first run: sObject -> [(field, type, external id)].
FIELDS = {
    "Account": [(ACCOUNT_KEY, "Text(36)", True), (STATUS_FIELD, "Text(20)", False),
                (DELIVERY_FIELD, "Long Text Area(32768)", False)],
    "Contact": [(CONTACT_KEY, "Text(255)", True), (STATUS_FIELD, "Text(20)", False)],
}
SUPPLIER_FIELDS = {"Account": [(SUPPLIER_KEY, "Text(36)", True)]}  # with suppliers.export


# Field mapping (CUS-6): a Cin7 field goes to an Account custom field the admin adds.
MAPPED_KINDS = {"string": "Text(255)", "number": "Number(16, 2)", "bool": "Checkbox"}
FIELD_BASE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")  # the API name before __c


def fields_for(suppliers, field_map=()):
    """The fields an export needs: FIELDS, SUPPLIER_FIELDS when it exports suppliers, and
    the Account fields the field map names."""
    account = FIELDS["Account"] + (SUPPLIER_FIELDS["Account"] if suppliers else [])
    return {**FIELDS, "Account": account + mapped_fields(field_map)}


def mapped_fields(field_map):
    """[(field, type, external id)] of the mapped Account fields, for require_fields."""
    return [(row["property"], MAPPED_KINDS[MAPPABLE_FIELDS[row["field"]][1]], False)
            for row in field_map]


def name_problem(name):
    """Why Salesforce would reject `name` as a custom field's API name ("" when it would not):
    it ends in __c; before that a letter, then letters, digits and single underscores, at
    most 40 characters, not ending in an underscore."""
    base = name[:-3] if name.endswith("__c") else ""
    if not base:
        return "a Salesforce custom field's API name ends in __c, e.g. Cin7_Price_Tier__c"
    if not FIELD_BASE.match(base) or "__" in base or base.endswith("_"):
        return ("before __c: a letter, then at most 39 letters, digits and single "
                "underscores, not ending in an underscore")
    return ""


def checked_map(field_map):
    """The field map, refused (ConfigError) while a row names no Salesforce field: rows
    typed for HubSpot before the CRM changed must be retyped."""
    bad = [f"{row['property']} ({name_problem(row['property'])})" for row in field_map
           if name_problem(row["property"])]
    if bad:
        raise ConfigError("the field mapping names fields Salesforce cannot have: "
                          + "; ".join(bad) + ". Change them on the Field mappings page")
    return field_map


def _mapped(customer, field_map):
    """Mapped Cin7 fields as Salesforce values: text, number, checkbox (None clears)."""
    values = {}
    for row in field_map:
        attribute, kind = MAPPABLE_FIELDS[row["field"]]
        value = (customer.attributes.get(attribute) if attribute.startswith("Additional")
                 else getattr(customer, attribute))
        if kind == "bool":
            value = bool(value)
        elif value in ("", None):
            value = None
        elif kind == "number":
            value = float(value)
        else:
            value = str(value)
        values[row["property"]] = value
    return values


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


def _phone(customer):
    return next((c.phone for c in customer.contacts if c.default and c.phone),
                next((c.phone for c in customer.contacts if c.phone), ""))


def _shipping(customer):
    """The default delivery address as ShippingAddress, empty when there is none: an import
    takes a ShippingAddress without delivery text for a delivery address."""
    delivery = addresses.delivery_addresses(customer)
    return _address(delivery[0] if delivery else Address(), "Shipping")


def account_fields(customer, field_map=()):
    """A Cin7 customer as an Account (the external id is added by the upsert)."""
    return {"Name": customer.name, "Phone": _phone(customer), STATUS_FIELD: _status(customer),
            **_address(customer.main_address("Billing", "Business", "Shipping"), "Billing"),
            **_shipping(customer), DELIVERY_FIELD: addresses.to_text(customer),
            **_mapped(customer, field_map)}


def supplier_fields(supplier):
    """A Cin7 supplier as an Account of Type VENDOR_TYPE (SUPPLIER_KEY added by the upsert)."""
    return {"Name": supplier.name, "Phone": _phone(supplier), "Type": VENDOR_TYPE,
            STATUS_FIELD: _status(supplier),
            **_address(supplier.main_address("Billing", "Business", "Shipping"), "Billing")}


def contact_fields(customer, contact):
    """A Cin7 contact as a Contact; Salesforce requires a last name."""
    first, last = split_name(contact.name)
    if not last:
        first, last = "", first or contact.email_key
    return {"FirstName": first, "LastName": last, "Email": contact.email_key,
            "Phone": contact.phone, "MobilePhone": contact.mobile, "Title": contact.job_title,
            STATUS_FIELD: _status(customer)}


SALESFORCE = Target(account_fields, contact_fields, lone=None, company_key=ACCOUNT_KEY,
                    supplier=supplier_fields, supplier_key=SUPPLIER_KEY)
