"""The Cin7 Core simulator's products and stock, seen from an HTTP client."""

import time

import pytest
import requests

from sandbox import seed
from sandbox.testing import Running

VALID = {"SKU": "TEE-RED-M", "Name": "Tee - Red - M", "Category": "Apparel", "Type": "Stock",
         "CostingMethod": "FIFO", "UOM": "Item", "Status": "Active"}
PRODUCTS = 60


@pytest.fixture(scope="module")
def box():
    running = Running({"customers": 5, "products": PRODUCTS, "cin7_rate_per_minute": 0})
    yield running
    running.close()


@pytest.fixture
def cin7(box):
    """(box, call): Cin7's auth headers on a freshly seeded sandbox."""
    box.reset(customers=5, products=PRODUCTS, cin7_rate_per_minute=0)
    session = requests.Session()
    session.headers.update(box.cin7_headers)

    def call(method, path, **kwargs):
        return session.request(method, box.cin7_url + path, timeout=10, **kwargs)

    yield box, call
    session.close()


def _patch(box, path, body):
    return box.control.patch(f"{box.url}/_sandbox/{path}", json=body, timeout=10)


def test_pages_cover_every_active_product_once_in_modified_order(cin7):
    box, call = cin7
    everything = box.get("cin7/products")
    active = [p for p in everything if p["Status"] != "Deprecated"]
    assert len(everything) == PRODUCTS and len(active) < PRODUCTS
    seen = []
    for page in (1, 2, 3):
        body = call("GET", "Product", params={"Page": page, "Limit": 25}).json()
        assert body["Total"] == len(active) and body["Page"] == page
        seen += body["Products"]
    assert len(seen) == len({p["ID"] for p in seen}) == len(active)
    keys = [(p["LastModifiedOn"], p["ID"]) for p in seen]
    assert keys == sorted(keys)
    assert call("GET", "product", params={"Page": 9, "Limit": 25}).json()["Products"] == []
    assert call("GET", "product").json()["Total"] == len(active)  # default Limit 100
    assert call("GET", "product", params={"Limit": 1001}).status_code == 400


def test_include_deprecated_and_the_id_name_and_sku_filters(cin7):
    box, call = cin7
    deprecated = [p for p in box.get("cin7/products") if p["Status"] == "Deprecated"]
    everything = call("GET", "product", params={"IncludeDeprecated": "true", "Limit": 1000})
    assert everything.json()["Total"] == PRODUCTS
    by_id = call("GET", "product", params={"ID": deprecated[0]["ID"]}).json()
    assert by_id["Total"] == 0  # Deprecated stays hidden unless asked for
    by_id = call("GET", "product", params={"ID": deprecated[0]["ID"].upper(),
                                           "IncludeDeprecated": "True"}).json()
    assert [p["ID"] for p in by_id["Products"]] == [deprecated[0]["ID"]]
    shirt = next(p for p in box.get("cin7/products") if p["Type"] == "Stock"
                 and p["Status"] == "Active")
    part = shirt["SKU"][2:-1].lower()  # contained, not only the start
    skus = [p["SKU"] for p in call("GET", "product", params={"Sku": part}).json()["Products"]]
    assert shirt["SKU"] in skus and all(part in s.lower() for s in skus)
    word = shirt["Name"].split(" - ")[1]  # the colour, in the middle of the name
    names = [p["Name"] for p in call("GET", "product", params={"Name": word}).json()["Products"]]
    assert shirt["Name"] in names and all(word.lower() in n.lower() for n in names)


