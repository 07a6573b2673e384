"""JOOR customers: upload (JOOR-2), update (JOOR-3), and following each one's JOOR state.

A customer's JOOR state lives on its Link row (system "joor", entity "customer"):
queued (chosen, not yet accepted by JOOR) -> pending (JOOR's staff are matching it to a
retailer, which takes days) -> connected, or failed with JOOR's reason.

JOOR has no "create": bulk-connection upserts by customer_code, so sending a customer twice
updates one connection. What could still duplicate is a customer sent under a new code while
JOOR knows it under another (a matched customer): those are linked and never uploaded. And
before each job an Intent row per customer is written; a job whose answer was lost (timeout,
killed worker) leaves them, and the next upload first asks JOOR for those codes.
"""

import logging

from core import intents, links, settings
from core.errors import ServiceError, SyncOff, Throttled
from core.joor import customers as joor_customers
from core.joor.models import JoorJob
from core.store import Link, atomic_write, utcnow

log = logging.getLogger("syncdesk.joor")
SYSTEM, ENTITY = joor_customers.SYSTEM, joor_customers.ENTITY
PENDING_DETAIL = "JOOR's staff are matching it to a retailer (1 to 4 business days)"


def check_allowed(direction):
    """Refuse an upload or update the settings forbid (CON-2, JOOR-1).

    Matching and following only read JOOR and write SyncDesk's own links: always allowed."""
    if direction not in ("upload", "update"):
        return
    settings.require_sync_on()
    if not settings.get(f"joor.{direction}"):
        raise SyncOff(f"JOOR {direction} is off: turn it on with `syncdesk settings set "
                      f"joor.{direction} on` or in the panel")


def _in_flight():
    """Cin7 ids in a job JOOR has not finished."""
    busy = set()
    for job in JoorJob.select().where(JoorJob.status.in_(("sending", "queued", "started"))):
        busy.update((job.customers or {}).keys())
    return busy


def reconcile(joor, progress=None):
    """Intents left by a job whose answer never came: ask JOOR whether it has those codes."""
    waiting = intents.left(SYSTEM, ENTITY)
    if waiting and progress:
        progress.phase(f"checking {len(waiting)} customer(s) a stopped upload may have sent")
    found = 0
    for intent in waiting:
        connection = joor.connection(intent.natural_key)
        if connection is not None:
            found += 1
            row = joor_customers.get([intent.source_id]).get(intent.source_id)
            links.save(SYSTEM, ENTITY, intent.source_id, "connection",
                       connection.connection_id or None, row.name if row else "",
                       remote_key=connection.code, fingerprint=row.fingerprint if row else None,
                       state=connection.state, detail=connection.comment or PENDING_DETAIL)
        intents.done(SYSTEM, ENTITY, [intent.source_id])
    with atomic_write():  # their customers stay queued and go with the next job
        JoorJob.update(status="lost", message="JOOR's answer never came").where(
            JoorJob.status == "sending").execute()
    return found


def _chosen(kind, cin7_ids):
    """The rows to send: the list's (or those of it asked for), minus what JOOR is busy with.

    A customer JOOR refused is sent again when asked for by id, or once it changed in Cin7.
    """
    query = joor_customers.to_upload() if kind == "upload" else joor_customers.to_update()
    rows = list(query)
    if kind == "upload":  # waiting since a 429 or a stopped worker
        rows += [r for r in joor_customers.in_joor(state="queued") if r.status == "Active"]
    busy, wanted = _in_flight(), set(cin7_ids or ())
    return [r for r in rows if r.cin7_id not in busy
            and (r.cin7_id in wanted if wanted else _worth_sending(r))]


def _worth_sending(row):
    link = joor_customers.link_of(row)
    return link is None or link.state != "failed" or link.fingerprint != row.fingerprint


