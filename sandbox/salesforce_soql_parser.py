"""SOQL's grammar, as far as the sandbox reads it: a statement becomes a dict.

    {"type": "Opportunity", "items": [("field", path), ("child", sub-statement),
     ("count", None)], "where": node, "order": [(path, descending, nulls_last)],
     "limit": n}

A path is [(type, field)] along a dotted name; a where node is ("and"|"or", [nodes]),
("not", node) or (operator, path, literal). Errors carry Salesforce's codes and texts.
"""

import re

from sandbox import salesforce_schema as schema
from sandbox.salesforce_errors import SalesforceError

TOKEN = re.compile(r"\s*(?:('(?:[^'\\]|\\.)*')|(<=|>=|!=|<>|=|<|>)|([(),])|([^\s(),'=<>!]+))")
KEYWORDS = {"select", "from", "where", "order", "by", "limit", "and", "or", "not", "in",
            "like", "asc", "desc", "nulls", "first", "last", "offset"}


def malformed(message):
    return SalesforceError(400, "MALFORMED_QUERY", message)


def no_column(name, sobject):
    return SalesforceError(400, "INVALID_FIELD", f"No such column '{name}' on entity "
                           f"'{sobject}'. If you are attempting to use a custom field, be sure "
                           "to append the '__c' after the custom field name. Please reference "
                           "your WSDL or the describe call for the appropriate names.")


