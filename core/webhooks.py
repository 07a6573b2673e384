"""What a webhook from Cin7 Core or HubSpot says changed, as SyncDesk entities.

A webhook is only a "sync soon" hint: SyncDesk never trusts its payload for data, it runs
the entity's incremental sync, which reads the changes itself (polling stays the source of
truth). Events only matter to the direction that reads from their system: a Cin7 change to
an export, a HubSpot change to an import. So SyncDesk's own writes never echo back.
"""

import base64
import hashlib
import hmac
import json
import re
from urllib.parse import unquote

MAX_AGE_MS = 5 * 60 * 1000  # HubSpot signature v3: refuse requests older than 5 minutes

# Cin7 Core webhook types SyncDesk subscribes to, and the entity each one concerns.
CIN7_TYPES = {
    "Customer/Updated": "customers",
    "Product/Updated": "products",
    "Sale/Created": "sales",
    "Sale/OrderAuthorised": "sales",
    "Sale/InvoiceAuthorised": "sales",
    "Sale/Voided": "sales",
}
# HubSpot object names (classic subscription types) and object type ids (generic object.*).
HUBSPOT_OBJECTS = {"contact": "customers", "company": "customers", "product": "products",
                   "deal": "sales", "line_item": "sales"}
HUBSPOT_TYPE_IDS = {"0-1": "customers", "0-2": "customers", "0-7": "products", "0-3": "sales",
                    "0-8": "sales"}
HUBSPOT_SUBSCRIPTIONS = ("company.creation", "company.propertyChange", "company.deletion",
                         "contact.creation", "contact.propertyChange", "contact.deletion",
                         "contact.associationChange")
SOURCE_DIRECTION = {"cin7": "export", "hubspot": "import"}
_EVENT_TYPE = re.compile(r'"EventType"\s*:\s*"([^"]+)"')


def cin7_entities(body):
    """Entities named by a Cin7 delivery (raw bytes; some are not valid JSON)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    items = data if isinstance(data, list) else [data]
    types = {i.get("EventType") for i in items if isinstance(i, dict)} - {None}
    types |= set(_EVENT_TYPE.findall(text))
    return {CIN7_TYPES[t] for t in types if t in CIN7_TYPES}


def hubspot_entities(events):
    """Entities named by a HubSpot delivery (a JSON array of events)."""
    out = set()
    for event in events if isinstance(events, list) else [events]:
        if not isinstance(event, dict):
            continue
        kind = str(event.get("subscriptionType") or "")
        name = kind.split(".", 1)[0]
        entity = (HUBSPOT_TYPE_IDS.get(str(event.get("objectTypeId"))) if name == "object"
                  else HUBSPOT_OBJECTS.get(name))
        if entity:
            out.add(entity)
    return out


def hubspot_signature(secret, method, uri, body, timestamp):
    """Signature v3: base64 of HMAC-SHA256(client secret, method + uri + body + timestamp)."""
    source = method.upper().encode() + uri.encode() + body + str(timestamp).encode()
    return base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()


def hubspot_valid(secret, method, uris, body, timestamp, signature, now_ms):
    """True when `signature` is HubSpot's for one of `uris` and is under 5 minutes old."""
    if not (secret and signature and timestamp):
        return False
    try:
        age = now_ms - int(timestamp)
    except ValueError:
        return False
    if abs(age) > MAX_AGE_MS:
        return False
    candidates = {u for uri in uris if uri for u in (uri, unquote(uri))}
    return any(hmac.compare_digest(hubspot_signature(secret, method, uri, body, timestamp),
                                   signature) for uri in candidates)
