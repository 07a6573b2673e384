"""The sales side of the connectors against the sandbox: Cin7 sales and stock, HubSpot deals,
line items and pipelines, as plain records."""

import datetime

import pytest

from core.connectors.cin7 import Cin7, sale_payload
from core.connectors.hubspot import HubSpot
from core.errors import RecordError
from core.records import Sale, SaleLine


def _stocked(cin7, sandbox):
    """(customer id, location, a product with at least 10 available there)."""
    customer = next(c for c in sandbox.get("cin7/customers") if c["Status"] == "Active")
    location = customer["Location"] or "Main Warehouse"
    rows = sandbox.get("cin7/products")
    stock = cin7.availability([p["ID"] for p in rows], location)
    product = next(p for p in rows if stock.get(p["ID"], 0) >= 10 and p["Status"] == "Active")
    return customer["ID"], location, product


def _line(product, quantity, price=12.5):
    return SaleLine(product_id=product["ID"], name=product["Name"], quantity=quantity,
                    price=price)


def test_sale_pages_read_every_sale_header_oldest_change_first(config, sandbox):
    cin7 = Cin7(config)
    pages = list(cin7.sale_pages(page_size=5))
    sales = [s for _, _, page in pages for s in page]
    assert len(sales) == pages[0][1] == 12 and len(pages) == 3
    assert all(isinstance(s, Sale) and s.id and s.order_number.startswith("SO-") for s in sales)
    assert [s.updated for s in sales] == sorted(s.updated for s in sales)
    assert {s.status for s in sales} <= {"ESTIMATING", "ESTIMATED", "ORDERED", "BACKORDERED",
                                         "INVOICED", "COMPLETED", "VOIDED"}
    middle = sales[6].updated
    later = [s for _, _, page in cin7.sale_pages(updated_since=middle) for s in page]
    assert [s.id for s in later] == [s.id for s in sales[6:]]


def test_a_sale_round_trip_quote_order_backorder_void(config, sandbox):
    cin7 = Cin7(config)
    customer_id, location, product = _stocked(cin7, sandbox)
    available = cin7.availability([product["SKU"]], location)[product["ID"]]
    header = sale_payload(Sale(id="", customer_id=customer_id, location=location,
                               customer_reference="HS-42", external_id="hubspot:deal:42",
                               type="Simple Sale"))
    sale_id = cin7.create_sale(header)
    assert cin7.sale(sale_id).status == "ESTIMATING"
    with pytest.raises(RecordError, match="quote is not authorised"):
        cin7.save_order(sale_id, "AUTHORISED", [_line(product, 1)])
    quoted = cin7.save_quote(sale_id, "DRAFT", [_line(product, 1), _line(product, 2)])
    assert [line.quantity for line in quoted] == [1, 2]
    cin7.save_quote(sale_id, "AUTHORISED", [_line(product, available + 3)], memo="agreed")
    ordered = cin7.save_order(sale_id, "AUTHORISED", [_line(product, available + 3)])
    assert ordered[0].backorder_quantity == 3
    sale = cin7.sale(sale_id)
    assert (sale.status, sale.order_status, sale.customer_reference) == \
        ("BACKORDERED", "AUTHORISED", "HS-42")
    assert [(line.product_id, line.quantity, line.price) for line in sale.lines] == \
        [(product["ID"], available + 3, 12.5)]
    assert sale.order_total >= round((available + 3) * 12.5, 2)
    assert cin7.availability([product["ID"]], location)[product["ID"]] == 0
    assert [s.id for s in cin7.find_sales("hubspot:deal:42")] == [sale_id]
    assert cin7.find_sales("hubspot:deal:4") == []
    voided = cin7.void_sale(sale_id)
    assert voided.voided and cin7.availability([product["ID"]], location)[product["ID"]] == \
        available


def test_a_refused_line_names_the_product(config, sandbox):
    cin7 = Cin7(config)
    customer_id, location, product = _stocked(cin7, sandbox)
    sale_id = cin7.create_sale({"CustomerID": customer_id, "Location": location})
    with pytest.raises(RecordError, match="NO-SUCH-SKU"):
        cin7.save_quote(sale_id, "DRAFT", [SaleLine(sku="NO-SUCH-SKU", name="Ghost",
                                                    quantity=1, price=1)])
    with pytest.raises(RecordError, match="not found"):
        cin7.create_sale({"CustomerID": "00000000-0000-4000-8000-000000000000"})
    assert cin7.sale("00000000-0000-4000-8000-000000000000") is None


