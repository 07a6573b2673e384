"""The endpoints events are sent to, and one row per event per endpoint (its deliveries)."""

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from core.store import BaseModel, JSONField, utcnow


class Endpoint(BaseModel):
    id = AutoField()
    url = CharField(max_length=2000)
    events = JSONField(null=True)  # the event types sent to it
    enabled = BooleanField(default=True)
    secret = TextField(default="")  # whsec_…, encrypted under SECRET_KEY (core.connections)
    description = CharField(default="")
    failing_since = DateTimeField(null=True)  # first failed attempt since the last success
    disabled_at = DateTimeField(null=True)  # set when SyncDesk disabled it after a failed day
    disabled_reason = TextField(default="")
    created_at = DateTimeField(default=lambda: utcnow())


class Delivery(BaseModel):
    """One event for one endpoint, with its attempts; `message_id` is the `webhook-id` header,
    the same on every attempt and on "Resend", so a receiver can drop a repeat."""

    id = AutoField()
    endpoint = ForeignKeyField(Endpoint, backref="deliveries", on_delete="CASCADE")
    message_id = CharField(unique=True)
    event_key = CharField()  # what the event is about: emitting it twice makes one row
    event_type = CharField()
    payload = JSONField()
    status = CharField(default="pending")  # pending, sending, retrying, delivered, failed
    attempts = IntegerField(default=0)
    response_code = IntegerField(null=True)
    last_error = TextField(default="")
    created_at = DateTimeField(default=lambda: utcnow())
    window_start = DateTimeField(default=lambda: utcnow())  # retries stop a day after this
    last_attempt_at = DateTimeField(null=True)
    next_attempt_at = DateTimeField(null=True)
    delivered_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("endpoint", "event_key"), True), (("endpoint", "id"), False))


MODELS = [Endpoint, Delivery]


def create_tables(database, migrator=None):
    """Migration step (core/schema.py): the event webhook tables."""
    database.create_tables(MODELS, safe=True)
