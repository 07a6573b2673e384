"""Customers export: Cin7 customer -> HubSpot payloads, and the plan of writes (pure).

Rules (CUS-1..4, CUS-6, CUS-10, CUS-11): a customer with contacts is a company with its contacts
associated; a customer without contacts is one contact with no company; a contact e-mail
shared by several customers is one HubSpot contact associated with each of their companies,
its properties taken from the first contact that got it; a Deprecated customer's contacts
are Inactive; a company carries every delivery address (core/customers/addresses.py) and
its main address (Billing, else Business, else Shipping) in HubSpot's address fields. Planning reads only records and links, so a dry run shows the same plan.
"""

import re
from dataclasses import dataclass

from core.customers import addresses
from core.errors import RecordError
from core.plan import Plan, Write, planned

EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")

# Cin7 field (as the guides name it) -> (Customer attribute, HubSpot property type)
MAPPABLE_FIELDS = {
    "Currency": ("currency", "string"),
    "PaymentTerm": ("payment_term", "string"),
    "TaxRule": ("tax_rule", "string"),
    "SaleAccount": ("revenue_account", "string"),
    "PriceTier": ("price_tier", "string"),
    "Comments": ("comments", "string"),
    "SalesRepresentative": ("sales_representative", "string"),
    "Carrier": ("carrier", "string"),
    "Location": ("location", "string"),
    "TaxNumber": ("tax_number", "string"),
    "Discount": ("discount", "number"),
    "CreditLimit": ("credit_limit", "number"),
    "IsOnCreditHold": ("is_on_credit_hold", "bool"),
    "Tags": ("tags", "string"),
    "AttributeSet": ("attribute_set", "string"),
    **{f"AdditionalAttribute{i}": (f"AdditionalAttribute{i}", "string") for i in range(1, 11)},
}

SUPPLIER_KEY = "cin7_supplier_id"  # vendor companies' unique key (CUS-11)
VENDOR = "VENDOR"  # HubSpot's company type for a supplier

FIELD_TYPES = {"string": ("string", "text"), "number": ("number", "number"),
               "bool": ("bool", "booleancheckbox")}
BOOL_OPTIONS = [{"label": "Yes", "value": "true", "displayOrder": 0, "hidden": False},
                {"label": "No", "value": "false", "displayOrder": 1, "hidden": False}]


def property_specs(field_map, suppliers=False):
    """HubSpot definitions of SyncDesk's own properties, per object type (with `suppliers`,
    the vendor companies' key too)."""
    status = {"type": "enumeration", "fieldType": "select",
              "options": [{"label": v, "value": v, "displayOrder": i, "hidden": False}
                          for i, v in enumerate(("Active", "Inactive"))]}
    companies = [
        {"name": "cin7_customer_id", "label": "Cin7 customer ID", "type": "string",
         "fieldType": "text", "hasUniqueValue": True,
         "description": "Cin7 Core customer ID (account code), kept by SyncDesk"},
        {"name": "cin7_status", "label": "Cin7 status", **status},
        {"name": addresses.PROPERTY, "label": "Cin7 delivery addresses", "type": "string",
         "fieldType": "textarea",
         "description": "One delivery address per line, the default first: Line 1; Line 2; "
                        "City; State; Postcode; Country"},
    ]
    contacts = [
        {"name": "cin7_contact_id", "label": "Cin7 contact ID", "type": "string",
         "fieldType": "text", "hasUniqueValue": True,
         "description": "Cin7 Core contact ID for contacts without e-mail, kept by SyncDesk"},
        {"name": "cin7_status", "label": "Cin7 status", **status},
    ]
    for row in field_map:
        kind, field_type = FIELD_TYPES[MAPPABLE_FIELDS[row["field"]][1]]
        spec = {"name": row["property"], "label": f"Cin7 {row['field']}", "type": kind,
                "fieldType": field_type}
        if kind == "bool":
            spec["options"] = BOOL_OPTIONS
        companies.append(spec)
        contacts.append(dict(spec))
    if suppliers:
        companies.append({"name": SUPPLIER_KEY, "label": "Cin7 supplier ID", "type": "string",
                          "fieldType": "text", "hasUniqueValue": True,
                          "description": "Cin7 Core supplier ID, kept by SyncDesk"})
    return {"companies": companies, "contacts": contacts}


