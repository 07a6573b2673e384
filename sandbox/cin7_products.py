"""Cin7 Core products and their stock: JSON shape, validation, create/update, the list query
and GET /ref/productavailability.

Fields and their order follow the portal's GET /product example ("Available Fields for
Product"). Products refer to reference books by name (Category, Brand, UOM, DefaultLocation,
tax rules, account codes), and PriceTiers is keyed by the tenant's price tier names, so both
follow the sandbox's /ref/* books.

Stock is kept beside the products, store["stock"] = {product ID: {location name: quantities}},
one row per product and location (no bins, batches or serial numbers). Only Stock products hold
stock. A stock change never touches the product's LastModifiedOn: in Cin7 stock movements are
not product edits, so a sync that polls /product?ModifiedSince= does not see them and has to read
/ref/productavailability.
"""

import copy

from sandbox import clock
from sandbox.cin7_customers import MAX_LIMIT, Cin7Error, int_arg, listed_page, new_id

REQUIRED = ["SKU", "Name", "Category", "Type", "CostingMethod", "UOM", "Status"]
TYPES = ("Stock", "Service")
STATUSES = ("Active", "Setup required", "Deprecated")
COSTING_METHODS = ("FIFO", "Special - Batch", "Special - Serial Number", "FIFO - Serial Number",
                   "FIFO - Batch", "FEFO - Batch", "FEFO - Serial Number")
DROP_SHIP_MODES = ("No Drop Ship", "Optional Drop Ship", "Always Drop Ship")
WEIGHT_UNITS = ("oz", "mg", "kg", "lb", "g")
DIMENSIONS_UNITS = ("m", "cm", "mi", "mm", "in", "ft", "yd", "km")
TIERS = 10
LENGTHS = {"SKU": 50, "Name": 256, "Barcode": 256, "ShortDescription": 500, "Tags": 256,
           "InternalNote": 4000}
NUMBERS = (["Length", "Width", "Height", "Weight", "MinimumBeforeReorder", "ReorderQuantity"]
           + [f"PriceTier{i}" for i in range(1, TIERS + 1)]
           + ["QuantityToProduce", "CartonHeight", "CartonWidth", "CartonLength", "CartonQuantity",
              "CartonInnerQuantity"])
BOOLS = {"Sellable": True, "BillOfMaterial": False, "AutoAssembly": False,
         "AutoDisassembly": False}  # field -> value when not given
REFERENCES = [  # field, book, label in the error, key in the book
    ("Brand", "brand", "Brand", "Name"),
    ("UOM", "unit", "Unit of measure", "Name"),
    ("DefaultLocation", "location", "Location", "Name"),
    ("SaleTaxRule", "tax", "Tax rule", "Name"),
    ("PurchaseTaxRule", "tax", "Tax rule", "Name"),
    ("RevenueAccount", "account", "Account", "Code"),
    ("COGSAccount", "account", "Account", "Code"),
    ("ExpenseAccount", "account", "Account", "Code"),
    ("InventoryAccount", "account", "Account", "Code"),
]
# GET flags -> the lists they add. The sandbox keeps attachments (store["attachments"], see
# set_attachments) but no suppliers, BOMs, movements, reorder levels or custom prices, so
# those lists are always empty.
INCLUDES = {"IncludeBOM": ["BillOfMaterialsProducts", "BillOfMaterialsServices"],
            "IncludeSuppliers": ["Suppliers"], "IncludeMovements": ["Movements"],
            "IncludeAttachments": ["Attachments"], "IncludeReorderLevels": ["ReorderLevels"],
            "IncludeCustomPrices": ["CustomPrices"]}
STOCK_FIELDS = ("OnHand", "Allocated", "OnOrder", "InTransit")


def _product_defaults():
    fields = {
        "ID": None, "SKU": "", "Name": "", "Category": "", "Brand": None, "Type": "Stock",
        "CostingMethod": "FIFO", "DropShipMode": "No Drop Ship", "DefaultLocation": None,
        "Length": 0.0, "Width": 0.0, "Height": 0.0, "Weight": 0.0, "UOM": "Item",
        "WeightUnits": None, "DimensionsUnits": None, "Barcode": "",
        "MinimumBeforeReorder": 0.0, "ReorderQuantity": 0.0,
    }
    fields |= {f"PriceTier{i}": 0.0 for i in range(1, TIERS + 1)}
    fields |= {"PriceTiers": {}, "AverageCost": 0.0, "ShortDescription": "", "Description": "",
               "InternalNote": ""}
    fields |= {f"AdditionalAttribute{i}": "" for i in range(1, 11)}
    fields |= {
        "AttributeSet": None, "DiscountRule": None, "Tags": "", "Status": "Active",
        "StockLocator": "", "COGSAccount": None, "RevenueAccount": None, "ExpenseAccount": None,
        "InventoryAccount": None, "PurchaseTaxRule": None, "SaleTaxRule": None,
        "LastModifiedOn": None, "Sellable": True, "PickZones": "", "BillOfMaterial": False,
        "AutoAssembly": False, "AutoDisassembly": False, "QuantityToProduce": 0.0,
        "AssemblyInstructionURL": "", "AssemblyCostEstimationMethod": "Average Cost",
        "CartonHeight": 0.0, "CartonWidth": 0.0, "CartonLength": 0.0, "CartonQuantity": 0.0,
        "CartonInnerQuantity": 0.0, "HSCode": "", "CountryOfOrigin": "",
        "CountryOfOriginCode": "",
    }
    return fields