def test_a_completed_sale_reads_with_invoice_payment_and_tracking(config, sandbox):
    cin7 = Cin7(config)
    completed = next(s for s in sandbox.get("cin7/sales") if s["Status"] == "COMPLETED")
    sale = cin7.sale(completed["ID"])
    assert sale.invoice_total == sale.paid_amount > 0 and sale.invoice_number.startswith("INV-")
    assert sale.payment_status == "PAID" and sale.shipment_status == "SHIPPED"
    numbers = [ln["TrackingNumber"] for ln in completed["Fulfilments"][0]["Ship"]["Lines"]
               if ln["TrackingNumber"]]
    assert sale.tracking_numbers == numbers
    assert isinstance(sale.order_date, datetime.datetime) and sale.lines


def test_a_throttled_sale_list_call_is_retried(config, sandbox):
    sandbox.fault(system="cin7", kind="throttle", count=1, path="saleList")
    assert sum(len(page) for _, _, page in Cin7(config).sale_pages()) == 12


def test_pipelines_come_back_with_their_stages_in_order(config, sandbox):
    default, wholesale = HubSpot(config).pipelines()
    assert (default.id, default.stages[0].id, default.stage("closedwon").probability) == \
        ("default", "appointmentscheduled", 1.0)
    assert [s.id for s in default.stages if s.closed] == ["closedwon", "closedlost"]
    assert wholesale.label == "Wholesale" and wholesale.id.isdigit()
    assert [s.label for s in wholesale.stages][:3] == ["Order Requested", "Terms Agreed",
                                                       "Sent to Cin7"]


def test_a_deal_with_line_items_companies_and_contacts(config, sandbox):
    hs = HubSpot(config)
    hs.ensure_properties("deals", [{"name": "cin7_sale_id", "label": "Cin7 sale ID",
                                    "type": "string", "fieldType": "text",
                                    "hasUniqueValue": True}])
    hs.ensure_properties("line_items", [{"name": "cin7_line", "label": "Cin7 line",
                                         "type": "string", "fieldType": "text"}])
    deals = hs.upsert("deals", {"sale-1": {"dealname": "SO-00001", "dealstage": "closedwon",
                                           "amount": "250"}}, "cin7_sale_id")
    deal = deals.ok["sale-1"].id
    assert deals.created == {"sale-1"}
    again = hs.upsert("deals", {"sale-1": {"amount": "300"}}, "cin7_sale_id")
    assert again.ok["sale-1"].id == deal and not again.created
    items = hs.create("line_items", {
        f"sale-1:{n}": {"cin7_line": f"sale-1:{n}", "name": name, "quantity": "2",
                        "price": "10"} for n, name in enumerate(["Tee", "Mug", "Cap"])},
        "cin7_line")
    assert len(items.ok) == 3 and not items.failed and items.ok["sale-1:1"].get("name") == "Mug"
    company = hs.create("companies", {"Arabella": {"name": "Arabella"}}, "name").ok["Arabella"]
    contact = hs.create("contacts", {"p@x.uk": {"email": "p@x.uk"}}, "email").ok["p@x.uk"]
    item_ids = [r.id for r in items.ok.values()]
    assert hs.associate("deals", "line_items", [(deal, i) for i in item_ids], 19) == []
    assert hs.associate("deals", "companies", [(deal, company.id)], 5) == []
    assert hs.associate("deals", "contacts", [(deal, contact.id)], 3) == []
    assert hs.associations("deals", "line_items", [deal])[deal] == sorted(item_ids)
    assert hs.associations("deals", "companies", [deal])[deal] == [company.id]
    hs.archive("line_items", [items.ok["sale-1:2"].id])
    assert len(hs.associations("deals", "line_items", [deal])[deal]) == 2
    failed = hs.create("line_items", {"bad": {"cin7_line": "bad", "name": "X", "price": "no"}},
                       "cin7_line")
    assert failed.failed["bad"][0] == "price"
