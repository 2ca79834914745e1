"""How far can any clustering of the encoder's vectors follow the intent labels? A ceiling.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m bench.cluster_ceiling
    ... -m bench.cluster_ceiling --encoder DIR  # DIR: another local sentence-transformers
    # folder to compare (e.g. all-mpnet-base-v2 assembled from PyPI, bench/README)

For banking77 and clinc150 (the test queries, out-of-scope rows left out; one query = one text),
NMI against the intents of: Ward and k-means clustering told the *true* number of intents (what
an unsupervised method could do at best with the right count), and a *supervised* 10-nearest-
neighbour vote that knows every other query's intent (leave one out) — no clustering of the same
vectors can follow the labels much better than its neighbourhoods do. Issue 14 asks for subtopic
NMI ≥ 0.85 on both corpora; this says whether the encoder allows it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.metrics import normalized_mutual_info_score

from bench.topics_real import OOS, Corpus, load_banking77, load_clinc150
from insight.models.embedder import MiniLMEmbedder

NEIGHBOURS = 10


def knn_vote(vectors: np.ndarray, labels: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """Each row's label by the majority of its k nearest other rows (cosine), ties to the
    nearest-ranked."""
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    classes, codes = np.unique(labels, return_inverse=True)
    votes = np.zeros((len(labels), len(classes)))
    for rank in range(k):
        votes[np.arange(len(labels)), codes[top[:, rank]]] += 1 + 1e-3 * (k - rank)
    return np.asarray(classes[votes.argmax(axis=1)])


def ceilings(vectors: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    k = len(set(labels.tolist()))
    ward = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(vectors)
    kmeans = KMeans(n_clusters=k, n_init=5, random_state=0).fit_predict(vectors)
    supervised = knn_vote(vectors, labels)
    return {
        "intents": float(k),
        "Ward, true k": normalized_mutual_info_score(labels, ward),
        "k-means, true k": normalized_mutual_info_score(labels, kmeans),
        f"supervised {NEIGHBOURS}-NN": normalized_mutual_info_score(labels, supervised),
        f"supervised {NEIGHBOURS}-NN accuracy": float(np.mean(supervised == labels)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--encoder", help="a local sentence-transformers folder to compare")
    args = parser.parse_args()
    encoders: dict[str, Callable[[list[str]], np.ndarray]] = {"MiniLM": MiniLMEmbedder().encode}
    if args.encoder:
        from sentence_transformers import SentenceTransformer

        other = SentenceTransformer(args.encoder, device="cpu")
        encoders[args.encoder.rstrip("/").split("/")[-1]] = lambda texts: np.asarray(
            other.encode(texts, batch_size=64, normalize_embeddings=True)
        )
    corpora: dict[str, Callable[[], Corpus]] = {
        "banking77": load_banking77,
        "clinc150": load_clinc150,
    }
    rows = []
    for name, load in corpora.items():
        corpus = load()
        intent = corpus.levels["intent"]
        kept = corpus.comments[[intent[c] != OOS for c in corpus.comments["id"]]]
        labels = np.array([intent[c] for c in kept["id"]])
        for encoder, encode in encoders.items():
            rows.append(
                {"corpus": name, "encoder": encoder}
                | ceilings(encode(kept["text"].tolist()), labels)
            )
    keys = [k for k in rows[0] if k not in ("corpus", "encoder")]
    print("| corpus | encoder | " + " | ".join(keys) + " |")
    print("|---|---|" + "---:|" * len(keys))
    for row in rows:
        cells = [f"{row[k]:.0f}" if k == "intents" else f"{row[k]:.3f}" for k in keys]
        print(f"| {row['corpus']} | {row['encoder']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
