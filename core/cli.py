"""`syncdesk` command line, core commands: init, status, settings, links, check, runs.

The drivers add theirs (sync, joor, webhooks: tasks; slash: bot; admin, panel: web; the
sandbox) and `web.cli.main`, the console entry point, gathers them all.
"""

import sys

import click

from core import accounts, connections, demo, links, runs, schema, settings, status, store
from core import config as configuration
from core.connectors.capsule import Capsule
from core.connectors.hubspot import HubSpot
from core.connectors.salesforce import Salesforce
from core.errors import EndpointRefused, SyncError
from core.events import endpoints as event_endpoints
from core.events import shapes as event_shapes
from core.products import listing as product_list
from core.products import price_books
from core.sales import milestones as capsule_milestones
from core.sales import stages


class Env:
    """Loaded lazily so `syncdesk --help` works without a database."""

    _config = None

    def open(self):
        """Read the configuration and open the store, once."""
        if self._config is None:
            self._config = configuration.load()
            schema.init(self._config.database_url)
        return self._config

    config = property(open)


@click.group()
@click.pass_context
def cli(ctx):
    """SyncDesk: keep Cin7 Core, HubSpot and JOOR in step."""
    ctx.obj = Env()


DEMO_PASSWORD = "syncdesk-demo"  # the demo only ever talks to the sandbox
DEMO_SETTINGS = {"sync.enabled": "on", "customers.direction": "export",
                 "schedule.enabled": "on", "schedule.frequency": "minutes",
                 "schedule.every_minutes": "1", "joor.upload": "on", "joor.update": "on"}
DEMO_EVENTS_URL = "http://127.0.0.1:8100/_sandbox/events"  # the sandbox's receiver (Procfile)


@cli.command()
@click.option("--demo", is_flag=True, help="Also switch sync on with a one-minute schedule and "
              "create the panel administrator demo (for the sandbox only).")
@click.pass_obj
def init(env, demo):
    """Create the database (or bring it up to date)."""
    config = env.open()
    click.echo(f"database ready: {store.db.obj.database}")
    if not demo:
        return
    for key, value in DEMO_SETTINGS.items():
        settings.set(key, value)
    if config.slack_alerts_channel:
        settings.set("slack.alerts_channel", config.slack_alerts_channel)
    if accounts.Admin.get_or_none(accounts.Admin.username == "demo") is None:
        accounts.create_admin("demo", DEMO_PASSWORD)
    _demo_endpoint(config)
    click.echo(f"demo settings applied; panel sign-in: demo / {DEMO_PASSWORD}")


def _demo_endpoint(config):
    """One event webhook endpoint: the sandbox's receiver (needs EVENTS_ALLOW_HTTP and
    EVENTS_ALLOW_PRIVATE, which .env.demo sets)."""
    if any(e.url == DEMO_EVENTS_URL for e in event_endpoints.listed()):
        return
    try:
        event_endpoints.create(config, DEMO_EVENTS_URL, list(event_shapes.TYPES),
                               description="the sandbox's receiver (demo)")
    except EndpointRefused as exc:
        click.echo(f"no demo event endpoint: {exc}")
        return
    click.echo(f"event webhooks go to {DEMO_EVENTS_URL} (see {DEMO_EVENTS_URL}/view)")


@cli.command("status")
@click.pass_obj
def status_command(env):
    """What ran, what failed, what is pending."""
    env.open()
    click.echo(status.overview_text())


@cli.group("settings")
def settings_group():
    """Show or change settings."""


@settings_group.command("show")
@click.pass_obj
def settings_show(env):
    env.open()
    for key, value in settings.all_settings().items():
        click.echo(f"{key} = {value}")


@settings_group.command("set")
@click.argument("key")
@click.argument("value", nargs=-1, required=True)
@click.pass_obj
def settings_set(env, key, value):
    """Set KEY to VALUE (lists: comma-separated; field map: Field=property,...)."""
    env.open()
    text = " ".join(value)
    if key == "customers.field_map":
        text = [v.strip() for v in text.split(",") if v.strip()]
    for changed, new in settings.set(key, text).items():
        click.echo(f"{changed} = {new}")


@cli.group("links", invoke_without_command=True)
@click.option("--search", default="", help="Part of a name, id or e-mail.")
@click.option("--page", default=1)
@click.pass_context
def links_group(ctx, search, page):
    """List record links (Cin7 id <-> remote id)."""
    if ctx.invoked_subcommand:
        return
    ctx.obj.open()
    rows, total = links.search(search, page=page)
    for link in rows:
        click.echo(f"{link.id:6} {link.entity:8} {link.name[:30]:30} cin7={link.cin7_id} "
                   f"{link.system}:{link.remote_type}={link.remote_id}")
    click.echo(f"{total} link(s)")


@links_group.command("unlink")
@click.argument("link_id", type=int)
@click.pass_obj
def unlink(env, link_id):
    """Forget one link; nothing is removed in either system."""
    env.open()
    click.echo("unlinked" if links.unlink(link_id) else f"no link {link_id}")


