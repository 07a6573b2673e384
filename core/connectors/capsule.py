"""Capsule CRM API v2 client: parties, opportunities, milestones, custom fields.

Capsule has no upsert, no external id and no uniqueness (../shared/notes/crms.md §B.8): a
POST sent twice makes two records. So a create goes out once (`repeatable=False`); when its
answer is lost (timeout, 5xx) the caller finds the record again by the custom field that
holds the Cin7 id (`find_by_field`) before it sends anything again.

Capsule counts 4,000 calls an hour per user and answers 429 without Retry-After: the time to
wait is in X-RateLimit-Reset (UTC epoch seconds). A 429 pauses the shared limiter until
then, and so does a success that says Remaining 0, so no process calls again before the
reset. The limiter also spreads the hourly budget over short windows (PACING_BURST).

Facts the notes leave uncertain are the constants below, so they can be corrected here.
"""

import time
from urllib.parse import urlsplit

from core import capsule_tokens
from core.errors import RecordError, ServiceError, Throttled
from core.http import Api
from core.oauth_tokens import OAuthApi
from core.ratelimit import Limiter
from core.records import Address, Detail, FieldDefinition, Milestone, Opportunity, Party

SYSTEM = "Capsule"
HOUR = 3600
PAGE_SIZE = 100  # perPage's maximum
EMBED = "fields,tags"  # custom field values come back only when embedded
PACING_BURST = 100  # calls let go at once; the hour's budget is spread over windows of this many
RESET_MARGIN = 1.0  # seconds past X-RateLimit-Reset: Capsule's clock and ours differ
THROTTLE_FALLBACK = 60.0  # a 429 without X-RateLimit-Reset (not documented): wait this long
# [U] Whether `since` is inclusive and to the second (§B.13.3): ask from a little earlier and
# let the caller drop what it has already seen (by id and updated_at).
SINCE_OVERLAP = 1.0
# [U] The filter operator and field name for a custom field (§B.8, §B.13.6).
FILTER_FIELD = "custom:{id}"
FILTER_IS = "is"
# [U] Canonical custom-field write shape (§B.13.2): {"definition": {"id": N}} (the docs'
# samples; see field_ref) rather than the bare id Capsule's own MCP sends.
FIELD_REF_AS_OBJECT = True
# [U] Where the milestones are listed (§B.4: also /milestones/all, /pipelines/{id}/milestones).
MILESTONES = "milestones"
# [U] A won milestone is complete at 100 %, a lost one complete at 0 % (admin-defined, §B.4).
WON_PROBABILITY, LOST_PROBABILITY = 100, 0
# [U] A party field without captureRule applies to people and organisations alike.
FIELD_CAPTURE_RULE = None
CUSTOMER_ID_FIELD = "Cin7 Customer ID"  # on parties: SyncDesk's key for a Cin7 customer
SALE_ID_FIELD = "Cin7 Sale ID"  # on opportunities: the Cin7 sale (quote) it came from


class Invalid(ServiceError):
    """Capsule refused a record (422): which resource and field, and why."""

    def __init__(self, body):
        errors = body.get("errors") or [{}]
        self.field = errors[0].get("field") or ""
        self.resource = errors[0].get("resource") or ""
        self.reason = "; ".join(e.get("message", "") for e in errors if e.get("message")) \
            or body.get("message") or "refused"
        super().__init__(SYSTEM, self.reason, 422)


def _message(response):
    try:
        body = response.json() if response.content else {}
    except ValueError:
        return response.text.strip()[:300] or response.reason
    return str(body.get("message") or body.get("error") or response.reason)


def _until_reset(response, clock):
    reset = response.headers.get("X-RateLimit-Reset")
    try:
        return max(1.0, float(reset) - clock() + RESET_MARGIN)
    except (TypeError, ValueError):
        return None


