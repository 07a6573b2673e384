"""Control and inspection endpoints for tests and the demo, under /_sandbox/.

    POST   /_sandbox/reset                  body: options to override (optional)
    GET    /_sandbox/faults                 faults waiting to fire
    POST   /_sandbox/faults                 body: {"system", "kind", "count", "status", "delay",
                                                   "path", "rate", "retry_after", "body"}
    DELETE /_sandbox/faults[?system=]       clear faults
    GET    /_sandbox/hubspot/associations   [{fromType, fromId, toType, toId, typeId}]
    GET    /_sandbox/hubspot/<objectType>   stored objects (?archived=include|only)
    GET    /_sandbox/cin7/customers         every Cin7 customer, Deprecated included
    PATCH  /_sandbox/cin7/customers/<id>    change a customer as a Cin7 user would
    GET    /_sandbox/cin7/products          every Cin7 product, Deprecated included
    PATCH  /_sandbox/cin7/products/<id>     change a product as a Cin7 user would ("Attachments":
                                            the product's whole attachment list)
    GET    /_sandbox/cin7/suppliers         every Cin7 supplier, Deprecated included
    PATCH  /_sandbox/cin7/suppliers/<id>    change a supplier as a Cin7 user would
    GET    /_sandbox/cin7/sales             every Cin7 sale in GET /sale shape, Voided included
    PATCH  /_sandbox/cin7/sales/<id>        header fields as PUT /sale, or {"Action": "invoice"|
                                            "pay"|"ship", "Amount", "TrackingNumber", "Carrier"}
    PATCH  /_sandbox/cin7/stock             body: {"ProductID", "Location", "OnHand"} and
                                            optionally "Allocated", "OnOrder", "InTransit"
    GET    /_sandbox/requests[?system=&method=&path=]   log of calls received
    DELETE /_sandbox/requests               clear the log
    GET    /_sandbox/stats                  calls, writes, records written per system

These endpoints need no auth, count against no limit and never get faults.
"""

from flask import Blueprint, jsonify, request

from sandbox import (
    cin7_customers,
    cin7_products,
    cin7_sale_tasks,
    cin7_sales,
    cin7_suppliers,
    faults,
    hubspot_associations,
    hubspot_schema,
    hubspot_store,
    state,
)
from sandbox.cin7_customers import Cin7Error
from sandbox.hubspot_errors import HubSpotError

bp = Blueprint("control", __name__, url_prefix="/_sandbox")


def _error(message, status=400):
    return jsonify({"error": message}), status


@bp.post("/reset")
def reset():
    overrides = request.get_json(silent=True) or {}
    if not isinstance(overrides, dict):
        return _error("the body must be a JSON object of options")
    state.current().reset(overrides)
    return jsonify({"reset": True, "options": {k: v for k, v in state.current().options.items()
                                               if "key" not in k and "token" not in k}})


@bp.get("/faults")
def list_faults():
    return jsonify(state.current().faults)


@bp.post("/faults")
def add_fault():
    try:
        fault = faults.add(state.current(), request.get_json(silent=True))
    except (ValueError, TypeError) as exc:
        return _error(str(exc))
    return jsonify(fault), 201


@bp.delete("/faults")
def clear_faults():
    faults.clear(state.current(), request.args.get("system"))
    return jsonify(state.current().faults)


@bp.get("/hubspot/associations")
def hubspot_links():
    hs = state.data("hubspot")
    with state.current().lock:
        links = [{"fromType": f, "fromId": a, "toType": t, "toId": b, "typeId": type_id}
                 for f, a, t, b, type_id in hubspot_associations.every_link(hs)]
    return jsonify(sorted(links, key=lambda x: (x["fromType"], int(x["fromId"]), x["toType"],
                                                int(x["toId"]), x["typeId"])))


