"""JOOR (JOOR-1..4): settings, upload and update lists with CSV, customers' JOOR states,
the match review (Confirm / Reject / Another one, with htmx) and the unmatched lists.

Pages read the store (the Cin7 customers as last read, the JOOR links, the proposals);
the work itself (match, upload, update, follow) is a run the worker executes.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_htmx.responses import HTMXResponseClientRedirect
from jinja2_fragments.flask import render_block

from core import settings
from core.connections import effective_config
from core.errors import SyncError
from core.joor import customers as joor_customers
from core.joor import follow as joor_follow
from core.joor import push as joor
from core.joor import review as joor_review
from core.joor import runs as joor_runs
from core.store import Link
from tasks import enqueue_run
from web import listing
from web.views import current_admin, current_config, partial

bp = Blueprint("joor", __name__, url_prefix="/joor")
PER_PAGE = 50
LISTS = {"upload": ("Upload customers to JOOR", joor_customers.to_upload),
         "update": ("Update customers in JOOR", joor_customers.to_update),
         "customers": ("Customers in JOOR", None)}
CODE_FIELDS = ("ID", "Name", "TaxNumber") + tuple(f"AdditionalAttribute{i}" for i in range(1, 11))
SOURCES = {"core": "Cin7 Core", "omni": "Cin7 Omni"}  # settings "joor.source" (EXT-1)
OMNI_CODE_FIELDS = ("ID", "Name", "TaxNumber")  # Omni contacts have no additional attributes


def code_fields(source):
    """The fields of the chosen inventory system that can be the JOOR customer code."""
    return OMNI_CODE_FIELDS if source == "omni" else CODE_FIELDS
DECISIONS = {"confirm": joor_review.confirm, "reject": joor_review.reject,
             "skip": lambda pair_id, who: joor_review.skip(pair_id)}


@bp.get("/")
def index():
    """Where the JOOR customers stand, the JOOR settings, the last runs."""
    states = {state: Link.select().where(Link.system == "joor", Link.state == state).count()
              for state in joor_customers.STATE_WORDS}
    jobs, pending = joor_follow.unsettled()
    return render_template(
        "joor/index.html", states=states, words=joor_customers.STATE_WORDS, jobs=jobs,
        waiting=joor.waiting(), counts=joor_review.counts(), read_at=joor_customers.read_at(),
        latest={d: joor_runs.latest(d) for d in joor_runs.DIRECTIONS},
        code_fields=code_fields(settings.get("joor.source")), sources=SOURCES,
        settings={k: settings.get(f"joor.{k}")
                  for k in ("upload", "update", "customer_code_field", "source")},
        connected=bool(effective_config(current_config()).joor_token),
        upload_count=joor_customers.to_upload().count(),
        update_count=joor_customers.to_update().count())


@bp.post("/settings")
def save_settings():
    """JOOR-1: upload on/off, update on/off, the Cin7 field that is the customer code, and
    the inventory system the customers come from (Cin7 Core or Cin7 Omni, EXT-1)."""
    try:
        for key in ("upload", "update"):
            settings.set(f"joor.{key}", "on" if request.form.get(key) else "off")
        source = request.form.get("source") or settings.get("joor.source")
        settings.set("joor.source", source)
        field = request.form.get("customer_code_field") or "ID"
        if field not in code_fields(source):
            raise SyncError(f"{field!r} is not a {SOURCES[source]} field that can be the "
                            "customer code")
        settings.set("joor.customer_code_field", field)
    except SyncError as exc:
        flash(str(exc), "error")
    else:
        flash("JOOR settings saved.", "success")
    return redirect(url_for("joor.index"))


@bp.post("/run/<direction>")
def start(direction):
    """Queue a JOOR match, upload, update or follow (of the ticked customers, if any)."""
    if direction not in joor_runs.DIRECTIONS:
        abort(404)
    ids = [i for i in request.form.getlist("ids") if i]
    kind = request.form.get("list")
    if not ids and kind in ("upload", "update") and request.form.get("q"):  # all listed
        ids = [r.cin7_id for r in _query(kind, {"q": request.form["q"], "state": ""})]
        if not ids:
            flash("No customer matches that search.", "warn")
            return redirect(url_for("joor.customer_list", kind=kind, q=request.form["q"]))
    run, created = enqueue_run(joor_runs.ENTITY, direction, "panel", current_admin(),
                               only=ids[:5000] or None)
    if not created:
        flash(f"A JOOR {direction} is already waiting to start (run #{run.id}).", "warn")
    target = url_for("runs.show", run_id=run.id)
    if request.headers.get("HX-Request") == "true":
        return HTMXResponseClientRedirect(target)
    return redirect(target)


def _list_args():
    return {"q": request.args.get("q", "").strip()[:200],
            "state": request.args.get("state", "") if request.args.get("state") in
            joor_customers.STATE_WORDS else ""}


def _query(kind, args):
    if kind == "customers":
        return joor_customers.in_joor(args["q"], args["state"] or None)
    return LISTS[kind][1](args["q"])


@bp.get("/<any(upload, update, customers):kind>")
def customer_list(kind):
    """The upload list (JOOR-2), the update list (JOOR-3) or everyone's JOOR state."""
    args = _list_args()
    page = listing.page_number()
    rows, total = joor_customers.page(_query(kind, args), page, PER_PAGE)
    return partial("joor/list.html", "table", kind=kind, title=LISTS[kind][0], rows=rows,
                   total=total, page=page, per_page=PER_PAGE, args=args,
                   filters={k: v for k, v in args.items() if v}, state_of=joor_customers.state_of,
                   words=joor_customers.STATE_WORDS, read_at=joor_customers.read_at(),
                   enabled=kind == "customers" or settings.get(f"joor.{kind}"),
                   held=joor_customers.under_review().count() if kind == "upload" else 0)


