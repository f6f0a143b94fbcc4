"""Where a webhook may be sent: only to public addresses, so a subscriber cannot make the gateway call into
its own network (SSRF: the database, Redis, cloud metadata at 169.254.169.254, other services on loopback).

Checked when a subscription is created (a clear 422 naming `url`) and again before every delivery, because a
name can be re-pointed after it was accepted. Redirects are never followed (worker.py). A name that changes
between this check and the connection (DNS rebinding within seconds) is not covered; deployments that need that
route webhooks through an egress proxy. Local development and tests set GATEWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def unsafe_reason(url: str) -> str | None:
    """Why `url` must not receive webhooks, or None if every address its host resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http(s) URL with a host"
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError):
        return f"host {host!r} does not resolve"
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])  # drop an IPv6 zone id
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            return f"host {host!r} resolves to {address}, which is not a public address"
    return None
