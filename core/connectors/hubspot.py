"""HubSpot CRM client: batch upsert/update, windowed search, v4 associations, properties."""

import datetime
import json
from dataclasses import dataclass, field

from core import hubspot_tokens
from core.errors import ServiceError, Throttled
from core.http import Api
from core.oauth_tokens import OAuthApi
from core.ratelimit import Limiter
from core.records import Pipeline, PipelineStage, Remote

SYSTEM = "HubSpot"
BATCH = 100  # inputs per object batch call
ASSOCIATION_READS = 1000  # inputs per v4 association batch read
ASSOCIATION_CREATES = 2000  # inputs per v4 association batch create
SEARCH_PAGE = 200
SEARCH_CAP = 10_000  # HubSpot refuses to page a search beyond this many results
GROUP = "cin7_information"
GROUP_LABEL = "Cin7 information"
MODIFIED = {"contacts": "lastmodifieddate"}  # every other object: hs_lastmodifieddate

# association type ids (HUBSPOT_DEFINED), from -> to
CONTACT_TO_COMPANY = 279
COMPANY_TO_CONTACT = 280
DEAL_TO_CONTACT = 3
DEAL_TO_COMPANY = 5  # the deal's primary company
DEAL_TO_LINE_ITEM = 19
LINE_ITEM_TO_DEAL = 20


class HubSpotError(ServiceError):
    """HubSpot refused a request for a reason that is not temporary (400, 404, 409)."""

    def __init__(self, status, body):
        self.body = body if isinstance(body, dict) else {}
        super().__init__(SYSTEM, readable(self.body) or str(body)[:300], status)

    @property
    def category(self):
        return self.body.get("category", "")


def readable(error):
    """A person-readable reason from a HubSpot error body (the message may embed JSON)."""
    message = error.get("message") or ""
    prefix = "Property values were not valid: "
    if message.startswith(prefix):
        try:
            details = json.loads(message[len(prefix):])
            return "; ".join(f"{d.get('name')}: {d.get('message')}" for d in details)
        except ValueError:
            pass
    if error.get("errors") and not message:
        return "; ".join(e.get("message", "") for e in error["errors"])
    return message


def error_field(error):
    """The property an error is about, when HubSpot says."""
    for detail in error.get("errors") or []:
        names = (detail.get("context") or {}).get("propertyName")
        if names:
            return names[0]
    message = error.get("message") or ""
    if message.startswith("Property values were not valid: "):
        try:
            return json.loads(message.split(": ", 1)[1])[0].get("name", "")
        except (ValueError, IndexError, AttributeError):
            pass
    return ""


