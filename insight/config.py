"""Validated configuration: one file (TOML or YAML) is the source of truth for a run.

``load_config(path, overrides)`` reads the file, applies dotted overrides
(``{"topics.min_topic_size": 20}``) and validates everything up front, so a bad value or an
unknown component name fails at start with a message that lists the valid choices.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from insight.analytics.value import AdvocacyValue
from insight.errors import ConfigError
from insight.models.topic_params import TopicParams
from insight.privacy.redactor import REDACT_KINDS, RedactKind
from insight.registry import check_name
from insight.scale_config import ScaleConfig
from insight.schemas import INPUT_FIELDS


def _component(kind: str, name: str) -> str:
    """Validate a component name inside pydantic (which reports ValueError with its location)."""
    try:
        return check_name(kind, name)
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


CANONICAL_FIELDS = INPUT_FIELDS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnMap(_Strict):
    """Which input column holds each canonical field.

    A field left unset is looked up under its canonical name and may be absent (except ``text``);
    a field set explicitly must exist in the file, so a typo fails loudly instead of losing data.
    """

    id: str | None = None
    text: str | None = None
    score: str | None = None
    created_at: str | None = None
    channel: str | None = None
    touchpoint: str | None = None
    respondent_id: str | None = None
    team: str | None = None
    agent: str | None = None
    segment: str | None = None

    def explicit(self) -> dict[str, str]:
        """Fields the user mapped explicitly: canonical name -> column name."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class SourceConfig(_Strict):
    """One input file (survey export, chat log, social feed)."""

    path: Path
    format: Literal["auto", "csv", "jsonl", "parquet"] = "auto"
    name: str | None = Field(default=None, description="Source name; defaults to the file stem.")
    channel: str | None = Field(default=None, description="Channel when the file has no column.")
    encoding: str = "utf-8"
    delimiter: str = ","
    date_format: str | None = Field(
        default=None,
        description="strptime format of the date column (e.g. '%d-%m-%Y %H.%M'); without it, "
        "ISO and unambiguous dates are read and 03/04/2026-style dates are rejected.",
    )
    columns: ColumnMap = ColumnMap()

    @property
    def source_name(self) -> str:
        return self.name or self.path.stem


class IngestConfig(_Strict):
    max_text_chars: int = Field(default=5000, ge=10, le=1_000_000)
    score_min: int | None = Field(default=None, description="Default: the scale's minimum.")
    score_max: int | None = Field(default=None, description="Default: the scale's maximum.")
    chunk_rows: int = Field(default=50_000, ge=1)
    max_future_days: float = Field(
        default=1.0, ge=0.0, description="Dates later than now plus this many days are rejected."
    )

    @model_validator(mode="after")
    def _range(self) -> IngestConfig:
        if (
            self.score_min is not None
            and self.score_max is not None
            and self.score_min >= self.score_max
        ):
            raise ValueError(f"score_min ({self.score_min}) must be below score_max")
        return self

    def score_bounds(self) -> tuple[int, int]:
        """(lowest, highest) score accepted: as set, else the NPS range (a ``Config`` fills
        both from its ``[scale]``)."""
        low = 0 if self.score_min is None else self.score_min
        return low, 10 if self.score_max is None else self.score_max


class CleanConfig(_Strict):
    redact: tuple[RedactKind, ...] = Field(
        default=REDACT_KINDS, description="Kinds of personal data replaced before storage."
    )
    patterns: dict[str, str] = Field(
        default_factory=dict,
        description="Extra identifiers to redact: placeholder label -> regular expression "
        '(e.g. MEMBER = "\\bM\\d{8}\\b" writes [MEMBER]).',
    )

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: dict[str, str]) -> dict[str, str]:
        for label, regex in value.items():
            if not re.fullmatch(r"[A-Za-z][A-Za-z_]*", label):
                raise ValueError(f"pattern label {label!r}: letters and underscores only")
            try:
                re.compile(regex)
            except re.error as error:
                raise ValueError(f"pattern {label!r} is not a valid regex: {error}") from None
        return value

    dedupe: bool = Field(default=True, description="Reject repeats of (respondent, text).")


class SegmentConfig(_Strict):
    component: str = "insight.clauses.v1"
    min_clause_words: int = Field(default=3, ge=1)
    batch_size: int = Field(default=256, ge=1)

    @field_validator("component")
    @classmethod
    def _known(cls, value: str) -> str:
        return _component("segmenter", value)


class EmbedConfig(_Strict):
    component: str = "insight.minilm.v1"
    device: Literal["cpu", "cuda", "mps", "auto"] = "cpu"
    batch_size: int = Field(default=64, ge=1, description="Rows per batch on a CPU.")
    precision: Literal["auto", "fp32", "bf16", "fp16"] = Field(
        default="auto",
        description="insight.minilm.v1 only: auto = bf16 on a GPU, fp32 elsewhere; half-precision "
        "vectors are cached apart from fp32 ones.",
    )
    cache: bool = True

    @field_validator("component")
    @classmethod
    def _known(cls, value: str) -> str:
        return _component("embedder", value)

    @model_validator(mode="after")
    def _precision_applies(self) -> EmbedConfig:
        if self.precision != "auto" and self.component != "insight.minilm.v1":
            raise ValueError(
                f"embed.precision applies to insight.minilm.v1 only; {self.component} sets its "
                "own precision (leave embed.precision = 'auto')"
            )
        return self


