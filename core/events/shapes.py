"""The events SyncDesk sends and their JSON, derived from a run once it has ended.

Every event is `{"type", "timestamp", "data"}` (the Standard Webhooks payload shape). The
run's row and results are the only source: "a deal was created" is a sale linked to a
HubSpot deal during a sales export, "a sale was created" a deal a sales import turned into
a Cin7 sale, "a JOOR pair needs review" a pair a JOOR match put to a person. Dry runs, runs
refused before starting and the panel's list refreshes send nothing.
"""

from collections import namedtuple

from core import runs, settings
from core.joor.models import MatchProposal
from core.store import Link

TYPES = {
    "run.finished": "a run finished, with its counts",
    "run.failed": "a run failed or was stopped",
    "record.failed": "a record failed in a run: entity, ids on both sides, reason",
    "joor.review_needed": "a JOOR match put a pair to a person",
    "deal.created": "a sales export created a HubSpot deal",
    "sale.created": "a sales import created a Cin7 sale",
}
TEST = "endpoint.test"  # "Send a test event": sent whatever the endpoint subscribes to
MAX_RECORD_EVENTS = 200  # record.failed events per run; run.finished's counts give the total
RECORD = {"customers": "customer", "products": "product", "sales": "sale", "joor": "customer"}

Event = namedtuple("Event", "key type data")  # key: what it is about (no event sent twice)


def envelope(event_type, data, at):
    return {"type": event_type, "timestamp": at.isoformat(timespec="seconds") + "Z",
            "data": data}


def _iso(value):
    return value.isoformat(timespec="seconds") + "Z" if value else None


def run_data(run, panel_url):
    return {"run_id": run.id, "entity": run.entity, "direction": run.direction,
            "trigger": run.trigger, "who": run.who, "status": run.status,
            "counts": {name: getattr(run, name) for name in runs.COUNTS},
            "message": run.message, "started_at": _iso(run.started_at),
            "finished_at": _iso(run.finished_at),
            "url": f"{panel_url.rstrip('/')}/runs/{run.id}"}


def for_run(run, panel_url):
    """The events an ended run makes, in order: records, creations, reviews, then the run."""
    if run is None or run.dry_run or run.direction == "refresh" \
            or run.status not in ("finished", "failed"):
        return []
    found = _record_failures(run) + _created(run) + _reviews(run, panel_url)
    kind = "run.finished" if run.status == "finished" else "run.failed"
    return found + [Event(f"run:{run.id}:{kind}", kind, run_data(run, panel_url))]


def _record_failures(run):
    results = runs.results(run, outcome="failed", limit=MAX_RECORD_EVENTS)
    system = "joor" if run.entity == "joor" else settings.crm()
    exported = run.direction != "import"  # export and JOOR runs work on Cin7 records
    linked = _links(system, RECORD.get(run.entity, run.entity),
                    [r.record_id for r in results], by_cin7=exported)
    events = []
    for r in results:
        other = r.remote_id or linked.get(r.record_id, "")
        cin7_id, remote_id = (r.record_id, other) if exported else (other, r.record_id)
        events.append(Event(f"run:{run.id}:record.failed:{r.id}", "record.failed", {
            "run_id": run.id, "entity": run.entity, "direction": run.direction,
            "record_name": r.record_name, "cin7_id": cin7_id, "remote_system": system,
            "remote_id": remote_id, "action": r.action, "field": r.field,
            "reason": r.reason}))
    return events


def _links(system, entity, ids, by_cin7):
    """{id on the run's side: id on the other side} from the links kept."""
    found, ids = {}, list(ids)
    mine, theirs = (Link.cin7_id, Link.remote_id) if by_cin7 else (Link.remote_id, Link.cin7_id)
    for start in range(0, len(ids), 500):
        query = Link.select(mine.alias("a"), theirs.alias("b")).where(
            Link.system == system, Link.entity == entity, mine.in_(ids[start:start + 500]))
        found.update({row.a: row.b or "" for row in query.objects()})
    return found


def _created(run):
    if run.entity != "sales" or run.status != "finished":
        return []
    if run.direction == "import":
        return [Event(f"run:{run.id}:sale.created:{r.record_id}", "sale.created",
                      {"run_id": run.id, "deal_id": r.record_id, "sale_id": r.remote_id,
                       "name": r.record_name})
                for r in runs.results(run, outcome="ok") if r.action == "create"]
    deals = Link.select().where(Link.system == settings.crm(), Link.entity == "sale",
                                Link.listed_at >= run.started_at,
                                Link.listed_at <= run.finished_at).order_by(Link.id)
    return [Event(f"run:{run.id}:deal.created:{link.cin7_id}", "deal.created",
                  {"run_id": run.id, "sale_id": link.cin7_id, "deal_id": link.remote_id,
                   "name": link.name}) for link in deals]


def _reviews(run, panel_url):
    if (run.entity, run.direction) != ("joor", "match"):
        return []
    pairs = MatchProposal.select().where(MatchProposal.run_id == run.id,
                                         MatchProposal.status == "review")
    return [Event(f"run:{run.id}:joor.review_needed:{p.id}", "joor.review_needed",
                  {"run_id": run.id, "proposal_id": p.id, "cin7_id": p.cin7_id,
                   "cin7_name": p.cin7_name, "joor_code": p.joor_code,
                   "joor_name": p.joor_name, "score": p.score, "reasons": p.reasons or [],
                   "url": f"{panel_url.rstrip('/')}/joor/"}) for p in pairs]


def test_event(endpoint_id):
    return {"endpoint_id": endpoint_id, "message": "A test event from SyncDesk: the endpoint "
            "receives and verifies deliveries."}
