"""Progress bars: one per stage, only on a terminal (no escape codes in logs or pipes)."""

from __future__ import annotations

from typing import Any

from tqdm.auto import tqdm


def stage_bar(desc: str, enabled: bool, total: int | None = None, unit: str = "rows") -> Any:
    """A bar for one stage; ``disable=None`` lets tqdm switch itself off when not on a TTY."""
    return tqdm(desc=desc, total=total, unit=unit, disable=None if enabled else True)
