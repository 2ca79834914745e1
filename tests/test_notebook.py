"""The analyst notebook runs top to bottom against the public API (slow: the full demo)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import REPO


@pytest.mark.slow
def test_walkthrough_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebook = json.loads((REPO / "notebooks" / "analyst_walkthrough.ipynb").read_text())
    cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    monkeypatch.chdir(REPO)
    shown: list[object] = []
    namespace: dict[str, object] = {"display": shown.append}
    for source in cells:
        exec(compile(source, "walkthrough", "exec"), namespace)  # as Jupyter would
    assert shown and namespace["result"] is not None
    os.remove(REPO / "data" / "notebook.duckdb")
