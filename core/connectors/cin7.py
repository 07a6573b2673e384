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
from core.records import Address, Contact, Customer, Product

SYSTEM = "Cin7 Core"
PAGE_LIMIT = 1000  # the API's maximum page size
THROTTLE_STATUSES = (429, 503)  # the portal says 429; the 2024 conversion says 503: treat both
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

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
        modified=parse_date(data.get("LastModifiedOn")))


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


class Cin7:
    """Cin7 Core v2: customers, reference lists, company info."""

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
        try:
            body = self.api.json(method, "customer", json=customer_payload(customer, fields))
        except Cin7RecordError as exc:
            raise RecordError(customer.name or customer.id, "", str(exc).split(": ", 1)[-1]) from None
        items = body.get("CustomerList") or []
        if not items:
            raise ServiceError(SYSTEM, f"no customer in the answer to {method} /customer")
        return to_customer(items[0])

    def price_tier_names(self):
        """Tier position -> the name the account gave it; read once per client (one run)."""
        if self._tiers is None:
            body = self.api.json("GET", "ref/priceTier")
            self._tiers = {int(t["Code"]): t["Name"] for t in body.get("PriceTiers") or []}
        return self._tiers

    def product_pages(self, modified_since=None, page_size=PAGE_LIMIT, start_page=1):
        """Yield (page number, total, [Product]), Deprecated ones included."""
        tiers = self.price_tier_names()
        for number, total, items in self._pages("product", "Products", modified_since,
                                                page_size, start_page):
            yield number, total, [to_product(p, tiers) for p in items]

    def product(self, product_id):
        body = self.api.json("GET", "product", params={"ID": product_id,
                                                       "IncludeDeprecated": "true"})
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

    def _pages(self, path, key, modified_since, page_size, start_page):
        page = start_page
        while True:
            params = {"Page": page, "Limit": page_size, "IncludeDeprecated": "true"}
            if modified_since:
                params["ModifiedSince"] = format_date(modified_since)
            body = self.api.json("GET", path, params=params)
            items = body.get(key) or []
            total = int(body.get("Total") or 0)
            yield page, total, items
            if len(items) < page_size or page * page_size >= total:
                return
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
