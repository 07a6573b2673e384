"""Customers export to Capsule: Cin7 customer -> Capsule parties, and the plan (pure).

Rules (CUS-1..4 as Capsule allows, EXT-3): a customer with contacts is an organisation whose
people are its contacts; a customer without contacts is one person. Capsule gives a person
one organisation, so a contact e-mail shared by several customers is one person that stays
with the first customer that exported it; the other customers' organisations name it in
their "about" text. A Deprecated customer's organisation and people carry the tag the admin
chose (setting capsule.deprecated_tag), taken off again when it is Active. Keys: the
organisation or lone person holds "Cin7 Customer ID", a contact's person "Cin7 Contact ID".
"""

from dataclasses import asdict

from core.customers.to_hubspot import check_contact, check_customer
from core.errors import RecordError
from core.plan import Plan, Write, planned
from core.records import Address, Detail, Party

# Cin7 address type -> Capsule's (Home, Office, Postal)
ADDRESS_TYPES = {"Billing": "Postal", "Business": "Office", "Shipping": "Office"}
SHARED_NOTE = "Also a contact here (their Capsule person belongs to another organisation): "


def _addresses(customer):
    return [Address(line1=a.line1, line2=a.line2, city=a.city, state=a.state,
                    postcode=a.postcode, country=a.country, type=ADDRESS_TYPES.get(a.type))
            for a in customer.addresses[:3]]


def _tags(customer, tag):
    """(tags to put on, tags to take off) for the Deprecated marker."""
    if not tag:
        return [], []
    return ([tag], []) if customer.deprecated else ([], [tag])


def organisation(customer, keys, tag, shared=()):
    """The organisation of a customer with contacts; `shared`: contacts another owns."""
    phones = [Detail(c.phone, "Work") for c in customer.contacts if c.default and c.phone][:1]
    note = SHARED_NOTE + "; ".join(shared) if shared else ""
    on, off = _tags(customer, tag)
    return Party(type="organisation", name=customer.name.strip(), about=note, phones=phones,
                 addresses=_addresses(customer), fields={keys["customer"]: customer.id},
                 tags=on, untags=off)


def person(customer, contact, keys, tag):
    """A customer's contact as a person (its organisation is set when written)."""
    first, _, last = contact.name.strip().rpartition(" ")
    first, last = (first, last) if first else (last, "")
    if not (first or last):
        first = contact.email_key
    phones = [Detail(contact.phone, "Work")] if contact.phone else []
    phones += [Detail(contact.mobile, "Mobile")] if contact.mobile else []
    on, off = _tags(customer, tag)
    return Party(type="person", first_name=first, last_name=last, job_title=contact.job_title,
                 emails=[Detail(contact.email_key, "Work")] if contact.email_key else [],
                 phones=phones, fields={keys["contact"]: contact.id}, tags=on, untags=off)


def lone_person(customer, keys, tag):
    """A customer without contacts is one person, named as the customer (CUS-1)."""
    on, off = _tags(customer, tag)
    return Party(type="person", first_name=customer.name.strip(), addresses=_addresses(customer),
                 fields={keys["customer"]: customer.id}, tags=on, untags=off)


def party_json(party):
    """A party as the plan keeps it: what is written, so its fingerprint says what changed."""
    data = asdict(party)
    for key in ("raw", "id", "updated_at", "owner", "organisation_name"):
        data.pop(key)
    return data


def party_from_json(data):
    return Party(**{**data, "emails": [Detail(**d) for d in data["emails"]],
                    "phones": [Detail(**d) for d in data["phones"]],
                    "addresses": [Address(**a) for a in data["addresses"]]})


def _label(customer, contact=None):
    if contact is None:
        return f"customer '{customer.name}'"
    return f"customer '{customer.name}', contact '{contact.name or contact.id}'"


def plan_export(customers, links, email_owners, keys, tag, force=False):
    """Decide the writes for `customers`: `links` maps (entity, cin7 id) -> Link,
    `email_owners` e-mail -> Capsule person already written for another Cin7 contact."""
    plan, claimed = Plan(), dict(email_owners)
    for customer in customers:
        try:
            check_customer(customer)
        except RecordError as exc:
            plan.failures.append((customer, exc))
            continue
        if not customer.contacts:
            plan.writes.append(_write("person", "customer", customer.id, customer,
                                      lone_person(customer, keys, tag), links, force))
            continue
        people, shared = [], []
        for contact in customer.contacts:
            try:
                check_contact(customer, contact)
            except RecordError as exc:
                plan.failures.append((customer, exc))
                continue
            write = _contact_write(customer, contact, links, claimed, keys, tag, force)
            if write.action == "link" or (write.action == "skip" and write.fingerprint is None):
                shared.append(f"{contact.name} <{contact.email_key}>")
            people.append(write)
        org = organisation(customer, keys, tag, shared)
        plan.writes += [_write("organisation", "customer", customer.id, customer, org, links,
                               force)] + people
    return plan


def _write(kind, entity, cin7_id, customer, party, links, force, contact=None):
    props = {"party": party_json(party)}
    if contact is not None:
        props["organisation_of"] = customer.id  # moving to another customer is a change
    write = planned(kind, entity, cin7_id, customer.id, _label(customer, contact),
                    party.label, props, links.get((entity, cin7_id)), "", cin7_id, force)
    write.key = contact.email_key if contact is not None and contact.email_key else cin7_id
    write.company_of = customer.id if contact is not None else None
    if write.action == "skip" and write.reason.startswith("removed"):
        write.reason = "removed from Capsule: list it again to export it"
    return write


def _contact_write(customer, contact, links, claimed, keys, tag, force):
    link, email = links.get(("contact", contact.id)), contact.email_key
    if email and link is None and email in claimed:
        # Another customer's contact already has this e-mail's person: it stays there.
        return Write(kind="person", entity="contact", cin7_id=contact.id, record_id=customer.id,
                     label=_label(customer, contact), name=contact.name, action="link",
                     key=email, remote_id=claimed[email], company_of=customer.id,
                     reason=f"e-mail {email} belongs to another customer's person")
    if email and link is not None and link.fingerprint is None:
        return Write(kind="person", entity="contact", cin7_id=contact.id, record_id=customer.id,
                     label=_label(customer, contact), name=contact.name, action="skip",
                     key=email, remote_id=link.remote_id, company_of=customer.id,
                     reason="shares its e-mail with another customer's person")
    write = _write("person", "contact", contact.id, customer, person(customer, contact, keys, tag),
                   links, force, contact=contact)
    if email:
        claimed.setdefault(email, write.remote_id)
    return write
