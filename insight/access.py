"""API keys with roles: issued once, stored only as hashes, checked in constant time.

A key reads ``ik_<key id>_<secret>``. The secret is 32 random bytes, so a fast keyed hash
(HMAC-SHA256 with the key id) is enough: unlike passwords, such keys cannot be guessed from a
dictionary, and verification stays well under a millisecond on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from insight.errors import InsightError, unknown_choice
from insight.store import Store

Role = Literal["tool", "analyst", "executive", "admin"]
ROLES: tuple[Role, ...] = ("tool", "analyst", "executive", "admin")
PREFIX = "ik"

# What each role may do. tool = tagging only; analyst = read everything + edit the taxonomy;
# executive = read summaries; admin = everything, including key management.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "tag": frozenset({"tool", "admin"}),
    "read_summary": frozenset({"executive", "analyst", "admin"}),
    "read_detail": frozenset({"analyst", "admin"}),
    "edit_taxonomy": frozenset({"analyst", "admin"}),
    "manage_keys": frozenset({"admin"}),
}


class AccessError(InsightError):
    """A missing, malformed, unknown or revoked key, or a role without the permission."""


@dataclass(frozen=True)
class Principal:
    key_id: str
    name: str
    role: Role

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise InsightError(unknown_choice("role", role, ROLES))
    return role


def hash_secret(key_id: str, secret: str) -> str:
    return hmac.new(key_id.encode(), secret.encode(), hashlib.sha256).hexdigest()


def create_key(
    store: Store,
    name: str,
    role: str,
    created_by: str | None = None,
    expires_at: datetime | None = None,
) -> str:
    """Store a new key's hash and return the key (the only time it is ever visible)."""
    checked = check_role(role)
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    store.add_api_key(key_id, name, checked, hash_secret(key_id, secret), created_by, expires_at)
    return f"{PREFIX}_{key_id}_{secret}"


def parse_key(key: str) -> tuple[str, str]:
    prefix, _, rest = key.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or len(key_id) != 12 or not secret:
        raise AccessError("malformed API key (expected ik_<id>_<secret>)")
    return key_id, secret


def verify_key(store: Store, key: str) -> Principal:
    key_id, secret = parse_key(key)
    row = store.api_key(key_id)
    if row is None:
        raise AccessError("unknown API key")
    if not hmac.compare_digest(row.key_hash, hash_secret(key_id, secret)):
        raise AccessError("unknown API key")
    if row.revoked:
        raise AccessError("this API key has been revoked")
    if row.expires_at is not None and row.expires_at <= datetime.now(UTC).replace(tzinfo=None):
        raise AccessError(f"this API key expired on {row.expires_at:%Y-%m-%d %H:%M} UTC")
    return Principal(key_id, row.name, check_role(row.role))
