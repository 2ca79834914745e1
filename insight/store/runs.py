"""The log of runs (ingest, fit, tag): parameters and metrics."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pandas as pd

from insight.store.base import Repository, now


class RunRepository(Repository):
    def start_run(self, kind: str, params: dict[str, Any]) -> str:
        run_id = f"{kind}-{now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        self.con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, NULL, ?, NULL)",
            [run_id, kind, now(), json.dumps(params, default=str)],
        )
        return run_id

    def finish_run(self, run_id: str, metrics: dict[str, Any]) -> None:
        self.con.execute(
            "UPDATE runs SET finished_at = ?, metrics = ? WHERE run_id = ?",
            [now(), json.dumps(metrics, default=str), run_id],
        )

    def runs(self) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM runs ORDER BY started_at").df()