class Parser:
    """Recursive descent over the tokens of one SOQL statement."""

    def __init__(self, org, text):
        self.org, self.tokens, self.at = org, [], 0
        position = 0
        text = text.strip()
        while position < len(text):
            match = TOKEN.match(text, position)
            if not match or match.end() == position:
                raise malformed(f"unexpected token: '{text[position:position + 10]}'")
            self.tokens.append(next(t for t in match.groups() if t is not None))
            position = match.end()

    def peek(self, offset=0):
        at = self.at + offset
        return self.tokens[at] if at < len(self.tokens) else ""

    def take(self, *expected):
        token = self.peek()
        if expected and token.lower() not in expected:
            raise malformed(f"unexpected token: '{token or '<EOF>'}'")
        self.at += 1
        return token

    def statement(self, child_of=None):
        self.take("select")
        items = [self.item()]
        while self.peek() == ",":
            self.take()
            items.append(self.item())
        self.take("from")
        sobject = self.sobject(self.take(), child_of)
        query = {"type": sobject, "items": [], "where": None, "order": [], "limit": None}
        for item in items:
            query["items"].append(self.resolve(sobject, item))
        if self.peek().lower() == "where":
            self.take()
            query["where"] = self.condition(sobject)
        if self.peek().lower() == "order":
            self.take()
            self.take("by")
            query["order"] = self.order(sobject)
        if self.peek().lower() == "limit":
            self.take()
            query["limit"] = self.number(self.take())
        return query

    def item(self):
        if self.peek() == "(":
            start, depth = self.at + 1, 0
            while True:  # skip the subquery: it is parsed once the parent type is known
                token = self.take()
                depth += {"(": 1, ")": -1}.get(token, 0)
                if depth == 0:
                    return ("child", start)
                if not token:
                    raise malformed("unexpected token: '<EOF>'")
        name = self.take()
        if name.lower() in KEYWORDS:
            raise malformed(f"unexpected token: '{name}'")
        if name.lower() == "count" and self.peek() == "(":
            self.take()
            self.take(")")
            return ("count", None)
        return ("field", name)

    def sobject(self, name, child_of):
        if child_of:
            child = next((c for c, v in schema.CHILDREN.items()
                          if c.lower() == name.lower() and v[0] == child_of), None)
            if not child:
                raise SalesforceError(400, "INVALID_TYPE", f"Didn't understand relationship "
                                      f"'{name}' in FROM part of query call.")
            return schema.CHILDREN[child][1]
        found = next((s for s in schema.OBJECTS if s.lower() == name.lower()), None)
        if not found:
            raise SalesforceError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")
        return found

    def resolve(self, sobject, item):
        kind, value = item
        if kind == "count":
            return ("count", None)
        if kind == "child":
            resume, self.at = self.at, value
            sub = self.statement(child_of=sobject)
            self.take(")")
            self.at = resume
            return ("child", sub)
        return ("field", self.path(sobject, value))

    def path(self, sobject, dotted):
        """[(type, canonical name)] along `Account.Owner.Name`; INVALID_FIELD if unknown."""
        steps, current = [], sobject
        parts = dotted.split(".")
        for depth, part in enumerate(parts):
            known = schema.fields(self.org, current)
            if depth < len(parts) - 1:
                target = next((n[:-2] for n in known if n.lower() == part.lower() + "id"
                               and schema.relationship(self.org, current, n[:-2])), None)
                if not target:
                    raise no_column(part, current)
                steps.append((current, target))
                current = schema.relationship(self.org, current, target)
            else:
                name = next((n for n in known if n.lower() == part.lower()), None)
                if not name:
                    raise no_column(part, current)
                steps.append((current, name))
        return steps

    def condition(self, sobject):
        terms = [self.conjunction(sobject)]
        while self.peek().lower() == "or":
            self.take()
            terms.append(self.conjunction(sobject))
        return ("or", terms) if len(terms) > 1 else terms[0]

    def conjunction(self, sobject):
        factors = [self.factor(sobject)]
        while self.peek().lower() == "and":
            self.take()
            factors.append(self.factor(sobject))
        return ("and", factors) if len(factors) > 1 else factors[0]

    def factor(self, sobject):
        if self.peek() == "(":
            self.take()
            inner = self.condition(sobject)
            self.take(")")
            return inner
        if self.peek().lower() == "not":
            self.take()
            return ("not", self.factor(sobject))
        name = self.take()
        if not name or name.lower() in KEYWORDS or not re.match(r"[A-Za-z]", name):
            raise malformed(f"unexpected token: '{name or '<EOF>'}'")
        path = self.path(sobject, name)
        operator = self.take().lower()
        if operator == "not":
            self.take("in")
            operator = "not in"
        if operator in ("in", "not in"):
            self.take("(")
            values = [self.literal(path)]
            while self.peek() == ",":
                self.take()
                values.append(self.literal(path))
            self.take(")")
            return (operator, path, values)
        if operator not in ("=", "!=", "<>", "<", "<=", ">", ">=", "like"):
            raise malformed(f"unexpected token: '{operator}'")
        return (operator, path, self.literal(path))

    def literal(self, path):
        token = self.take()
        owner, name = path[-1]
        kind = schema.fields(self.org, owner)[name][0]
        if token.startswith("'"):
            if kind in ("datetime", "date", "boolean", "double"):
                raise SalesforceError(400, "INVALID_FIELD", f"value of filter criterion for field "
                                      f"'{name}' must be of type {kind} and should not be "
                                      "enclosed in quotes")
            return re.sub(r"\\(.)", r"\1", token[1:-1])
        lowered = token.lower()
        if lowered in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[lowered]
        try:
            if kind == "datetime":
                return schema.parse_stamp(token)
            if kind == "date":
                return token if re.fullmatch(r"\d{4}-\d\d-\d\d", token) else self.bad(token)
            return float(token)
        except ValueError:
            return self.bad(token)

    def bad(self, token):
        raise malformed(f"unexpected token: '{token}'")

    def order(self, sobject):
        keys = []
        while True:
            path = self.path(sobject, self.take())
            descending = self.peek().lower() in ("asc", "desc") and self.take().lower() == "desc"
            nulls_last = descending
            if self.peek().lower() == "nulls":
                self.take()
                nulls_last = self.take("first", "last").lower() == "last"
            keys.append((path, descending, nulls_last))
            if self.peek() != ",":
                return keys
            self.take()

    def number(self, token):
        if not token.isdigit():
            raise malformed(f"unexpected token: '{token}'")
        return int(token)
