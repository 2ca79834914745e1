"""Sentiment accuracy, cross-domain, beside VADER on the same sentences.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.sentiment [--finetune]

UCI "Sentiment Labelled Sentences" (CC BY 4.0, ../shared/data): train on two sources, test on the
third, for each of Amazon / IMDb / Yelp. 2-class accuracy and macro-F1, plus sentences/s of each
scorer (embedding included for the head). There is no neutral-labelled public set here, so no
3-class figure is reported.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from insight.models.embedder import MiniLMEmbedder
from insight.models.finetuned import FineTunedSentiment, finetune
from insight.models.polarity_cues import apply_cues, positive_cue
from insight.models.sentiment import SentimentHead, VaderScorer
from insight.pipelines.sentiment import load_uci

UCI = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "uci_sentiment"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--finetune", action="store_true", help="also fine-tune MiniLM per split")
    args = parser.parse_args()
    data = load_uci(UCI)
    groups = np.asarray(data.groups)
    embedder = MiniLMEmbedder()
    embedder.encode(["warm up"])
    started = time.perf_counter()
    vectors = embedder.encode(data.texts)
    embed_rate = len(data.texts) / (time.perf_counter() - started)
    vader = VaderScorer()
    started = time.perf_counter()
    compound = vader.compound(data.texts)
    vader_rate = len(data.texts) / (time.perf_counter() - started)
    rows = []
    cued = 0
    for test in sorted(set(data.groups)):
        train, held = groups != test, groups == test
        texts = [t for t, keep in zip(data.texts, held, strict=True) if keep]
        train_texts = [t for t, keep in zip(data.texts, train, strict=True) if keep]
        y = data.labels[held]
        results = {"vader": (compound[held] >= 0.05).astype(int)}
        results["vader+cues"] = (apply_cues(texts, (compound[held] + 1) / 2) >= 0.525).astype(int)
        for name, lexicon, cues in (
            ("head", False, False),
            ("head+vader", True, False),
            ("head+vader+cues", True, True),  # the shipped configuration
        ):
            head = SentimentHead(use_lexicon=lexicon, use_cues=cues).fit(
                vectors[train], train_texts, data.labels[train]
            )
            results[name] = (head.predict_proba(vectors[held], texts) >= 0.5).astype(int)
        cued += sum(positive_cue(t) for t in texts)
        if args.finetune:
            folder = Path(tempfile.mkdtemp()) / test
            finetune(train_texts, data.labels[train], folder)
            fine = FineTunedSentiment(folder)
            started = time.perf_counter()
            results["fine-tuned"] = (fine.predict_proba(texts) >= 0.5).astype(int)
            fine_rate = len(texts) / (time.perf_counter() - started)
        for name, predicted in results.items():
            rows.append(
                (
                    test,
                    name,
                    float(np.mean(predicted == y)),
                    float(f1_score(y, predicted, average="macro")),
                )
            )
    print(f"{'test on':<8} {'scorer':<16} {'accuracy':>8} {'macro-F1':>8} {'vs VADER':>9}")
    for test, name, acc, f1 in rows:
        base = next(r[2] for r in rows if r[0] == test and r[1] == "vader")
        print(f"{test:<8} {name:<16} {acc:>8.3f} {f1:>8.3f} {acc - base:>+9.3f}")
    names = ("head", "head+vader", "head+vader+cues", "vader", "vader+cues")
    for name in (*names, *(("fine-tuned",) if args.finetune else ())):
        accs = [r[2] for r in rows if r[1] == name]
        f1s = [r[3] for r in rows if r[1] == name]
        print(f"{'mean':<8} {name:<16} {np.mean(accs):>8.3f} {np.mean(f1s):>8.3f}")
    print(f"\nservice-language cues fired on {cued} of {len(data.texts)} test sentences")
    print(
        f"\nthroughput: MiniLM embedding {embed_rate:.0f} sentences/s, VADER {vader_rate:.0f}/s "
        "(the head itself is one dot product)"
    )
    if args.finetune:
        print(f"fine-tuned MiniLM inference {fine_rate:.0f} sentences/s")


if __name__ == "__main__":
    main()
