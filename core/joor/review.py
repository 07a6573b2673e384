"""Doubtful JOOR matches put to a person: the next ones to ask about, and the decisions.

Confirm links the pair (the customer is then never uploaded: no duplicate in JOOR);
Reject remembers the pair as different (never proposed again) and brings up the customer's
next candidate, if any; "Another one" sends the pair to the back of the queue. Slack's
buttons and the panel's call the same functions, so a pair decided in one is decided in
both; deciding twice is harmless (the second click is told what the first did).
"""

from dataclasses import dataclass

from peewee import fn

from core.joor import customers as joor_customers
from core.joor import match as joor_match
from core.joor.models import JoorConnection, JoorCustomer, MatchProposal
from core.store import Link, atomic_write, utcnow

SYSTEM, ENTITY = joor_customers.SYSTEM, joor_customers.ENTITY


@dataclass
class Decision:
    proposal: MatchProposal
    done: bool  # False: it had been decided already, or is no longer possible
    message: str


def next_pairs(limit=3, exclude=(), unasked=False):
    """The doubtful pairs to ask about next: least skipped, best score first.

    `unasked`: only pairs not on show in a Slack message (see `mark_asked`)."""
    query = (MatchProposal.select().where(MatchProposal.status == "review")
             .order_by(MatchProposal.skips, MatchProposal.score.desc(), MatchProposal.id))
    if exclude:
        query = query.where(MatchProposal.id.not_in(list(exclude)))
    if unasked:
        query = query.where(MatchProposal.asked_at.is_null())
    return list(query.limit(limit))


def mark_asked(proposal_ids, asked=True):
    """Pairs now on show in Slack (or, asked=False, no longer)."""
    with atomic_write():
        MatchProposal.update(asked_at=utcnow() if asked else None).where(
            MatchProposal.id.in_(list(proposal_ids))).execute()


def get(proposal_id):
    return MatchProposal.get_or_none(MatchProposal.id == proposal_id)


def counts():
    """{status: number of pairs}: linked, review, confirmed, rejected, ..."""
    query = MatchProposal.select(MatchProposal.status, fn.COUNT(MatchProposal.id).alias("n"))
    return {row.status: row.n for row in query.group_by(MatchProposal.status)}


def _taken(proposal):
    """Why the pair can no longer be linked, or ''."""
    link = Link.get_or_none(Link.system == SYSTEM, Link.entity == ENTITY,
                            Link.cin7_id == proposal.cin7_id)
    if link is not None and link.state != "failed":
        return f"{proposal.cin7_name} is already linked to JOOR ({link.remote_key})"
    other = Link.get_or_none(Link.system == SYSTEM, Link.entity == ENTITY,
                             Link.remote_key == proposal.joor_code)
    if other is not None:
        return f"JOOR's {proposal.joor_name} is already linked to {other.name}"
    return ""


def _open(proposal_id):
    """(the pair, None) while it waits for a person, else (None, what to answer)."""
    proposal = get(proposal_id)
    if proposal is None or proposal.status in ("review", "alternative"):
        return proposal, None
    who = f" by {proposal.decided_by}" if proposal.decided_by else ""
    return None, Decision(proposal, False, f"Already {proposal.status}{who}.")


def confirm(proposal_id, who=""):
    """The person says it is the same retailer: link them."""
    proposal, answer = _open(proposal_id)
    if proposal is None:
        return answer
    reason = _taken(proposal)
    customer = JoorCustomer.get_or_none(JoorCustomer.cin7_id == proposal.cin7_id)
    connection = JoorConnection.get_or_none(JoorConnection.code == proposal.joor_code)
    if not reason and (customer is None or connection is None):
        reason = "the customer or the connection is gone; run the match again"
    with atomic_write():
        if reason:
            _set(proposal, "closed", who)
            return Decision(proposal, False, reason)
        joor_match._link(customer, connection, f"confirmed by {who or 'a person'}")
        _set(proposal, "confirmed", who)
        MatchProposal.update(status="closed").where(
            MatchProposal.status.in_(("review", "alternative")),
            (MatchProposal.cin7_id == proposal.cin7_id)
            | (MatchProposal.joor_code == proposal.joor_code)).execute()
    return Decision(proposal, True, f"Linked {proposal.cin7_name} with JOOR's "
                                    f"{proposal.joor_name} ({proposal.joor_code}).")


def reject(proposal_id, who=""):
    """The person says they differ: never propose the pair again; try the next candidate."""
    proposal, answer = _open(proposal_id)
    if proposal is None:
        return answer
    with atomic_write():
        _set(proposal, "rejected", who)
        following = _promote(proposal.cin7_id)
    more = f" Next candidate: {following.joor_name}." if following else ""
    return Decision(proposal, True, f"{proposal.cin7_name} and JOOR's {proposal.joor_name} "
                                    f"are different.{more}")


def skip(proposal_id):
    """"Another one": ask about this pair later."""
    proposal, answer = _open(proposal_id)
    if proposal is None:
        return answer
    with atomic_write():
        MatchProposal.update(skips=MatchProposal.skips + 1, asked_at=None).where(
            MatchProposal.id == proposal.id).execute()
    return Decision(proposal, True, "Asked again later.")


def _set(proposal, status, who):
    proposal.status, proposal.decided_by, proposal.decided_at = status, who or "", utcnow()
    proposal.save()


def _promote(cin7_id):
    """The customer's best remaining candidate becomes a question, if one is free."""
    taken = Link.select(Link.remote_key).where(Link.system == SYSTEM, Link.entity == ENTITY,
                                               Link.remote_key.is_null(False))
    following = (MatchProposal.select()
                 .where(MatchProposal.cin7_id == cin7_id, MatchProposal.status == "alternative",
                        MatchProposal.joor_code.not_in(taken))
                 .order_by(MatchProposal.score.desc()).first())
    if following:
        following.status = "review"
        following.save()
    return following


def unmatched_customers(search=""):
    """Active customers with no JOOR link and no open question (after the last match)."""
    open_ = MatchProposal.select(MatchProposal.cin7_id).where(
        MatchProposal.status.in_(("review", "alternative")))
    query = joor_match._unlinked_customers().where(JoorCustomer.cin7_id.not_in(open_))
    if search:
        query = query.where(fn.LOWER(JoorCustomer.name).contains(search.strip().lower()))
    return query.order_by(fn.LOWER(JoorCustomer.name))


def unmatched_connections(search=""):
    """Downloaded JOOR connections nobody is linked to and no open question is about."""
    open_ = MatchProposal.select(MatchProposal.joor_code).where(
        MatchProposal.status.in_(("review", "alternative")))
    query = joor_match._unlinked_connections().where(JoorConnection.code.not_in(open_))
    if search:
        query = query.where(fn.LOWER(JoorConnection.name).contains(search.strip().lower()))
    return query.order_by(fn.LOWER(JoorConnection.name))
