"""Real-time alert rules, checked right after an ingest: what fired, with a dedupe key each.

- ``new_detractor``: a newly stored comment in scope scoring at or below ``threshold``
  (one alert per comment);
- ``nps_below``: NPS in scope over the last ``window_days`` under ``threshold`` with at least
  ``min_comments`` scores (at most one alert per rule per day);
- ``emerging_topic``: a topic whose volume in the last ``window_days`` is significantly above its
  rate in the four windows before, or absent before and significant now (BH-controlled; one
  alert per topic per ISO week).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from insight.analytics.emerging import volume_shifts
from insight.analytics.impact import membership
from insight.analytics.nps import nps_from_codes
from insight.analytics.scales import AdvocacyScale
from insight.config import AlertConfig, Config, Scope
from insight.privacy.pseudonym import hidden
from insight.reads.views import Filters, View, apply_filters, comment_mask


@dataclass(frozen=True)
class AlertEvent:
    rule: AlertConfig
    key: str  # dedupe key within the rule
    subject: str
    text: str
    data: dict[str, object]


def _in_scope(comments: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    return comments[comment_mask(comments, Filters.for_scope(scope))]


def evaluate(
    config: Config,
    comments: pd.DataFrame,
    view: View | None,
    new_ids: Sequence[str],
    now: datetime,
    respondent: Callable[[object], str | None] = hidden,
) -> list[AlertEvent]:
    """Alerts fired by the comments ``new_ids`` (already stored) under every configured rule.

    ``respondent`` turns a respondent id into what a message may show (a pseudonym)."""
    if not config.alerts or not len(new_ids):
        return []
    fresh = comments[comments["id"].isin(set(new_ids))]
    stamps = pd.to_datetime(fresh["created_at"]).dropna()
    end = (stamps.max() if len(stamps) else pd.Timestamp.now(tz=None)).to_pydatetime()
    events: list[AlertEvent] = []
    for rule in config.alerts:
        if rule.kind == "new_detractor":
            threshold = (
                rule.threshold if rule.threshold is not None else config.scale.scale().detractor_max
            )
            events.extend(
                _new_detractors(rule, _in_scope(fresh, rule.scope), now, respondent, threshold)
            )
        elif rule.kind == "nps_below":
            scale = config.scale.scale()
            events.extend(_nps_below(rule, _in_scope(comments, rule.scope), end, scale))
        elif view is not None:
            events.extend(_emerging(rule, view, end))
    return events


def _new_detractors(
    rule: AlertConfig,
    fresh: pd.DataFrame,
    now: datetime,
    respondent: Callable[[object], str | None],
    threshold: float,
) -> list[AlertEvent]:
    scores = pd.to_numeric(fresh["score"], errors="coerce")
    stamps = pd.to_datetime(fresh["created_at"])
    recent = (stamps.isna() | (stamps >= now - timedelta(days=rule.max_age_days))).to_numpy()
    hits = fresh[scores.le(threshold).fillna(False).to_numpy(dtype=bool) & recent]
    events = []
    for r in hits.itertuples():
        who = respondent(r.respondent_id) or "unknown respondent"
        events.append(
            AlertEvent(
                rule,
                str(r.id),
                f"{rule.name}: new detractor (score {int(r.score)}) — {rule.scope.describe()}",
                f'Score {int(r.score)} from {who} via {r.channel}:\n"{r.text}"\n'
                f"Team {r.team or '–'}, agent {r.agent or '–'}, comment id {r.id}.",
                {"comment_id": r.id, "score": int(r.score), "respondent_id": who},
            )
        )
    return events


def _nps_below(
    rule: AlertConfig, scoped: pd.DataFrame, end: datetime, scale: AdvocacyScale
) -> list[AlertEvent]:
    stamps = pd.to_datetime(scoped["created_at"])
    window = scoped[(stamps > end - timedelta(days=rule.window_days)) & (stamps <= end)]
    stat = nps_from_codes(scale.codes(window["score"].tolist()))
    threshold = 6.0 if rule.threshold is None else rule.threshold
    if stat is None or stat.n < rule.min_comments or stat.nps >= threshold:
        return []
    return [
        AlertEvent(
            rule,
            f"{end:%Y-%m-%d}",
            f"{rule.name}: {scale.metric} {stat.nps:+.0f} is under {threshold:+.0f} — "
            f"{rule.scope.describe()}",
            f"{scale.metric} over the {rule.window_days} days to {end:%d %b %Y}: {stat.nps:+.1f} "
            f"(95% CI {stat.ci_low:+.1f} to {stat.ci_high:+.1f}, n={stat.n}); "
            f"threshold {threshold:+.0f}.",
            {"nps": round(stat.nps, 2), "n": stat.n, "threshold": threshold},
        )
    ]


def _emerging(rule: AlertConfig, view: View, end: datetime) -> list[AlertEvent]:
    scope = rule.scope
    width = timedelta(days=rule.window_days)
    recent = apply_filters(view, Filters.for_scope(scope, end - width, end + timedelta(seconds=1)))
    before = apply_filters(view, Filters.for_scope(scope, end - 5 * width, end - width))
    if recent.comments.empty or before.comments.empty:
        return []
    known = view.assignments[view.assignments["topic_id"] >= 0]
    topics = sorted(set(known["topic_id"]))
    counts = {}
    for name, part in (("before", before), ("recent", recent)):
        matrix = membership(
            pd.Index(part.comments["id"]), part.assignments[part.assignments["topic_id"] >= 0]
        )
        counts[name] = matrix.reindex(columns=topics, fill_value=0).sum()
    shifts = volume_shifts(
        counts["before"], len(before.comments), counts["recent"], len(recent.comments)
    )
    labels = {t.topic_id: t.label for t in view.topics}
    week = f"{end.isocalendar().year}-W{end.isocalendar().week:02d}"
    events = []
    # "new" (absent before, significant now) is the strongest emergence of all: it alerts too.
    for r in shifts[shifts["status"].isin(["emerging", "new"])].itertuples():
        label = labels.get(int(r.topic_id), f"topic {r.topic_id}")
        kind = "new" if r.status == "new" else "emerging"
        events.append(
            AlertEvent(
                rule,
                f"{int(r.topic_id)}:{week}",
                f"{rule.name}: {kind} topic “{label}” — {scope.describe()}",
                f"“{label}” is rising: {int(counts['recent'][r.topic_id])} comments in the "
                f"{rule.window_days} days to {end:%d %b %Y} out of {len(recent.comments)} "
                f"(q = {r.q_emerging:.3g}).",
                {"topic_id": int(r.topic_id), "label": label},
            )
        )
    return events