@bp.get("/<any(upload, update, customers):kind>.csv")
def download(kind):
    """The same list as a spreadsheet."""
    return listing.csv_download(f"joor-{kind}.csv", joor_customers.CSV_COLUMNS,
                                joor_customers.csv_rows(_query(kind, _list_args())))


@bp.post("/refresh")
def refresh():
    """Read the inventory system's customers again, for the lists: a run, so the page never
    waits on Cin7 Core's or Omni's rate limit."""
    return listing.start_run(joor_runs.ENTITY, "refresh")


@bp.get("/match")
def review():
    """JOOR-4: the doubtful pairs, best first, each with Confirm / Reject / Another one."""
    page = listing.page_number()
    query = (joor_review.MatchProposal.select()
             .where(joor_review.MatchProposal.status == "review")
             .order_by(joor_review.MatchProposal.skips, joor_review.MatchProposal.score.desc(),
                       joor_review.MatchProposal.id))
    return render_template("joor/match.html", pairs=list(query.paginate(page, PER_PAGE)),
                           total=query.count(), page=page, per_page=PER_PAGE,
                           counts=joor_review.counts(), last=joor_runs.latest("match"))


@bp.post("/match/<int:pair_id>/<any(confirm, reject, skip):decision>")
def decide(pair_id, decision):
    """Decide one pair; htmx swaps its row for the outcome."""
    outcome = DECISIONS[decision](pair_id, current_admin())
    if outcome is None:
        abort(404)
    if request.headers.get("HX-Request") == "true":
        return render_block("joor/match.html", "decided", pair=outcome.proposal,
                            outcome=outcome, decision=decision)
    flash(outcome.message, "success" if outcome.done else "warn")
    return redirect(url_for("joor.review"))


@bp.get("/unmatched")
def unmatched():
    """Customers and JOOR connections the last match paired with nothing."""
    q = request.args.get("q", "").strip()[:200]
    customers = joor_review.unmatched_customers(q)
    connections = joor_review.unmatched_connections(q)
    return render_template("joor/unmatched.html", q=q, customers=list(customers.limit(200)),
                           customer_total=customers.count(),
                           connections=list(connections.limit(200)),
                           connection_total=connections.count())
