"""The Cin7 customers as the JOOR flows see them: read, listed, downloaded as CSV.

Reading stores each customer's JOOR payload and its fingerprint (JoorCustomer), so the
upload list (JOOR-2: Active, not yet in JOOR) and the update list (JOOR-3: uploaded or
matched, changed since their last push) are a query, not a pass over Cin7's API.
"""

import re

from peewee import JOIN, fn

from core.connectors.joor import connection_payload, fingerprint
from core.joor.models import JoorCustomer, MatchProposal
from core.store import Link, atomic_write, utcnow

SYSTEM, ENTITY = "joor", "customer"
STATE_WORDS = {"queued": "queued", "pending": "pending JOOR match", "connected": "connected",
               "failed": "failed"}
CSV_COLUMNS = ["Cin7 id", "Name", "Customer code", "E-mail", "City", "Postcode", "Country",
               "JOOR state", "Detail"]


def customer_code(customer, field="ID"):
    """The JOOR customer code of a Cin7 customer: the value of the chosen Cin7 field."""
    if field.startswith("AdditionalAttribute"):
        value = customer.attributes.get(field)
    else:
        attribute = "id" if field == "ID" else re.sub(r"(?<!^)(?=[A-Z])", "_", field).lower()
        value = getattr(customer, attribute, None)
    return str(value or "").strip()[:50]


def row_of(customer, code_field="ID", now=None):
    """What is kept of one Cin7 customer (a JoorCustomer row, as a dict)."""
    code = customer_code(customer, code_field)
    payload = connection_payload(customer, code)
    address = customer.main_address("Billing", "Business", "Shipping")
    return {"cin7_id": customer.id, "name": customer.name[:250], "status": customer.status,
            "code": code, "email": payload["customer_contact_email"][:250],
            "city": address.city if address else "", "postcode": address.postcode if address else "",
            "country": address.country if address else "", "payload": payload,
            "fingerprint": fingerprint(payload), "modified": customer.modified,
            "party": {"emails": [c.email for c in customer.contacts if c.email]}, "read_at": now}


def save(customers, code_field="ID"):
    """Remember these Cin7 customers (one page) as read now."""
    now = utcnow()
    rows = [row_of(c, code_field, now) for c in customers]
    with atomic_write():
        for start in range(0, len(rows), 200):
            JoorCustomer.insert_many(rows[start:start + 200]).on_conflict_replace().execute()
    return len(rows)


def refresh(cin7, code_field="ID", progress=None, page_size=1000):
    """Read every Cin7 customer; returns how many."""
    count = 0
    for number, total, customers in cin7.customer_pages(page_size=page_size):
        count += save(customers, code_field)
        if progress:
            progress.phase(f"reading Cin7 customers (page {number})", total=total)
            progress.add(read=len(customers))
    return count


def read_at():
    """When the customers were last read, or None."""
    return JoorCustomer.select(fn.MAX(JoorCustomer.read_at)).scalar()


def _joined(search=""):
    on = ((Link.cin7_id == JoorCustomer.cin7_id) & (Link.system == SYSTEM)
          & (Link.entity == ENTITY))
    query = JoorCustomer.select(JoorCustomer, Link).join(Link, JOIN.LEFT_OUTER, on=on)
    if search:
        query = query.where(fn.LOWER(JoorCustomer.name).contains(search.strip().lower()))
    return query


def to_upload(search=""):
    """Active customers not in JOOR yet (never sent, or refused last time).

    A customer whose match with a JOOR connection waits for a person is held back: it may
    be in JOOR already, and uploading it would make a duplicate."""
    return (_joined(search).where(JoorCustomer.status == "Active",
                                  Link.id.is_null() | (Link.state == "failed"),
                                  JoorCustomer.cin7_id.not_in(under_review()))
            .order_by(fn.LOWER(JoorCustomer.name)))


def under_review():
    """Cin7 ids with an open match question (a subquery)."""
    return MatchProposal.select(MatchProposal.cin7_id).where(
        MatchProposal.status.in_(("review", "alternative")))


def to_update(search=""):
    """Customers uploaded or matched before whose JOOR payload changed since the last push."""
    return (_joined(search).where(Link.state.in_(("pending", "connected")),
                                  Link.fingerprint.is_null()
                                  | (Link.fingerprint != JoorCustomer.fingerprint))
            .order_by(fn.LOWER(JoorCustomer.name)))


def in_joor(search="", state=None):
    """Customers with a JOOR state (queued, pending, connected, failed)."""
    query = _joined(search).where(Link.id.is_null(False))
    if state:
        query = query.where(Link.state == state)
    return query.order_by(fn.LOWER(JoorCustomer.name))


def page(query, number=1, per_page=50):
    """(rows, total) of one page of a list."""
    return list(query.paginate(number, per_page)), query.count()


def link_of(row):
    """The JOOR link joined to a listed row, or None."""
    link = getattr(row, "link", None)
    return None if link is None or link.id is None else link


def state_of(row):
    """The JOOR state of a listed row in words, and its detail."""
    link = link_of(row)
    if link is None:
        return "not in JOOR", ""
    return STATE_WORDS.get(link.state, link.state), link.detail


def csv_rows(rows):
    """The rows of a list as spreadsheet rows, in CSV_COLUMNS' order."""
    for row in rows:
        state, detail = state_of(row)
        yield [row.cin7_id, row.name, row.code, row.email, row.city, row.postcode,
               row.country, state, detail]


def get(cin7_ids):
    """{cin7 id: JoorCustomer} for these ids."""
    found, cin7_ids = {}, list(cin7_ids)
    for start in range(0, len(cin7_ids), 500):
        for row in JoorCustomer.select().where(JoorCustomer.cin7_id.in_(cin7_ids[start:start + 500])):
            found[row.cin7_id] = row
    return found
