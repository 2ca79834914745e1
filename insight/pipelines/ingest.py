"""Read survey/chat/social exports into canonical comments; every bad row becomes a reject.

Rows in = rows kept + rows rejected, always: a row is either a ``Comment`` or a ``Reject`` with a
reason a person can act on. Whole-file problems (missing file, unknown format, a mapped column that
is not there) raise ``IngestError`` before anything is stored.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from insight.config import CANONICAL_FIELDS, IngestConfig, SourceConfig
from insight.errors import IngestError
from insight.schemas import ATTRIBUTE_FIELDS, Comment, Reject

RAW_KEEP_CHARS = 10_000
# Read oversized fields whole so they are rejected with their real length, not a parser error.
csv.field_size_limit(2**31 - 1)
FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}


class RowError(ValueError):
    """A single row is invalid; the message becomes the reject reason."""


@dataclass(frozen=True)
class RawRow:
    """One record as read from a file, or a reason it could not even be parsed."""

    number: int
    values: dict[str, Any] | None
    raw: str
    parse_error: str | None = None


def detect_format(source: SourceConfig) -> str:
    if source.format != "auto":
        return source.format
    fmt = FORMATS.get(source.path.suffix.lower())
    if fmt is None:
        valid = ", ".join(sorted(FORMATS))
        raise IngestError(
            f"{source.path}: cannot tell the format from the extension; use one of {valid} "
            "or set format = 'csv' | 'jsonl' | 'parquet' for this source"
        )
    return fmt


def _has_surrogates(text: str) -> bool:
    """Bytes the source encoding could not decode (kept as escapes by ``surrogateescape``)."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _has_lone_surrogates(text: str) -> bool:
    """UTF-16 halves that are not text (e.g. a JSON ``"\\ud83d"`` without its pair)."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _has_controls(text: str) -> bool:
    """Line breaks, NUL and other control or bidi-override characters: never in an identifier."""
    return any(ch < " " or "\x7f" <= ch <= "\x9f" or "\u202a" <= ch <= "\u202e" for ch in text)


def _raw_text(values: dict[str, Any] | list[str]) -> str:
    """A row as ASCII JSON for the rejects table (undecodable bytes survive as escapes)."""
    raw = json.dumps(values, ensure_ascii=True, default=str)
    if len(raw) > RAW_KEEP_CHARS:
        return raw[:RAW_KEEP_CHARS] + f"… (truncated from {len(raw)} chars)"
    return raw


def _csv_rows(source: SourceConfig) -> tuple[list[str], Iterator[RawRow]]:
    handle = source.path.open("r", encoding=source.encoding, errors="surrogateescape", newline="")
    consumed: list[str] = []  # the physical lines behind the record just read

    def lines() -> Iterator[str]:
        for line in handle:
            consumed.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=source.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise IngestError(f"{source.path}: the file is empty (no header row)") from None
    except csv.Error as exc:
        handle.close()
        raise IngestError(f"{source.path}: cannot read the header row: {exc}") from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    line_no = len(consumed)
    consumed.clear()

    def one_line(line: str, number: int, at: int) -> RawRow:
        """A line read on its own (after a stray quote swallowed the lines behind it)."""
        try:
            fields = next(csv.reader([line], delimiter=source.delimiter), [])
        except csv.Error as exc:
            return RawRow(number, None, _raw_text([line]), f"malformed CSV at line {at}: {exc}")
        if len(fields) != len(header):
            reason = (
                f"malformed quoting at line {at}: {len(fields)} fields, header has {len(header)}"
            )
            return RawRow(number, None, _raw_text([line]), reason)
        return RawRow(number, dict(zip(header, fields, strict=True)), "")

    def rows() -> Iterator[RawRow]:
        nonlocal line_no
        number = 0
        with handle:
            while True:
                error = None
                try:
                    fields: list[str] | None = next(reader)
                except StopIteration:
                    fields = None
                    if not consumed:
                        return
                    error = "unexpected end of file inside a quoted field"
                except csv.Error as exc:
                    fields, error = None, str(exc)
                span, first = consumed[:], line_no + 1
                line_no += len(span)
                consumed.clear()
                if fields is not None and not fields:
                    continue  # blank line: not a record
                if len(span) > 1 and (fields is None or len(fields) != len(header)):
                    # an unbalanced quote ran on over several lines: read each line on its own,
                    # so the rows behind it are kept or rejected one by one, never swallowed
                    for offset, line in enumerate(span):
                        if line.strip():
                            number += 1
                            yield one_line(line, number, first + offset)
                    continue
                number += 1
                if fields is None:
                    yield RawRow(
                        number, None, _raw_text(span), f"malformed CSV at line {first}: {error}"
                    )
                elif len(fields) != len(header):
                    yield RawRow(
                        number,
                        None,
                        _raw_text(fields),
                        f"row has {len(fields)} fields, header has {len(header)}",
                    )
                else:
                    yield RawRow(number, dict(zip(header, fields, strict=True)), "")

    return header, rows()


def _jsonl_rows(source: SourceConfig) -> tuple[None, Iterator[RawRow]]:
    def rows() -> Iterator[RawRow]:
        with source.path.open("rb") as handle:
            number = 0
            for line in handle:
                if not line.strip():
                    continue
                number += 1
                text = line.decode(source.encoding, errors="surrogateescape")
                try:
                    value = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield RawRow(number, None, _raw_text([text]), f"invalid JSON: {exc.msg}")
                    continue
                if not isinstance(value, dict):
                    yield RawRow(number, None, _raw_text([text]), "JSON line is not an object")
                    continue
                yield RawRow(number, value, "")

    return None, rows()


def _parquet_rows(source: SourceConfig, chunk_rows: int) -> tuple[list[str], Iterator[RawRow]]:
    try:
        file = pq.ParquetFile(source.path)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise IngestError(f"{source.path}: not a readable Parquet file: {exc}") from None
    header = list(file.schema_arrow.names)

    def rows() -> Iterator[RawRow]:
        number = 0
        for batch in file.iter_batches(batch_size=chunk_rows):
            for record in batch.to_pylist():
                number += 1
                yield RawRow(number, record, "")

    return header, rows()


def resolve_columns(source: SourceConfig, header: list[str] | None) -> dict[str, str]:
    """Canonical field -> column name. Explicit mappings must exist; others are found by name."""
    explicit = source.columns.explicit()
    if header is None:  # JSONL: keys are checked per record
        return {f: explicit.get(f, f) for f in CANONICAL_FIELDS}
    missing = {f: c for f, c in explicit.items() if c not in header}
    if missing:
        wanted = ", ".join(f"{f} -> {c!r}" for f, c in missing.items())
        raise IngestError(
            f"{source.path}: mapped column(s) not found: {wanted}. "
            f"Columns in the file: {', '.join(header)}. Fix [sources.columns] in the config."
        )
    mapping = {f: explicit.get(f, f) for f in CANONICAL_FIELDS}
    mapping = {f: c for f, c in mapping.items() if c in header}
    if "text" not in mapping:
        raise IngestError(
            f"{source.path}: no text column. Columns in the file: {', '.join(header)}. "
            "Map one with columns.text = '<column>' (CLI: --text-column)."
        )
    return mapping


def parse_score(value: Any, cfg: IngestConfig) -> int | None:
    """A whole number within [score_min, score_max], or None when blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        value = value.strip()
        if value == "" or value.lower() in {"na", "n/a", "null", "none"}:
            return None
        if not value.isascii():  # float() would read "٧" as 7
            raise RowError(f"score {value!r} is not written in ASCII digits")
        try:
            number = float(value)
        except ValueError:
            raise RowError(f"score {value!r} is not a number") from None
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError(f"score {value!r} is not a number")
    else:
        number = float(value)
    if not math.isfinite(number) or number != int(number):
        raise RowError(f"score {value!r} is not a whole number")
    score = int(number)
    low, high = cfg.score_bounds()
    if not low <= score <= high:
        raise RowError(f"score {score} is outside {low}–{high}")
    return score


