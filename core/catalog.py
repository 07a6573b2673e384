"""A local copy of what the panel lists from Cin7: customers (CUS-5), products (PRD-1, PRD-2)
and reference books (SET-2).

The customers page must show every Cin7 customer, listed in HubSpot or not, and stay fast
with 100,000 of them; asking Cin7 on each page view would take minutes and burn its rate
limit. So customers are copied here by `refresh_customers` (incrementally after the first
time) and whether one is listed is read from its link at query time, never copied.
"""

import datetime
from dataclasses import dataclass

from peewee import JOIN, BooleanField, CharField, DateTimeField, Tuple, fn

from core.store import BaseModel, JSONField, Link, atomic_write, utcnow

SYSTEM = "hubspot"  # the listing status shown is the HubSpot one
PER_PAGE = 50


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


class ReferenceList(BaseModel):
    """Names in one of Cin7's reference books (price tiers, locations, ...)."""

    kind = CharField(primary_key=True)
    names = JSONField(default=list)
    fetched_at = DateTimeField(default=lambda: utcnow())


class ProductRecord(BaseModel):
    """One Cin7 product as last read from Cin7 (PRD-1, PRD-2: the panel's product list)."""

    cin7_id = CharField(primary_key=True)
    sku = CharField(default="")
    name = CharField(default="")
    status = CharField(default="Active")
    sellable = BooleanField(default=True)
    type = CharField(default="Stock")
    modified = DateTimeField(null=True)
    refreshed_at = DateTimeField(default=lambda: utcnow())

    class Meta:
        indexes = ((("name", "cin7_id"), False), (("sku",), False), (("status", "name"), False),
                   (("modified",), False), (("refreshed_at",), False))


MODELS = [CustomerRecord, ReferenceList]  # created by migration step 3: leave as it is
PRODUCT_MODELS = [ProductRecord]  # created by a later migration step


def _row(customer, now):
    default = next((c for c in customer.contacts if c.default), None) or \
        (customer.contacts[0] if customer.contacts else None)
    return {"cin7_id": customer.id, "name": (customer.name or "")[:250],
            "status": customer.status or "Active",
            "email": (default.email if default else "")[:250],
            "contact_ids": [c.id for c in customer.contacts if c.id],
            "modified": customer.modified, "refreshed_at": now}


def _save(model, rows):
    with atomic_write():
        for start in range(0, len(rows), 200):
            model.replace_many(rows[start:start + 200]).execute()
    return len(rows)


def _refresh(config, model, read_pages, save, full):
    """Copy Cin7's records of one kind here: changed since the last refresh, or all."""
    from core.connections import effective_config
    from core.connectors.cin7 import Cin7

    since = None
    if not full:
        latest = model.select(fn.MAX(model.modified)).scalar()
        since = latest - datetime.timedelta(minutes=2) if latest else None
    return sum(save(records) for _, _, records in
               read_pages(Cin7(effective_config(config)), modified_since=since))


def _summary(model, noun):
    return {noun: model.select().count(),
            "refreshed_at": model.select(fn.MAX(model.refreshed_at)).scalar()}


def save_customers(customers, now=None):
    """Insert or replace these Customer records in the catalogue."""
    return _save(CustomerRecord, [_row(c, now or utcnow()) for c in customers])


def refresh_customers(config, full=False):
    """Copy Cin7's customers here: changed ones since the last refresh, or all; returns count."""
    return _refresh(config, CustomerRecord, lambda cin7, **kw: cin7.customer_pages(**kw),
                    save_customers, full)


def summary():
    """How many customers the catalogue holds and when it was last refreshed."""
    return _summary(CustomerRecord, "customers")


def _link_join():
    return ((Link.cin7_id == CustomerRecord.cin7_id) & (Link.entity == "customer")
            & (Link.system == SYSTEM))


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


@dataclass
class Page:
    """One page of customers and how to reach its neighbours (keyset: by customer id)."""

    rows: list
    total: int
    first: str | None = None  # id of the first row: the next page back ends before it
    last: str | None = None  # id of the last row: the next page starts after it
    has_previous: bool = False
    has_next: bool = False


def search(text="", listed=None, status=None, after=None, before=None, last=False,
           per_page=PER_PAGE):
    """A page of customers with their HubSpot links, in name order.

    `after` / `before` are the ids of a row of the page seen before; `last` asks for the
    end of the list. Each page costs about its own size however deep it is (keyset), so
    the list stays fast with 100,000 customers; only the total needs a pass over the rows
    matching a filter. Rows are dicts: the customer's fields, `link` (the customer's Link
    or None) and `contacts` (its contacts' links).
    """
    text = (text or "").strip()
    anchor = get(after or before) if (after or before) else None
    backwards = bool(before and anchor) or (last and not anchor)
    query = _matching(text, listed, status)
    if text:
        ids, total = _searched_page(query, anchor, bool(before), backwards, per_page)
    else:
        total = query.count() if (listed is not None or status) else \
            CustomerRecord.select().count()
        ids = _walked_page(query, anchor, bool(before), backwards, per_page)
    more, ids = len(ids) > per_page, ids[:per_page]
    if backwards:
        ids.reverse()
    page = Page(_read(ids), total, ids[0] if ids else None, ids[-1] if ids else None)
    page.has_previous = more if backwards else bool(anchor)
    page.has_next = bool(anchor) if backwards else more
    return page