def test_products_have_cin7s_fields_and_reference_names(cin7):
    _, call = cin7
    tiers = [t["Name"] for t in call("GET", "ref/priceTier").json()["PriceTiers"]]
    categories = {c["Name"] for c in call("GET", "ref/category").json()["CategoryList"]}
    brands = {b["Name"] for b in call("GET", "ref/brand").json()["BrandList"]}
    products = call("GET", "product", params={"IncludeDeprecated": "true"}).json()["Products"]
    fields = ["ID", "SKU", "Name", "Category", "Brand", "Type", "CostingMethod", "DropShipMode",
              "DefaultLocation", "UOM", "Barcode", "Weight", "WeightUnits", "PriceTiers",
              "AverageCost", "ShortDescription", "Description", "Tags", "Status", "Sellable",
              "LastModifiedOn", *[f"PriceTier{i}" for i in range(1, 11)],
              *[f"AdditionalAttribute{i}" for i in range(1, 11)]]
    for product in products:
        assert all(field in product for field in fields)
        assert list(product["PriceTiers"]) == tiers
        assert [product["PriceTiers"][t] for t in tiers] == \
            [product[f"PriceTier{i}"] for i in range(1, 11)]
        assert product["Category"] in categories
        assert product["Brand"] in brands | {None}
        assert len(product["LastModifiedOn"]) == 24 and product["LastModifiedOn"].endswith("Z")
    stock = [p for p in products if p["Type"] == "Stock"]
    assert all(0 < p["PriceTiers"]["Wholesale"] < p["PriceTiers"]["Retail"] for p in stock)
    assert all(0 < p["AverageCost"] < p["PriceTiers"]["Wholesale"] for p in stock)
    assert "Suppliers" not in products[0]  # the Include* lists come only when asked for
    with_lists = call("GET", "product", params={"Limit": 1, "IncludeSuppliers": "true"}).json()
    assert with_lists["Products"][0]["Suppliers"] == []


