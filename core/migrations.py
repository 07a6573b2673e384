"""Schema versions. A new column goes in a new step here, so an upgrade keeps the data."""

from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from core import store

# Each step receives (database, migrator). Step 1 creates the first schema.
STEPS = [
    lambda database, migrator: database.create_tables(store.MODELS, safe=True),
]


def _migrator(database):
    if isinstance(database, store.SqliteDatabase):
        return SqliteMigrator(database)
    return PostgresqlMigrator(database)


def current_version(database):
    if not database.table_exists("setting"):
        return 0
    row = store.Setting.get_or_none(store.Setting.key == "schema_version")
    return row.value if row else 0


def upgrade(database):
    """Apply the steps this database has not seen yet."""
    version = current_version(database)
    for number, step in enumerate(STEPS[version:], start=version + 1):
        with database.atomic():
            step(database, _migrator(database))
            store.Setting.replace(key="schema_version", value=number).execute()
    return len(STEPS)


__all__ = ["upgrade", "migrate"]