def check(response, clock=time.time):
    """Map Capsule's answers to SyncDesk errors; return the response when it is usable."""
    status = response.status_code
    if status == 429:
        wait = _until_reset(response, clock) or THROTTLE_FALLBACK
        raise Throttled(SYSTEM, f"the hourly API budget is used up; calls resume in "
                                f"{wait / 60:.0f} min when Capsule resets it", 429, wait)
    if status == 401:
        raise ServiceError(SYSTEM, f"the token was refused ({_message(response)})", 401)
    if status == 403:
        raise ServiceError(SYSTEM, f"the token may not do this, e.g. a read-only token asked to "
                                   f"write ({_message(response)})", 403)
    if status == 422:
        raise Invalid(response.json())
    if status >= 500:
        raise ServiceError(SYSTEM, _message(response), status, retryable=True)
    if status >= 400:
        raise ServiceError(SYSTEM, _message(response), status)
    if response.headers.get("X-RateLimit-Remaining") == "0":
        response.pause = _until_reset(response, clock)  # another call now would get a 429
    return response


def _text(value):
    return "" if value is None else str(value)


def to_party(data):
    org = data.get("organisation") or {}
    street = (_text(a.get("street")).split("\n", 1) + [""] for a in data.get("addresses") or [])
    addresses = [Address(line1=s[0], line2=s[1], city=_text(a.get("city")),
                         state=_text(a.get("state")), postcode=_text(a.get("zip")),
                         country=_text(a.get("country")), type=_text(a.get("type")),
                         id=_text(a.get("id")))
                 for a, s in zip(data.get("addresses") or [], street, strict=True)]
    return Party(
        type=data["type"], id=_text(data.get("id")), name=_text(data.get("name")),
        first_name=_text(data.get("firstName")), last_name=_text(data.get("lastName")),
        title=_text(data.get("title")), job_title=_text(data.get("jobTitle")),
        organisation_id=_text(org.get("id")), organisation_name=_text(org.get("name")),
        about=_text(data.get("about")),
        emails=[Detail(_text(e.get("address")), e.get("type"), _text(e.get("id")))
                for e in data.get("emailAddresses") or []],
        phones=[Detail(_text(p.get("number")), p.get("type"), _text(p.get("id")))
                for p in data.get("phoneNumbers") or []],
        addresses=addresses, fields=_fields(data),
        tags=[_text(t.get("name")) for t in data.get("tags") or []],
        owner=_text((data.get("owner") or {}).get("name")),
        updated_at=_text(data.get("updatedAt")), raw=data)


def _fields(data):
    return {str(f["definition"]["id"]): _text(f.get("value")) for f in data.get("fields") or []}


def _address_json(address):
    street = "\n".join(filter(None, [address.line1, address.line2]))
    return {"type": address.type or None, "street": street or None, "city": address.city or None,
            "state": address.state or None, "zip": address.postcode or None,
            "country": address.country or None}


ARRAYS = (  # (Party attribute, Capsule array, key that matches items, item as JSON)
    ("emails", "emailAddresses", lambda d: d.value.strip().lower(),
     lambda d: {"type": d.type, "address": d.value}),
    ("phones", "phoneNumbers", lambda d: "".join(c for c in d.value if c.isdigit() or c == "+"),
     lambda d: {"type": d.type, "number": d.value}),
    ("addresses", "addresses", lambda a: tuple(sorted(_address_json(a).items())), _address_json),
)


def party_payload(party, current=None):
    """The body of a POST (no `current`) or of a PUT that makes `current` look like `party`:
    array items matched by value are kept (their type updated), the others removed with
    `_delete` or added; only the custom fields `party` holds are written."""
    body = {"type": party.type, "about": party.about or None}
    if party.type == "organisation":
        body["name"] = party.name
    else:
        body |= {"firstName": party.first_name or None, "lastName": party.last_name or None,
                 "title": party.title or None, "jobTitle": party.job_title or None}
        if party.organisation_id or current is not None:
            body["organisation"] = ({"id": int(party.organisation_id)}
                                    if party.organisation_id else None)
    for attribute, key, match, as_json in ARRAYS:
        wanted = getattr(party, attribute)
        if current is None:
            body[key] = [as_json(item) for item in wanted]
            continue
        have = {match(item): item for item in getattr(current, attribute)}
        changes = []
        for item in wanted:
            old = have.pop(match(item), None)
            if old is None:
                changes.append(as_json(item))
            elif (old.type or None) != (item.type or None):
                changes.append({"id": int(old.id), "type": item.type or None})
        changes += [{"id": int(old.id), "_delete": True} for old in have.values()]
        if changes:
            body[key] = changes
    body["fields"] = field_values(party.fields, current.fields if current else {})
    body["tags"] = tag_changes(party, current)
    return {k: v for k, v in body.items() if v != [] or k not in ("fields", "tags")}


