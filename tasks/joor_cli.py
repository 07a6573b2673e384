"""`syncdesk joor match|upload|update|follow|status|pairs|confirm|reject`: JOOR from the shell.

The work runs in this process, as `syncdesk sync` does, and is recorded as a run.
"""

import sys

import click

from core import runs
from core.joor import customers as joor_customers
from core.joor import follow as joor_follow
from core.joor import push as joor
from core.joor import review as joor_review
from core.joor import runs as joor_runs
from core.store import Link
from tasks.cli import run_now


def _open(env):
    """The configuration, with the store opened (the CLI loads it lazily)."""
    return env.config


def _run(env, direction, only=()):
    config = env.config
    run, _ = runs.request(joor_runs.ENTITY, direction, "cli", only=list(only) or None)
    run = run_now(config, run)
    click.echo(f"#{run.id} JOOR {direction} {run.status}: {run.message}")
    return 0 if run.status == "finished" else 2 if run.status == "refused" else 1


def _pairs(limit):
    for p in joor_review.next_pairs(limit):
        click.echo(f"{p.id:6}  {p.score:3}%  {p.cin7_name}  <->  {p.joor_name} ({p.joor_code})"
                   f"\n        {'; '.join(p.reasons or [])}")


def register(cli):
    @cli.group("joor")
    def joor_group():
        """JOOR customers: match, upload, update, follow (JOOR-1..4)."""

    @joor_group.command("match")
    @click.pass_obj
    def match(env):
        """Download JOOR's connections and match them with the Cin7 customers."""
        code = _run(env, "match")
        counts = joor_review.counts()
        if counts.get("review"):
            click.echo(f"{counts['review']} pair(s) to review; the first ones:")
            _pairs(5)
        sys.exit(code)

    @joor_group.command("upload")
    @click.option("--only", multiple=True, help="Cin7 customer ids (default: the whole list).")
    @click.option("--list", "show", is_flag=True, help="Only list the customers to upload.")
    @click.pass_obj
    def upload(env, only, show):
        """Upload the Active Cin7 customers not in JOOR yet."""
        if show:
            _open(env)
            for row in joor_customers.to_upload():
                click.echo(f"{row.cin7_id}  {row.name}  {row.code}")
            return
        sys.exit(_run(env, "upload", only))

    @joor_group.command("update")
    @click.option("--only", multiple=True, help="Cin7 customer ids (default: the whole list).")
    @click.pass_obj
    def update(env, only):
        """Push the changes of customers uploaded or matched before."""
        sys.exit(_run(env, "update", only))

    @joor_group.command("follow")
    @click.pass_obj
    def follow(env):
        """Ask JOOR how its jobs and new connections are doing."""
        sys.exit(_run(env, "follow"))

    @joor_group.command("status")
    @click.pass_obj
    def status(env):
        """Customers per JOOR state, pairs to review, what JOOR still works on."""
        _open(env)
        for state, words in joor_customers.STATE_WORDS.items():
            n = Link.select().where(Link.system == "joor", Link.state == state).count()
            click.echo(f"{words:20} {n}")
        jobs, pending = joor_follow.unsettled()
        counts = joor_review.counts()
        click.echo(f"pairs to review     {counts.get('review', 0)}\n"
                   f"JOOR jobs running   {jobs}\nwaiting to be sent  {joor.waiting()}")
        for direction in joor_runs.DIRECTIONS:
            run = joor_runs.latest(direction)
            if run:
                click.echo(f"last {direction}: #{run.id} {run.status} {run.message}")

    @joor_group.command("pairs")
    @click.option("--limit", default=20, show_default=True)
    @click.pass_obj
    def pairs(env, limit):
        """The doubtful pairs waiting for a person."""
        _open(env)
        _pairs(limit)

    @joor_group.command("confirm")
    @click.argument("pair_id", type=int)
    @click.pass_obj
    def confirm(env, pair_id):
        """Confirm a doubtful pair: link the customer with the JOOR connection."""
        _open(env)
        decision = joor_review.confirm(pair_id, "cli")
        click.echo(decision.message if decision else f"no pair {pair_id}")

    @joor_group.command("reject")
    @click.argument("pair_id", type=int)
    @click.pass_obj
    def reject(env, pair_id):
        """Reject a doubtful pair: never proposed again."""
        _open(env)
        decision = joor_review.reject(pair_id, "cli")
        click.echo(decision.message if decision else f"no pair {pair_id}")
