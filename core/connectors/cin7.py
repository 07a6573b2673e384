"""Cin7 Core (DEAR Inventory) External API v2 client.

Facts that are uncertain in the vendor's docs are isolated here (see THROTTLE_STATUSES and
_error_message): the throttle status (429 in the current portal, 503 in older copies) and
whether an error body is one object or a list.
"""

import datetime
import hashlib

from core.errors import RecordError, ServiceError, Throttled
from core.http import Api
from core.ratelimit import Limiter
from core.records import Address, Contact, Customer, Product, Sale, SaleLine

SYSTEM = "Cin7 Core"
PAGE_LIMIT = 1000  # the API's maximum page size
THROTTLE_STATUSES = (429, 503)  # the portal says 429; the 2024 conversion says 503: treat both
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
PRODUCT_FLAGS = {"IncludeDeprecated": "true", "IncludeAttachments": "true"}

REFERENCE_LISTS = {
    # kind: (path, wrapper key, name field)
    "price_tiers": ("ref/priceTier", "PriceTiers", "Name"),
    "locations": ("ref/location", "LocationList", "Name"),
    "payment_terms": ("ref/paymentterm", "PaymentTermList", "Name"),
    "tax_rules": ("ref/tax", "TaxRuleList", "Name"),
    "carriers": ("ref/carrier", "CarrierList", "Description"),
    "accounts": ("ref/account", "AccountsList", "Code"),
    "categories": ("ref/category", "CategoryList", "Name"),
}


class Cin7RecordError(ServiceError):
    """Cin7 refused a write (HTTP 400/404) for a reason about the record itself."""


def _error_message(response):
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason
    items = body if isinstance(body, list) else [body]
    messages = [str(i.get("Exception") or i.get("Message") or i) if isinstance(i, dict) else str(i)
                for i in items]
    return "; ".join(messages)


def check(response):
    """Map Cin7's answers to SyncDesk errors; return the response when it is usable."""
    status = response.status_code
    if status in THROTTLE_STATUSES:
        raise Throttled(SYSTEM, _error_message(response) or "rate limit reached", status=status)
    if status == 403:
        raise ServiceError(SYSTEM, "the account id or application key was refused "
                           f"({_error_message(response)})", status)
    if status in (400, 404, 405):
        raise Cin7RecordError(SYSTEM, _error_message(response), status)
    if status >= 500:
        raise ServiceError(SYSTEM, _error_message(response), status, retryable=True)
    if status == 204:
        return response
    if "json" not in response.headers.get("Content-Type", "") and response.text.lstrip()[:1] not in "[{":
        # A wrong path answers 200 with an HTML "Page not found" page.
        raise ServiceError(SYSTEM, "answered with a web page instead of data: check CIN7_BASE_URL",
                           status)
    return response


def parse_date(text):
    if not text:
        return None
    text = text.rstrip("Z")
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6].ljust(6, '0')}"
        return datetime.datetime.strptime(text, DATE_FORMAT + ".%f")
    return datetime.datetime.strptime(text, DATE_FORMAT)


def format_date(value):
    return value.strftime(DATE_FORMAT) + f".{value.microsecond // 1000:03d}"


def _num(value):
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def to_customer(data):
    """A Customer record from Cin7's JSON."""
    return Customer(
        id=data["ID"], name=data.get("Name") or "", status=data.get("Status") or "Active",
        currency=data.get("Currency") or "", payment_term=data.get("PaymentTerm") or "",
        tax_rule=data.get("TaxRule") or "", revenue_account=data.get("RevenueAccount") or "",
        account_receivable=data.get("AccountReceivable") or "",
        price_tier=data.get("PriceTier") or "", carrier=data.get("Carrier") or "",
        location=data.get("Location") or "",
        sales_representative=data.get("SalesRepresentative") or "",
        comments=data.get("Comments") or "", tax_number=str(data.get("TaxNumber") or ""),
        discount=_num(data.get("Discount")), credit_limit=_num(data.get("CreditLimit")),
        is_on_credit_hold=bool(data.get("IsOnCreditHold")), tags=data.get("Tags") or "",
        attribute_set=data.get("AttributeSet") or "",
        attributes={f"AdditionalAttribute{i}": data.get(f"AdditionalAttribute{i}") or ""
                    for i in range(1, 11)},
        contacts=[Contact(id=c.get("ID") or "", name=c.get("Name") or "",
                          email=(c.get("Email") or "").strip(), phone=c.get("Phone") or "",
                          mobile=c.get("MobilePhone") or "", job_title=c.get("JobTitle") or "",
                          default=bool(c.get("Default")))
                  for c in data.get("Contacts") or []],
        addresses=[Address(id=a.get("ID") or "", line1=a.get("Line1") or "",
                           line2=a.get("Line2") or "", city=a.get("City") or "",
                           state=a.get("State") or "", postcode=a.get("Postcode") or "",
                           country=a.get("Country") or "", type=a.get("Type") or "Billing",
                           default_for_type=bool(a.get("DefaultForType")))
                   for a in data.get("Addresses") or []],
        modified=parse_date(data.get("LastModifiedOn")),
    )


