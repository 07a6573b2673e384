"""Match (JOOR-4) end to end against the sandbox, and the decisions a person takes."""

from core import leases, runner, runs
from core.joor import customers as joor_customers
from core.joor import review as joor_review
from core.joor.models import JoorConnection, MatchProposal
from core.store import Link, Run


def match(config):
    row, _ = runs.request("joor", "match", "cli")
    return runner.execute(config, row.id)


def test_match_downloads_joor_links_the_certain_pairs_and_keeps_the_doubtful(jconfig, joor):
    done = match(jconfig)
    assert done.status == "finished"
    truth = {c["customer_code"]: c["_source"] for c in joor.connections()}
    assert JoorConnection.select().count() == len(truth)  # the temporary copy
    linked = list(Link.select().where(Link.system == "joor"))
    assert linked and all(truth[link.remote_key] == link.cin7_id for link in linked)
    assert done.created == len(linked)
    pairs = joor_review.next_pairs(10)
    assert len(pairs) == done.updated == 3  # the sandbox's deliberately doubtful ones
    assert all(truth[p.joor_code] == p.cin7_id and p.reasons for p in pairs)
    assert f"{done.created} linked, 3 to review" in done.message


def test_confirm_links_the_pair_and_the_customer_is_never_uploaded(jconfig, joor):
    match(jconfig)
    pair = joor_review.next_pairs(1)[0]
    decision = joor_review.confirm(pair.id, "@ana")
    assert decision.done and "Linked" in decision.message
    link = Link.get(Link.system == "joor", Link.cin7_id == pair.cin7_id)
    assert link.remote_key == pair.joor_code and "confirmed by @ana" in link.detail
    assert pair.cin7_id not in {r.cin7_id for r in joor_customers.to_upload()}
    again = joor_review.confirm(pair.id, "@ben")
    assert not again.done and again.message == "Already confirmed by @ana."


def test_a_pair_under_review_is_held_back_from_upload_until_decided(jconfig, joor):
    match(jconfig)
    pair = joor_review.next_pairs(1)[0]
    assert pair.cin7_id not in {r.cin7_id for r in joor_customers.to_upload()}
    joor_review.reject(pair.id, "@ana")
    assert pair.cin7_id in {r.cin7_id for r in joor_customers.to_upload()}


def test_reject_remembers_the_pair_and_another_match_does_not_ask_again(jconfig, joor):
    match(jconfig)
    pair = joor_review.next_pairs(1)[0]
    assert joor_review.reject(pair.id, "@ana").done
    match(jconfig)
    asked = {(p.cin7_id, p.joor_code) for p in joor_review.next_pairs(50)}
    assert (pair.cin7_id, pair.joor_code) not in asked
    assert MatchProposal.get_by_id(pair.id).status == "rejected"


def test_another_one_moves_the_pair_to_the_back_of_the_queue(jconfig, joor):
    match(jconfig)
    first, second, third = joor_review.next_pairs(3)
    assert joor_review.skip(first.id).done
    assert [p.id for p in joor_review.next_pairs(3)] == [second.id, third.id, first.id]


def test_the_unmatched_lists_hold_what_the_match_paired_with_nothing(jconfig, joor):
    done = match(jconfig)
    customers = list(joor_review.unmatched_customers())
    assert len(customers) == done.unchanged
    assert {c.cin7_id for c in customers}.isdisjoint(
        {link.cin7_id for link in Link.select()})
    strangers = {c["customer_code"] for c in joor.connections() if c["_source"] is None}
    assert strangers <= {c.code for c in joor_review.unmatched_connections()}


def test_joor_runs_go_one_at_a_time(jconfig, joor):
    busy, _ = runs.request("joor", "follow", "schedule")
    Run.update(status="running").where(Run.id == busy.id).execute()
    assert leases.acquire(runner.lease_name("joor", "follow"), "another-worker", 600, busy.id)[0]
    row, _ = runs.request("joor", "match", "cli")
    assert runner.execute(jconfig, row.id).status == "queued"  # waits for the JOOR run going
    Run.update(status="finished").where(Run.id == busy.id).execute()
    assert runner.execute(jconfig, row.id).status == "finished"  # freed when it ended
