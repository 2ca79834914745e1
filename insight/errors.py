"""One error hierarchy for the engine; every message says what to do next."""

from __future__ import annotations

from collections.abc import Iterable


class InsightError(Exception):
    """Base class: an expected failure the user can act on (the CLI prints it, no traceback)."""


class ConfigError(InsightError):
    """The configuration is invalid or names an unknown component."""


class IngestError(InsightError):
    """A whole input file cannot be read (missing file, unknown format, missing column)."""


class ModelPackageError(InsightError):
    """A bundled model package is missing or its files do not match the pinned hashes."""


class NotFittedError(InsightError):
    """A fitted topic model is needed but none has been fitted or saved yet."""


class StoreError(InsightError):
    """The database cannot be opened or holds data the request cannot use."""


def unknown_choice(kind: str, name: str, valid: Iterable[str]) -> str:
    """Format the one message used for every unknown name: what was given and what is valid."""
    options = ", ".join(sorted(valid))
    return f"unknown {kind} {name!r}; valid choices: {options}"
