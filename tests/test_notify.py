"""Digests and alerts delivered for real: aiosmtpd on loopback and an HTTP receiver."""

from __future__ import annotations

import email
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import Message as EmailMsg
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import DEV_ADMIN_KEY, Settings
from insight.config import Config, load_config
from insight.engine import Engine
from insight.errors import ConfigError
from insight.notifications.alerts import evaluate
from insight.notifications.notify import Notifier, fire_times, previous_fire
from insight.store import Store

from .conftest import writable_copy

WEEK_1 = datetime(2026, 11, 2, 8, 0)  # Monday 07:00 UTC fires; ticks an hour later
ADMIN = {"X-API-Key": DEV_ADMIN_KEY}


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMsg]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


class Receiver(BaseHTTPRequestHandler):
    """Webhook endpoint: answers 500 to the first ``fail_first`` posts, then 200."""

    received: ClassVar[list[tuple[dict[str, str], dict[str, Any]]]] = []
    fail_first = 0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((dict(self.headers), body))
        failing = len(type(self).received) <= type(self).fail_first
        self.send_response(500 if failing else 200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[type[Receiver], str]]:
    Receiver.received, Receiver.fail_first = [], 1
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Receiver, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def _config(fitted: Config, folder: Path, **sections: Any) -> tuple[Config, Path]:
    path = writable_copy(fitted, folder)
    return load_config(path, sections), path


def _notifier(config: Config, store: Store) -> Notifier:
    return Engine(config, store).notifier()


def _parts(message: EmailMsg) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("text/plain", "text/html", "image/png"):
            out[kind] = part.get_payload(decode=True)
            if kind == "image/png":
                out["cid"] = part["Content-ID"]
    return out


def test_schedules_resolve_to_periods() -> None:
    fires = fire_times("0 7 * * mon", datetime(2026, 11, 1), datetime(2026, 11, 30, 7))
    assert fires == [datetime(2026, 11, d, 7) for d in (2, 9, 16, 23, 30)]
    assert previous_fire("0 7 * * mon", datetime(2026, 11, 9, 7)) == datetime(2026, 11, 2, 7)
    assert previous_fire("0 7 1 * *", datetime(2026, 11, 1, 7)) == datetime(2026, 10, 1, 7)
    with pytest.raises(ConfigError, match="schedule"):
        load_config(
            None,
            {
                "digests": [
                    {
                        "name": "x",
                        "audience": "executive",
                        "schedule": "every tuesday-ish",
                        "recipient": {"to": ["a@b.c"]},
                    }
                ]
            },
        )
    with pytest.raises(ConfigError, match="needs `to`"):
        load_config(
            None,
            {"alerts": [{"name": "x", "kind": "new_detractor", "recipient": {"channel": "email"}}]},
        )


