"""`syncdesk events`: the outgoing event webhooks (EXT-4) from the shell: list endpoints and
their recent deliveries, add one, send a test event, resend a delivery. A test or a resend
is attempted in this process, so its answer is printed; retries go to the worker."""

import click

from core.errors import EndpointRefused
from core.events import delivery, endpoints, shapes
from tasks import events as event_tasks


def register(cli):
    cli.add_command(events_group)


@click.group("events")
def events_group():
    """Outgoing event webhooks: endpoints and deliveries."""


@events_group.command("list")
@click.option("--deliveries", "shown", default=5, show_default=True,
              help="Recent deliveries shown per endpoint.")
@click.pass_obj
def list_command(env, shown):
    """Endpoints with their recent deliveries."""
    env.open()
    found = endpoints.listed()
    for endpoint in found:
        state = "enabled" if endpoint.enabled else "DISABLED"
        click.echo(f"{endpoint.id:4} {state:8} {endpoint.url}  [{', '.join(endpoint.events)}]")
        if endpoint.disabled_reason:
            click.echo(f"     {endpoint.disabled_reason}")
        for d in endpoints.recent_deliveries(endpoint, shown):
            click.echo(f"     delivery {d.id:<5} {d.event_type:20} {d.status:9} "
                       f"attempts {d.attempts}  {d.response_code or '-'}  "
                       f"{d.last_attempt_at or ''} {d.last_error}".rstrip())
    if not found:
        click.echo("no event endpoints: syncdesk events add URL")


@events_group.command("add")
@click.argument("url")
@click.option("--event", "chosen", multiple=True, type=click.Choice(list(shapes.TYPES)),
              help="An event to send (repeat it); default: all of them.")
@click.option("--description", default="")
@click.pass_obj
def add(env, url, chosen, description):
    """Add an endpoint; its signing secret is printed this once."""
    try:
        endpoint, secret = endpoints.create(env.config, url, list(chosen or shapes.TYPES),
                                            description=description)
    except EndpointRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"endpoint {endpoint.id} added: {endpoint.url}")
    click.echo(f"signing secret (shown once, keep it in the receiver): {secret}")


@events_group.command("test")
@click.argument("endpoint_id", type=int)
@click.pass_obj
def test(env, endpoint_id):
    """Send a test event to an endpoint now and print the answer."""
    env.open()
    try:
        delivery_id = delivery.test(endpoint_id)
    except EndpointRefused as exc:
        raise click.ClickException(str(exc)) from None
    _attempt_here(delivery_id)


@events_group.command("resend")
@click.argument("delivery_id", type=int)
@click.pass_obj
def resend(env, delivery_id):
    """Send a delivery again (same webhook-id) now and print the answer."""
    env.open()
    try:
        endpoints.delivery(delivery_id)
    except EndpointRefused as exc:
        raise click.ClickException(str(exc)) from None
    if not delivery.resend(delivery_id):
        raise click.ClickException(f"delivery {delivery_id} is being sent right now")
    _attempt_here(delivery_id)


def _attempt_here(delivery_id):
    event_tasks.deliver.call_local(delivery_id)  # retries, if any, are queued for the worker
    d = endpoints.delivery(delivery_id)
    click.echo(f"delivery {d.id} ({d.message_id}): {d.status}, HTTP {d.response_code or '-'}"
               + (f", {d.last_error}" if d.last_error else "")
               + (f"; next attempt {d.next_attempt_at} by the worker" if d.next_attempt_at
                  else ""))
    if d.status not in ("delivered", "retrying"):
        raise click.exceptions.Exit(1)