def tag_changes(party, current=None):
    """The `tags` array that puts `party.tags` on and takes `party.untags` off; other tags
    (a person's own) are left alone."""
    have = {_text(t.get("name")).lower(): t.get("id")
            for t in (current.raw.get("tags") or [] if current else [])}
    changes = [{"name": name} for name in party.tags if name.lower() not in have]
    return changes + [{"id": int(have[name.lower()]), "_delete": True}
                      for name in party.untags if have.get(name.lower()) is not None]


def field_ref(definition_id):
    return {"id": int(definition_id)} if FIELD_REF_AS_OBJECT else int(definition_id)


def field_values(wanted, have):
    """The `fields` array that sets each of `wanted` (definition id -> value) not yet so."""
    return [{"definition": field_ref(d), "value": v} for d, v in wanted.items()
            if v not in (None, "") and have.get(str(d)) != str(v)]


def to_opportunity(data):
    value = data.get("value") or {}
    return Opportunity(
        name=_text(data.get("name")), party_id=_text((data.get("party") or {}).get("id")),
        milestone_id=_text((data.get("milestone") or {}).get("id")), id=_text(data.get("id")),
        milestone=_text((data.get("milestone") or {}).get("name")),
        description=_text(data.get("description")), amount=value.get("amount"),
        currency=_text(value.get("currency")), expected_close_on=_text(data.get("expectedCloseOn")),
        probability=data.get("probability"), closed_on=_text(data.get("closedOn")),
        lost_reason=_text(data.get("lostReason")), fields=_fields(data),
        updated_at=_text(data.get("updatedAt")))


def opportunity_payload(opp, current=None):
    """The body of a POST or PUT; without `milestone_id` the milestone is left where it is."""
    body = {"name": opp.name, "description": opp.description or None,
            "party": {"id": int(opp.party_id)},
            "milestone": {"id": int(opp.milestone_id)} if opp.milestone_id else None,
            "expectedCloseOn": opp.expected_close_on or None,
            "fields": field_values(opp.fields, current.fields if current else {})}
    if opp.amount is not None:
        body["value"] = {"amount": opp.amount, "currency": opp.currency or None}
    if opp.probability is not None:
        body["probability"] = opp.probability
    if opp.lost_reason:
        body["lostReason"] = opp.lost_reason
    return {k: v for k, v in body.items() if v is not None and v != []}


def to_milestone(data):
    complete, probability = bool(data.get("complete")), int(data.get("probability") or 0)
    outcome = "open"
    if complete and probability >= WON_PROBABILITY:
        outcome = "won"
    elif complete and probability <= LOST_PROBABILITY:
        outcome = "lost"
    pipeline = data.get("pipeline") or {}
    return Milestone(id=_text(data["id"]), name=_text(data.get("name")), probability=probability,
                     outcome=outcome, pipeline_id=_text(pipeline.get("id")),
                     pipeline=_text(pipeline.get("name")))