def to_product(data, tier_names=None):
    """A Product record from Cin7's JSON; prices by tier position, named when known."""
    names = tier_names or {}
    by_name = data.get("PriceTiers") or {}
    prices = []
    for position in range(1, 11):
        price = _num(data.get(f"PriceTier{position}"))
        name = names.get(position, f"Tier {position}")
        if price is None and name in by_name:
            price = _num(by_name[name])
        if price is not None:
            prices.append((position, name, price))
    return Product(
        id=data["ID"], sku=(data.get("SKU") or "").strip(), name=data.get("Name") or "",
        category=data.get("Category") or "", brand=data.get("Brand") or "",
        type=data.get("Type") or "Stock", status=data.get("Status") or "Active",
        sellable=data.get("Sellable") is not False,
        short_description=data.get("ShortDescription") or "",
        description=data.get("Description") or "", tags=data.get("Tags") or "",
        weight=_num(data.get("Weight")), weight_units=data.get("WeightUnits") or "",
        average_cost=_num(data.get("AverageCost")), prices=prices,
        images=_images(data.get("Attachments") or []),
        modified=parse_date(data.get("LastModifiedOn")))


def _images(attachments):
    """The URLs of a product's image attachments, the default first. [U] IsDefault shows only
    on /product/attachments (the portal): from GET /product the first listed image leads."""
    images = [a for a in attachments
              if str(a.get("ContentType") or "").lower().startswith("image/") and a.get("DownloadUrl")]
    images.sort(key=lambda a: str(a.get("IsDefault")).lower() != "true")
    return [a["DownloadUrl"] for a in images]


def product_payload(product, uom="Item", costing_method="FIFO"):
    """Cin7's JSON for creating (no id) or updating a product; prices by tier position."""
    body = {"SKU": product.sku, "Name": product.name, "Category": product.category,
            "Brand": product.brand, "ShortDescription": product.short_description,
            "Description": product.description, "Status": product.status}
    body = {k: v for k, v in body.items() if v}
    body.update({f"PriceTier{position}": price for position, _, price in product.prices})
    if product.id:
        body["ID"] = product.id
    else:  # required on create only; Type cannot change later
        body.update(Type=product.type, UOM=uom, CostingMethod=costing_method,
                    Sellable=product.sellable)
    return body


def customer_payload(customer, fields=None):
    """Cin7's JSON for creating (no id) or updating a customer; `fields` limits the header."""
    body = {"Name": customer.name, "Status": customer.status, "Currency": customer.currency,
            "PaymentTerm": customer.payment_term, "TaxRule": customer.tax_rule,
            "RevenueAccount": customer.revenue_account,
            "AccountReceivable": customer.account_receivable, "PriceTier": customer.price_tier,
            "Location": customer.location, "SalesRepresentative": customer.sales_representative,
            "CreditLimit": customer.credit_limit}
    body = {k: v for k, v in body.items() if v not in (None, "") and (fields is None or k in fields)}
    if customer.id:
        body["ID"] = customer.id
    body["Contacts"] = [
        {k: v for k, v in {"ID": c.id, "Name": c.name, "Email": c.email, "Phone": c.phone,
                           "MobilePhone": c.mobile, "JobTitle": c.job_title,
                           "Default": c.default}.items() if v not in (None, "")}
        for c in customer.contacts]
    body["Addresses"] = [
        {k: v for k, v in {"ID": a.id, "Line1": a.line1, "Line2": a.line2, "City": a.city,
                           "State": a.state, "Postcode": a.postcode, "Country": a.country,
                           "Type": a.type, "DefaultForType": a.default_for_type}.items()
         if v not in (None, "")}
        for a in customer.addresses]
    return body


