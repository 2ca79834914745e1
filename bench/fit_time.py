"""Topic fit time on the hotel review clauses: this checkout against an earlier commit.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m bench.fit_time --base c60f5d7
    # ~4 min: clauses embedded once (cached in ~/.cache/insight-bench), then one fit per code

The clauses, embeddings and positive probabilities are made once with this checkout's segmenter,
encoder and sentiment model, written to a temporary folder, and each code's
``TopicModel(seed=42).fit`` runs on them in its own process (the earlier commit from a
``git worktree``), one after the other. Prints seconds per stage and the ratio.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from bench.sentiment import vectors
from bench.topics_real import load_hotel
from insight.config import Config
from insight.models.embedder import MiniLMEmbedder
from insight.models.subject import subject_text
from insight.pipelines.components import build_segmenter, build_sentiment
from insight.pipelines.sentiment import score_mentions

REPO = Path(__file__).resolve().parent.parent
FIT = """
import json, sys, time, warnings
import numpy as np
warnings.filterwarnings("ignore")
sys.path.insert(0, sys.argv[1])
from insight.models.topic_model import TopicModel
folder = sys.argv[2]
texts = json.loads(open(folder + "/texts.json").read())
vectors, p = np.load(folder + "/vectors.npy"), np.load(folder + "/p.npy")
started = time.perf_counter()
model = TopicModel(seed=42).fit(texts, vectors, p_positive=p)
print(json.dumps({"seconds": time.perf_counter() - started, "stages": model.seconds_,
                  "themes": len(model.topics_), "subtopics": len(model.subtopics_)}))
"""


def clauses(folder: Path) -> int:
    config = Config()
    comments = load_hotel().comments["text"].tolist()
    spans = build_segmenter(config).split_many(comments)
    texts = [text[s:e] for text, found in zip(comments, spans, strict=True) for s, e in found]
    embedded = vectors(MiniLMEmbedder(), [subject_text(t) for t in texts])
    scores = score_mentions(build_sentiment(config), texts, embedded)
    (folder / "texts.json").write_text(json.dumps(texts))
    np.save(folder / "vectors.npy", embedded)
    np.save(folder / "p.npy", scores["p_positive"].to_numpy())
    return len(texts)


def fit(code: Path, folder: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", FIT, str(code), str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True, help="the earlier commit to compare against")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        folder, old = Path(work), Path(work) / "base"
        n = clauses(folder)
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "-q", "--detach", str(old), args.base],
            check=True,
        )
        try:
            rows = {args.base: fit(old, folder), "this checkout": fit(REPO, folder)}
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(old)])
    print(f"\nTopicModel.fit on {n} hotel review clauses (seed 42):\n")
    print("| code | fit s | × base | themes | subtopics | stages (s) |")
    print("|---|---:|---:|---:|---:|---|")
    base = float(rows[args.base]["seconds"])
    for name, row in rows.items():
        stages = ", ".join(f"{k} {v:.1f}" for k, v in row["stages"].items())
        seconds = float(row["seconds"])
        print(
            f"| {name} | {seconds:.1f} | {seconds / base:.2f}× | {row['themes']} | "
            f"{row['subtopics']} | {stages} |"
        )


if __name__ == "__main__":
    main()