#: 03/04/2026, 3-4-26, 03.04.2026: day and month cannot be told apart without a format.
AMBIGUOUS_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\b")


def parse_timestamp(
    value: Any, date_format: str | None = None, max_future_days: float | None = 1.0
) -> datetime | None:
    """A timestamp as naive UTC, or None when blank.

    Rejected: words ("now"), day/month-ambiguous dates without a ``date_format``, and dates more
    than ``max_future_days`` ahead of now.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        if isinstance(value, str) and date_format:
            stamp = pd.Timestamp(datetime.strptime(value.strip(), date_format))
        else:
            if isinstance(value, str):
                _check_date_text(value)
            stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        hint = "" if date_format else " (set the source's date_format, e.g. '%d-%m-%Y %H.%M')"
        detail = f": {exc}" if isinstance(exc, RowError) else ""
        raise RowError(f"created_at {value!r} is not a date/time{detail}{hint}") from None
    if stamp is pd.NaT:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(UTC).tz_localize(None)
    result: datetime = stamp.to_pydatetime()
    if max_future_days is not None:
        latest = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=max_future_days)
        if result > latest:
            raise RowError(f"created_at {value!r} is in the future")
    return result


def _check_date_text(text: str) -> None:
    if not any(ch.isdigit() for ch in text):
        raise RowError("a word, not a date")
    found = AMBIGUOUS_DATE.match(text)
    if found and found.group(1) != found.group(2) and max(map(int, found.groups())) <= 12:
        raise RowError("day and month are ambiguous")


def _optional_str(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def to_comment(
    values: dict[str, Any],
    columns: dict[str, str],
    source: SourceConfig,
    number: int,
    cfg: IngestConfig,
) -> Comment:
    """Validate one record; raise ``RowError`` with the reason when it cannot be kept."""
    text_col = columns["text"]
    if text_col not in values:
        raise RowError(f"missing field {text_col!r}")
    raw_text = values[text_col]
    text = "" if raw_text is None else str(raw_text)
    if _has_surrogates(text):
        raise RowError(
            f"text is not valid {source.encoding} (undecodable bytes); "
            "set the source's encoding (e.g. encoding = 'cp1252') if the file is not UTF-8"
        )
    if _has_lone_surrogates(text):
        raise RowError("text contains a lone UTF-16 surrogate (not a character)")
    if not text.strip():
        raise RowError("empty text")
    if len(text) > cfg.max_text_chars:
        raise RowError(f"text too long: {len(text)} chars > max_text_chars {cfg.max_text_chars}")

    def get(field: str) -> Any:
        column = columns.get(field)
        return values.get(column) if column else None

    for field in ("id", *ATTRIBUTE_FIELDS):
        value = get(field)
        if isinstance(value, str) and _has_surrogates(value):
            raise RowError(f"{field} is not valid {source.encoding} (undecodable bytes)")
        if isinstance(value, str) and (_has_lone_surrogates(value) or _has_controls(value)):
            raise RowError(f"{field} contains control characters, line breaks or surrogates")
    comment_id = _optional_str(get("id")) or f"{source.source_name}:{number}"
    return Comment(
        id=comment_id,
        text=text,
        source=source.source_name,
        channel=_optional_str(get("channel")) or source.channel or source.source_name,
        touchpoint=_optional_str(get("touchpoint")),
        created_at=parse_timestamp(get("created_at"), source.date_format, cfg.max_future_days),
        respondent_id=_optional_str(get("respondent_id")),
        score=parse_score(get("score"), cfg),
        team=_optional_str(get("team")),
        agent=_optional_str(get("agent")),
        segment=_optional_str(get("segment")),
    )


def validate_rows(
    rows: Iterable[RawRow], columns: dict[str, str], source: SourceConfig, cfg: IngestConfig
) -> Iterator[Comment | Reject]:
    """A ``Comment`` or a ``Reject`` per raw row, in order; repeated ids are rejected."""
    seen: dict[str, int] = {}
    for row in rows:
        if row.values is None:
            yield Reject(
                source.source_name, row.number, row.parse_error or "unreadable row", row.raw
            )
            continue
        try:
            comment = to_comment(row.values, columns, source, row.number, cfg)
            if comment.id in seen:
                raise RowError(f"duplicate id {comment.id!r} (first at row {seen[comment.id]})")
        except RowError as exc:
            yield Reject(source.source_name, row.number, str(exc), _raw_text(row.values))
            continue
        seen[comment.id] = row.number
        yield comment


def read_source(source: SourceConfig, cfg: IngestConfig) -> Iterator[Comment | Reject]:
    """Yield a ``Comment`` or a ``Reject`` for every record of one file, in file order."""
    if not source.path.exists():
        raise IngestError(f"input file not found: {source.path}")
    fmt = detect_format(source)
    header: list[str] | None
    rows: Iterator[RawRow]
    if fmt == "csv":
        header, rows = _csv_rows(source)
    elif fmt == "jsonl":
        header, rows = _jsonl_rows(source)
    else:
        header, rows = _parquet_rows(source, cfg.chunk_rows)
    yield from validate_rows(rows, resolve_columns(source, header), source, cfg)


def read_records(
    records: Sequence[dict[str, Any]], source: SourceConfig, cfg: IngestConfig
) -> Iterator[Comment | Reject]:
    """Validate in-memory records (e.g. an API request); row numbers are 0-based indexes."""
    rows = (RawRow(i, dict(r), "") for i, r in enumerate(records))
    yield from validate_rows(rows, resolve_columns(source, None), source, cfg)
