"""`syncdesk webhooks register`: subscribe SyncDesk to Cin7 Core, and say what to set in HubSpot."""

import click

from core import webhooks

HUBSPOT_STEPS = """\
HubSpot: a private app's webhooks are set in the app's settings, not through the API.
  In HubSpot: Settings > Integrations > Private Apps > (your app) > Webhooks
  Target URL:    {url}
  Subscriptions: {subscriptions}
  Then copy the app's client secret (Auth tab) into HUBSPOT_CLIENT_SECRET, so SyncDesk can
  check each request's signature (v3); requests that fail the check are refused."""


def register(cli):
    @cli.group("webhooks")
    def webhooks_group():
        """Near-real-time sync: webhook subscriptions on Cin7 Core and HubSpot."""

    @webhooks_group.command("register")
    @click.option("--url", default="", help="Public base URL of the panel (default PANEL_URL).")
    @click.pass_obj
    def register_command(env, url):
        """Create the Cin7 Core subscriptions; print the HubSpot settings to make."""
        from core.connectors.cin7 import Cin7

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
