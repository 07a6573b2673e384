"""Cin7 Core External API v2, served under /cin7/ExternalApi/v2/.

Like the real service: paths are case-insensitive, an unknown path answers 200 with an HTML
"Page not found" page, auth is two headers, and each application key gets 60 calls a minute
(429 with a plain-text body and no Retry-After).
"""

from flask import Blueprint, Response, jsonify, request

from sandbox import (
    cin7_customers,
    cin7_products,
    cin7_refs,
    cin7_sale_lines,
    cin7_sales,
    cin7_suppliers,
    cin7_webhooks,
    faults,
    ratelimit,
    seed,
    state,
)
from sandbox.cin7_customers import Cin7Error

bp = Blueprint("cin7", __name__, url_prefix="/cin7")
PREFIX = "externalapi/v2/"
THROTTLE_TEXT = "You reached 60 calls per minute API limit"
NOT_FOUND_PAGE = ("<!DOCTYPE html><html><head><title>Page not found</title></head><body>"
                  "<h1>Page not found</h1><p>The page you are looking for does not exist.</p>"
                  "</body></html>")
PAGED_BOOKS = {  # path -> (book, list key, filters: query arg -> field)
    "ref/location": ("location", "LocationList", {"ID": "ID", "Name": "Name"}),
    "ref/paymentterm": ("paymentterm", "PaymentTermList", {"ID": "ID", "Name": "Name"}),
    "ref/tax": ("tax", "TaxRuleList", {"ID": "ID", "Name": "Name"}),
    "ref/carrier": ("carrier", "CarrierList", {"CarrierID": "CarrierID",
                                               "Description": "Description"}),
    "ref/account": ("account", "AccountsList", {"Code": "Code", "Name": "Name", "Type": "Type",
                                                "Status": "Status"}),
    "ref/category": ("category", "CategoryList", {"ID": "ID", "Name": "Name"}),
    "ref/brand": ("brand", "BrandList", {"ID": "ID", "Name": "Name"}),
    "ref/unit": ("unit", "UnitList", {"ID": "ID", "Name": "Name"}),
}


def fresh(options):
    """Cin7's data for one reset: customers, suppliers, products with their stock and
    attachments, sales (3 per 10 customers unless "sales" says), reference books, the
    per-key limiter."""
    if options.get("data"):
        customers = seed.load_customers(options["data"], options["seed"])
    else:
        customers = seed.generate_customers(int(options["customers"]), options["seed"])
    books = cin7_refs.books()
    products = seed.generate_products(int(options["products"]), options["seed"],
                                      books["priceTier"], books["category"], books["brand"],
                                      books["location"])
    store = {
        "customers": {c["ID"]: c for c in customers},
        "products": {p["ID"]: p for p in products},
        "stock": seed.generate_stock(products, options["seed"], books["location"]),
        "attachments": seed.generate_attachments(products, options["seed"]),
        "suppliers": {s["ID"]: s for s in seed.generate_suppliers(customers, options["seed"])},
        "books": books,
        "sales": {},
        "limiter": ratelimit.Window(options["cin7_rate_per_minute"], 60),
        "account_id": options["cin7_account_id"],
        "application_key": options["cin7_application_key"],
    }
    count = options.get("sales")
    count = len(customers) * 3 // 10 if count is None else int(count)
    seed.generate_sales(store, count, options["seed"], options.get("sale_lines"))
    return store


def throttled(fault=None):
    status = (fault or {}).get("status", 429)
    return Response(THROTTLE_TEXT, status=status, mimetype="text/plain")


def server_error(fault, status):
    message = "Unexpected error. Please try again later." if status != 504 else "Gateway Timeout"
    return jsonify({"ErrorCode": status, "Exception": message}), status


def error_response(exc):
    return jsonify(exc.body()), exc.status


def page_not_found():
    return Response(NOT_FOUND_PAGE, status=200, mimetype="text/html")


def _authorised(store):
    return (request.headers.get("api-auth-accountid") == store["account_id"]
            and request.headers.get("api-auth-applicationkey") == store["application_key"])