def test_modified_since_returns_products_changed_from_then(cin7):
    box, call = cin7
    everything = box.get("cin7/products")
    middle = everything[PRODUCTS // 2]["LastModifiedOn"]
    later = call("GET", "product", params={"ModifiedSince": middle, "IncludeDeprecated": "true",
                                           "Limit": 1000}).json()
    assert [p["ID"] for p in later["Products"]] == [p["ID"] for p in everything
                                                    if p["LastModifiedOn"] >= middle]
    assert call("GET", "product", params={"ModifiedSince": "yesterday"}).status_code == 400


def test_create_validates_like_cin7(cin7):
    box, call = cin7
    for field in ("SKU", "Name", "Category", "Type", "CostingMethod", "UOM", "Status"):
        missing = call("POST", "product", json={k: v for k, v in VALID.items() if k != field})
        assert missing.status_code == 400
        assert missing.json() == {"ErrorCode": 400,
                                  "Exception": f"Required attribute {field} is not provided."}
    unknown = call("POST", "product", json={**VALID, "Category": "Garden"})
    assert unknown.status_code == 400
    assert unknown.json() == {"ErrorCode": 404, "Exception": "Category not found."}
    brand = call("POST", "product", json={**VALID, "Brand": "Acme"}).json()
    assert brand == {"ErrorCode": 404, "Exception": "Brand 'Acme' was not found in reference book"}
    taken = box.get("cin7/products")[0]["SKU"]
    dup = call("POST", "product", json={**VALID, "SKU": taken.lower()})
    assert dup.status_code == 400
    assert dup.json()["Exception"] == f"Product with SKU '{taken.lower()}' already exists."
    assert "Type 'Kit'" in call("POST", "product", json={**VALID, "Type": "Kit"}).json()["Exception"]
    assert len(box.get("cin7/products")) == PRODUCTS  # nothing refused was stored


def test_create_answers_the_products_wrapper_with_defaults_and_no_stock(cin7):
    box, call = cin7
    r = call("POST", "product", json={**VALID, "ID": "ignored", "Category": "apparel",
                                      "PriceTiers": {"Retail": 25, "wholesale": 12.5}})
    assert r.status_code == 200
    answer = r.json()
    assert answer["Total"] == 1 and answer["Page"] == 1
    created = answer["Products"][0]
    assert len(created["ID"]) == 36 and created["Category"] == "Apparel"
    assert (created["PriceTier1"], created["PriceTier2"]) == (12.5, 25.0)  # Wholesale, Retail
    assert created["Sellable"] is True and created["AverageCost"] == 0
    assert created["DropShipMode"] == "No Drop Ship"
    assert any(p["ID"] == created["ID"] for p in box.get("cin7/products"))
    rows = call("GET", "ref/productavailability", params={"ID": created["ID"]}).json()
    assert rows["Total"] == 0
    assert call("DELETE", "product", params={"ID": created["ID"]}).status_code == 405


def test_put_renames_the_sku_ignores_type_and_bumps_last_modified(cin7):
    box, call = cin7
    old = next(p for p in box.get("cin7/products") if p["Type"] == "Stock"
               and p["Status"] == "Active")
    r = call("PUT", "product", json={"ID": old["ID"], "SKU": "RENAMED-1", "Type": "Service",
                                     "PriceTier2": 99.5})
    assert r.status_code == 200
    updated = r.json()["Products"][0]
    assert updated["SKU"] == "RENAMED-1" and updated["Type"] == "Stock"
    assert updated["PriceTiers"]["Retail"] == 99.5 and updated["Name"] == old["Name"]
    assert updated["LastModifiedOn"] > old["LastModifiedOn"]
    by_old_sku = call("GET", "product", params={"Sku": old["SKU"]}).json()["Products"]
    assert all(p["ID"] != old["ID"] for p in by_old_sku)
    since = call("GET", "product", params={"ModifiedSince": updated["LastModifiedOn"][:19]})
    assert [p["ID"] for p in since.json()["Products"]] == [old["ID"]]
    rows = call("GET", "ref/productavailability", params={"ID": old["ID"]}).json()
    assert rows["Total"] and all(r["SKU"] == "RENAMED-1" for r in rows["ProductAvailabilityList"])
    other = next(p["SKU"] for p in box.get("cin7/products") if p["ID"] != old["ID"])
    clash = call("PUT", "product", json={"ID": old["ID"], "SKU": other})
    assert clash.status_code == 400 and "already exists" in clash.json()["Exception"]
    missing = call("PUT", "product", json={"ID": "00000000-0000-0000-0000-000000000000"})
    assert missing.status_code == 400 and "not found" in missing.json()["Exception"]


def test_availability_has_a_row_per_location_and_none_for_services(cin7):
    box, call = cin7
    products = box.get("cin7/products")
    body = call("GET", "ref/productavailability", params={"Limit": 1000}).json()
    rows = body["ProductAvailabilityList"]
    assert body["Total"] == len(rows) and body["Page"] == 1
    assert list(rows[0]) == ["ID", "SKU", "Name", "Barcode", "Location", "Bin", "Batch",
                             "ExpiryDate", "OnHand", "Allocated", "Available", "OnOrder",
                             "StockOnHand", "InTransit", "NextDeliveryDate"]
    per_product = {}
    for row in rows:
        per_product.setdefault(row["ID"], []).append(row["Location"])
        assert row["Available"] == row["OnHand"] - row["Allocated"]
    kinds = {p["ID"]: p["Type"] for p in products}
    assert {kinds[i] for i in per_product} == {"Stock"}
    assert all(2 <= len(places) == len(set(places)) <= 3 for places in per_product.values())
    assert len(per_product) == sum(kind == "Stock" for kind in kinds.values())
    service = next(p for p in products if p["Type"] == "Service")
    assert call("GET", "ref/productavailability",
                params={"Sku": service["SKU"]}).json()["Total"] == 0
    place = rows[0]["Location"]
    here = call("GET", "ref/productavailability", params={"Location": place.upper(),
                                                          "Limit": 1000}).json()
    assert here["Total"] == sum(r["Location"] == place for r in rows)
    one = call("GET", "ref/productavailability", params={"Sku": rows[0]["SKU"]}).json()
    assert {r["ID"] for r in one["ProductAvailabilityList"]} == {rows[0]["ID"]}
    paged = call("GET", "ref/productavailability", params={"Page": 2, "Limit": 10}).json()
    assert paged["ProductAvailabilityList"] == rows[10:20]


def test_stock_changes_through_the_control_endpoint_leave_last_modified_alone(cin7):
    box, call = cin7
    product = next(p for p in box.get("cin7/products") if p["Type"] == "Stock")
    r = _patch(box, "cin7/stock", {"ProductID": product["ID"], "Location": "royal", "OnHand": 1})
    assert r.status_code == 400
    r = _patch(box, "cin7/stock", {"ProductID": product["ID"], "Location": "auckland store",
                                   "OnHand": 7, "Allocated": 2})
    assert r.status_code == 200
    assert (r.json()["Location"], r.json()["OnHand"], r.json()["Available"]) == \
        ("Auckland Store", 7, 5)
    rows = call("GET", "ref/productavailability", params={"ID": product["ID"],
                                                          "Location": "Auckland Store"}).json()
    assert rows["ProductAvailabilityList"][0]["OnHand"] == 7
    after = next(p for p in box.get("cin7/products") if p["ID"] == product["ID"])
    assert after["LastModifiedOn"] == product["LastModifiedOn"]
    service = next(p for p in box.get("cin7/products") if p["Type"] == "Service")
    refused = _patch(box, "cin7/stock", {"ProductID": service["ID"], "Location": "Main Warehouse",
                                         "OnHand": 1})
    assert refused.status_code == 400
    assert _patch(box, "cin7/stock", {"ProductID": "nope", "OnHand": 1}).status_code == 404


def test_a_user_edit_shows_up_in_modified_since_and_reset_reseeds(cin7):
    box, call = cin7
    target = box.get("cin7/products")[10]
    before = time.time()
    r = _patch(box, f"cin7/products/{target['ID']}", {"Name": "Changed in Cin7", "Type": "x"})
    assert r.status_code == 200 and r.json()["Name"] == "Changed in Cin7"
    assert _patch(box, f"cin7/products/{target['ID']}", {"UOM": "Crate"}).status_code == 400
    assert _patch(box, "cin7/products/nope", {"Name": "x"}).status_code == 404
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(before - 1))
    changed = call("GET", "product", params={"ModifiedSince": stamp,
                                             "IncludeDeprecated": "true"}).json()
    assert [p["ID"] for p in changed["Products"]] == [target["ID"]]
    box.reset(customers=5, products=PRODUCTS, cin7_rate_per_minute=0)
    assert box.get("cin7/products")[10] == target