class TopicsConfig(TopicParams):
    """``[topics]``: the estimator's parameters (``TopicParams``) plus how the fit runs."""

    component: str = "insight.bertopic.v1"
    fit_sample: int = Field(
        default=60_000,
        ge=100,
        description="Fit on at most this many mentions (seeded sample); the rest are assigned by "
        "the saved model's tagger, in chunks, so time and memory stay bounded at millions.",
    )
    assign_chunk: int = Field(default=20_000, ge=100, description="Mentions per assignment chunk.")

    @field_validator("component")
    @classmethod
    def _known(cls, value: str) -> str:
        return _component("topic_model", value)

    def estimator_params(self) -> dict[str, Any]:
        """The ``TopicParams`` part, for building an estimator."""
        return self.model_dump(include=set(TopicParams.model_fields))


class SentimentConfig(_Strict):
    component: str = "insight.sentiment_head.v1"
    head_path: Path | None = Field(
        default=None, description="A head from `insight train-sentiment`; default: the bundled one."
    )

    @field_validator("component")
    @classmethod
    def _known(cls, value: str) -> str:
        return _component("sentiment", value)


class ReportConfig(_Strict):
    out_dir: Path = Path("reports")
    min_topic_volume_for_nps: int = Field(default=30, ge=1)
    period_boundary: date | None = Field(
        default=None, description="Compare comments before this date with those from it on."
    )


class ValueConfig(_Strict):
    """Economics of advocacy for the money view; all zero (the default) leaves it out."""

    value_per_promoter: float = Field(default=0.0, ge=0.0)
    cost_per_detractor: float = Field(default=0.0, ge=0.0)
    customers: int = Field(default=0, ge=0, description="Customer base the sample represents.")
    currency: str = "£"

    @property
    def enabled(self) -> bool:
        return self.customers > 0 and (self.value_per_promoter > 0 or self.cost_per_detractor > 0)

    def economics(self) -> AdvocacyValue | None:
        """The money model for reports, digests and the API; None when not configured."""
        if not self.enabled:
            return None
        return AdvocacyValue(self.value_per_promoter, self.cost_per_detractor, self.customers)


class Scope(_Strict):
    """Which comments a digest or an alert looks at (all unset = everything)."""

    team: str | None = None
    agent: str | None = None
    segment: str | None = None
    channel: str | None = None

    def describe(self) -> str:
        """How messages name the scope: "team North, agent Emily" or "all comments"."""
        parts = [f"{k} {v}" for k, v in self.model_dump().items() if v]
        return ", ".join(parts) or "all comments"


class Recipient(_Strict):
    """Where a message goes: ``email`` (SMTP), ``webhook`` (Slack-compatible JSON) or ``file``."""

    channel: Literal["email", "webhook", "file"] = "email"
    to: tuple[str, ...] = Field(default=(), description="Email addresses (channel = email).")
    url: str | None = Field(default=None, description="Webhook URL (channel = webhook).")
    folder: Path | None = Field(default=None, description="Output folder (channel = file).")

    @model_validator(mode="after")
    def _target(self) -> Recipient:
        if self.channel == "email" and not all("@" in a for a in self.to or ("",)):
            raise ValueError("channel 'email' needs `to` with at least one address")
        if self.channel == "webhook" and not (self.url or "").startswith(("http://", "https://")):
            raise ValueError("channel 'webhook' needs `url` starting with http:// or https://")
        if self.channel == "file" and self.folder is None:
            raise ValueError("channel 'file' needs `folder`")
        return self


SCHEDULES = {"daily": "0 7 * * *", "weekly": "0 7 * * mon", "monthly": "0 7 1 * *"}


class DigestConfig(_Strict):
    """A scheduled digest: who it is for, when, which comments, where it goes."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    audience: Literal["executive", "manager", "frontline"]
    schedule: str = Field(
        default="weekly",
        description="daily | weekly | monthly or a 5-field cron (minute hour day month weekday); "
        "each run covers the time since the previous scheduled run.",
    )
    scope: Scope = Scope()
    recipient: Recipient
    level: Literal["theme", "subtopic"] = Field(
        default="theme", description="Name topics (theme) or the subtopics under them."
    )

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(SCHEDULES.get(value, value), timezone="UTC")
        except ValueError as exc:
            raise ValueError(
                f"schedule {value!r}: {exc}; use daily, weekly, monthly or cron"
            ) from None
        return value

    @property
    def cron(self) -> str:
        return SCHEDULES.get(self.schedule, self.schedule)


class AlertConfig(_Strict):
    """A real-time alert, checked right after every ingest (deduplicated)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    kind: Literal["new_detractor", "nps_below", "emerging_topic"]
    scope: Scope = Scope()
    threshold: float | None = Field(
        default=None,
        description="new_detractor: score at or below (default: the scale's detractor_max); "
        "nps_below: NPS under this (default 6).",
    )
    window_days: int = Field(default=7, ge=1, le=366)
    min_comments: int = Field(default=20, ge=1, description="nps_below: scored comments needed.")
    max_age_days: float = Field(
        default=2.0,
        gt=0,
        description="new_detractor: ignore comments dated longer ago (a backfill is not news).",
    )
    recipient: Recipient


