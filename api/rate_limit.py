"""Per-key rate limits: a token bucket per key for requests and one for comments tagged.

A key that spends its budget gets 429 with ``Retry-After`` (seconds until enough is refilled);
other keys are unaffected. Buckets live in the process (one service process per database).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from insight.errors import InsightError


class RateLimited(InsightError):
    """A key over its rate limit; ``retry_after`` says when to try again (seconds)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Busy(InsightError):
    """The work queue is full; try again shortly."""

    retry_after = 1


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token buckets: ``per_minute`` units a minute, bursts up to one minute's worth."""

    def __init__(self, per_minute: int, what: str) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.what = what
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key_id: str, units: int = 1) -> None:
        """Spend ``units`` of ``key_id``'s budget or raise ``RateLimited``."""
        if units > self.capacity:
            raise RateLimited(
                f"{units} {self.what} in one request exceed this key's limit of "
                f"{int(self.capacity)} a minute: split the request",
                60,
            )
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.setdefault(key_id, _Bucket(self.capacity, now))
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            if units <= bucket.tokens:
                bucket.tokens -= units
                return
            wait = max(1, math.ceil((units - bucket.tokens) / self.rate))
        raise RateLimited(
            f"rate limit: this key may send {int(self.capacity)} {self.what} a minute; "
            f"retry in {wait} s",
            wait,
        )
