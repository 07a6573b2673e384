"""HubSpot's error bodies: {"status":"error","message","correlationId","category",...}.

Views raise HubSpotError; the hubspot blueprint turns it into the JSON answer. Batch
endpoints catch it per input and report it as a StandardError in "errors".
"""

import json
import uuid

from flask import jsonify, request

AUTH_MESSAGE = ("Authentication credentials not found. This API supports OAuth 2.0 authentication "
                "and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview")


def correlation_id():
    return str(uuid.uuid4())


class HubSpotError(Exception):
    """One HubSpot error; `errors` are ErrorDetail dicts, `context` maps keys to lists."""

    def __init__(self, status, category, message, *, errors=None, context=None,
                 sub_category=None, headers=None, extra=None):
        super().__init__(message)
        self.status, self.category, self.message = status, category, message
        self.errors, self.context, self.sub_category = errors, context, sub_category
        self.headers, self.extra = headers or {}, extra or {}

    def body(self):
        body = {"status": "error", "message": self.message, "correlationId": correlation_id()}
        if self.errors:
            body["errors"] = self.errors
        if self.context:
            body["context"] = self.context
        body["category"] = self.category
        if self.sub_category:
            body["subCategory"] = self.sub_category
        return body | self.extra

    def standard(self, trace_id=None):
        """This error as one entry of a batch response's "errors"."""
        context = dict(self.context or {})
        if trace_id is not None:
            context["objectWriteTraceId"] = [str(trace_id)]
        return {"status": "error", "category": self.category, "message": self.message,
                "context": context, "errors": self.errors or [], "links": {}}


def respond(exc):
    response = jsonify(exc.body())
    response.status_code = exc.status
    response.headers.update(exc.headers)
    return response


def validation(message, **kwargs):
    return HubSpotError(400, "VALIDATION_ERROR", message, **kwargs)


def not_found(message="resource not found", **kwargs):
    return HubSpotError(404, "OBJECT_NOT_FOUND", message, **kwargs)


def conflict(message, **kwargs):
    return HubSpotError(409, "CONFLICT", message, **kwargs)


def invalid_properties(problems, portal_id):
    """The 400 for bad property values; `problems` are (name, code, message) triples.

    HubSpot embeds the details as escaped JSON in the message and repeats them in "errors".
    """
    details = [{"isValid": False, "message": message, "error": code, "name": name,
                "localizedErrorMessage": message, "portalId": portal_id}
               for name, code, message in problems]
    errors = [{"message": message, "code": code, "context": {"propertyName": [name]}}
              for name, code, message in problems]
    return validation("Property values were not valid: " + json.dumps(details), errors=errors)


def json_body(shape=dict):
    """The request's JSON (an object unless `shape` says otherwise); 400 like HubSpot's."""
    raw = request.get_data(as_text=True)
    try:
        body = json.loads(raw) if raw.strip() else shape()
    except ValueError as exc:
        line, column = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
        raise validation(f"Invalid input JSON on line {line}, column {column}: {exc}") from None
    if not isinstance(body, shape):
        raise validation(f"Invalid input JSON: expected a JSON {shape.__name__}")
    return body


def inputs_of(body, limit, what="inputs"):
    """body["inputs"] checked for presence and the batch size limit."""
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list):
        raise validation(f"Missing required field: {what}",
                         errors=[{"message": "must not be null", "in": "inputs"}])
    if len(inputs) > limit:
        raise validation(f"The maximum number of inputs supported in a batch request is {limit}",
                         context={"inputs": [str(len(inputs))]})
    return inputs


def rate_limited(policy, group, retry_after=None):
    """429 bodies: TEN_SECONDLY_ROLLING (with Retry-After), SECONDLY (search), DAILY."""
    messages = {"TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
                "SECONDLY": "You have reached your secondly limit.",
                "DAILY": "You have reached your daily limit."}
    extra = {"errorType": "RATE_LIMIT", "policyName": policy}
    if group:
        extra["groupName"] = group
    body = {"status": "error", "message": messages[policy], "correlationId": correlation_id()}
    response = jsonify(body | extra)
    response.status_code = 429
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response
