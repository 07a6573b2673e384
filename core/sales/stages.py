"""Deal stages ↔ Cin7 sale statuses (SAL-1): the pipelines as last read, and the mapping.

The admin picks one HubSpot deals pipeline and maps each of its stages to a Cin7 sale status
or to nothing ("Unmapped & ignored"). Export reads the map from status to stage, import from
stage to status. Pipelines are read from HubSpot on demand ("Load pipelines") and kept here,
so a renamed stage shows its new label after the next read.
"""

from core import references

KIND = "hubspot_pipelines"  # the references row holding the pipelines as last read
STATUSES = ("ESTIMATING", "ESTIMATED", "ORDERING", "ORDERED", "BACKORDERED", "PICKING",
            "PICKED", "PACKING", "PACKED", "SHIPPING", "INVOICING", "INVOICED", "CREDITED",
            "COMPLETED", "VOIDED")
# The only statuses an imported sale can have: the others need shipping and payment data.
IMPORT_STATUSES = ("ESTIMATING", "ESTIMATED", "ORDERING", "ORDERED")
IMPORT_FALLBACK = "ESTIMATED"
WORDS = {"ESTIMATING": "Quote draft", "ESTIMATED": "Quote authorised",
         "ORDERING": "Order draft", "ORDERED": "Order authorised",
         "BACKORDERED": "Backordered", "INVOICED": "Invoiced", "COMPLETED": "Completed",
         "VOIDED": "Voided"}


class MappingError(ValueError):
    """A stage map, pipeline or trigger stage the pipelines as read do not allow."""


def load(hubspot):
    """Read every deals pipeline from HubSpot and keep them; returns them."""
    found = hubspot.pipelines("deals")
    references.save(KIND, [{"id": p.id, "label": p.label, "stages": [
        {"id": s.id, "label": s.label, "closed": s.closed, "probability": s.probability}
        for s in p.stages]} for p in found])
    return pipelines()


def pipelines():
    """The pipelines as last read: [{"id", "label", "stages": [{"id", "label", ...}]}]."""
    return references.names(KIND)


def read_at():
    """When the pipelines were last read from HubSpot, or None."""
    return references.read_at(KIND)


def pipeline(pipeline_id):
    found = next((p for p in pipelines() if p["id"] == pipeline_id), None)
    if found is None:
        known = ", ".join(p["id"] for p in pipelines()) or "none read yet: load them first"
        raise MappingError(f"HubSpot has no deals pipeline {pipeline_id!r} (pipelines: {known})")
    return found


def check_pipeline(pipeline_id):
    """`pipeline_id` if it is a pipeline as read ("" clears the choice)."""
    pipeline_id = str(pipeline_id).strip()
    if pipeline_id:
        pipeline(pipeline_id)
    return pipeline_id


def check_stage(stage_id, pipeline_id):
    """`stage_id` if the chosen pipeline has it ("" clears it)."""
    stage_id = str(stage_id).strip()
    if stage_id and stage_id not in {s["id"] for s in pipeline(pipeline_id)["stages"]}:
        raise MappingError(f"pipeline {pipeline_id!r} has no stage {stage_id!r}")
    return stage_id


def parse_map(value, pipeline_id):
    """{stage id: Cin7 status} from "stage=STATUS,…" text (or a dict); refuses a stage the
    pipeline lacks, a status Cin7 lacks, and one status on two stages."""
    if isinstance(value, dict):
        pairs = list(value.items())
    else:
        pairs = [p.partition("=")[::2] for p in str(value).split(",") if p.strip()]
    stages = {s["id"] for s in pipeline(pipeline_id)["stages"]} if pairs else set()
    mapping, seen = {}, {}
    for stage, status in pairs:
        stage, status = stage.strip(), status.strip().upper().replace(" ", "")
        if stage not in stages:
            raise MappingError(f"pipeline {pipeline_id!r} has no stage {stage!r}")
        if status and status not in STATUSES:
            raise MappingError(f"{status!r} is not a Cin7 sale status "
                               f"(one of {', '.join(STATUSES)})")
        if status and status in seen:
            raise MappingError(f"{status} is mapped to two stages ({seen[status]}, {stage})")
        if status:
            mapping[stage], seen[status] = status, stage
    return mapping


def parse_labels(value):
    """{stage or status label: Cin7 status} from "Closed Won=ORDERED,…" (a CRM whose stages
    SyncDesk does not load, e.g. Salesforce's, where labels are the keys)."""
    pairs = (list(value.items()) if isinstance(value, dict) else
             [p.partition("=")[::2] for p in str(value).split(",") if p.strip()])
    mapping = {}
    for label, status in pairs:
        status = status.strip().upper().replace(" ", "")
        if status not in IMPORT_STATUSES:
            raise MappingError(f"{status!r} is not a status a new Cin7 sale can have "
                               f"(one of {', '.join(IMPORT_STATUSES)})")
        mapping[label.strip()] = status
    return mapping


def parse_export_labels(value):
    """{Cin7 status: stage label} from "ORDERED=Negotiation/Review,…" (Salesforce export:
    several statuses may share a stage, which is why this is not the import map reversed)."""
    pairs = (list(value.items()) if isinstance(value, dict) else
             [p.partition("=")[::2] for p in str(value).split(",") if p.strip()])
    mapping = {}
    for status, label in pairs:
        status = status.strip().upper().replace(" ", "")
        if status not in STATUSES:
            raise MappingError(f"{status!r} is not a Cin7 sale status "
                               f"(one of {', '.join(STATUSES)})")
        if not label.strip():
            raise MappingError(f"{status}: name the Salesforce stage, e.g. {status}=Closed Won")
        mapping[status] = label.strip()
    return mapping


def stage_for(status, stage_map):
    """Export: the stage a sale of `status` puts its deal at, or None (leave it alone)."""
    return next((stage for stage, mapped in stage_map.items() if mapped == status), None)


def status_for(stage, stage_map):
    """Import: the status of a sale created from a deal at `stage` — one of the four Cin7
    allows; unmapped or unsupported gives Estimated (the guide's rule)."""
    status = stage_map.get(stage)
    return status if status in IMPORT_STATUSES else IMPORT_FALLBACK


def reached(stage, trigger, pipeline_id):
    """True when `stage` is the trigger stage or comes after it in the pipeline's order."""
    order = [s["id"] for s in pipeline(pipeline_id)["stages"]]
    if trigger not in order or stage not in order:
        return False
    return order.index(stage) >= order.index(trigger)
