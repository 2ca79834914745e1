"""The engine's topic pipeline vs plain BERTopic (its defaults) on the same labelled data.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.pipeline            # Banking77, ~8 min on 2 cores
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.pipeline --growth 10000 30000

Banking77 (CC BY 4.0, ../shared/data): train + test queries (13,083) with 77 human intent labels.
Each pipeline runs in its own process (so peak memory is its own) on the same texts with the same
model (bundled all-MiniLM-L6-v2; BERTopic through sentence-transformers as a user would wire it,
the engine through its own encoder, same vectors): fit on all queries, then tag the 3,080 test
queries as new text. Stages: embed, reduce (UMAP, incl. kNN), cluster (HDBSCAN), label
(c-TF-IDF, keywords, merge), tag (encode + assign). Quality: NMI / ARI of the fitted topics
against the intents (outliers count as one more label, as BERTopic reports them). Ratios are
against plain BERTopic.

``--growth N ...``: the engine's whole job (ingest → fit on a sample → assign the rest → report)
on N synthetic demo comments each, in separate processes: seconds per stage and peak memory.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "banking77"


def _banking() -> tuple[list[str], list[str], int]:
    rows: list[tuple[str, str]] = []
    for split in ("train", "test"):
        with (SHARED / f"{split}.csv").open(encoding="utf-8") as handle:
            rows += [(r["text"], r["category"]) for r in csv.DictReader(handle)]
    n_test = sum(1 for _ in (SHARED / "test.csv").open(encoding="utf-8")) - 1
    return [t for t, _ in rows], [c for _, c in rows], n_test


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _scores(labels: list[str], found: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return {
        "nmi": float(normalized_mutual_info_score(labels, found)),
        "ari": float(adjusted_rand_score(labels, found)),
        "topics": float(len(set(found.tolist()) - {-1})),
        "outliers": float(np.mean(found == -1)),
    }


def _engine(merge: float, queue: Any) -> None:
    from insight.config import load_config
    from insight.models.embedder import MiniLMEmbedder
    from insight.models.topic_model import TopicModel
    from insight.pipelines.components import build_sentiment
    from insight.pipelines.sentiment import score_mentions

    texts, labels, n_test = _banking()
    encoder = MiniLMEmbedder()
    encoder.encode(["warm up"])
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    vectors = encoder.encode(texts)
    seconds["embed"] = time.perf_counter() - started
    model = TopicModel(merge_distance=merge)
    started = time.perf_counter()
    # As `insight fit` does: sentiment first, so the theme merge keeps praise and complaints apart.
    sentiment = build_sentiment(load_config(None))
    p_positive = score_mentions(sentiment, texts, vectors)["p_positive"].to_numpy()
    model.fit(texts, vectors, embed=encoder.encode, p_positive=p_positive)
    fit_total = time.perf_counter() - started
    seconds["reduce"] = model.seconds_.get("knn", 0.0) + model.seconds_.get("reduce", 0.0)
    seconds["cluster"] = model.seconds_.get("cluster", 0.0)
    seconds["label"] = fit_total - seconds["reduce"] - seconds["cluster"]
    started = time.perf_counter()
    model.transform(encoder.encode(texts[-n_test:]))
    seconds["tag"] = time.perf_counter() - started
    assert model.labels_ is not None
    queue.put((f"engine (merge {merge:g})", seconds, _scores(labels, model.labels_), _peak_mb()))


def _bertopic(queue: Any) -> None:
    from bertopic import BERTopic
    from sentence_transformers import SentenceTransformer

    from insight.models.bundled import minilm_dir
    from insight.models.topic_model import time_calls

    texts, labels, n_test = _banking()
    # What a user stitching BERTopic together has: sentence-transformers on the same model.
    encoder = SentenceTransformer(str(minilm_dir()), device="cpu", local_files_only=True)
    encoder.encode(["warm up"])
    model = BERTopic(embedding_model=encoder)  # its defaults for everything else
    seconds: dict[str, float] = {}

    time_calls(model.embedding_model, "encode", "embed", seconds)  # BERTopic calls encode
    time_calls(model.umap_model, "fit", "reduce", seconds)
    time_calls(model.hdbscan_model, "fit", "cluster", seconds)
    started = time.perf_counter()
    found, _ = model.fit_transform(texts)
    total = time.perf_counter() - started
    seconds["label"] = total - sum(seconds.values())
    started = time.perf_counter()
    model.transform(texts[-n_test:])
    seconds["tag"] = time.perf_counter() - started
    queue.put(
        ("plain BERTopic (defaults)", seconds, _scores(labels, np.asarray(found)), _peak_mb())
    )


def _run(target: Any, *args: Any) -> Any:
    """What ``target`` put on its queue, run in a fresh process (clean peak memory)."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    while True:
        try:
            result = queue.get(timeout=5)
            break
        except Exception:  # queue.Empty: still running, or died without a result
            if not process.is_alive():
                raise SystemExit(
                    f"{target.__name__} failed (exit code {process.exitcode})"
                ) from None
    # HDBSCAN leaves idle joblib (loky) workers behind, and a spawned process joins its children
    # on exit: with the result in hand, give it a minute, then end it.
    process.join(timeout=60)
    if process.is_alive():
        process.terminate()
        process.join()
    return result


