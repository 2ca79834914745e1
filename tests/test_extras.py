"""Optional features name the extra to install when it is missing."""

from __future__ import annotations

import pytest

from insight.errors import InsightError
from insight.extras import require_extra


def test_missing_extra_names_what_to_install() -> None:
    with pytest.raises(InsightError, match=r"pip install 'insight\[ray\]'"):
        require_extra("no_such_module_for_insight", "ray", "distributed tagging")
    assert require_extra("json", "none", "json").dumps([1]) == "[1]"