def to_sale_line(data):
    """A SaleLine from a quote, order or invoice line."""
    return SaleLine(
        product_id=data.get("ProductID") or "", sku=(data.get("SKU") or "").strip(),
        name=data.get("Name") or "", quantity=_num(data.get("Quantity")) or 0.0,
        price=_num(data.get("Price")) or 0.0, discount=_num(data.get("Discount")) or 0.0,
        tax=_num(data.get("Tax")), tax_rule=data.get("TaxRule") or "",
        comment=data.get("Comment") or "", total=_num(data.get("Total")),
        backorder_quantity=_num(data.get("BackorderQuantity")) or 0.0)


def _tracking(text):
    # [U] CombinedTrackingNumbers' separator is undocumented: accept commas, semicolons, spaces.
    return [t for t in text.replace(";", ",").replace(" ", ",").split(",") if t]


def to_sale(data):
    """A Sale from a /saleList row (header only) or a GET /sale answer (with lines)."""
    order, quote = data.get("Order") or {}, data.get("Quote") or {}
    sale = Sale(
        id=data.get("SaleID") or data.get("ID") or "",
        order_number=data.get("OrderNumber") or order.get("SaleOrderNumber") or "",
        status=data.get("Status") or "", customer_id=data.get("CustomerID") or "",
        customer=data.get("Customer") or "",
        customer_reference=data.get("CustomerReference") or "",
        external_id=data.get("ExternalID") or "", currency=data.get("CustomerCurrency") or "",
        order_date=parse_date(data.get("OrderDate") or data.get("SaleOrderDate")),
        updated=parse_date(data.get("Updated") or data.get("LastModifiedOn")),
        type=data.get("Type") or "", location=data.get("Location") or "",
        quote_status=data.get("QuoteStatus") or quote.get("Status") or "",
        order_status=data.get("OrderStatus") or order.get("Status") or "",
        invoice_status=data.get("CombinedInvoiceStatus") or "",
        shipment_status=data.get("CombinedShippingStatus") or "",
        payment_status=data.get("CombinedPaymentStatus") or "",
        tracking_numbers=_tracking(data.get("CombinedTrackingNumbers") or ""),
        invoice_number=data.get("InvoiceNumber") or "",
        invoice_total=_num(data.get("InvoiceAmount")), paid_amount=_num(data.get("PaidAmount")),
        tax_rule=data.get("TaxRule") or "", price_tier=data.get("PriceTier") or "")
    if "Order" in data or "Quote" in data:
        _add_documents(sale, data, order, quote)
    return sale


def _add_documents(sale, data, order, quote):
    """Lines, memo and totals of a full sale: the order's once it has lines, else the quote's."""
    document = order if order.get("Status", "NOT AVAILABLE") != "NOT AVAILABLE" \
        and order.get("Lines") else quote
    sale.lines = [to_sale_line(line) for line in document.get("Lines") or []]
    sale.memo, sale.order_total = document.get("Memo") or "", _num(document.get("Total"))
    invoices = [i for i in data.get("Invoices") or [] if i.get("Status") in ("AUTHORISED", "PAID")]
    if invoices:
        sale.invoice_number = invoices[0].get("InvoiceNumber") or ""
        sale.invoice_total = round(sum(_num(i.get("Total")) or 0.0 for i in invoices), 2)
        sale.paid_amount = round(sum(_num(i.get("Paid")) or 0.0 for i in invoices), 2)
    numbers = [line.get("TrackingNumber") for f in data.get("Fulfilments") or []
               for line in ((f.get("Ship") or {}).get("Lines") or []) if line.get("TrackingNumber")]
    sale.tracking_numbers = numbers or sale.tracking_numbers


