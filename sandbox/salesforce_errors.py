"""Salesforce's error bodies: a JSON list of {"message","errorCode","fields"}.

Views raise SalesforceError; the salesforce blueprint answers it. Collection views report it
as one result's {"statusCode","message","fields"} instead (note statusCode, not errorCode).
"""

from flask import jsonify

NO_RECORD = "The requested resource does not exist"


class SalesforceError(Exception):
    def __init__(self, status, code, message, fields=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = list(fields or [])

    def body(self):
        return [{"message": self.message, "errorCode": self.code, "fields": self.fields}]

    def result(self):
        """This error as one entry of a collection result's "errors"."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}


def respond(exc, headers=None):
    response = jsonify(exc.body())
    response.status_code = exc.status
    response.headers.update(headers or {})
    return response


def no_such_column(sobject, name):
    return SalesforceError(400, "INVALID_FIELD",
                           f"No such column '{name}' on sobject of type {sobject}")
