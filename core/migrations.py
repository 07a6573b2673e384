"""Schema versions. A new column goes in a new step here, so an upgrade keeps the data."""

from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from core import store

# Each step receives (database, migrator). Step 1 creates the first schema.
STEPS = [
    lambda database, migrator: database.create_tables(store.MODELS, safe=True),
    lambda database, migrator: database.create_tables([_leases().Lease], safe=True),
    lambda database, migrator: database.create_tables(_panel_models(), safe=True),
    lambda database, migrator: _joor().create_tables(database),  # JOOR-2..4
    # Columns and tables added after the first release of the schema.
    lambda database, migrator: (
        add_missing_columns(database, migrator, store.Run, ["owner"]),
        add_missing_columns(database, migrator, store.RateBucket, ["log"]),
        database.create_tables([store.Pending], safe=True)),
    lambda database, migrator: database.create_tables(_catalog().PRODUCT_MODELS, safe=True),
]


def add_missing_columns(database, migrator, model, names):
    """Add `model`'s fields `names` where the table lacks them (a fresh table already has them)."""
    table = model._meta.table_name
    present = {c.name for c in database.get_columns(table)}
    operations = [migrator.add_column(table, name, model._meta.fields[name])
                  for name in names if name not in present]
    if operations:
        migrate(*operations)


def _joor():
    from core import joor_store  # JOOR: Cin7 customers read, connections, proposals, jobs

    return joor_store


def _panel_models():
    from core import accounts, catalog  # the panel's admins, sign-in attempts, Cin7 catalogue

    return accounts.MODELS + catalog.MODELS


def _catalog():
    from core import catalog  # the panel's Cin7 catalogue: products (PRD-1, PRD-2)

    return catalog


def _leases():
    from core import leases  # imported late: it defines its model on the store's base

    return leases


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


__all__ = ["upgrade", "add_missing_columns"]
