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

