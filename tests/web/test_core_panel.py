"""The core modules behind the panel: accounts, encrypted connection keys, the catalogue."""

import datetime

import pytest

from core import accounts, connections, links
from core.customers import listing as customer_list
from core.records import Contact, Customer
from core.store import Connection, Link, utcnow
from tests.conftest import make_config


def test_passwords_are_stored_hashed(db):
    admin = accounts.create_admin(" Ada ", "correct horse battery")
    assert admin.username == "ada"
    assert "correct horse" not in admin.password_hash
    assert accounts.sign_in("ADA", "correct horse battery", "10.0.0.1").id == admin.id


def test_short_passwords_and_taken_names_are_refused(db):
    with pytest.raises(accounts.AccountError, match="at least 10 characters"):
        accounts.create_admin("ada", "short")
    accounts.create_admin("ada", "long enough pass")
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.create_admin("ADA", "long enough pass")


def test_failures_from_one_ip_block_every_user_name_from_it(db):
    now = utcnow()
    for i in range(accounts.MAX_FAILURES["ip"]):
        with pytest.raises(accounts.AccountError):
            accounts.sign_in(f"user{i}", "guess", "10.0.0.9", now)
    assert accounts.blocked("someone-else", "10.0.0.9", now) >= 1
    assert accounts.blocked("someone-else", "10.0.0.10", now) == 0


def test_the_block_lifts_after_the_window(db):
    accounts.create_admin("ada", "correct horse battery")
    then = utcnow() - accounts.WINDOW - datetime.timedelta(seconds=1)
    for _ in range(accounts.MAX_FAILURES["user"]):
        with pytest.raises(accounts.AccountError):
            accounts.sign_in("ada", "guess", "10.0.0.1", then)
    assert accounts.sign_in("ada", "correct horse battery", "10.0.0.1").username == "ada"


def test_keys_round_trip_encrypted(db, tmp_path):
    config = make_config(tmp_path, "http://sandbox.invalid", hubspot_token="")
    connections.save("hubspot", {"hubspot_token": "pat-abc-123456789", "unknown": "x"},
                     config.secret_key)
    assert "pat-abc" not in Connection.get(Connection.system == "hubspot").secrets
    assert connections.load("hubspot", config.secret_key) == {"hubspot_token": "pat-abc-123456789"}
    assert connections.effective_config(config).hubspot_token == "pat-abc-123456789"
    rows = connections.masked("hubspot", config)
    assert rows[0]["source"] == "panel" and rows[0]["shown"] == "••••••••6789"


def test_disconnecting_cin7_forgets_every_link_and_the_catalogue(db):
    customer_list.save([Customer(id="C1", name="Acme")])
    links.save("hubspot", "customer", "C1", "company", "1")
    links.save("joor", "customer", "C1", "connection", "J1")
    assert connections.disconnect_preview("cin7")["links"] == 2
    connections.disconnect("cin7")
    assert Link.select().count() == 0 and customer_list.summary()["customers"] == 0


def test_catalogue_search_joins_the_listing_status(db):
    customer_list.save([
        Customer(id="C1", name="Acme", contacts=[Contact(name="Al", email="al@acme.test", id="K1")]),
        Customer(id="C2", name="Bolt", status="Deprecated"),
        Customer(id="C3", name="Crane"),
    ])
    links.save("hubspot", "customer", "C1", "company", "101", name="Acme")
    links.save("hubspot", "contact", "K1", "contact", "501", name="Al")
    page = customer_list.search()
    assert page.total == 3 and [r["name"] for r in page.rows] == ["Acme", "Bolt", "Crane"]
    assert page.rows[0]["link"].remote_id == "101"
    assert page.rows[0]["contacts"][0].remote_id == "501"
    assert customer_list.search(listed=False).total == 2
    assert [r["cin7_id"] for r in customer_list.search(status="Deprecated").rows] == ["C2"]
    assert [r["cin7_id"] for r in customer_list.search("al@acme").rows] == ["C1"]
    assert [r["cin7_id"] for r in customer_list.search("101").rows] == ["C1"]  # by HubSpot id
    assert customer_list.unlink("C1") == 2
    assert customer_list.search(listed=True).total == 0


def test_keyset_pages_walk_the_list_both_ways(db):
    customer_list.save([Customer(id=f"C{i}", name=name) for i, name in
                            enumerate(["delta", "alpha", "echo", "bravo", "charlie", "alpha"])])
    names = lambda page: [(r["name"], r["cin7_id"]) for r in page.rows]  # noqa: E731
    first = customer_list.search(per_page=2)
    assert names(first) == [("alpha", "C1"), ("alpha", "C5")]
    assert (first.has_previous, first.has_next) == (False, True)
    second = customer_list.search(after=first.last, per_page=2)
    assert names(second) == [("bravo", "C3"), ("charlie", "C4")]
    assert (second.has_previous, second.has_next) == (True, True)
    back = customer_list.search(before=second.first, per_page=2)
    assert names(back) == names(first) and back.has_previous is False
    last = customer_list.search(last=True, per_page=2)
    assert names(last) == [("delta", "C0"), ("echo", "C2")]
    assert (last.has_previous, last.has_next) == (True, False)
    searched = customer_list.search("a", after="C1", per_page=3)  # a search pages the same way
    assert names(searched) == [("alpha", "C5"), ("bravo", "C3"), ("charlie", "C4")]
