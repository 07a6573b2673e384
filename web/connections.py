"""Connections (CON-1, CON-3): enter keys, test them, disconnect. Keys are never sent back."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from core import connections, settings
from core.errors import ConfigError
from web.views import current_config, partial

bp = Blueprint("connections", __name__, url_prefix="/connections")
NOTES = {"omni": "Used by the JOOR flows when the JOOR page chooses Cin7 Omni as the inventory "
                 "system; the CRM syncs use Cin7 Core only."}


def _card(system):
    config = current_config()
    label, _ = connections.SYSTEMS[system]
    return {"system": system, "label": label, "keys": connections.masked(system, config),
            "readable": connections.readable(system, config.secret_key),
            "configured": connections.configured(system, config),
            "check": connections.last_check(system), "note": NOTES.get(system, ""),
            "oauth": _oauth(system, config)}


def _oauth(system, config):
    """A CRM card's OAuth part: can it connect, and to which account it is connected."""
    if system not in connections.OAUTH:
        return None
    return {"grant": connections.oauth_grant(system, config.secret_key),
            "possible": bool(getattr(config, f"{system}_client_id")
                             and getattr(config, f"{system}_client_secret")),
            "overridden": bool(getattr(config, connections.OAUTH[system][1]))}


def _known(system):
    if system not in connections.SYSTEMS:
        abort(404)
    return system


@bp.get("/")
def index():
    return render_template("connections.html", joor_source=settings.get("joor.source"),
                           cards=[_card(system) for system in connections.shown()])


@bp.post("/<system>")
def save(system):
    """Save the keys typed in (empty fields keep what was saved) and test them at once."""
    _known(system)
    fields = {key.field for key in connections.SYSTEMS[system][1]}
    values = {name: request.form.get(name, "") for name in fields}
    if not any(v.strip() for v in values.values()):
        flash("Nothing to save: type the keys to store.", "error")
        return redirect(url_for("connections.index", _anchor=system))
    try:
        connections.save(system, values, current_config().secret_key)
    except ConfigError as exc:
        flash(str(exc), "error")
        return redirect(url_for("connections.index", _anchor=system))
    ok, message = connections.check(system, current_config())
    label = connections.SYSTEMS[system][0]
    flash(f"{label} keys saved. Test: {message}", "success" if ok else "error")
    return redirect(url_for("connections.index", _anchor=system))


@bp.post("/<system>/test")
def test(system):
    """A cheap real call with the keys in effect; the answer is shown in the card."""
    _known(system)
    connections.check(system, current_config())
    return partial("connections.html", "card", card=_card(system))


@bp.route("/<system>/disconnect", methods=("GET", "POST"))
def disconnect(system):
    """Ask first (GET), then forget keys, links and mappings (POST); the systems keep all."""
    _known(system)
    label = connections.SYSTEMS[system][0]
    if request.method == "GET":
        return render_template("connections_disconnect.html", system=system, label=label,
                               preview=connections.disconnect_preview(system))
    if system in connections.OAUTH:  # revokes the OAuth connection, if any
        connections.OAUTH[system][0].disconnect(current_config())
    removed = connections.disconnect(system)
    flash(f"{label} disconnected: {removed['links']} link(s) and {removed['mappings']} "
          "mapping(s) forgotten. Nothing was changed in the systems.", "success")
    return redirect(url_for("connections.index"))
