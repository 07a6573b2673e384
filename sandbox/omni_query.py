"""Omni's list query: `where`, `order`, `fields`, `page`, `rows`, over the sandbox's contacts.

`where` is the SQL-like language third-party integrators describe (notes §B.2): comparisons
=, <>, >, <, >=, <=, LIKE / NOT LIKE (% and _), IN (…), IS [NOT] NULL on top-level fields,
joined by AND and OR (AND binds first); strings in single quotes, compared case-insensitively;
dates compared as dates. Field names are case-insensitive, as Omni's are.
"""

import re

from sandbox import clock

DEFAULT_ROWS, MAX_ROWS = 50, 250
ROWS_TOO_MANY = "The rows argument cannot be greater than 250."
PAGE_OUT_OF_RANGE = ("The page number is out of range; the value must be greater than or "
                     "equal to 1.")
CONDITION = re.compile(r"^\s*(\w+)\s*(<>|!=|>=|<=|=|>|<|not\s+like\b|like\b|not\s+in\b|in\b|"
                       r"is\s+not\s+null\b|is\s+null\b)\s*(.*?)\s*$", re.I | re.S)


class QueryError(ValueError):
    """A query Omni would answer with 400; the message is its text."""


def _split(text, word):
    """Split `text` on the keyword `word` outside quotes and parentheses."""
    parts, depth, quoted, start, i = [], 0, False, 0, 0
    pattern = re.compile(rf"\s+{word}\s+", re.I)
    while i < len(text):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch in "()":
            depth += 1 if ch == "(" else -1
        elif not quoted and depth == 0:
            found = pattern.match(text, i)
            if found:
                parts.append(text[start:i])
                start = i = found.end()
                continue
        i += 1
    return parts + [text[start:]]


def _literal(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        raise QueryError(f"Invalid where clause near {text!r}.") from None


def _comparable(left, right):
    """Both sides as dates, numbers or lower-case text, whichever they can both be."""
    if isinstance(left, str) and isinstance(right, str) and left[:4].isdigit() and "-" in left:
        try:
            return clock.parse(left), clock.parse(right)
        except ValueError:
            pass
    if isinstance(left, bool) or isinstance(right, bool):
        return left, right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left, right
    return str(left).lower(), str(right).lower()


def _sort_key(value):
    if value is None:
        return (0, 0)
    return (1, _comparable(value, value)[0] if isinstance(value, str) else value)


def _like(value, pattern):
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, str(value or ""), re.I | re.S) is not None


def _test(item, field, op, raw):
    value = item.get(field)
    if op.startswith("is"):
        return (value is None) == (op == "is null")
    if op.endswith("in"):
        values = [_literal(v) for v in _split(raw.strip()[1:-1], ",")] if raw.strip()[:1] == "(" \
            else None
        if values is None:
            raise QueryError(f"Invalid where clause: IN needs a list, got {raw!r}.")
        found = any(v == w for v, w in (_comparable(value, x) for x in values))
        return found != op.startswith("not")
    if op.endswith("like"):
        return _like(value, _literal(raw)) != op.startswith("not")
    right = _literal(raw)
    if value is None or right is None:
        return op in ("<>", "!=") and value is not right
    left, right = _comparable(value, right)
    return {"=": left == right, "<>": left != right, "!=": left != right, ">": left > right,
            "<": left < right, ">=": left >= right, "<=": left <= right}[op]


def matcher(where, names):
    """A test item -> bool for the `where` text; `names` maps lower-case to real field names."""
    groups = []
    for alternative in _split(where, "or"):
        conditions = []
        for text in _split(alternative, "and"):
            found = CONDITION.match(text)
            if not found:
                raise QueryError(f"Invalid where clause near {text.strip()!r}.")
            field, op, raw = found.groups()
            if field.lower() not in names:
                raise QueryError(f"Invalid where clause: unknown field '{field}'.")
            conditions.append((names[field.lower()], " ".join(op.lower().split()), raw))
        groups.append(conditions)
    return lambda item: any(all(_test(item, *c) for c in group) for group in groups)


def _int(args, name, default):
    try:
        return int(args.get(name, default))
    except (TypeError, ValueError):
        raise QueryError(f"The {name} argument must be a whole number.") from None


def select(items, args):
    """The page of `items` the query arguments ask for, each cut to `fields` when given."""
    items = list(items)
    names = {k.lower(): k for item in items[:1] for k in item if not k.startswith("_")}
    page, rows = _int(args, "page", 1), _int(args, "rows", DEFAULT_ROWS)
    if rows > MAX_ROWS:
        raise QueryError(ROWS_TOO_MANY)
    if page < 1:
        raise QueryError(PAGE_OUT_OF_RANGE)
    if args.get("where"):
        test = matcher(args["where"], names)
        items = [item for item in items if test(item)]
    field, _, direction = (args.get("order") or "id ASC").strip().partition(" ")
    if field.lower() not in names:
        raise QueryError(f"Invalid order: unknown field '{field}'.")
    key = names[field.lower()]
    items.sort(key=lambda item: _sort_key(item.get(key)),
               reverse=direction.strip().upper() != "ASC")
    chosen = items[(page - 1) * max(rows, 0):page * max(rows, 0)]
    wanted = [names.get(f.strip().lower()) for f in (args.get("fields") or "").split(",")
              if f.strip()]
    if wanted:
        chosen = [{k: item.get(k) for k in wanted if k} for item in chosen]
    return chosen
