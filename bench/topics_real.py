"""Topics on real corpora, through the engine's one path (ingest → fit → tag), beside BERTopic.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m bench.topics_real   # ~25 min
    ... -m bench.topics_real --corpus banking77                                      # one corpus

Corpora (../shared/data, never copied): hotel (each non-empty review field a comment), banking77
(test split), clinc150 (test + out-of-scope test: out-of-scope rows should end unassigned),
bitext (intent, and category one level up), massive (en-US test split: intent, scenario), and the
synthetic demo (planted topics; single-topic comments scored), and bitext_brands (bitext's
requests each addressed to one of six airlines, seeded: "@united ..." or "Hey United, ...", the
airline in the segment column). Each
corpus runs in its own process (peak memory is that process's). Per corpus, with the engine's
defaults:

- a fit on everything (seed 42): topics, the fine cluster size chosen (``granularity.py``),
  the largest topic's share of comments, outlier share of mentions, tag-vs-fit (the saved
  model re-tagging the fit's mentions), NMI / ARI of each
  comment's topic (its longest mention's; unassigned counts as one cluster) against each label
  level, share of labels whose first phrase occurs verbatim in ≥ 5% of the topic's clauses, share
  of mentions in the "General feedback" bucket (clauses without a subject); the same NMI / ARI
  at the subtopic level (the fitted fine clusters stored under the themes);
- a refit with seed 7 on the same store: seed stability = ARI between the two fits' comment
  topics, at both levels;
- a fit on a seeded half, then ``insight tag`` of the other half (new data of the same kind):
  outlier share and largest-topic share on the tagged half next to the fitted half's;
- plain BERTopic (``BERTopic()`` defaults) on the same mention texts and embeddings;
- what, not who: NMI of the topics (both levels, and BERTopic's) against each *segment*, a
  property of who wrote a comment or where, not of what it is about: the hotel reviewer's
  nationality, the bitext request's writing style (its linguistic tags), the airline a
  bitext_brands request is addressed to; low is right. The hotel's review field (complaint or
  praise box) is reported the same way: topics are subjects, so tone should not sort them.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from insight.config import ColumnMap, Config, SourceConfig, load_config
from insight.engine import Engine
from insight.models.embedder import MiniLMEmbedder
from insight.models.topic_model import GENERAL
from insight.models.topic_tree import subtopic_model_id

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
CORPORA = ("hotel", "banking77", "clinc150", "bitext", "massive", "demo", "bitext_brands")
#: Who a bitext_brands request is addressed to: (name, handle).
AIRLINES = (
    ("United", "united"),
    ("Delta", "Delta"),
    ("American Airlines", "AmericanAir"),
    ("Southwest", "SouthwestAir"),
    ("JetBlue", "JetBlue"),
    ("Virgin America", "VirginAmerica"),
)
OOS = "oos"


@dataclass
class Corpus:
    """Comments (id, text) and their label levels (level -> comment id -> label)."""

    comments: pd.DataFrame
    levels: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Who wrote a comment or where (comment id -> value): topics should not follow these.
    segments: dict[str, dict[str, str]] = field(default_factory=dict)


def _frame(
    texts: list[str], labels: dict[str, list[str]], segments: dict[str, list[str]] | None = None
) -> Corpus:
    ids = [f"c{i}" for i in range(len(texts))]
    return Corpus(
        pd.DataFrame({"id": ids, "text": texts}),
        {level: dict(zip(ids, values, strict=True)) for level, values in labels.items()},
        {name: dict(zip(ids, values, strict=True)) for name, values in (segments or {}).items()},
    )


def load_hotel() -> Corpus:
    texts, nationality, box = [], [], []
    with (DATA / "hotel_reviews/Hotel_Reviews_Britannia_Canary_Wharf.csv").open() as handle:
        for row in csv.DictReader(handle):
            for column, empty in (
                ("Negative_Review", "No Negative"),
                ("Positive_Review", "No Positive"),
            ):
                text = " ".join(row[column].split())
                if text and text != empty:
                    texts.append(text)
                    nationality.append(row["Reviewer_Nationality"].strip())
                    box.append(column)
    return _frame(texts, {}, {"nationality": nationality, "review field (tone)": box})


def load_banking77() -> Corpus:
    frame = pd.read_csv(DATA / "banking77/test.csv")
    return _frame(frame["text"].tolist(), {"intent": frame["category"].tolist()})


def load_clinc150() -> Corpus:
    data = json.loads((DATA / "clinc150/data_full.json").read_text())
    rows = data["test"] + data["oos_test"]
    domains = json.loads((DATA / "clinc150/domains.json").read_text())
    domain_of = {intent: domain for domain, intents in domains.items() for intent in intents}
    return _frame(
        [r[0] for r in rows],
        {"intent": [r[1] for r in rows], "domain": [domain_of.get(r[1], OOS) for r in rows]},
    )


def load_bitext() -> Corpus:
    frame = pd.read_csv(
        DATA / "bitext_customer_support/Bitext_Sample_Customer_Support_Training_Dataset.csv"
    )
    return _frame(
        frame["instruction"].tolist(),
        {"intent": frame["intent"].tolist(), "category": frame["category"].tolist()},
        {"writing style": frame["tags"].tolist()},
    )


def load_bitext_brands() -> Corpus:
    """Bitext's requests, each addressed to a seeded airline by @handle or by name; the
    airline is the comments' segment column, as an airline's social export would carry it."""
    corpus = load_bitext()
    rng = np.random.default_rng(0)
    brand = rng.integers(len(AIRLINES), size=len(corpus.comments))
    by_name = rng.random(len(corpus.comments)) < 0.5
    texts = [
        f"Hey {AIRLINES[b][0]}, {text}" if named else f"@{AIRLINES[b][1]} {text}"
        for text, b, named in zip(corpus.comments["text"], brand, by_name, strict=True)
    ]
    segment = [AIRLINES[b][0] for b in brand]
    airline = dict(zip(corpus.comments["id"], segment, strict=True))
    return Corpus(
        corpus.comments.assign(text=texts, segment=segment), corpus.levels, {"airline": airline}
    )


def load_massive() -> Corpus:
    rows = [json.loads(line) for line in (DATA / "massive/en-US.jsonl").open()]
    rows = [r for r in rows if r["partition"] == "test"]
    return _frame(
        [r["utt"] for r in rows],
        {"intent": [r["intent"] for r in rows], "scenario": [r["scenario"] for r in rows]},
    )


def load_demo(work: Path) -> tuple[Corpus, tuple[SourceConfig, ...]]:
    from insight.demo.generator import write_corpus

    write_corpus(work / "demo", n_comments=6000)
    with (work / "demo" / "ground_truth.csv").open() as handle:
        truth = {r["id"]: r["topics"] for r in csv.DictReader(handle)}
    single = {cid: t for cid, t in truth.items() if "|" not in t}
    base = load_config(REPO / "configs" / "demo.toml")
    sources = tuple(
        s.model_copy(update={"path": work / "demo" / s.path.name}) for s in base.sources
    )
    return Corpus(pd.DataFrame({"id": list(truth)}), {"planted": single}), sources


LOADERS: dict[str, Callable[[], Corpus]] = {
    "hotel": load_hotel,
    "banking77": load_banking77,
    "clinc150": load_clinc150,
    "bitext": load_bitext,
    "massive": load_massive,
    "bitext_brands": load_bitext_brands,
}


def _sources(work: Path, name: str, comments: pd.DataFrame) -> tuple[SourceConfig, ...]:
    """One CSV source of the comments; a ``segment`` column (who) is mapped as the segment."""
    path = work / f"{name}.csv"
    segment = "segment" if "segment" in comments else None
    comments[["id", "text", *([segment] if segment else [])]].to_csv(path, index=False)
    columns = ColumnMap(id="id", text="text", segment=segment)
    return (SourceConfig(path=path, channel=name, columns=columns),)


def _config(work: Path, db: str, sources: tuple[SourceConfig, ...], seed: int) -> Config:
    return Config(db_path=work / db, artifacts_dir=work / "artifacts", sources=sources, seed=seed)


def comment_topics(mentions: pd.DataFrame) -> pd.Series:
    """Each comment's topic: its longest mention's (outliers included as -1)."""
    longest = mentions.assign(n=mentions["text"].str.len()).sort_values(
        ["comment_id", "n"], ascending=[True, False]
    )
    return longest.drop_duplicates("comment_id").set_index("comment_id")["topic_id"]


def largest_share(mentions: pd.DataFrame, comments: int) -> float:
    known = mentions[mentions["topic_id"] >= 0].drop_duplicates(["comment_id", "topic_id"])
    return float(known["topic_id"].value_counts().max() / comments) if len(known) else 0.0


def label_in_clauses(engine: Engine, model_id: str, mentions: pd.DataFrame) -> float:
    """Share of topics whose label's first phrase occurs in ≥ 5% of the topic's clauses (the
    general bucket, named as such, left out)."""
    hits = []
    for topic in engine.store.topics(model_id):
        if topic.label == GENERAL:
            continue
        phrase = topic.label.split(" · ")[0].strip().lower()
        texts = mentions.loc[mentions["topic_id"] == topic.topic_id, "text"].str.lower()
        if len(texts) and phrase:
            hits.append(texts.str.contains(phrase, regex=False).mean() >= 0.05)
    return float(np.mean(hits)) if hits else float("nan")


def general_share(engine: Engine, model_id: str, mentions: pd.DataFrame) -> float:
    """Share of mentions in the general bucket (clauses without a subject of their own)."""
    ids = [t.topic_id for t in engine.store.topics(model_id) if t.label == GENERAL]
    return float(mentions["topic_id"].isin(ids).mean())


def agreement(levels: dict[str, dict[str, str]], topics: pd.Series) -> dict[str, float]:
    out = {}
    for level, labels in levels.items():
        ids = [cid for cid, label in labels.items() if label != OOS and cid in topics.index]
        truth = [labels[cid] for cid in ids]
        found = topics.loc[ids].to_numpy()
        out[f"NMI {level}"] = float(normalized_mutual_info_score(truth, found))
        out[f"ARI {level}"] = float(adjusted_rand_score(truth, found))
    return out


def run_corpus(name: str) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    if name == "demo":
        corpus, sources = load_demo(work)
    else:
        corpus = LOADERS[name]()
        sources = _sources(work, name, corpus.comments)
    out: dict[str, Any] = {"corpus": name}
    started = time.perf_counter()
    with Engine.open(_config(work, "all.duckdb", sources, 42)) as engine:
        kept = engine.ingest(progress=False, alerts=False)
        fit = engine.fit(progress=False)
        mentions = engine.store.assignments(fit.model_id)
        comments = engine.store.count("comments")
        out |= {
            "comments": comments,
            "mentions": len(mentions),
            "rejected": kept.rejected,
            "topics": fit.topics,
            "cluster size": fit.cluster_size,
            "largest share": largest_share(mentions, comments),
            "outliers": fit.outlier_share,
            "tag vs fit": fit.tag_agreement,
            "fit s": time.perf_counter() - started,
            "label in clauses": label_in_clauses(engine, fit.model_id, mentions),
            "general": general_share(engine, fit.model_id, mentions),
        }
        first = comment_topics(mentions)
        out |= agreement(corpus.levels, first)
        under = engine.store.assignments(subtopic_model_id(fit.model_id))
        first_sub = comment_topics(under)
        out["subtopics"] = len(engine.store.topics(subtopic_model_id(fit.model_id)))
        found = agreement(corpus.levels, first_sub)
        out |= {f"{k[:3]} {k[4:]} (subtopics)": v for k, v in found.items()}
        out |= segment_nmi(corpus.segments, {"themes": first, "subtopics": first_sub})
        if name == "clinc150":
            oos = [cid for cid, label in corpus.levels["intent"].items() if label == OOS]
            inside = [cid for cid in first.index if cid not in set(oos)]
            out["oos unassigned"] = float((first.loc[oos] < 0).mean())
            out["in-scope unassigned"] = float((first.loc[inside] < 0).mean())
        texts = mentions["text"].tolist()
    with Engine.open(_config(work, "all.duckdb", sources, 7)) as engine:
        refit = engine.fit(progress=False)
        second = comment_topics(engine.store.assignments(refit.model_id))
        out["seed ARI"] = float(adjusted_rand_score(first.loc[second.index], second))
        again = comment_topics(engine.store.assignments(subtopic_model_id(refit.model_id)))
        out["seed ARI sub"] = float(adjusted_rand_score(first_sub.loc[again.index], again))
    out |= new_data(work, name, corpus, sources)
    out |= bertopic_defaults(texts, mentions, corpus)
    out["peak GiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return out


def new_data(
    work: Path, name: str, corpus: Corpus, sources: tuple[SourceConfig, ...]
) -> dict[str, float]:
    """Fit on a seeded half; tag the other half as new data of the same kind."""
    if name == "demo":  # the demo's three exports: its own later comments are the new data
        return {}
    order = np.random.default_rng(0).permutation(len(corpus.comments))
    half = len(order) // 2
    fitted = _sources(work, f"{name}-a", corpus.comments.iloc[np.sort(order[:half])])
    later = _sources(work, f"{name}-b", corpus.comments.iloc[np.sort(order[half:])])[0]
    with Engine.open(_config(work, "half.duckdb", fitted, 42)) as engine:
        engine.ingest(progress=False, alerts=False)
        fit = engine.fit(progress=False)
        own = engine.store.assignments(fit.model_id)
        _, tagged = engine.tag_file(later, persist=False, progress=False, alerts=False)
    return {
        "outliers fitted half": float((own["topic_id"] < 0).mean()),
        "outliers tagged half": float((tagged["topic_id"] < 0).mean()),
        "largest fitted half": largest_share(own, own["comment_id"].nunique()),
        "largest tagged half": largest_share(tagged, tagged["comment_id"].nunique()),
    }


def bertopic_defaults(texts: list[str], mentions: pd.DataFrame, corpus: Corpus) -> dict[str, float]:
    from bertopic import BERTopic

    from bench.sentiment import vectors

    started = time.perf_counter()
    labels, _ = BERTopic().fit_transform(texts, vectors(MiniLMEmbedder(), texts))
    found = mentions.assign(topic_id=np.asarray(labels))
    topics = comment_topics(found)
    out = {
        "BERTopic topics": float(len(set(labels) - {-1})),
        "BERTopic outliers": float(np.mean(np.asarray(labels) < 0)),
        "BERTopic largest share": largest_share(found, found["comment_id"].nunique()),
        "BERTopic fit s": time.perf_counter() - started,
    }
    out |= {f"BERTopic {k}": v for k, v in agreement(corpus.levels, topics).items()}
    return out | segment_nmi(corpus.segments, {"BERTopic": topics})


def segment_nmi(
    segments: dict[str, dict[str, str]], found: dict[str, pd.Series]
) -> dict[str, float]:
    """NMI of each labelling in ``found`` (comment -> topic) against each segment; with the
    themes, also the chance level (the same topics shuffled over the comments, mean of five)."""
    out = {}
    rng = np.random.default_rng(0)
    for segment, values in segments.items():
        for name, topics in found.items():
            ids = [cid for cid in topics.index if cid in values]
            truth = [values[cid] for cid in ids]
            labels = topics.loc[ids].to_numpy()
            out[f"segment {segment} | {name}"] = float(normalized_mutual_info_score(truth, labels))
            if name == "themes":
                shuffled = [
                    normalized_mutual_info_score(truth, rng.permutation(labels)) for _ in range(5)
                ]
                out[f"segment {segment} | chance"] = float(np.mean(shuffled))
    return out


COLUMNS = (
    ("comments", "{:.0f}"),
    ("topics", "{:.0f}"),
    ("subtopics", "{:.0f}"),
    ("cluster size", "{:.0f}"),
    ("largest share", "{:.1%}"),
    ("outliers", "{:.1%}"),
    ("tag vs fit", "{:.1%}"),
    ("seed ARI", "{:.3f}"),
    ("seed ARI sub", "{:.3f}"),
    ("label in clauses", "{:.0%}"),
    ("general", "{:.1%}"),
    ("fit s", "{:.0f}"),
    ("peak GiB", "{:.1f}"),
)


def _cell(row: dict[str, Any], key: str, fmt: str) -> str:
    value = row.get(key)
    return (
        "–"
        if value is None or (isinstance(value, float) and np.isnan(value))
        else fmt.format(value)
    )


def print_tables(rows: list[dict[str, Any]]) -> None:
    print("\n| corpus | " + " | ".join(k for k, _ in COLUMNS) + " |")
    print("|---|" + "---:|" * len(COLUMNS))
    for row in rows:
        print(f"| {row['corpus']} | " + " | ".join(_cell(row, k, f) for k, f in COLUMNS) + " |")
    print("\nAgainst the labels (comment topic = its longest mention's; unassigned = one cluster):")
    print(
        "| corpus | level | engine topics | NMI | ARI | BERTopic topics | BERTopic NMI "
        "| BERTopic ARI | NMI engine / BERTopic |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        for key in [k for k in row if k.startswith("NMI ")]:
            level = key[4:]
            nmi, ari = row[key], row[f"ARI {level}"]
            base = level.removesuffix(" (subtopics)")
            b_nmi, b_ari = row.get(f"BERTopic NMI {base}"), row.get(f"BERTopic ARI {base}")
            ratio = nmi / b_nmi if b_nmi else float("nan")
            count = row["subtopics"] if level != base else row["topics"]
            print(
                f"| {row['corpus']} | {level} | {count} | {nmi:.3f} | {ari:.3f} | "
                f"{row['BERTopic topics']:.0f} | {b_nmi:.3f} | {b_ari:.3f} | {ratio:.2f}× |"
            )
    print("\nNew data of the same kind (fit on a seeded half, `insight tag` the other half):")
    print(
        "| corpus | outliers fitted | outliers tagged | largest topic fitted "
        "| largest topic tagged |"
    )
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        if "outliers tagged half" in row:
            print(
                f"| {row['corpus']} | {row['outliers fitted half']:.1%} | "
                f"{row['outliers tagged half']:.1%} | {row['largest fitted half']:.1%} | "
                f"{row['largest tagged half']:.1%} |"
            )
    segments = sorted({k.split(" | ")[0] for r in rows for k in r if k.startswith("segment ")})
    if segments:
        print("\nWhat, not who: NMI against a segment (who wrote it or where; low is right):")
        print("| corpus | segment | NMI themes | NMI subtopics | NMI BERTopic | chance (themes) |")
        print("|---|---|---:|---:|---:|---:|")
    for row in rows:
        for segment in segments:
            if f"{segment} | themes" in row:
                names = ("themes", "subtopics", "BERTopic", "chance")
                cells = [row.get(f"{segment} | {n}", float("nan")) for n in names]
                print(
                    f"| {row['corpus']} | {segment.removeprefix('segment ')} | "
                    + " | ".join(f"{c:.3f}" for c in cells)
                    + " |"
                )
    clinc = [r for r in rows if "oos unassigned" in r]
    for row in clinc:
        print(
            f"\nclinc150: out-of-scope queries unassigned {row['oos unassigned']:.1%}, "
            f"in-scope {row['in-scope unassigned']:.1%}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", choices=CORPORA, help="run one corpus in this process")
    parser.add_argument("--json", type=Path, help="with --corpus: write its row here")
    args = parser.parse_args()
    if args.corpus:
        row = run_corpus(args.corpus)
        if args.json:
            args.json.write_text(json.dumps(row))
        print_tables([row])
        return
    rows = []
    for name in CORPORA:
        out = Path(tempfile.mkdtemp()) / f"{name}.json"
        print(f"{name} …", flush=True)
        subprocess.run(
            [sys.executable, "-m", "bench.topics_real", "--corpus", name, "--json", str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        rows.append(json.loads(out.read_text()))
    print_tables(rows)


if __name__ == "__main__":
    main()
