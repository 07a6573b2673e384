"""Milestones (EXT-3, as Deal stages for HubSpot): Capsule's milestones as last read and the
Cin7 sale status -> milestone map the quotes export follows."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core import settings
from core.sales import milestones, stages
from web import listing
from web.views import partial

bp = Blueprint("milestones", __name__, url_prefix="/milestones")


def _context(errors=(), mapping=None):
    return {"milestones": milestones.milestones(), "read_at": milestones.read_at(),
            "statuses": stages.STATUSES, "words": stages.WORDS, "label": milestones.label,
            "mapping": settings.get("capsule.milestone_map") if mapping is None else mapping,
            "export_since": settings.get("sales.export_since"), "crm": settings.crm(),
            "errors": list(errors)}


@bp.get("/")
def index():
    return partial("milestones.html", "map", **_context())


@bp.post("/load")
def load():
    """Read the milestones from Capsule again, as a run."""
    return listing.refresh("milestones")


@bp.post("/")
def save():
    """Save the status -> milestone map; a refusal is shown with its reason."""
    mapping = {key[len("status."):]: value for key, value in request.form.items()
               if key.startswith("status.") and value}
    errors = []
    for key, value in (("capsule.milestone_map", mapping),
                       ("sales.export_since", request.form.get("sales.export_since", ""))):
        try:
            settings.set(key, value)
        except settings.SettingError as exc:
            errors.append(f"{key.split('.', 1)[1].replace('_', ' ')}: {exc}")
    if errors:
        return render_template("milestones.html", **_context(errors, mapping)), 400
    flash("Milestones saved.", "success")
    return redirect(url_for("milestones.index"))
