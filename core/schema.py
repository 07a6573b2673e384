"""Every table SyncDesk keeps, and its versions: a new column goes in a new step here, so an
upgrade keeps the data. `init(url)` opens the store and brings it up to date."""

from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from core import accounts, leases, references, store
from core.customers.listing import CustomerRecord
from core.events import models as event_models
from core.joor import models as joor_models
from core.products.listing import ProductRecord
from core.sales.listing import SaleRecord

# Each step receives (database, migrator). Step 1 creates the first schema.
STEPS = [
    lambda database, migrator: database.create_tables(store.MODELS, safe=True),
    lambda database, migrator: database.create_tables([leases.Lease], safe=True),
    lambda database, migrator: database.create_tables(  # the panel's admins and lists
        accounts.MODELS + [CustomerRecord, references.ReferenceList], safe=True),
    lambda database, migrator: joor_models.create_tables(database),  # JOOR-2..4
    # Columns and tables added after the first release of the schema.
    lambda database, migrator: (
        add_missing_columns(database, migrator, store.Run, ["owner"]),
        add_missing_columns(database, migrator, store.RateBucket, ["log"]),
        database.create_tables([store.Pending], safe=True)),
    lambda database, migrator: database.create_tables([ProductRecord], safe=True),
    lambda database, migrator: database.create_tables([SaleRecord], safe=True),  # sales
    lambda database, migrator: event_models.create_tables(database),  # EXT-4 event webhooks
    lambda database, migrator: add_missing_columns(database, migrator, accounts.Admin,
                                                   ["session_version"]),
]


def add_missing_columns(database, migrator, model, names):
    """Add `model`'s fields `names` where the table lacks them (a fresh table already has them)."""
    table = model._meta.table_name
    present = {c.name for c in database.get_columns(table)}
    operations = [migrator.add_column(table, name, model._meta.fields[name])
                  for name in names if name not in present]
    if operations:
        migrate(*operations)


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


def init(url):
    """Bind the store to `url` and bring the schema up to date; returns the database."""
    database = store.open_database(url)
    store.db.initialize(database)
    store.db.connect(reuse_if_open=True)
    upgrade(database)
    return database
