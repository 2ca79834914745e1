"""Scheduled digests and real-time alerts: decide what is due, queue it once, deliver with retries.

The ``deliveries`` table is an outbox keyed by an idempotency id — ``digest:<name>:<fire time>``
or ``alert:<name>:<dedupe key>`` — so recomputing what is due after a restart never queues a
message twice, and a period missed while the service was down is still sent (digests due since
the digest was first seen, at most ``MAX_CATCH_UP`` per digest). Delivery happens outside any
database lock; a failure is recorded with its reason and retried with exponential backoff
(``backoff_s`` · 2^attempt) until ``max_attempts``, then marked ``failed`` (visible in
``insight deliveries`` and ``GET /v1/digests`` / ``GET /v1/alerts``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from insight.config import Config, DigestConfig, Recipient
from insight.errors import NotFittedError
from insight.models.topic_tree import Level
from insight.notifications.alerts import evaluate
from insight.notifications.delivery import DeliveryError, Message, deliver
from insight.notifications.digest import build_digest
from insight.privacy.pseudonym import new_key, pseudonymiser
from insight.reads.views import View
from insight.reports.rendering import render
from insight.store import Store

log = logging.getLogger("insight.notify")
StoreAccess = Callable[[], AbstractContextManager[Store]]
MAX_CATCH_UP = 12


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _trigger(cron: str) -> CronTrigger:
    return CronTrigger.from_crontab(cron, timezone="UTC")


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def fire_times(cron: str, after: datetime, until: datetime) -> list[datetime]:
    """Scheduled times in ``(after, until]`` (naive UTC)."""
    trigger = _trigger(cron)
    out: list[datetime] = []
    moment = trigger.get_next_fire_time(None, _aware(after) + timedelta(seconds=1))
    while moment is not None and moment <= _aware(until):
        out.append(moment.replace(tzinfo=None))
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return out


def previous_fire(cron: str, before: datetime) -> datetime:
    """The last scheduled time strictly before ``before``."""
    span = timedelta(days=2)
    while span < timedelta(days=800):
        times = fire_times(cron, before - span, before - timedelta(seconds=1))
        if times:
            return times[-1]
        span *= 2
    raise ValueError(f"schedule {cron!r} never fires")


@dataclass
class TickResult:
    queued: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0


PSEUDONYM_KEY = "privacy.pseudonym_key"


class Notifier:
    """Queues due digests and fired alerts, delivers what is due; safe to run in several places."""

    def __init__(
        self, config: Config, db: StoreAccess, view_of: Callable[[Store, Level], View]
    ) -> None:
        """``view_of`` builds the current view over a store at a topic level (the engine
        supplies it)."""
        self.config = config
        self.db = db
        self.view_of = view_of

    # what is due ----------------------------------------------------------------------------
    def due_digests(self, now: datetime) -> list[tuple[DigestConfig, datetime, datetime]]:
        """(digest, period start, period end = fire time) for every fire not yet queued."""
        due = []
        with self.db() as store:
            for digest in self.config.digests:
                key = f"digest_since:{digest.name}"
                since_text = store.setting(key)
                if since_text is None:
                    since_text = now.isoformat()
                    store.set_setting(key, since_text)
                since = datetime.fromisoformat(since_text)
                anchor = previous_fire(digest.cron, since + timedelta(seconds=1))
                fires = fire_times(digest.cron, anchor - timedelta(seconds=1), now)[-MAX_CATCH_UP:]
                queued = set(store.deliveries("digest").query("rule == @digest.name")["period_key"])
                for fire in fires:
                    if _period_key(fire) not in queued:
                        due.append((digest, previous_fire(digest.cron, fire), fire))
        return due

    def queue_digests(self, now: datetime) -> int:
        due = self.due_digests(now)
        if not due:
            return 0
        queued = 0
        with self.db() as store:
            views: dict[Level, View] = {}
            for digest, start, end in due:
                if digest.level not in views:
                    views[digest.level] = self.view_of(store, digest.level)
                rendered = build_digest(
                    self.config,
                    digest,
                    views[digest.level],
                    start,
                    end,
                    respondent_pseudonyms(store),
                )
                queued += store.enqueue_delivery(
                    f"digest:{digest.name}:{_period_key(end)}",
                    "digest",
                    digest.name,
                    _period_key(end),
                    digest.recipient.channel,
                    rendered.subject,
                    {
                        "text": rendered.text,
                        "html": rendered.html,
                        "data": rendered.data,
                        "recipient": digest.recipient.model_dump(mode="json"),
                    },
                    rendered.chart_png,
                    now,
                )
        return queued

    def queue_alerts(self, new_ids: Sequence[str], now: datetime) -> int:
        if not self.config.alerts or not new_ids:
            return 0
        queued = 0
        with self.db() as store:
            view: View | None
            try:
                view = self.view_of(store, "theme")
                comments = view.comments
            except NotFittedError:  # alerts on scores still work before the first fit
                view, comments = None, store.comments()
            pseudonyms = respondent_pseudonyms(store)
            for event in evaluate(self.config, comments, view, new_ids, now, pseudonyms):
                paragraphs = render("alert.html.j2", lines=event.text.splitlines())
                queued += store.enqueue_delivery(
                    f"alert:{event.rule.name}:{event.key}",
                    "alert",
                    event.rule.name,
                    event.key,
                    event.rule.recipient.channel,
                    event.subject,
                    {
                        "text": event.text,
                        "html": paragraphs,
                        "data": event.data,
                        "recipient": event.rule.recipient.model_dump(mode="json"),
                    },
                    None,
                    now,
                )
        return queued

    # delivery -------------------------------------------------------------------------------
    def deliver_due(self, now: datetime) -> TickResult:
        result = TickResult()
        with self.db() as store:
            rows = store.due_deliveries(now)
        cfg = self.config.delivery
        for row in rows:
            try:
                deliver(_message(row), cfg)
            except DeliveryError as exc:
                attempts = int(row["attempts"]) + 1
                retry = attempts < cfg.max_attempts
                next_at = (
                    now + timedelta(seconds=cfg.backoff_s * 2 ** (attempts - 1)) if retry else None
                )
                with self.db() as store:
                    store.delivery_failed(row["delivery_id"], str(exc), next_at)
                log.warning(
                    "delivery %s failed (attempt %d): %s", row["delivery_id"], attempts, exc
                )
                result.retrying += retry
                result.failed += not retry
                continue
            except Exception as exc:  # a message that can never go out must not block the rest
                with self.db() as store:
                    store.delivery_failed(row["delivery_id"], f"undeliverable: {exc!r}", None)
                log.error("delivery %r is undeliverable: %r", row["delivery_id"], exc)
                result.failed += 1
                continue
            with self.db() as store:
                store.delivery_sent(row["delivery_id"], now)
            result.sent += 1
        return result

    def tick(self, now: datetime | None = None) -> TickResult:
        """Queue what is due, deliver what is pending (the scheduler calls this)."""
        now = now or utc_now()
        queued = self.queue_digests(now)
        result = self.deliver_due(now)
        result.queued = queued
        return result

    def after_ingest(self, new_ids: Sequence[str], now: datetime | None = None) -> TickResult:
        """Check alert rules on newly stored comments and deliver at once."""
        now = now or utc_now()
        queued = self.queue_alerts(new_ids, now)
        result = self.deliver_due(now)
        result.queued = queued
        return result


def respondent_pseudonyms(store: Store) -> Callable[[object], str | None]:
    """Respondent id -> its pseudonym under this database's key (made on first use)."""
    key = store.setting(PSEUDONYM_KEY)
    if key is None:
        key = new_key()
        store.set_setting(PSEUDONYM_KEY, key)
    return pseudonymiser(key)


