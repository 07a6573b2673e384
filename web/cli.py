"""The `syncdesk` console entry point: core's commands, every driver's, and the panel's own
(`admin create|password`, `panel` on a development server)."""

import click

from bot import cli as bot_cli
from core import accounts
from core import cli as core_cli
from sandbox import cli as sandbox_cli
from tasks import cli as tasks_cli
from tasks import events_cli, joor_cli
from web import create_app

cli = core_cli.cli


@click.group()
def admin():
    """Panel administrators."""


@admin.command("create")
@click.argument("username")
@click.password_option(help="Asked for when not given.")
@click.pass_obj
def create(env, username, password):
    """Create an administrator who can sign in to the panel."""
    env.config  # noqa: B018 - loads the config and opens the store
    try:
        accounts.create_admin(username, password)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"administrator {username.strip().lower()} created")


@admin.command("password")
@click.argument("username")
@click.password_option(help="Asked for when not given.")
@click.pass_obj
def password(env, username, password):
    """Set a new password for an administrator."""
    env.config  # noqa: B018 - loads the config and opens the store
    try:
        accounts.set_password(username, password)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("password changed")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_obj
def panel(env, host, port):
    """Serve the admin panel (development server; use gunicorn in production)."""
    app = create_app(env.config)
    click.echo(f"panel on http://{host}:{port}/")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


cli.add_command(admin)
cli.add_command(panel)
for part in (sandbox_cli, bot_cli, tasks_cli, joor_cli, events_cli):
    part.register(cli)


def main(argv=None):
    """Console entry point (`syncdesk`)."""
    core_cli.main(argv)