def test_reference_books_for_products(cin7):
    _, call = cin7
    for path, key in [("ref/brand", "BrandList"), ("ref/unit", "UnitList")]:
        body = call("GET", path, params={"Page": 1, "Limit": 2}).json()
        assert body["Total"] > 2 and len(body[key]) == 2 and set(body[key][0]) == {"ID", "Name"}


def test_generator_is_deterministic_with_every_case_at_fixed_positions():
    a = seed.generate_products(400, 7)
    assert a == seed.generate_products(400, 7) and a != seed.generate_products(400, 8)
    small = seed.generate_products(8, 1)
    assert small[3]["Type"] == "Service" and small[3]["Status"] == "Active"
    assert small[5]["Status"] == "Deprecated" and small[5]["Type"] == "Stock"
    assert small[7]["Sellable"] is False and small[7]["Status"] == "Active"
    assert len({p["SKU"].lower() for p in a}) == len(a)
    assert 0.05 < sum(p["Type"] == "Service" for p in a) / len(a) < 0.15
    assert 0.02 < sum(p["Status"] == "Deprecated" for p in a) / len(a) < 0.09
    assert 0.02 < sum(not p["Sellable"] for p in a) / len(a) < 0.09
    shirt = next(p for p in a if p["Name"].startswith("Linen Shirt - "))
    colour, size = shirt["Name"].split(" - ")[1:]
    assert shirt["SKU"].startswith("LSH-") and shirt["SKU"].endswith(f"-{size}")
    assert colour and len(shirt["Barcode"]) == 13
    stock = seed.generate_stock(a, 7)
    assert set(stock) == {p["ID"] for p in a if p["Type"] == "Stock"}


def test_generator_takes_the_benchmarks_reference_lists():
    tiers = [f"Tier {i}" for i in range(1, 11)]
    products = seed.generate_products(30, 3, tiers, ["Apparel", "Other"], ["Acme"], ["A", "B"])
    goods = [p for p in products if p["Type"] == "Stock"]
    assert all(p["PriceTier2"] == pytest.approx(p["PriceTier1"] * 0.5, abs=0.01) for p in goods)
    assert {p["Category"] for p in products} <= {"Apparel", "Other"}
    assert {p["Brand"] for p in goods} == {"Acme"}
    assert {p["DefaultLocation"] for p in goods} <= {"A", "B"}
    stock = seed.generate_stock(products, 3, ["A", "B"])
    assert all(set(places) == {"A", "B"} for places in stock.values())