PRODUCT = _product_defaults()
READ_ONLY = {"ID", "LastModifiedOn", "AverageCost", "PriceTiers"}  # PriceTiers: see _apply
WRITABLE = set(PRODUCT) - READ_ONLY


def tier_names(tiers):
    """Price tier names by position, from the /ref/priceTier book or a list of names."""
    items = [t for t in tiers if isinstance(t, dict)]
    if items:
        return [t["Name"] for t in sorted(items, key=lambda t: int(t["Code"]))]
    return [str(t) for t in tiers]


def _sync_price_tiers(product, names):
    """PriceTiers mirrors PriceTier1..10 under the tenant's tier names."""
    product["PriceTiers"] = {name: product[f"PriceTier{i}"]
                             for i, name in enumerate(names[:TIERS], 1)}


def complete(product, tiers, make_id=new_id):
    """The product with every field Cin7 returns, an ID, prices by name, a canonical date."""
    full = copy.deepcopy(PRODUCT)
    full.update({k: v for k, v in product.items() if k in PRODUCT})
    full["ID"] = full["ID"] or make_id()
    when = full["LastModifiedOn"]
    full["LastModifiedOn"] = clock.iso(clock.parse(when)) if when else clock.now_iso()
    _sync_price_tiers(full, tier_names(tiers))
    return full


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _apply(store, product, body, creating):
    """Copy the writable fields of `body` onto `product`; Type only when creating.

    `Type` is read-only on PUT (portal): a PUT that sends it is not refused, it is ignored.
    PriceTiers ({"<tier name>": price}) sets the same prices as PriceTierN; when a body sends
    both for one tier, PriceTierN wins (the portal does not say which).
    """
    for field, value in body.items():
        if field in WRITABLE and (creating or field != "Type"):
            product[field] = value
    prices = body.get("PriceTiers")
    if prices is None:
        return
    if not isinstance(prices, dict):
        raise Cin7Error("PriceTiers should be an object of price tier names and prices.")
    names = tier_names(store["books"]["priceTier"])
    positions = {n.lower(): i for i, n in enumerate(names, 1)}
    if len(positions) < len(names):
        return  # Cin7 disables PriceTiers when two tiers share a name
    for name, price in prices.items():
        position = positions.get(str(name).lower())
        if position is None:
            raise Cin7Error(f"Price tier '{name}' was not found in reference book", code=404)
        if f"PriceTier{position}" not in body:
            product[f"PriceTier{position}"] = price


def _check_reference(store, product, field, book, label, key):
    value = product.get(field)
    if _blank(value):
        product[field] = None
        return
    known = {str(i[key]).lower(): i[key] for i in store["books"][book]}
    if str(value).lower() not in known:
        # Observed live: a missing reference is reported with ErrorCode 404 (HTTP 400 here).
        raise Cin7Error(f"{label} '{value}' was not found in reference book", code=404)
    product[field] = known[str(value).lower()]


def _check_choice(product, field, allowed, optional=False):
    value = product.get(field)
    if optional and _blank(value):
        product[field] = None
        return
    if value not in allowed:
        raise Cin7Error(f"{field} '{value}' is not valid. Allowed values: {', '.join(allowed)}.")


def _check_number(product, field):
    value = product.get(field)
    if value in (None, ""):
        product[field] = 0.0
        return
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Cin7Error(f"{field} '{value}' is not a valid number.") from None
    if number < 0:
        raise Cin7Error(f"{field} should be at least 0.")
    product[field] = round(number, 4)  # Cin7 keeps up to 4 decimal places


def _check_bool(product, field, default):
    value = product.get(field)
    if value is None:
        product[field] = default
    elif isinstance(value, str) and value.lower() in ("true", "false"):
        product[field] = value.lower() == "true"
    elif not isinstance(value, bool):
        raise Cin7Error(f"{field} '{value}' is not a valid boolean.")


