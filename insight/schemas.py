"""Domain records that flow between stages (plain dataclasses: cheap, typed, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime


@dataclass(slots=True)
class Comment:
    """One customer comment in canonical form; ``text`` is already PII-redacted once cleaned."""

    id: str
    text: str
    source: str
    channel: str | None = None
    touchpoint: str | None = None
    created_at: datetime | None = None
    respondent_id: str | None = None
    score: int | None = None
    team: str | None = None
    agent: str | None = None
    segment: str | None = None


#: A comment's fields in storage order (the ``comments`` table adds ``run_id``).
COMMENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Comment))
#: The fields an input column can be mapped to (``source`` comes from the source, not a column).
INPUT_FIELDS: tuple[str, ...] = tuple(f for f in COMMENT_FIELDS if f != "source")
#: Optional free-text attributes of a comment (validated and stored as given).
ATTRIBUTE_FIELDS = ("channel", "touchpoint", "respondent_id", "team", "agent", "segment")
#: The label of mentions no topic claims, wherever topics are listed.
UNASSIGNED_LABEL = "Unassigned (outliers)"


@dataclass(slots=True, frozen=True)
class Reject:
    """A row that could not be kept, with the reason and the raw row (for the rejects table)."""

    source: str
    row_number: int
    reason: str
    raw: str


@dataclass(slots=True)
class Mention:
    """A clause of a comment: the unit that is embedded and topic-tagged (later: sentiment)."""

    id: str
    comment_id: str
    position: int
    text: str
    start: int
    end: int


@dataclass(slots=True)
class Topic:
    """A fitted topic with the text an analyst reads."""

    topic_id: int
    label: str
    keywords: list[str]
    size: int
    quotes: list[str] = field(default_factory=list)
    parent: int | None = None  # a subtopic's theme (None on a theme)


@dataclass(slots=True, frozen=True)
class NPSStat:
    """NPS (or a score index) of a group with its counts, a 95% confidence interval and the
    standard error it came from."""

    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float
    ci_low: float
    ci_high: float
    se: float


@dataclass(slots=True, frozen=True)
class TopicImpact:
    """Per-topic volume and advocacy: what the report ranks."""

    topic_id: int
    label: str
    comments: int
    share: float
    stat: NPSStat | None
    impact: float | None
    impact_ci: tuple[float, float] | None
    low_volume: bool
    value: float | None = None
    negative_share: float | None = None
