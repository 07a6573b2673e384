"""A CRM's company/contact -> Cin7 customer (pure functions for the import direction).

The rules are the CRM's; only the field names differ: `names` (HUBSPOT_NAMES here, the
Salesforce ones in core/customers/from_salesforce.py) says where each value is read."""

from dataclasses import replace

from core.customers import addresses as delivery
from core.customers.to_hubspot import EMAIL, MAPPABLE_FIELDS, SUPPLIER_KEY
from core.errors import RecordError
from core.records import Address, Contact, Customer

COMPANY_PROPS = ["name", "phone", "address", "address2", "city", "state", "zip", "country",
                 "hubspot_owner_id", "hs_lastmodifieddate", delivery.PROPERTY, SUPPLIER_KEY]
CONTACT_PROPS = ["email", "firstname", "lastname", "phone", "mobilephone", "jobtitle", "address",
                 "city", "state", "zip", "country", "hubspot_owner_id", "lastmodifieddate"]

# Where a CRM keeps each value the import reads; None: the CRM has no such field.
HUBSPOT_NAMES = {
    "crm": "HubSpot", "company": "company", "contact": "contact", "name": "name",
    "first": "firstname", "last": "lastname", "email": "email", "phone": "phone",
    "mobile": "mobilephone", "title": "jobtitle", "owner": "hubspot_owner_id",
    "delivery": delivery.PROPERTY,
    # (line 1, line 2, city, state, postcode, country) of a company and of a contact
    "address": {kind: ("address", "address2", "city", "state", "zip", "country")
                for kind in ("company", "contact")},
}

# Cin7 fields an import may set from a mapped HubSpot property (CUS-10).
IMPORTABLE = {"PriceTier": "price_tier", "PaymentTerm": "payment_term",
              "CreditLimit": "credit_limit", "Currency": "currency", "TaxRule": "tax_rule",
              "Location": "location", "Carrier": "carrier"}


def _get(remote, name):
    return remote.get(name) if name else ""


def full_name(contact, names=HUBSPOT_NAMES):
    name = " ".join(filter(None, [_get(contact, names["first"]),
                                  _get(contact, names["last"])])).strip()
    return name or _get(contact, names["email"])


def to_contact(remote, names=HUBSPOT_NAMES):
    email = _get(remote, names["email"]).strip()
    if email and not EMAIL.match(email):
        raise RecordError(f"{names['crm']} contact {remote.id}", names["email"],
                          f"'{email}' is not a valid e-mail address")
    return Contact(name=full_name(remote, names), email=email, phone=_get(remote, names["phone"]),
                   mobile=_get(remote, names["mobile"]), job_title=_get(remote, names["title"]))


def _address(remote, address_type, warnings, names, remote_type):
    line1, line2, city, state, postcode, country = (
        _get(remote, n) for n in names["address"][remote_type])
    if "\n" in line1 and not names["address"][remote_type][1]:
        # One street field of several lines (Salesforce's): the first is Line 1.
        line1, _, line2 = (part.strip() for part in line1.partition("\n"))
        line2 = line2.replace("\n", " ")
    if not (line1 or city):
        return []
    if not country:
        warnings.append(f"address not imported: Cin7 needs a country and {names['crm']} has "
                        "none")
        return []
    return [Address(line1=line1 or city, line2=line2, city=city, state=state,
                    postcode=postcode, country=country, type=address_type,
                    default_for_type=True)]


def desired_customer(source, people, remote_type, options):
    """The Cin7 customer a CRM company (or lone contact) should be, plus warnings."""
    defaults, names = options["defaults"], options.get("names", HUBSPOT_NAMES)
    contacts = []
    for person in people:
        contact = to_contact(person, names)
        if contact.name:
            contacts.append(contact)
    if remote_type == "company":
        name = _get(source, names["name"]).strip()
        if not name:
            raise RecordError(f"{names['crm']} {names['company']} {source.id}", names["name"],
                              "is empty")
    else:
        name = full_name(source, names) or ""
        if not name:
            raise RecordError(f"{names['crm']} contact {source.id}", names["first"],
                              "the contact has neither a name nor an e-mail")
    if contacts:
        contacts[0].default = True
    warnings = []
    shipping, delivery_warnings = delivery.parse(_get(source, names["delivery"])) \
        if remote_type == "company" else ([], [])
    address_type = defaults["address_type"] or "Billing"
    main = _address(source, address_type, warnings, names, remote_type)
    if shipping and address_type.capitalize() == delivery.SHIPPING:
        main = []  # the delivery addresses property says what the Shipping addresses are
    customer = new_customer(name, contacts, main + shipping, defaults)
    for attribute, value in mapped_values(source, options["field_map"]).items():
        setattr(customer, attribute, value)
    return customer, warnings + delivery_warnings + _sales_rep(customer, source, options)


