"""Digest content per audience, for one scope and one period, rendered as HTML email + text.

Executive: NPS and its change with CI, the topics that moved it (mix vs rate), emerging topics,
value at stake, quotes, links. Manager: the team's NPS and change, advocacy triggers (the
complaint sides dragging and the praise sides lifting the team's NPS), top agents, new detractors
to call back. Front-line: the person's customers, what their comments were about and whether each
subject was a complaint or praise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from insight.analytics.polarity import POLARITY_OF_SENTIMENT
from insight.analytics.slices import nps_table
from insight.config import Config, DigestConfig, Scope
from insight.privacy.pseudonym import hidden
from insight.reads import views
from insight.reads.advocacy import (
    BASELINE_EXPLAINED,
    compare_periods,
    compare_periods_by_side,
    side_impacts,
)
from insight.reads.views import Filters, View
from insight.reports.charts import bar_chart_png
from insight.reports.rendering import render

MAX_TOPICS = 5
#: Complaint / praise lines an executive digest names beside the topic lines.
MAX_SIDES = 3
MAX_CALLBACKS = 20
#: How a manager digest's triggers were measured (``side_impacts``'s method), in one line.
TRIGGER_METHODS = {
    "drivers": "each side's effect with the other topics and sides held fixed",
    "alone": "a side's commenters against the rest (too few scored comments to hold the "
    "other topics fixed)",
}


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    chart_png: bytes | None = None
    data: dict[str, Any] = field(default_factory=dict)


def scoped(view: View, scope: Scope, start: datetime | None, end: datetime | None) -> View:
    return views.apply_filters(view, Filters.for_scope(scope, start, end))


def _quotes(view: View, topic_id: int, n: int = 3) -> list[str]:
    _, items = views.verbatims(view, topic_id, 0, 50)
    seen: list[str] = []
    for item in items:
        text = " ".join(str(item["comment"]).split())
        if text not in seen:
            seen.append(text if len(text) <= 220 else text[:219] + "…")
        if len(seen) == n:
            break
    return seen


def build_digest(
    config: Config,
    digest: DigestConfig,
    view: View,
    start: datetime,
    end: datetime,
    respondent: Callable[[object], str | None] = hidden,
) -> Rendered:
    """Content for ``[start, end)`` compared with the period of equal length before it.

    ``respondent`` turns a respondent id into what the digest may show (a pseudonym)."""
    previous = (start - (end - start), start)
    current = scoped(view, digest.scope, start, end)
    whole = scoped(view, digest.scope, None, None)
    change = compare_periods(
        whole.comments, whole.assignments, whole.topics, previous, (start, end), scale=whole.scale
    )
    overall = views.overall(current)
    base = config.delivery.public_url.rstrip("/")
    query = urlencode(
        {
            "before_start": f"{previous[0]:%Y-%m-%d}",
            "before_end": f"{start:%Y-%m-%d}",
            "after_start": f"{start:%Y-%m-%d}",
            "after_end": f"{end:%Y-%m-%d}",
        }
    )
    context: dict[str, Any] = {
        "digest": digest,
        "audience": digest.audience,
        "scope": digest.scope.describe(),
        "start": start,
        "end": end,
        "comments": len(current.comments),
        "overall": overall,
        "change": change.summary if change else None,
        "links": {"page": f"{base}/ui/", "changes": f"{base}/v1/changes?{query}"},
        "currency": config.value.currency,
    }
    chart: bytes | None = None
    if digest.audience == "executive":
        chart = _executive(config, context, current, change)
        by_side = compare_periods_by_side(
            whole.comments, whole.assignments, whole.topics, previous, (start, end), whole.scale
        )
        context["sides"] = [] if by_side is None else _side_movers(by_side.rows)
    elif digest.audience == "manager":
        chart = _manager(config, context, current, respondent)
    else:
        _frontline(context, current, respondent)
    metric = whole.scale.metric
    nps_text = "no scored comments" if overall is None else f"{metric} {overall.nps:+.0f}"
    subject = f"{digest.name}: {nps_text}, {start:%d %b}–{end:%d %b %Y} ({context['scope']})"
    return Rendered(
        subject=subject,
        text=render("digest.txt.j2", whole.scale, **context),
        html=render("digest.html.j2", whole.scale, **context, has_chart=chart is not None),
        chart_png=chart,
        data={
            "digest": digest.name,
            "audience": digest.audience,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "comments": len(current.comments),
            "nps": None if overall is None else round(overall.nps, 2),
            "delta": None if change is None else round(change.summary["delta"], 2),
        },
    )


def _side_movers(lines: pd.DataFrame) -> list[dict[str, Any]]:
    """The complaint and praise lines that moved NPS most (significant ones only)."""
    sides = lines[(lines["kind"] == "topic") & (lines["polarity"] != "neutral")]
    return [
        {"label": r.label, "total": r.total, "mix": r.mix, "rate": r.rate}
        for r in sides.head(MAX_SIDES).itertuples()
    ]


def _executive(config: Config, context: dict[str, Any], current: View, change: Any) -> bytes | None:
    movers: list[dict[str, Any]] = []
    emerging: list[str] = []
    rest: list[dict[str, Any]] = []
    if change is not None:
        # the what-changed lines: significant topics (with quotes), then the rest, so the lines
        # add up to the change; beyond MAX_TOPICS topics the smaller ones join "other topics"
        lines = change.rows
        topics = lines[lines["kind"] == "topic"]
        shown, folded = topics.head(MAX_TOPICS), topics.iloc[MAX_TOPICS:]
        for row in shown.itertuples():
            movers.append(
                {
                    "label": row.label,
                    "total": row.total,
                    "mix": row.mix,
                    "rate": row.rate,
                    "quotes": _quotes(current, int(row.topic_id)),
                }
            )
        for row in lines[lines["kind"] != "topic"].itertuples():
            extra = folded if row.kind == "other" else folded.iloc[0:0]
            rest.append(
                {
                    "label": row.label if extra.empty else f"Other topics: {len(extra)} more",
                    "total": row.total + float(extra["total"].sum()),
                    "mix": row.mix + float(extra["mix"].sum()),
                    "rate": row.rate + float(extra["rate"].sum()),
                }
            )
        emerging = [str(r.label) for r in change.topics.itertuples() if r.status == "emerging"]
    impacts = views.topic_overview(
        current, config.report.min_topic_volume_for_nps, config.value.economics()
    )
    at_stake = sorted(
        (r for r in impacts if r.value is not None and r.topic_id >= 0),
        key=lambda r: -abs(r.value or 0.0),
    )[:3]
    context |= {
        "movers": movers,
        "rest": rest,
        "baseline_explained": BASELINE_EXPLAINED,
        "emerging": emerging,
        "at_stake": at_stake,
    }
    if not movers and not rest:
        return None
    return bar_chart_png(
        [m["label"] for m in movers + rest],
        [m["total"] for m in movers + rest],
        f"Contribution to the {current.scale.metric} change (points)",
    )


def _manager(
    config: Config,
    context: dict[str, Any],
    current: View,
    respondent: Callable[[object], str | None],
) -> bytes | None:
    sides = side_impacts(current.comments, current.assignments, current.topics, current.scale)
    complaints = sides[(sides["polarity"] == "complaint") & (sides["impact"] < 0)]
    praise = sides[(sides["polarity"] == "praise") & (sides["impact"] > 0)]
    drags = [_trigger(r) for r in complaints.nsmallest(3, "impact").itertuples()]
    lifts = [_trigger(r) for r in praise.nlargest(3, "impact").itertuples()]
    agents = nps_table(current.comments, ["agent"], current.scale)
    agents = agents[agents["n"] >= 3].sort_values(["nps", "n"], ascending=False).head(3)
    groups = views.score_groups(current.comments["score"], current.scale)
    detractors = current.comments[(groups == "detractor").to_numpy()]
    detractors = detractors.sort_values("created_at", ascending=False).head(MAX_CALLBACKS)
    context |= {
        "drags": drags,
        "lifts": lifts,
        "triggers_method": TRIGGER_METHODS[str(sides["method"].iloc[0])] if len(sides) else None,
        "agents": [(str(r.agent), float(r.nps), int(r.n)) for r in agents.itertuples()],
        "callbacks": [_comment_row(r, respondent) for r in detractors.itertuples()],
    }
    shown = drags + lifts[::-1]
    if not shown:
        return None
    return bar_chart_png(
        [r["label"] for r in shown],
        [r["impact"] for r in shown],
        f"Impact on the team's {current.scale.metric} (points)",
    )


def _trigger(r: Any) -> dict[str, Any]:
    return {"label": r.label, "impact": float(r.impact), "comments": int(r.comments)}


def _frontline(
    context: dict[str, Any], current: View, respondent: Callable[[object], str | None]
) -> None:
    labels = {t.topic_id: t.label for t in current.topics}
    known = current.assignments[current.assignments["topic_id"].isin(labels)]
    known = known[known["topic_id"] >= 0]
    sides = known["sentiment"].map(POLARITY_OF_SENTIMENT)
    named = known["topic_id"].map(labels) + np.where(
        sides.isin(["complaint", "praise"]), " (" + sides.fillna("") + ")", ""
    )
    topics_of = named.groupby(known["comment_id"]).apply(lambda n: sorted(set(n))).to_dict()
    rows = current.comments.sort_values("created_at", ascending=False)
    context["customers"] = [
        _comment_row(r, respondent) | {"topics": topics_of.get(r.id, [])} for r in rows.itertuples()
    ]


def _comment_row(r: Any, respondent: Callable[[object], str | None]) -> dict[str, Any]:
    return {
        "id": r.id,
        "respondent": respondent(r.respondent_id),
        "score": None if pd.isna(r.score) else int(r.score),
        "when": None if pd.isna(r.created_at) else f"{r.created_at:%d %b %H:%M}",
        "text": r.text,
        "channel": r.channel,
    }
