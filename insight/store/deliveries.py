"""The outbox of digests and alerts: one row per message, id = idempotency key."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pandas as pd

from insight.store.base import Repository


class DeliveryRepository(Repository):
    def enqueue_delivery(
        self,
        delivery_id: str,
        kind: str,
        rule: str,
        period_key: str,
        channel: str,
        subject: str,
        message: dict[str, Any],
        chart: bytes | None,
        now: datetime,
    ) -> bool:
        """Add a message unless one with this id exists; True when it is new."""
        rows = self.con.execute(
            "INSERT OR IGNORE INTO deliveries VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, NULL, ?, NULL) RETURNING delivery_id",
            [
                delivery_id,
                kind,
                rule,
                period_key,
                channel,
                subject,
                json.dumps(message),
                chart,
                now,
                now,
            ],
        ).fetchall()
        return bool(rows)

    def due_deliveries(self, now: datetime) -> list[dict[str, Any]]:
        frame = self.con.execute(
            "SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? "
            "ORDER BY created_at, delivery_id",
            [now],
        ).fetchall()
        columns = [d[0] for d in self.con.description or []]
        return [dict(zip(columns, row, strict=True)) for row in frame]

    def delivery_sent(self, delivery_id: str, now: datetime) -> None:
        self.con.execute(
            "UPDATE deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
            "last_error = NULL WHERE delivery_id = ?",
            [now, delivery_id],
        )

    def delivery_failed(
        self, delivery_id: str, error: str, next_attempt_at: datetime | None
    ) -> None:
        """Record a failed attempt; with no next attempt the message is marked failed for good."""
        self.con.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, "
            "status = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END, "
            "next_attempt_at = coalesce(?, next_attempt_at) WHERE delivery_id = ?",
            [error[:2000], next_attempt_at, next_attempt_at, delivery_id],
        )

    def deliveries(self, kind: str | None = None) -> pd.DataFrame:
        sql = (
            "SELECT delivery_id, kind, rule, period_key, channel, subject, status, attempts, "
            "next_attempt_at, last_error, created_at, sent_at FROM deliveries"
        )
        if kind is None:
            return self.con.execute(sql + " ORDER BY created_at, delivery_id").df()
        return self.con.execute(
            sql + " WHERE kind = ? ORDER BY created_at, delivery_id", [kind]
        ).df()