def _body():
    if not request.get_data():
        return None
    body = request.get_json(silent=True, force=True)
    if body is None:
        raise Cin7Error("The request body could not be parsed.", code=500, status=500)
    return body


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def dispatch(rest):
    """Every Cin7 call: faults, auth, the rate limit, then the endpoint."""
    sandbox = state.current()
    fault = faults.take(sandbox, "cin7", request.path)
    if fault:
        forced = faults.apply(sandbox, fault, throttled, server_error)
        if forced is not None:
            return forced
    state.hold_lock()
    name = rest.lower().rstrip("/")
    handlers = ROUTES.get(name[len(PREFIX):]) if name.startswith(PREFIX) else None
    if handlers is None:
        return page_not_found()
    store = state.data("cin7")
    if not _authorised(store):
        return error_response(Cin7Error("Method authentication failed", code=403, status=403,
                                        as_list=True))
    if not store["limiter"].hit():
        return throttled()
    handler = handlers.get(request.method)
    if handler is None:
        return jsonify({"Message": "The requested resource does not support http method "
                                   f"'{request.method}'."}), 405
    try:
        return handler(store)
    except Cin7Error as exc:
        return error_response(exc)


def me(store):
    return jsonify(cin7_refs.me())


def customers_get(store):
    return jsonify(cin7_customers.query(store, request.args))


def customers_post(store):
    customer = cin7_customers.create(store, _body())
    state.current().count_records("cin7")
    return jsonify({"Total": 1, "Page": 1, "CustomerList": [customer]})


def customers_put(store):
    customer = cin7_customers.update(store, _body())
    state.current().count_records("cin7")
    return jsonify({"Total": 1, "Page": 1, "CustomerList": [customer]})


def suppliers_get(store):
    return jsonify(cin7_suppliers.query(store, request.args))


def products_get(store):
    return jsonify(cin7_products.query(store, request.args))


def products_post(store):
    product = cin7_products.create(store, _body())
    state.current().count_records("cin7")
    return jsonify({"Total": 1, "Page": 1, "Products": [product]})


def products_put(store):
    product = cin7_products.update(store, _body())
    state.current().count_records("cin7")
    return jsonify({"Total": 1, "Page": 1, "Products": [product]})


def product_availability(store):
    held = cin7_sale_lines.allocations(store)
    return jsonify(cin7_products.availability(store, request.args, held))


def sales_list(store):
    return jsonify(cin7_sales.query(store, request.args))


def _written(sale):
    state.current().count_records("cin7")
    return jsonify(cin7_sales.public(sale))


def sale_get(store):
    return jsonify(cin7_sales.public(cin7_sales.existing(store, request.args.get("ID"))))


def sale_post(store):
    return _written(cin7_sales.create(store, _body()))


def sale_put(store):
    return _written(cin7_sales.update(store, _body()))


def sale_delete(store):
    void = str(request.args.get("Void", "false")).lower() == "true"
    return _written(cin7_sales.void_or_undo(store, request.args.get("ID"), void))


def sale_document(key, save):
    """GET ?SaleID= and POST handlers for /sale/quote or /sale/order."""

    def read(store):
        sale = cin7_sales.existing(store, request.args.get("SaleID"))
        return jsonify({"SaleID": sale["ID"], **cin7_sales.public(sale)[key]})

    def write(store):
        document = save(store, _body() or {})
        state.current().count_records("cin7")
        return jsonify(document)

    return {"GET": read, "POST": write}


def price_tiers(store):
    return jsonify({"PriceTiers": store["books"]["priceTier"]})


def book_page(path):
    """A GET handler for a paged reference book (Page, Limit and simple filters)."""
    book, key, filters = PAGED_BOOKS[path]

    def handler(store):
        items = store["books"][book]
        for arg, field in filters.items():
            wanted = request.args.get(arg)
            if wanted:
                items = [i for i in items if str(i[field]).lower().startswith(wanted.lower())]
        page = cin7_customers.int_arg(request.args, "Page", 1, 1)
        limit = cin7_customers.int_arg(request.args, "Limit", 100, 1, cin7_customers.MAX_LIMIT)
        return jsonify({"Total": len(items), "Page": page,
                        key: items[(page - 1) * limit: page * limit]})

    return handler


ROUTES = {
    "me": {"GET": me},
    "customer": {"GET": customers_get, "POST": customers_post, "PUT": customers_put},
    "supplier": {"GET": suppliers_get},
    "product": {"GET": products_get, "POST": products_post, "PUT": products_put},
    "ref/productavailability": {"GET": product_availability},
    "salelist": {"GET": sales_list},
    "sale": {"GET": sale_get, "POST": sale_post, "PUT": sale_put, "DELETE": sale_delete},
    "sale/quote": sale_document("Quote", cin7_sales.save_quote),
    "sale/order": sale_document("Order", cin7_sales.save_order),
    "ref/pricetier": {"GET": price_tiers},
    "webhooks": cin7_webhooks.ROUTES,
    **{path: {"GET": book_page(path)} for path in PAGED_BOOKS},
}
