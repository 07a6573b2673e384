"""PRD-5: a product's images (Cin7 attachments) on the HubSpot product."""

from types import SimpleNamespace

import requests

from core import schema, settings
from core.connectors.hubspot import HubSpot
from core.products.export import has_image_property
from core.products.to_hubspot import IMAGE_PROPERTY
from tests.conftest import make_config
from tests.test_customers_export import hubspot_writes
from tests.test_delivery_addresses import SLOW, landed
from tests.test_products_export import CIN7, export, hubspot_products

TOKEN = {"Authorization": "Bearer pat-na1-sandbox"}


def with_attachments(sandbox):
    """Cin7 products as GET /product?IncludeAttachments=true lists them, by id."""
    body = requests.get(f"{sandbox.url}/cin7/ExternalApi/v2/product", headers=CIN7, timeout=10,
                        params={"Limit": 1000, "IncludeDeprecated": "true",
                                "IncludeAttachments": "true"}).json()
    return {p["ID"]: p for p in body["Products"]}


def images(product):
    return [a["DownloadUrl"] for a in product["Attachments"]
            if a["ContentType"].startswith("image/")]


def test_the_account_has_hubspots_image_property_as_text(exporting, sandbox):
    found = HubSpot(exporting).properties("products")[IMAGE_PROPERTY]
    assert found["type"] == "string" and found["hubspotDefined"]


def test_the_first_image_is_the_product_image_and_every_image_is_listed(exporting, sandbox):
    export(exporting)
    products, listed = with_attachments(sandbox), hubspot_products(sandbox)
    pictured = [p for p in products.values() if images(p)]
    assert pictured and any(len(p["Attachments"]) > len(images(p)) for p in pictured), \
        "the seed must include products with images and a non-image attachment"
    for product in pictured:
        props = listed[product["ID"]]["properties"]
        assert props[IMAGE_PROPERTY] == images(product)[0]
        assert props["cin7_images"].split("\n") == images(product)
    bare = next(p for p in products.values() if not p["Attachments"])
    assert not listed[bare["ID"]]["properties"].get(IMAGE_PROPERTY)


def test_a_changed_image_follows_and_a_rerun_writes_nothing(exporting, sandbox):
    export(exporting)
    product = next(p for p in with_attachments(sandbox).values() if images(p))
    url = "https://example.com/new-photo.jpg"
    r = requests.patch(f"{sandbox.url}/_sandbox/cin7/products/{product['ID']}", timeout=10,
                       json={"Attachments": [{"DownloadUrl": url, "FileName": "new-photo.jpg"}]})
    assert r.status_code == 200, r.text
    run = export(exporting)
    assert (run.created, run.updated) == (0, 1)
    assert hubspot_products(sandbox)[product["ID"]]["properties"][IMAGE_PROPERTY] == url
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=10)
    again = export(exporting)
    assert (again.created, again.updated) == (0, 0)
    assert hubspot_writes(sandbox) == []


def test_a_retried_upsert_makes_no_duplicate_product(tmp_path, sandbox):
    config = make_config(tmp_path / "slow", sandbox.url, http_timeout=0.5)
    schema.init(config.database_url)
    settings.set("sync.enabled", "on")
    sandbox.fault(system="hubspot", kind="slow", count=1, delay=SLOW, path="products/batch/upsert")
    export(config)
    landed()
    ids = [p["properties"]["cin7_product_id"] for p in sandbox.hubspot("products")]
    assert len(ids) == len(set(ids)) == len(with_attachments(sandbox))
    pictured = next(p for p in with_attachments(sandbox).values() if images(p))
    assert hubspot_products(sandbox)[pictured["ID"]]["properties"][IMAGE_PROPERTY]


def test_without_the_image_property_the_run_says_so_and_goes_on():
    ctx = SimpleNamespace(hubspot=SimpleNamespace(properties=lambda kind: {}), notes=[])
    assert has_image_property(ctx) is False
    assert IMAGE_PROPERTY in ctx.notes[0]
