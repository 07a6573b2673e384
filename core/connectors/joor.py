"""JOOR API v2 client: connections (JOOR's word for a brand's customers) and bulk jobs.

JOOR documents this API only in part (see ../shared/notes/inventory_apis.md §C). Every fact
that is uncertain is a constant or a small function below, so it can be corrected here
without touching the engine:
- the URIs (the list form of GET connection is implied by its paging fields, not shown);
- the bulk body beyond `customer_name` (mirrors the GET fields: connection_payload);
- how a connection says it is still waiting for JOOR's staff, matched, or refused (state_of);
- where a finished job lists the records it refused (JOB_ERRORS);
- the auth scheme (Config.joor_auth_scheme) and the page and job sizes (Config).
"""

import base64
import hashlib
import json
from dataclasses import dataclass, field

from core.errors import ServiceError, Throttled
from core.http import Api
from core.ratelimit import Limiter

SYSTEM = "JOOR"
CONNECTIONS = "connection/"
CONNECTION_BY_CODE = "connection/customer_code/{code}/"
BULK = "bulk-connection"
BULK_JOB = "bulk-connection/{job_id}"
WINDOW_SECONDS = 300  # credits refill fully every 300 s
READ_COST, WRITE_COST = 1, 5
RETRY_AFTER_HEADERS = ("Retry-After", "X-Throttling-Retry-After")  # if JOOR sends one
NAME_FIELDS = ("customer_alias", "customer_contact_name")  # the brand's name for it first
STATUS_FIELD = "connection_status"
STATUS_WORDS = {"pending": "pending", "unmatched": "pending", "new": "pending",
                "matched": "connected", "connected": "connected", "active": "connected",
                "rejected": "failed", "declined": "failed", "failed": "failed"}
STATUS_COMMENT = "status_comment"
JOB_ERRORS = "connection_record_errors"  # [{customer_code, comment}] on a finished job


@dataclass
class Connection:
    """A JOOR connection as SyncDesk uses it."""

    code: str  # customer_code: the brand's key, what bulk-connection upserts by
    name: str
    email: str = ""
    connection_id: str = ""  # JOOR's id (customer_account_id)
    city: str = ""
    postcode: str = ""
    country: str = ""
    state: str = "pending"  # pending (JOOR staff still matching), connected, failed
    comment: str = ""
    raw: dict = field(default_factory=dict)


@dataclass
class Job:
    """A bulk-connection job: queued -> started -> finished."""

    id: str
    status: str
    total: int = 0
    done: int = 0
    errors: dict = field(default_factory=dict)  # customer code -> JOOR's reason

    @property
    def finished(self):
        return self.status == "finished"


def state_of(data):
    """pending / connected / failed, with JOOR's comment.

    Assumed: a `connection_status` word; without one, a connection that has JOOR's
    customer_account_id has been matched to a retailer.
    """
    word = str(data.get(STATUS_FIELD) or "").strip().lower()
    if word:
        return STATUS_WORDS.get(word, "pending"), str(data.get(STATUS_COMMENT) or "")
    return ("connected" if data.get("customer_account_id") else "pending"), ""


def to_connection(data):
    addresses = ((data.get("billing") or {}).get("billing_addresses") or [])
    address = addresses[0] if addresses else {}
    state, comment = state_of(data)
    return Connection(
        code=str(data.get("customer_code") or ""),
        name=next((str(data[k]) for k in NAME_FIELDS if data.get(k)), ""),
        email=str(data.get("customer_contact_email") or ""),
        connection_id=str(data.get("customer_account_id") or ""),
        city=str(address.get("city") or ""), postcode=str(address.get("zip") or ""),
        country=str(address.get("country") or ""), state=state, comment=comment, raw=data)


def connection_payload(customer, code):
    """The bulk-connection body of one Cin7 customer (keys mirror JOOR's GET fields)."""
    contact = next((c for c in customer.contacts if c.default), None) or (
        customer.contacts[0] if customer.contacts else None)
    address = customer.main_address("Billing", "Business", "Shipping")
    body = {"customer_code": code, "customer_name": customer.name[:100],
            "customer_alias": customer.name[:150],
            "customer_contact_name": contact.name if contact else "",
            "customer_contact_email": contact.email if contact else "",
            "customer_buyer_name": contact.name[:50] if contact else ""}
    if address:
        body["billing"] = {"billing_addresses": [{
            "billing_code": code[:50], "address_1": address.line1, "address_2": address.line2,
            "city": address.city, "state": address.state, "zip": address.postcode,
            "country": address.country}]}
    return body


def fingerprint(payload):
    """What was pushed, minus the key: an unchanged customer is not pushed again."""
    body = {k: v for k, v in payload.items() if k != "customer_code"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]