def _beyond(key, anchor, before):
    value = Tuple(anchor.name, anchor.cin7_id)
    return key < value if before else key > value


def _walked_page(query, anchor, before, backwards, per_page, model=CustomerRecord):
    """Up to per_page + 1 ids from the (name, cin7_id) index, next to `anchor`."""
    columns = (model.name, model.cin7_id)  # the (name, cin7_id) index
    if anchor:
        query = query.where(_beyond(Tuple(*columns), anchor, before))
    order = [c.desc() for c in columns] if backwards else columns
    return [r.cin7_id for r in query.order_by(*order).limit(per_page + 1)]


def _searched_page(query, anchor, before, backwards, per_page, model=CustomerRecord):
    """Ids next to `anchor` and the number of matches, from one pass over the table.

    A search reads every row once (a scan, ~40 ms per 100,000 customers); counting in the
    same pass (a window function) saves a second one, and sorting only the matches avoids
    walking the name index, which would read the table one random row at a time.
    """
    matched = query.select(model.cin7_id, model.name,
                           fn.COUNT(model.cin7_id).over().alias("total")).alias("m")
    columns = (matched.c.name, matched.c.cin7_id)
    page = model.select(matched.c.cin7_id, matched.c.total).from_(matched)
    if anchor:
        page = page.where(_beyond(Tuple(*columns), anchor, before))
    order = [c.desc() for c in columns] if backwards else columns
    rows = list(page.order_by(*order).limit(per_page + 1).tuples())
    total = rows[0][1] if rows else query.count()
    return [cin7_id for cin7_id, _ in rows], total


def _read(ids):
    """The customers `ids` with their links, in the order given."""
    if not ids:
        return []
    records = (CustomerRecord.select(CustomerRecord, Link.id.alias("link_id"), Link.remote_type,
                                     Link.remote_id, Link.listed_at, Link.state)
               .join(Link, JOIN.LEFT_OUTER, on=_link_join())
               .where(CustomerRecord.cin7_id.in_(ids)).objects())
    position = {cin7_id: i for i, cin7_id in enumerate(ids)}
    return _with_links(sorted(records, key=lambda r: position[r.cin7_id]))


def _with_links(records):
    contact_ids = [i for r in records for i in (r.contact_ids or [])]
    contacts = {}
    if contact_ids:
        for link in Link.select().where(Link.entity == "contact", Link.system == SYSTEM,
                                        Link.cin7_id.in_(contact_ids)):
            contacts[link.cin7_id] = link
    rows = []
    for r in records:
        link = None
        if r.link_id is not None:  # the joined Link's columns, flattened by .objects()
            link = Link(id=r.link_id, entity="customer", cin7_id=r.cin7_id, system=SYSTEM,
                        remote_type=r.remote_type, remote_id=r.remote_id, listed_at=r.listed_at,
                        state=r.state)
        rows.append({"cin7_id": r.cin7_id, "name": r.name, "status": r.status, "email": r.email,
                     "modified": r.modified, "link": link,
                     "contacts": [contacts[i] for i in (r.contact_ids or []) if i in contacts]})
    return rows


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


# -- products (PRD-1, PRD-2) ----------------------------------------------------------------


def _product_row(product, now):
    return {"cin7_id": product.id, "sku": (product.sku or "")[:250],
            "name": (product.name or "")[:250], "status": product.status or "Active",
            "sellable": product.sellable is not False, "type": product.type or "Stock",
            "modified": product.modified, "refreshed_at": now}


def save_products(products, now=None):
    """Insert or replace these Product records in the catalogue."""
    return _save(ProductRecord, [_product_row(p, now or utcnow()) for p in products])


def refresh_products(config, full=False):
    """Copy Cin7's products here: changed ones since the last refresh, or all; returns count."""
    return _refresh(config, ProductRecord, lambda cin7, **kw: cin7.product_pages(**kw),
                    save_products, full)


def product_summary():
    """How many products the catalogue holds and when it was last refreshed."""
    return _summary(ProductRecord, "products")


def _product_link_join():
    # A product removed from HubSpot (PRD-2) keeps its link, marked removed: not listed.
    return ((Link.cin7_id == ProductRecord.cin7_id) & (Link.entity == "product")
            & (Link.system == SYSTEM) & (Link.state != "removed"))


