"""Customers (CUS-5): listing status per Cin7 customer, search, list/update, unlink, CSV."""

import csv
import io
import re

import requests

import tasks
from core import links, runs
from core.customers import listing as customer_list
from core.records import Contact, Customer
from core.store import Link
from tests.web.conftest import text


def _refresh(panel):
    """Refresh from Cin7: a run, whose page says how many were read; then the list."""
    response = panel.post("/customers/refresh", follow_redirects=True)
    assert "customers from Cin7 read" in text(response)
    return panel.get("/customers/")


def _export(panel):
    location = panel.post("/runs/start", {"entity": "customers"}).headers["Location"]
    return runs.get(int(location.rsplit("/", 1)[1]))


def test_refresh_lists_every_cin7_customer_as_not_listed(panel, sandbox):
    cin7 = sandbox.get("cin7/customers")
    page = text(_refresh(panel))
    assert f"{len(cin7)} customers" in page
    assert page.count('<span class="badge">not listed</span>') == min(len(cin7), 50)
    assert "Refresh from Cin7" in page


def test_listed_customers_show_when_and_their_hubspot_ids(panel, sandbox):
    _refresh(panel)
    _export(panel)
    link = Link.get(Link.entity == "customer")
    page = text(panel.get(f"/customers/?q={link.cin7_id}"))
    assert "listed</span>" in page and link.remote_id in page
    assert f"{link.remote_type} <code>{link.remote_id}</code>" in page


def test_search_and_filters_answer_with_the_table_only(panel, sandbox):
    _refresh(panel)
    first = sandbox.get("cin7/customers")[0]
    body = text(panel.get(f"/customers/?q={first['Name'][:6]}", htmx=True))
    assert 'id="customers-table"' in body and "<html" not in body
    assert first["ID"] in body
    assert "0 customers match" in text(panel.get("/customers/?listed=yes", htmx=True))
    unlisted = text(panel.get("/customers/?listed=no"))
    assert f"{customer_list.summary()['customers']} customers match" in unlisted


def test_a_customer_named_like_a_script_is_shown_escaped(panel, sandbox):
    cin7_id = sandbox.get("cin7/customers")[0]["ID"]
    requests.patch(f"{sandbox.url}/_sandbox/cin7/customers/{cin7_id}",
                   json={"Name": "<script>alert(1)</script>"}, timeout=10).raise_for_status()
    _refresh(panel)
    page = text(panel.get("/customers/?q=script"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


def test_list_selected_customers_runs_only_those(panel, sandbox):
    _refresh(panel)
    ids = [c["ID"] for c in sandbox.get("cin7/customers")[:2]]
    response = panel.post("/customers/sync", {"ids": ids, "back": "/customers/"})
    run = runs.get(int(response.headers["Location"].rsplit("/", 1)[1]))
    assert sorted(run.only) == sorted(ids) and run.status == "finished"
    assert run.read == 2 and run.trigger == "panel"
    listed = text(panel.get("/customers/?listed=yes"))
    assert "2 customers match" in listed


def test_list_one_customer(panel, sandbox):
    _refresh(panel)
    cin7_id = sandbox.get("cin7/customers")[3]["ID"]
    response = panel.post(f"/customers/{cin7_id}/sync", htmx=True)
    run = runs.get(int(response.headers["HX-Redirect"].rsplit("/", 1)[1]))
    assert run.only == [cin7_id] and run.status == "finished"
    assert Link.get_or_none(Link.entity == "customer", Link.cin7_id == cin7_id)


def test_selecting_nothing_says_so(panel):
    response = panel.post("/customers/sync", {"back": "/customers/?q=x"}, follow_redirects=True)
    assert "Tick the customers to list or update first." in text(response)


def test_unlink_forgets_the_links_and_changes_nothing_in_hubspot(panel, sandbox):
    _refresh(panel)
    _export(panel)
    customer = next(c for c in sandbox.get("cin7/customers") if c.get("Contacts"))
    companies = sandbox.hubspot("companies")
    row = text(panel.post(f"/customers/{customer['ID']}/unlink", {"back": "/customers/"},
                          htmx=True))
    assert row.strip().startswith("<tr") and "not listed" in row and "unlinked" in row
    assert not Link.select().where(Link.cin7_id == customer["ID"]).exists()
    contact_ids = [c["ID"] for c in customer["Contacts"]]
    assert not Link.select().where(Link.cin7_id.in_(contact_ids)).exists()
    assert sandbox.hubspot("companies") == companies


def test_unlink_without_htmx_goes_back_to_the_list(panel):
    customer_list.save([Customer(id="C-9", name="Nine")])
    links.save("hubspot", "customer", "C-9", "contact", "909", name="Nine")
    response = panel.post("/customers/C-9/unlink", {"back": "/customers/?q=Nine"})
    assert response.headers["Location"] == "/customers/?q=Nine"
    assert Link.select().count() == 0


def test_the_csv_has_the_filtered_list_and_no_formulas(panel):
    customer_list.save([Customer(id="C-1", name="=HYPERLINK(\"x\")",
                                     contacts=[Contact(name="A", email="a@x.test", id="K1")]),
                            Customer(id="C-2", name="Bravo"), Customer(id="C-3", name="Charlie")])
    links.save("hubspot", "customer", "C-2", "contact", "202", name="Bravo")
    response = panel.get("/customers/export.csv?listed=no")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text(response))))
    assert rows[0][:5] == ["cin7_id", "name", "status", "email", "listed"]
    assert [r[0] for r in rows[1:]] == ["C-1", "C-3"]
    assert rows[1][1] == "'=HYPERLINK(\"x\")" and rows[1][3] == "a@x.test"
    listed = list(csv.reader(io.StringIO(text(panel.get("/customers/export.csv?listed=yes")))))
    assert listed[1][:5] == ["C-2", "Bravo", "Active", "", "yes"] and listed[1][6] == "202"