def test_executive_digest_email(
    fitted_demo: Config, tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    to = ["ceo@example.com", "cfo@example.com"]
    config, _ = _config(
        fitted_demo,
        tmp_path,
        delivery={"smtp_port": port, "public_url": "https://insight.example.com"},
        digests=[
            {
                "name": "exec",
                "audience": "executive",
                "schedule": "weekly",
                "recipient": {"channel": "email", "to": to},
            }
        ],
    )
    with Store(config.db_path) as store:
        result = _notifier(config, store).tick(WEEK_1 + timedelta(days=14))
    assert (result.queued, result.sent) == (1, 1)
    rcpts, message = inbox.messages[0]
    assert sorted(rcpts) == sorted(to)
    assert message["Subject"].startswith("exec: NPS")
    parts = _parts(message)
    text, html = parts["text/plain"].decode(), parts["text/html"].decode()
    assert "16 Nov 2026" in text and "95% CI" in text and "WHAT MOVED NPS" in text
    assert "= " in text and " mix + " in text  # mix/rate split
    if "no topic changed significantly" not in text:  # 42 comments a week: often none is
        assert '    "' in text  # a significant mover comes with its quotes
    assert "https://insight.example.com/ui/" in text and "/v1/changes?before_start=" in text
    assert 'src="cid:chart"' in html and "max-width:600px" in html
    assert parts["image/png"][:8] == b"\x89PNG\r\n\x1a\n" and parts["cid"] == "<chart>"
    assert message["Message-ID"].endswith("@insight.local>")


def test_restart_neither_skips_nor_duplicates(
    fitted_demo: Config, tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    config, _ = _config(
        fitted_demo,
        tmp_path,
        delivery={"smtp_port": port},
        digests=[
            {
                "name": "weekly",
                "audience": "executive",
                "schedule": "weekly",
                "recipient": {"to": ["exec@example.com"]},
            }
        ],
    )
    with Store(config.db_path) as store:  # first process
        first = _notifier(config, store)
        assert first.tick(WEEK_1).sent == 1
        assert first.tick(WEEK_1 + timedelta(hours=3)).sent == 0
    with Store(config.db_path) as store:  # restarted; it was down over the 9 Nov run
        second = _notifier(config, store)
        assert second.tick(WEEK_1).sent == 0
        result = second.tick(WEEK_1 + timedelta(days=14))
        assert result.sent == 2  # 9 Nov (missed while down) and 16 Nov
        assert second.tick(WEEK_1 + timedelta(days=14, hours=1)).sent == 0
        periods = store.deliveries("digest")["period_key"].tolist()
    assert sorted(periods) == ["2026-11-02T07:00", "2026-11-09T07:00", "2026-11-16T07:00"]
    ids = [m["X-Insight-Delivery"] for _, m in inbox.messages]
    assert len(ids) == len(set(ids)) == 3


def test_smtp_down_then_up_is_retried_with_backoff(fitted_demo: Config, tmp_path: Path) -> None:
    port = _port()  # nothing listens yet
    config, _ = _config(
        fitted_demo,
        tmp_path,
        delivery={"smtp_port": port, "backoff_s": 60, "max_attempts": 3, "timeout_s": 2},
        digests=[
            {
                "name": "daily-north",
                "audience": "manager",
                "schedule": "daily",
                "scope": {"team": "North"},
                "recipient": {"to": ["north@example.com"]},
            }
        ],
    )
    now = datetime(2026, 11, 10, 8, 0)
    with Store(config.db_path) as store:
        notifier = _notifier(config, store)
        first = notifier.tick(now)
        assert (first.queued, first.sent, first.retrying) == (1, 0, 1)
        row = store.deliveries().iloc[0]
        assert row["status"] == "pending" and row["attempts"] == 1
        assert "SMTP 127.0.0.1" in row["last_error"]
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            assert notifier.tick(now + timedelta(seconds=59)).sent == 0  # not due yet
            assert notifier.tick(now + timedelta(seconds=60)).sent == 1
            assert notifier.tick(now + timedelta(hours=1)).sent == 0
        finally:
            controller.stop()
        row = store.deliveries().iloc[0]
    assert row["status"] == "sent" and row["attempts"] == 2 and row["last_error"] is None
    assert len(inbox.messages) == 1
    text = _parts(inbox.messages[0][1])["text/plain"].decode()
    assert "ADVOCACY TRIGGERS" in text and "TOP AGENTS" in text and "CALL BACK" in text


def test_digests_show_pseudonyms_never_respondent_ids(fitted_demo: Config, tmp_path: Path) -> None:
    from insight.notifications.digest import build_digest
    from insight.notifications.notify import respondent_pseudonyms

    config, _ = _config(
        fitted_demo,
        tmp_path,
        digests=[
            {
                "name": "m",
                "audience": "manager",
                "schedule": "monthly",
                "recipient": {"to": ["m@example.com"]},
            }
        ],
    )
    with Store(config.db_path) as store:
        view = Engine(config, store).view()
        pseudonyms = respondent_pseudonyms(store)
        again = respondent_pseudonyms(store)  # the key is kept: the same respondent, same name
    respondents = set(view.comments["respondent_id"].dropna())
    window = (datetime(2026, 10, 1), datetime(2026, 11, 20))
    shown = build_digest(config, config.digests[0], view, *window, pseudonyms).text
    callbacks = shown.split("CALL BACK")[1]
    names = re.findall(r"resp-[0-9a-f]{12}", callbacks)
    assert names and respondents and not any(r in shown for r in respondents)
    assert {again(r) for r in respondents} >= set(names)
    hidden = build_digest(config, config.digests[0], view, *window).text  # no key: no ids at all
    assert "resp-" not in hidden and "no respondent id" in hidden.split("CALL BACK")[1]


def test_manager_and_frontline_digests_keep_complaints_and_praise_apart(
    fitted_demo: Config, tmp_path: Path
) -> None:
    from insight.notifications.digest import build_digest
    from insight.reads.advocacy import side_impacts

    audiences = [
        {"name": a, "audience": a, "schedule": "monthly", "scope": {"team": "North"},
         "recipient": {"to": ["m@example.com"]}}
        for a in ("manager", "frontline")
    ]  # fmt: skip
    config, _ = _config(fitted_demo, tmp_path, digests=audiences)
    with Store(config.db_path) as store:
        view = Engine(config, store).view()
    window = (datetime(2026, 10, 1), datetime(2026, 11, 1))
    manager = build_digest(config, config.digests[0], view, *window)
    triggers = manager.text.split("ADVOCACY TRIGGERS")[1].split("TOP AGENTS")[0]
    drags = re.findall(r"- dragging: (.+): (\w+) \(([-+][\d.]+) NPS", triggers)
    lifts = re.findall(r"- lifting: (.+): (\w+) \(([-+][\d.]+) NPS", triggers)
    assert drags and lifts and "other topics and sides held fixed" in triggers
    assert all(side == "complaints" and float(v) < 0 for _, side, v in drags)
    assert all(side == "praise" and float(v) > 0 for _, side, v in lifts)
    # the most negative complaint side of the team's month leads
    team = view.comments[(view.comments["team"] == "North")]
    team = team[(team["created_at"] >= window[0]) & (team["created_at"] < window[1])]
    mentions = view.assignments[view.assignments["comment_id"].isin(team["id"])]
    sides = side_impacts(team.reset_index(drop=True), mentions, view.topics, view.scale)
    worst = sides[sides["polarity"] == "complaint"].nsmallest(1, "impact").iloc[0]
    assert f"{worst['label']} ({worst['impact']:+.1f} NPS points" in triggers
    frontline = build_digest(config, config.digests[1], view, *window).text
    assert " (complaint)" in frontline and " (praise)" in frontline
    # the same digest at the subtopic level names subtopics
    with Store(config.db_path) as store:
        sub_view = Engine(config, store).view("subtopic")
    finer = build_digest(config, config.digests[0], sub_view, *window).text
    named = re.findall(r"- (?:dragging|lifting): (.+): \w+ \(", finer)
    subtopics = {t.label for t in sub_view.topics}
    assert named and set(named) <= subtopics and sub_view.topics[0].parent is not None


def test_gives_up_after_max_attempts_and_says_why(fitted_demo: Config, tmp_path: Path) -> None:
    config, _ = _config(
        fitted_demo,
        tmp_path,
        delivery={"smtp_port": _port(), "backoff_s": 1, "max_attempts": 2, "timeout_s": 2},
        digests=[
            {
                "name": "d",
                "audience": "executive",
                "schedule": "daily",
                "recipient": {"to": ["x@example.com"]},
            }
        ],
    )
    now = datetime(2026, 11, 10, 8)
    with Store(config.db_path) as store:
        notifier = _notifier(config, store)
        assert notifier.tick(now).retrying == 1
        assert notifier.tick(now + timedelta(seconds=5)).failed == 1
        assert notifier.tick(now + timedelta(hours=5)).sent == 0
        row = store.deliveries().iloc[0]
    assert row["status"] == "failed" and row["attempts"] == 2 and "SMTP" in row["last_error"]


def test_webhook_is_retried_with_the_same_idempotency_key(
    fitted_demo: Config, tmp_path: Path, webhook: tuple[type[Receiver], str]
) -> None:
    receiver, url = webhook
    config, _ = _config(
        fitted_demo,
        tmp_path,
        delivery={"backoff_s": 10},
        digests=[
            {
                "name": "emily",
                "audience": "frontline",
                "schedule": "weekly",
                "scope": {"agent": "Emily"},
                "recipient": {"channel": "webhook", "url": url},
            }
        ],
    )
    now = WEEK_1 + timedelta(days=7)
    with Store(config.db_path) as store:
        notifier = _notifier(config, store)
        assert notifier.tick(now).retrying == 1
        assert notifier.tick(now + timedelta(seconds=10)).sent == 1
        comments = store.comments()
    assert len(receiver.received) == 2
    keys = {headers["Idempotency-Key"] for headers, _ in receiver.received}
    assert keys == {"digest:emily:2026-11-09T07:00"}
    body = receiver.received[-1][1]
    assert body["text"].startswith("*emily: ") and "YOUR CUSTOMERS" in body["text"]
    assert body["insight"]["audience"] == "frontline"
    stamps = comments["created_at"]
    emily = comments[
        (comments["agent"] == "Emily")
        & (stamps >= datetime(2026, 11, 2, 7))
        & (stamps < datetime(2026, 11, 9, 7))
    ]
    assert body["insight"]["comments"] == len(emily)
    for text in emily["text"].head(3):
        assert text[:40] in body["text"]
    section = body["text"].split("YOUR CUSTOMERS")[1].split("Details:")[0]
    assert sum(line.startswith("- ") for line in section.splitlines()) == len(emily) > 0


def test_new_detractor_alert_within_a_minute_of_an_api_ingest(
    fitted_demo: Config, tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    _, path = _config(fitted_demo, tmp_path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            f'\n[delivery]\nsmtp_port = {port}\n\n[[alerts]]\nname = "north-detractors"\n'
            'kind = "new_detractor"\nscope = { team = "North" }\n'
            'recipient = { channel = "email", to = ["lead@example.com"] }\n'
        )
    comments = [
        {
            "id": "n-1",
            "text": "Refund took a month, awful",
            "score": 2,
            "team": "North",
            "respondent_id": "cust-77",
        },
        {"id": "s-1", "text": "Refund took a month, awful", "score": 1, "team": "South"},
        {"id": "n-2", "text": "Lovely staff", "score": 10, "team": "North"},
    ]
    with TestClient(create_app(Settings(config=path))) as client:
        started = time.monotonic()
        response = client.post("/v1/tag", json={"comments": comments, "store": True}, headers=ADMIN)
        assert response.json()["kept"] == 3
        while not inbox.messages and time.monotonic() - started < 60:
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        assert inbox.messages, "no alert within a minute"
        again = client.post("/v1/tag", json={"comments": comments, "store": True}, headers=ADMIN)
        assert again.json()["kept"] == 0
        client.app.state.insight.notifier.after_ingest(["n-1"])  # type: ignore[attr-defined]
        time.sleep(1.0)
        listed = client.get("/v1/alerts", headers=ADMIN).json()
        digests = client.get("/v1/digests", headers=ADMIN).json()
    assert elapsed < 60
    assert len(inbox.messages) == 1  # deduplicated; the South detractor is out of scope
    rcpts, message = inbox.messages[0]
    assert rcpts == ["lead@example.com"]
    assert "new detractor (score 2)" in message["Subject"]
    body = _parts(message)["text/plain"].decode()
    assert "cust-77" not in body and "cust-77" not in str(listed)  # pseudonymised, stable
    assert re.search(r"from resp-[0-9a-f]{12} via", body)
    assert [a["delivery_id"] for a in listed] == ["alert:north-detractors:n-1"]
    assert listed[0]["status"] == "sent" and digests == []


def test_nps_and_emerging_alerts_fire_once(fitted_demo: Config, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    config, _ = _config(
        fitted_demo,
        tmp_path,
        alerts=[
            {
                "name": "low-nps",
                "kind": "nps_below",
                "threshold": 100,
                "window_days": 30,
                "min_comments": 5,
                "recipient": {"channel": "file", "folder": str(outbox)},
            },
            {
                "name": "rising",
                "kind": "emerging_topic",
                "window_days": 50,  # the demo's period B (from 1 Oct); the window before it is A
                "recipient": {"channel": "file", "folder": str(outbox)},
            },
            {
                "name": "backfill",
                "kind": "new_detractor",
                "max_age_days": 2,
                "recipient": {"channel": "file", "folder": str(outbox)},
            },
        ],
    )
    with Store(config.db_path) as store:
        notifier = _notifier(config, store)
        comments = store.comments()
        latest = comments.sort_values("created_at").tail(20)["id"].tolist()
        first = notifier.after_ingest(latest)
        again = notifier.after_ingest(latest)
        rows = store.deliveries("alert")
    assert again.queued == 0 and first.sent == first.queued >= 1
    kinds = set(rows["rule"])
    assert "low-nps" in kinds
    files = sorted(p.name for p in outbox.glob("*.json"))
    assert len(files) == len(rows)
    assert kinds == {"low-nps", "rising"}  # old detractors (a backfill) raise no alert
    # the demo's planted app-crash topic emerges in period B; the alert must name it
    texts = [json.loads((outbox / f).read_text())["text"] for f in files if "rising" in f]
    assert any("app" in t.lower() or "crash" in t.lower() for t in texts), texts


def test_new_detractor_alerts_skip_a_backfill(fitted_demo: Config) -> None:
    with Store(fitted_demo.db_path, read_only=True) as store:
        comments = store.comments()
    latest = comments.sort_values("created_at").tail(50)
    detractors = int((latest["score"] <= 6).sum())
    now = latest["created_at"].max().to_pydatetime() + timedelta(days=10)

    def fired(max_age_days: float) -> int:
        rule = {
            "name": "d",
            "kind": "new_detractor",
            "max_age_days": max_age_days,
            "recipient": {"channel": "file", "folder": "/tmp/unused"},
        }
        config = load_config(None, {"alerts": [rule]})
        return len(evaluate(config, comments, None, latest["id"].tolist(), now))

    assert detractors > 0
    assert fired(max_age_days=2) == 0
    assert fired(max_age_days=365) == detractors


def test_service_runs_the_scheduler_and_the_cli_agrees(fitted_demo: Config, tmp_path: Path) -> None:
    """APScheduler inside `insight serve` sends due digests; `insight schedule --once` then finds
    nothing left to send (same outbox, idempotent)."""
    from typer.testing import CliRunner

    from insight.cli import app as cli

    outbox = tmp_path / "outbox"
    _, path = _config(fitted_demo, tmp_path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            '\n[delivery]\ntick_s = 1\n\n[[digests]]\nname = "exec"\naudience = "executive"\n'
            f'schedule = "daily"\nrecipient = {{ channel = "file", folder = "{outbox}" }}\n'
        )
    with TestClient(create_app(Settings(config=path, preload_models=False))) as client:
        deadline = time.monotonic() + 60
        while not list(outbox.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.2)
        listed = client.get("/v1/digests", headers=ADMIN).json()
    assert len(list(outbox.glob("*.eml"))) == 1
    assert [d["status"] for d in listed] == ["sent"] and listed[0]["rule"] == "exec"
    result = CliRunner().invoke(cli, ["schedule", "--once", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert "queued=0, sent=0" in result.output
    assert len(list(outbox.glob("*.eml"))) == 1


def test_a_topic_absent_before_alerts_as_new() -> None:
    """A topic with no mentions in the windows before and many now is the strongest emergence."""
    import pandas as pd

    from insight.reads.views import View
    from insight.schemas import Topic
    from insight.taxonomy.edits import TopicMap

    end = datetime(2026, 11, 20)
    rows = [(f"old{i}", end - timedelta(days=40 + i % 100), i % 3) for i in range(300)]
    rows += [(f"new{i}", end - timedelta(days=i % 25), 3 if i % 2 else i % 3) for i in range(120)]
    comments = pd.DataFrame(
        {
            "id": [r[0] for r in rows],
            "created_at": [r[1] for r in rows],
            "score": 5,
            "channel": "web",
            "segment": None,
            "team": None,
            "agent": None,
        }
    )
    assignments = pd.DataFrame(
        {
            "mention_id": [f"m-{r[0]}" for r in rows],
            "comment_id": [r[0] for r in rows],
            "topic_id": [r[2] for r in rows],
            "confidence": 1.0,
            "text": "x",
            "sentiment": "neutral",
        }
    )
    topics = [Topic(t, f"topic {t}", [], 1) for t in range(4)]
    view = View("m", TopicMap("m", {}, {}, {}, {}), comments, assignments, topics)
    config = load_config(
        None,
        {
            "alerts": [
                {
                    "name": "rising",
                    "kind": "emerging_topic",
                    "window_days": 30,
                    "recipient": {"channel": "file", "folder": "/tmp/unused"},
                }
            ]
        },
    )
    events = evaluate(config, comments, view, ["new0"], now=end)
    assert [e.data["topic_id"] for e in events] == [3]
    assert "new topic" in events[0].subject
