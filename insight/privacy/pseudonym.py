"""Stable pseudonyms for identifiers shown to people (respondent ids in alerts and digests).

A keyed hash (HMAC-SHA256 with a per-database secret), so the same respondent reads the same in
every message, nobody without the database can reverse it, and an administrator can still find
the record (compute the pseudonym of each stored id with the same key).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable

PREFIX = "resp-"


def hidden(value: object) -> str | None:
    """Shows no identifier at all (the default wherever no pseudonym key is at hand)."""
    return None


def new_key() -> str:
    return secrets.token_hex(32)


def pseudonymiser(key: str) -> Callable[[object], str | None]:
    """A function mapping an identifier to its pseudonym (None and non-strings to None)."""
    secret = bytes.fromhex(key)

    def pseudonym(value: object) -> str | None:
        if not isinstance(value, str) or not value:
            return None
        digest = hmac.new(secret, value.encode("utf-8"), hashlib.sha256).hexdigest()
        return PREFIX + digest[:12]

    return pseudonym
