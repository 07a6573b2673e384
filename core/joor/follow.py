"""Following what JOOR does with what was sent: its jobs, then its staff's matching.

A finished job makes each of its customers pending JOOR's match (or failed, with the reason
JOOR gave); a pending customer becomes connected once JOOR's staff matched it to a retailer,
which takes days, or failed when they could not. A 429 stops the following where it is:
what was learned is kept, the rest is asked next time.
"""

import datetime

from core.errors import Throttled
from core.joor.models import JoorJob
from core.joor.push import ENTITY, PENDING_DETAIL, SYSTEM
from core.store import Link, atomic_write, utcnow

BY_LIST = 20  # more pending customers than this: read the connection list (1 credit a page)


def unsettled():
    """(jobs JOOR has not finished, customers pending JOOR's match): what follow() watches."""
    jobs = JoorJob.select().where(JoorJob.status.in_(("queued", "started"))).count()
    pending = Link.select().where(Link.system == SYSTEM, Link.entity == ENTITY,
                                  Link.state.in_(("pending", "queued"))).count()
    return jobs, pending


def follow(joor, progress=None, pending_every=3600):
    """Ask JOOR how its jobs and new connections are doing; returns what changed
    ({"jobs finished", "connected", "failed", "pending": counts, "refused": [(id, name, why)]}).

    Jobs are asked about each time; a customer pending JOOR's match at most every
    `pending_every` seconds (matching takes days; JOOR asks for no constant polling).
    """
    counts = {"jobs finished": 0, "connected": 0, "failed": 0, "pending": 0, "refused": []}
    for job in list(JoorJob.select().where(JoorJob.status.in_(("queued", "started")))):
        try:
            answer = joor.job(job.job_id)
        except Throttled as exc:
            counts["stopped"] = f"{exc}; the rest is asked next time"
            return counts
        with atomic_write():
            JoorJob.update(status=answer.status, checked_at=utcnow(),
                           finished_at=utcnow() if answer.finished else None).where(
                JoorJob.id == job.id).execute()
        if answer.finished:
            counts["jobs finished"] += 1
            counts["refused"] += _job_done(job, answer)
    due = utcnow() - datetime.timedelta(seconds=pending_every)
    pending = list(Link.select().where(Link.system == SYSTEM, Link.entity == ENTITY,
                                       Link.state == "pending", Link.updated_at <= due))
    if progress:
        progress.phase(f"following {len(pending)} customer(s) pending JOOR's match")
    try:
        for link, connection in _connections(joor, pending):
            counts[_settle(link, connection)] += 1
    except Throttled as exc:
        counts["stopped"] = f"{exc}; the rest is asked next time"
    return counts


def _job_done(job, answer):
    """A finished job: each customer is pending JOOR's match, or refused with JOOR's reason.

    Returns [(cin7 id, name, reason)] of the refused ones."""
    refused = []
    for cin7_id, sent in (job.customers or {}).items():
        reason = answer.errors.get(str(sent["code"]))
        query = Link.select().where(Link.system == SYSTEM, Link.entity == ENTITY,
                                    Link.cin7_id == cin7_id)
        link = query.first()
        if link is None:
            continue
        fields = {"fingerprint": sent["fingerprint"], "updated_at": utcnow()}
        if reason:
            refused.append((cin7_id, link.name, reason))
            fields.update(detail=f"JOOR refused it: {reason}")
            if job.kind == "upload":
                fields["state"] = "failed"
        elif job.kind == "upload":
            fields.update(state="pending", detail=PENDING_DETAIL,
                          updated_at=utcnow() - datetime.timedelta(days=365))  # ask at once
        else:
            fields["detail"] = f"updated in JOOR (job {answer.id})"
        with atomic_write():
            Link.update(**fields).where(Link.id == link.id).execute()
    return refused


def _connections(joor, links):
    """(link, its Connection or None): one GET per customer, or the list when they are many."""
    if len(links) <= BY_LIST:
        for link in links:
            yield link, joor.connection(link.remote_key)
        return
    found = {c.code: c for page in joor.connection_pages() for c in page}
    for link in links:
        yield link, found.get(link.remote_key)


def _settle(link, connection):
    """Record what JOOR says of one pending customer; returns its state now."""
    fields = {"updated_at": utcnow()}
    if connection is not None:
        fields.update(state=connection.state, remote_id=connection.connection_id or None,
                      detail={"connected": "matched to a JOOR retailer",
                              "failed": f"JOOR could not match it: {connection.comment}"}.get(
                                  connection.state, PENDING_DETAIL))
    with atomic_write():
        Link.update(**fields).where(Link.id == link.id).execute()
    return fields.get("state", "pending")