def sale_payload(sale):
    """Cin7's JSON for POST /sale (no id) or PUT /sale (id): the header fields a Sale holds."""
    body = {"CustomerID": sale.customer_id, "Customer": sale.customer,
            "CustomerReference": sale.customer_reference, "ExternalID": sale.external_id,
            "Location": sale.location, "TaxRule": sale.tax_rule, "PriceTier": sale.price_tier,
            "SaleOrderDate": format_date(sale.order_date) if sale.order_date else None}
    if sale.type:
        body["Type"] = sale.type.split()[0]  # "Simple Sale" -> "Simple"
    body = {k: v for k, v in body.items() if v not in (None, "")}
    if sale.id:
        body = {k: v for k, v in body.items() if k not in ("CustomerID", "Customer")}
        body["ID"] = sale.id  # a sale keeps its customer: PUT changes the rest of the header
    return body


def line_payload(line):
    """One quote or order line; a line names its product by id, else by SKU."""
    body = {"ProductID": line.product_id, "SKU": line.sku if not line.product_id else None,
            "Name": line.name, "Quantity": line.quantity, "Price": line.price,
            "Discount": line.discount, "Tax": line.tax, "TaxRule": line.tax_rule,
            "Comment": line.comment, "Total": line.total}
    return {k: v for k, v in body.items() if v not in (None, "")}


def document_payload(sale_id, status, lines, memo=""):
    """POST /sale/quote or /sale/order: a whole document (Cin7 overwrites the lines)."""
    return {"SaleID": sale_id, "Status": status, "Memo": memo or "",
            "Lines": [line_payload(line) for line in lines]}