class Capsule:
    """Capsule CRM v2 for one user: a personal access token (CAPSULE_TOKEN), else the OAuth
    connection; `sleep` and `clock` drive the limiter's waits.

    `connections.effective_config` leaves a panel-saved token out while Capsule is connected
    by OAuth, so CAPSULE_TOKEN in the environment wins, then OAuth, then the panel's token.
    """

    def __init__(self, config, sleep=time.sleep, clock=time.time):
        self.oauth = None if config.capsule_token else capsule_tokens.Session(config)
        if self.oauth:  # Capsule counts per user: the user's limiter, whatever the token
            grant = self.oauth.grant
            tag, api, headers = f"oauth:{grant.subdomain}:{grant.user_id}", OAuthApi, {}
        else:
            tag, api = config.capsule_token[-6:], Api
            headers = {"Authorization": f"Bearer {config.capsule_token}"}
        budget = config.capsule_calls_per_hour or 4000  # the wait for a reset needs a limiter
        burst = min(PACING_BURST, budget)
        self.limiter = Limiter(f"capsule:{tag}", burst, HOUR * burst / budget, sleep, clock)
        self.api = api(SYSTEM, config.capsule_base_url,
                       {**headers, "Accept": "application/json",
                        "Content-Type": "application/json"},
                       lambda response: check(response, clock), self.limiter,
                       config.http_timeout, config.max_retries,
                       (config.retry_initial, config.retry_max))
        if self.oauth:
            self.api.tokens = self.oauth

    def connection(self):
        """How this client is connected, in words: "OAuth app, account S" or "personal access
        token"."""
        if not self.oauth:
            return "personal access token"
        return f"OAuth app, account {self.oauth.grant.subdomain or '?'}"

    def site(self):
        """The account and the token's user: the cheap calls that prove the token works."""
        return {"site": self.api.json("GET", "site")["site"],
                "user": self.api.json("GET", "users/current")["user"]}

    def probe(self):
        """What the panel's Test and `syncdesk check` show: the site, the user, the budget."""
        site = self.api.call("GET", "site")
        user = self.api.json("GET", "users/current")["user"]
        left, limit = (site.headers.get(h) for h in ("X-RateLimit-Remaining", "X-RateLimit-Limit"))
        budget = f"{left} of {limit} calls left this hour" if left and limit else "budget not shown"
        how = f"{self.connection()}: " if self.oauth else ""
        return (f"{how}site {site.json()['site'].get('name', '?')}, user "
                f"{user.get('username') or user.get('name', '?')}; {budget}")

    # -- reading ----------------------------------------------------------------------------

    def _pages(self, method, path, root, params=None, json=None):
        """Yield each page's `root` list, following Link rel="next" until it is absent."""
        params = {"perPage": PAGE_SIZE, **(params or {})}
        while path:
            response = self.api.call(method, path, params=params, json=json)
            yield response.json().get(root) or []
            following = response.links.get("next", {}).get("url")
            path, params = (self._relative(following), None) if following else (None, None)

    def _relative(self, url):
        """A Link URL as a path under the base URL (Capsule sends absolute URLs)."""
        if url.startswith(self.api.base_url):
            return url[len(self.api.base_url):]
        parts, base = urlsplit(url), urlsplit(self.api.base_url).path
        path = parts.path[len(base):] if parts.path.startswith(base) else parts.path
        return path + (f"?{parts.query}" if parts.query else "")

    def party_pages(self, since=None):
        """Yield lists of Parties changed after `since` (epoch seconds), oldest change first."""
        params = {"embed": EMBED}
        if since is not None:
            params["since"] = _iso(since - SINCE_OVERLAP)
        for page in self._pages("GET", "parties", "parties", params):
            yield [to_party(p) for p in page]

    def party(self, party_id):
        """The party with this id, or None."""
        try:
            data = self.api.json("GET", f"parties/{int(party_id)}", params={"embed": EMBED})
        except ServiceError as exc:
            if exc.status == 404:
                return None
            raise
        return to_party(data["party"])

    def people(self, org_id):
        """The people of organisation `org_id`."""
        return [to_party(p) for page in self._pages("GET", f"parties/{int(org_id)}/people",
                                                    "parties", {"embed": EMBED}) for p in page]

    def find_by_field(self, definition, value, entity="parties"):
        """Every party (or opportunity) whose custom field `definition` is `value`: how a
        record is found again after a lost answer. More than one means duplicates."""
        condition = {"field": FILTER_FIELD.format(id=definition.id), "operator": FILTER_IS,
                     "value": value}
        make = to_party if entity == "parties" else to_opportunity
        pages = self._pages("POST", f"{entity}/filters/results", entity, {"embed": EMBED},
                            {"filter": {"conditions": [condition]}})
        return [make(item) for page in pages for item in page
                if _fields(item).get(str(definition.id)) == str(value)]

    def find_by_email(self, email):
        """People with this e-mail address (`email is` filter): how a person already in
        Capsule is found before SyncDesk makes another."""
        condition = {"field": "email", "operator": FILTER_IS, "value": email}
        pages = self._pages("POST", "parties/filters/results", "parties", {"embed": EMBED},
                            {"filter": {"conditions": [condition]}})
        return [p for p in (to_party(item) for page in pages for item in page)
                if p.type == "person"
                and email.lower() in (e.value.strip().lower() for e in p.emails)]

    # -- writing ----------------------------------------------------------------------------

    def create_party(self, party):
        """Create a person or an organisation; sent once (see the module's docstring)."""
        return to_party(self._write("POST", "parties", "party", party_payload(party),
                                    party.label, repeatable=False))

    def update_party(self, party_id, party, current=None):
        """Make party `party_id` look like `party` (`current`: as read, else read now)."""
        current = current or self.party(party_id)
        if current is None:
            raise RecordError(party.label, "", f"Capsule party {party_id} no longer exists")
        return to_party(self._write("PUT", f"parties/{int(party_id)}", "party",
                                    party_payload(party, current), party.label))

    def delete_party(self, party_id):
        """Delete a party (its opportunities go with it); a missing one is not an error."""
        try:
            self.api.call("DELETE", f"parties/{int(party_id)}")
        except ServiceError as exc:
            if exc.status != 404:
                raise

    def _write(self, method, path, root, body, label, repeatable=True):
        try:
            return self.api.json(method, path, params={"embed": EMBED}, json={root: body},
                                 repeatable=repeatable)[root]
        except Invalid as exc:
            raise RecordError(label, exc.field, exc.reason) from None

    # -- opportunities and milestones -------------------------------------------------------

    def opportunity_pages(self, since=None):
        params = {"embed": EMBED}
        if since is not None:
            params["since"] = _iso(since - SINCE_OVERLAP)
        for page in self._pages("GET", "opportunities", "opportunities", params):
            yield [to_opportunity(o) for o in page]

    def opportunity(self, opp_id):
        try:
            data = self.api.json("GET", f"opportunities/{int(opp_id)}", params={"embed": EMBED})
        except ServiceError as exc:
            if exc.status == 404:
                return None
            raise
        return to_opportunity(data["opportunity"])

    def create_opportunity(self, opp):
        return to_opportunity(self._write("POST", "opportunities", "opportunity",
                                          opportunity_payload(opp), opp.name, repeatable=False))

    def update_opportunity(self, opp_id, opp, current=None):
        return to_opportunity(self._write("PUT", f"opportunities/{int(opp_id)}", "opportunity",
                                          opportunity_payload(opp, current), opp.name))

    def milestones(self):
        """Every milestone of every pipeline, in display order."""
        return [to_milestone(m) for page in self._pages("GET", MILESTONES, "milestones")
                for m in page]

    # -- custom fields ----------------------------------------------------------------------

    def field_definitions(self, entity="parties"):
        return [FieldDefinition(id=str(d["id"]), name=d.get("name") or "",
                                type=d.get("type") or "text", entity=entity)
                for page in self._pages("GET", f"{entity}/fields/definitions", "definitions")
                for d in page]

    def ensure_field(self, name, entity="parties"):
        """The text field `name` of `entity` (e.g. CUSTOMER_ID_FIELD), created if missing."""
        found = [d for d in self.field_definitions(entity) if d.name.lower() == name.lower()]
        if found:
            return min(found, key=lambda d: int(d.id))
        spec = {"name": name, "type": "text", "description": "Kept by SyncDesk: do not edit"}
        if entity == "parties" and FIELD_CAPTURE_RULE:
            spec["captureRule"] = FIELD_CAPTURE_RULE
        data = self.api.json("POST", f"{entity}/fields/definitions",
                             json={"definition": spec}, repeatable=False)["definition"]
        return FieldDefinition(id=str(data["id"]), name=data["name"], type=data["type"],
                               entity=entity)


def _iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
