"""Generate the synthetic demo corpus: three exports (survey CSV, chat JSONL, social Parquet).

Ground truth is planted and written beside the corpus (``ground_truth.json`` with the design and
the realised per-period topic shares and NPS; ``ground_truth.csv`` with each comment's topics) so
that later analytics can be checked against it. Planted between periods A and B:

* ``app_crash`` emerges in B (absent in A) after an app update (a new topic);
* ``delivery_delay`` doubles its share of comments in B at the same scores (a mix effect);
* ``wait_time`` keeps its share but scores drop sharply in B (a rate effect);
* the other topics keep their relative shares and score effects (controls).

One subject, checkout, is praised (``easy_checkout``, +1.1) and complained about
(``checkout_broken``, −2.4) with opposite planted effects, and happy customers (9–10) add a
sentence of plain goodwill half the time, so comment length grows with the score: the praise
and complaint drivers must recover both signs with length held fixed.

A few deliberately bad rows (scores out of range, empty text, a repeated id, Latin-1 bytes) are
included so the demo shows the rejects table; they are listed in the ground truth too.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from insight.analytics.nps import nps_stat
from insight.demo import phrases as ph

PERIOD_A = (datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC))
PERIOD_B = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC))

BASE_WEIGHTS = {
    "delivery_delay": 0.08,
    "damaged_item": 0.06,
    "staff_friendly": 0.14,
    "wait_time": 0.12,
    "billing_error": 0.09,
    "refund_slow": 0.07,
    "app_crash": 0.0,
    "price_high": 0.08,
    "product_quality": 0.13,
    "easy_checkout": 0.12,
    "issue_resolved": 0.11,
}
PERIOD_B_WEIGHTS = {**BASE_WEIGHTS, "delivery_delay": 0.16, "app_crash": 0.10}
PERIOD_B_POLARITY = {"wait_time": -2.8}
#: Share of comments (without checkout praise) that also complain about the checkout.
CHECKOUT_BROKEN_SHARE = 0.06
BASE_SCORE = 7.6
TEAMS = {
    "North": ("Sarah", "Tom", "Priya"),
    "South": ("James", "Aisha", "Marco"),
    "Digital": ("Emily", "Daniel"),
}
CHANNEL_SHARES = (("survey", 0.55), ("chat", 0.30), ("social", 0.15))


@dataclass
class DemoComment:
    id: str
    channel: str
    period: str
    created_at: datetime
    text: str
    topics: list[str]
    score: int | None
    team: str
    agent: str
    customer_id: str
    touchpoint: str
    pii: bool = False
    extras: dict[str, str] = field(default_factory=dict)


def _fill(template: str, rng: random.Random) -> str:
    out = template
    for slot, values in ph.SLOTS.items():
        while "{" + slot + "}" in out:
            out = out.replace("{" + slot + "}", rng.choice(values), 1)
    return out


def _case_first(clause: str, upper: bool) -> str:
    """Sentence-case a clause by where it lands; names and "I" keep their capital."""
    first = clause.split(" ", 1)[0]
    if upper:
        return clause[0].upper() + clause[1:]
    if first == "I" or first in ph.SLOTS["agent"]:
        return clause
    return clause[0].lower() + clause[1:]


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def _pii(rng: random.Random) -> str:
    snippet = rng.choice(ph.PII_SNIPPETS)
    return snippet.format(
        first=rng.choice(ph.FIRST_NAMES),
        last=rng.choice(ph.LAST_NAMES),
        n=rng.randrange(10, 99),
        n3=f"{rng.randrange(0, 999):03d}",
        n4=f"{rng.randrange(0, 9999):04d}",
    )


def _compose(topics: list[str], channel: str, rng: random.Random) -> str:
    clauses = [_fill(rng.choice(ph.TOPIC_BY_KEY[t].templates), rng) for t in topics]
    polarities = [ph.TOPIC_BY_KEY[t].polarity for t in topics]
    text = rng.choice(ph.OPENERS) + _case_first(clauses[0], upper=False)
    for prev, cur, clause in zip(polarities, polarities[1:], clauses[1:], strict=False):
        joiner = rng.choice(ph.JOINERS_CONTRAST if prev * cur < 0 else ph.JOINERS_SAME)
        text += joiner + _case_first(clause, upper=joiner in (". ", "! "))
    net = sum(polarities)
    closer = rng.choice(ph.CLOSERS_POSITIVE if net > 0 else ph.CLOSERS_NEGATIVE)
    if closer and not text.endswith((".", "!", "?")):
        text += "."
    text += closer
    if channel == "social":
        text += rng.choice(ph.EMOJI_POSITIVE if net > 0 else ph.EMOJI_NEGATIVE)
        text += rng.choice(ph.SOCIAL_TAGS)
    elif channel == "chat" and rng.random() < 0.3:
        text = rng.choice(("hi ", "hello, ", "hey, ")) + text[0].lower() + text[1:]
    if rng.random() < 0.06:
        text = _typo(text, rng)
    text = text.lower() if rng.random() < 0.3 else text[0].upper() + text[1:]
    if not text.rstrip().endswith((".", "!", "?")) and rng.random() < 0.6:
        text += "."
    return text


def _pick_topics(weights: dict[str, float], rng: random.Random) -> list[str]:
    keys = [k for k, w in weights.items() if w > 0]
    count = rng.choices((1, 2, 3), weights=(0.55, 0.35, 0.10))[0]
    chosen: list[str] = []
    while len(chosen) < count:
        key = rng.choices(keys, weights=[weights[k] for k in keys])[0]
        if key not in chosen:
            chosen.append(key)
    return chosen


def _score(topics: list[str], period: str, rng: random.Random) -> int:
    latent = BASE_SCORE + rng.gauss(0.0, 1.3)
    for t in topics:
        polarity = ph.TOPIC_BY_KEY[t].polarity
        if period == "B":
            polarity = PERIOD_B_POLARITY.get(t, polarity)
        latent += polarity
    return max(0, min(10, round(latent)))


def generate(n_comments: int = 6000, seed: int = 2026) -> list[DemoComment]:
    """Generate ``n_comments`` comments deterministically from ``seed``."""
    rng = random.Random(seed)
    # their own streams, so the planted shift's draws stay exactly as they were
    goodwill, checkout = random.Random(seed + 1), random.Random(seed + 2)
    comments: list[DemoComment] = []
    for i in range(n_comments):
        period = "A" if i % 2 == 0 else "B"
        start, end = PERIOD_A if period == "A" else PERIOD_B
        created = start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))
        channel = rng.choices([c for c, _ in CHANNEL_SHARES], [w for _, w in CHANNEL_SHARES])[0]
        team = rng.choice(sorted(TEAMS))
        agent = rng.choice(TEAMS[team])
        if rng.random() < 0.03:
            topics: list[str] = []
            text = rng.choice(ph.FILLERS)
            score = rng.randrange(5, 11)
        else:
            topics = _pick_topics(BASE_WEIGHTS if period == "A" else PERIOD_B_WEIGHTS, rng)
            text = _compose(topics, channel, rng)
            if "easy_checkout" not in topics and checkout.random() < CHECKOUT_BROKEN_SHARE:
                topics.append("checkout_broken")
                clause = _fill(
                    checkout.choice(ph.TOPIC_BY_KEY["checkout_broken"].templates), checkout
                )
                text = text.rstrip(" .!") + ". Also " + clause + "."
            score = _score(topics, period, rng)
            if score >= 9 and goodwill.random() < 0.5:  # happy customers write more
                text += goodwill.choice(ph.GOODWILL)
        pii = rng.random() < 0.06
        if pii:
            text += _pii(rng)
        has_score = channel == "survey" or (channel == "chat" and rng.random() < 0.6)
        comments.append(
            DemoComment(
                id=f"{channel[:2]}-{i:06d}",
                channel=channel,
                period=period,
                created_at=created,
                text=text,
                topics=topics,
                score=score if has_score else None,
                team=team,
                agent=agent,
                customer_id=f"C{rng.randrange(100000, 999999)}",
                touchpoint=ph.TOPIC_BY_KEY[topics[0]].touchpoint if topics else "general",
                pii=pii,
            )
        )
    comments.sort(key=lambda c: c.created_at)
    return comments


BAD_SURVEY_ROWS: tuple[tuple[str, str, str], ...] = (
    # (response_id, comment, likelihood_to_recommend) — planted rejects, see module docstring.
    ("bad-score-11", "Delivery was fine I suppose", "11"),
    ("bad-score-neg", "App is ok", "-1"),
    ("bad-score-word", "Staff were nice", "ten"),
    ("bad-score-frac", "Refund came through eventually", "7.5"),
    ("bad-empty-1", "", "8"),
    ("bad-empty-2", "   ", "3"),
)


def _survey_frame(rows: list[DemoComment]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "response_id": [c.id for c in rows],
            "comment": [c.text for c in rows],
            "likelihood_to_recommend": [str(c.score) for c in rows],
            "submitted_at": [c.created_at.strftime("%Y-%m-%d %H:%M:%S") for c in rows],
            "touch_point": [c.touchpoint for c in rows],
            "team": [c.team for c in rows],
            "agent": [c.agent for c in rows],
            "customer_id": [c.customer_id for c in rows],
        }
    )
    bad = pd.DataFrame(
        [
            {
                "response_id": r[0],
                "comment": r[1],
                "likelihood_to_recommend": r[2],
                "submitted_at": "2026-09-15 10:00:00",
                "touch_point": "general",
                "team": "North",
                "agent": "Tom",
                "customer_id": "C000001",
            }
            for r in BAD_SURVEY_ROWS
        ]
    )
    duplicate = frame.iloc[
        [0]
    ].copy()  # a repeated response id: must be rejected, not double-counted
    return pd.concat([frame, bad, duplicate], ignore_index=True)


def write_corpus(out_dir: str | Path, n_comments: int = 6000, seed: int = 2026) -> dict[str, Path]:
    """Write the three exports and the ground truth to ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    comments = generate(n_comments, seed)
    by_channel = {ch: [c for c in comments if c.channel == ch] for ch, _ in CHANNEL_SHARES}

    survey = out / "survey_responses.csv"
    csv_bytes = _survey_frame(by_channel["survey"]).to_csv(index=False).encode("utf-8")
    # One Latin-1 encoded row (a legacy export): the engine must reject it with a reason.
    latin1 = (
        'bad-latin1,"The café staff were great",9,2026-09-20 12:00:00,support,North,Tom,C000002\n'
    )
    survey.write_bytes(csv_bytes + latin1.encode("latin-1"))

    chat = out / "chat_transcripts.jsonl"
    with chat.open("w", encoding="utf-8") as handle:
        for c in by_channel["chat"]:
            record = {
                "conversation_id": c.id,
                "customer_message": c.text,
                "post_chat_nps": c.score,
                "started_at": c.created_at.isoformat(),
                "agent_name": c.agent,
                "team": c.team,
                "customer": c.customer_id,
                "touch_point": c.touchpoint,
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        handle.write('{"conversation_id": "bad-json", "customer_message": "truncated\n')

    social = out / "social_mentions.parquet"
    pd.DataFrame(
        {
            "post_id": [c.id for c in by_channel["social"]],
            "body": [c.text for c in by_channel["social"]],
            "posted_at": [c.created_at for c in by_channel["social"]],
            "handle": [c.customer_id for c in by_channel["social"]],
        }
    ).to_parquet(social, index=False)

    truth_csv = out / "ground_truth.csv"
    pd.DataFrame(
        {
            "id": [c.id for c in comments],
            "period": [c.period for c in comments],
            "topics": ["|".join(c.topics) for c in comments],
            "score": [c.score for c in comments],
            "has_pii": [c.pii for c in comments],
        }
    ).to_csv(truth_csv, index=False)
    truth_json = out / "ground_truth.json"
    truth_json.write_text(json.dumps(_summary(comments, n_comments, seed), indent=2) + "\n")
    return {
        "survey": survey,
        "chat": chat,
        "social": social,
        "truth_csv": truth_csv,
        "truth_json": truth_json,
    }


def _summary(comments: list[DemoComment], n_comments: int, seed: int) -> dict[str, object]:
    """The planted design plus the realised per-period shares and NPS (scored comments only)."""
    periods: dict[str, object] = {}
    for label, (start, end) in (("A", PERIOD_A), ("B", PERIOD_B)):
        rows = [c for c in comments if c.period == label]
        scored = [c for c in rows if c.score is not None]
        topics: dict[str, object] = {}
        for key in [*BASE_WEIGHTS, "checkout_broken"]:
            with_topic = [c for c in rows if key in c.topics]
            scores = [c.score for c in with_topic if c.score is not None]
            stat = nps_stat(scores) if scores else None
            topics[key] = {
                "comments": len(with_topic),
                "share": round(len(with_topic) / len(rows), 4),
                "nps": round(stat.nps, 2) if stat else None,
            }
        overall = nps_stat([c.score for c in scored if c.score is not None])
        periods[label] = {
            "start": start.date().isoformat(),
            "end_exclusive": end.date().isoformat(),
            "comments": len(rows),
            "scored": len(scored),
            "nps": round(overall.nps, 2),
            "topics": topics,
        }
    return {
        "synthetic": True,
        "seed": seed,
        "n_comments": n_comments,
        "planted_shift": {
            "app_crash": "emerging: share 0 in A, weight 0.10 in B",
            "delivery_delay": "mix: weight 0.08 in A -> 0.16 in B, same score effect",
            "wait_time": "rate: same weight, score effect -1.3 in A -> -2.8 in B",
        },
        "planted_sides": {
            "checkout": {
                "praise": "easy_checkout, score effect +1.1",
                "complaint": "checkout_broken, score effect -2.4",
            },
            "length": "scores of 9-10 add a goodwill sentence half the time",
        },
        "planted_rejects": [r[0] for r in BAD_SURVEY_ROWS]
        + ["duplicate response id (first survey row repeated)", "bad-latin1", "bad-json"],
        "periods": periods,
    }
