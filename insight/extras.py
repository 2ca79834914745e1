"""Optional features live in extras (``pip install 'insight[ray]'``); a missing one says so."""

from __future__ import annotations

import importlib
from types import ModuleType

from insight.errors import InsightError


def require_extra(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module`` or fail with the extra to install for ``feature``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise InsightError(
            f"{feature} needs the optional {extra!r} dependencies: "
            f"pip install 'insight[{extra}]' (from this checkout: make install EXTRAS={extra})"
        ) from None
