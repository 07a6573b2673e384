"""The panel's customer list (CUS-5): a copy of the Cin7 customers read, with their links."""

from peewee import JOIN, CharField, DateTimeField

from core import listing
from core.settings import crm
from core.store import BaseModel, JSONField, Link, atomic_write, utcnow


class CustomerRecord(BaseModel):
    """One Cin7 customer as last read from Cin7."""

    cin7_id = CharField(primary_key=True)
    name = CharField(default="")
    status = CharField(default="Active")
    email = CharField(default="")  # the default contact's, for search
    contact_ids = JSONField(default=list)  # Cin7 contact ids: their links hold HubSpot contact ids
    modified = DateTimeField(null=True)
    refreshed_at = DateTimeField(default=lambda: utcnow())

    class Meta:
        indexes = ((("name", "cin7_id"), False), (("status", "name"), False),
                   (("modified",), False), (("refreshed_at",), False))


def _row(customer, now):
    default = next((c for c in customer.contacts if c.default), None) or \
        (customer.contacts[0] if customer.contacts else None)
    return {"cin7_id": customer.id, "name": (customer.name or "")[:250],
            "status": customer.status or "Active",
            "email": (default.email if default else "")[:250],
            "contact_ids": [c.id for c in customer.contacts if c.id],
            "modified": customer.modified, "refreshed_at": now}


def _text_match(text, like):
    # its own CRM record's id (index-backed), name, e-mail or Cin7 id
    remote = (Link.select(Link.cin7_id)
              .where(Link.system == crm(), Link.remote_id == text, Link.entity == "customer"))
    return ((CustomerRecord.name ** like) | (CustomerRecord.email ** like)
            | (CustomerRecord.cin7_id == text) | CustomerRecord.cin7_id.in_(remote))


def _read(ids):
    """The customers `ids` with their links, in the order given."""
    records = (CustomerRecord.select(CustomerRecord, Link.id.alias("link_id"), Link.remote_type,
                                     Link.remote_id, Link.listed_at, Link.state)
               .join(Link, JOIN.LEFT_OUTER, on=COPY.link_join())
               .where(CustomerRecord.cin7_id.in_(ids)).objects())
    records = listing.in_order(records, ids)
    contact_ids = [i for r in records for i in (r.contact_ids or [])]
    contacts = {}
    if contact_ids:
        for link in Link.select().where(Link.entity == "contact", Link.system == crm(),
                                        Link.cin7_id.in_(contact_ids)):
            contacts[link.cin7_id] = link
    return [{"cin7_id": r.cin7_id, "name": r.name, "status": r.status, "email": r.email,
             "modified": r.modified, "link": listing.joined_link(r, "customer"),
             "contacts": [contacts[i] for i in (r.contact_ids or []) if i in contacts]}
            for r in records]


COPY = listing.Copy(CustomerRecord, "customers", _row,
                    lambda cin7, since: cin7.customer_pages(modified_since=since), "customer",
                    _text_match, _read)
save, refresh, summary, forget, get = COPY.save, COPY.refresh, COPY.summary, COPY.forget, COPY.get
search = COPY.search  # rows: the customer's fields, `link` (its own) and `contacts` (theirs)


def export_rows(text="", listed=None, status=None):
    """Every customer matching the filters, streamed in name order (for the CSV download)."""
    matching = COPY.matching((text or "").strip(), listed, status)
    query = (CustomerRecord.select(CustomerRecord.cin7_id, CustomerRecord.name,
                                   CustomerRecord.status, CustomerRecord.email, Link.id,
                                   Link.remote_type, Link.remote_id, Link.listed_at)
             .join(Link, JOIN.LEFT_OUTER, on=COPY.link_join())
             .where(CustomerRecord.cin7_id.in_(matching))
             .order_by(CustomerRecord.name, CustomerRecord.cin7_id).tuples())
    yield from query.iterator()


def unlink(cin7_id):
    """Forget a customer's HubSpot links (its own and its contacts'); nothing changes in HubSpot."""
    record = get(cin7_id)
    contact_ids = (record.contact_ids or []) if record else []
    with atomic_write():
        removed = Link.delete().where(Link.entity == "customer", Link.cin7_id == cin7_id,
                                      Link.system == crm()).execute()
        if contact_ids:
            removed += Link.delete().where(Link.entity == "contact", Link.system == crm(),
                                           Link.cin7_id.in_(contact_ids)).execute()
    return removed
