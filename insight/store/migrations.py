"""Numbered schema migrations, applied in order when a database is opened for writing.

``schema_version`` holds one row per applied migration. Migration 1 is the schema of the
releases before versioning (every statement ``IF NOT EXISTS``), so a database they wrote is
brought up to date like any other. A database written by a newer release is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from insight.errors import StoreError


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "base schema (the layout of releases before schema versioning)",
        """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, kind VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
    params JSON, metrics JSON);
CREATE TABLE IF NOT EXISTS comments (
    id VARCHAR PRIMARY KEY, text VARCHAR NOT NULL, source VARCHAR, channel VARCHAR,
    touchpoint VARCHAR, created_at TIMESTAMP, respondent_id VARCHAR, score SMALLINT,
    team VARCHAR, agent VARCHAR, segment VARCHAR, run_id VARCHAR);
CREATE TABLE IF NOT EXISTS rejects (
    run_id VARCHAR, source VARCHAR, row_number BIGINT, reason VARCHAR, raw VARCHAR);
CREATE TABLE IF NOT EXISTS mentions (
    id VARCHAR PRIMARY KEY, comment_id VARCHAR, position INTEGER, text VARCHAR,
    start_char INTEGER, end_char INTEGER);
CREATE TABLE IF NOT EXISTS embedding_cache (
    model_id VARCHAR, text_hash VARCHAR, vector BLOB, PRIMARY KEY (model_id, text_hash));
CREATE TABLE IF NOT EXISTS topics (
    model_id VARCHAR, topic_id INTEGER, label VARCHAR, keywords JSON, size INTEGER, quotes JSON,
    PRIMARY KEY (model_id, topic_id));
CREATE TABLE IF NOT EXISTS mention_topics (
    model_id VARCHAR, mention_id VARCHAR, topic_id INTEGER, confidence DOUBLE, origin VARCHAR,
    PRIMARY KEY (model_id, mention_id));
CREATE TABLE IF NOT EXISTS mention_sentiment (
    mention_id VARCHAR PRIMARY KEY, label VARCHAR, p_positive DOUBLE, model VARCHAR);
CREATE TABLE IF NOT EXISTS settings (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id VARCHAR PRIMARY KEY, name VARCHAR, role VARCHAR, key_hash VARCHAR,
    created_at TIMESTAMP, revoked_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id VARCHAR PRIMARY KEY, kind VARCHAR, rule VARCHAR, period_key VARCHAR,
    channel VARCHAR, subject VARCHAR, message JSON, chart BLOB, status VARCHAR,
    attempts INTEGER, next_attempt_at TIMESTAMP, last_error VARCHAR, created_at TIMESTAMP,
    sent_at TIMESTAMP);
CREATE SEQUENCE IF NOT EXISTS taxonomy_edit_ids START 1;
CREATE TABLE IF NOT EXISTS taxonomy_edits (
    edit_id INTEGER PRIMARY KEY DEFAULT nextval('taxonomy_edit_ids'), created_at TIMESTAMP,
    kind VARCHAR, payload JSON, author VARCHAR, active BOOLEAN DEFAULT TRUE);
""",
    ),
    Migration(
        2,
        "fitted topic models stored inside the database (one file is the whole state)",
        """
CREATE TABLE topic_model_files (
    model_id VARCHAR, name VARCHAR, content BLOB, PRIMARY KEY (model_id, name));
""",
    ),
    Migration(
        3,
        "indexes for reads in SQL (verbatim pages, per-topic counts, period filters)",
        """
CREATE INDEX IF NOT EXISTS mentions_by_comment ON mentions (comment_id);
CREATE INDEX IF NOT EXISTS assignments_by_topic ON mention_topics (model_id, topic_id);
CREATE INDEX IF NOT EXISTS comments_by_date ON comments (created_at);
""",
    ),
    Migration(
        4,
        "read facts: comments numbered as stored; per-mention and per-comment facts for SQL reads",
        """
CREATE SEQUENCE comment_seq START 1;
ALTER TABLE comments ADD COLUMN seq BIGINT;
UPDATE comments SET seq = nextval('comment_seq');
CREATE TABLE mention_facts (
    key VARCHAR, seq BIGINT, mention_id VARCHAR, comment_id VARCHAR, topic_id INTEGER,
    sentiment VARCHAR, created_at TIMESTAMP, score SMALLINT, channel VARCHAR, segment VARCHAR,
    team VARCHAR, agent VARCHAR);
CREATE TABLE comment_facts (
    key VARCHAR, seq BIGINT, comment_id VARCHAR, created_at TIMESTAMP, score SMALLINT,
    channel VARCHAR, segment VARCHAR, team VARCHAR, agent VARCHAR, topics INTEGER[],
    topics_negative INTEGER[], topics_neutral INTEGER[], topics_positive INTEGER[]);
CREATE TABLE fact_state (key VARCHAR PRIMARY KEY, watermark BIGINT, built_at TIMESTAMP);
""",
    ),
    Migration(
        5,
        "rejected rows keep a hash of the raw row, never its text (it may hold personal data)",
        """
ALTER TABLE rejects ADD COLUMN raw_sha256 VARCHAR;
UPDATE rejects SET raw_sha256 = sha256(raw) WHERE raw IS NOT NULL;
UPDATE rejects SET raw = NULL;
""",
    ),
    Migration(
        6,
        "API keys record who created them, when they expire and when they were last used",
        """
ALTER TABLE api_keys ADD COLUMN created_by VARCHAR;
ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMP;
ALTER TABLE api_keys ADD COLUMN last_used_at TIMESTAMP;
""",
    ),
    Migration(
        7,
        "mention sentiment keeps the mention's emotion (anger, worry, gratitude, ... or none)",
        """
ALTER TABLE mention_sentiment ADD COLUMN emotion VARCHAR;
""",
    ),
    Migration(
        8,
        "topics keep their parent: a subtopic's theme (stored under the model's subtopic level)",
        """
ALTER TABLE topics ADD COLUMN parent_id INTEGER;
""",
    ),
)
LATEST = MIGRATIONS[-1].version


def _applied(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)"
    )
    rows = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()
    return int(rows[0][0])


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The version a database is at (0: not versioned yet), without changing it."""
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()
    if not rows[0][0]:
        return 0
    return int(con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0])


def check_readable(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """A read-only open must not meet a database newer than this release understands."""
    if schema_version(con) > LATEST:
        raise StoreError(_newer(path, schema_version(con)))


def _newer(path: str, version: int) -> str:
    return (
        f"database {path} is at schema version {version}, newer than this release "
        f"understands ({LATEST}); upgrade insight to open it"
    )


def migrate(con: duckdb.DuckDBPyConnection, path: str) -> list[int]:
    """Apply every pending migration, each in its own transaction; return the versions applied."""
    current = _applied(con)
    if current > LATEST:
        raise StoreError(_newer(path, current))
    done = []
    for migration in MIGRATIONS:
        if migration.version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?, ?)",
                [migration.version, migration.description, datetime.now(UTC).replace(tzinfo=None)],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise StoreError(
                f"database {path}: migration {migration.version} ({migration.description}) "
                f"failed: {exc}"
            ) from None
        done.append(migration.version)
    return done