def test_the_list_is_paginated_by_name(panel):
    customer_list.save([Customer(id=f"C-{i:03}", name=f"Customer {i:03}") for i in range(120)])
    first = text(panel.get("/customers/"))
    assert "1–50 of 120" in first and "Customer 049" in first and "Customer 050" not in first
    following = re.search(r'href="(/customers/\?after=C-049[^"]*)"', first).group(1)
    second = text(panel.get(following.replace("&amp;", "&"), htmx=True))
    assert "51–100 of 120" in second and "Customer 050" in second and "Customer 100" not in second
    back = re.search(r'href="(/customers/\?before=C-050[^"]*)"', second).group(1)
    assert "Customer 000" in text(panel.get(back.replace("&amp;", "&")))
    last = text(panel.get("/customers/?last=1"))
    assert "71–120 of 120" in last and "Customer 119" in last and "Next →" not in last


def test_pages_keep_the_filters(panel):
    customer_list.save([Customer(id=f"C-{i:03}", name=f"Shop {i:03}") for i in range(60)])
    page = text(panel.get("/customers/?q=shop&listed=no"))
    assert "60 customers match" in page
    assert re.search(r'href="/customers/\?after=C-049&amp;start=50&amp;q=shop&amp;listed=no"', page)


def test_refresh_without_working_keys_says_why(panel, sandbox):
    sandbox.reset(cin7_application_key="rotated")
    response = panel.post("/customers/refresh", follow_redirects=True)
    assert "failed" in text(response) and "application key was refused" in text(response)


def test_the_page_warns_when_customers_do_not_export(panel):
    from core import settings

    settings.set("customers.direction", "import")
    assert "Customers are set to import" in text(panel.get("/customers/"))


def test_refresh_from_cin7_is_queued_the_page_never_waits_for_cin7(panel, sandbox, config):
    tasks.configure(config, immediate=False)  # a real queue: the worker is elsewhere
    try:
        requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
        response = panel.post("/customers/refresh")
        assert response.status_code == 302 and "/runs/" in response.headers["Location"]
        [run] = runs.recent()
        assert (run.entity, run.direction, run.status) == ("customers", "refresh", "queued")
        assert sandbox.get("requests", system="cin7") == []  # not one call from the page
    finally:
        tasks.huey.flush()
        tasks.configure(config, immediate=True)
