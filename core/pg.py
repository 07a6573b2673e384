"""PostgreSQL for the store, with SQLite's INSERT OR REPLACE.

The store writes with `Model.replace(...)`, `replace_many(...)` and `on_conflict_replace()`,
which peewee only supports on SQLite and MySQL. Here a REPLACE becomes PostgreSQL's
`ON CONFLICT (key) DO UPDATE SET <every other column> = EXCLUDED.<column>`, keyed on the
model's primary key, or on its first unique index when the primary key is an auto id.
"""

from peewee import AutoField, CompositeKey, OnConflict, PostgresqlDatabase
from playhouse.db_url import parse


class StorePostgresqlDatabase(PostgresqlDatabase):
    def conflict_update(self, oc, query):
        if (oc._action or "").lower() == "replace" and getattr(query, "model", None):
            oc = as_upsert(query.model)
        return super().conflict_update(oc, query)


def conflict_target(model):
    """The columns a REPLACE of `model` collides on."""
    meta = model._meta
    if isinstance(meta.primary_key, CompositeKey):
        return tuple(meta.fields[name] for name in meta.primary_key.field_names)
    if not isinstance(meta.primary_key, AutoField):
        return (meta.primary_key,)
    for index in meta.indexes:
        if isinstance(index, (tuple, list)) and len(index) == 2 and index[1]:
            return tuple(meta.fields[name] for name in index[0])
    return (meta.primary_key,)


def as_upsert(model):
    target = conflict_target(model)
    keys = {f.name for f in target}
    keep = [f for f in model._meta.sorted_fields
            if f.name not in keys and not isinstance(f, AutoField)]
    if not keep:
        return OnConflict("ignore", conflict_target=target)
    return OnConflict("update", preserve=keep, conflict_target=target)


def connect(url):
    """The store's PostgreSQL database for a postgresql:// (or postgres://) URL."""
    return StorePostgresqlDatabase(**parse(url, unquote_password=True, unquote_user=True))
