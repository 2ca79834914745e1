"""Topic quality vs. planted / human labels, for a few settings of the theme merge.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.topic_quality [--quick]

Datasets: the synthetic demo corpus (planted topics; scored on the longest mention of each
single-topic comment) and the Banking77 test split (3,080 queries, 77 human intent labels,
CC BY 4.0, read from ../shared/data). Prints topics, outlier share, NMI, ARI, tag-vs-fit
agreement and fit time, with ratios against the un-merged baseline run in the same process.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from insight.config import load_config
from insight.demo.generator import write_corpus
from insight.engine import Engine
from insight.models.embedder import MiniLMEmbedder
from insight.models.topic_model import OUTLIER, TopicModel
from insight.pipelines.components import build_sentiment
from insight.pipelines.sentiment import score_mentions

REPO = Path(__file__).resolve().parent.parent
#: (topics.merge_distance, topics.merge_sentiment_gap); a gap of 1 turns the guard off.
SETTINGS = ((0.0, 1.0), (0.45, 1.0), (0.55, 1.0), (0.45, 0.4), (0.55, 0.4))


def demo_corpus(n: int) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    """The demo corpus ingested into a scratch store: mentions (with character spans), comment
    texts by id, and the planted topics of each comment ("a|b" for two)."""
    work = Path(tempfile.mkdtemp())
    write_corpus(work / "demo", n_comments=n)
    with (work / "demo" / "ground_truth.csv").open() as handle:
        truth = {r["id"]: r["topics"] for r in csv.DictReader(handle)}
    base = load_config(REPO / "configs" / "demo.toml")
    sources = [s.model_copy(update={"path": work / "demo" / s.path.name}) for s in base.sources]
    config = base.model_copy(update={"db_path": work / "db.duckdb", "sources": tuple(sources)})
    with Engine.open(config) as engine:
        engine.ingest(progress=False)
        mentions = engine.store.mentions()
        comments = engine.store.comments().set_index("id")["text"].to_dict()
    return mentions, comments, truth


def demo_data(
    embedder: MiniLMEmbedder, n: int
) -> tuple[list[str], np.ndarray, list[int], list[str]]:
    """Mention texts + embeddings, and (index, planted topic) for the evaluation subset."""
    mentions, _, truth = demo_corpus(n)
    texts = mentions["text"].tolist()
    longest: dict[str, int] = {}
    for i, (cid, text) in enumerate(zip(mentions["comment_id"], texts, strict=True)):
        topics = truth.get(cid, "")
        if (
            topics
            and "|" not in topics
            and (cid not in longest or len(text) > len(texts[longest[cid]]))
        ):
            longest[cid] = i
    index = sorted(longest.values())
    labels = [truth[mentions["comment_id"][i]] for i in index]
    return texts, embedder.encode(texts, progress=True), index, labels


def banking_data(embedder: MiniLMEmbedder) -> tuple[list[str], np.ndarray, list[int], list[str]]:
    path = REPO.parent / "shared" / "data" / "banking77" / "test.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    texts = [r["text"] for r in rows]
    return (
        texts,
        embedder.encode(texts, progress=True),
        list(range(len(rows))),
        [r["category"] for r in rows],
    )


def evaluate(
    name: str,
    texts: list[str],
    vectors: np.ndarray,
    index: list[int],
    truth: list[str],
    embedder: MiniLMEmbedder,
    settings: tuple[tuple[float, float], ...] = SETTINGS,
    init: Literal["pca", "spectral", "random"] = "pca",
) -> list[dict[str, Any]]:
    results = []
    p_positive = score_mentions(build_sentiment(load_config(None)), texts, vectors)["p_positive"]
    for merge, gap in settings:

        def fit(merge: float = merge, gap: float = gap) -> TopicModel:
            model = TopicModel(merge_distance=merge, merge_sentiment_gap=gap, umap_init=init)
            return model.fit(
                texts, vectors, embed=embedder.encode, p_positive=p_positive.to_numpy()
            )

        started = time.perf_counter()
        model = fit()
        seconds = time.perf_counter() - started
        again = fit()  # the same data and seed must give the same topics
        assert model.labels_ is not None
        predicted = model.labels_[index]
        tagged, _ = model.transform(vectors)
        results.append(
            {
                "data": name,
                "merge": merge,
                "gap": gap,
                "topics": len(model.topics_),
                "outliers": float(np.mean(model.labels_ == OUTLIER)),
                "nmi": normalized_mutual_info_score(truth, predicted),
                "ari": adjusted_rand_score(truth, predicted),
                "agreement": float(np.mean(tagged == model.labels_)),
                "fit_s": seconds,
                "again": bool(np.array_equal(model.labels_, np.asarray(again.labels_))),
            }
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1,500 demo comments, no Banking77")
    parser.add_argument("--init", default="pca", choices=["pca", "spectral", "random"])
    parser.add_argument("--default-only", action="store_true", help="merge off and the default")
    args = parser.parse_args()
    settings = ((0.0, 1.0), (0.55, 0.4)) if args.default_only else SETTINGS
    embedder = MiniLMEmbedder()
    demo = demo_data(embedder, 1500 if args.quick else 6000)
    rows = evaluate("demo", *demo, embedder, settings, args.init)
    if not args.quick:
        rows += evaluate("banking77", *banking_data(embedder), embedder, settings, args.init)
    print(f"\nUMAP init: {args.init}; 'same' = a second fit gave identical labels\n")
    header = (
        f"{'data':<10} {'merge':>5} {'gap':>4} {'topics':>6} {'outl.':>6} {'NMI':>6} {'ARI':>6} "
        f"{'agree':>6} {'fit s':>6} {'same':>5}  NMI/base topics/base"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        base = next(r for r in rows if r["data"] == row["data"] and r["merge"] == 0.0)
        print(
            f"{row['data']:<10} {row['merge']:>5.2f} {row['gap']:>4.1f} {row['topics']:>6} "
            f"{row['outliers']:>6.1%} "
            f"{row['nmi']:>6.3f} {row['ari']:>6.3f} {row['agreement']:>6.1%} {row['fit_s']:>6.1f}"
            f" {'yes' if row['again'] else 'NO':>5}"
            f"  {row['nmi'] / base['nmi']:>8.2f} {row['topics'] / base['topics']:>11.2f}"
        )


if __name__ == "__main__":
    main()
