"""Signing-secret rotation with an overlap window (as Stripe's "roll secret").

A rotation makes a new secret current and keeps the replaced one as `previous_secret` until
`previous_secret_expires_at`; until then every delivery carries one signature per secret (new first), so a
receiver can switch to the new secret at any moment inside the window without rejecting a delivery.

At most two secrets sign at once. Rotating again inside a window makes the then-current secret the previous
one (with the new window) and drops the older previous secret at once: a receiver still on that oldest secret
stops verifying. `expires_in_seconds=0` drops the replaced secret immediately (a leaked secret).

Secrets are stored as the subscription's first secret is: in the gateway database, readable by the gateway,
because signing needs the secret itself (a hash cannot sign).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from services.gateway.auth.deps import Principal
from services.gateway.webhooks import repository
from services.gateway.webhooks.models import WebhookSubscription
from services.gateway.webhooks.schemas import SecretRotation
from shared.errors import conflict, not_found

SECRET_PREFIX = "whsec_"


def new_signing_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(24)


def previous_secret_expiry(sub: WebhookSubscription, at: datetime) -> datetime | None:
    """When the previous secret stops signing, or None if there is none (or it has expired by `at`)."""
    if sub.previous_secret and sub.previous_secret_expires_at and sub.previous_secret_expires_at > at:
        return sub.previous_secret_expires_at
    return None


def signing_secrets(sub: WebhookSubscription, at: datetime) -> list[str]:
    """The secrets a delivery sent at `at` is signed with: the current one first, then a still valid previous one."""
    keys = [sub.secret]
    if previous_secret_expiry(sub, at) is not None and sub.previous_secret:
        keys.append(sub.previous_secret)
    return keys


@dataclass(frozen=True)
class RotationResult:
    subscription: WebhookSubscription
    dropped_older_secret: bool  # a second rotation inside the window ended the secret before the replaced one


def rotate(session: Session, principal: Principal, subscription_id: str, request: SecretRotation,
           at: datetime) -> RotationResult:
    """Give the caller's subscription a new secret; the replaced one signs too for `expires_in_seconds`. Caller commits."""
    sub = repository.subscription_of_org(session, principal.org_id, subscription_id, for_update=True)
    if sub is None:  # owner only: another organization's subscription answers exactly like a missing one
        raise not_found("webhook subscription", subscription_id)
    if not sub.active:
        raise conflict("The subscription is deleted; create a new one to receive events.", subscription_id=sub.id)
    dropped_older = previous_secret_expiry(sub, at) is not None
    if request.expires_in_seconds > 0:
        sub.previous_secret = sub.secret
        sub.previous_secret_expires_at = at + timedelta(seconds=request.expires_in_seconds)
    else:
        sub.previous_secret = None
        sub.previous_secret_expires_at = None
    sub.secret = new_signing_secret()
    session.add(sub)
    return RotationResult(sub, dropped_older)
