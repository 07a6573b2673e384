"""`syncdesk sync` (a run now, with a progress bar) and `syncdesk webhooks register`
(subscribe SyncDesk to Cin7 Core, and say what to set in HubSpot)."""

import sys

import click

from core import runner, runs, settings, status, webhooks
from core.connectors.cin7 import Cin7
from tasks import events, notify
from tasks.jobs import run_sync

HUBSPOT_STEPS = """\
HubSpot: a private app's webhooks are set in the app's settings, not through the API.
  In HubSpot: Settings > Integrations > Private Apps > (your app) > Webhooks
  Target URL:    {url}
  Subscriptions: {subscriptions}
  Then copy the app's client secret (Auth tab) into HUBSPOT_CLIENT_SECRET, so SyncDesk can
  check each request's signature (v3); requests that fail the check are refused."""


def register(cli):
    cli.add_command(sync)
    @cli.group("webhooks")
    def webhooks_group():
        """Near-real-time sync: webhook subscriptions on Cin7 Core and HubSpot."""

    @webhooks_group.command("register")
    @click.option("--url", default="", help="Public base URL of the panel (default PANEL_URL).")
    @click.pass_obj
    def register_command(env, url):
        """Create the Cin7 Core subscriptions; print the HubSpot settings to make."""
        config = env.config
        config.require("webhook_secret")
        base = (url or config.panel_url).rstrip("/")
        if "://127.0.0.1" in base or "://localhost" in base:
            click.echo(f"note: {base} is only reachable from this machine; Cin7 and HubSpot "
                       "need a public URL (--url https://…)")
        target = f"{base}/webhooks/cin7"
        cin7 = Cin7(config)
        existing = {(w.get("Type"), w.get("ExternalURL")) for w in cin7.webhooks()}
        for event_type in webhooks.CIN7_TYPES:
            if (event_type, target) in existing:
                click.echo(f"Cin7: {event_type} already sent to {target}")
                continue
            cin7.create_webhook(event_type, target, "syncdesk", config.webhook_secret)
            click.echo(f"Cin7: {event_type} -> {target} (basic auth, password WEBHOOK_SECRET)")
        click.echo(HUBSPOT_STEPS.format(url=f"{base}/webhooks/hubspot",
                                        subscriptions=", ".join(webhooks.HUBSPOT_SUBSCRIPTIONS)))


@click.command()
@click.argument("entity", type=click.Choice(["customers", "products", "sales", "all"]))
@click.option("--dry-run", is_flag=True, help="Show the plan without writing anything.")
@click.option("--full", is_flag=True, help="Read everything, not only what changed.")
@click.option("--only", multiple=True, help="Limit the run to these record ids.")
@click.option("--direction", type=click.Choice(["export", "import"]), default=None)
@click.pass_obj
def sync(env, entity, dry_run, full, only, direction):
    """Run a sync now, with a progress bar and a summary."""
    config = env.config
    entities = [e for e in runs.ENTITIES if settings.direction(e) != "off"] if entity == "all" \
        else [entity]
    worst = 0
    for name in entities:
        run = runs.new_run(name, direction or settings.direction(name), "cli", "",
                           dry_run, full, list(only) or None)
        run = run_now(config, run)
        click.echo(status.describe_run(run))
        if dry_run and run.plan:
            for row in run.plan[:50]:
                click.echo(f"  {row['action']:7} {row['object']:8} {row['record']}"
                           + (f"  ({row['reason']})" if row["reason"] else ""))
            if len(run.plan) > 50:
                click.echo(f"  … and {len(run.plan) - 50} more")
        for result in runs.results(run, outcome="failed", limit=20):
            click.echo(f"  failed: {status.describe_failure(result)}")
        worst = max(worst, {"finished": 0, "refused": 2}.get(run.status, 1))
    sys.exit(worst)


def run_now(config, run):
    """Execute `run` in this process with a progress bar, under the worker's lease rules:
    a run of the same kind going elsewhere is waited for (10 minutes), then this one is
    left queued for the worker. Slack hears about it as it would from the worker."""
    notify.wire(config)
    events.wire()
    with _bar(run) as bar, runs.reported.connected_to(bar):
        run = runner.execute(config, run.id, wait=600)
    if run.status == "queued":
        run_sync(run.id)
        click.echo("another run of the same kind is still going: this one is queued for the "
                   "worker", err=True)
    return runs.get(run.id)


class _bar:
    """A click progress bar fed by the run's progress reports."""

    def __init__(self, run):
        self.run, self.bar, self.shown = run, None, 0

    def __enter__(self):
        return self

    def __call__(self, run):
        if run.id != self.run.id or not run.total:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=run.total, label=f"{run.entity} {run.direction}",
                                         file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(max(0, min(run.done, run.total) - self.shown))
        self.shown = min(run.done, run.total)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
