"""Plans: what to write for each record, decided without I/O so a dry run shows the same.

A plan is a list of writes (create / update / link / skip, with a reason) and the records
that failed a check, each failure naming the record and the field.
"""

import hashlib
import json
from dataclasses import dataclass, field


def fingerprint(properties):
    return hashlib.sha256(json.dumps(properties, sort_keys=True).encode()).hexdigest()[:20]


@dataclass
class Write:
    """One HubSpot object to create, update, link or leave alone."""

    kind: str  # company, contact, product
    entity: str  # link entity: customer, contact, product
    cin7_id: str
    record_id: str  # the Cin7 record a failure or a retry refers to (a customer, a product)
    label: str  # how a failure names it: "customer 'X', contact 'Y'"
    name: str
    action: str  # create, update, link, skip
    key: str = ""  # upsert key: Cin7 id or e-mail
    id_property: str = ""  # the unique property upserts use; "" = update by id
    properties: dict = field(default_factory=dict)
    fingerprint: str | None = None
    remote_id: str | None = None
    company_of: str | None = None  # customer id whose company this contact belongs to
    reason: str = ""
    parent: str | None = None  # the company this contact is associated with, as last saved
    saved_parent: str | None = None
    ok: bool = False  # written, linked or unchanged in this run
    created: bool = False  # the remote made a new record for it in this run


@dataclass
class Plan:
    writes: list = field(default_factory=list)
    failures: list = field(default_factory=list)  # (record, RecordError)

    def count(self, action):
        return sum(1 for w in self.writes if w.action == action)


def planned(kind, entity, cin7_id, record_id, label, name, props, link, id_property, key,
            force=False):
    """The write for `props`: create when not linked, skip when what was last written is
    the same (unless forced), update otherwise."""
    write = Write(kind=kind, entity=entity, cin7_id=cin7_id, record_id=record_id, label=label,
                  name=name, action="create", key=key, id_property=id_property,
                  properties=props, fingerprint=fingerprint(props))
    if link is not None and getattr(link, "state", "linked") == "removed" and not force:
        write.action, write.reason = "skip", "removed from HubSpot: list it again to export it"
        return write
    if link is not None and link.remote_id:
        write.remote_id = link.remote_id
        write.parent = write.saved_parent = getattr(link, "parent_remote_id", None)
        unchanged = link.fingerprint == write.fingerprint and not force
        write.action = "skip" if unchanged else "update"
        write.reason = "unchanged since the last write" if unchanged else ""
    return write
