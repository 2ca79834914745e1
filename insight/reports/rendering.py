"""The one Jinja environment for reports, digests and alerts: it escapes HTML and nothing else.

Templates are named ``<name>.<format>.j2``; only ``.html.j2`` output is escaped, so Markdown
and plain text keep apostrophes and ampersands as written ("Won't be ordering again").
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from insight.analytics.scales import NPS_SCALE, AdvocacyScale


def _signed(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:+.{digits}f}"


def _num(value: float | None, digits: int = 1) -> str:
    """Signed with ``digits`` decimals, or a plain whole number when ``digits`` is 0."""
    if value is None:
        return "–"
    return f"{value:+.{digits}f}" if digits else f"{value:.0f}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("insight.reports", "templates"),
        autoescape=select_autoescape(["html.j2"], default=False, default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    env.filters["pct"] = lambda v: f"{100 * v:.1f}%"
    env.filters["emotions"] = emotion_line
    env.filters["signed"] = _signed
    env.filters["money"] = lambda v: "–" if v is None else f"{abs(v):,.0f}"
    return env


def render(template: str, scale: AdvocacyScale = NPS_SCALE, **context: Any) -> str:
    """Render ``template`` (e.g. ``report.md.j2``) from the package's templates; ``metric`` names
    the headline figure of ``scale`` ("NPS", or "Score index" for a mean score)."""
    return environment().get_template(template).render(metric=scale.metric, scale=scale, **context)


def emotion_line(shares: dict[str, float] | None, most: int = 2, floor: float = 0.05) -> str:
    """The topic's leading emotions: "anger 41% · annoyance 12%" (each at least ``floor``)."""
    top = [(e, v) for e, v in (shares or {}).items() if v >= floor][:most]
    return " · ".join(f"{e} {100 * v:.0f}%" for e, v in top) or "–"
