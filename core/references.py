"""Cin7's reference books (price tiers, locations, payment terms …) as last read (SET-2).

The settings page offers these names as choices; they are read from Cin7 on demand, not on
each page view.
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


def every():
    """Every cached reference book: {kind: names}, and when they were read."""
    rows = list(ReferenceList.select())
    return ({row.kind: row.names for row in rows},
            max((row.fetched_at for row in rows), default=None))


def refresh(cin7):
    """Read every reference book from Cin7 into the cache; returns {kind: count}."""
    fetched = {kind: cin7.reference(kind) for kind in REFERENCE_LISTS}
    with atomic_write():
        for kind, found in fetched.items():
            ReferenceList.replace(kind=kind, names=found, fetched_at=utcnow()).execute()
    return {kind: len(found) for kind, found in fetched.items()}


def forget():
    """Drop the cache (Cin7 disconnected)."""
    with atomic_write():
        ReferenceList.delete().execute()