def field_value(customer, field_name):
    """A mapped Cin7 field as HubSpot's string value ("" clears the property)."""
    attribute, kind = MAPPABLE_FIELDS[field_name]
    value = (customer.attributes.get(attribute) if attribute.startswith("Additional")
             else getattr(customer, attribute))
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "number":
        return f"{float(value):g}"
    return str(value)


def split_name(name):
    parts = name.strip().rsplit(" ", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0], "")


def _address(customer):
    address = customer.main_address("Billing", "Business", "Shipping")
    if not address:
        return {}
    return {"address": " ".join(filter(None, [address.line1, address.line2])),
            "city": address.city, "state": address.state, "zip": address.postcode,
            "country": address.country}


def _mapped(customer, field_map):
    return {row["property"]: field_value(customer, row["field"]) for row in field_map}


def company_properties(customer, field_map):
    phone = next((c.phone for c in customer.contacts if c.default and c.phone),
                 next((c.phone for c in customer.contacts if c.phone), ""))
    return {"name": customer.name, "phone": phone, **_address(customer),
            "cin7_customer_id": customer.id,
            "cin7_status": "Inactive" if customer.deprecated else "Active",
            addresses.PROPERTY: addresses.to_text(customer),
            **_mapped(customer, field_map)}


def supplier_properties(supplier):
    """A Cin7 supplier as a HubSpot company of type Vendor (CUS-11)."""
    phone = next((c.phone for c in supplier.contacts if c.default and c.phone),
                 next((c.phone for c in supplier.contacts if c.phone), ""))
    return {"name": supplier.name, "phone": phone, **_address(supplier), "type": VENDOR,
            SUPPLIER_KEY: supplier.id,
            "cin7_status": "Inactive" if supplier.deprecated else "Active"}


def contact_properties(customer, contact):
    first, last = split_name(contact.name)
    props = {"firstname": first, "lastname": last, "email": contact.email_key,
             "phone": contact.phone, "mobilephone": contact.mobile, "jobtitle": contact.job_title,
             "company": customer.name,
             "cin7_status": "Inactive" if customer.deprecated else "Active"}
    if not contact.email_key:
        props["cin7_contact_id"] = contact.id
        del props["email"]
    return props


def lone_contact_properties(customer, field_map):
    """A customer without contacts becomes one contact with no company (CUS-1)."""
    return {"firstname": customer.name, "lastname": "", "company": customer.name,
            **_address(customer), "cin7_contact_id": customer.id,
            "cin7_status": "Inactive" if customer.deprecated else "Active",
            **_mapped(customer, field_map)}


def check_customer(customer):
    if not customer.name.strip():
        raise RecordError(f"customer {customer.id}", "Name", "is empty")


def check_contact(customer, contact):
    who = f"customer '{customer.name}', contact '{contact.name or contact.id}'"
    if contact.email and not EMAIL.match(contact.email.strip()):
        raise RecordError(who, "Email", f"'{contact.email}' is not a valid e-mail address")
    if not contact.name.strip() and not contact.email_key:
        raise RecordError(who, "Name", "is empty and there is no e-mail")


@dataclass(frozen=True)
class Target:
    """How a CRM holds customers, for plan_export: the payload of a company (customer, field
    map), of a contact (customer, contact), of a customer without contacts (None: it is a
    company too) and of a supplier's company (supplier), and the keys they are upserted by."""

    company: object
    contact: object
    lone: object = None
    company_key: str = "cin7_customer_id"
    lone_key: str = "cin7_contact_id"
    supplier: object = supplier_properties
    supplier_key: str = SUPPLIER_KEY