class Cin7:
    """Cin7 Core v2: customers, suppliers, products and stock, sales, reference lists, company
    info."""

    def __init__(self, config):
        config.require("cin7_account_id", "cin7_application_key")
        self._tiers = None
        key_tag = hashlib.sha256(config.cin7_application_key.encode()).hexdigest()[:12]
        limiter = Limiter(f"cin7:{config.cin7_account_id}:{key_tag}",
                          config.cin7_calls_per_minute, 60)
        self.api = Api(SYSTEM, config.cin7_base_url,
                       {"api-auth-accountid": config.cin7_account_id,
                        "api-auth-applicationkey": config.cin7_application_key,
                        "Content-Type": "application/json", "Accept": "application/json"},
                       check, limiter, config.http_timeout, config.max_retries,
                       (config.retry_initial, config.retry_max),
                       deadline=config.run_deadline_minutes * 60)

    def me(self):
        """Company settings; the cheap call that proves the keys work (CON-1)."""
        return self.api.json("GET", "me")

    def customer_pages(self, modified_since=None, page_size=PAGE_LIMIT, start_page=1):
        """Yield (page number, total, [Customer]) ordered as Cin7 pages them."""
        for number, total, items in self._pages("customer", "CustomerList", modified_since,
                                                page_size, start_page):
            yield number, total, [to_customer(c) for c in items]

    def customer(self, customer_id):
        body = self.api.json("GET", "customer", params={"ID": customer_id,
                                                        "IncludeDeprecated": "true"})
        items = body.get("CustomerList") or []
        return to_customer(items[0]) if items else None

    def find_customer(self, name):
        """The customer whose name equals `name` (case-insensitive), if any."""
        body = self.api.json("GET", "customer", params={"Name": name, "Limit": 100,
                                                        "IncludeDeprecated": "true"})
        for item in body.get("CustomerList") or []:
            if (item.get("Name") or "").strip().lower() == name.strip().lower():
                return to_customer(item)
        return None

    def save_customer(self, customer, fields=None):
        """Create (no id) or update a customer; returns it as Cin7 stored it."""
        method = "PUT" if customer.id else "POST"
        # A PUT that adds a contact or address (a row without id) adds it again when it is
        # repeated after a timeout: it is sent once, and the next run matches what landed.
        # A POST repeated is refused by name (names are unique), so it may be repeated.
        adds_rows = any(not row.id for row in customer.contacts + customer.addresses)
        try:
            body = self.api.json(method, "customer", json=customer_payload(customer, fields),
                                 repeatable=not (customer.id and adds_rows))
        except Cin7RecordError as exc:
            raise RecordError(customer.name or customer.id, "", str(exc).split(": ", 1)[-1]) from None
        items = body.get("CustomerList") or []
        if not items:
            raise ServiceError(SYSTEM, f"no customer in the answer to {method} /customer")
        return to_customer(items[0])

    def supplier_pages(self, modified_since=None, page_size=PAGE_LIMIT, start_page=1):
        """Yield (page number, total, [suppliers]) as Cin7 pages them. A supplier has a
        customer's shape (the portal's Supplier/Customer address and contact models), so it
        is read as a Customer record; AccountPayable is not kept."""
        for number, total, items in self._pages("supplier", "SupplierList", modified_since,
                                                page_size, start_page):
            yield number, total, [to_customer(s) for s in items]

    def supplier(self, supplier_id):
        body = self.api.json("GET", "supplier", params={"ID": supplier_id,
                                                        "IncludeDeprecated": "true"})
        items = body.get("SupplierList") or []
        return to_customer(items[0]) if items else None

    def price_tier_names(self):
        """Tier position -> the name the account gave it; read once per client (one run)."""
        if self._tiers is None:
            body = self.api.json("GET", "ref/priceTier")
            self._tiers = {int(t["Code"]): t["Name"] for t in body.get("PriceTiers") or []}
        return self._tiers

    def product_pages(self, modified_since=None, page_size=PAGE_LIMIT, start_page=1):
        """Yield (page number, total, [Product]), Deprecated ones included, with images."""
        tiers = self.price_tier_names()
        for number, total, items in self._pages("product", "Products", modified_since,
                                                page_size, start_page, extra=PRODUCT_FLAGS):
            yield number, total, [to_product(p, tiers) for p in items]

    def product(self, product_id):
        body = self.api.json("GET", "product", params={"ID": product_id, **PRODUCT_FLAGS})
        items = body.get("Products") or []
        return to_product(items[0], self.price_tier_names()) if items else None

    def save_product(self, product):
        """Create (no id) or update a product; returns it as Cin7 stored it."""
        method = "PUT" if product.id else "POST"
        try:
            body = self.api.json(method, "product", json=product_payload(product))
        except Cin7RecordError as exc:
            raise RecordError(f"product '{product.sku or product.name}'", "",
                              str(exc).split(": ", 1)[-1]) from None
        items = body.get("Products") or []
        if not items:
            raise ServiceError(SYSTEM, f"no product in the answer to {method} /product")
        return to_product(items[0])

    def stock(self):
        """On hand per product and location: {product id: {location: quantity}}."""
        stock, page = {}, 1
        while True:
            body = self.api.json("GET", "ref/productavailability",
                                 params={"Page": page, "Limit": PAGE_LIMIT})
            items = body.get("ProductAvailabilityList") or []
            for row in items:
                places = stock.setdefault(row["ID"], {})
                location = row.get("Location") or ""
                places[location] = places.get(location, 0.0) + (_num(row.get("OnHand")) or 0.0)
            if len(items) < PAGE_LIMIT or page * PAGE_LIMIT >= int(body.get("Total") or 0):
                return stock
            page += 1

    def _pages(self, path, key, modified_since, page_size, start_page,
               since_param="ModifiedSince", extra=None):
        page = start_page
        extra = {"IncludeDeprecated": "true"} if extra is None else extra
        while True:
            params = {"Page": page, "Limit": page_size, **extra}
            if modified_since:
                params[since_param] = format_date(modified_since)
            body = self.api.json("GET", path, params=params)
            items = body.get(key) or []
            total = int(body.get("Total") or 0)
            yield page, total, items
            if len(items) < page_size or page * page_size >= total:
                return
            page += 1

    # -- sales ------------------------------------------------------------------------------

    def sale_pages(self, updated_since=None, page_size=PAGE_LIMIT, start_page=1):
        """Yield (page number, total, [Sale headers]) from /saleList, oldest change first.

        Sales have no ModifiedSince: the cursor is UpdatedSince and the row field Updated.
        """
        for number, total, items in self._pages("saleList", "SaleList", updated_since,
                                                page_size, start_page, "UpdatedSince", {}):
            yield number, total, [to_sale(s) for s in items]

    def sale(self, sale_id):
        """The full sale with its lines (the order's, else the quote's), or None."""
        try:
            body = self.api.json("GET", "sale", params={"ID": sale_id})
        except Cin7RecordError:
            return None  # [U] how Cin7 answers an unknown sale id is undocumented
        return to_sale(body) if body else None

    def find_sales(self, external_id):
        """Sale headers whose ExternalID equals `external_id` (SyncDesk's HubSpot deal link)."""
        body = self.api.json("GET", "saleList", params={"ExternalID": external_id,
                                                        "Limit": 100})
        return [to_sale(s) for s in body.get("SaleList") or []
                if (s.get("ExternalID") or "") == external_id]

    def _sale_write(self, method, path, label, **kwargs):
        try:
            return self.api.call(method, path, **kwargs).json()
        except Cin7RecordError as exc:
            raise RecordError(label, "", str(exc).split(": ", 1)[-1]) from None

    def create_sale(self, header):
        """POST /sale with a header dict (see sale_payload); returns the new sale's id."""
        label = f"sale for '{header.get('Customer') or header.get('CustomerID')}'"
        body = self._sale_write("POST", "sale", label, json=header, repeatable=False)
        if not body.get("ID"):
            raise ServiceError(SYSTEM, "no sale id in the answer to POST /sale")
        return body["ID"]

    def save_quote(self, sale_id, status, lines, memo=""):
        """Overwrite the quote (DRAFT or AUTHORISED); returns its lines as Cin7 stored them."""
        body = self._sale_write("POST", "sale/quote", f"quote of sale {sale_id}",
                                json=document_payload(sale_id, status, lines, memo))
        return [to_sale_line(line) for line in body.get("Lines") or []]

    def save_order(self, sale_id, status, lines, memo=""):
        """Overwrite the order; an AUTHORISED order's lines carry what Cin7 backordered."""
        body = self._sale_write("POST", "sale/order", f"order of sale {sale_id}",
                                json=document_payload(sale_id, status, lines, memo))
        return [to_sale_line(line) for line in body.get("Lines") or []]

    def void_sale(self, sale_id):
        """Void the sale (DELETE ?Void=true); returns it as Cin7 left it."""
        body = self._sale_write("DELETE", "sale", f"sale {sale_id}",
                                params={"ID": sale_id, "Void": "true"})
        return to_sale(body)

    def availability(self, skus_or_ids, location=None):
        """Available quantity per product id, summed over locations (or at `location`).

        Reads the whole availability list (1000 rows a call) rather than one call per
        product, the cheaper choice under 60 calls a minute. Products with no stock rows
        (services, never stocked) are left out.
        """
        wanted = {str(k).strip().lower() for k in skus_or_ids}
        found, page = {}, 1
        while True:
            params = {"Page": page, "Limit": PAGE_LIMIT} | ({"Location": location}
                                                             if location else {})
            body = self.api.json("GET", "ref/productavailability", params=params)
            items = body.get("ProductAvailabilityList") or []
            for row in items:
                keys = {str(row.get("ID") or "").lower(), str(row.get("SKU") or "").lower()}
                if keys & wanted:
                    found[row["ID"]] = found.get(row["ID"], 0.0) + (_num(row.get("Available"))
                                                                    or 0.0)
            if len(items) < PAGE_LIMIT or page * PAGE_LIMIT >= int(body.get("Total") or 0):
                return found
            page += 1

    def reference(self, kind):
        """Names in one of Cin7's reference books (price tiers, locations, ...)."""
        path, key, name_field = REFERENCE_LISTS[kind]
        names, page = [], 1
        while True:
            body = self.api.json("GET", path, params={"Page": page, "Limit": PAGE_LIMIT})
            items = body.get(key) or []
            names += [str(i.get(name_field)) for i in items if i.get(name_field) is not None]
            total = int(body.get("Total") or len(names))
            if len(items) < PAGE_LIMIT or len(names) >= total:
                return names
            page += 1

    def webhooks(self):
        """The account's webhook subscriptions (needs Cin7's Automation module)."""
        return self.api.json("GET", "webhooks").get("Webhooks") or []

    def create_webhook(self, event_type, url, user="", password=""):
        """Subscribe `url` to `event_type` (e.g. "Customer/Updated"); basic auth when given.

        Cin7 does not sign deliveries: the password is what proves they come from here.
        """
        body = {"Type": event_type, "IsActive": True, "ExternalURL": url,
                "ExternalAuthorizationType": "basicauth" if password else "noauth"}
        if password:
            body.update(ExternalUserName=user or "syncdesk", ExternalPassword=password)
        items = self.api.json("POST", "webhooks", json=body).get("Webhooks") or []
        return items[0] if items else body
