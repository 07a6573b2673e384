"""Salesforce REST client: OAuth, SOQL pages, sObject Collections, price books (crms.md §A).

Login posts to `{login URL}/services/oauth2/token` (JWT bearer when a private key is set,
else client credentials); every data call then goes to the `instance_url` the token came
with, under /services/data/vNN.N/. The token is kept and fetched again once when a call
answers 401 INVALID_SESSION_ID (Salesforce says nothing of its lifetime). All calls, login
included, go through core.http's Api: one retry policy and the shared per-second Limiter.
Salesforce's own limit is a rolling 24-hour allocation for the whole org, shared with its
other integrations: it is read from `Sforce-Limit-Info` after each call, and the client
stops at SALESFORCE_DAILY_PERCENT of it instead of spending the rest.
"""

import datetime
import re
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization

from core.connectors.hubspot import WriteResult
from core.errors import ConfigError, RecordError, ServiceError, Throttled
from core.http import Api
from core.ratelimit import Limiter
from core.records import Remote

SYSTEM = "Salesforce"
LOGIN_URL = "https://login.salesforce.com"  # production; sandboxes: https://test.salesforce.com
API_VERSION = "66.0"  # the version SyncDesk was written against (Spring '26) [C]
COLLECTION = 200  # records per sObject Collections call [C]
IN_CHUNK = 200  # ids per SOQL IN (...) list: keeps a query far below SOQL's length limit [I]
TOKEN_PATH = "services/oauth2/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME = 180  # seconds the assertion is valid; simple-salesforce uses 3 minutes [C3]
MODSTAMP = "SystemModstamp"  # changes on user and automated edits, unlike LastModifiedDate [C]

