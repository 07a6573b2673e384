"""The check an endpoint URL passes: on save, and again before every attempt.

The panel must not become a way to reach internal services: the host name is resolved and
every address it resolves to must be public, unless EVENTS_ALLOW_PRIVATE allows loopback,
link-local and private addresses (the demo, tests). Plain http needs EVENTS_ALLOW_HTTP.
Redirects are never followed (core.events.delivery), so a public host cannot bounce a
delivery inward.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from core.errors import EndpointRefused


def check(url, allow_http=False, allow_private=False, resolve=socket.getaddrinfo):
    """The URL, stripped, when SyncDesk may send events to it; EndpointRefused saying why."""
    url = (url or "").strip()
    parts = urlsplit(url)
    allowed = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in allowed:
        raise EndpointRefused("the URL must start with https://" if not allow_http else
                              "the URL must start with https:// or http://")
    if not parts.hostname:
        raise EndpointRefused("the URL has no host name")
    if parts.username or parts.password:
        raise EndpointRefused("the URL must not carry a user name or password")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise EndpointRefused("the URL's port is not a number") from None
    for address in addresses(parts.hostname, port, resolve):
        if not allow_private and not is_public(address):
            raise EndpointRefused(f"{parts.hostname} resolves to {address}, a loopback, "
                                  "private or reserved address")
    return url


def addresses(host, port, resolve=socket.getaddrinfo):
    """Every address `host` resolves to; EndpointRefused when it resolves to none."""
    try:
        found = {info[4][0] for info in resolve(host, port, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise EndpointRefused(f"{host} cannot be resolved ({exc})") from None
    if not found:
        raise EndpointRefused(f"{host} resolves to no address")
    return sorted(found)


def is_public(address):
    """True for a globally routable unicast address (IPv4-mapped IPv6 judged as IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_loopback or ip.is_link_local
                                 or ip.is_private or ip.is_reserved or ip.is_unspecified)
