"""Event webhooks in core (EXT-4): the URL check, the events a run makes, secrets at rest."""

import socket

import pytest

from core import runs
from core.errors import EndpointRefused
from core.events import endpoints, shapes, urls
from core.joor.models import MatchProposal
from core.store import Link, Result
from tests.conftest import make_config

PANEL = "https://syncdesk.example.com"


def resolving(*addresses):
    """A getaddrinfo stand-in: the host resolves to `addresses`."""
    def resolve(host, port, proto=0):
        family = socket.AF_INET6 if ":" in addresses[0] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, proto, "", (a, port)) for a in addresses]
    return resolve


@pytest.mark.parametrize("url, addresses, why", [
    ("http://hooks.example.com/x", ["93.184.216.34"], "https://"),
    ("https://localhost/x", ["127.0.0.1"], "127.0.0.1"),
    ("https://meta.example.com/", ["169.254.169.254"], "169.254.169.254"),  # cloud metadata
    ("https://intra.example.com/", ["10.1.2.3"], "10.1.2.3"),
    ("https://split.example.com/", ["93.184.216.34", "192.168.1.5"], "192.168.1.5"),
    ("https://v6.example.com/", ["::1"], "::1"),
    ("https://mapped.example.com/", ["::ffff:127.0.0.1"], "::ffff:127.0.0.1"),
    ("https://user:pw@hooks.example.com/", ["93.184.216.34"], "user name"),
    ("ftp://hooks.example.com/", ["93.184.216.34"], "https://"),
])
def test_a_url_that_is_not_public_https_is_refused(url, addresses, why):
    with pytest.raises(EndpointRefused, match=why.replace(".", r"\.")):
        urls.check(url, resolve=resolving(*addresses))


def test_every_address_a_public_https_host_resolves_to_is_accepted():
    url = " https://hooks.zapier.com/hooks/catch/1/abc/ "
    assert urls.check(url, resolve=resolving("54.1.2.3", "3.4.5.6")) == url.strip()


def test_the_settings_allow_http_and_private_addresses_for_the_demo():
    assert urls.check("http://127.0.0.1:8100/_sandbox/events", allow_http=True,
                      allow_private=True)
    with pytest.raises(EndpointRefused, match="127.0.0.1"):
        urls.check("http://127.0.0.1:8100/_sandbox/events", allow_http=True)


def test_a_host_that_does_not_resolve_is_refused():
    def fail(*args, **kwargs):
        raise socket.gaierror("Name or service not known")
    with pytest.raises(EndpointRefused, match="cannot be resolved"):
        urls.check("https://nowhere.invalid/", resolve=fail)


def test_the_secret_is_stored_encrypted_and_read_back(db, tmp_path):
    cfg = make_config(tmp_path, "http://127.0.0.1:9", events_allow_http="on",
                      events_allow_private="on")
    endpoint, secret = endpoints.create(cfg, "http://127.0.0.1:9/hook", ["run.failed"])
    assert secret.startswith("whsec_") and len(secret) > 30
    assert secret not in endpoint.secret and endpoints.secret_of(endpoint, cfg) == secret
    with pytest.raises(EndpointRefused, match="unknown event type"):
        endpoints.create(cfg, "http://127.0.0.1:9/hook", ["run.exploded"])


def ended(entity, direction, status="finished", **counts):
    run = runs.new_run(entity, direction, "schedule")
    progress = runs.Progress(run)
    progress.start()
    progress.add(**counts)
    progress.finish(status, "done" if status == "finished" else "stopped: Cin7 down")
    return runs.get(run.id)


def test_a_failed_record_event_names_both_ids_and_the_reason(db):
    run = ended("customers", "export", read=2)
    Link.create(entity="customer", cin7_id="c-1", system="hubspot", remote_type="company",
                remote_id="hs-9")
    Result.create(run=run, record_id="c-1", record_name="Acme", action="update",
                  outcome="failed", field="Phone", reason="invalid phone")
    failed, finished = shapes.for_run(run, PANEL)
    assert failed.type == "record.failed" and finished.type == "run.finished"
    assert failed.data | {} == {"run_id": run.id, "entity": "customers", "direction": "export",
                                "record_name": "Acme", "cin7_id": "c-1",
                                "remote_system": "hubspot", "remote_id": "hs-9",
                                "action": "update", "field": "Phone",
                                "reason": "invalid phone"}
    assert finished.data["counts"] == {"read": 2, "created": 0, "updated": 0, "unchanged": 0,
                                       "failed": 0}


def test_a_failed_run_is_a_run_failed_event(db):
    [event] = shapes.for_run(ended("products", "import", status="failed"), PANEL)
    assert event.type == "run.failed" and event.data["message"] == "stopped: Cin7 down"


def test_a_sales_import_tells_of_each_sale_it_created(db):
    run = ended("sales", "import", created=1)
    Result.create(run=run, record_id="deal-5", record_name="Spring order", action="create",
                  outcome="ok", remote_id="sale-77")
    created = [e for e in shapes.for_run(run, PANEL) if e.type == "sale.created"]
    assert [e.data for e in created] == [{"run_id": run.id, "deal_id": "deal-5",
                                          "sale_id": "sale-77", "name": "Spring order"}]


def test_a_joor_match_tells_of_each_pair_put_to_a_person(db):
    run = ended("joor", "match")
    MatchProposal.create(run_id=run.id, cin7_id="c-3", cin7_name="Bloom", joor_code="J-1",
                         joor_name="Bloom Ltd", score=71, reasons=["name"], status="review")
    MatchProposal.create(run_id=run.id, cin7_id="c-4", joor_code="J-2", status="linked")
    [review] = [e for e in shapes.for_run(run, PANEL) if e.type == "joor.review_needed"]
    assert review.data["cin7_id"] == "c-3" and review.data["joor_code"] == "J-1"


def test_dry_runs_and_list_refreshes_make_no_events(db):
    dry = runs.new_run("customers", "export", "cli", dry_run=True)
    runs.Progress(dry).finish("finished")
    assert shapes.for_run(runs.get(dry.id), PANEL) == []
    assert shapes.for_run(ended("customers", "refresh"), PANEL) == []


def test_a_sales_export_tells_of_each_deal_first_linked_in_the_run(db):
    before = runs.utcnow()
    Link.create(entity="sale", cin7_id="s-old", system="hubspot", remote_type="deal",
                remote_id="d-old", listed_at=before.replace(year=2020))
    run = runs.new_run("sales", "export", "schedule")
    progress = runs.Progress(run)
    progress.start()
    Link.create(entity="sale", cin7_id="s-1", system="hubspot", remote_type="deal",
                remote_id="d-1", name="SO-1")
    progress.finish("finished")
    created = [e.data for e in shapes.for_run(runs.get(run.id), PANEL)
               if e.type == "deal.created"]
    assert created == [{"run_id": run.id, "sale_id": "s-1", "deal_id": "d-1", "name": "SO-1"}]