class DeliveryConfig(_Strict):
    """SMTP server and retry policy. The SMTP password comes from an environment variable."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password_env: str = Field(
        default="INSIGHT_SMTP_PASSWORD", description="Name of the variable holding the password."
    )
    sender: str = "insight@localhost"
    timeout_s: float = Field(default=10.0, gt=0)
    max_attempts: int = Field(default=6, ge=1, le=50)
    backoff_s: float = Field(
        default=30.0, ge=0, description="First retry delay; doubles each time."
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="Base URL for links into the page and API."
    )
    tick_s: float = Field(default=20.0, gt=0, description="How often the scheduler checks.")


class Config(_Strict):
    """The whole run: where data lives, which inputs to read, how each stage behaves."""

    db_path: Path = Path("insight.duckdb")
    artifacts_dir: Path = Path("artifacts")
    seed: int = 42
    sources: tuple[SourceConfig, ...] = ()
    ingest: IngestConfig = IngestConfig()
    scale: ScaleConfig = ScaleConfig()
    clean: CleanConfig = CleanConfig()
    segment: SegmentConfig = SegmentConfig()
    embed: EmbedConfig = EmbedConfig()
    topics: TopicsConfig = TopicsConfig()
    sentiment: SentimentConfig = SentimentConfig()
    report: ReportConfig = ReportConfig()
    value: ValueConfig = ValueConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    digests: tuple[DigestConfig, ...] = ()
    alerts: tuple[AlertConfig, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _scores_follow_the_scale(cls, data: Any) -> Any:
        """Ingest accepts the scale's range unless ``[ingest]`` sets its own bounds."""
        if not isinstance(data, dict):
            return data
        scale = ScaleConfig.model_validate(data.get("scale") or {}).scale()
        raw = data.get("ingest") or {}
        ingest = dict(raw.model_dump() if isinstance(raw, IngestConfig) else raw)
        for bound, value in (("score_min", scale.minimum), ("score_max", scale.maximum)):
            ingest[bound] = value if ingest.get(bound) is None else ingest[bound]
        return {**data, "ingest": ingest}

    @model_validator(mode="after")
    def _value_needs_groups(self) -> Config:
        if self.scale.measure == "mean" and self.value.enabled:
            raise ValueError(
                '[value] counts promoters and detractors; [scale] measure = "mean" has no '
                'such figure: set measure = "net" or leave [value] out'
            )
        return self

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        names = [d.name for d in self.digests] + [a.name for a in self.alerts]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"digest/alert names must be unique; repeated: {repeated}")
        return self


def _read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif path.suffix in {".yaml", ".yml"}:
            data = yaml.safe_load(text) or {}
        else:
            raise ConfigError(f"config {path}: use a .toml, .yaml or .yml file")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"config {path} is not valid {path.suffix[1:].upper()}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"config {path} must hold a table/mapping at the top level")
    return data


def _resolve_paths(data: dict[str, Any], base: Path) -> None:
    """Make relative paths in the file relative to the file's folder, not the working dir."""

    def join(value: object) -> str:
        return os.path.normpath(base / str(value))

    for key in ("db_path", "artifacts_dir"):
        if key in data:
            data[key] = join(data[key])
    for source in data.get("sources", []) or []:
        if isinstance(source, dict) and "path" in source:
            source["path"] = join(source["path"])
    report = data.get("report")
    if isinstance(report, dict) and "out_dir" in report:
        report["out_dir"] = join(report["out_dir"])
    for rule in [*(data.get("digests") or []), *(data.get("alerts") or [])]:
        recipient = rule.get("recipient") if isinstance(rule, dict) else None
        if isinstance(recipient, dict) and "folder" in recipient:
            recipient["folder"] = join(recipient["folder"])


def _apply_override(data: dict[str, Any], dotted: str, value: Any) -> None:
    node = data
    *parents, leaf = dotted.split(".")
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"override {dotted!r}: {part!r} is not a section")
        node = child
    node[leaf] = value


def _format_validation(exc: ValidationError, origin: str) -> str:
    lines = [f"invalid config ({origin}):"]
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  {where}: {err['msg']}")
    return "\n".join(lines)


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Read, override and validate a config; ``path=None`` gives the built-in defaults."""
    data: dict[str, Any] = {}
    origin = "defaults"
    if path is not None:
        file = Path(path)
        data = _read_file(file)
        _resolve_paths(data, file.resolve().parent)
        origin = str(file)
    for dotted, value in (overrides or {}).items():
        _apply_override(data, dotted, value)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation(exc, origin)) from None
    except ConfigError as exc:
        raise ConfigError(f"invalid config ({origin}): {exc}") from None
