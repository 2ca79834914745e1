"""Read facts: what reads aggregate in SQL instead of loading comments into memory.

``mention_facts``: one row per assigned mention with its effective topic (taxonomy applied),
its sentiment and its comment's filter columns. ``comment_facts``: one row per comment with the
sorted topic ids it mentions (all, and per mention sentiment). Both are keyed by the taxonomy
they were built under and extended as comments arrive (``seq`` is the store's numbering).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from insight.store.base import Repository, now

SENTIMENTS = ("negative", "neutral", "positive")


def facts_key(model_id: str, taxonomy_version: tuple[int, int]) -> str:
    """Facts are built under one model and one state of the taxonomy edits."""
    return f"{model_id}:{taxonomy_version[0]}:{taxonomy_version[1]}"


Window = tuple[datetime | None, datetime | None]


@dataclass(frozen=True)
class FactFilter:
    """Comment-level filters as SQL sees them (``end`` exclusive); ``sentiment`` picks mentions."""

    start: datetime | None = None
    end: datetime | None = None
    channel: str | None = None
    segment: str | None = None
    team: str | None = None
    agent: str | None = None
    score_min: int | None = None
    score_max: int | None = None
    unscored: bool = False
    sentiment: str | None = None

    def where(self, alias: str = "") -> tuple[str, list[Any]]:
        """A WHERE fragment (starting with AND) and its parameters."""
        p = f"{alias}." if alias else ""
        sql, params = [], []  # type: list[str], list[Any]
        if self.start is not None:
            sql.append(f"{p}created_at >= ?")
            params.append(self.start)
        if self.end is not None:
            sql.append(f"{p}created_at < ?")
            params.append(self.end)
        for column in ("channel", "segment", "team", "agent"):
            value = getattr(self, column)
            if value is not None:
                sql.append(f"{p}{column} = ?")
                params.append(value)
        if self.unscored:
            sql.append(f"{p}score IS NULL")
        if self.score_min is not None:
            sql.append(f"{p}score >= ?")
            params.append(self.score_min)
        if self.score_max is not None:
            sql.append(f"{p}score <= ?")
            params.append(self.score_max)
        return "".join(f" AND {s}" for s in sql), params

    def mention_where(self, alias: str = "") -> tuple[str, list[Any]]:
        """``where`` for mention rows: also only mentions of ``sentiment`` when it is set."""
        sql, params = self.where(alias)
        if self.sentiment is not None:
            sql += f" AND {alias + '.' if alias else ''}sentiment = ?"
            params.append(self.sentiment)
        return sql, params


class FactRepository(Repository):
    # building ------------------------------------------------------------------------------
    def fact_watermark(self, key: str) -> int | None:
        """The highest comment number the facts of ``key`` cover (None: not built)."""
        rows = self.con.execute("SELECT watermark FROM fact_state WHERE key = ?", [key]).fetchall()
        return int(rows[0][0]) if rows else None

    def latest_comment_seq(self) -> int:
        return int(self.con.execute("SELECT coalesce(max(seq), 0) FROM comments").fetchall()[0][0])

    def reset_facts(self, key: str) -> None:
        """Drop the facts of other models and of this level's other taxonomies, and start
        ``key`` empty. A model's two levels ("<model>:…" and "<model>/subtopics:…") are kept
        side by side: building one must not drop the other."""
        level = key.split(":")[0]
        model = level.split("/")[0]
        keys = [str(r[0]) for r in self.con.execute("SELECT key FROM fact_state").fetchall()]
        levels = {k: k.split(":")[0] for k in keys}
        stale = [k for k, at in levels.items() if at == level or at.split("/")[0] != model]
        for table in ("mention_facts", "comment_facts", "fact_state"):
            self.con.execute(f"DELETE FROM {table} WHERE key = ANY(?)", [[*stale, key]])
        self.con.execute("INSERT INTO fact_state VALUES (?, 0, ?)", [key, now()])

    def assigned_mentions(self, model_id: str, after: int, upto: int) -> pd.DataFrame:
        """Mentions of comments numbered (after, upto] with their model topic and sentiment."""
        return self.con.execute(
            "SELECT mt.mention_id, m.comment_id, mt.topic_id, s.label AS sentiment, m.text "
            "FROM comments c JOIN mentions m ON m.comment_id = c.id "
            "JOIN mention_topics mt ON mt.mention_id = m.id AND mt.model_id = ? "
            "LEFT JOIN mention_sentiment s ON s.mention_id = m.id "
            "WHERE c.seq > ? AND c.seq <= ?",
            [model_id, after, upto],
        ).df()

    def add_facts(self, key: str, mentions: pd.DataFrame, after: int, upto: int) -> None:
        """Facts for comments numbered (after, upto]; ``mentions``: mention_id, comment_id,
        topic_id (effective), sentiment. One transaction (or the caller's), then the watermark
        moves."""
        name = f"_facts_{id(mentions)}"
        self.con.register(name, mentions[["mention_id", "comment_id", "topic_id", "sentiment"]])
        lists = ", ".join(
            f"list(DISTINCT f.topic_id ORDER BY f.topic_id) FILTER (WHERE f.sentiment = '{s}')"
            for s in SENTIMENTS
        )
        try:
            with self.transaction():
                self.con.execute(
                    "INSERT INTO mention_facts SELECT ?, c.seq, f.mention_id, f.comment_id, "
                    "f.topic_id, f.sentiment, c.created_at, c.score, c.channel, c.segment, "
                    f"c.team, c.agent FROM {name} f JOIN comments c ON c.id = f.comment_id "
                    "AND c.seq > ? AND c.seq <= ?",
                    [key, after, upto],
                )
                self.con.execute(
                    "INSERT INTO comment_facts SELECT ?, c.seq, c.id, c.created_at, c.score, "
                    "c.channel, c.segment, c.team, c.agent, "
                    "list(DISTINCT f.topic_id ORDER BY f.topic_id) "
                    f"FILTER (WHERE f.topic_id IS NOT NULL), {lists} "
                    f"FROM comments c LEFT JOIN {name} f ON f.comment_id = c.id "
                    "WHERE c.seq > ? AND c.seq <= ? GROUP BY c.seq, c.id, c.created_at, c.score, "
                    "c.channel, c.segment, c.team, c.agent",
                    [key, after, upto],
                )
                self.con.execute(
                    "UPDATE fact_state SET watermark = ?, built_at = ? WHERE key = ?",
                    [upto, now(), key],
                )
        finally:
            self.con.unregister(name)

    # reading -------------------------------------------------------------------------------
    def panel_rows(
        self, key: str, where: FactFilter, windows: tuple[Window, Window] | None = None
    ) -> pd.DataFrame:
        """Distinct (topics, score, period) rows with how many comments each stands for.

        With ``windows`` (two ``[start, end)`` date ranges) ``period`` is 0 in the first, 1 in
        the second, and comments in neither are left out; without, it is 0. ``topics`` are
        those with a mention of ``where.sentiment`` when it is set.
        """
        sql, params = where.where()
        column = f"topics_{where.sentiment}" if where.sentiment in SENTIMENTS else "topics"
        period, head = _period_sql(windows)
        rows = self.con.execute(
            f"SELECT coalesce({column}, []) AS topics, score, {period} AS period, count(*) AS n "
            f"FROM comment_facts WHERE key = ?{sql} GROUP BY ALL",
            [*head, key, *params],
        ).df()
        return rows.dropna(subset=["period"]).reset_index(drop=True)

    def polar_panel_rows(
        self, key: str, where: FactFilter, windows: tuple[Window, Window] | None = None
    ) -> pd.DataFrame:
        """Distinct (topics complained about, praised, mentioned neutrally, score, period) rows
        with how many comments each stands for; ``windows`` as in ``panel_rows``."""
        sql, params = where.where()
        period, head = _period_sql(windows)
        rows = self.con.execute(
            "SELECT coalesce(topics_negative, []) AS complaint, "
            "coalesce(topics_positive, []) AS praise, coalesce(topics_neutral, []) AS neutral, "
            f"score, {period} AS period, count(*) AS n FROM comment_facts "
            f"WHERE key = ?{sql} GROUP BY ALL",
            [*head, key, *params],
        ).df()
        return rows.dropna(subset=["period"]).reset_index(drop=True)

    def nps_by_column(self, key: str, where: FactFilter, column: str) -> pd.DataFrame:
        """Score counts per value of a comment column: value, score, n."""
        if column not in ("channel", "segment", "team", "agent"):
            raise ValueError(f"cannot group by {column!r}")
        sql, params = where.where()
        return self.con.execute(
            f"SELECT {column} AS value, score, count(*) AS n FROM comment_facts "
            f"WHERE key = ? AND score IS NOT NULL{sql} GROUP BY ALL ORDER BY 1",
            [key, *params],
        ).df()

    def topic_mentions(self, key: str, where: FactFilter) -> pd.DataFrame:
        """Per topic: mentions, and mentions with each sentiment (for the negative share)."""
        sql, params = where.mention_where()
        return self.con.execute(
            "SELECT topic_id, count(*) AS mentions, count(sentiment) AS rated, "
            + ", ".join(f"count(*) FILTER (WHERE sentiment = '{s}') AS {s}" for s in SENTIMENTS)
            + " "
            f"FROM mention_facts WHERE key = ?{sql} GROUP BY topic_id",
            [key, *params],
        ).df()

    def topic_emotions(self, key: str, where: FactFilter) -> pd.DataFrame:
        """Per topic and emotion (``none`` and unscored left out): mentions under the filters."""
        sql, params = where.mention_where("f")
        return self.con.execute(
            "SELECT f.topic_id, s.emotion, count(*) AS n FROM mention_facts f "
            "JOIN mention_sentiment s ON s.mention_id = f.mention_id "
            f"WHERE f.key = ? AND s.emotion IS NOT NULL AND s.emotion <> 'none'{sql} "
            "GROUP BY ALL",
            [key, *params],
        ).df()

    def topic_mention_rows(self, key: str, topic_id: int, where: FactFilter) -> pd.DataFrame:
        """Every mention of a topic under the filters: comment_id, text, sentiment, score."""
        sql, params = where.mention_where("f")
        return self.con.execute(
            "SELECT f.comment_id, m.text, f.sentiment, f.score FROM mention_facts f "
            f"JOIN mentions m ON m.id = f.mention_id WHERE f.key = ? AND f.topic_id = ?{sql} "
            "ORDER BY f.mention_id",
            [key, topic_id, *params],
        ).df()

    def verbatim_page(
        self, key: str, topic_id: int, where: FactFilter, offset: int, limit: int
    ) -> tuple[int, pd.DataFrame]:
        """(total, one page) of a topic's mentions with their comment, newest first."""
        sql, params = where.mention_where("f")
        base = f"FROM mention_facts f WHERE f.key = ? AND f.topic_id = ?{sql}"
        total = int(
            self.con.execute(f"SELECT count(*) {base}", [key, topic_id, *params]).fetchall()[0][0]
        )
        page = self.con.execute(
            "WITH page AS (SELECT f.mention_id, f.comment_id, f.sentiment, f.created_at, "
            f"f.score, f.channel, f.segment {base} "
            "ORDER BY f.created_at DESC NULLS LAST, f.mention_id LIMIT ? OFFSET ?) "
            "SELECT p.comment_id, m.text AS mention, c.text AS comment, p.score, p.created_at, "
            "p.channel, p.segment, p.sentiment FROM page p "
            "JOIN mentions m ON m.id = p.mention_id JOIN comments c ON c.id = p.comment_id "
            "ORDER BY p.created_at DESC NULLS LAST, p.mention_id",
            [key, topic_id, *params, limit, offset],
        ).df()
        return total, page


def _period_sql(windows: tuple[Window, Window] | None) -> tuple[str, list[Any]]:
    """A SQL expression numbering a comment's window (0, 1; NULL in neither) and its
    parameters; without windows, 0."""
    if windows is None:
        return "0", []
    cases, params = [], []  # type: list[str], list[Any]
    for label, (start, end) in enumerate(windows):
        tests = ["created_at IS NOT NULL"]
        if start is not None:
            tests.append("created_at >= ?")
            params.append(start)
        if end is not None:
            tests.append("created_at < ?")
            params.append(end)
        cases.append(f"WHEN {' AND '.join(tests)} THEN {label}")
    return f"CASE {' '.join(cases)} END", params
