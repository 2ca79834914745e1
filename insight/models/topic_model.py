"""Topic model: BERTopic from explicit sub-models at fit time, a safe kNN tagger afterwards.

Fit runs BERTopic with UMAP → HDBSCAN → c-TF-IDF over precomputed embeddings. What is saved is
not a pickle of those objects but plain arrays and JSON (``model.json`` + ``arrays.npz``, loaded
with ``allow_pickle=False``): topic labels/keywords/quotes, centroids and a labelled index of
training embeddings. ``transform`` tags new mentions by a similarity-weighted vote of their
nearest indexed neighbours, which reproduces the density-based fit assignments (outliers
included) without refitting and without loading untrusted code.
"""

from __future__ import annotations

import io
import json
import re
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from insight.errors import NotFittedError
from insight.models.granularity import (
    LAYOUTS,
    AgreedSizeClusterer,
    auto_min_topic_size,
    candidate_sizes,
    umap_layouts,
)
from insight.models.neighbours import (
    clusters_with_centroids,
    exact_knn,
    neighbour_vote,
    normalise_rows,
    present_ids,
)
from insight.models.quotes import pick_quotes
from insight.models.segment_markers import marker_pattern
from insight.models.subject import subject_docs
from insight.models.theme_merge import theme_groups
from insight.models.topic_labels import (
    CX_STOP_WORDS,
    ClusterPhrases,
    candidates,
    choose_labels,
    is_filler,
    label_or_example,
    subjects,
)
from insight.models.topic_params import TopicParams
from insight.models.topic_tree import OUTLIER, Hierarchy, reduce_outliers
from insight.registry import register
from insight.schemas import Topic

#: The bucket of clauses without a subject of their own (``_filler``). Polarity, as for any
#: topic, is the mention's: its complaints and praise are the general complaint / praise.
GENERAL = "General feedback"
#: Cosine at which an indexed mention counts as the query's own text (float16 index rounding).
SAME_TEXT = 0.999
FORMAT_VERSION = 2


@dataclass(frozen=True)
class Clusters:
    """What clustering found: each mention's theme and fine cluster (subtopic), keywords of
    both levels, the fine clusters' noun phrases, and the general bucket's theme (or None)."""

    themes: np.ndarray
    fine: np.ndarray
    keywords: dict[int, list[str]]
    fine_keywords: dict[int, list[str]]
    fine_phrases: dict[int, ClusterPhrases]
    general: int | None


def _keywords(model: Any, labels: np.ndarray) -> dict[int, list[str]]:
    """Each topic's keywords from a fitted BERTopic (its current topics)."""
    ids = present_ids(labels)
    return {int(t): [w for w, _ in (model.get_topic(t) or []) if w] for t in ids}


def time_calls(component: Any, method: str, stage: str, seconds: dict[str, float]) -> None:
    """Record the wall time of ``component.method`` calls under ``stage`` (per-stage benchmark)."""
    original = getattr(component, method)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - started

    setattr(component, method, wrapper)


