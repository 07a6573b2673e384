"""Deal stages (SAL-1, WEB-1): HubSpot's pipelines as last read, the stage ↔ sale status map,
the import trigger stage and dates, and the sales options (SAL-5, SAL-7, SAL-9)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core import references, settings
from core.sales import stages
from web import listing
from web.views import partial

bp = Blueprint("deal_stages", __name__, url_prefix="/deal-stages")
OPTIONS = ("sales.trigger_stage", "sales.import_since", "sales.export_since",
           "sales.when_short", "sales.import_type", "sales.import_location")


def _context(errors=(), chosen=None):
    chosen = chosen if chosen is not None else settings.get("sales.pipeline")
    found = {p["id"]: p for p in stages.pipelines()}
    same = chosen == settings.get("sales.pipeline")
    return {"pipelines": list(found.values()), "chosen": chosen, "pipeline": found.get(chosen),
            "read_at": stages.read_at(), "statuses": stages.STATUSES, "words": stages.WORDS,
            "stage_map": settings.get("sales.stage_map") if same else {},
            "values": {k: settings.get(k) for k in (*OPTIONS, "sales.import_authorise")},
            "direction": settings.direction("sales"),
            "locations": references.names("locations"), "errors": list(errors)}


@bp.get("/")
def index():
    """The page; `?pipeline=` shows another pipeline's stages (htmx swaps the table)."""
    chosen = request.args.get("sales.pipeline")
    return partial("deal_stages.html", "stages", **_context(chosen=chosen))


@bp.post("/load")
def load():
    """Read the pipelines from HubSpot again, as a run."""
    return listing.refresh("pipelines")


@bp.post("/")
def save():
    """Save the pipeline, its map and the options; every refusal is shown with its reason."""
    form, errors = request.form, []
    chosen = form.get("sales.pipeline", "")
    mapping = {key[len("stage."):]: value for key, value in form.items()
               if key.startswith("stage.") and value}
    changes = [("sales.pipeline", chosen), ("sales.stage_map", mapping)]
    changes += [(key, form[key]) for key in OPTIONS if key in form]
    changes.append(("sales.import_authorise", "on" if form.get("sales.import_authorise")
                    else "off"))
    for key, value in changes:
        try:
            settings.set(key, value)
        except settings.SettingError as exc:
            errors.append(f"{key.split('.', 1)[1].replace('_', ' ')}: {exc}")
    if errors:
        return render_template("deal_stages.html", **_context(errors, chosen)), 400
    flash("Deal stages and sales options saved.", "success")
    return redirect(url_for("deal_stages.index"))
