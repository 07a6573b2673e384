"""Capsule milestones ↔ Cin7 sale statuses (EXT-3, as SAL-1 for HubSpot's deal stages).

Capsule's milestones are read on demand (a "refresh" run) and kept here; the admin maps each
Cin7 sale status to a milestone (setting capsule.milestone_map, status -> milestone id). A
quote's opportunity starts at its status's milestone and follows the status; a voided sale
goes to the milestone mapped for VOIDED, else the first "lost" one; any other unmapped status
leaves the milestone alone (one moved by hand in Capsule stays).
"""

from core import references
from core.sales.stages import STATUSES, MappingError

KIND = "capsule_milestones"  # the references row holding the milestones as last read
QUOTE_STATUSES = ("ESTIMATING", "ESTIMATED")  # a sale at quote stage becomes an opportunity


def load(capsule):
    """Read every milestone from Capsule and keep them; returns them."""
    references.save(KIND, [{"id": m.id, "name": m.name, "probability": m.probability,
                            "outcome": m.outcome, "pipeline": m.pipeline}
                           for m in capsule.milestones()])
    return milestones()


def milestones():
    """The milestones as last read: [{"id", "name", "probability", "outcome", "pipeline"}]."""
    return references.names(KIND)


def read_at():
    return references.read_at(KIND)


def label(milestone):
    return f"{milestone['pipeline']}: {milestone['name']}" if milestone["pipeline"] \
        else milestone["name"]


def parse_map(value):
    """{status: milestone id} from "STATUS=id,…" text (or a dict); refuses a status Cin7
    lacks, a milestone not read from Capsule, and VOIDED on a milestone that is not lost."""
    pairs = list(value.items()) if isinstance(value, dict) else [
        p.partition("=")[::2] for p in str(value).split(",") if p.strip()]
    known = {m["id"]: m for m in milestones()}
    mapping = {}
    for status, milestone_id in pairs:
        status = status.strip().upper().replace(" ", "")
        milestone_id = str(milestone_id).strip()
        if status not in STATUSES:
            raise MappingError(f"{status!r} is not a Cin7 sale status (one of "
                               f"{', '.join(STATUSES)})")
        if not milestone_id:
            continue  # unmapped
        if milestone_id not in known:
            have = ", ".join(f"{m['id']} ({m['name']})" for m in known.values()) \
                or "none read yet: load them first"
            raise MappingError(f"Capsule has no milestone {milestone_id!r} (milestones: {have})")
        if status == "VOIDED" and known[milestone_id]["outcome"] != "lost":
            raise MappingError(f"VOIDED must go to a lost milestone; "
                               f"{known[milestone_id]['name']!r} is not one")
        mapping[status] = milestone_id
    return mapping


def first(outcome):
    """The first milestone read with this outcome (open, won, lost), or None."""
    return next((m["id"] for m in milestones() if m["outcome"] == outcome), None)


def milestone_for(status, mapping):
    """Export: the milestone a sale of `status` puts its opportunity at, or None (leave it)."""
    if status in mapping:
        return mapping[status]
    return first("lost") if status == "VOIDED" else None


def ready(mapping):
    """Why sales cannot go to Capsule yet, or "" when they can."""
    if not milestones():
        return ("sales need Capsule's milestones read and mapped first (the panel's "
                "Milestones page, or `syncdesk milestones`)")
    if not any(s in mapping for s in QUOTE_STATUSES):
        return ("map a quote status (ESTIMATING or ESTIMATED) to a Capsule milestone first "
                "(the panel's Milestones page, or `syncdesk milestones --map STATUS=ID`)")
    return ""