def _period_key(fire: datetime) -> str:
    return f"{fire:%Y-%m-%dT%H:%M}"


def _message(row: dict[str, Any]) -> Message:
    body = row["message"] if isinstance(row["message"], dict) else json.loads(row["message"])
    return Message(
        delivery_id=row["delivery_id"],
        subject=row["subject"],
        text=body["text"],
        html=body["html"],
        recipient=Recipient.model_validate(body["recipient"]),
        chart_png=bytes(row["chart"]) if row["chart"] is not None else None,
        data=body.get("data", {}),
    )


def start_scheduler(notifier: Notifier, blocking: bool = False) -> Any:
    """APScheduler runs ``notifier.tick`` every ``delivery.tick_s`` seconds (first run now).

    Schedules themselves are evaluated by ``tick`` (cron via APScheduler's ``CronTrigger``), so a
    tick after a restart catches up instead of waiting for the next fire time.
    """
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")

    def tick() -> None:
        try:
            result = notifier.tick()
        except Exception:  # keep the scheduler alive; the error is in the log
            log.exception("notification tick failed")
            return
        if result.queued or result.sent or result.retrying or result.failed:
            log.info("notifications: %s", result)

    scheduler.add_job(
        tick,
        "interval",
        seconds=notifier.config.delivery.tick_s,
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
        id="insight-notify",
    )
    scheduler.start()
    return scheduler
