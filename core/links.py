"""Links: which remote record each Cin7 record is paired with, and what was last written."""

from peewee import EXCLUDED, fn

from core.store import Link, atomic_write, db, utcnow

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


def email_owners(system, emails, remote_type="contact"):
    """E-mail -> remote contact (Capsule: person) id, for those SyncDesk wrote (CUS-2)."""
    owners, emails = {}, list(emails)
    for start in range(0, len(emails), 500):
        query = Link.select(Link.remote_key, Link.remote_id).where(
            Link.system == system, Link.remote_type == remote_type,
            Link.remote_key.in_(emails[start:start + 500]), Link.fingerprint.is_null(False))
        owners.update({link.remote_key: link.remote_id for link in query})
    return owners


COLUMNS = ("entity", "cin7_id", "system", "remote_type", "remote_id", "remote_key",
           "fingerprint", "parent_remote_id", "name", "state", "detail", "listed_at",
           "updated_at")


def _upsert(rows):
    """Insert or update many links in one statement per batch.

    Written as plain SQL with executemany: building a peewee query per row costs more than
    the HTTP calls for a 10,000-customer export. The syntax is the same on SQLite and
    PostgreSQL.
    """
    if not rows:
        return
    param = db.obj.param
    updated = ", ".join(f'"{c}" = excluded."{c}"'
                        for c in _UPDATED + ("parent_remote_id", "state", "detail"))
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    params = ", ".join([param] * len(COLUMNS))
    sql = (f'INSERT INTO "link" ({columns}) VALUES ({params}) '
           f'ON CONFLICT ("entity", "cin7_id", "system") DO UPDATE SET {updated}')
    now = str(utcnow())
    values = [tuple(row.get(c, "" if c in ("name", "detail") else None) for c in COLUMNS[:-2])
              + (now, now) for row in rows]
    with atomic_write():
        cursor = db.cursor()
        for start in range(0, len(values), 1000):
            cursor.executemany(sql, values[start:start + 1000])


def save_page(system, writes):
    """Remember what a page wrote and linked, so an unchanged record costs no write next time.

    A contact sharing another's e-mail is saved without fingerprint: it never writes the
    HubSpot contact's properties.
    """
    _upsert([{"entity": w.entity, "cin7_id": w.cin7_id, "system": system,
              "remote_type": w.kind, "remote_id": w.remote_id,
              "remote_key": w.key if w.id_property == "email" else None,
              "fingerprint": None if w.action == "link" else w.fingerprint,
              "parent_remote_id": w.parent, "name": (w.name or "")[:250], "state": "linked"}
             for w in writes])


def save_rows(system, rows):
    """Create or replace many links given as dicts of Link columns (entity, cin7_id, …)."""
    _upsert([{"system": system, "state": "linked", **row} for row in rows])


def children(system, entity, parent_ids):
    """Links of `entity` whose parent is one of `parent_ids` (a deal's line items)."""
    found, parent_ids = [], [p for p in parent_ids if p]
    for start in range(0, len(parent_ids), 500):
        found += list(Link.select().where(Link.system == system, Link.entity == entity,
                                          Link.parent_remote_id.in_(parent_ids[start:start + 500])))
    return found


def save_many(system, entity, remote_type, rows):
    """Create or replace many links at once: rows of (cin7 id, remote id, name, fingerprint)."""
    _upsert([{"entity": entity, "cin7_id": cin7_id, "system": system, "remote_type": remote_type,
              "remote_id": remote_id, "name": (name or "")[:250], "fingerprint": print_,
              "state": "linked"} for cin7_id, remote_id, name, print_ in rows])


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


def forget(system, entity, cin7_ids):
    """Forget these links (their remote records are gone)."""
    ids = list(cin7_ids)
    with atomic_write():
        for start in range(0, len(ids), 500):
            Link.delete().where(Link.system == system, Link.entity == entity,
                                Link.cin7_id.in_(ids[start:start + 500])).execute()


def forget_system(system):
    """Disconnect (CON-3): every link SyncDesk holds for `system`."""
    with atomic_write():
        return Link.delete().where(Link.system == system).execute()
