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


def _module(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    """insight module -> the insight modules it imports (anywhere in the file)."""
    modules = {_module(p): p for p in (REPO / "insight").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def test_import_graph_is_acyclic() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1 and not nxt.startswith(node + "."):
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    # a package's __init__ re-exporting its own modules is not a cycle between packages
    cycles = [c for c in cycles if len({m.rsplit(".", 1)[0] for m in c}) > 1 or len(c) > 2]
    assert cycles == []


#: package -> packages it must never import (lower layers never reach up).
FORBIDDEN = {
    "insight.analytics": ("store", "pipelines", "reads", "reports", "notifications", "engine"),
    "insight.models": ("store", "pipelines", "reads", "reports", "notifications", "engine"),
    "insight.privacy": ("store", "pipelines", "reads", "reports", "notifications", "engine"),
    "insight.store": ("pipelines", "reads", "reports", "notifications", "engine", "taxonomy"),
    "insight.taxonomy": ("pipelines", "reads", "reports", "notifications", "engine"),
    "insight.pipelines": ("reads", "reports", "notifications", "engine"),
    "insight.reads": ("pipelines", "reports", "notifications", "engine"),
    "insight.reports": ("pipelines", "notifications", "engine"),
    "insight.notifications": ("pipelines", "engine"),
}


def test_no_upward_imports() -> None:
    offenders = []
    for module, targets in _graph().items():
        for package, banned in FORBIDDEN.items():
            if module == package or module.startswith(package + "."):
                bad = [t for t in targets if any(t.startswith(f"insight.{b}") for b in banned)]
                offenders += [f"{module} -> {t}" for t in bad]
    assert offenders == []


def test_front_ends_go_through_the_engine() -> None:
    """The API and the CLI reach pipelines only through insight.engine (tagging types aside)."""
    allowed = {"insight.pipelines.tagging", "insight.pipelines.components"}
    offenders = []
    for path in [*(REPO / "api").rglob("*.py"), REPO / "insight" / "cli.py"]:
        for name in _imports(path):
            if name.startswith("insight.pipelines") and name not in allowed:
                if path.name == "cli.py" and name in (
                    "insight.pipelines.distributed",  # the Ray driver: its spec is the engine's
                    "insight.pipelines.sentiment",  # training a model file: no store involved
                ):
                    continue
                offenders.append(f"{path.relative_to(REPO)} -> {name}")
    assert offenders == []