@bp.get("/hubspot/<object_type>")
def hubspot_objects(object_type):
    hs = state.data("hubspot")
    try:
        kind = hubspot_schema.object_type(object_type)
    except HubSpotError as exc:
        return _error(exc.message, 404)
    archived = request.args.get("archived", "")
    with state.current().lock:
        records = [r for r in hs["objects"][kind].values()
                   if archived == "include" or r["archived"] == (archived == "only")]
        items = []
        for record in sorted(records, key=lambda r: int(r["id"])):
            item = hubspot_store.render(hs, kind, record, everything=True)
            links = {to_kind: [{"id": to_id, "typeIds": types} for to_id, types in
                               hubspot_associations.targets(hs, kind, record["id"], to_kind)]
                     for to_kind in hubspot_schema.TYPES}
            item["associations"] = {k: v for k, v in links.items() if v}
            items.append(item)
    return jsonify(items)


def _update_sale(store, body):
    return cin7_sale_tasks.user_edit(store, body["ID"], body)


# Cin7 record kinds the inspection endpoints serve: /_sandbox/cin7/<kind>[/<id>]:
# kind -> (find, update, label, as shown)
CIN7_KINDS = {
    "customers": (cin7_customers.find, cin7_customers.update, "customer", dict),
    "products": (cin7_products.find, cin7_products.update, "product", dict),
    "sales": (cin7_sales.find, _update_sale, "sale", cin7_sales.public),
    "suppliers": (cin7_suppliers.find, cin7_suppliers.update, "supplier", dict),
}


@bp.get("/cin7/<kind>")
def cin7_list(kind):
    """Every customer, product or sale, Deprecated and Voided included, oldest change first."""
    if kind not in CIN7_KINDS:
        return _error(f"no Cin7 {kind} here", 404)
    show = CIN7_KINDS[kind][3]
    with state.current().lock:
        records = sorted(state.data("cin7")[kind].values(),
                         key=lambda r: (r["LastModifiedOn"], r["ID"]))
        return jsonify([show(r) for r in records])


@bp.patch("/cin7/<kind>/<record_id>")
def cin7_edit(kind, record_id):
    """Same rules and merge as PUT /customer, /product or /sale, without auth or rate limit."""
    if kind not in CIN7_KINDS:
        return _error(f"no Cin7 {kind} here", 404)
    find, update, label, show = CIN7_KINDS[kind]
    body = request.get_json(silent=True) or {}
    with state.current().lock:
        store = state.data("cin7")
        if find(store, record_id) is None:
            return _error(f"no Cin7 {label} {record_id}", 404)
        try:
            if kind == "products" and "Attachments" in body:
                cin7_products.set_attachments(store, record_id, body.pop("Attachments"))
            record = update(store, {**body, "ID": record_id})
        except Cin7Error as exc:
            return jsonify(exc.body()), exc.status
        return jsonify(show(record))


@bp.patch("/cin7/stock")
def cin7_stock_edit():
    """Set a product's stock at one location; answers its /ref/productavailability row.

    The product's LastModifiedOn stays put: in Cin7 a stock movement is not a product edit.
    """
    body = request.get_json(silent=True) or {}
    with state.current().lock:
        store = state.data("cin7")
        product = cin7_products.find(store, body.get("ProductID") or "")
        if product is None:
            return _error(f"no Cin7 product {body.get('ProductID')}", 404)
        try:
            row = cin7_products.set_stock(store, product, body)
        except Cin7Error as exc:
            return jsonify(exc.body()), exc.status
        return jsonify(row)


@bp.get("/requests")
def request_log():
    wanted = {k: request.args[k] for k in ("system", "method") if request.args.get(k)}
    path = request.args.get("path")
    with state.current().lock:
        entries = [e for e in state.current().log
                   if all(e[k].lower() == v.lower() for k, v in wanted.items())
                   and (not path or path in e["path"])]
    return jsonify(entries)


@bp.delete("/requests")
def clear_requests():
    with state.current().lock:
        state.current().log.clear()
    return jsonify([])


@bp.get("/stats")
def stats():
    sandbox = state.current()
    with sandbox.lock:
        return jsonify({system: dict(counts) for system, counts in sandbox.stats.items()})
