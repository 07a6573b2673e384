"""The Cin7 Core simulator's sales and HubSpot's deals side, seen from an HTTP client."""

import pytest
import requests

from sandbox import create_app
from sandbox.testing import Running

CUSTOMERS, PRODUCTS = 20, 40


@pytest.fixture(scope="module")
def box():
    running = Running({"customers": CUSTOMERS, "products": PRODUCTS, "cin7_rate_per_minute": 0})
    yield running
    running.close()


@pytest.fixture
def cin7(box):
    """(box, call): Cin7's auth headers on a freshly seeded sandbox."""
    box.reset(customers=CUSTOMERS, products=PRODUCTS, cin7_rate_per_minute=0)
    session = requests.Session()
    session.headers.update(box.cin7_headers)

    def call(method, path, **kwargs):
        return session.request(method, box.cin7_url + path, timeout=10, **kwargs)

    yield box, call
    session.close()


def _stocked(box, call):
    """(customer, product, its availability row at the customer's sale location)."""
    customer = next(c for c in box.get("cin7/customers") if c["Status"] == "Active")
    location = call("POST", "sale", json={"CustomerID": customer["ID"]}).json()["Location"]
    rows = call("GET", "ref/productavailability", params={"Location": location,
                                                          "Limit": 1000}).json()
    row = next(r for r in rows["ProductAvailabilityList"] if r["Available"] >= 10)
    return customer, row


def _new_sale(call, customer_id, **header):
    r = call("POST", "sale", json={"CustomerID": customer_id, **header})
    assert r.status_code == 200, r.text
    return r.json()


def _line(row, quantity, price=10.0):
    return {"ProductID": row["ID"], "Name": row["Name"], "Quantity": quantity, "Price": price}


def test_seeded_sales_cover_every_stage_and_page_in_updated_order(cin7):
    box, call = cin7
    everything = box.get("cin7/sales")
    assert len(everything) == CUSTOMERS * 3 // 10
    seen = []
    for page in (1, 2, 3):
        body = call("GET", "saleList", params={"Page": page, "Limit": 2}).json()
        assert body["Total"] == len(everything) and body["Page"] == page
        seen += body["SaleList"]
    assert call("GET", "saleList", params={"Page": 99}).json()["SaleList"] == []
    keys = [(s["Updated"], s["SaleID"]) for s in seen]
    assert keys == sorted(keys) and len({s["SaleID"] for s in seen}) == len(everything) == 6
    row = seen[0]
    for field in ("OrderNumber", "Status", "QuoteStatus", "OrderStatus", "CombinedInvoiceStatus",
                  "CombinedShippingStatus", "CombinedPaymentStatus", "CombinedTrackingNumbers",
                  "InvoiceAmount", "PaidAmount", "CustomerCurrency", "ExternalID", "Type"):
        assert field in row, field
    big = Running({"customers": 100, "cin7_rate_per_minute": 0})
    try:
        statuses = {s["Status"] for s in big.get("cin7/sales")}
    finally:
        big.close()
    assert {"ESTIMATING", "ESTIMATED", "ORDERED", "BACKORDERED", "INVOICED", "COMPLETED",
            "VOIDED"} <= statuses


def test_seeded_sales_are_the_same_for_one_seed_and_the_count_is_an_option():
    a = create_app({"customers": 30, "sales": 12}).extensions["sandbox"].data["cin7"]["sales"]
    b = create_app({"customers": 30, "sales": 12}).extensions["sandbox"].data["cin7"]["sales"]
    c = create_app({"customers": 30, "sales": 12, "seed": 7}).extensions["sandbox"]
    assert len(a) == 12 and a == b and a != c.data["cin7"]["sales"]
    completed = [s for s in a.values() if s["Status"] == "COMPLETED"]
    for sale in completed:
        assert sale["Invoices"][0]["Status"] == "PAID" and sale["Fulfilments"]
        assert sale["CombinedPaymentStatus"] == "PAID"