def validate(store, product):
    """Raise Cin7Error for the first problem, the way Cin7 reports one at a time."""
    for field in REQUIRED:
        if _blank(product.get(field)):
            raise Cin7Error(f"Required attribute {field} is not provided.")
    for field, most in LENGTHS.items():
        if len(str(product.get(field) or "")) > most:
            raise Cin7Error(f"{field} should not be longer than {most} characters.")
    sku = str(product["SKU"]).strip().lower()
    for other in store["products"].values():
        if other["ID"] != product["ID"] and str(other["SKU"]).strip().lower() == sku:
            raise Cin7Error(f"Product with SKU '{product['SKU']}' already exists.")
    _check_choice(product, "Type", TYPES)
    _check_choice(product, "Status", STATUSES)
    _check_choice(product, "CostingMethod", COSTING_METHODS)
    if _blank(product.get("DropShipMode")):
        product["DropShipMode"] = "No Drop Ship"
    _check_choice(product, "DropShipMode", DROP_SHIP_MODES)
    _check_choice(product, "WeightUnits", WEIGHT_UNITS, optional=True)
    _check_choice(product, "DimensionsUnits", DIMENSIONS_UNITS, optional=True)
    categories = {c["Name"].lower(): c["Name"] for c in store["books"]["category"]}
    if str(product["Category"]).lower() not in categories:
        raise Cin7Error("Category not found.", code=404)  # the text seen live
    product["Category"] = categories[str(product["Category"]).lower()]
    for field, book, label, key in REFERENCES:
        _check_reference(store, product, field, book, label, key)
    if product["Type"] == "Service":  # these apply to Stock only; Cin7 ignores them otherwise
        product.update(COGSAccount=None, ExpenseAccount=None, InventoryAccount=None)
    for field in NUMBERS:
        _check_number(product, field)
    for field, default in BOOLS.items():
        _check_bool(product, field, default)
    _sync_price_tiers(product, tier_names(store["books"]["priceTier"]))


def create(store, body):
    """POST /product: a new product from `body`; returns it as stored."""
    if not isinstance(body, dict):
        raise Cin7Error("Product object is not provided.")
    for field in REQUIRED:  # before the defaults fill Type, Status, UOM, ...
        if _blank(body.get(field)):
            raise Cin7Error(f"Required attribute {field} is not provided.")
    product = copy.deepcopy(PRODUCT)
    product["ID"] = new_id()  # an ID in the body is ignored
    _apply(store, product, body, creating=True)
    validate(store, product)
    product["LastModifiedOn"] = clock.now_iso()
    store["products"][product["ID"]] = product
    return product


def update(store, body, bump=True):
    """PUT /product: change the fields given for the product `body["ID"]` (SKU included)."""
    if not isinstance(body, dict) or _blank(body.get("ID")):
        raise Cin7Error("Required attribute ID is not provided.")
    current = find(store, body["ID"])
    if current is None:
        raise Cin7Error(f"Product with ID '{body['ID']}' not found.", code=404)
    product = copy.deepcopy(current)  # validate a copy, so a refused PUT changes nothing
    _apply(store, product, body, creating=False)
    validate(store, product)
    if bump:
        product["LastModifiedOn"] = clock.now_iso()
    store["products"][product["ID"]] = product
    return product


def set_attachments(store, product_id, items):
    """A Cin7 user replaces a product's attachments ([{FileName, ContentType, DownloadUrl}];
    ids are given to new ones). [U] Whether Cin7 moves the product's LastModifiedOn when its
    attachments change is undocumented: the sandbox does, so ModifiedSince sees the change."""
    product = find(store, product_id)
    if not isinstance(items, list) or not all(isinstance(i, dict) and i.get("DownloadUrl")
                                              for i in items):
        raise Cin7Error("Attachments should be a list of objects with a DownloadUrl.")
    store.setdefault("attachments", {})[product["ID"]] = [
        {"ID": i.get("ID") or new_id(), "ContentType": i.get("ContentType") or "image/jpeg",
         "FileName": i.get("FileName") or "", "DownloadUrl": i["DownloadUrl"]} for i in items]
    product["LastModifiedOn"] = clock.now_iso()
    return product


def find(store, product_id):
    wanted = str(product_id).lower()
    return next((p for p in store["products"].values() if p["ID"].lower() == wanted), None)


def _flag(args, name):
    return str(args.get(name, "false")).lower() == "true"


def _matches(product, args, since):
    # Only Deprecated products are hidden: the portal says "only active (ie. non-deprecated)".
    if not _flag(args, "IncludeDeprecated") and product["Status"] == "Deprecated":
        return False
    if args.get("ID") and product["ID"].lower() != args["ID"].lower():
        return False
    if args.get("Name") and args["Name"].lower() not in product["Name"].lower():
        return False
    if args.get("Sku") and args["Sku"].lower() not in str(product["SKU"]).lower():
        return False
    return not since or product["LastModifiedOn"] >= since