def check(response):
    status = response.status_code
    try:
        body = response.json() if response.content else {}
    except ValueError:
        body = {"message": response.text[:300]}
    if status == 429 and body.get("policyName") == "DAILY":
        # Retrying cannot help before midnight in the portal's time zone.
        raise ServiceError(SYSTEM, "the portal's daily API limit is used up; runs resume "
                           "when HubSpot resets it at midnight (portal time)", 429)
    if status == 429:
        after = response.headers.get("Retry-After")
        interval = response.headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
        # Without Retry-After, wait for the rolling window the headers name: 10 s, or 1 s
        # for search's limit (which sends no rate-limit headers).
        wait = (float(after) if after else float(interval) / 1000 if interval
                else 1.0 if body.get("policyName") == "SECONDLY" else 10.0)
        raise Throttled(SYSTEM, body.get("message", "rate limit reached"), 429, wait)
    if status in (423, 477):
        after = float(response.headers.get("Retry-After") or 2)
        raise ServiceError(SYSTEM, body.get("message", "locked"), status, True, after)
    if status >= 500:
        raise ServiceError(SYSTEM, body.get("message") or response.reason, status, True)
    if status == 401:
        raise ServiceError(SYSTEM, "the token was refused (" + readable(body) + ")", 401)
    if status == 403:
        scopes = [s for e in body.get("errors") or []
                  for s in (e.get("context") or {}).get("requiredGranularScopes", [])]
        hint = f": the app needs scopes {', '.join(scopes)}" if scopes else ""
        raise ServiceError(SYSTEM, readable(body) + hint, 403)
    if status >= 400:
        raise HubSpotError(status, body)
    if response.headers.get("X-HubSpot-RateLimit-Remaining") == "0":
        # Another app of this portal used the window up: wait a little rather than get 429s.
        interval = response.headers.get("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
        response.pause = float(interval) / 1000 / 10
    return response


@dataclass
class WriteResult:
    """Outcome of a batch write, keyed by the caller's keys."""

    ok: dict = field(default_factory=dict)  # key -> Remote
    failed: dict = field(default_factory=dict)  # key -> (field, reason)
    created: set = field(default_factory=set)  # keys HubSpot created (upsert "new")


def _probability(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def to_pipeline(data):
    """A Pipeline with its stages in display order; closed and probability from metadata."""
    stages = [PipelineStage(id=str(s["id"]), label=s.get("label") or "",
                            display_order=int(s.get("displayOrder") or 0),
                            closed=str((s.get("metadata") or {}).get("isClosed")).lower() == "true",
                            probability=_probability((s.get("metadata") or {}).get("probability")))
              for s in data.get("stages") or [] if not s.get("archived")]
    return Pipeline(id=str(data["id"]), label=data.get("label") or "",
                    display_order=int(data.get("displayOrder") or 0),
                    stages=sorted(stages, key=lambda s: (s.display_order, s.id)))


def to_remote(object_type, data):
    return Remote(type=object_type, id=str(data["id"]), properties=data.get("properties") or {},
                  updated_at=data.get("updatedAt", ""))


class HubSpot:
    """HubSpot CRM v3/v4 for one portal: a private app's token, else the OAuth connection.

    HUBSPOT_TOKEN (environment or panel) wins when set; `connections.effective_config` leaves
    a panel-saved token out while the portal is connected by OAuth.
    """

    def __init__(self, config):
        self.oauth = None if config.hubspot_token else hubspot_tokens.Session(config)
        if self.oauth:
            # OAuth apps have their own per-portal burst limit and no daily one (§12).
            tag, calls = f"oauth:{self.oauth.grant.hub_id}", config.hubspot_oauth_calls_per_10s
            api, headers = OAuthApi, {}
        else:
            tag, calls = config.hubspot_token[-6:], config.hubspot_calls_per_10s
            api, headers = Api, {"Authorization": f"Bearer {config.hubspot_token}"}
        self.limiter = Limiter(f"hubspot:{tag}", calls, 10)
        self.search_limiter = Limiter(f"hubspot-search:{tag}", config.hubspot_searches_per_second, 1)
        self.api = api(SYSTEM, config.hubspot_base_url,
                       {**headers, "Content-Type": "application/json"},
                       check, self.limiter, config.http_timeout, config.max_retries,
                       (config.retry_initial, config.retry_max),
                       deadline=config.run_deadline_minutes * 60)
        if self.oauth:
            self.api.tokens = self.oauth

    def connection(self):
        """How this client is connected, in words: "OAuth app, portal N (domain)" or
        "private app"."""
        if not self.oauth:
            return "private app"
        grant = self.oauth.grant
        return f"OAuth app, portal {grant.hub_id} ({grant.hub_domain})"

    def account(self):
        """Portal details; the cheap call that proves the token works (CON-1)."""
        return self.api.json("GET", "account-info/v3/details")

    # -- properties -------------------------------------------------------------------------

    def ensure_properties(self, object_type, specs):
        """Create the "Cin7 information" group and any of `specs` missing on `object_type`."""
        groups = self.api.json("GET", f"crm/v3/properties/{object_type}/groups")["results"]
        if not any(g["name"] == GROUP for g in groups):
            self.api.call("POST", f"crm/v3/properties/{object_type}/groups",
                          json={"name": GROUP, "label": GROUP_LABEL, "displayOrder": -1})
        existing = {p["name"] for p in
                    self.api.json("GET", f"crm/v3/properties/{object_type}")["results"]}
        missing = [dict(spec, groupName=GROUP) for spec in specs if spec["name"] not in existing]
        for start in range(0, len(missing), BATCH):
            self.api.call("POST", f"crm/v3/properties/{object_type}/batch/create",
                          json={"inputs": missing[start:start + BATCH]})
        return [spec["name"] for spec in missing]

    def properties(self, object_type):
        """The portal's property definitions for `object_type`, by name."""
        return {p["name"]: p for p in
                self.api.json("GET", f"crm/v3/properties/{object_type}")["results"]}

    # -- writes -----------------------------------------------------------------------------

    def upsert(self, object_type, items, id_property):
        """Create or update by a unique property; `items` maps key -> properties."""
        inputs = [{"id": key, "idProperty": id_property, "properties": props,
                   "objectWriteTraceId": key} for key, props in items.items()]
        lower = id_property == "email"
        return self._write(f"crm/v3/objects/{object_type}/batch/upsert", object_type, inputs,
                           key_of=lambda r: (r.get(id_property, "") or "").lower() if lower
                           else r.get(id_property, ""))

    def create(self, object_type, items, key_property):
        """Batch create; `items` maps key -> properties, each holding `key_property` = key.

        Results are matched back by that property, not by position: HubSpot does not promise
        that a batch answers in input order.
        """
        inputs = [{"properties": props, "objectWriteTraceId": key}
                  for key, props in items.items()]
        return self._write(f"crm/v3/objects/{object_type}/batch/create", object_type, inputs,
                           key_of=lambda r: r.get(key_property, ""))

    def update(self, object_type, items):
        """Update by HubSpot id; `items` maps id -> properties."""
        inputs = [{"id": key, "properties": props, "objectWriteTraceId": key}
                  for key, props in items.items()]
        return self._write(f"crm/v3/objects/{object_type}/batch/update", object_type, inputs,
                           key_of=lambda r: r.get("hs_object_id", ""), by_id=True)

    def _write(self, path, object_type, inputs, key_of, by_id=False):
        result = WriteResult()
        for start in range(0, len(inputs), BATCH):
            self._write_batch(path, object_type, inputs[start:start + BATCH], key_of, by_id,
                              result)
        return result

    def _write_batch(self, path, object_type, inputs, key_of, by_id, result):
        try:
            body = self.api.json("POST", path, json={"inputs": inputs})
        except HubSpotError as exc:
            # One bad input fails a whole batch that HubSpot cannot split (e.g. upsert by
            # e-mail): halve it until the bad input stands alone.
            if len(inputs) == 1:
                result.failed[inputs[0]["objectWriteTraceId"]] = (error_field(exc.body),
                                                                  str(exc).split(": ", 1)[-1])
                return
            middle = len(inputs) // 2
            for part in (inputs[:middle], inputs[middle:]):
                self._write_batch(path, object_type, part, key_of, by_id, result)
            return
        wanted = {i["objectWriteTraceId"] for i in inputs}
        for data in body.get("results") or []:
            remote = to_remote(object_type, data)
            key = remote.id if by_id else key_of(remote.properties)
            if key in wanted:
                result.ok[key] = remote
                if data.get("new"):
                    result.created.add(key)
        for error in body.get("errors") or []:
            for key in (error.get("context") or {}).get("objectWriteTraceId", []):
                result.failed[key] = (error_field(error), readable(error))
        for key in wanted - result.ok.keys() - result.failed.keys():
            result.failed[key] = ("", "HubSpot did not return this record")

    def archive(self, object_type, ids):
        """Archive (HubSpot's delete, restorable for 90 days) objects by id."""
        ids = list(ids)
        for start in range(0, len(ids), BATCH):
            self.api.call("POST", f"crm/v3/objects/{object_type}/batch/archive",
                          json={"inputs": [{"id": i} for i in ids[start:start + BATCH]]})

    def associate(self, from_type, to_type, pairs, type_id):
        """Create associations [(from id, to id)]; returns the pairs HubSpot refused."""
        refused = []
        for start in range(0, len(pairs), ASSOCIATION_CREATES):
            chunk = pairs[start:start + ASSOCIATION_CREATES]
            inputs = [{"from": {"id": a}, "to": {"id": b},
                       "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                  "associationTypeId": type_id}]} for a, b in chunk]
            try:
                body = self.api.json("POST", f"crm/v4/associations/{from_type}/{to_type}/batch/create",
                                     json={"inputs": inputs})
            except HubSpotError as exc:
                refused += [(a, b, str(exc)) for a, b in chunk]
                continue
            for error in body.get("errors") or []:
                ids = (error.get("context") or {}).get("fromObjectId") or []
                refused += [(a, b, readable(error)) for a, b in chunk if a in ids]
        return refused

    # -- reads ------------------------------------------------------------------------------

    def read(self, object_type, ids, properties, id_property=None):
        """Objects by id (or by a unique property); missing ones are left out."""
        found = {}
        ids = list(ids)
        for start in range(0, len(ids), BATCH):
            body = {"inputs": [{"id": i} for i in ids[start:start + BATCH]],
                    "properties": list(properties), "propertiesWithHistory": []}
            if id_property:
                body["idProperty"] = id_property
            data = self.api.json("POST", f"crm/v3/objects/{object_type}/batch/read", json=body)
            for item in data.get("results") or []:
                remote = to_remote(object_type, item)
                found[remote.get(id_property) if id_property else remote.id] = remote
        return found

    def associations(self, from_type, to_type, ids):
        """The ids of `to_type` objects associated with each of `ids`."""
        out = {i: [] for i in ids}
        pending = [{"id": i} for i in ids]
        while pending:
            chunk, pending = pending[:ASSOCIATION_READS], pending[ASSOCIATION_READS:]
            data = self.api.json("POST", f"crm/v4/associations/{from_type}/{to_type}/batch/read",
                                 json={"inputs": chunk})
            for item in data.get("results") or []:
                source = str(item["from"]["id"])
                out.setdefault(source, []).extend(str(t["toObjectId"]) for t in item.get("to", []))
                after = ((item.get("paging") or {}).get("next") or {}).get("after")
                if after:
                    pending.append({"id": source, "after": after})
        return {k: sorted(set(v)) for k, v in out.items()}

    def changed(self, object_type, since_ms, until_ms, properties):
        """Yield pages of objects modified in [since_ms, until_ms], oldest first.

        A search cannot page past 10,000 results, so the window restarts from the last
        modified time seen (GTE, so nothing on the boundary is lost); when one instant holds
        more than a window, it is walked by object id.
        """
        prop = MODIFIED.get(object_type, "hs_lastmodifieddate")
        low = int(since_ms)
        while True:
            seen, newest = 0, low
            for page in self._search_window(object_type, prop, low, until_ms, properties):
                seen += len(page)
                newest = max([newest] + [_ms(r.get(prop)) for r in page])
                yield page
            if seen < SEARCH_CAP:
                return
            if newest == low:
                yield from self._walk_instant(object_type, prop, low, properties)
                newest = low + 1
            low = newest

    def _search(self, object_type, filters, sort, properties, after):
        # `sorts` as objects, as HubSpot's search guide writes them (the spec says strings).
        body = {"filterGroups": [{"filters": filters}], "sorts": [sort],
                "properties": list(properties), "limit": SEARCH_PAGE, "after": after or "0"}
        return self.api.json("POST", f"crm/v3/objects/{object_type}/search", json=body,
                             limiter=self.search_limiter)

    def _paged_search(self, object_type, filters, sort, properties):
        after = None
        while True:
            data = self._search(object_type, filters, sort, properties, after)
            page = [to_remote(object_type, r) for r in data.get("results") or []]
            if page:
                yield page
            after = ((data.get("paging") or {}).get("next") or {}).get("after")
            if not after or int(after) >= SEARCH_CAP:
                return

    def _search_window(self, object_type, prop, low, high, properties):
        filters = [{"propertyName": prop, "operator": "GTE", "value": str(low)},
                   {"propertyName": prop, "operator": "LTE", "value": str(int(high))}]
        return self._paged_search(object_type, filters, {"propertyName": prop,
                                                         "direction": "ASCENDING"}, properties)

    def _walk_instant(self, object_type, prop, instant, properties):
        last_id = "0"
        while True:
            filters = [{"propertyName": prop, "operator": "EQ", "value": str(instant)},
                       {"propertyName": "hs_object_id", "operator": "GT", "value": last_id}]
            count = 0
            for page in self._paged_search(object_type, filters, {"propertyName": "hs_object_id",
                                                                  "direction": "ASCENDING"},
                                           properties):
                count += len(page)
                last_id = page[-1].id
                yield page
            if count < SEARCH_CAP:
                return

    def pipelines(self, object_type="deals"):
        """The portal's pipelines for `object_type`, in display order, archived ones left out."""
        data = self.api.json("GET", f"crm/v3/pipelines/{object_type}")
        found = [to_pipeline(p) for p in data.get("results") or [] if not p.get("archived")]
        return sorted(found, key=lambda p: (p.display_order, p.id))

    def owners(self):
        """Owners (users) of the portal: id -> full name."""
        names, after = {}, None
        while True:
            params = {"limit": 100} | ({"after": after} if after else {})
            data = self.api.json("GET", "crm/v3/owners", params=params)
            for o in data.get("results") or []:
                names[str(o["id"])] = " ".join(filter(None, [o.get("firstName"),
                                                             o.get("lastName")])).strip()
            after = ((data.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return names


def _ms(value):
    """Epoch milliseconds from HubSpot's ISO datetime or epoch-ms string."""
    if not value:
        return 0
    if str(value).isdigit():
        return int(value)


    text = str(value).replace("Z", "+00:00")
    return int(datetime.datetime.fromisoformat(text).timestamp() * 1000)