def push(joor, kind, cin7_ids=None, progress=None):
    """Send the chosen customers in bulk jobs; returns {"sent", "jobs", "waiting", "message"}.

    A 429 (or JOOR being down) stops the sending: the customers not sent stay queued and
    go with the next push, nothing is lost.
    """
    rows = _chosen(kind, cin7_ids)
    done = {"sent": 0, "jobs": [], "waiting": 0, "message": ""}
    if progress:
        progress.phase(f"{kind}: {len(rows)} customer(s) to send", total=len(rows))
    for start in range(0, len(rows), joor.bulk_size):
        batch = rows[start:start + joor.bulk_size]
        try:
            job = _send(joor, kind, batch)
        except ServiceError as exc:
            done["waiting"] = len(rows) - start
            done["message"] = _stopped(exc, kind, rows[start:])
            break
        done["sent"] += len(batch)
        done["jobs"].append(job.job_id)
        if progress:
            progress.add(done=len(batch), **{"created" if kind == "upload" else "updated": len(batch)})
    return done


def _payload(kind, row):
    payload = dict(row.payload)
    if kind == "update":  # JOOR knows it by its own code (a matched connection's)
        payload["customer_code"] = joor_customers.link_of(row).remote_key or payload["customer_code"]
    return payload


def _send(joor, kind, batch):
    """One bulk job: intents and queued states first, then the POST, then the job id."""
    payloads = [_payload(kind, r) for r in batch]
    customers = {r.cin7_id: {"code": p["customer_code"], "fingerprint": r.fingerprint}
                 for r, p in zip(batch, payloads, strict=True)}
    with atomic_write():
        job = JoorJob.create(kind=kind, status="sending", customers=customers)
        if kind == "upload":
            intents.intend(SYSTEM, ENTITY, [(r.cin7_id, p["customer_code"])
                                            for r, p in zip(batch, payloads, strict=True)])
    if kind == "upload":
        for r, p in zip(batch, payloads, strict=True):
            links.save(SYSTEM, ENTITY, r.cin7_id, "connection", None, r.name,
                       remote_key=p["customer_code"], state="queued", detail="being sent to JOOR")
    try:
        answer = joor.push(payloads)
    except ServiceError as exc:
        if exc.status is not None or isinstance(exc, Throttled):  # JOOR answered: no job
            _forget(job, batch)
        raise
    with atomic_write():
        JoorJob.update(job_id=answer.id, status=answer.status, checked_at=utcnow()).where(
            JoorJob.id == job.id).execute()
        intents.done(SYSTEM, ENTITY, customers)
        if kind == "upload":
            Link.update(detail=f"in JOOR job {answer.id} ({answer.status})").where(
                Link.system == SYSTEM, Link.entity == ENTITY,
                Link.cin7_id.in_(list(customers))).execute()
    job.job_id = answer.id
    return job


def _forget(job, batch):
    """JOOR refused the POST itself: no job exists, the intents can go."""
    with atomic_write():
        JoorJob.delete().where(JoorJob.id == job.id).execute()
        intents.done(SYSTEM, ENTITY, [r.cin7_id for r in batch])


def _stopped(exc, kind, rows):
    """Why sending stopped, recorded on the customers that wait."""
    if isinstance(exc, Throttled):
        detail = "waiting: JOOR's credit limit was reached; sent with the next push"
    elif exc.retryable or exc.status is None:
        detail = f"waiting: JOOR did not answer ({exc}); sent with the next push"
    else:
        detail = f"JOOR refused the job: {exc}"
    if kind == "upload":
        state = "queued" if detail.startswith("waiting") else "failed"
        with atomic_write():
            Link.update(state=state, detail=detail, updated_at=utcnow()).where(
                Link.system == SYSTEM, Link.entity == ENTITY,
                Link.cin7_id.in_([r.cin7_id for r in rows]), Link.state == "queued").execute()
    return detail


def waiting():
    """Customers queued for upload that no JOOR job holds (left by a 429 or a stop)."""
    queued = {link.cin7_id for link in Link.select(Link.cin7_id).where(
        Link.system == SYSTEM, Link.entity == ENTITY, Link.state == "queued")}
    return len(queued - _in_flight())