def plan_export(customers, links, email_owners, field_map, force=False, suppliers=False,
                target=None):
    """Decide the writes for `customers` (or, with `suppliers`, Cin7 suppliers).

    `links` maps (entity, cin7 id) -> Link; `email_owners` maps e-mail -> CRM contact id
    already written by SyncDesk for another Cin7 contact. A supplier is always a company,
    linked as entity "supplier" and keyed by cin7_supplier_id, so a supplier and a customer
    of one name stay two companies; their contacts follow the customers' rules. `target`
    is the CRM's mapping (default HubSpot's).
    """
    target = target or HUBSPOT
    plan, claimed = Plan(), dict(email_owners)
    for customer in customers:
        try:
            check_customer(customer)
        except RecordError as exc:
            plan.failures.append((customer, exc))
            continue
        if suppliers:
            plan.writes.append(_write("company", "supplier", customer.id, customer,
                                      target.supplier(customer),
                                      links.get(("supplier", customer.id)), target.supplier_key,
                                      customer.id, force))
            plan.writes[-1].label = f"supplier '{customer.name}'"
        elif not customer.contacts and target.lone:
            props = target.lone(customer, field_map)
            plan.writes.append(_write("contact", "customer", customer.id, customer, props,
                                      links.get(("customer", customer.id)), target.lone_key,
                                      customer.id, force))
            continue
        else:
            props = target.company(customer, field_map)
            plan.writes.append(_write("company", "customer", customer.id, customer, props,
                                      links.get(("customer", customer.id)), target.company_key,
                                      customer.id, force))
        for contact in customer.contacts:
            try:
                check_contact(customer, contact)
            except RecordError as exc:
                plan.failures.append((customer, exc))
                continue
            plan.writes.append(_contact_write(customer, contact, links, claimed, force,
                                              target.contact))
    return plan


def _label(customer, contact=None):
    if contact is None:
        return f"customer '{customer.name}'"
    return f"customer '{customer.name}', contact '{contact.name or contact.id}'"


def _write(kind, entity, cin7_id, customer, props, link, id_property, key, force, contact=None):
    return planned(kind, entity, cin7_id, customer.id, _label(customer, contact),
                   contact.name if contact else customer.name, props, link, id_property, key,
                   force)


def _contact_write(customer, contact, links, claimed, force, properties):
    props = properties(customer, contact)
    link = links.get(("contact", contact.id))
    email = contact.email_key
    if email and link is None and email in claimed:
        # Another Cin7 contact already gave this e-mail its HubSpot contact (CUS-2).
        return Write(kind="contact", entity="contact", cin7_id=contact.id, record_id=customer.id,
                     label=_label(customer, contact), name=contact.name, action="link", key=email, id_property="email",
                     remote_id=claimed[email], company_of=customer.id,
                     reason=f"e-mail {email} is shared with another customer's contact")
    if email and link is not None and link.fingerprint is None:
        # Linked through a shared e-mail: the owner's properties stand.
        parent = getattr(link, "parent_remote_id", None)
        return Write(kind="contact", entity="contact", cin7_id=contact.id, record_id=customer.id,
                     label=_label(customer, contact), name=contact.name, action="skip", key=email, id_property="email",
                     remote_id=link.remote_id, company_of=customer.id, parent=parent,
                     saved_parent=parent,
                     reason="shares its e-mail with another customer's contact")
    id_property, key = ("email", email) if email else ("cin7_contact_id", contact.id)
    write = _write("contact", "contact", contact.id, customer, props, link, id_property, key,
                   force, contact=contact)
    write.company_of = customer.id
    if email:
        claimed.setdefault(email, write.remote_id)
    return write


HUBSPOT = Target(company_properties, contact_properties, lone_contact_properties)
