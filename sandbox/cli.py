"""`syncdesk sandbox`: the simulated services, for the demo and for trying SyncDesk safely."""

import click


def register(cli):
    @cli.command("sandbox")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=8100, show_default=True)
    @click.option("--customers", default=200, show_default=True,
                  help="Number of generated Cin7 customers.")
    @click.option("--products", default=60, show_default=True,
                  help="Number of generated Cin7 products.")
    @click.option("--data", type=click.Path(exists=True, dir_okay=False),
                  help='Seed Cin7 from a JSON file in the real shape {"CustomerList": [...]}.')
    @click.option("--sales", default=None, type=int,
                  help="Number of generated Cin7 sales (default: 3 per 10 customers).")
    @click.option("--sale-lines", default=None, type=int,
                  help="Lines per generated sale (default: 1 to 6).")
    @click.option("--capsule-parties", default=24, show_default=True,
                  help="Number of parties already in Capsule (organisations and their people).")
    @click.option("--seed", default=42, show_default=True)
    @click.option("--fast", is_flag=True, help="No rate limits (the real ones by default).")
    @click.option("--joor-match-seconds", default=72 * 3600, show_default=True,
                  help="How long JOOR's staff take to match a new customer.")
    def sandbox_command(host, port, customers, products, sales, sale_lines, data, seed, fast,
                        joor_match_seconds, capsule_parties):
        """Serve simulated Cin7 Core, HubSpot, JOOR and Slack APIs on one port."""
        import sandbox

        options = {"customers": customers, "products": products, "seed": seed,
                   "sales": sales, "sale_lines": sale_lines,
                   "joor_match_seconds": joor_match_seconds, "capsule_parties": capsule_parties,
                   "salesforce_pricebooks": ["Wholesale", "Retail"],  # beside the standard book
                   "salesforce_product_extras": True}
        if data:
            options["data"] = data
        if fast:
            options.update(cin7_rate_per_minute=0, hubspot_rate_per_10s=0,
                           hubspot_search_per_second=0, joor_credits=0,
                           capsule_rate_per_hour=0)
        base = f"http://{host}:{port}"
        click.echo(f"sandbox on {base}\n  CIN7_BASE_URL={base}/cin7/ExternalApi/v2/\n"
                   f"  HUBSPOT_BASE_URL={base}/hubspot\n  JOOR_BASE_URL={base}/joor/v2/ "
                   "(JOOR_TOKEN=joor-sandbox-token)\n"
                   f"  SLACK_API_URL={base}/slack/api/ (channel view: {base}/slack/)\n"
                   f"  CAPSULE_BASE_URL={base}/capsule/api/v2/ "
                   "(CAPSULE_TOKEN=capsule-sandbox-token)\n"
                   f"  control: {base}/_sandbox/")
        sandbox.run(host, port, options)
