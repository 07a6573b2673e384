"""Cin7 Omni (the original Cin7) API v1 client: the contacts of type Customer, for JOOR.

Omni is the other Cin7: Basic auth with the account's API username and one API connection's
key, `GET v1/Contacts` with `fields`, `where`, `order`, `page` and `rows`, bare JSON arrays
with no total, bare JSON strings as error bodies (../shared/notes/inventory_apis.md §B).
Its customers come back as the same `core.records.Customer` the Cin7 Core client returns,
so the JOOR flows read either without knowing which. What the vendor leaves uncertain is a
constant below: the query syntax and field names (third-party sources), the throttle answer,
and which of Omni's two addresses is the billing one.
"""

import datetime
import hashlib

from core.errors import ServiceError, Throttled
from core.http import Api
from core.ratelimit import Limiter, Limits
from core.records import Address, Contact, Customer

SYSTEM = "Cin7 Omni"
CONTACTS = "v1/Contacts"
CONTACT = "v1/Contacts/{id}"
MAX_ROWS = 250  # [C3] above it Omni answers 400 "The rows argument cannot be greater than 250."
CUSTOMERS = "type='Customer'"  # [C3] `where` on the top-level field Type
CHANGED_SINCE = "modifiedDate>='{since}'"  # [C3] modifiedDate is the only change feed
ORDER = "id ASC"  # [C3] default order is DESC; by id, pages stay put while contacts change
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # [C] UTC, e.g. 2020-03-10T21:29:36Z
THROTTLE_STATUSES = (429,)  # [C3] 429 "Rate limit exceeded. Retry after some time.", no Retry-After
# [U] Omni has a street address and a postal one; the postal one is taken as the billing
# address (what JOOR's billing_addresses get), the street one as the delivery address.
ADDRESSES = (("postal", "Billing"), ("", "Shipping"))


class OmniRecordError(ServiceError):
    """Omni refused a request (HTTP 400/404) for a reason about the request itself."""


def _error_message(response):
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason
    if isinstance(body, dict):  # [C3] bodies are bare strings; an object is read all the same
        body = body.get("message") or body.get("Message") or body
    return str(body)[:300]


def check(response):
    """Map Omni's answers to SyncDesk errors; return the response when it is usable."""
    status = response.status_code
    if status in THROTTLE_STATUSES:
        raise Throttled(SYSTEM, _error_message(response) or "rate limit reached", status=status)
    if status == 401:
        raise ServiceError(SYSTEM, "the API username or key was refused "
                           f"({_error_message(response)})", status)
    if status == 403:
        raise ServiceError(SYSTEM, "this API connection may not read Contacts: tick Read on "
                           f"Contacts in Omni's API v1 settings ({_error_message(response)})",
                           status)
    if status in (400, 404, 405):
        raise OmniRecordError(SYSTEM, _error_message(response), status)
    if status >= 500:
        raise ServiceError(SYSTEM, _error_message(response), status, retryable=True)
    return response


def parse_date(text):
    if not text:
        return None
    text = str(text).rstrip("Z").split(".", 1)[0]
    return datetime.datetime.strptime(text, DATE_FORMAT[:-1])


def format_date(value):
    return value.strftime(DATE_FORMAT)


def _lower(data):
    """Omni declares PascalCase and answers camelCase: read keys case-insensitively."""
    return {str(k).lower(): v for k, v in (data or {}).items()}


def _text(value):
    return "" if value is None else str(value).strip()


def _num(value):
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def _person(data, default):
    name = " ".join(p for p in (_text(data.get("firstname")), _text(data.get("lastname"))) if p)
    if not (name or _text(data.get("email"))):
        return None
    return Contact(id=_text(data.get("id")), name=name, email=_text(data.get("email")),
                   phone=_text(data.get("phone")), mobile=_text(data.get("mobile")),
                   job_title=_text(data.get("jobtitle")), default=default)


def _addresses(data):
    found = []
    for prefix, kind in ADDRESSES:
        parts = {f: _text(data.get(prefix + f)) for f in
                 ("address1", "address2", "city", "state", "postcode", "country")}
        if any(parts.values()):
            found.append(Address(line1=parts["address1"], line2=parts["address2"],
                                 city=parts["city"], state=parts["state"],
                                 postcode=parts["postcode"], country=parts["country"],
                                 type=kind, default_for_type=True))
    return found


def to_customer(raw):
    """A Customer record from one Omni contact's JSON: the company (else the person) is the
    customer's name, the person its default contact, the secondary contacts the others."""
    data = _lower(raw)
    primary = _person(data, default=True)
    others = [_person(_lower(c), default=False) for c in data.get("secondarycontacts") or []]
    name = _text(data.get("company")) or (primary.name if primary else "")
    return Customer(
        id=_text(data.get("id")), name=name or f"Contact {_text(data.get('id'))}",
        status="Active" if data.get("isactive", True) is not False else "Deprecated",
        payment_term=_text(data.get("paymentterms")), price_tier=_text(data.get("pricecolumn")),
        tax_number=_text(data.get("taxnumber")), comments=_text(data.get("notes")),
        discount=_num(data.get("percentageoff")), credit_limit=_num(data.get("creditlimit")),
        is_on_credit_hold=bool(data.get("onhold")), tags=_text(data.get("group")),
        contacts=[c for c in [primary, *others] if c], addresses=_addresses(data),
        modified=parse_date(data.get("modifieddate")))


class Omni:
    """Cin7 Omni API v1: its customers (contacts of type Customer), read page by page."""

    def __init__(self, config):
        config.require("omni_username", "omni_api_key")
        key_tag = hashlib.sha256(config.omni_api_key.encode()).hexdigest()[:12]
        bucket = f"omni:{config.omni_username}:{key_tag}"
        limits = Limits(Limiter(bucket + ":s", config.omni_calls_per_second, 1),
                        Limiter(bucket + ":m", config.omni_calls_per_minute, 60))
        self.api = Api(SYSTEM, config.omni_base_url, {"Accept": "application/json"}, check,
                       limits, config.http_timeout, config.max_retries,
                       (config.retry_initial, config.retry_max))
        self.api.session.auth = (config.omni_username, config.omni_api_key)

    def customer_pages(self, modified_since=None, page_size=MAX_ROWS, start_page=1):
        """Yield (page number, None, [Customer]) by id; Omni gives no total. Stops at the
        first short page (an empty one when the last page was full)."""
        rows = max(1, min(int(page_size), MAX_ROWS))
        where = CUSTOMERS
        if modified_since:
            where += " AND " + CHANGED_SINCE.format(since=format_date(modified_since))
        page = start_page
        while True:
            items = self.api.json("GET", CONTACTS, params={"where": where, "order": ORDER,
                                                           "page": page, "rows": rows})
            yield page, None, [to_customer(item) for item in items or []]
            if len(items or []) < rows:
                return
            page += 1

    def customer(self, customer_id):
        """One customer by its Omni id, or None (unknown, or a supplier)."""
        try:
            item = self.api.json("GET", CONTACT.format(id=customer_id))
        except OmniRecordError as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(item, dict) or _text(_lower(item).get("type")).lower() != "customer":
            return None
        return to_customer(item)

    def probe(self):
        """The cheap call that proves the keys work (CON-1): one contact id."""
        items = self.api.json("GET", CONTACTS, params={"fields": "id", "page": 1, "rows": 1})
        return f"contacts can be read ({'some' if items else 'none yet'})"
