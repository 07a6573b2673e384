"""Products (PRD-1, PRD-2): listing per Cin7 product, search, list selected, unlink, remove, CSV."""

import csv
import io

import pytest
import requests

from core import runner, runs, settings
from core.connectors.cin7 import Cin7
from core.products import listing as product_list
from core.records import Product
from core.store import Link
from tests.web.conftest import text


@pytest.fixture
def exporting(web_config):
    settings.set("products.direction", "export")
    return web_config


def _export(config):
    run = runner.sync(config, "products", "export")
    assert run.status == "finished", run.message
    return run


def _listed(sandbox):
    return {p["properties"]["cin7_product_id"]: p for p in sandbox.hubspot("products")}


def test_the_page_lists_products_after_an_export(exporting, panel, sandbox):
    _export(exporting)
    products = sandbox.get("cin7/products")
    page = text(panel.get("/products/"))
    assert f"{len(products)} products" in page
    assert 'href="/products/"' in page and ">Products</a>" in page  # in the nav
    link = Link.get(Link.entity == "product", Link.system == "hubspot")
    row = text(panel.get(f"/products/?q={link.cin7_id}"))
    assert "1 product match" in row
    assert f"<code>{link.remote_id}</code>" in row and 'class="badge finished">listed' in row
    assert _listed(sandbox)[link.cin7_id]["id"] == link.remote_id


def test_search_by_sku_answers_with_the_table_only(exporting, panel, sandbox):
    _export(exporting)
    product = sandbox.get("cin7/products")[7]
    body = text(panel.get(f"/products/?q={product['SKU']}", htmx=True))
    assert 'id="products-table"' in body and "<html" not in body
    assert product["ID"] in body and product["SKU"] in body
    others = [p for p in sandbox.get("cin7/products") if product["SKU"] not in p["SKU"]]
    assert others[0]["ID"] not in body


def test_filters_listed_and_not_listed(panel):
    product_list.save([Product(id="P-1", sku="A-1", name="Alpha"),
                           Product(id="P-2", sku="B-1", name="Bravo", status="Deprecated")])
    from core import links

    links.save("hubspot", "product", "P-1", "product", "101", name="Alpha")
    listed = text(panel.get("/products/?listed=yes"))
    assert "1 product match" in listed and "Alpha" in listed and "Bravo" not in listed
    unlisted = text(panel.get("/products/?listed=no&status=Deprecated"))
    assert "1 product match" in unlisted and "Bravo" in unlisted and "Alpha" not in unlisted


def test_unlink_forgets_the_link_and_changes_nothing_in_hubspot(exporting, panel, sandbox):
    _export(exporting)
    link = Link.get(Link.entity == "product", Link.system == "hubspot")
    before = sandbox.hubspot("products")
    row = text(panel.post(f"/products/{link.cin7_id}/unlink", {"back": "/products/"},
                          htmx=True))
    assert row.strip().startswith("<tr") and "not listed" in row and "unlinked" in row
    assert not Link.select().where(Link.entity == "product",
                                   Link.cin7_id == link.cin7_id).exists()
    assert sandbox.hubspot("products") == before


def test_remove_asks_first_then_archives_the_hubspot_product(exporting, panel, sandbox):
    _export(exporting)
    link = Link.get(Link.entity == "product", Link.system == "hubspot")
    ask = panel.get(f"/products/{link.cin7_id}/remove?back=/products/")
    assert ask.status_code == 200 and "Remove from HubSpot" in text(ask)
    assert link.cin7_id in _listed(sandbox)  # asking changes nothing
    done = panel.post(f"/products/{link.cin7_id}/remove", {"back": "/products/"},
                      follow_redirects=True)
    assert "removed from HubSpot" in text(done)
    assert link.cin7_id not in _listed(sandbox)
    assert link.remote_id not in {p["id"] for p in sandbox.hubspot("products")}
    assert Link.get(Link.id == link.id).state == "removed"  # later runs leave it out
    listed = {row["cin7_id"] for row in product_list.search(listed=True).rows}
    assert link.cin7_id not in listed  # shown as not listed, ready to be listed again
    assert product_list.get(link.cin7_id) is not None  # the Cin7 product stays listed here


def test_remove_needs_the_csrf_token(exporting, panel, sandbox):
    _export(exporting)
    link = Link.get(Link.entity == "product", Link.system == "hubspot")
    assert panel.post(f"/products/{link.cin7_id}/remove", csrf=False).status_code == 400
    assert link.cin7_id in _listed(sandbox)


def test_list_selected_products_runs_only_those(exporting, panel, sandbox):
    product_list.refresh(Cin7(exporting))
    ids = [p["ID"] for p in sandbox.get("cin7/products")[:2]]
    response = panel.post("/products/sync", {"ids": ids, "back": "/products/"})
    run = runs.get(int(response.headers["Location"].rsplit("/", 1)[1]))
    assert sorted(run.only) == sorted(ids) and run.status == "finished"
    assert run.entity == "products" and run.trigger == "panel"
    assert "2 products match" in text(panel.get("/products/?listed=yes"))


def test_the_csv_has_the_rows_and_no_formulas(panel):
    from core import links

    product_list.save([Product(id="P-1", sku="=SUM(A1)", name="Alpha"),
                           Product(id="P-2", sku="B-1", name="Bravo", sellable=False)])
    links.save("hubspot", "product", "P-2", "product", "202", name="Bravo")
    response = panel.get("/products/export.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text(response))))
    assert rows[0][:3] == ["cin7_id", "sku", "name"]
    assert rows[1][:3] == ["P-1", "'=SUM(A1)", "Alpha"] and rows[1][6] == "no"
    assert rows[2][:7] == ["P-2", "B-1", "Bravo", "Active", "no", "Stock", "yes"]
    assert rows[2][7] == "202"
    only = list(csv.reader(io.StringIO(text(panel.get("/products/export.csv?q=B-1")))))
    assert [r[0] for r in only[1:]] == ["P-2"]


def test_a_product_named_like_a_script_is_shown_escaped(exporting, panel, sandbox):
    cin7_id = sandbox.get("cin7/products")[0]["ID"]
    requests.patch(f"{sandbox.url}/_sandbox/cin7/products/{cin7_id}",
                   json={"Name": "<script>alert(1)</script>"}, timeout=10).raise_for_status()
    _export(exporting)
    page = text(panel.get("/products/?q=script"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


def test_refresh_reads_products_from_cin7(panel, sandbox):
    response = panel.post("/products/refresh", follow_redirects=True)
    assert f"{len(sandbox.get('cin7/products'))} products from Cin7 read" in text(response)
    assert "/runs/" in response.request.path  # a run: the page never waited on Cin7


def test_signed_out_visitors_are_sent_to_sign_in(anonymous):
    for path in ("/products/", "/products/export.csv"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert anonymous.post("/products/refresh", csrf=False).status_code in (302, 400)
