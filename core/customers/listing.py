"""The panel's customer list (CUS-5): a copy of the Cin7 customers read, with their links."""

from peewee import JOIN, CharField, DateTimeField

from core import listing
from core.listing import SYSTEM
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


COPY = listing.Copy(CustomerRecord, "customers", _row,
                    lambda cin7, since: cin7.customer_pages(modified_since=since), "customer")
save, refresh, summary, forget = COPY.save, COPY.refresh, COPY.summary, COPY.forget


def _link_join():
    return COPY.link_join()


def _remote_matches(text):
    """Cin7 ids of customers whose own HubSpot record has id `text` (index-backed)."""
    return (Link.select(Link.cin7_id)
            .where(Link.system == SYSTEM, Link.remote_type.in_(("company", "contact")),
                   Link.remote_id == text, Link.entity == "customer"))


def _matching(text="", listed=None, status=None):
    """The customers matching the filters (unordered)."""
    query = CustomerRecord.select(CustomerRecord.cin7_id)
    if listed is True:
        query = query.join(Link, on=_link_join())
    elif listed is False:
        query = query.join(Link, JOIN.LEFT_OUTER, on=_link_join()).where(Link.id.is_null())
    if status:
        query = query.where(CustomerRecord.status == status)
    if text:
        like = f"%{text}%"
        query = query.where((CustomerRecord.name ** like) | (CustomerRecord.email ** like)
                            | (CustomerRecord.cin7_id == text)
                            | CustomerRecord.cin7_id.in_(_remote_matches(text)))
    return query


def search(text="", listed=None, status=None, after=None, before=None, last=False,
           per_page=listing.PER_PAGE):
    """A page of customers with their HubSpot links, in name order (core.listing.search).

    Rows are dicts: the customer's fields, `link` (the customer's Link or None) and
    `contacts` (its contacts' links).
    """
    text = (text or "").strip()
    anchor = get(after or before) if (after or before) else None
    return listing.search(CustomerRecord, _matching(text, listed, status), text, anchor, before,
                          last, per_page, _read, listed is not None or bool(status))


def _read(ids):
    """The customers `ids` with their links, in the order given."""
    records = (CustomerRecord.select(CustomerRecord, Link.id.alias("link_id"), Link.remote_type,
                                     Link.remote_id, Link.listed_at, Link.state)
               .join(Link, JOIN.LEFT_OUTER, on=_link_join())
               .where(CustomerRecord.cin7_id.in_(ids)).objects())
    records = listing.in_order(records, ids)
    contact_ids = [i for r in records for i in (r.contact_ids or [])]
    contacts = {}
    if contact_ids:
        for link in Link.select().where(Link.entity == "contact", Link.system == SYSTEM,
                                        Link.cin7_id.in_(contact_ids)):
            contacts[link.cin7_id] = link
    return [{"cin7_id": r.cin7_id, "name": r.name, "status": r.status, "email": r.email,
             "modified": r.modified, "link": _link(r, "customer"),
             "contacts": [contacts[i] for i in (r.contact_ids or []) if i in contacts]}
            for r in records]


def _link(row, entity):
    """The Link joined into `row` (its columns flattened by .objects()), or None."""
    if row.link_id is None:
        return None
    return Link(id=row.link_id, entity=entity, cin7_id=row.cin7_id, system=SYSTEM,
                remote_type=row.remote_type, remote_id=row.remote_id, listed_at=row.listed_at,
                state=row.state)


def export_rows(text="", listed=None, status=None):
    """Every customer matching the filters, streamed in name order (for the CSV download)."""
    matching = _matching((text or "").strip(), listed, status)
    query = (CustomerRecord.select(CustomerRecord.cin7_id, CustomerRecord.name,
                                   CustomerRecord.status, CustomerRecord.email, Link.id,
                                   Link.remote_type, Link.remote_id, Link.listed_at)
             .join(Link, JOIN.LEFT_OUTER, on=_link_join())
             .where(CustomerRecord.cin7_id.in_(matching))
             .order_by(CustomerRecord.name, CustomerRecord.cin7_id).tuples())
    yield from query.iterator()


def get(cin7_id):
    return CustomerRecord.get_or_none(CustomerRecord.cin7_id == cin7_id)


def unlink(cin7_id):
    """Forget a customer's HubSpot links (its own and its contacts'); nothing changes in HubSpot."""
    record = get(cin7_id)
    contact_ids = (record.contact_ids or []) if record else []
    with atomic_write():
        removed = Link.delete().where(Link.entity == "customer", Link.cin7_id == cin7_id,
                                      Link.system == SYSTEM).execute()
        if contact_ids:
            removed += Link.delete().where(Link.entity == "contact", Link.system == SYSTEM,
                                           Link.cin7_id.in_(contact_ids)).execute()
    return removed
