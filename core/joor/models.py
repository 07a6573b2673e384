"""What SyncDesk keeps for the JOOR flows, besides the links (core.store.Link, system "joor").

- JoorCustomer: the Cin7 customers as last read, with the JOOR payload each would send, so
  the upload and update lists are instant, filterable and downloadable.
- JoorConnection: the temporary copy of JOOR's connections a match works on (JOOR-4).
- MatchProposal: a Cin7 customer / JOOR connection pair with its score, reasons and the
  decision taken (linked automatically, to review, confirmed, rejected). A rejected pair is
  remembered, so it is never proposed again.
- JoorJob: one bulk-connection job and the customers in it, followed until it finishes.
"""

from peewee import AutoField, CharField, DateTimeField, IntegerField, TextField

from core.store import BaseModel, JSONField, utcnow


class JoorCustomer(BaseModel):
    cin7_id = CharField(primary_key=True)
    name = CharField(default="")
    status = CharField(default="Active")
    code = CharField(default="")  # JOOR customer code it would get (joor.customer_code_field)
    email = CharField(default="")
    city = CharField(default="")
    postcode = CharField(default="")
    country = CharField(default="")
    payload = JSONField(null=True)  # the bulk-connection body of this customer
    fingerprint = CharField(default="")
    party = JSONField(null=True)  # what matching compares (all e-mails, address)
    modified = DateTimeField(null=True)
    read_at = DateTimeField(default=lambda: utcnow())

    class Meta:
        indexes = ((("name",), False),)


class JoorConnection(BaseModel):
    code = CharField(primary_key=True)  # customer_code
    name = CharField(default="")
    email = CharField(default="")
    connection_id = CharField(default="")
    city = CharField(default="")
    postcode = CharField(default="")
    country = CharField(default="")
    state = CharField(default="")
    comment = TextField(default="")
    downloaded_at = DateTimeField(default=lambda: utcnow())


class MatchProposal(BaseModel):
    id = AutoField()
    run_id = IntegerField(null=True)
    cin7_id = CharField()
    cin7_name = CharField(default="")
    joor_code = CharField()
    joor_name = CharField(default="")
    score = IntegerField(default=0)
    reasons = JSONField(null=True)
    # linked (certain, linked by the match), review (put to a person), alternative (another
    # candidate of a customer under review), confirmed, rejected, closed (no longer asked)
    status = CharField(default="review")
    skips = IntegerField(default=0)  # "Another one" moves a pair back in the queue
    asked_at = DateTimeField(null=True)  # on show in a Slack message since then
    decided_by = CharField(default="")
    decided_at = DateTimeField(null=True)
    created_at = DateTimeField(default=lambda: utcnow())

    class Meta:
        indexes = ((("cin7_id", "joor_code"), True), (("status", "skips", "score"), False))


class JoorJob(BaseModel):
    id = AutoField()
    job_id = CharField(null=True)  # JOOR's bulk_connections_job_id, once accepted
    kind = CharField()  # upload, update
    status = CharField(default="queued")  # JOOR's: queued, started, finished
    customers = JSONField(null=True)  # [cin7 ids]
    run_id = IntegerField(null=True)
    message = TextField(default="")
    created_at = DateTimeField(default=lambda: utcnow())
    checked_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)


MODELS = [JoorCustomer, JoorConnection, MatchProposal, JoorJob]


def create_tables(database, migrator=None):
    """Migration step (core/schema.py): the JOOR tables."""
    database.create_tables(MODELS, safe=True)
