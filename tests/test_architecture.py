"""Layering rules from DESIGN.md that a refactor could silently break."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import REPO


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_insight_never_imports_api() -> None:
    offenders = [
        str(p.relative_to(REPO))
        for p in (REPO / "insight").rglob("*.py")
        if any(n == "api" or n.startswith("api.") for n in _imports(p))
    ]
    assert offenders == []


def test_only_store_touches_duckdb() -> None:
    users = sorted(
        str(p.relative_to(REPO))
        for p in (REPO / "insight").rglob("*.py")
        if "duckdb" in _imports(p)
    )
    assert users and all(u.startswith("insight/store/") for u in users), users


def test_modules_stay_small() -> None:
    long = {
        str(p.relative_to(REPO)): n
        for p in (REPO / "insight").rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert long == {}
