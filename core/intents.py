"""Intents: a create about to be sent to a system without upsert (Cin7, JOOR).

Written before the create and deleted once its answer is linked, an intent left behind says
"this may have landed": the next run looks the record up by its natural key (name, SKU,
customer code) before sending it again, so a lost answer never makes a duplicate.
"""

from core.errors import ServiceError
from core.store import Intent, atomic_write


def intend(system, entity, items, run_id=None):
    """Record intents for `items`: [(source id, natural key)]."""
    with atomic_write():
        for source_id, natural_key in items:
            Intent.insert(system=system, entity=entity, source_id=source_id,
                          natural_key=natural_key, run_id=run_id).on_conflict_replace().execute()


def done(system, entity, source_ids):
    """The creates of `source_ids` were answered (and linked): forget their intents."""
    ids = list(source_ids)
    for start in range(0, len(ids), 500):
        Intent.delete().where(Intent.system == system, Intent.entity == entity,
                              Intent.source_id.in_(ids[start:start + 500])).execute()


def left(system, entity):
    """Intents a stopped run left behind, oldest first."""
    return list(Intent.select().where(Intent.system == system, Intent.entity == entity)
                .order_by(Intent.id))


def pending(system, entity, source_ids):
    """Which of `source_ids` have an intent left behind: their create may have landed."""
    ids, found = list(source_ids), set()
    for start in range(0, len(ids), 500):
        found |= {i.source_id for i in Intent.select(Intent.source_id).where(
            Intent.system == system, Intent.entity == entity,
            Intent.source_id.in_(ids[start:start + 500]))}
    return found


def create_once(system, entity, source_id, natural_key, create, find, run_id=None,
                attempts=3):
    """Create a record a system cannot deduplicate, at most once: (record, created).

    An intent row goes first; an intent left by an earlier run, or a create whose answer was
    lost (timeout, 5xx), makes `find()` look the record up by its key before anything is
    sent again. The caller links the answer, then calls `done`.
    """
    if pending(system, entity, [source_id]):
        found = find()
        if found is not None:
            return found, False
    intend(system, entity, [(source_id, natural_key)], run_id)
    for attempt in range(1, attempts + 1):
        try:
            return create(), True
        except ServiceError as exc:
            if not exc.retryable or attempt == attempts:
                raise
            found = find()
            if found is not None:
                return found, False
    return None, False  # attempts < 1: nothing sent