class TopicModel:
    """Parameters only in the constructor (validated by ``TopicParams``, where they and their
    defaults are declared); fitted state ends in ``_`` (scikit-learn style)."""

    def __init__(self, seed: int = 42, **params: Any) -> None:
        self.p = TopicParams(**params)
        self.seed = seed
        self.topics_: list[Topic] = []
        self.labels_: np.ndarray | None = None
        self.subtopics_: list[Topic] = []
        self.subtopic_labels_: np.ndarray | None = None
        self.tree_ = Hierarchy({})
        self.centroids_: np.ndarray | None = None
        self.index_vectors_: np.ndarray | None = None
        self.index_labels_: np.ndarray | None = None
        self.meta_: dict[str, Any] = {}
        self.index32_: np.ndarray | None = None
        self.seconds_: dict[str, float] = {}
        self._tagger: Any = None

    @property
    def markers(self) -> re.Pattern[str] | None:
        """The fit's segment markers as one pattern (``subject_text``), None when there are none:
        every text this model embeds or tags goes through it."""
        return marker_pattern(self.meta_.get("segment_markers", []))

    def params(self) -> dict[str, Any]:
        return {**self.p.model_dump(), "seed": self.seed}

    # fit ---------------------------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        quotes_from: Sequence[str] | None = None,
        embed: Callable[[list[str]], np.ndarray] | None = None,
        p_positive: np.ndarray | None = None,
        markers: Sequence[str] = (),
    ) -> TopicModel:
        """Fit topics on mention texts and their embeddings.

        ``quotes_from`` (aligned with ``texts``) is what a quote shows, e.g. the whole comment.
        ``embed`` (the same encoder that made ``embeddings``) lets keywords be re-ranked by
        meaning (KeyBERT-style), which reads far better than raw c-TF-IDF; without it the
        c-TF-IDF ranking is used. ``p_positive`` (per text, from the sentiment model) keeps the
        theme merge from joining praise with complaints (``merge_sentiment_gap``). ``markers``:
        the words that mark a segment (``segment_markers``), kept out of keywords and labels as
        they were kept out of ``embeddings``, and stored for tagging.
        """
        if len(texts) != len(embeddings):
            raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
        if p_positive is not None and len(p_positive) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(p_positive)} sentiment scores")
        if len(texts) < 20:
            raise ValueError(f"need at least 20 mentions to fit topics, got {len(texts)}")
        embeddings = normalise_rows(np.asarray(embeddings, dtype=np.float32))
        self.seconds_ = {}
        self.meta_ = {"segment_markers": sorted(markers)}
        started = time.perf_counter()
        knn = exact_knn(embeddings, self.p.umap_neighbors)
        self.seconds_["knn"] = time.perf_counter() - started
        found = self._cluster(texts, embeddings, embed, p_positive, knn)
        clustered = sum(self.seconds_.values())
        self.seconds_["label"] = time.perf_counter() - started - clustered
        fine = found.fine.copy()
        self.tree_ = Hierarchy({f: int(found.themes[fine == f][0]) for f in present_ids(fine)})
        if self.p.outliers == "reduce":
            reduce_outliers(embeddings, fine, self.tree_, self.p.outlier_threshold)
        labels, subtopics = self._settle(embeddings, fine)
        quote_texts = list(quotes_from if quotes_from is not None else texts)
        self.labels_, self.subtopic_labels_ = labels, subtopics
        themes, subs = (
            clusters_with_centroids(embeddings, labels),
            clusters_with_centroids(embeddings, subtopics),
        )
        self.centroids_ = themes[1]
        phrases = self._labels(texts, labels, themes, embed, found.keywords, found.general)
        self.topics_ = self._level(
            labels, themes, embeddings, found.keywords, phrases, quote_texts, texts
        )
        centroid_of = dict(zip(*subs, strict=True))
        fine_phrases = {t: f for t, f in found.fine_phrases.items() if t in centroid_of}
        names = choose_labels(fine_phrases, centroid_of, embed, found.fine_keywords)
        described = self._level(
            subtopics, subs, embeddings, found.fine_keywords, names, quote_texts, texts
        )
        self.subtopics_ = [replace(t, parent=self.tree_.parents[t.topic_id]) for t in described]
        self.meta_ |= {
            "n_fit": len(texts),
            "outlier_share_raw": float(np.mean(found.themes == OUTLIER)),
            "subtopics": len(self.subtopics_),
            "outlier_share": float(np.mean(labels == OUTLIER)),
        }
        return self

    def _umap_init(self, embeddings: np.ndarray) -> str | np.ndarray:
        """Starting layout. UMAP's spectral start is not reproducible when the kNN graph falls
        apart into components (duplicate-heavy survey text does): the same data gave different
        topics run to run. A PCA start is deterministic and cheap (measured in
        ``bench/topic_quality.py``)."""
        if self.p.umap_init != "pca":
            return self.p.umap_init
        centred = embeddings - embeddings.mean(axis=0)
        _, _, components = np.linalg.svd(centred[:: max(1, len(centred) // 20_000)], False)
        layout = centred @ components[: self.p.umap_components].T
        return (layout / max(float(np.abs(layout).max()), 1e-12) * 10.0).astype(np.float32)

    def _min_size(self, n_docs: int) -> int:
        if self.p.min_topic_size == "auto":
            return auto_min_topic_size(n_docs)
        return int(self.p.min_topic_size)

    def _cluster(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        embed: Callable[[list[str]], np.ndarray] | None,
        p_positive: np.ndarray | None,
        knn: tuple[np.ndarray, np.ndarray],
    ) -> Clusters:
        """Fine cluster and theme of each mention (``-1`` = outlier), with keywords and noun
        phrases of each, and the theme holding the filler clusters (the general bucket)."""
        from bertopic import BERTopic
        from bertopic.backend import BaseEmbedder
        from bertopic.representation import KeyBERTInspired
        from bertopic.vectorizers import ClassTfidfTransformer
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

        size = self._min_size(len(texts))
        start = self._umap_init(embeddings)
        umap_model = umap_layouts(
            self.seed, knn, start, self.p.umap_neighbors, self.p.umap_components
        )
        auto = self.p.min_topic_size == "auto"
        hdbscan_model = AgreedSizeClusterer(
            candidate_sizes(size, len(texts)) if auto else [size], LAYOUTS, self.p.max_theme_share
        )
        stop_words = sorted(ENGLISH_STOP_WORDS.union(CX_STOP_WORDS))
        # No min_df: BERTopic fits the vectorizer on one joined document per topic, so
        # min_df=2 would drop exactly the words unique to a topic, its best keywords.
        vectorizer = CountVectorizer(
            stop_words=stop_words, ngram_range=(1, 2), token_pattern=r"(?u)\b[^\W\d_][^\W\d_]+\b"
        )
        backend: Any = None
        representation: Any = None
        if embed is not None:
            encode = embed

            class Backend(BaseEmbedder):
                def embed(self, documents: Any, verbose: bool = False) -> np.ndarray:
                    return encode(list(documents))

            backend = Backend()
            representation = KeyBERTInspired(
                top_n_words=self.p.n_keywords, nr_candidate_words=40, random_state=self.seed
            )
        model = BERTopic(
            embedding_model=backend,
            umap_model=umap_model,
            hdbscan_model=hdbscan_model,
            representation_model=representation,
            vectorizer_model=vectorizer,
            ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
            top_n_words=self.p.n_keywords,
            calculate_probabilities=False,
            verbose=False,
        )
        docs = subject_docs(texts, self.markers)
        time_calls(umap_model, "fit", "reduce", self.seconds_)
        time_calls(hdbscan_model, "fit", "cluster", self.seconds_)
        with warnings.catch_warnings():
            # A fixed random_state makes UMAP single-threaded; that is the price of determinism.
            warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
            warnings.filterwarnings("ignore", message=".*precomputed_knn", category=UserWarning)
            fine = np.asarray(model.fit_transform(docs, embeddings)[0], dtype=np.int64)
        self.meta_["min_topic_size"] = hdbscan_model.size_
        self.meta_["size_agreement"] = {
            str(k): round(v, 4) for k, v in hdbscan_model.agreement_.items()
        }
        fine_phrases = self._phrases(docs, fine)
        filler = self._filler(fine_phrases)
        groups = theme_groups(
            fine,
            embeddings,
            None if self.p.merge_sentiment_gap >= 1.0 else p_positive,
            filler,
            (self.p.merge_distance, self.p.merge_sentiment_gap, self.p.max_theme_share),
            {t: subjects(found) for t, found in fine_phrases.items()},
            self.p.max_themes,
        )
        fine_keywords = _keywords(model, fine)
        labels = fine
        if groups:
            model.merge_topics(docs, groups)
            labels = np.asarray(model.topics_, dtype=np.int64)
        general = int(labels[fine == filler[0]][0]) if filler else None
        return Clusters(
            labels, fine, _keywords(model, labels), fine_keywords, fine_phrases, general
        )

    def _level(
        self,
        labels: np.ndarray,
        centred: tuple[list[int], np.ndarray],
        embeddings: np.ndarray,
        keywords: dict[int, list[str]],
        phrases: dict[int, str],
        quote_texts: list[str],
        texts: Sequence[str],
    ) -> list[Topic]:
        """The topics of one level (label, keywords, size, typical and varied quotes);
        ``centred``: the level's topic ids and centroids (``clusters_with_centroids``)."""
        topic_ids, centroids = centred
        topics: list[Topic] = []
        for row, topic_id in enumerate(topic_ids):
            members = np.flatnonzero(labels == topic_id)
            order = members[np.argsort(-(embeddings[members] @ centroids[row]), kind="stable")]
            quotes = pick_quotes(order, list(texts), quote_texts, embeddings, self.p.n_quotes)
            words = keywords.get(topic_id, [])[: self.p.n_keywords]
            label = phrases.get(topic_id) or label_or_example(words, texts[order[0]])
            topics.append(Topic(topic_id, label, words, len(members), quotes))
        return topics

    def _phrases(self, docs: Sequence[str], labels: np.ndarray) -> dict[int, ClusterPhrases]:
        """Noun phrases of each cluster's clauses (``topic_labels.candidates``, spaCy tagger)."""
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        from insight.models.bundled import load_spacy_tagger

        if self._tagger is None:
            self._tagger = load_spacy_tagger()
        members = {t: np.flatnonzero(labels == t) for t in present_ids(labels)}
        stop = frozenset(ENGLISH_STOP_WORDS.union(CX_STOP_WORDS))
        return candidates(members, docs, self._tagger, stop, self.seed)

    def _filler(self, found: dict[int, ClusterPhrases]) -> list[int]:
        """Fine clusters without a subject of their own ("Sort it out", "Keep it up",
        "Nothing"): they become one visible general bucket, never part of a subject's theme.
        None when every cluster looks so (nothing to tell them from)."""
        filler = [t for t, cluster in found.items() if is_filler(cluster)]
        self.meta_["filler_clusters"] = len(filler)
        return filler if len(filler) < len(found) else []

    def _labels(
        self,
        texts: Sequence[str],
        labels: np.ndarray,
        centred: tuple[list[int], np.ndarray],
        embed: Callable[[list[str]], np.ndarray] | None,
        keywords: dict[int, list[str]],
        general: int | None,
    ) -> dict[int, str]:
        """Each theme's label: a noun phrase of its clauses, unique across themes; the general
        bucket is named as such."""
        ids = centred[0]
        found = self._phrases(subject_docs(texts, self.markers), labels)
        centroids = dict(zip(*centred, strict=True))
        subjects = {t: f for t, f in found.items() if t != general}
        phrases = choose_labels(subjects, centroids, embed, keywords)
        return phrases | ({general: GENERAL} if general in ids else {})

    def _settle(self, embeddings: np.ndarray, fine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The fit's assignments (theme, subtopic) are the tagger's: index the subtopics, then tag
        the fitted mentions with ``tag``, exactly as new data will be tagged.

        HDBSCAN's labels follow density, the tagger's neighbour vote does not: its outliers sit
        among topic members and its boundaries cut through dense regions, so new data of the same
        kind got a third of the fit's outliers (hotel reviews: 4.0% vs 12.1%) and larger topics.
        As ``tag`` skips a mention's own text in the index, the vote on a fitted mention is
        the vote a new mention like it gets. A theme the vote leaves empty is dropped.
        """
        index_labels = fine
        for _ in range(3):
            self._build_index(embeddings, index_labels)
            themes, _, subtopics = self.tag(embeddings)
            kept = np.isin(self.tree_.themes_of(index_labels), themes) | (index_labels == OUTLIER)
            if kept.all():
                break
            index_labels = np.where(kept, index_labels, OUTLIER)
        return themes, subtopics

    def _build_index(self, embeddings: np.ndarray, labels: np.ndarray) -> None:
        keep = np.arange(len(labels))
        if len(keep) > self.p.max_index_size:
            rng = np.random.default_rng(self.seed)
            keep = np.sort(rng.choice(keep, size=self.p.max_index_size, replace=False))
        self.index_vectors_ = embeddings[keep].astype(np.float16)
        self.index32_ = None
        self.index_labels_ = labels[keep].astype(np.int32)

    # transform ---------------------------------------------------------------------------------
    def transform(self, embeddings: np.ndarray, batch: int = 2048) -> tuple[np.ndarray, np.ndarray]:
        """Theme id (``-1`` = outlier) and vote confidence for each embedding (``tag``)."""
        themes, confidence, _ = self.tag(embeddings, batch)
        return themes, confidence

    def tag(
        self, embeddings: np.ndarray, batch: int = 2048
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Theme, vote confidence and subtopic of each embedding (``topic_tree``).

        The theme is the vote of the ``tag_neighbors`` nearest indexed mentions weighted by
        cosine, skipping indexed copies of the query's own text (cosine ≥ ``SAME_TEXT``) while
        others exist: a fitted mention is then tagged as a new one like it would be
        (``_settle``); the subtopic is the same vote among the neighbours of that theme.
        """
        if self.index_vectors_ is None or self.index_labels_ is None:
            raise NotFittedError("the topic model is not fitted; run `insight fit` first")
        queries = normalise_rows(np.asarray(embeddings, dtype=np.float32))
        index = self._index_float32()
        k = min(self.p.tag_neighbors, len(index))
        themes = np.empty(len(queries), dtype=np.int64)
        subtopics = np.empty(len(queries), dtype=np.int64)
        confidence = np.empty(len(queries), dtype=np.float64)
        for start in range(0, len(queries), batch):
            sims = queries[start : start + batch] @ index.T
            sims[sims >= SAME_TEXT] = -2.0  # below any cosine: chosen only if nothing else is
            top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            top_sims = np.take_along_axis(sims, top, axis=1)
            near = self.index_labels_[top].astype(np.int64)
            near_themes = self.tree_.themes_of(near)
            found, share = neighbour_vote(near_themes, top_sims)
            themes[start : start + batch] = found
            confidence[start : start + batch] = share
            within = near_themes == found[:, None]
            subtopics[start : start + batch] = neighbour_vote(near, top_sims, within)[0]
        return themes, confidence, subtopics

    def _index_float32(self) -> np.ndarray:
        """The kNN index as float32, converted once (stored as float16 to halve the file)."""
        assert self.index_vectors_ is not None
        if self.index32_ is None or self.index32_.shape != self.index_vectors_.shape:
            self.index32_ = self.index_vectors_.astype(np.float32)
        return self.index32_

    # persistence -------------------------------------------------------------------------------
    def to_files(self) -> dict[str, bytes]:
        """The fitted model as two files: ``model.json`` and ``arrays.npz`` (no pickle)."""
        if self.index_vectors_ is None or self.centroids_ is None or self.index_labels_ is None:
            raise NotFittedError("nothing to save: the topic model is not fitted")
        document = {
            "format_version": FORMAT_VERSION,
            "params": self.params(),
            "meta": self.meta_,
            "topics": [asdict(t) for t in self.topics_],
            "subtopics": [asdict(t) for t in self.subtopics_],
            "parents": self.tree_.to_json(),
        }
        arrays = io.BytesIO()
        np.savez(
            arrays,
            centroids=self.centroids_,
            index_vectors=self.index_vectors_,
            index_labels=self.index_labels_,
        )
        text = json.dumps(document, indent=2).encode("utf-8")
        return {"model.json": text, "arrays.npz": arrays.getvalue()}

    @classmethod
    def from_files(cls, files: dict[str, bytes], where: str = "the database") -> TopicModel:
        """Rebuild a model from ``to_files`` output; arrays load with ``allow_pickle=False``."""
        if "model.json" not in files:
            raise NotFittedError(f"no saved topic model in {where}; run `insight fit` first")
        document = json.loads(files["model.json"].decode("utf-8"))
        if document.get("format_version") not in (1, FORMAT_VERSION) or "arrays.npz" not in files:
            raise NotFittedError(
                f"{where}: unsupported format {document.get('format_version')} or missing "
                "arrays; refit with `insight fit`"
            )
        model = cls(**document["params"])
        with np.load(io.BytesIO(files["arrays.npz"]), allow_pickle=False) as arrays:
            model.centroids_ = arrays["centroids"]
            model.index_vectors_ = arrays["index_vectors"]
            model.index_labels_ = arrays["index_labels"]
        model.topics_ = [Topic(**t) for t in document["topics"]]
        model.meta_ = document.get("meta", {})
        # format 1 (one level): the index holds theme ids, each its own parent, no subtopics
        model.subtopics_ = [Topic(**t) for t in document.get("subtopics", [])]
        parents = document.get("parents")
        assert model.index_labels_ is not None
        model.tree_ = (
            Hierarchy.from_json(parents) if parents else Hierarchy.flat(model.index_labels_)
        )
        return model

    def save(self, folder: str | Path) -> Path:
        """Write the model's files into ``folder`` (an export; the database holds the model)."""
        Path(folder).mkdir(parents=True, exist_ok=True)
        for name, content in self.to_files().items():
            (Path(folder) / name).write_bytes(content)
        return Path(folder)

    @classmethod
    def load(cls, folder: str | Path) -> TopicModel:
        names = ("model.json", "arrays.npz")
        files = {n: (Path(folder) / n).read_bytes() for n in names if (Path(folder) / n).exists()}
        return cls.from_files(files, str(folder))


@register("topic_model", "insight.bertopic.v1")
def bertopic_topic_model(**params: Any) -> TopicModel:
    return TopicModel(**params)
