"""Capsule party -> Cin7 customer (pure functions for the import direction, EXT-3).

The CUS-7 rules as Capsule shapes them: an organisation becomes a customer and its people the
customer's contacts; a person without organisation becomes a customer with one contact (unless
"ignore contacts without companies" is set). A Capsule person has one organisation, so CUS-8
(a contact of several companies) does not arise. New customers take the import defaults.
"""

from core.customers.to_cin7 import new_customer
from core.customers.to_hubspot import EMAIL
from core.errors import RecordError
from core.records import Address, Contact


def to_contact(person):
    """A Capsule person as a Cin7 contact: the first e-mail, a mobile and another phone."""
    email = person.emails[0].value.strip() if person.emails else ""
    if email and not EMAIL.match(email):
        raise RecordError(f"Capsule person '{person.label}'", "emailAddresses",
                          f"'{email}' is not a valid e-mail address")
    mobile = next((p.value for p in person.phones if p.type == "Mobile"), "")
    phone = next((p.value for p in person.phones if p.type != "Mobile"), "")
    name = " ".join(filter(None, [person.first_name, person.last_name])) or email
    return Contact(name=name, email=email, phone=phone, mobile=mobile, job_title=person.job_title)


def _address(party, address_type, warnings):
    if not party.addresses:
        return []
    first = party.addresses[0]
    if not first.country:
        warnings.append("address not imported: Cin7 needs a country and Capsule has none")
        return []
    return [Address(line1=first.line1 or first.city, line2=first.line2, city=first.city,
                    state=first.state, postcode=first.postcode, country=first.country,
                    type=address_type, default_for_type=True)]


def desired_customer(party, people, options):
    """The Cin7 customer an organisation (or a lone person) should be, plus warnings."""
    name = (party.name if party.type == "organisation" else party.label).strip()
    if not name or name == f"party {party.id}":
        raise RecordError(f"Capsule party {party.id}", "name", "is empty")
    contacts = [c for c in map(to_contact, people) if c.name]
    if contacts:
        contacts[0].default = True
    warnings, defaults = [], options["defaults"]
    addresses = _address(party, (defaults["address_type"] or "Billing").capitalize(), warnings)
    customer = new_customer(name, contacts, addresses, defaults)
    if party.owner and party.owner in options["reps"]:  # CUS-9: an exact name only
        customer.sales_representative = party.owner
    elif party.owner:
        warnings.append(f"sales representative '{party.owner}' is not a Cin7 user: "
                        "synced without it")
    return customer, warnings
