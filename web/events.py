"""Outgoing event webhooks (EXT-4): endpoints, their recent deliveries, Resend, a test event.

A new endpoint's secret is shown once, in the answer to the form that created it.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from core.errors import EndpointRefused
from core.events import endpoints, shapes
from tasks import events as event_tasks
from web.views import current_config

bp = Blueprint("events", __name__, url_prefix="/events")


def _page(status=200, **extra):
    rows = [(e, endpoints.recent_deliveries(e, 10)) for e in endpoints.listed()]
    return render_template("events.html", rows=rows, types=shapes.TYPES,
                           disabled=endpoints.disabled_by_failures(), **extra), status


def _form():
    return (request.form.get("url", ""), request.form.getlist("events"),
            bool(request.form.get("enabled")), request.form.get("description", ""))


def _endpoint(endpoint_id):
    try:
        return endpoints.get(endpoint_id)
    except EndpointRefused:
        abort(404)


@bp.get("/")
def index():
    return _page()


@bp.post("/")
def create():
    """Add an endpoint after checking its URL; the answer shows its secret, this once."""
    url, chosen, enabled, description = _form()
    try:
        endpoint, secret = endpoints.create(current_config(), url, chosen, enabled, description)
    except EndpointRefused as exc:
        return _page(400, error=f"Not saved: {exc}.", draft={"url": url, "events": chosen,
                                                             "description": description})
    return _page(201, created=endpoint, secret=secret)


@bp.post("/<int:endpoint_id>")
def update(endpoint_id):
    _endpoint(endpoint_id)
    url, chosen, enabled, description = _form()
    try:
        endpoints.update(current_config(), endpoint_id, url, chosen, enabled, description)
    except EndpointRefused as exc:
        flash(f"Not saved: {exc}.", "error")
    else:
        flash("Endpoint saved.", "success")
    return redirect(url_for("events.index", _anchor=f"endpoint-{endpoint_id}"))


@bp.post("/<int:endpoint_id>/test")
def test(endpoint_id):
    """Queue a test event to this endpoint; its delivery shows in the list."""
    _endpoint(endpoint_id)
    event_tasks.send_test(endpoint_id)
    flash("Test event queued: its delivery is listed below.", "success")
    return redirect(url_for("events.index", _anchor=f"endpoint-{endpoint_id}"))


@bp.post("/<int:endpoint_id>/delete")
def delete(endpoint_id):
    _endpoint(endpoint_id)
    endpoints.remove(endpoint_id)
    flash("Endpoint removed with its deliveries.", "success")
    return redirect(url_for("events.index"))


@bp.post("/deliveries/<int:delivery_id>/resend")
def resend(delivery_id):
    """Send a delivery again, with the same webhook-id (receivers drop repeats by it)."""
    try:
        found = endpoints.delivery(delivery_id)
    except EndpointRefused:
        abort(404)
    if event_tasks.resend(delivery_id):
        flash(f"Delivery {delivery_id} queued again.", "success")
    else:
        flash(f"Delivery {delivery_id} is being sent right now.", "error")
    return redirect(url_for("events.index", _anchor=f"endpoint-{found.endpoint_id}"))
