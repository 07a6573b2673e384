"""Upload and update (JOOR-2, JOOR-3): each customer reaches JOOR once, whatever happens."""

from collections import Counter

import pytest

from core import runner, runs, settings
from core.connectors.joor import Joor
from core.joor import customers as joor_customers
from core.joor import follow as joor_follow
from core.joor import push as engine
from core.store import Intent, Link, Run


def run(config, direction, only=None):
    row, _ = runs.request("joor", direction, "cli", only=only)
    return runner.execute(config, row.id)


def states():
    return Counter(link.state for link in Link.select().where(Link.system == "joor"))


def twice_in_joor(sandbox):
    """Cin7 customers JOOR holds more than one connection for (what must never happen)."""
    cin7_ids = {c["ID"] for c in sandbox.cin7()}
    owners = Counter()
    for c in sandbox.connections():
        owner = c.get("_source") or (c["customer_code"] if c["customer_code"] in cin7_ids else None)
        if owner:
            owners[owner] += 1
    return [owner for owner, n in owners.items() if n > 1]


def follow(config):
    return joor_follow.follow(Joor(config), pending_every=0)


def test_upload_sends_active_customers_not_in_joor_and_follows_them_until_connected(jconfig, joor):
    done = run(jconfig, "upload")
    assert done.status == "finished", done.message
    assert "matched first" in done.message  # JOOR's own customers were found before sending
    active = sum(1 for c in joor.cin7() if c["Status"] == "Active")
    sent = done.created
    assert sent > 0 and states()["queued"] == sent
    assert len(joor.jobs()) == 1 and joor.jobs()[0]["status"] == "queued"
    joor.advance(2)
    assert follow(jconfig)["jobs finished"] == 1
    assert states()["pending"] == sent
    joor.advance(3600)
    follow(jconfig)
    assert states()["pending"] == 0 and states()["connected"] >= sent
    assert twice_in_joor(joor) == []
    held = joor_customers.under_review().count()
    assert held == 3  # the doubtful pairs wait for a person instead of being uploaded
    assert states()["connected"] + held <= active


def test_a_second_upload_sends_nothing_again(jconfig, joor):
    first = run(jconfig, "upload")
    second = run(jconfig, "upload")
    assert first.created > 0 and second.created == 0
    assert len(joor.jobs()) == 1


def test_forgotten_links_never_make_a_second_connection(jconfig, joor):
    run(jconfig, "upload")
    joor.advance(2)
    follow(jconfig)
    lost = Link.delete().where(Link.system == "joor", Link.state == "pending").execute()
    assert run(jconfig, "match").created >= lost  # found again in JOOR by customer code
    assert run(jconfig, "upload").created == 0
    Link.delete().where(Link.system == "joor", Link.state == "pending").execute()
    again = engine.push(Joor(jconfig), "upload")  # sent again, nothing asked first
    joor.advance(4)
    assert again["sent"] >= lost
    assert twice_in_joor(joor) == []  # bulk-connection upserts by customer_code


@pytest.mark.parametrize("joor_finished_first", [True, False])
def test_a_killed_upload_is_checked_with_joor_before_anything_is_sent_again(
        jconfig, joor, monkeypatch, joor_finished_first):
    real_push = Joor.push

    def push_then_die(self, payloads):
        real_push(self, payloads)
        raise SystemExit("worker killed after JOOR accepted the job")

    monkeypatch.setattr(Joor, "push", push_then_die)
    with pytest.raises(SystemExit):
        run(jconfig, "upload")
    monkeypatch.setattr(Joor, "push", real_push)
    waiting = Intent.select().where(Intent.system == "joor").count()
    assert waiting > 0 and states()["queued"] == waiting
    if joor_finished_first:
        joor.advance(2)
    again = run(jconfig, "upload")
    assert again.status == "finished"
    joor.advance(10)
    follow(jconfig)
    assert Intent.select().count() == 0
    assert twice_in_joor(joor) == []
    assert len(joor.jobs()) == (1 if joor_finished_first else 2)
    assert states()["queued"] == 0


