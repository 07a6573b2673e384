"""Keyset pages over the panel's local copies of Cin7 records (customers, products).

The panel must list every Cin7 record, synced or not, and stay fast with 100,000 of them;
asking Cin7 on each page view would take minutes and burn its rate limit. So each entity
keeps a copy of what it read from Cin7 (its `listing` module) and reads whether a record is
synced from its link at query time, never copied. This module holds what both share.
"""

import datetime
from dataclasses import dataclass

from peewee import JOIN, Tuple, fn

from core import settings
from core.store import Link, Pending, atomic_write, utcnow

PER_PAGE = 50


@dataclass
class Page:
    """One page of records and how to reach its neighbours (keyset: by name, then id)."""

    rows: list
    total: int
    first: str | None = None  # id of the first row: the next page back ends before it
    last: str | None = None  # id of the last row: the next page starts after it
    has_previous: bool = False
    has_next: bool = False


@dataclass(frozen=True)
class Copy:
    """One entity's copy of Cin7 records: its table, how a record becomes a row, how Cin7's
    pages of them are read, and which links say it is synced."""

    model: object
    noun: str  # customers, products, sales
    row: object  # (record, now) -> dict of the model's columns
    pages: object  # (cin7, since) -> Cin7's pages of records changed since then
    entity: str  # the links' entity: customer, product, sale
    text_match: object  # (text, like pattern) -> the condition a search keeps rows by
    read: object  # (ids) -> the page's rows as dicts, in the order given
    shown: object = None  # a further condition on the link for a record to count as listed

    def save(self, records, now=None):
        """Insert or replace these records in the copy."""
        return save(self.model, [self.row(r, now or utcnow()) for r in records])

    def refresh(self, cin7, full=False):
        """Copy Cin7's records here: those changed since the last refresh, or all."""
        return refresh(self.model, lambda since: self.pages(cin7, since), self.save, full)

    def summary(self):
        """How many records the copy holds and when it was last refreshed."""
        return summary(self.model, self.noun)

    def link_join(self):
        """The join to each record's own link in the connected CRM."""
        join = ((Link.cin7_id == self.model.cin7_id) & (Link.entity == self.entity)
                & (Link.system == settings.crm()))
        return join if self.shown is None else join & self.shown

    def get(self, cin7_id):
        return self.model.get_or_none(self.model.cin7_id == cin7_id)

    def matching(self, text="", listed=None, status=None):
        """The records matching the filters (unordered): listed in HubSpot or not, the Cin7
        status, text in what `text_match` reads."""
        query = self.model.select(self.model.cin7_id)
        if listed is True:
            query = query.join(Link, on=self.link_join())
        elif listed is False:
            query = query.join(Link, JOIN.LEFT_OUTER, on=self.link_join()).where(
                Link.id.is_null())
        if status:
            query = query.where(self.model.status == status)
        if text:
            query = query.where(self.text_match(text, f"%{text}%"))
        return query

    def search(self, text="", listed=None, status=None, after=None, before=None, last=False,
               per_page=PER_PAGE):
        """A page of records with their HubSpot links, in name order (keyset: `search`)."""
        text = (text or "").strip()
        anchor = self.get(after or before) if (after or before) else None
        return search(self.model, self.matching(text, listed, status), text, anchor, before,
                      last, per_page, self.read, listed is not None or bool(status))

    def forget(self):
        """Drop the copy (Cin7 disconnected)."""
        with atomic_write():
            self.model.delete().execute()


def save(model, rows):
    """Insert or replace `rows` (dicts) in `model`'s table; returns how many."""
    with atomic_write():
        for start in range(0, len(rows), 200):
            model.replace_many(rows[start:start + 200]).execute()
    return len(rows)


def refresh(model, pages, save_records, full):
    """Copy Cin7's records of one kind here: changed since the last copy, or all.

    `pages(modified_since)` reads Cin7 page by page; returns how many records were saved.
    """
    since = None
    if not full:
        latest = model.select(fn.MAX(model.modified)).scalar()
        since = latest - datetime.timedelta(minutes=2) if latest else None
    return sum(save_records(records) for _, _, records in pages(since))


def summary(model, noun):
    """How many records the copy holds and when it was last refreshed."""
    return {noun: model.select().count(),
            "refreshed_at": model.select(fn.MAX(model.refreshed_at)).scalar()}


def search(model, query, text, anchor, before, last, per_page, read, filtered):
    """A page of `query`'s records in name order, read by `read(ids)`.

    `anchor` is a row of the page seen before (`before` it, or after it); `last` asks for
    the end of the list. Each page costs about its own size however deep it is (keyset);
    only the total needs a pass over the rows matching a filter.
    """
    backwards = bool(before and anchor) or (last and not anchor)
    if text:
        ids, total = _searched_page(model, query, anchor, bool(before), backwards, per_page)
    else:
        total = query.count() if filtered else model.select().count()
        ids = _walked_page(model, query, anchor, bool(before), backwards, per_page)
    more, ids = len(ids) > per_page, ids[:per_page]
    if backwards:
        ids.reverse()
    page = Page(read(ids) if ids else [], total, ids[0] if ids else None,
                ids[-1] if ids else None)
    page.has_previous = more if backwards else bool(anchor)
    page.has_next = bool(anchor) if backwards else more
    return page


def _beyond(key, anchor, before):
    value = Tuple(anchor.name, anchor.cin7_id)
    return key < value if before else key > value


def _walked_page(model, query, anchor, before, backwards, per_page):
    """Up to per_page + 1 ids from the (name, cin7_id) index, next to `anchor`."""
    columns = (model.name, model.cin7_id)  # the (name, cin7_id) index
    if anchor:
        query = query.where(_beyond(Tuple(*columns), anchor, before))
    order = [c.desc() for c in columns] if backwards else columns
    return [r.cin7_id for r in query.order_by(*order).limit(per_page + 1)]


def _searched_page(model, query, anchor, before, backwards, per_page):
    """Ids next to `anchor` and the number of matches, from one pass over the table.

    A search reads every row once (a scan, ~40 ms per 100,000 customers); counting in the
    same pass (a window function) saves a second one, and sorting only the matches avoids
    walking the name index, which would read the table one random row at a time.
    """
    matched = query.select(model.cin7_id, model.name,
                           fn.COUNT(model.cin7_id).over().alias("matches")).alias("m")
    columns = (matched.c.name, matched.c.cin7_id)
    page = model.select(matched.c.cin7_id, matched.c.matches).from_(matched)
    if anchor:
        page = page.where(_beyond(Tuple(*columns), anchor, before))
    order = [c.desc() for c in columns] if backwards else columns
    rows = list(page.order_by(*order).limit(per_page + 1).tuples())
    total = rows[0][1] if rows else query.count()
    return [cin7_id for cin7_id, _ in rows], total


def in_order(records, ids):
    """`records` sorted as `ids` lists their cin7_id."""
    position = {cin7_id: i for i, cin7_id in enumerate(ids)}
    return sorted(records, key=lambda r: position[r.cin7_id])


def pending(entity, direction, ids):
    """The records of `ids` whose last attempt failed and wait for a retry."""
    return list(Pending.select().where(Pending.entity == entity, Pending.direction == direction,
                                       Pending.record_id.in_(list(ids))))


def joined_link(row, entity):
    """The Link joined into `row` (its columns flattened by .objects()), or None."""
    if row.link_id is None:
        return None
    return Link(id=row.link_id, entity=entity, cin7_id=row.cin7_id, system=settings.crm(),
                remote_type=row.remote_type, remote_id=row.remote_id, listed_at=row.listed_at,
                state=row.state)
