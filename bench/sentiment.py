"""Sentiment, 3-class, leave-one-dataset-out; emotions; names and requests; throughput.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m bench.sentiment
    # ~8 min the first time (embeddings of ~95k texts, then cached in ~/.cache/insight-bench)

Datasets (../shared/data, read by ``insight.pipelines.sentiment_corpora``): goemotions (train on
train+dev, test on test), xed, hotel (review clauses; neutral = "Nothing"-type answers), uci
(2-class), clinc150 (requests, all neutral). For each held-out dataset the 3-class head is trained
with the shipped recipe on the *other* datasets only and tested on the held-out one; the previous
release's head (2-class UCI head + VADER + cues + a 0.35–0.65 band, read from git) and VADER alone
run on the same rows. Metrics: macro-F1 over the classes the dataset has, neutral recall,
positive-vs-negative accuracy on its polar rows (P(positive) > P(negative)), expected calibration
error (top label, 15 bins).

    ... -m bench.sentiment --throughput   # only the sentiment step's clauses/s (best of 3)
    ... -m bench.sentiment --finetuned goemotions   # the fine-tuned MiniLM option, one set held
    # out: fine-tuned (1 epoch, a seeded 12,000-row sample of the other sets) and tested on it;
    # ~20 min on 2 CPU cores
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import itertools
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from bench.previous import git_show
from insight.config import Config
from insight.models.embedder import MiniLMEmbedder
from insight.models.sentiment import SentimentHead, VaderScorer, mask_names
from insight.pipelines import sentiment_corpora as corpora
from insight.pipelines.components import build_segmenter
from insight.pipelines.sentiment import fit_head
from insight.pipelines.sentiment_corpora import LabelledSet

ROOT = Path(__file__).resolve().parents[2] / "shared" / "data"
CACHE = Path.home() / ".cache" / "insight-bench"
PREVIOUS = "99f5fe0"  # the last release with the 2-class head
HELD_OUT = ("goemotions", "xed", "hotel", "uci", "clinc150")
BRANDS = ("@united", "@Delta", "@SouthwestAir", "@AmericanAir", "@JetBlue", "@VirginAmerica")
NAMES_ALONE = (
    "@united",
    "United",
    "Delta",
    "Southwest",
    "Amazon",
    "Booking.com",
    "Sarah",
    "John Smith",
    "Virgin America",
    "Apple",
)
SERVICE_PRAISE = (
    "can't fault the cleaners",
    "nothing wrong with the food",
    "they sorted out my problem without any fuss",
    "my problem was sorted on the first call",
    "the issue was resolved within a day",
    "never had an issue with them",
)
SERVICE_COMPLAINTS = (
    "still not fixed after three calls",
    "the fault still is not resolved",
    "finally fixed after three weeks of chasing",
    "nobody has sorted my refund",
    "never seen such problems",
)
Scorer = Callable[[np.ndarray, Sequence[str]], np.ndarray]  # -> (n, 3) probabilities


def vectors(embedder: MiniLMEmbedder, texts: Sequence[str]) -> np.ndarray:
    """Embeddings, cached on disk by the texts' digest."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{hashlib.sha256(chr(10).join(texts).encode()).hexdigest()[:16]}.npy"
    if path.exists():
        return np.asarray(np.load(path))
    out = embedder.encode(list(texts), progress=True)
    np.save(path, out)
    return out


def load_sets() -> dict[str, LabelledSet]:
    """The labelled sets of ``HELD_OUT`` (../shared/data), and GoEmotions' test split apart."""
    split = build_segmenter(Config()).split_many
    return {
        "goemotions": corpora.load_goemotions(ROOT),
        "goemotions_test": corpora.load_goemotions(ROOT, ("test",)),
        "xed": corpora.load_xed(ROOT),
        "hotel": corpora.load_hotel(ROOT, split),
        "uci": corpora.load_uci(ROOT),
        "clinc150": corpora.load_clinc(ROOT),
    }