def test_a_rate_limited_upload_finishes_later_without_loss(jconfig, joor, monkeypatch):
    joor.reset(customers=40, joor_credits=12)  # a page read + two jobs: the third gets a 429
    monkeypatch.setattr(Joor, "__init__", _small_jobs(Joor.__init__, 4))
    first = run(jconfig, "upload")
    assert first.status == "finished"
    assert "waiting" in first.message and "credit limit" in first.message
    assert engine.waiting() == 4 and first.created == 8 and first.total > 12
    waiting = [link for link in Link.select().where(Link.state == "queued")
               if "credit limit" in link.detail]
    assert len(waiting) == 4
    joor.advance(300)  # the window refills
    while engine.waiting():
        later = run(jconfig, "upload")
        assert later.created > 0
        joor.advance(300)
    joor.advance(300)
    follow(jconfig)
    sent = [r["customer_code"] for job in joor.jobs() for r in job["records"]]
    assert len(sent) == len(set(sent)) == first.total  # every customer sent, none twice
    assert twice_in_joor(joor) == []
    assert states()["queued"] == 0


def _small_jobs(init, size):
    def patched(self, config):
        init(self, config)
        self.bulk_size = size
    return patched


def test_joor_refusals_and_unmatchable_customers_end_failed_with_joors_reason(jconfig, joor):
    run(jconfig, "match")
    not_in_joor = {row.cin7_id for row in joor_customers.to_upload()}
    customers = [c for c in joor.cin7() if c["ID"] in not_in_joor and c["Contacts"]]
    bad_email, unmatchable = customers[0], customers[1]
    joor.edit_customer(bad_email["ID"], Contacts=[{"ID": bad_email["Contacts"][0]["ID"],
                                                    "Email": "not-an-email", "Default": True}])
    joor.edit_customer(unmatchable["ID"], Name="Sample Store Test Account")
    run(jconfig, "upload", only=[bad_email["ID"], unmatchable["ID"]])
    joor.advance(2)
    follow(jconfig)
    joor.advance(3600)
    follow(jconfig)
    refused = Link.get(Link.cin7_id == bad_email["ID"])
    assert refused.state == "failed" and "not a valid e-mail address" in refused.detail
    rejected = Link.get(Link.cin7_id == unmatchable["ID"])
    assert rejected.state == "failed" and "No retailer matches" in rejected.detail


def test_update_pushes_only_changed_customers_under_joors_own_code(jconfig, joor):
    run(jconfig, "match")
    matched = Link.select().where(Link.system == "joor", Link.state == "connected",
                                  Link.remote_key != Link.cin7_id).first()
    assert matched is not None
    assert joor_customers.to_update().count() == 0
    joor.edit_customer(matched.cin7_id, Name="Renamed Retailer Ltd")
    done = run(jconfig, "update")
    assert done.updated == 1
    (job,) = joor.jobs()
    assert [r["customer_code"] for r in job["records"]] == [matched.remote_key]
    joor.advance(2)
    follow(jconfig)
    by_code = {c["customer_code"]: c for c in joor.connections()}
    assert by_code[matched.remote_key]["customer_alias"] == "Renamed Retailer Ltd"
    assert joor_customers.to_update().count() == 0
    assert twice_in_joor(joor) == []


def test_upload_is_refused_while_it_is_switched_off(jconfig, joor):
    settings.set("joor.upload", "off")
    done = run(jconfig, "upload")
    assert done.status == "refused" and "JOOR upload is off" in done.message
    assert joor.jobs() == [] and Run.get_by_id(done.id).status == "refused"


def test_the_worker_follows_by_itself_and_resends_what_waited(worker, joor, monkeypatch):
    from tasks import enqueue_run, jobs

    joor.reset(customers=40, joor_credits=12)
    monkeypatch.setattr(Joor, "__init__", _small_jobs(Joor.__init__, 4))
    first, _ = enqueue_run("joor", "upload", "panel", "ada")
    assert first.status == "finished" and engine.waiting() == 4
    for _ in range(10):  # the every-15-minutes task, with JOOR's clock moving on meanwhile
        joor.advance(300)
        jobs.follow_joor.call_local()
        if not engine.waiting() and not joor_follow.unsettled()[0]:
            break
    assert engine.waiting() == 0
    assert states()["queued"] == 0 and states()["pending"] + states()["connected"] > 8
    kinds = Counter(r.direction for r in Run.select().where(Run.entity == "joor"))
    assert kinds["upload"] >= 2 and kinds["follow"] >= 1
