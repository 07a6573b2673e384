"""POST /services/oauth2/token on the login host: JWT bearer and client credentials.

Failures answer 400 {"error","error_description"} with the texts integrators quote from real
orgs: "invalid assertion" (bad signature or a malformed JWT), "audience is invalid",
"client identifier invalid" (error invalid_client_id), "user hasn't approved this consumer",
"request not supported on this domain" (client credentials off a My Domain host). The text
for an expired assertion and for an unknown user are the sandbox's best guess (EXPIRED,
UNKNOWN_USER). Tokens come back without expires_in or a refresh token, as Salesforce's do.
"""

import base64
import hashlib
import hmac
import secrets
import time

import jwt
from cryptography import x509
from flask import Blueprint, jsonify, request

from sandbox import state

bp = Blueprint("salesforce_auth", __name__, url_prefix="/login/services/oauth2")

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
EXPIRED = "expired authorization code"  # [U] what Salesforce says for a past `exp`
UNKNOWN_USER = "user hasn't approved this consumer"  # [U] also seen for an unknown `sub`
ORG_ID = "00DSb0000000SyncAAA"
USER_ID = "005Sb0000000IntgAAA"


def refuse(error, description, status=400):
    return jsonify({"error": error, "error_description": description}), status


def _public_key(text):
    """The connected app's certificate (or bare public key), PEM."""
    data = text.encode() if isinstance(text, str) else text
    if b"CERTIFICATE" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return data


def _login_url():
    return request.host_url.rstrip("/") + "/salesforce/login"


def _jwt_bearer(org):
    assertion = request.form.get("assertion", "")
    try:
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        return refuse("invalid_grant", "invalid assertion")
    if claims.get("iss") != org["client_id"]:
        return refuse("invalid_client_id", "client identifier invalid")
    if not org["jwt_public_key"]:
        return refuse("invalid_grant", "invalid assertion")  # no certificate uploaded
    try:
        jwt.decode(assertion, _public_key(org["jwt_public_key"]), algorithms=["RS256"],
                   options={"verify_aud": False, "verify_exp": False})
    except (jwt.PyJWTError, ValueError):
        return refuse("invalid_grant", "invalid assertion")
    if claims.get("aud") not in (*AUDIENCES, _login_url()):
        return refuse("invalid_grant", "audience is invalid")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] < time.time():
        return refuse("invalid_grant", EXPIRED)
    if claims.get("sub") != org["username"] or not org["jwt_approved"]:
        return refuse("invalid_grant", UNKNOWN_USER)
    return None


def _client_credentials(org):
    client_id = request.form.get("client_id") or (request.authorization or {}).get("username")
    secret = request.form.get("client_secret") or (request.authorization or {}).get("password")
    if client_id != org["client_id"]:
        return refuse("invalid_client_id", "client identifier invalid")
    if secret != org["client_secret"]:
        return refuse("invalid_client", "invalid client credentials")
    if not org["my_domain"]:
        return refuse("invalid_grant", "request not supported on this domain")
    return None


def _token(org):
    issued = str(int(time.time() * 1000))
    identity = f"{_login_url()}/id/{ORG_ID}/{USER_ID}"
    token = f"{ORG_ID[:15]}!AQ{secrets.token_urlsafe(64)}"
    org["sessions"].add(token)
    digest = hmac.new(org["client_secret"].encode(), (identity + issued).encode(),
                      hashlib.sha256).digest()
    return {"access_token": token, "signature": base64.b64encode(digest).decode(),
            "scope": "api", "instance_url": request.host_url.rstrip("/") + "/salesforce/org",
            "id": identity, "token_type": "Bearer", "issued_at": issued}


@bp.post("/token")
def token():
    org = state.data("salesforce")
    grant = request.form.get("grant_type", "")
    if grant == JWT_GRANT:
        refused = _jwt_bearer(org)
    elif grant == "client_credentials":
        refused = _client_credentials(org)
    elif grant == "password":  # deprecated by Salesforce: off in this org
        refused = refuse("invalid_grant", "authentication failure")
    else:
        refused = refuse("unsupported_grant_type", "grant type not supported")
    return refused or jsonify(_token(org))
