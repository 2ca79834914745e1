"""Request and response bodies (the OpenAPI contract)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from insight.taxonomy.edits import MAX_PARTS, MIN_PARTS

Short = Field(default=None, max_length=200)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommentIn(_In):
    id: str | None = Field(default=None, max_length=200, description="Generated when absent.")
    text: str = Field(description="The comment; PII is redacted before anything is returned.")
    score: int | float | str | None = Field(default=None, description="0–10 advocacy score.")
    created_at: str | None = Field(default=None, max_length=64, description="ISO date/time.")
    channel: str | None = Short
    touchpoint: str | None = Short
    respondent_id: str | None = Short
    team: str | None = Short
    agent: str | None = Short
    segment: str | None = Short


class TagRequest(_In):
    comments: list[CommentIn] = Field(min_length=1, description="One or many comments.")
    store: bool = Field(default=False, description="Also store them (like an ingest).")


class MentionOut(BaseModel):
    text: str
    start: int
    end: int
    topic_id: int
    topic_label: str
    confidence: float
    subtopic_id: int | None = Field(
        None, description="The fitted model's subtopic (under the topic; edits apply to topics)."
    )
    subtopic_label: str | None = None
    sentiment: str
    p_positive: float = Field(description="Expected polarity 0..1: P(positive) + ½·P(neutral).")
    emotion: str | None = Field(
        None,
        description="anger, annoyance, disappointment, confusion, worry, gratitude, joy "
        "or none (null when the sentiment model has no emotion head).",
    )


class TaggedComment(BaseModel):
    id: str
    text: str
    score: int | None
    sentiment: str
    p_positive: float
    mixed: bool
    mentions: list[MentionOut]


class RejectedComment(BaseModel):
    index: int | None = Field(description="Position in the request (None: rejected at storage).")
    reason: str


class TagResponse(BaseModel):
    model_id: str
    received: int
    kept: int
    rejected: int
    stored: bool
    comments: list[TaggedComment]
    rejects: list[RejectedComment]


class NPSOut(BaseModel):
    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float
    ci_low: float
    ci_high: float


class PolarSide(BaseModel):
    """One side of a topic (its complaints or its praise) as a driver of advocacy."""

    comments: int
    effect: float = Field(description="NPS points, everything else the comment raises held fixed.")
    ci: tuple[float, float]
    q: float | None
    impact: float = Field(description="Share of comments with this side × effect.")
    value: float | None = Field(
        None, description="Money at stake on this side ([value] economics), as for a topic."
    )


class TopicOut(BaseModel):
    topic_id: int
    label: str
    parent: int | None = Field(None, description="A subtopic's theme (level=subtopic).")
    keywords: list[str]
    quotes: list[str]
    pinned: bool
    comments: int
    share: float
    nps: NPSOut | None
    impact: float | None
    impact_ci: tuple[float, float] | None
    low_volume: bool
    negative_share: float | None
    value: float | None
    complaints: PolarSide | None = None
    praise: PolarSide | None = None
    emotions: dict[str, float] = Field(
        default_factory=dict,
        description="Share of the topic's mentions carrying each emotion (anger, annoyance, "
        "disappointment, confusion, worry, gratitude, joy), largest first; none left out.",
    )


class TopicsResponse(BaseModel):
    model_id: str
    metric: str = Field(
        default="NPS",
        description="What every nps figure is: NPS, or Score index under [scale] measure = mean "
        "(100 × the mean score placed on −1…+1).",
    )
    comments: int
    coverage: float = Field(description="Share of comments with at least one topic.")
    overall: NPSOut | None
    topics: list[TopicOut]


class VerbatimOut(BaseModel):
    comment_id: str
    mention: str
    comment: str
    score: int | None
    created_at: str | None
    channel: str | None
    segment: str | None
    sentiment: str | None


class TopicDetail(BaseModel):
    topic: TopicOut
    sentiment: dict[str, int]
    total: int
    offset: int
    limit: int
    verbatims: list[VerbatimOut]


class SubtopicOut(BaseModel):
    label: str
    keywords: list[str]
    quotes: list[str]
    mentions: int
    comments: int
    share: float
    nps: NPSOut | None
    negative_share: float


class SubtopicsResponse(BaseModel):
    topic_id: int
    label: str
    mentions: int
    parts: list[SubtopicOut]


class ChangeRow(BaseModel):
    topic_id: int
    polarity: Literal["complaint", "praise", "neutral"] | None = None
    label: str
    share_before: float
    share_after: float
    nps_before: float | None
    nps_after: float | None
    mix: float
    rate: float
    total: float
    q_nps_change: float | None
    q_share_change: float | None
    status: str


class ChangeLine(BaseModel):
    """A row of the what-changed table; the lines' totals add up to ``delta``."""

    kind: Literal["topic", "other", "no_topic", "baseline"]
    topic_id: int | None
    polarity: Literal["complaint", "praise", "neutral"] | None = Field(
        None, description="With by=polarity: which side of the topic this line is."
    )
    label: str
    mix: float
    rate: float
    total: float
    status: str | None


