"""Secrets sealed under SECRET_KEY (Fernet, key derived by HKDF): panel keys, OAuth tokens,
event endpoint secrets. If SECRET_KEY changes, what was sealed can no longer be opened."""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.errors import ConfigError


def fernet(secret_key):
    """The Fernet key every sealed value uses; ConfigError without SECRET_KEY."""
    if not secret_key:
        raise ConfigError("SECRET_KEY is not set: it is needed to encrypt saved keys.")
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"syncdesk",
               info=b"connection keys").derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


def encrypt(text, secret_key):
    """`text` encrypted under SECRET_KEY, as stored for panel keys (event endpoint secrets too)."""
    return fernet(secret_key).encrypt(text.encode()).decode()


def decrypt(token, secret_key):
    """The text `encrypt` sealed; ConfigError when SECRET_KEY no longer opens it."""
    try:
        return fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ConfigError("a stored secret cannot be read: SECRET_KEY changed") from None