def _matching_products(text="", listed=None, status=None):
    """The products matching the filters (unordered): text in name or SKU, or an exact id."""
    query = ProductRecord.select(ProductRecord.cin7_id)
    if listed is True:
        query = query.join(Link, on=_product_link_join())
    elif listed is False:
        query = query.join(Link, JOIN.LEFT_OUTER, on=_product_link_join()).where(Link.id.is_null())
    if status:
        query = query.where(ProductRecord.status == status)
    if text:
        like = f"%{text}%"
        remote = (Link.select(Link.cin7_id)
                  .where(Link.system == SYSTEM, Link.entity == "product", Link.remote_id == text))
        query = query.where((ProductRecord.name ** like) | (ProductRecord.sku ** like)
                            | (ProductRecord.cin7_id == text) | ProductRecord.cin7_id.in_(remote))
    return query


def get_product(cin7_id):
    return ProductRecord.get_or_none(ProductRecord.cin7_id == cin7_id)


def search_products(text="", listed=None, status=None, after=None, before=None, last=False,
                    per_page=PER_PAGE):
    """A page of products with their HubSpot links, in name order (keyset, like `search`).

    Rows are dicts: the product's fields and `link` (its HubSpot product Link or None).
    """
    text = (text or "").strip()
    anchor = get_product(after or before) if (after or before) else None
    backwards = bool(before and anchor) or (last and not anchor)
    query = _matching_products(text, listed, status)
    if text:
        ids, total = _searched_page(query, anchor, bool(before), backwards, per_page,
                                    ProductRecord)
    else:
        total = query.count() if (listed is not None or status) else \
            ProductRecord.select().count()
        ids = _walked_page(query, anchor, bool(before), backwards, per_page, ProductRecord)
    more, ids = len(ids) > per_page, ids[:per_page]
    if backwards:
        ids.reverse()
    page = Page(_read_products(ids), total, ids[0] if ids else None, ids[-1] if ids else None)
    page.has_previous = more if backwards else bool(anchor)
    page.has_next = bool(anchor) if backwards else more
    return page


def _read_products(ids):
    """The products `ids` with their links, in the order given."""
    if not ids:
        return []
    records = (ProductRecord.select(ProductRecord, Link.id.alias("link_id"), Link.remote_type,
                                    Link.remote_id, Link.listed_at, Link.state)
               .join(Link, JOIN.LEFT_OUTER, on=_product_link_join())
               .where(ProductRecord.cin7_id.in_(ids)).objects())
    position = {cin7_id: i for i, cin7_id in enumerate(ids)}
    rows = []
    for r in sorted(records, key=lambda r: position[r.cin7_id]):
        link = None
        if r.link_id is not None:  # the joined Link's columns, flattened by .objects()
            link = Link(id=r.link_id, entity="product", cin7_id=r.cin7_id, system=SYSTEM,
                        remote_type=r.remote_type, remote_id=r.remote_id, listed_at=r.listed_at,
                        state=r.state)
        rows.append({"cin7_id": r.cin7_id, "sku": r.sku, "name": r.name, "status": r.status,
                     "sellable": r.sellable, "type": r.type, "modified": r.modified,
                     "link": link})
    return rows


def product_link(cin7_id):
    """The product's HubSpot product link, or None."""
    return Link.get_or_none(Link.entity == "product", Link.system == SYSTEM,
                            Link.cin7_id == cin7_id)


def export_product_rows(text="", listed=None, status=None):
    """Every product matching the filters, streamed in name order (for the CSV download):
    (cin7_id, sku, name, status, sellable, type, link id, HubSpot product id, listed_at)."""
    matching = _matching_products((text or "").strip(), listed, status)
    query = (ProductRecord.select(ProductRecord.cin7_id, ProductRecord.sku, ProductRecord.name,
                                  ProductRecord.status, ProductRecord.sellable,
                                  ProductRecord.type, Link.id, Link.remote_id, Link.listed_at)
             .join(Link, JOIN.LEFT_OUTER, on=_product_link_join())
             .where(ProductRecord.cin7_id.in_(matching))
             .order_by(ProductRecord.name, ProductRecord.cin7_id).tuples())
    yield from query.iterator()


def reference(kind):
    """The cached names of one Cin7 reference book ([] until read)."""
    row = ReferenceList.get_or_none(ReferenceList.kind == kind)
    return row.names if row else []


def references():
    """Every cached reference book: {kind: names}, and when they were read."""
    rows = list(ReferenceList.select())
    return ({row.kind: row.names for row in rows},
            max((row.fetched_at for row in rows), default=None))


def refresh_references(config):
    """Read every reference book from Cin7 into the cache; returns {kind: count}."""
    from core.connections import effective_config
    from core.connectors.cin7 import REFERENCE_LISTS, Cin7

    cin7 = Cin7(effective_config(config))
    fetched = {kind: cin7.reference(kind) for kind in REFERENCE_LISTS}
    with atomic_write():
        for kind, names in fetched.items():
            ReferenceList.replace(kind=kind, names=names, fetched_at=utcnow()).execute()
    return {kind: len(names) for kind, names in fetched.items()}


def forget():
    """Drop the catalogue (Cin7 disconnected)."""
    with atomic_write():
        CustomerRecord.delete().execute()
        ProductRecord.delete().execute()
        ReferenceList.delete().execute()