def query(store, args):
    """GET /product: the {"Total", "Page", "Products"} page for these query args.

    Name and Sku match when contained (the parameter table; the sample URIs say "starting
    with"), case-insensitively.
    """
    total, page, rows = listed_page(store["products"].values(), args, _matches)
    extra = [key for flag, keys in INCLUDES.items() if _flag(args, flag) for key in keys]
    if extra:
        attachments = store.get("attachments", {})
        rows = [{**p, **{key: [] for key in extra}} for p in rows]
        if "Attachments" in extra:
            rows = [{**p, "Attachments": copy.deepcopy(attachments.get(p["ID"], []))}
                    for p in rows]
    return {"Total": total, "Page": page, "Products": rows}


def availability_row(product, location, quantities):
    """One /ref/productavailability row: a product at a location."""
    on_hand, allocated = quantities["OnHand"], quantities["Allocated"]
    return {
        "ID": product["ID"], "SKU": product["SKU"], "Name": product["Name"],
        "Barcode": product["Barcode"] or None, "Location": location, "Bin": None,
        "Batch": None, "ExpiryDate": None, "OnHand": on_hand, "Allocated": allocated,
        "Available": round(on_hand - allocated, 4), "OnOrder": quantities["OnOrder"],
        # [U] The portal does not define StockOnHand beside OnHand; read here as the value of
        # the stock on hand at average cost. Clients should use OnHand for quantities.
        "StockOnHand": round(on_hand * product["AverageCost"], 4),
        "InTransit": quantities["InTransit"],
        "NextDeliveryDate": quantities.get("NextDeliveryDate"),  # newer portal only
    }


def availability(store, args, held=None):
    """GET /ref/productavailability: {"Total", "Page", "ProductAvailabilityList"}.

    One row per Stock product and location it holds stock at (Service products have none),
    ordered by SKU then location. ID, Sku, Location and Category match exactly, Name matches
    the start (all case-insensitively); no row has a batch, so any Batch filter finds nothing.
    `held` ({(product ID, location): quantity}) is what authorised sale orders allocate on top
    of the stock table's own Allocated.
    """
    page = int_arg(args, "Page", 1, 1)
    limit = int_arg(args, "Limit", 100, 1, MAX_LIMIT)

    def wanted(name):
        return str(args.get(name) or "").lower()

    rows = []
    for product in sorted(store["products"].values(),
                          key=lambda p: (str(p["SKU"]).lower(), p["ID"])):
        if product["Type"] != "Stock" or wanted("Batch") \
                or wanted("ID") not in ("", product["ID"].lower()) \
                or wanted("Sku") not in ("", str(product["SKU"]).lower()) \
                or wanted("Category") not in ("", product["Category"].lower()) \
                or not product["Name"].lower().startswith(wanted("Name")):
            continue
        for location, quantities in store["stock"].get(product["ID"], {}).items():
            if wanted("Location") in ("", location.lower()):
                extra = (held or {}).get((product["ID"], location), 0.0)
                quantities = {**quantities, "Allocated": quantities["Allocated"] + extra}
                rows.append(availability_row(product, location, quantities))
    return {"Total": len(rows), "Page": page,
            "ProductAvailabilityList": rows[(page - 1) * limit: page * limit]}


def set_stock(store, product, body):
    """Set a product's quantities at one location (a stock take, as a Cin7 user would).

    Body: {"Location", "OnHand"} and optionally "Allocated", "OnOrder", "InTransit". The
    product's LastModifiedOn does not move (see the module docstring). Returns the new row.
    """
    if product["Type"] != "Stock":
        raise Cin7Error(f"Product '{product['SKU']}' is a Service and holds no stock.")
    locations = {loc["Name"].lower(): loc["Name"] for loc in store["books"]["location"]}
    location = str(body.get("Location") or "")
    if location.lower() not in locations:
        raise Cin7Error(f"Location '{location}' was not found in reference book", code=404)
    if body.get("OnHand") is None:
        raise Cin7Error("Required attribute OnHand is not provided.")
    location = locations[location.lower()]
    places = store["stock"].setdefault(product["ID"], {})
    quantities = dict(places.get(location) or {field: 0.0 for field in STOCK_FIELDS})
    for field in STOCK_FIELDS:
        if body.get(field) is not None:
            quantities[field] = body[field]
            _check_number(quantities, field)
    if body.get("Allocated") is None:  # stock that left can no longer be allocated
        quantities["Allocated"] = min(quantities["Allocated"], quantities["OnHand"])
    places[location] = quantities
    return availability_row(product, location, quantities)
