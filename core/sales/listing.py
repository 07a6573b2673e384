"""The panel's sales list: a copy of the Cin7 sales read, with their deals (and, for an
import, the deals that became sales)."""

from peewee import JOIN, CharField, DateTimeField, FloatField

from core import listing
from core.settings import crm
from core.store import BaseModel, Link, utcnow


class SaleRecord(BaseModel):
    """One Cin7 sale as last read: its header."""

    cin7_id = CharField(primary_key=True)
    name = CharField(default="")  # order number and customer: what the list sorts by
    order_number = CharField(default="")
    customer = CharField(default="")
    status = CharField(default="")
    total = FloatField(null=True)
    currency = CharField(default="")
    modified = DateTimeField(null=True)
    refreshed_at = DateTimeField(default=lambda: utcnow())

    class Meta:
        indexes = ((("name", "cin7_id"), False), (("status", "name"), False),
                   (("modified",), False), (("refreshed_at",), False))


def _row(sale, now):
    return {"cin7_id": sale.id, "name": f"{sale.order_number} {sale.customer}".strip()[:250],
            "order_number": (sale.order_number or "")[:100],
            "customer": (sale.customer or "")[:250], "status": sale.status or "",
            "total": sale.order_total if sale.order_total is not None else sale.invoice_total,
            "currency": sale.currency or "", "modified": sale.updated, "refreshed_at": now}


def _text_match(text, like):
    deals = Link.select(Link.cin7_id).where(Link.system == crm(), Link.entity == "sale",
                                            Link.remote_id == text)
    return ((SaleRecord.name ** like) | (SaleRecord.cin7_id == text)
            | SaleRecord.cin7_id.in_(deals))


def _read(ids):
    from_links = {link.cin7_id: link for link in Link.select().where(
        Link.system == crm(), Link.entity == "sale", Link.cin7_id.in_(ids))}
    failing = {p.record_id: p for p in listing.pending("sales", "export", ids)}
    records = listing.in_order(SaleRecord.select().where(SaleRecord.cin7_id.in_(ids)), ids)
    return [{"cin7_id": r.cin7_id, "order_number": r.order_number, "customer": r.customer,
             "status": r.status, "total": r.total, "currency": r.currency,
             "modified": r.modified, "link": from_links.get(r.cin7_id),
             "outcome": failing[r.cin7_id].reason if r.cin7_id in failing else ""}
            for r in records]


COPY = listing.Copy(SaleRecord, "sales", _row,
                    lambda cin7, since: cin7.sale_pages(updated_since=since), "sale",
                    _text_match, _read)
save, refresh, summary, forget, get = COPY.save, COPY.refresh, COPY.summary, COPY.forget, COPY.get
search = COPY.search  # rows: the sale's fields, `link` (its deal's) and `outcome` (failing)


def export_rows(text="", listed=None, status=None):
    """Every sale matching the filters, streamed in order (for the CSV download):
    (cin7_id, order number, customer, status, total, currency, deal id, last exported)."""
    matching = COPY.matching((text or "").strip(), listed, status)
    query = (SaleRecord.select(SaleRecord.cin7_id, SaleRecord.order_number,
                               SaleRecord.customer, SaleRecord.status, SaleRecord.total,
                               SaleRecord.currency, Link.remote_id, Link.updated_at)
             .join(Link, JOIN.LEFT_OUTER, on=COPY.link_join())
             .where(SaleRecord.cin7_id.in_(matching))
             .order_by(SaleRecord.name, SaleRecord.cin7_id).tuples())
    yield from query.iterator()
