"""Reference books as last read: Cin7's price tiers, locations, payment terms … (SET-2),
and HubSpot's deal pipelines (SAL-1).

The settings pages offer these as choices; they are read on demand, not on each page view.
"""

from peewee import CharField, DateTimeField

from core.connectors.cin7 import REFERENCE_LISTS
from core.store import BaseModel, JSONField, atomic_write, utcnow


class ReferenceList(BaseModel):
    """Names in one of Cin7's reference books."""

    kind = CharField(primary_key=True)
    names = JSONField(default=list)
    fetched_at = DateTimeField(default=lambda: utcnow())


def names(kind):
    """The cached names of one Cin7 reference book ([] until read)."""
    row = ReferenceList.get_or_none(ReferenceList.kind == kind)
    return row.names if row else []


def read_at(kind):
    """When one book was last read, or None."""
    row = ReferenceList.get_or_none(ReferenceList.kind == kind)
    return row.fetched_at if row else None


def save(kind, values):
    """Keep what was read of one book (names, or records as dicts)."""
    with atomic_write():
        ReferenceList.replace(kind=kind, names=values, fetched_at=utcnow()).execute()


def every():
    """Every cached Cin7 reference book: {kind: names}, and when they were read."""
    rows = list(ReferenceList.select().where(ReferenceList.kind.in_(list(REFERENCE_LISTS))))
    return ({row.kind: row.names for row in rows},
            max((row.fetched_at for row in rows), default=None))


def refresh(cin7):
    """Read every reference book from Cin7 into the cache; returns {kind: count}."""
    fetched = {kind: cin7.reference(kind) for kind in REFERENCE_LISTS}
    for kind, found in fetched.items():
        save(kind, found)
    return {kind: len(found) for kind, found in fetched.items()}


def forget():
    """Drop the cache (Cin7 disconnected)."""
    with atomic_write():
        ReferenceList.delete().execute()