def test_updated_since_and_the_filters(cin7):
    box, call = cin7
    everything = call("GET", "saleList", params={"Limit": 1000}).json()["SaleList"]
    middle = everything[len(everything) // 2]["Updated"]
    later = call("GET", "saleList", params={"UpdatedSince": middle}).json()["SaleList"]
    assert later and all(s["Updated"] >= middle for s in later)
    assert len(later) < len(everything)
    customer = box.get("cin7/customers")[0]
    sale = _new_sale(call, customer["ID"], ExternalID="hubspot-deal-77",
                     CustomerReference="HS-77")
    found = call("GET", "saleList", params={"ExternalID": "hubspot-deal-77"}).json()
    assert [s["SaleID"] for s in found["SaleList"]] == [sale["ID"]]
    assert call("GET", "saleList", params={"Search": "hs-77"}).json()["Total"] == 1
    estimating = call("GET", "saleList", params={"Status": "ESTIMATING"}).json()["SaleList"]
    assert sale["ID"] in [s["SaleID"] for s in estimating]
    assert {s["Status"] for s in estimating} == {"ESTIMATING"}
    created = call("GET", "saleList", params={"CreatedSince": "2030-01-01"}).json()
    assert created["Total"] == 0
    assert call("GET", "saleList", params={"UpdatedSince": "yesterday"}).status_code == 400
    assert call("GET", "saleList", params={"Limit": 1001}).status_code == 400


def test_a_new_sale_is_estimating_with_the_customers_defaults(cin7):
    box, call = cin7
    customer = box.get("cin7/customers")[0]
    sale = _new_sale(call, customer["ID"], CustomerReference="PO-1", Type="Advanced")
    assert sale["Status"] == "ESTIMATING" and sale["Order"]["SaleOrderNumber"].startswith("SO-")
    assert (sale["Customer"], sale["CustomerCurrency"], sale["TaxRule"], sale["Type"]) == \
        (customer["Name"], customer["Currency"], customer["TaxRule"], "Advanced Sale")
    assert sale["Quote"]["Status"] == sale["Order"]["Status"] == "NOT AVAILABLE"
    read = call("GET", "sale", params={"ID": sale["ID"]}).json()
    assert read == sale
    missing = call("POST", "sale", json={"CustomerID": "5c2f0d56-0000-4000-8000-000000000000"})
    assert missing.status_code == 400 and "not found" in missing.json()["Exception"]
    assert call("POST", "sale", json={"Location": "Main Warehouse"}).json()["Exception"] == \
        "Required attribute CustomerID or Customer is not provided."
    by_name = _new_sale(call, None, Customer=customer["Name"].upper())
    assert by_name["CustomerID"] == customer["ID"]
    bad = call("POST", "sale", json={"CustomerID": customer["ID"], "Location": "Mars"})
    assert bad.status_code == 400 and "Mars" in bad.json()["Exception"]


def test_put_changes_the_header_and_bumps_updated(cin7):
    box, call = cin7
    sale = _new_sale(call, box.get("cin7/customers")[0]["ID"])
    r = call("PUT", "sale", json={"ID": sale["ID"], "CustomerReference": "PO-9",
                                  "Note": "call first"})
    assert r.status_code == 200
    assert (r.json()["CustomerReference"], r.json()["Note"]) == ("PO-9", "call first")
    assert r.json()["LastModifiedOn"] > sale["LastModifiedOn"]
    assert call("PUT", "sale", json={"ID": "nope"}).json()["ErrorCode"] == 404


def test_an_order_is_refused_before_an_authorised_quote(cin7):
    box, call = cin7
    customer, row = _stocked(box, call)
    sale = _new_sale(call, customer["ID"])
    r = call("POST", "sale/order", json={"SaleID": sale["ID"], "Status": "AUTHORISED",
                                         "Lines": [_line(row, 1)]})
    assert r.status_code == 400 and "quote is not authorised" in r.json()["Exception"]
    draft = call("POST", "sale/quote", json={"SaleID": sale["ID"], "Status": "DRAFT",
                                             "Lines": [_line(row, 1)]})
    assert draft.status_code == 200
    assert call("POST", "sale/order", json={"SaleID": sale["ID"], "Status": "DRAFT"}) \
        .status_code == 400
    skipped = _new_sale(call, customer["ID"], SkipQuote=True)
    assert call("POST", "sale/quote", json={"SaleID": skipped["ID"], "Status": "DRAFT",
                                            "Lines": [_line(row, 1)]}).status_code == 400
    r = call("POST", "sale/order", json={"SaleID": skipped["ID"], "Status": "DRAFT",
                                         "Lines": [_line(row, 1)]})
    assert r.status_code == 200
    assert call("GET", "sale", params={"ID": skipped["ID"]}).json()["Status"] == "ORDERING"


def test_a_quote_post_overwrites_its_lines_until_authorised(cin7):
    box, call = cin7
    customer, row = _stocked(box, call)
    sale = _new_sale(call, customer["ID"])
    first = call("POST", "sale/quote", json={"SaleID": sale["ID"], "Status": "DRAFT",
                                             "Lines": [_line(row, 2), _line(row, 3)]}).json()
    assert len(first["Lines"]) == 2 and first["TotalBeforeTax"] == 50.0
    second = call("POST", "sale/quote", json={
        "SaleID": sale["ID"], "Status": "AUTHORISED", "Memo": "agreed",
        "Lines": [{"SKU": row["SKU"].lower(), "Name": "Renamed", "Quantity": 4, "Price": 10,
                   "Discount": 25, "Total": 30}]}).json()
    assert [(ln["Quantity"], ln["Total"], ln["ProductID"]) for ln in second["Lines"]] == \
        [(4.0, 30.0, row["ID"])]
    read = call("GET", "sale", params={"ID": sale["ID"]}).json()
    assert read["Status"] == "ESTIMATED" and read["Quote"]["Memo"] == "agreed"
    again = call("POST", "sale/quote", json={"SaleID": sale["ID"], "Status": "DRAFT",
                                             "Lines": [_line(row, 1)]})
    assert again.status_code == 400 and "AUTHORISED" in again.json()["Exception"]


def test_an_unknown_product_or_a_wrong_total_is_a_400_naming_it(cin7):
    box, call = cin7
    customer, row = _stocked(box, call)
    sale = _new_sale(call, customer["ID"])
    r = call("POST", "sale/quote", json={"SaleID": sale["ID"], "Status": "DRAFT", "Lines": [
        {"SKU": "NO-SUCH-SKU", "Name": "Ghost", "Quantity": 1, "Price": 1}]})
    assert r.status_code == 400 and "NO-SUCH-SKU" in r.json()["Exception"]
    r = call("POST", "sale/quote", json={"SaleID": sale["ID"], "Status": "DRAFT",
                                         "Lines": [{**_line(row, 2), "Total": 99}]})
    assert r.status_code == 400 and "20.00" in r.json()["Exception"]
    r = call("POST", "sale/quote", json={"SaleID": sale["ID"], "Status": "SENT", "Lines": []})
    assert r.status_code == 400 and "DRAFT, AUTHORISED" in r.json()["Exception"]


def test_short_stock_backorders_silently_and_availability_counts_orders(cin7):
    box, call = cin7
    customer, row = _stocked(box, call)
    available = row["Available"]
    sale = _new_sale(call, customer["ID"])
    call("POST", "sale/quote", json={"SaleID": sale["ID"], "Status": "AUTHORISED",
                                     "Lines": [_line(row, available + 5)]})
    order = call("POST", "sale/order", json={"SaleID": sale["ID"], "Status": "AUTHORISED"})
    assert order.status_code == 200
    [line] = order.json()["Lines"]
    assert line["BackorderQuantity"] == 5 and line["Quantity"] == available + 5
    assert call("GET", "sale", params={"ID": sale["ID"]}).json()["Status"] == "BACKORDERED"
    after = call("GET", "ref/productavailability",
                 params={"ID": row["ID"], "Location": row["Location"]}).json()
    [now] = after["ProductAvailabilityList"]
    assert now["Available"] == 0 and now["Allocated"] == row["Allocated"] + available
    other = _new_sale(call, customer["ID"], SkipQuote=True)
    r = call("POST", "sale/order", json={"SaleID": other["ID"], "Status": "AUTHORISED",
                                         "Lines": [_line(row, 1)]})
    assert r.json()["Lines"][0]["BackorderQuantity"] == 1
    assert call("POST", "sale/order", json={"SaleID": other["ID"], "Status": "DRAFT",
                                            "Lines": [_line(row, 1)]}).status_code == 400


def test_an_order_within_stock_is_ordered(cin7):
    box, call = cin7
    customer, row = _stocked(box, call)
    sale = _new_sale(call, customer["ID"], SkipQuote=True)
    r = call("POST", "sale/order", json={"SaleID": sale["ID"], "Status": "AUTHORISED",
                                         "Lines": [_line(row, 2)]})
    assert r.json()["Lines"][0]["BackorderQuantity"] == 0
    listed = call("GET", "saleList", params={"Search": sale["Order"]["SaleOrderNumber"]}).json()
    assert listed["SaleList"][0]["Status"] == "ORDERED"
    assert listed["SaleList"][0]["CombinedInvoiceStatus"] == "NOT INVOICED"


def test_void_releases_stock_and_undo_steps_back(cin7):
    box, call = cin7
    customer, row = _stocked(box, call)
    sale = _new_sale(call, customer["ID"], SkipQuote=True)
    call("POST", "sale/order", json={"SaleID": sale["ID"], "Status": "AUTHORISED",
                                     "Lines": [_line(row, 3)]})
    undone = call("DELETE", "sale", params={"ID": sale["ID"]}).json()
    assert undone["Status"] == "ORDERING" and undone["Order"]["Status"] == "DRAFT"
    call("POST", "sale/order", json={"SaleID": sale["ID"], "Status": "AUTHORISED",
                                     "Lines": [_line(row, 3)]})
    voided = call("DELETE", "sale", params={"ID": sale["ID"], "Void": "true"}).json()
    assert voided["Status"] == "VOIDED" and voided["Order"]["Status"] == "VOIDED"
    rows = call("GET", "ref/productavailability",
                params={"ID": row["ID"], "Location": row["Location"]}).json()
    assert rows["ProductAvailabilityList"][0]["Available"] == row["Available"]
    assert call("PUT", "sale", json={"ID": sale["ID"], "Note": "x"}).status_code == 400
    listed = call("GET", "saleList", params={"Status": "VOIDED"}).json()["SaleList"]
    assert sale["ID"] in [s["SaleID"] for s in listed]


def test_a_cin7_user_invoices_ships_and_is_paid(cin7):
    box, call = cin7
    customer, row = _stocked(box, call)
    sale = _new_sale(call, customer["ID"], SkipQuote=True)
    call("POST", "sale/order", json={"SaleID": sale["ID"], "Status": "AUTHORISED",
                                     "Lines": [_line(row, 2, 50)]})

    def act(**body):
        r = box.control.patch(f"{box.url}/_sandbox/cin7/sales/{sale['ID']}", json=body,
                              timeout=10)
        assert r.status_code == 200, r.text
        return call("GET", "saleList", params={"Search": sale["Order"]["SaleOrderNumber"]}) \
            .json()["SaleList"][0]

    invoiced = act(Action="invoice")
    # Tax comes on top of the 100.00 by the customer's tax rule, which may be 0%.
    assert invoiced["Status"] == "INVOICED" and invoiced["InvoiceAmount"] >= 100
    assert invoiced["CombinedPaymentStatus"] == "UNPAID"
    shipped = act(Action="ship", TrackingNumber="1Z999")
    assert shipped["CombinedTrackingNumbers"] == "1Z999"
    assert shipped["CombinedShippingStatus"] == "SHIPPED" and shipped["Status"] == "INVOICED"
    paid = act(Action="pay")
    assert paid["Status"] == "COMPLETED" and paid["PaidAmount"] == paid["InvoiceAmount"]
    assert paid["Updated"] > shipped["Updated"] > invoiced["Updated"]
    full = call("GET", "sale", params={"ID": sale["ID"]}).json()
    assert full["Fulfilments"][0]["Ship"]["Lines"][0]["TrackingNumber"] == "1Z999"


def test_the_61st_sales_call_in_a_minute_is_throttled(box):
    box.reset(customers=CUSTOMERS, products=PRODUCTS, cin7_rate_per_minute=3)
    statuses = [requests.get(box.cin7_url + "saleList", headers=box.cin7_headers, timeout=10)
                for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert statuses[-1].text == "You reached 60 calls per minute API limit"
    box.reset(customers=CUSTOMERS, products=PRODUCTS, cin7_rate_per_minute=0)
    box.fault("cin7", "throttle", count=1, status=503, path="sale")
    r = requests.post(box.cin7_url + "sale", json={}, headers=box.cin7_headers, timeout=10)
    assert r.status_code == 503


# -- HubSpot: deals, line items, their associations, pipelines ---------------------------------

@pytest.fixture
def hs(box):
    """call(method, path, json): HubSpot with the sandbox's token, on a fresh portal."""
    box.reset(customers=CUSTOMERS, products=PRODUCTS, hubspot_rate_per_10s=0,
              hubspot_search_per_second=0)
    session = requests.Session()
    session.headers.update(box.hubspot_headers)

    def call(method, path, body=None):
        return session.request(method, box.hubspot_url + path, json=body, timeout=10)

    yield call
    session.close()


def _sale_id_property(hs):
    r = hs("POST", "/crm/v3/properties/deals", {
        "name": "cin7_sale_id", "label": "Cin7 sale ID", "type": "string", "fieldType": "text",
        "groupName": "dealinformation", "hasUniqueValue": True})
    assert r.status_code == 201, r.text


def _deal(sale_id, stage="appointmentscheduled", pipeline="default", amount="100"):
    return {"id": sale_id, "idProperty": "cin7_sale_id", "objectWriteTraceId": sale_id,
            "properties": {"dealname": f"Sale {sale_id}", "dealstage": stage,
                           "pipeline": pipeline, "amount": amount}}


def test_deals_upsert_by_a_unique_cin7_sale_id(hs):
    _sale_id_property(hs)
    first = hs("POST", "/crm/v3/objects/deals/batch/upsert",
               {"inputs": [_deal("s-1"), _deal("s-2")]})
    assert first.status_code == 200, first.text
    assert {r["new"] for r in first.json()["results"]} == {True}
    again = hs("POST", "/crm/v3/objects/deals/batch/upsert",
               {"inputs": [_deal("s-1", stage="closedwon", amount="250")]})
    [result] = again.json()["results"]
    assert result["new"] is False and result["properties"]["dealstage"] == "closedwon"
    ids = {r["properties"]["cin7_sale_id"]: r["id"] for r in first.json()["results"]}
    assert result["id"] == ids["s-1"]
    read = hs("POST", "/crm/v3/objects/deals/batch/read", {
        "idProperty": "cin7_sale_id", "inputs": [{"id": "s-1"}],
        "properties": ["amount"], "propertiesWithHistory": []}).json()
    assert read["results"][0]["properties"]["amount"] == "250"


def test_line_items_batch_create_update_archive_and_associate_to_a_deal(hs):
    _sale_id_property(hs)
    deal = hs("POST", "/crm/v3/objects/deals/batch/upsert",
              {"inputs": [_deal("s-9")]}).json()["results"][0]["id"]
    company = hs("POST", "/crm/v3/objects/companies", {"properties": {"name": "Arabella"}})
    contact = hs("POST", "/crm/v3/objects/contacts", {"properties": {"email": "p@x.uk"}})
    created = hs("POST", "/crm/v3/objects/line_items/batch/create", {"inputs": [
        {"properties": {"name": "Tee", "quantity": "2", "price": "10", "hs_sku": "TEE"},
         "objectWriteTraceId": "l1"},
        {"properties": {"name": "Mug", "quantity": "1", "price": "5"},
         "objectWriteTraceId": "l2"}]})
    assert created.status_code == 201, created.text
    items = {r["properties"]["name"]: r["id"] for r in created.json()["results"]}
    updated = hs("POST", "/crm/v3/objects/line_items/batch/update", {"inputs": [
        {"id": items["Tee"], "properties": {"quantity": "3"}}]})
    assert updated.json()["results"][0]["properties"]["quantity"] == "3"
    links = [(deal, "line_items", items["Tee"], 19), (deal, "line_items", items["Mug"], 19),
             (deal, "companies", company.json()["id"], 5),
             (deal, "contacts", contact.json()["id"], 3)]
    for _, kind, to_id, type_id in links:
        r = hs("POST", f"/crm/v4/associations/deals/{kind}/batch/create", {"inputs": [
            {"from": {"id": deal}, "to": {"id": to_id},
             "types": [{"associationCategory": "HUBSPOT_DEFINED",
                        "associationTypeId": type_id}]}]})
        assert r.status_code in (200, 201), r.text
    read = hs("POST", "/crm/v4/associations/deals/line_items/batch/read",
              {"inputs": [{"id": deal}]}).json()["results"][0]
    assert sorted(str(t["toObjectId"]) for t in read["to"]) == sorted(items.values())
    back = hs("POST", "/crm/v4/associations/companies/deals/batch/read",
              {"inputs": [{"id": company.json()["id"]}]}).json()["results"][0]
    assert {t["typeId"] for t in back["to"][0]["associationTypes"]} >= {6}
    archived = hs("POST", "/crm/v3/objects/line_items/batch/archive",
                  {"inputs": [{"id": items["Mug"]}]})
    assert archived.status_code == 204
    left = hs("POST", "/crm/v4/associations/deals/line_items/batch/read",
              {"inputs": [{"id": deal}]}).json()["results"][0]
    assert [str(t["toObjectId"]) for t in left["to"]] == [items["Tee"]]


def test_a_second_pipeline_has_its_own_numeric_stages(hs):
    pipelines = hs("GET", "/crm/v3/pipelines/deals").json()["results"]
    default, wholesale = pipelines
    assert [s["id"] for s in default["stages"]] == [
        "appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
        "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"]
    assert wholesale["label"] == "Wholesale" and wholesale["id"].isdigit()
    assert all(s["id"].isdigit() for s in wholesale["stages"])
    closed = [s["label"] for s in wholesale["stages"] if s["metadata"]["isClosed"] == "true"]
    assert closed == ["Won", "Lost"]
    stage = wholesale["stages"][2]["id"]
    r = hs("POST", "/crm/v3/objects/deals", {"properties": {
        "dealname": "Wholesale order", "pipeline": wholesale["id"], "dealstage": stage}})
    assert r.status_code == 201, r.text
    assert hs("GET", f"/crm/v3/pipelines/deals/{wholesale['id']}/stages").json()["results"][2] \
        ["label"] == "Sent to Cin7"


def test_deals_search_by_stage_pipeline_and_dates(hs):
    wholesale = hs("GET", "/crm/v3/pipelines/deals").json()["results"][1]
    trigger = wholesale["stages"][2]["id"]
    for name, pipeline, stage in [("A", "default", "closedwon"), ("B", wholesale["id"], trigger),
                                  ("C", wholesale["id"], wholesale["stages"][0]["id"])]:
        assert hs("POST", "/crm/v3/objects/deals", {"properties": {
            "dealname": name, "pipeline": pipeline, "dealstage": stage}}).status_code == 201

    def search(*filters):
        body = {"filterGroups": [{"filters": list(filters)}], "properties": ["dealname"],
                "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]}
        r = hs("POST", "/crm/v3/objects/deals/search", body)
        assert r.status_code == 200, r.text
        return sorted(d["properties"]["dealname"] for d in r.json()["results"])

    assert search({"propertyName": "dealstage", "operator": "EQ", "value": trigger},
                  {"propertyName": "pipeline", "operator": "EQ", "value": wholesale["id"]}) == ["B"]
    assert search({"propertyName": "pipeline", "operator": "EQ", "value": wholesale["id"]}) == \
        ["B", "C"]
    assert search({"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": "0"},
                  {"propertyName": "createdate", "operator": "LTE",
                   "value": "99999999999999"}) == ["A", "B", "C"]
    assert search({"propertyName": "createdate", "operator": "GT",
                   "value": "99999999999999"}) == []
