"""The panel's product list (PRD-1, PRD-2): a copy of the Cin7 products read, with their links."""

from peewee import JOIN, BooleanField, CharField, DateTimeField

from core import listing
from core.settings import crm
from core.store import BaseModel, Link, atomic_write, utcnow


class ProductRecord(BaseModel):
    """One Cin7 product as last read from Cin7."""

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


def _row(product, now):
    return {"cin7_id": product.id, "sku": (product.sku or "")[:250],
            "name": (product.name or "")[:250], "status": product.status or "Active",
            "sellable": product.sellable is not False, "type": product.type or "Stock",
            "modified": product.modified, "refreshed_at": now}


def _text_match(text, like):
    remote = (Link.select(Link.cin7_id)
              .where(Link.system == crm(), Link.entity == "product", Link.remote_id == text))
    return ((ProductRecord.name ** like) | (ProductRecord.sku ** like)
            | (ProductRecord.cin7_id == text) | ProductRecord.cin7_id.in_(remote))


def _read(ids):
    """The products `ids` with their links, in the order given."""
    records = (ProductRecord.select(ProductRecord, Link.id.alias("link_id"), Link.remote_type,
                                    Link.remote_id, Link.listed_at, Link.state)
               .join(Link, JOIN.LEFT_OUTER, on=COPY.link_join())
               .where(ProductRecord.cin7_id.in_(ids)).objects())
    return [{"cin7_id": r.cin7_id, "sku": r.sku, "name": r.name, "status": r.status,
             "sellable": r.sellable, "type": r.type, "modified": r.modified,
             "link": listing.joined_link(r, "product")} for r in listing.in_order(records, ids)]


# A product removed from HubSpot (PRD-2) keeps its link, marked removed: it is not listed.
COPY = listing.Copy(ProductRecord, "products", _row,
                    lambda cin7, since: cin7.product_pages(modified_since=since), "product",
                    _text_match, _read, shown=Link.state != "removed")
save, refresh, summary, forget, get = COPY.save, COPY.refresh, COPY.summary, COPY.forget, COPY.get
search = COPY.search  # rows: the product's fields and `link` (its HubSpot product's)


def link(cin7_id):
    """The product's HubSpot product link, or None."""
    return Link.get_or_none(Link.entity == "product", Link.system == crm(),
                            Link.cin7_id == cin7_id)


def export_rows(text="", listed=None, status=None):
    """Every product matching the filters, streamed in name order (for the CSV download):
    (cin7_id, sku, name, status, sellable, type, link id, HubSpot product id, listed_at)."""
    matching = COPY.matching((text or "").strip(), listed, status)
    query = (ProductRecord.select(ProductRecord.cin7_id, ProductRecord.sku, ProductRecord.name,
                                  ProductRecord.status, ProductRecord.sellable,
                                  ProductRecord.type, Link.id, Link.remote_id, Link.listed_at)
             .join(Link, JOIN.LEFT_OUTER, on=COPY.link_join())
             .where(ProductRecord.cin7_id.in_(matching))
             .order_by(ProductRecord.name, ProductRecord.cin7_id).tuples())
    yield from query.iterator()


def remove(hubspot, link_id):
    """PRD-2 Remove: archive the linked HubSpot product (the Cin7 product stays); later runs
    leave it out until it is listed again. Other links refuse: removing customers or
    contacts is not SyncDesk's call."""
    found = Link.get_or_none(Link.id == link_id)
    if found is None or found.entity != "product" or found.system != crm():
        raise ValueError(f"link {link_id} is not a product listed in HubSpot")
    hubspot.archive("products", [found.remote_id])
    with atomic_write():
        Link.delete().where(Link.system == crm(), Link.cin7_id == found.cin7_id,
                            Link.entity == "product_stock").execute()
        Link.update(state="removed", remote_id=None, fingerprint=None,
                    updated_at=utcnow()).where(Link.id == found.id).execute()
    return found