class ChangesResponse(BaseModel):
    before: str
    after: str
    nps_before: float
    nps_after: float
    delta: float
    delta_ci: tuple[float, float]
    p: float
    baseline: float
    baseline_explained: str
    lines: list[ChangeLine] = Field(
        description="Significant topics, other topics, comments with no topic, baseline: "
        "they add up to delta."
    )
    topics: list[ChangeRow]


class DriverRow(BaseModel):
    topic_id: int
    label: str
    effect: float
    ci_low: float
    ci_high: float
    q: float | None
    importance: float | None


class PolarDriverRow(BaseModel):
    topic_id: int
    label: str
    polarity: Literal["complaint", "praise", "neutral"]
    comments: int
    effect: float
    ci_low: float
    ci_high: float
    q: float | None
    impact: float


class DriversResponse(BaseModel):
    model_id: str
    drivers: list[DriverRow] = Field(description="Plain mention drivers (any polarity).")
    by_polarity: list[PolarDriverRow] = Field(
        description="Complaints and praise of each topic as separate drivers, each net of "
        "every other side a comment raises."
    )


class SummaryResponse(BaseModel):
    model_id: str
    metric: str = Field(
        default="NPS",
        description="What every nps figure is: NPS, or Score index under [scale] measure = mean "
        "(100 × the mean score placed on −1…+1).",
    )
    comments: int
    coverage: float = Field(description="Share of comments with at least one topic.")
    scored: int
    overall: NPSOut | None
    topics: int
    biggest_drags: list[TopicOut]
    biggest_boosts: list[TopicOut]


class RenameIn(_In):
    label: str = Field(min_length=1, max_length=120)


class PinIn(_In):
    pinned: bool = True


class MergeIn(_In):
    topic_ids: list[int] = Field(min_length=2, max_length=50)
    label: str | None = Field(default=None, min_length=1, max_length=120)


class SplitIn(_In):
    parts: int = Field(default=2, ge=MIN_PARTS, le=MAX_PARTS)
    labels: list[str] | None = Field(default=None, max_length=MAX_PARTS)


class EditOut(BaseModel):
    edit_id: int
    kind: str
    author: str
    created_at: str
    summary: str


class TaxonomyResponse(BaseModel):
    model_id: str
    edits: list[EditOut]
    problems: list[dict[str, str | int]]


class KeyIn(_In):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["tool", "analyst", "executive", "admin"]
    expires_in_days: float | None = Field(
        default=None, gt=0, le=3650, description="Refuse the key after this many days."
    )


class KeyCreated(BaseModel):
    key_id: str
    name: str
    role: str
    key: str = Field(description="Shown once; only its hash is stored.")


class KeyOut(BaseModel):
    key_id: str
    name: str
    role: str
    created_at: str
    created_by: str | None = None
    expires_at: str | None = None
    last_used_at: str | None = None
    revoked: bool


class DeliveryOut(BaseModel):
    delivery_id: str
    rule: str
    period_key: str
    channel: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    created_at: str
    sent_at: str | None
    next_attempt_at: str | None
