"""Clause vectors from one encoder pass per comment (pooled token spans) vs one pass per clause.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m bench.pooled_clauses [--n 6000]

Synthetic demo corpus (planted topics, many two-clause comments such as "staff lovely but the
wait was awful"). Per clause: the engine's encoder on each clause text. Pooled: each comment
encoded once; a clause's vector is the mean of the final hidden states of the tokens inside its
character span (tokenizer offsets), L2-normalised. For each: encode comments/s, cosine to the
per-clause vectors, and the topics the engine's topic model (defaults) finds on them — NMI/ARI on
the longest clause of single-topic comments, and for two-topic comments the share whose clauses
land in two different topics (context from the other clause pulls pooled vectors together).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from bench.topic_quality import demo_corpus
from insight.config import load_config
from insight.models.embedder import MiniLMEmbedder
from insight.models.fast_encoder import FastEncoder, plan_batches, token_arrays
from insight.models.topic_model import OUTLIER, TopicModel
from insight.pipelines.components import build_sentiment
from insight.pipelines.sentiment import score_mentions


def pooled_clause_vectors(
    encoder: FastEncoder, comments: list[str], spans: list[list[tuple[int, int]]]
) -> list[np.ndarray]:
    """Per comment, one unit vector per (start, end) character span, from one encoder pass."""
    import torch

    encodings = encoder.tokenizer.encode_batch(
        comments
    )  # with offsets (encode_batch_fast has none)
    flat, lengths = token_arrays([e.ids for e in encodings])
    out: list[np.ndarray] = [np.zeros((len(s), encoder.dimension), np.float32) for s in spans]
    with torch.inference_mode():
        for batch in plan_batches(flat, lengths, encoder.token_budget, encoder.max_rows):
            ids = torch.from_numpy(batch.ids).long()
            keep = ids != 0 if batch.padded else None
            hidden = encoder.model.hidden(ids, keep).float().numpy()
            for slot, row in enumerate(batch.rows):
                offsets = np.asarray(encodings[row].offsets, dtype=np.int64)
                starts, ends = offsets[:, 0], offsets[:, 1]
                for k, (start, end) in enumerate(spans[row]):
                    inside = (starts >= start) & (ends <= end) & (ends > starts)
                    if inside.any():  # else (clause past the 256-token cut) it stays zero
                        vector = hidden[slot, : len(offsets)][inside].mean(axis=0)
                        out[row][k] = vector / max(float(np.linalg.norm(vector)), 1e-12)
    return out


def score(
    name: str, mentions: Any, vectors: np.ndarray, truth: dict[str, str], embedder: MiniLMEmbedder
) -> dict[str, Any]:
    texts = mentions["text"].tolist()
    p_positive = score_mentions(build_sentiment(load_config(None)), texts, vectors)["p_positive"]
    model = TopicModel().fit(
        texts, vectors, embed=embedder.encode, p_positive=p_positive.to_numpy()
    )
    assert model.labels_ is not None
    labels = model.labels_
    frame = mentions.assign(topic=labels, length=mentions["text"].str.len())
    frame["planted"] = frame["comment_id"].map(truth).fillna("")
    single = frame[(frame["planted"] != "") & ~frame["planted"].str.contains("|", regex=False)]
    longest = single.sort_values("length").groupby("comment_id").tail(1)
    double = frame[frame["planted"].str.count("[|]") == 1]
    per_comment = double.groupby("comment_id")["topic"]
    apart = per_comment.agg(lambda t: len(set(t) - {OUTLIER}) >= 2)[per_comment.size() >= 2]
    return {
        "vectors": name,
        "topics": len(model.topics_),
        "nmi": normalized_mutual_info_score(longest["planted"], longest["topic"]),
        "ari": adjusted_rand_score(longest["planted"], longest["topic"]),
        "apart": float(apart.mean()),
        "two_topic_comments": len(apart),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=6000, help="demo comments")
    args = parser.parse_args()
    mentions, comments, truth = demo_corpus(args.n)
    embedder = MiniLMEmbedder()
    embedder.encode(["warm up"])
    texts = mentions["text"].tolist()
    started = time.perf_counter()
    per_clause = embedder.encode(texts)
    clause_seconds = time.perf_counter() - started

    encoder = embedder._load()
    grouped = mentions.groupby("comment_id", sort=False)
    comment_ids = list(grouped.groups)
    spans = [
        list(zip(g["start_char"], g["end_char"], strict=True))
        for _, g in grouped[["start_char", "end_char"]]
    ]
    started = time.perf_counter()
    pooled_lists = pooled_clause_vectors(encoder, [comments[c] for c in comment_ids], spans)
    pooled_seconds = time.perf_counter() - started
    position = {
        mention_id: (i, k)
        for i, (_, g) in enumerate(grouped["id"])
        for k, mention_id in enumerate(g)
    }
    pooled = np.stack([pooled_lists[i][k] for i, k in (position[m] for m in mentions["id"])])
    missing = int((np.abs(pooled).sum(axis=1) == 0).sum())
    pooled[pooled.sum(axis=1) == 0] = per_clause[pooled.sum(axis=1) == 0]
    cosine = np.sum(pooled * per_clause, axis=1)

    rows = [
        score("one pass per clause (engine)", mentions, per_clause, truth, embedder)
        | {"seconds": clause_seconds, "cos": 1.0},
        score("one pass per comment, pooled spans", mentions, pooled, truth, embedder)
        | {"seconds": pooled_seconds, "cos": float(cosine.mean())},
    ]
    print(
        f"\n{len(comments):,} demo comments, {len(mentions):,} clauses "
        f"({missing} clauses past the token limit fell back to their own pass)\n"
    )
    print(
        "| clause vectors | encode s | comments/s | speed × | mean cos to per-clause | topics "
        "| NMI | ARI | two-topic comments kept apart |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['vectors']} | {row['seconds']:.1f} | {len(comments) / row['seconds']:,.0f} "
            f"| {clause_seconds / row['seconds']:.2f} | {row['cos']:.3f} | {row['topics']} "
            f"| {row['nmi']:.3f} | {row['ari']:.3f} | {row['apart']:.1%} "
            f"(of {row['two_topic_comments']}) |"
        )


if __name__ == "__main__":
    main()
