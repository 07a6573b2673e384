"""Match Cin7 customers with JOOR connections (JOOR-4), and the decisions people take.

`run` downloads the connections into the temporary store, matches them with the Cin7
customers that have no JOOR link yet, links the certain pairs and keeps the doubtful ones
as proposals. `confirm`, `reject` and `skip` are the Confirm / Reject / "Another one"
buttons of Slack and the panel; both read and write the same MatchProposal rows. A linked
customer is never uploaded, so matching first means no duplicate in JOOR.
"""

from peewee import EXCLUDED, JOIN

from core import links
from core.joor import customers as joor_customers
from core.joor import matching
from core.joor.models import JoorConnection, JoorCustomer, MatchProposal
from core.store import Link, atomic_write, utcnow

SYSTEM, ENTITY = joor_customers.SYSTEM, joor_customers.ENTITY
OPEN = ("review", "alternative")


def download(joor, progress=None):
    """Replace the temporary copy of JOOR's connections; returns how many."""
    rows, now = [], utcnow()
    for number, page in enumerate(joor.connection_pages(), start=1):
        rows += [{"code": c.code, "name": c.name[:250], "email": c.email[:250],
                  "connection_id": c.connection_id, "city": c.city, "postcode": c.postcode,
                  "country": c.country, "state": c.state, "comment": c.comment,
                  "downloaded_at": now} for c in page if c.code]
        if progress:
            progress.phase(f"downloading JOOR connections (page {number})")
    with atomic_write():
        JoorConnection.delete().execute()
        for start in range(0, len(rows), 200):
            JoorConnection.insert_many(rows[start:start + 200]).on_conflict_replace().execute()
    return len(rows)


def customer_party(row):
    """A JoorCustomer row as matching compares it."""
    return matching.Party(id=row.cin7_id, name=row.name, code=row.code,
                          emails=tuple((row.party or {}).get("emails") or ()), city=row.city,
                          postcode=row.postcode, country=row.country)


def connection_party(connection):
    """A JOOR Connection (or its stored copy) as matching compares it."""
    return matching.Party(id=connection.code, name=connection.name, code=connection.code,
                          emails=(connection.email,) if connection.email else (),
                          city=connection.city, postcode=connection.postcode,
                          country=connection.country)


def _unlinked_customers():
    on = ((Link.cin7_id == JoorCustomer.cin7_id) & (Link.system == SYSTEM)
          & (Link.entity == ENTITY))
    return (JoorCustomer.select().join(Link, JOIN.LEFT_OUTER, on=on)
            .where(JoorCustomer.status == "Active", Link.id.is_null() | (Link.state == "failed")))


def _unlinked_connections():
    taken = Link.select(Link.remote_key).where(Link.system == SYSTEM, Link.entity == ENTITY,
                                               Link.remote_key.is_null(False))
    return JoorConnection.select().where(JoorConnection.code.not_in(taken))


def run(progress=None, thresholds=None, run_id=None):
    """Match what is downloaded; returns {"linked", "review", "unmatched", "connections"}."""
    customers = {r.cin7_id: r for r in _unlinked_customers()}
    connections = {c.code: c for c in _unlinked_connections()}
    rejected = {(p.cin7_id, p.joor_code) for p in
                MatchProposal.select().where(MatchProposal.status == "rejected")}
    if progress:
        progress.phase(f"matching {len(customers)} customers with {len(connections)} "
                       "JOOR connections", total=len(customers))
    outcome = matching.match([customer_party(r) for r in customers.values()],
                             [connection_party(c) for c in connections.values()],
                             rejected, thresholds or matching.Thresholds())
    with atomic_write():
        MatchProposal.update(status="closed").where(MatchProposal.status.in_(OPEN)).execute()
        for pair in outcome.linked:
            _link(customers[pair.cin7.id], connections[pair.joor.id],
                  "matched automatically: " + "; ".join(pair.reasons))
        _propose(outcome.linked, "linked", run_id)
        _propose(outcome.review, "review", run_id)
        _propose([p for found in outcome.alternatives.values() for p in found], "alternative",
                 run_id)
    summary = {"linked": len(outcome.linked), "review": len(outcome.review),
               "unmatched": len(outcome.unmatched_cin7), "connections": len(connections)}
    if progress:
        progress.add(read=len(customers), done=len(customers), created=summary["linked"],
                     updated=summary["review"], unchanged=summary["unmatched"])
    return summary


def _link(customer, connection, detail):
    """Link a customer to an existing connection: updates go to it, uploads skip it."""
    links.save(SYSTEM, ENTITY, customer.cin7_id, "connection", connection.connection_id or None,
               customer.name, remote_key=connection.code, fingerprint=customer.fingerprint,
               state=connection.state if connection.state in ("pending", "connected", "failed")
               else "connected", detail=detail)


def _propose(pairs, status, run_id):
    rows = [{"run_id": run_id, "cin7_id": p.cin7.id, "cin7_name": p.cin7.name[:250],
             "joor_code": p.joor.id, "joor_name": p.joor.name[:250], "score": p.score,
             "reasons": p.reasons, "status": status, "created_at": utcnow()} for p in pairs]
    for start in range(0, len(rows), 200):
        MatchProposal.insert_many(rows[start:start + 200]).on_conflict(
            conflict_target=[MatchProposal.cin7_id, MatchProposal.joor_code],
            update={MatchProposal.status: status, MatchProposal.score: EXCLUDED.score,
                    MatchProposal.reasons: EXCLUDED.reasons, MatchProposal.run_id: run_id,
                    MatchProposal.cin7_name: EXCLUDED.cin7_name,
                    MatchProposal.joor_name: EXCLUDED.joor_name,
                    MatchProposal.asked_at: None}).execute()  # a new match asks afresh