def new_customer(name, contacts, addresses, defaults):
    """A Cin7 customer to create from a CRM record, with the import defaults (SET-2)."""
    return Customer(
        id="", name=name, currency=defaults["currency"], payment_term=defaults["payment_term"],
        tax_rule=defaults["tax_rule"], revenue_account=defaults["revenue_account"],
        account_receivable=defaults["account_receivable"], price_tier=defaults["price_tier"],
        location=defaults["location"], contacts=contacts, addresses=addresses)


def has_delivery_addresses(source, remote_type, names=HUBSPOT_NAMES):
    """Whether a company lists delivery addresses: they then define the Shipping ones."""
    return remote_type == "company" and bool(_get(source, names["delivery"]).strip())


def mapped_values(source, field_map):
    """Cin7 attributes set from HubSpot properties named in the field map (CUS-10)."""
    values = {}
    for row in field_map:
        attribute = IMPORTABLE.get(row["field"])
        value = source.get(row["property"])
        if attribute and value not in ("", None):
            number = MAPPABLE_FIELDS[row["field"]][1] == "number"
            values[attribute] = float(value) if number else value
    return values


def _sales_rep(customer, source, options):
    """CUS-9: set the rep only when the owner's name is exactly a Cin7 user's name."""
    owner_id = _get(source, options.get("names", HUBSPOT_NAMES)["owner"])
    if not owner_id:
        return []
    name = options["owners"].get(str(owner_id), "")
    if name and name in options["reps"]:
        customer.sales_representative = name
        return []
    return [f"sales representative '{name or owner_id}' is not a Cin7 user: "
            "synced without it"]


def merge_contacts(existing, wanted, mapped=None, with_delivery=False):
    """`existing` updated with what HubSpot says; contacts matched by e-mail, then name, and
    with `with_delivery` the Shipping addresses matched by content (CUS-10)."""
    contacts = [replace(c) for c in existing.contacts]
    for new in wanted.contacts:
        match = next((c for c in contacts if new.email_key and c.email_key == new.email_key),
                     None) or next((c for c in contacts if not new.email_key
                                    and c.name.strip().lower() == new.name.strip().lower()), None)
        if match:
            match.name, match.email = new.name, new.email or match.email
            match.phone, match.mobile = new.phone or match.phone, new.mobile or match.mobile
            match.job_title = new.job_title or match.job_title
        else:
            contacts.append(replace(new, default=not contacts))
    addresses = existing.addresses
    shipping = [a for a in wanted.addresses if with_delivery and a.type == delivery.SHIPPING]
    main = [a for a in wanted.addresses if not (with_delivery and a.type == delivery.SHIPPING)]
    if main:
        new = main[0]
        same = next((a for a in addresses if a.type == new.type and a.default_for_type), None)
        # The CRM's one address may be Cin7's main address of another type (an exported
        # Business address): the same place is not added a second time.
        known = same or any(delivery.same_place(a, new) for a in addresses)
        addresses = ([replace(new, id=same.id) if a is same else a for a in addresses]
                     if same else addresses if known else addresses + [new])
    if shipping:
        addresses = delivery.merge(addresses, shipping)
    merged = replace(existing, name=wanted.name, contacts=contacts, addresses=addresses)
    # Import defaults apply to new customers only; mapped values and the rep follow changes.
    for attribute, value in (mapped or {}).items():
        setattr(merged, attribute, value)
    if wanted.sales_representative:
        merged.sales_representative = wanted.sales_representative
    return merged


def payload_digest(customer):
    """What an import writes, to tell whether anything changed since the last write."""
    digest = {"name": customer.name, "rep": customer.sales_representative,
            "credit": customer.credit_limit, "tier": customer.price_tier,
            "term": customer.payment_term,
            "contacts": sorted((c.name, c.email_key, c.phone, c.mobile, c.job_title)
                               for c in customer.contacts),
            "addresses": sorted((a.type, a.line1, a.line2, a.city, a.state, a.postcode, a.country)
                                for a in customer.addresses)}
    shipping = delivery.delivery_addresses(customer)
    if len(shipping) > 1:  # which one is the default is part of what HubSpot says
        digest["default_delivery"] = delivery.to_text(replace(customer, addresses=shipping[:1]))
    return digest