STAGES = ("embed", "reduce", "cluster", "label", "tag")


def compare() -> None:
    results = [_run(_bertopic), _run(_engine, 0.0), _run(_engine, 0.55)]
    base = results[0]
    base_total = sum(base[1].values())
    print("\nBanking77 train+test (13,083 queries, 77 intents); tag = the 3,080 test queries\n")
    print(
        "| pipeline | " + " | ".join(f"{s} s" for s in STAGES) + " | total s | peak MB "
        "| topics | outliers | NMI | ARI | time / base | NMI / base |"
    )
    print("|---|" + "---:|" * (len(STAGES) + 8))
    for name, seconds, scores, peak in results:
        total = sum(seconds.values())
        cells = " | ".join(f"{seconds.get(s, 0.0):.1f}" for s in STAGES)
        print(
            f"| {name} | {cells} | {total:.1f} | {peak:,.0f} | {scores['topics']:.0f} | "
            f"{100 * scores['outliers']:.1f}% | {scores['nmi']:.3f} | {scores['ari']:.3f} | "
            f"{total / base_total:.2f} | {scores['nmi'] / base[2]['nmi']:.2f} |"
        )


def _job(n: int, queue: Any) -> None:
    from insight.config import Config, load_config
    from insight.demo.generator import write_corpus
    from insight.engine import Engine

    folder = Path(tempfile.mkdtemp(prefix=f"growth-{n}-"))
    write_corpus(folder / "data", n_comments=n, seed=7)
    base = load_config(Path(__file__).resolve().parent.parent / "configs" / "demo.toml")
    data = base.model_dump()
    data.update(
        db_path=folder / "g.duckdb",
        artifacts_dir=folder / "artifacts",
        sources=[s.model_dump() | {"path": folder / "data" / s.path.name} for s in base.sources],
        digests=[],
        alerts=[],
    )
    data["report"]["out_dir"] = folder / "reports"
    config = Config.model_validate(data)
    seconds: dict[str, float] = {}
    with Engine.open(config) as engine:
        started = time.perf_counter()
        summary = engine.ingest(progress=False)
        seconds["ingest"] = time.perf_counter() - started
        started = time.perf_counter()
        fit = engine.fit(progress=False)
        seconds["fit+assign"] = time.perf_counter() - started
        started = time.perf_counter()
        engine.report()
        seconds["report"] = time.perf_counter() - started
    queue.put((n, summary.kept, fit.mentions, fit.topics, seconds, _peak_mb()))


def growth(sizes: list[int]) -> None:
    rows = [_run(_job, n) for n in sizes]
    print("\nWhole job on synthetic demo comments (fit on ≤ 60,000 mentions, rest assigned)\n")
    print(
        "| comments | mentions | topics | ingest s | fit+assign s | report s | total s | "
        "s per 1k comments | peak MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for _, kept, mentions, topics, seconds, peak in rows:
        total = sum(seconds.values())
        print(
            f"| {kept:,} | {mentions:,} | {topics} | {seconds['ingest']:.0f} | "
            f"{seconds['fit+assign']:.0f} | {seconds['report']:.0f} | {total:.0f} | "
            f"{1000 * total / kept:.1f} | {peak:,.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--growth", type=int, nargs="*", help="comment counts for the growth run")
    args = parser.parse_args()
    if args.growth:
        growth(args.growth)
    else:
        compare()


if __name__ == "__main__":
    main()