@links_group.command("remove")
@click.argument("link_id", type=int)
@click.pass_obj
def remove(env, link_id):
    """Delete a listed product in HubSpot and forget its link (PRD-2); Cin7 keeps it."""
    config = connections.effective_config(env.open())
    try:
        link = product_list.remove(HubSpot(config), link_id)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"removed HubSpot product {link.remote_id} ({link.name}); Cin7 keeps it")


@cli.command()
@click.pass_obj
def check(env):
    """Test each connection with a cheap real call (CON-1)."""
    failed = False
    for name, ok, message in connections.check_all(env.config):
        failed |= ok is False
        mark = {True: "ok", False: "FAILED", None: "not set"}[ok]
        click.echo(f"{name:10} {mark:8} {message}")
    sys.exit(1 if failed else 0)


@cli.command()
@click.option("--choose", default="", help="Use this pipeline (its id) for sales.")
@click.option("--map", "stage_map", default="",
              help='With --choose: the stage map, "stage=STATUS,…" (SAL-1).')
@click.pass_obj
def pipelines(env, choose, stage_map):
    """Read HubSpot's deal pipelines and list them with their stage ids and mapping."""
    config = connections.effective_config(env.open())
    found = stages.load(HubSpot(config))
    try:
        if choose:
            settings.set("sales.pipeline", choose)
        if stage_map:
            settings.set("sales.stage_map", stage_map)
    except settings.SettingError as exc:
        raise click.ClickException(str(exc)) from None
    chosen, mapping = settings.get("sales.pipeline"), settings.get("sales.stage_map")
    trigger = settings.get("sales.trigger_stage")
    for pipeline in found:
        mark = "*" if pipeline["id"] == chosen else " "
        click.echo(f"{mark} {pipeline['id']}  {pipeline['label']}")
        for stage in pipeline["stages"]:
            status = mapping.get(stage["id"], "") if pipeline["id"] == chosen else ""
            note = "  <- creates a sale (trigger)" if stage["id"] == trigger else ""
            click.echo(f"      {stage['id']:28} {stage['label'][:30]:30} "
                       f"{status or '-'}{note}")
    if not chosen:
        click.echo("no pipeline chosen for sales: syncdesk pipelines --choose ID")


@cli.command("demo-setup", hidden=True)
@click.pass_obj
def demo_setup(env):
    """For `make demo`: map the sandbox CRM's stages, price books or milestones."""
    config = connections.effective_config(env.open())
    for line in demo.set_up(config):
        click.echo(line)


@cli.command()
@click.option("--map", "book_map", default=None,
              help='Cin7 price tier -> price book id, "Tier=01s…,Other tier=01s…" ("" clears).')
@click.pass_obj
def pricebooks(env, book_map):
    """Read Salesforce's price books and list them with the Cin7 tier each one gets."""
    config = connections.effective_config(env.open())
    found = price_books.load(Salesforce(config))
    try:
        if book_map is not None:
            settings.set("salesforce.price_books", book_map)
    except settings.SettingError as exc:
        raise click.ClickException(str(exc)) from None
    tiers = {book: tier for tier, book in settings.get("salesforce.price_books").items()}
    default = settings.get("products.price_tier") or "the first tier"
    for book in found:
        state = "standard" if book["standard"] else ("active" if book["active"] else "inactive")
        tier = f"{default} (products.price_tier)" if book["standard"] else tiers.get(book["id"])
        click.echo(f"  {book['id']}  {book['name'][:30]:30} {state:9} {tier or '-'}")
    if not tiers:
        click.echo('no tier mapped to a custom price book: syncdesk pricebooks --map "Tier=ID"')


@cli.command()
@click.option("--map", "milestone_map", default="",
              help='The status map, "STATUS=milestone id,…" (Cin7 quotes -> Capsule).')
@click.pass_obj
def milestones(env, milestone_map):
    """Read Capsule's milestones and list them with the Cin7 statuses mapped to each."""
    config = connections.effective_config(env.open())
    found = capsule_milestones.load(Capsule(config))
    if milestone_map:
        try:
            settings.set("capsule.milestone_map", milestone_map)
        except settings.SettingError as exc:
            raise click.ClickException(str(exc)) from None
    mapping = settings.get("capsule.milestone_map")
    for milestone in found:
        statuses = ", ".join(s for s, m in mapping.items() if m == milestone["id"])
        click.echo(f"  {milestone['id']:>6}  {capsule_milestones.label(milestone)[:36]:36} "
                   f"{milestone['probability']:>3} % {milestone['outcome']:5} {statuses or '-'}")
    why = capsule_milestones.ready(mapping)
    if why:
        click.echo(why)


@cli.command("runs")
@click.argument("run_id", required=False, type=int)
@click.pass_obj
def runs_command(env, run_id):
    """List recent runs, or show one with its failures."""
    env.open()
    if run_id is None:
        for run in runs.recent(20):
            click.echo(status.describe_run(run))
        return
    run = runs.get(run_id)
    if run is None:
        raise click.ClickException(f"no run {run_id}")
    click.echo(status.describe_run(run))
    for result in runs.results(run, outcome="failed"):
        click.echo(f"  {status.describe_failure(result)}")


def main(argv=None):
    """Run `cli`: SyncDesk's own errors print as one line, not a traceback."""
    try:
        cli.main(args=argv, prog_name="syncdesk", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)
    except SyncError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