# Facts the documentation leaves open (crms.md A.10, A.16), kept here to correct in one place.
DAILY_SPENT = "TotalRequests"  # REQUEST_LIMIT_EXCEEDED's text when the allocation is spent [C3]
CONCURRENT_WAIT = 5.0  # s after REQUEST_LIMIT_EXCEEDED for concurrent long requests [U]
GONE = {"ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"}  # nothing to delete [C3; I 2nd]
RETRYABLE_CODES = {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"}  # worth sending again [C3]
DUPLICATE_FIELD = re.compile(r"duplicate value found: (\w+) duplicates")  # fields is empty [C3]
NO_COLUMN = re.compile(r"No such column '(\w+)'")
LOGIN_HINTS = {  # error_description -> what to change
    "client identifier invalid": "SALESFORCE_CLIENT_ID is not the consumer key of a "
                                 "connected app of this org",
    "invalid assertion": "the signature was refused: SALESFORCE_PRIVATE_KEY must match the "
                         "certificate uploaded to the connected app",
    "audience is invalid": "set SALESFORCE_AUDIENCE to https://test.salesforce.com for a "
                           "sandbox org (or to the org's My Domain URL)",
    "user hasn't approved this consumer": "SALESFORCE_USERNAME must be a user the connected "
                                          "app pre-authorises (admin-approved profile or "
                                          "permission set)",
    "request not supported on this domain": "client credentials work only on the org's My "
                                            "Domain: set SALESFORCE_LOGIN_URL to "
                                            "https://<domain>.my.salesforce.com",
    "invalid client credentials": "SALESFORCE_CLIENT_SECRET is not the app's consumer secret",
    "no client credentials user enabled": "the connected app names no Run As user for the "
                                          "client credentials flow",
}


class SalesforceError(ServiceError):
    """Salesforce refused a call for a reason that is not temporary; `errors` as it sent them."""

    def __init__(self, status, errors, hint=""):
        self.errors = errors
        first = errors[0] if errors else {}
        self.code = first.get("errorCode") or first.get("statusCode") or ""
        self.fields = first.get("fields") or []
        text = f"{first.get('message', '')} ({self.code})" if first else "no error body"
        super().__init__(SYSTEM, text + (f": {hint}" if hint else ""), status)


class SessionExpired(ServiceError):
    """401 INVALID_SESSION_ID: log in again and replay the call once."""


def _errors(response):
    """Salesforce's error list; some answers send one object instead, or plain text."""
    try:
        body = response.json() if response.content else []
    except ValueError:
        return [{"message": response.text[:300], "errorCode": ""}]
    body = body if isinstance(body, list) else [body]
    return [e if isinstance(e, dict) else {"message": str(e), "errorCode": ""} for e in body]


def field_of(error):
    """The field an error is about: its `fields`, else the one its message names."""
    if error.get("fields"):
        return error["fields"][0]
    found = DUPLICATE_FIELD.search(error.get("message") or "") or NO_COLUMN.search(
        error.get("message") or "")
    return found.group(1) if found else ""


def reason(error):
    code = error.get("statusCode") or error.get("errorCode") or ""
    return f"{error.get('message', '')} ({code})" if code else error.get("message", "")


def _hint(errors):
    """What to do about an error that fails every record (the org lacks a field)."""
    message = (errors[0].get("message") or "") if errors else ""
    missing = NO_COLUMN.search(message)
    if missing and missing.group(1).endswith("__c"):
        return (f"the org has no field {missing.group(1)}: an admin must add it "
                "(Text(36), External ID, Unique) and give the integration user access")
    if "external ID field does not exist" in message:
        return "the org has no such external-ID field: an admin must add it (External ID, Unique)"
    return ""


def soql_datetime(moment):
    """A SOQL datetime literal, truncated to the second (so `>` re-reads, never skips)."""
    if isinstance(moment, str):
        moment = datetime.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def quote(value):
    """A SOQL string literal."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def to_remote(sobject, record):
    properties = {k: v for k, v in record.items() if k != "attributes"}
    return Remote(type=sobject, id=str(record.get("Id") or ""), properties=properties,
                  updated_at=record.get(MODSTAMP) or "")


def _private_key(config):
    text = config.salesforce_private_key
    if not text and config.salesforce_private_key_path:
        try:
            text = Path(config.salesforce_private_key_path).read_text()
        except OSError as exc:
            raise ConfigError(f"SALESFORCE_PRIVATE_KEY_PATH cannot be read ({exc.strerror}).") \
                from None
    try:
        return serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError):
        raise ConfigError("SALESFORCE_PRIVATE_KEY is not an unencrypted PEM private key.") \
            from None


class Salesforce:
    """One org, through a connected app: JWT bearer or client credentials."""

    def __init__(self, config):
        config.require("salesforce_client_id")
        self.config = config
        self.login_url = config.salesforce_login_url or LOGIN_URL
        self.jwt = bool(config.salesforce_private_key or config.salesforce_private_key_path)
        if self.jwt:
            config.require("salesforce_username")
            self.key = _private_key(config)
        else:
            config.require("salesforce_client_secret")
        self.version = (config.salesforce_api_version or API_VERSION).lstrip("v")
        self.limiter = Limiter(f"salesforce:{config.salesforce_client_id[-8:]}",
                               config.salesforce_calls_per_second, 1)
        settings = (self.limiter, config.http_timeout, config.max_retries,
                    (config.retry_initial, config.retry_max))
        self.login_api = Api(SYSTEM, self.login_url, {}, self._check_login, *settings)
        self.api = Api(SYSTEM, self.login_url, {"Content-Type": "application/json"},
                       self._check, *settings)
        self.token, self.usage = None, None  # usage: (used, max) from Sforce-Limit-Info
        self.user_id = ""  # the integration user's id, from the token's identity URL
        self._cache = {}

    # -- auth -------------------------------------------------------------------------------

    def _grant(self):
        config = self.config
        if not self.jwt:
            return {"grant_type": "client_credentials", "client_id": config.salesforce_client_id,
                    "client_secret": config.salesforce_client_secret}
        claims = {"iss": config.salesforce_client_id, "sub": config.salesforce_username,
                  "aud": config.salesforce_audience or self.login_url.rstrip("/"),
                  "exp": int(time.time()) + JWT_LIFETIME}
        return {"grant_type": JWT_GRANT,
                "assertion": jwt.encode(claims, self.key, algorithm="RS256")}

    def login(self):
        """Get a token and the instance URL that every data call then goes to."""
        token = self.login_api.call("POST", TOKEN_PATH, data=self._grant()).json()
        self.token = token["access_token"]
        self.user_id = (token.get("id") or "").rstrip("/").rsplit("/", 1)[-1]
        self.api.base_url = token["instance_url"].rstrip("/") + "/"
        self.api.session.headers["Authorization"] = f"Bearer {self.token}"
        return token

    def _check_login(self, response):
        status = response.status_code
        if status == 429:
            raise Throttled(SYSTEM, "too many logins", 429,
                            float(response.headers.get("Retry-After") or CONCURRENT_WAIT))
        if status >= 500:
            raise ServiceError(SYSTEM, f"login failed ({response.reason})", status, True)
        if status >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):  # a proxy's page, or a REST-style error list
                body = {"error": "", "error_description": response.text[:200]}
            described = body.get("error_description", "")
            hint = LOGIN_HINTS.get(described, "check the connected app and the SALESFORCE_ "
                                              "settings")
            raise ServiceError(SYSTEM, f"the login was refused ({body.get('error')}: "
                               f"{described}): {hint}", status)
        return response

    # -- every call -------------------------------------------------------------------------

    def data(self, path):
        return f"services/data/v{self.version}/{path.lstrip('/')}"

    def call(self, method, path, **kwargs):
        """One data call (path under the instance URL), logging in first or again once."""
        self._refuse_past_share()
        if self.token is None:
            self.login()
        try:
            return self.api.call(method, path, **kwargs)
        except SessionExpired:
            self.login()
            return self.api.call(method, path, **kwargs)

    def _refuse_past_share(self):
        if not self.usage or not self.usage[1]:
            return
        used, most = self.usage
        share = self.config.salesforce_daily_percent
        if used * 100 >= most * share:
            raise ServiceError(SYSTEM, f"the org has used {used:,} of its {most:,} daily API "
                               f"calls and SyncDesk stops at {share}% to leave the rest to the "
                               "org's other integrations; Salesforce counts a rolling 24 hours, "
                               "so runs can go on once older calls fall out of it")

    def _read_usage(self, response):
        found = re.search(r"api-usage=(\d+)/(\d+)", response.headers.get("Sforce-Limit-Info", ""))
        if found:
            self.usage = (int(found.group(1)), int(found.group(2)))

    def _check(self, response):
        self._read_usage(response)
        status = response.status_code
        if status < 300:
            return response
        errors = _errors(response)
        code = (errors[0].get("errorCode") or "") if errors else ""
        message = (errors[0].get("message") or "") if errors else ""
        if status == 401:
            raise SessionExpired(SYSTEM, f"the session was refused ({message})", 401)
        if code == "REQUEST_LIMIT_EXCEEDED" and DAILY_SPENT in message:
            raise ServiceError(SYSTEM, "the org's daily API allocation is spent "
                               f"({message}); Salesforce counts a rolling 24 hours, so runs "
                               "can go on once older calls fall out of it", status)
        if code == "REQUEST_LIMIT_EXCEEDED" or status == 429:
            after = response.headers.get("Retry-After")
            raise Throttled(SYSTEM, message or "too many requests", status,
                            float(after) if after else CONCURRENT_WAIT)
        if status >= 500 or code in RETRYABLE_CODES:
            raise ServiceError(SYSTEM, f"{message or response.reason} ({code})", status, True)
        if code == "API_DISABLED_FOR_ORG":
            raise SalesforceError(status, errors, "the org's edition or the user's profile "
                                  "lacks API access (Enterprise edition or above, API Enabled)")
        raise SalesforceError(status, errors, _hint(errors))

    # -- reads ------------------------------------------------------------------------------

    def limits(self):
        """The org's limits; `DailyApiRequests` {Max, Remaining}. Proves token, host, version."""
        return self.call("GET", self.data("limits")).json()

    def query(self, soql, batch_size=None):
        """Yield the result's batches of records, following nextRecordsUrl."""
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"} if batch_size else {}
        data = self.call("GET", self.data("query"), params={"q": soql}, headers=headers).json()
        while True:
            if data.get("records"):
                yield data["records"]
            following = data.get("nextRecordsUrl")
            if data.get("done", True) or not following:
                return
            data = self.call("GET", following, headers=headers).json()

    def changed(self, sobject, since, fields, where=""):
        """Yield pages of Remotes changed after `since` (None: all), oldest first.

        `since` is truncated to the second, so a page may repeat records of the last second
        read: dedupe by id. `where` adds a condition, e.g. "IsWon = true".
        """
        names = list(dict.fromkeys(["Id", *fields, MODSTAMP]))
        conditions = [f"{MODSTAMP} > {soql_datetime(since)}"] if since else []
        conditions += [f"({where})"] if where else []
        soql = (f"SELECT {', '.join(names)} FROM {sobject}"
                + (f" WHERE {' AND '.join(conditions)}" if conditions else "")
                + f" ORDER BY {MODSTAMP}, Id")
        for page in self.query(soql):
            yield [to_remote(sobject, r) for r in page]

    def record(self, sobject, record_id, fields=()):
        """One record by id, or None when there is none."""
        params = {"fields": ",".join(fields)} if fields else {}
        try:
            data = self.call("GET", self.data(f"sobjects/{sobject}/{record_id}"), params=params)
        except SalesforceError as exc:
            if exc.status == 404:
                return None
            raise
        return to_remote(sobject, data.json())

    def fields(self, sobject):
        """{field name: describe entry} of `sobject`, read once per client."""
        if sobject not in self._cache:
            data = self.call("GET", self.data(f"sobjects/{sobject}/describe")).json()
            self._cache[sobject] = {f["name"]: f for f in data.get("fields") or []}
        return self._cache[sobject]

    def missing_fields(self, sobject, names):
        """Those of `names` the org lacks on `sobject` (custom fields an admin must add)."""
        known = self.fields(sobject)
        return [n for n in names if n not in known]

    # -- writes -----------------------------------------------------------------------------

    def upsert(self, sobject, ext_field, records):
        """Create or update by an external-ID field; `records` maps its value -> fields."""
        items = [(key, {"attributes": {"type": sobject}, **fields, ext_field: key})
                 for key, fields in records.items()]
        return self._collection("PATCH", f"composite/sobjects/{sobject}/{ext_field}", sobject,
                                items)

    def create(self, sobject, records, repeatable=False):
        """Create records; `records` maps the caller's keys -> fields. Not repeated blindly:
        after a timeout the caller must look for what may have landed, unless Salesforce
        itself refuses a second copy (`repeatable`: PricebookEntry, DUPLICATE_VALUE)."""
        items = [(key, {"attributes": {"type": sobject}, **fields})
                 for key, fields in records.items()]
        return self._collection("POST", "composite/sobjects", sobject, items,
                                repeatable=repeatable)

    def update(self, sobject, records):
        """Update by Salesforce id; `records` maps id -> fields."""
        items = [(key, {"attributes": {"type": sobject}, **fields, "Id": key})
                 for key, fields in records.items()]
        return self._collection("PATCH", "composite/sobjects", sobject, items)

    def delete(self, sobject, ids):
        """Delete records by id, 200 per call; an id already gone counts as deleted, so a
        call repeated after a lost answer changes nothing."""
        result, ids = WriteResult(), list(dict.fromkeys(ids))
        for start in range(0, len(ids), COLLECTION):
            batch = ids[start:start + COLLECTION]
            answers = self.call("DELETE", self.data("composite/sobjects"),
                                params={"ids": ",".join(batch), "allOrNone": "false"}).json()
            for record_id, answer in zip(batch, answers, strict=False):
                error = (answer.get("errors") or [{}])[0]
                if answer.get("success") or error.get("statusCode") in GONE:
                    result.ok[record_id] = Remote(type=sobject, id=record_id, properties={})
                else:
                    result.failed[record_id] = (field_of(error), reason(error))
            for record_id in batch[len(answers):]:
                result.failed[record_id] = ("", "Salesforce did not return this record")
        return result

    def _collection(self, method, path, sobject, items, repeatable=True):
        result = WriteResult()
        for start in range(0, len(items), COLLECTION):
            batch = items[start:start + COLLECTION]
            body = {"allOrNone": False, "records": [fields for _, fields in batch]}
            answers = self.call(method, self.data(path), json=body, repeatable=repeatable).json()
            for (key, fields), answer in zip(batch, answers, strict=False):
                if answer.get("success"):
                    sent = {k: v for k, v in fields.items() if k != "attributes"}
                    result.ok[key] = Remote(type=sobject, id=answer["id"], properties=sent)
                    if answer.get("created"):
                        result.created.add(key)
                else:
                    error = (answer.get("errors") or [{}])[0]
                    result.failed[key] = (field_of(error), reason(error))
            for key, _ in batch[len(answers):]:
                result.failed[key] = ("", "Salesforce did not return this record")
        return result

    def upsert_one(self, sobject, ext_field, value, fields):
        """Create or update one record by external id; returns (id, created)."""
        label = f"{sobject} {ext_field}={value}"
        try:
            response = self.call("PATCH", self.data(f"sobjects/{sobject}/{ext_field}/{value}"),
                                 json=fields)
        except SalesforceError as exc:
            if exc.status == 300:
                raise RecordError(label, ext_field, f"{len(exc.errors)} records share this "
                                  "external id: make the field Unique in Salesforce") from None
            raise _record_error(label, exc) from None
        answer = response.json()
        return answer["id"], bool(answer.get("created", response.status_code == 201))

    def create_one(self, sobject, fields, label=""):
        """Create one record; returns its id. Errors name `label` (default: the type)."""
        try:
            return self.call("POST", self.data(f"sobjects/{sobject}"), json=fields,
                             repeatable=False).json()["id"]
        except SalesforceError as exc:
            raise _record_error(label or sobject, exc) from None

    def update_one(self, sobject, record_id, fields):
        try:
            self.call("PATCH", self.data(f"sobjects/{sobject}/{record_id}"), json=fields)
        except SalesforceError as exc:
            raise _record_error(f"{sobject} {record_id}", exc) from None

    # -- price books ------------------------------------------------------------------------

    def standard_pricebook(self):
        """The id of the org's one standard price book (every product's first price)."""
        if "standard" not in self._cache:
            soql = "SELECT Id FROM Pricebook2 WHERE IsStandard = true LIMIT 1"
            found = [r["Id"] for page in self.query(soql) for r in page]
            if not found:
                raise ServiceError(SYSTEM, "the org has no standard price book")
            self._cache["standard"] = found[0]
        return self._cache["standard"]

    def pricebooks(self):
        """Every price book: [{Id, Name, IsActive, IsStandard}], standard first."""
        soql = "SELECT Id, Name, IsActive, IsStandard FROM Pricebook2 ORDER BY IsStandard DESC, Name"
        return [to_remote("Pricebook2", r) for page in self.query(soql) for r in page]

    def price_entries(self, product_ids, pricebook_ids=None):
        """Entries of these products: {(product id, book id, currency or ""): Remote}.

        One entry per product, book and currency is all Salesforce allows, so this is the
        key to decide between creating and updating one (no external id on entries).
        """
        currency = "CurrencyIsoCode" in self.fields("PricebookEntry")
        names = ["Id", "Product2Id", "Pricebook2Id", "UnitPrice", "IsActive", "UseStandardPrice"]
        names += ["CurrencyIsoCode"] if currency else []
        found, ids = {}, list(dict.fromkeys(product_ids))
        books = (f" AND Pricebook2Id IN ({', '.join(quote(b) for b in pricebook_ids)})"
                 if pricebook_ids else "")
        for start in range(0, len(ids), IN_CHUNK):
            chunk = ", ".join(quote(i) for i in ids[start:start + IN_CHUNK])
            soql = (f"SELECT {', '.join(names)} FROM PricebookEntry "
                    f"WHERE Product2Id IN ({chunk}){books}")
            for page in self.query(soql):
                for r in page:
                    key = (r["Product2Id"], r["Pricebook2Id"], r.get("CurrencyIsoCode") or "")
                    found[key] = to_remote("PricebookEntry", r)
        return found


def _record_error(label, exc):
    error = exc.errors[0] if exc.errors else {}
    return RecordError(label, field_of(error), reason(error) or str(exc))
