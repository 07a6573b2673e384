"""Links: which remote record each Cin7 record is paired with, and what was last written."""

from peewee import EXCLUDED, fn

from core.store import Link, atomic_write, utcnow

_UPDATED = ("remote_type", "remote_id", "remote_key", "fingerprint", "name", "updated_at")


def for_records(system, keys):
    """Links of (entity, cin7 id) pairs, as a dict keyed the same way."""
    found = {}
    keys = list(keys)
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        ids = {cin7_id for _, cin7_id in chunk}
        for link in Link.select().where(Link.system == system, Link.cin7_id.in_(ids)):
            found[(link.entity, link.cin7_id)] = link
    return found


def email_owners(system, emails):
    """E-mail -> remote contact id, for contacts SyncDesk wrote (CUS-2 sharing)."""
    owners, emails = {}, list(emails)
    for start in range(0, len(emails), 500):
        query = Link.select(Link.remote_key, Link.remote_id).where(
            Link.system == system, Link.remote_type == "contact",
            Link.remote_key.in_(emails[start:start + 500]), Link.fingerprint.is_null(False))
        owners.update({link.remote_key: link.remote_id for link in query})
    return owners


def _upsert(rows):
    if not rows:
        return
    with atomic_write():
        for start in range(0, len(rows), 200):
            Link.insert_many(rows[start:start + 200]).on_conflict(
                conflict_target=[Link.entity, Link.cin7_id, Link.system],
                update={getattr(Link, f): getattr(EXCLUDED, f) for f in _UPDATED}).execute()


def _row(system, write, fingerprint):
    key = write.key if write.id_property == "email" else None
    return {"entity": write.entity, "cin7_id": write.cin7_id, "system": system,
            "remote_type": write.kind, "remote_id": write.remote_id, "remote_key": key,
            "fingerprint": fingerprint, "name": write.name[:250], "updated_at": utcnow(),
            "listed_at": utcnow()}


def save_writes(system, writes):
    """Remember what was written, so an unchanged record costs no write next time."""
    _upsert([_row(system, w, w.fingerprint) for w in writes])


def save_shared(system, writes):
    """Link records that share a remote record another link writes (no fingerprint)."""
    _upsert([_row(system, w, None) for w in writes])


def parents(system, cin7_ids):
    out, cin7_ids = {}, list(cin7_ids)
    for start in range(0, len(cin7_ids), 500):
        query = Link.select(Link.cin7_id, Link.parent_remote_id).where(
            Link.system == system, Link.entity == "contact",
            Link.cin7_id.in_(cin7_ids[start:start + 500]))
        out.update({link.cin7_id: link.parent_remote_id for link in query})
    return out


def set_parents(system, pairs):
    """Record that each contact is associated with its company."""
    with atomic_write():
        for cin7_id, parent in pairs:
            Link.update(parent_remote_id=parent).where(
                Link.system == system, Link.entity == "contact", Link.cin7_id == cin7_id).execute()


def save(system, entity, cin7_id, remote_type, remote_id, name="", remote_key=None,
         fingerprint=None, state="linked", detail=""):
    """Create or replace one link."""
    row = {"entity": entity, "cin7_id": cin7_id, "system": system, "remote_type": remote_type,
           "remote_id": remote_id, "remote_key": remote_key, "fingerprint": fingerprint,
           "name": name[:250], "updated_at": utcnow(), "listed_at": utcnow()}
    with atomic_write():
        Link.insert(**row, state=state, detail=detail).on_conflict(
            conflict_target=[Link.entity, Link.cin7_id, Link.system],
            update={**{getattr(Link, f): getattr(EXCLUDED, f) for f in _UPDATED},
                    Link.state: state, Link.detail: detail}).execute()


def unlink(link_id):
    """Forget a link (and, for a customer, its contacts' links); nothing changes remotely."""
    link = Link.get_or_none(Link.id == link_id)
    if link is None:
        return 0
    with atomic_write():
        return Link.delete().where(Link.id == link_id).execute()


def search(text="", system=None, entity=None, page=1, per_page=50):
    """Links whose name or ids contain `text`, newest first; returns (rows, total)."""
    query = Link.select()
    if system:
        query = query.where(Link.system == system)
    if entity:
        query = query.where(Link.entity == entity)
    if text:
        like = f"%{text.lower()}%"
        query = query.where(fn.LOWER(Link.name) ** like | (Link.cin7_id ** like) |
                            (Link.remote_id ** like) | (Link.remote_key ** like))
    total = query.count()
    rows = list(query.order_by(Link.updated_at.desc(), Link.id.desc()).paginate(page, per_page))
    return rows, total


def forget_system(system):
    """Disconnect (CON-3): every link SyncDesk holds for `system`."""
    with atomic_write():
        return Link.delete().where(Link.system == system).execute()