def _envelope(body):
    """(root node, its response{code, comment, next_start...}) of a v2 answer."""
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, dict) and isinstance(value.get("response"), dict):
                return value, value["response"]
    return {}, {}


def _comment(response):
    try:
        _, envelope = _envelope(response.json())
    except ValueError:
        return response.text.strip()[:300] or response.reason
    return str(envelope.get("comment") or envelope.get("message") or response.reason)


def check(response):
    """Map JOOR's answers to SyncDesk errors; return the response when it is usable."""
    status = response.status_code
    if status == 429:
        after = next((response.headers[h] for h in RETRY_AFTER_HEADERS if h in response.headers),
                     None)
        raise Throttled(SYSTEM, "credit limit reached (300 per 5 minutes)",
                        retry_after=float(after) if after else None)
    if status in (401, 403):
        raise ServiceError(SYSTEM, f"the API token was refused ({_comment(response)})", status)
    if status >= 500:
        raise ServiceError(SYSTEM, _comment(response), status, retryable=True)
    if status >= 400:
        raise ServiceError(SYSTEM, _comment(response), status)
    _, envelope = _envelope(response.json())
    code = envelope.get("code", 0)
    if code not in (0, "0", None):
        raise ServiceError(SYSTEM, f"error {code}: {envelope.get('comment') or 'no comment'}")
    return response


class _Cost:
    """The shared limiter, charged `cost` credits per call (JOOR writes cost 5)."""

    def __init__(self, limiter, cost):
        self.limiter, self.cost = limiter, cost

    @property
    def interval(self):
        return self.limiter.interval * self.cost

    def acquire(self):
        self.limiter.acquire(self.cost)

    def pause(self, seconds):
        self.limiter.pause(seconds)


def limiter(config, tag):
    """The credits of one JOOR account, shared by every process: a rolling 300 s window
    never holds more than JOOR's fixed window allows, however the two are aligned."""
    return Limiter(f"joor:{tag}", config.joor_credits_per_window, WINDOW_SECONDS)


class Joor:
    """JOOR v2: read connections, push bulk jobs, follow them."""

    def __init__(self, config):
        config.require("joor_token")
        token = config.joor_token
        if config.joor_auth_scheme.lower() == "oauth2":
            token = base64.b64encode(token.encode()).decode()
        tag = hashlib.sha256(config.joor_token.encode()).hexdigest()[:12]
        shared = limiter(config, tag)
        self.page_size, self.bulk_size = config.joor_page_size, config.joor_bulk_size
        self.writes = _Cost(shared, WRITE_COST)
        self.api = Api(SYSTEM, config.joor_base_url,
                       {"Authorization": f"{config.joor_auth_scheme} {token}",
                        "Accept": "application/json", "Content-Type": "application/json"},
                       check, _Cost(shared, READ_COST), config.http_timeout, config.max_retries,
                       (config.retry_initial, config.retry_max),
                       deadline=0)  # credits refill over 5 minutes: core/joor.py sends the rest later

    def connection_pages(self):
        """Yield lists of Connections, page by page (start_from / next_start / count)."""
        start = 0
        while True:
            body = self.api.json("GET", CONNECTIONS,
                                 params={"start_from": start, "count": self.page_size})
            root, envelope = _envelope(body)
            items = root.get("connections") or []
            yield [to_connection(c) for c in items]
            following = envelope.get("next_start")
            if not items or following in (None, "") or int(following) <= start:
                return
            start = int(following)

    def connection(self, code):
        """The connection with this customer code, or None."""
        try:
            body = self.api.json("GET", CONNECTION_BY_CODE.format(code=code))
        except ServiceError as exc:
            if exc.status == 404:
                return None
            raise
        items, _ = _envelope(body)
        items = items.get("connections") or []
        return to_connection(items[0]) if items else None

    def push(self, payloads):
        """Start one bulk-connection job (an upsert by customer_code); returns the Job."""
        body = self.api.json("POST", BULK, limiter=self.writes,
                             json={"bulk_connections": {"connection": payloads}})
        return self._job(body)

    def job(self, job_id):
        return self._job(self.api.json("GET", BULK_JOB.format(job_id=job_id)))

    @staticmethod
    def _job(body):
        root, _ = _envelope(body)
        jobs = root.get("bulk_connections_jobs") or []
        if not jobs:
            raise ServiceError(SYSTEM, "no job in the answer to bulk-connection")
        data = jobs[0]
        errors = {str(e.get("customer_code")): str(e.get("comment") or "refused")
                  for e in data.get(JOB_ERRORS) or []}
        return Job(id=str(data.get("bulk_connections_job_id")), status=str(data.get("status")),
                   total=int(data.get("connection_record_count") or 0),
                   done=int(data.get("connection_record_progress") or 0), errors=errors)