def tested_on(held: str) -> str:
    """The rows a held-out set is tested on: GoEmotions' test split, any other set whole."""
    return "goemotions_test" if held == "goemotions" else held


def joined(
    sets: dict[str, LabelledSet], vecs: dict[str, np.ndarray], names: Sequence[str]
) -> tuple[LabelledSet, np.ndarray]:
    """The named sets as one training set, with their embeddings in the same order."""
    return LabelledSet.concat([sets[k] for k in names]), np.vstack([vecs[k] for k in names])


def previous_cues() -> dict[str, Any]:
    """The retired service-language cues (``polarity_cues.py`` of the previous release)."""
    source = git_show(PREVIOUS, "insight/models/polarity_cues.py").decode()
    namespace: dict[str, Any] = {"__name__": "previous_cues"}
    exec(compile(source, "previous_cues", "exec"), namespace)  # our own code, from git
    return namespace


def previous_head() -> Scorer:
    """The previous release's scorer: P(positive) from [embedding, VADER] + cues, band."""
    raw = git_show(PREVIOUS, "insight/models/data/sentiment_head.npz")
    apply_cues = previous_cues()["apply_cues"]
    with np.load(io.BytesIO(raw), allow_pickle=False) as data:
        coef, intercept = data["coef"], float(data["intercept"][0])
    vader = VaderScorer()

    def score(embeddings: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        z = embeddings @ coef[:-1] + vader.compound(texts) * coef[-1] + intercept
        p = apply_cues(texts, 1 / (1 + np.exp(-z)))
        return band(p, 0.35, 0.65)

    return score


def band(p: np.ndarray, low: float, high: float) -> np.ndarray:
    """A band on P(positive) as (n, 3) scores: argmax is the banded label, and P(positive) >
    P(negative) keeps the side of 0.5 (for the positive-vs-negative column). Not calibrated."""
    inside = ((p >= low) & (p <= high))[:, None]
    polar = np.column_stack([1 - p, np.zeros_like(p), p])
    return np.asarray(np.where(inside, polar * 0.01 + [0.0, 0.99, 0.0], polar))


def vader_alone() -> Scorer:
    vader = VaderScorer()
    return lambda _e, texts: band((vader.compound(texts) + 1) / 2, 0.475, 0.525)


def head_scorer(head: SentimentHead) -> Scorer:
    return head.proba


def with_cues(score: Scorer) -> Scorer:
    """The retired hand-written service cues on top: a cue makes the clause positive."""
    positive_cue = previous_cues()["positive_cue"]

    def scored(embeddings: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        p = score(embeddings, texts).copy()
        cued = np.array([positive_cue(t) for t in texts], dtype=bool)
        p[cued] = [0.05, 0.2, 0.75]
        return p

    return scored


def ece(p: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    confidence, predicted = p.max(axis=1), p.argmax(axis=1)
    total = 0.0
    edges = np.linspace(0, 1, bins + 1)
    for low, high in itertools.pairwise(edges):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            gap = (predicted[in_bin] == y[in_bin]).mean() - confidence[in_bin].mean()
            total += in_bin.mean() * abs(gap)
    return total


def metrics(p: np.ndarray, y: np.ndarray, calibrated: bool) -> tuple[float, ...]:
    predicted = p.argmax(axis=1)
    present = sorted(set(y.tolist()))
    polar = y != corpora.NEUTRAL
    return (
        float(f1_score(y, predicted, average="macro", labels=present))
        if len(present) > 1
        else np.nan,
        float((predicted == y).mean()),
        float((predicted[~polar] == corpora.NEUTRAL).mean()) if (~polar).any() else np.nan,
        float(((p[polar, 2] > p[polar, 0]) * 2 == y[polar]).mean()) if polar.any() else np.nan,
        ece(p, y) if calibrated else np.nan,
        float((predicted == corpora.NEUTRAL).mean()),
    )


def fmt(value: float) -> str:
    return "–" if np.isnan(value) else f"{value:.3f}"


def held_out_table(
    sets: dict[str, LabelledSet], vecs: dict[str, np.ndarray], previous: Scorer
) -> list[tuple[str, str, tuple[float, ...]]]:
    rows = []
    vader = vader_alone()
    for held in HELD_OUT:
        test = tested_on(held)
        train, x = joined(sets, vecs, [k for k in HELD_OUT if k != held])
        head = head_scorer(fit_head(train, x))
        scorers: dict[str, tuple[Scorer, bool]] = {
            "previous release": (previous, False),
            "VADER alone": (vader, False),
            "3-class head": (head, True),
            "3-class head + service cues": (with_cues(head), True),
            "3-class head, no lexicon": (head_scorer(fit_head(train, x, use_lexicon=False)), True),
        }
        if held == "goemotions":  # the frozen-embedding ceiling: trained in domain
            scorers["3-class head, all sets (shipped)"] = (
                head_scorer(fit_head(*joined(sets, vecs, HELD_OUT))),
                True,
            )
        for name, (score, calibrated) in scorers.items():
            p = score(vecs[test], sets[test].texts)
            rows.append((held, name, metrics(p, sets[test].labels, calibrated)))
            print(f"  {held:<10} {name:<34} done", flush=True)
    return rows


def probes(
    embedder: MiniLMEmbedder, sets: dict[str, LabelledSet], vecs: dict[str, np.ndarray]
) -> dict[str, dict[str, float]]:
    """Brands and names carry no sentiment; questions and requests are neutral."""
    shipped = fit_head(*joined(sets, vecs, HELD_OUT))
    without_clinc = fit_head(*joined(sets, vecs, [k for k in HELD_OUT if k != "clinc150"]))
    scorers = {
        "previous release": previous_head(),
        "VADER alone": vader_alone(),
        "3-class head (shipped recipe)": head_scorer(shipped),
        "3-class head + retired cues": with_cues(head_scorer(shipped)),
        "3-class head without clinc150": head_scorer(without_clinc),
    }
    test = sets["goemotions_test"]
    neutral_rows = [t for t, y in zip(test.texts, test.labels, strict=True) if y == 1][:400]
    questions = [t for t, y in zip(test.texts, test.labels, strict=True) if y == 1 and "?" in t]
    clinc_test = corpora.load_clinc_split(ROOT, "test")
    texts = {
        "brand": [f"{b} {t}" for t in neutral_rows for b in BRANDS],
        "names": list(NAMES_ALONE),
        "questions": questions,
        "requests": clinc_test,
        "praise": list(SERVICE_PRAISE),
        "complaints": list(SERVICE_COMPLAINTS),
    }
    vec = {k: vectors(embedder, v) for k, v in texts.items()}
    out: dict[str, dict[str, float]] = {}
    for name, score in scorers.items():
        brand = score(vec["brand"], texts["brand"]).reshape(len(neutral_rows), len(BRANDS), 3)
        labels = brand.argmax(axis=2)
        polarity = brand[:, :, 2] + 0.5 * brand[:, :, 1]
        out[name] = {
            "label differs by brand": float((labels.min(axis=1) != labels.max(axis=1)).mean()),
            "polarity spread by brand": float((polarity.max(axis=1) - polarity.min(axis=1)).mean()),
            "names alone read neutral": float(
                (score(vec["names"], texts["names"]).argmax(axis=1) == 1).mean()
            ),
            "neutral questions read neutral": float(
                (score(vec["questions"], texts["questions"]).argmax(axis=1) == 1).mean()
            ),
            "clinc150 test requests read neutral": float(
                (score(vec["requests"], texts["requests"]).argmax(axis=1) == 1).mean()
            ),
            "service praise read positive": float(
                (score(vec["praise"], texts["praise"]).argmax(axis=1) == 2).mean()
            ),
            "service complaints read negative": float(
                (score(vec["complaints"], texts["complaints"]).argmax(axis=1) == 0).mean()
            ),
        }
    return out


#: XED's Plutchik ids of the CX emotions it shares (for the cross-domain emotion check).
XED_SHARED = {"anger": 1, "worry": 4, "joy": 5, "disappointment": 6}


def xed_emotions() -> tuple[list[str], np.ndarray]:
    """XED English lines with multi-hot targets over ``XED_SHARED``."""
    path = ROOT / "xed" / "clean" / "en-annotated.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    ids = [{int(i) for i in row[1].split(",")} for row in rows]
    return [row[0] for row in rows], np.array([[k in i for k in XED_SHARED.values()] for i in ids])


def emotions_table(
    embedder: MiniLMEmbedder,
) -> tuple[list[tuple[str, list[float]]], list[tuple[str, list[float]]]]:
    """Per-emotion F1, the head on embeddings vs TF-IDF words (same protocol: one logistic model
    per emotion on GoEmotions train, thresholds on dev): on GoEmotions test, and cross-domain
    on XED for the four emotions it shares."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    train, dev, test = (corpora.load_goemotion_targets(ROOT, s) for s in ("train", "dev", "test"))
    xed_texts, xed_targets = xed_emotions()
    names = list(corpora.EMOTIONS)
    head = SentimentHead().fit_emotions(
        vectors(embedder, train[0]), train[1], names, (vectors(embedder, dev[0]), dev[1])
    )
    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit(train[0])
    baseline = SentimentHead().fit_emotions(
        words.transform(train[0]), train[1], names, (words.transform(dev[0]), dev[1])
    )
    inside, across = [], []
    for name, model, x, x_xed in (
        ("emotion head (MiniLM)", head, vectors(embedder, test[0]), vectors(embedder, xed_texts)),
        ("TF-IDF words baseline", baseline, words.transform(test[0]), words.transform(xed_texts)),
    ):
        assert model.emotion_threshold_ is not None
        hit = model.emotion_scores(x) >= model.emotion_threshold_
        per_emotion = [float(f1_score(test[1][:, k], hit[:, k])) for k in range(len(names))]
        inside.append((name, per_emotion))
        hit = model.emotion_scores(x_xed) >= model.emotion_threshold_
        across.append(
            (
                name,
                [
                    float(f1_score(xed_targets[:, j], hit[:, names.index(emotion)]))
                    for j, emotion in enumerate(XED_SHARED)
                ],
            )
        )
    return inside, across


def throughput(sets: dict[str, LabelledSet], vecs: dict[str, np.ndarray]) -> dict[str, float]:
    """Clauses/s of the sentiment step given the topic embeddings (the encoder is not counted),
    best of three runs each, alternating."""
    texts, x = sets["hotel"].texts[:5000], vecs["hotel"][:5000]
    shipped = SentimentHead.load()
    previous = previous_head()
    out: dict[str, float] = {}
    for _ in range(3):
        for name, run in (
            ("previous release (head + VADER + cues)", lambda: previous(x, texts)),
            ("3-class head + emotions", lambda: (shipped.predict(x, texts), shipped.emotions(x))),
        ):
            started = time.perf_counter()
            run()
            out[name] = max(out.get(name, 0.0), len(texts) / (time.perf_counter() - started))
    return out


def print_throughput(sets: dict[str, LabelledSet], vecs: dict[str, np.ndarray]) -> None:
    print("\nsentiment step, clauses/s given the embeddings (5,000 hotel clauses):")
    rates = throughput(sets, vecs)
    base = next(iter(rates.values()))
    for name, rate in rates.items():
        print(f"{name:<40} {rate:>8.0f}/s  {rate / base:>5.2f}×")


def finetuned_held_out(sets: dict[str, LabelledSet], held: str, limit: int = 12_000) -> None:
    """The fine-tuned option (``insight train-sentiment --finetune``) with ``held`` left out."""
    import tempfile

    from insight.models.finetuned import FineTunedSentiment, finetune
    from insight.pipelines.sentiment_corpora import sample

    train = sample(LabelledSet.concat([sets[k] for k in HELD_OUT if k != held]), limit, "none")
    test = sets[tested_on(held)]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        finetune(train.texts, train.labels, Path(folder), progress=True)
        seconds = time.perf_counter() - started
        model = FineTunedSentiment(Path(folder))
        p = model.proba(test.texts)
        praise, complaints = (
            model.proba(list(SERVICE_PRAISE)),
            model.proba(list(SERVICE_COMPLAINTS)),
        )
    print(f"fine-tuned on {len(train.texts)} rows of the other sets in {seconds:.0f} s")
    print(f"{'held out':<10} {'macro-F1':>8} {'acc':>6} {'neu rec':>7} {'pos/neg':>7} {'ECE':>6}")
    print(f"{held:<10} " + " ".join(f"{fmt(v):>7}" for v in metrics(p, test.labels, True)[:5]))
    print(
        f"service praise read positive {np.mean(praise.argmax(axis=1) == 2):.3f}, "
        f"service complaints read negative {np.mean(complaints.argmax(axis=1) == 0):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--finetuned", choices=HELD_OUT, help="only: the fine-tuned option with this set held out"
    )
    parser.add_argument(
        "--throughput", action="store_true", help="only: the sentiment step's clauses/s"
    )
    args = parser.parse_args()
    embedder = MiniLMEmbedder()
    sets = load_sets()
    if args.finetuned:
        finetuned_held_out(sets, args.finetuned)
        return
    vecs = {name: vectors(embedder, s.texts) for name, s in sets.items()}
    if args.throughput:
        print_throughput(sets, vecs)
        return
    print("held-out datasets:", flush=True)
    rows = held_out_table(sets, vecs, previous_head())
    print(
        f"\n{'held out':<10} {'scorer':<34} {'macro-F1':>8} {'acc':>6} {'neu rec':>7} "
        f"{'pos/neg':>7} {'ECE':>6} {'says neu':>8}"
    )
    for held, name, m in rows:
        print(f"{held:<10} {name:<34} " + " ".join(f"{fmt(v):>7}" for v in m))
    print("\n(macro-F1 over the classes the dataset has: uci 2; clinc150 is all neutral;")
    print(" the previous release's head was trained on uci, so its uci row is not held out)")
    print("\nnames, brands, questions, requests (share of rows):")
    found = probes(embedder, sets, vecs)
    keys = list(next(iter(found.values())))
    print(f"{'scorer':<32} " + " ".join(f"{k:>22}" for k in keys))
    for name, values in found.items():
        print(f"{name:<32} " + " ".join(f"{values[k]:>22.3f}" for k in keys))
    inside, across = emotions_table(embedder)
    for title, names, rows in (
        ("GoEmotions test", list(corpora.EMOTIONS), inside),
        ("XED English lines (cross-domain, shared emotions)", list(XED_SHARED), across),
    ):
        print(f"\nemotions, {title}, F1 per emotion (trained on GoEmotions, thresholds on dev):")
        print(f"{'model':<24} " + " ".join(f"{n[:8]:>8}" for n in names) + f" {'macro':>6}")
        for name, f1s in rows:
            print(f"{name:<24} " + " ".join(f"{v:>8.3f}" for v in f1s) + f" {np.mean(f1s):>6.3f}")
    print_throughput(sets, vecs)
    print(
        f"\nmask_names('@united thanks, Sarah at the desk was great') = "
        f"{mask_names('@united thanks, Sarah at the desk was great')!r}"
    )


if __name__ == "__main__":
    main()
