"""What every Capsule endpoint shares: its clock, ids, errors, request bodies and paging.

Capsule answers errors as {"message": ...}, validation as {"message": "Validation Failed",
"errors": [{"message", "resource", "field"}]}, and pages lists with an RFC 5988 `Link` header
(absolute URLs, rel="next"/"prev") plus `X-Pagination-Has-More` (crms.md §B.6, §B.10).
"""

import datetime
from urllib.parse import quote

from flask import jsonify, request

from sandbox import clock, state

PER_PAGE_DEFAULT, PER_PAGE_MAX = 50, 100


class CapsuleError(Exception):
    """An error answer: status, message and, for a 422, the [{message, resource, field}]."""

    def __init__(self, status, message, errors=None, headers=None):
        super().__init__(message)
        self.status, self.message = status, message
        self.errors, self.headers = errors, headers or {}

    def response(self):
        body = {"message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        answer = jsonify(body)
        answer.status_code = self.status
        answer.headers.update(self.headers)
        return answer


def invalid(resource, field, message):
    """A 422 about one field, as Capsule words it."""
    return CapsuleError(422, "Validation Failed",
                        [{"message": message, "resource": resource, "field": field}])


def not_found():
    return CapsuleError(404, "Could not find resource")


def store():
    return state.data("capsule")


def now(data=None):
    """Capsule's clock: the real one moved on by /capsule/_sandbox/advance."""
    data = data or store()
    return clock.now() + datetime.timedelta(seconds=data["offset"])


def stamp(moment):
    """'2015-09-15T10:43:23Z': Capsule writes times to the second."""
    return moment.astimezone(clock.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def next_id(data):
    """Numeric ids that only grow, shared by every kind of record."""
    data["next_id"] += 1
    return data["next_id"]


def body_of(root):
    """The object wrapped under `root` in the JSON body; 400 when it is missing."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get(root), dict):
        raise CapsuleError(400, f"Request body must be a JSON object with a '{root}' object")
    return body[root]


def record_id(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        raise not_found() from None


def embeds():
    return {e.strip() for e in request.args.get("embed", "").split(",") if e.strip()}


def since_arg(required=False):
    """The `since` query parameter as a datetime (None when absent); 422 when unreadable."""
    text = request.args.get("since")
    if not text:
        if required:
            raise invalid("query", "since", "since is required")
        return None
    try:
        return clock.parse(text)
    except ValueError:
        raise invalid("query", "since", "since is not a valid date") from None


def _int_arg(name, default):
    text = request.args.get(name)
    if text in (None, ""):
        return default
    try:
        return int(text)
    except ValueError:
        raise CapsuleError(400, f"{name} must be a number") from None


def paged(root, items, render, extra=None):
    """One page of `items` wrapped under `root`, with Link and X-Pagination-Has-More."""
    page = max(1, _int_arg("page", 1))
    per_page = _int_arg("perPage", PER_PAGE_DEFAULT)
    if not 1 <= per_page <= PER_PAGE_MAX:
        raise CapsuleError(400, f"perPage must be between 1 and {PER_PAGE_MAX}")
    start = (page - 1) * per_page
    chunk = items[start:start + per_page]
    more = start + per_page < len(items)
    body = {root: [render(item) for item in chunk]} | (extra or {})
    if "meta" in embeds():
        body["meta"] = {"totalCount": len(items)}
    answer = jsonify(body)
    links = []
    if more:
        links.append(f'<{_page_url(page + 1, per_page)}>; rel="next"')
    if page > 1:
        links.append(f'<{_page_url(page - 1, per_page)}>; rel="prev"')
    if links:
        answer.headers["Link"] = ", ".join(links)
    answer.headers["X-Pagination-Has-More"] = "true" if more else "false"
    return answer


def _page_url(page, per_page):
    """This request's absolute URL for another page, the other parameters kept."""
    args = request.args.to_dict(flat=False)
    args["page"], args["perPage"] = [str(page)], [str(per_page)]
    query = "&".join(f"{k}={quote(str(v), safe=',:')}" for k, values in args.items() for v in values)
    return f"{request.base_url}?{query}"


# -- what parties and opportunities answer alike ----------------------------------------------


def answer(root, rendered, record_id_, status=200):
    """One record under its root ("party"), with Location when it was just created."""
    response = jsonify({root: rendered})
    response.status_code = status
    if status == 201:
        response.headers["Location"] = (f"{request.url_root}capsule/api/v2/"
                                        f"{root_plural(root)}/{record_id_}")
    return response


def root_plural(root):
    return {"party": "parties", "opportunity": "opportunities"}[root]


def changed_since(records, since):
    """`records` changed after `since` (to the second, as Capsule compares), oldest first."""
    return sorted((r for r in records if since is None
                   or r["_updated"].replace(microsecond=0) > since),
                  key=lambda r: (r["_updated"], r["id"]))


def by_ids(records, ids, root, render, limit=10):
    """GET /{plural}/{id} or /{plural}/{id,id,…} (at most `limit` ids)."""
    wanted = [record_id(i) for i in ids.split(",") if i.strip()]
    if not wanted or len(wanted) > limit:
        raise CapsuleError(400, f"between 1 and {limit} ids may be asked for at once")
    found = [records.get(i) for i in wanted]
    if any(r is None for r in found):
        raise not_found()
    if "," not in ids:
        return jsonify({root: render(found[0])})
    return jsonify({root_plural(root): [render(r) for r in found]})
