"""Analyst edits over fitted topics — rename, merge, split, pin — that survive refits.

Edits are stored as a log (``taxonomy_edits``) and applied, in order, over whichever topic model
is active. An edit names a fitted topic by its model id *and* its centroid, so after a refit it
is re-attached to the new topic whose centroid is closest (cosine ≥ ``MATCH_THRESHOLD``); an edit
that no longer matches anything is reported, never silently dropped. Merged topics and split
children get ids derived from the edit (``SYNTHETIC_BASE + 100·edit + part``), stable across
refits. Stored assignments always keep the model's own ids; edits apply when results are read.
Rules: split only an original topic; merge originals or merges; pinned topics are locked
(neither merged nor split until unpinned) and always listed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import CountVectorizer

from insight.errors import InsightError
from insight.models.topic_labels import label_or_example
from insight.schemas import Topic

SYNTHETIC_BASE = 100_000
MATCH_THRESHOLD = 0.8
EditKind = Literal["rename", "merge", "split", "pin"]


class TaxonomyError(InsightError):
    """An edit that cannot apply (unknown topic, locked topic, split of a merge...)."""


@dataclass
class EffectiveTopic:
    topic: Topic
    origin: Literal["model", "merge", "split"]
    pinned: bool = False
    edits: list[int] = field(default_factory=list)


@dataclass
class TopicMap:
    """The active model's topics with every applicable edit applied."""

    model_id: str
    topics: dict[int, EffectiveTopic]
    redirect: dict[int, int]  # model topic id -> effective id (merges)
    splits: dict[int, tuple[np.ndarray, list[int]]]  # model topic id -> (child centroids, ids)
    model_refs: dict[int, dict[str, Any]]  # effective id of an original topic -> its reference
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def needs_embeddings(self) -> bool:
        return bool(self.splits)

    def assign(self, topic_ids: np.ndarray, embeddings: np.ndarray | None = None) -> np.ndarray:
        """Map model topic ids (and, for split topics, embeddings) to effective ids."""
        ids = np.asarray(topic_ids, dtype=np.int64)
        out = np.array([self.redirect.get(int(t), int(t)) for t in ids], dtype=np.int64)
        for parent, (centroids, children) in self.splits.items():
            rows = np.flatnonzero(ids == parent)
            if len(rows) == 0:
                continue
            if embeddings is None:
                raise TaxonomyError("a split topic needs mention embeddings to assign mentions")
            nearest = (embeddings[rows] @ centroids.T).argmax(axis=1)
            out[rows] = np.asarray(children)[nearest]
        return out

    def topic_list(self) -> list[Topic]:
        return [self.topics[t].topic for t in sorted(self.topics)]

    def pinned(self) -> set[int]:
        return {t for t, e in self.topics.items() if e.pinned}

    def get(self, topic_id: int) -> EffectiveTopic:
        if topic_id not in self.topics:
            raise TaxonomyError(f"topic {topic_id} does not exist in the current taxonomy")
        return self.topics[topic_id]


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return np.asarray(matrix / np.maximum(norms, 1e-12), dtype=np.float32)


def _resolve(
    ref: dict[str, Any], model_id: str, topic_ids: list[int], centroids: np.ndarray
) -> tuple[int | None, str]:
    """Current topic id for a stored reference, or None with the reason."""
    if "synthetic" in ref:
        return int(ref["synthetic"]), ""
    if ref.get("model_id") == model_id:
        return int(ref["topic_id"]), ""
    if not topic_ids:
        return None, "the current model has no topics"
    sims = centroids @ _unit(np.asarray(ref["centroid"], dtype=np.float32))
    best = int(sims.argmax())
    if sims[best] < MATCH_THRESHOLD:
        return None, (
            f"no topic in the current model matches {ref.get('label')!r} "
            f"(closest cosine {sims[best]:.2f} < {MATCH_THRESHOLD})"
        )
    return topic_ids[best], ""


def build_topic_map(
    model_id: str,
    model_topics: Sequence[Topic],
    centroids: np.ndarray,
    edits: Sequence[tuple[int, str, dict[str, Any]]],
) -> TopicMap:
    """Apply ``(edit_id, kind, payload)`` edits in order over a model's topics."""
    ids = [t.topic_id for t in model_topics]
    units = _unit(np.asarray(centroids, dtype=np.float32))
    tmap = TopicMap(
        model_id,
        {t.topic_id: EffectiveTopic(replace(t), "model") for t in model_topics},
        {},
        {},
        {
            t.topic_id: {
                "model_id": model_id,
                "topic_id": t.topic_id,
                "label": t.label,
                "centroid": [round(float(x), 6) for x in units[i]],
            }
            for i, t in enumerate(model_topics)
        },
    )
    for edit_id, kind, payload in edits:
        try:
            _apply(tmap, edit_id, kind, payload, ids, units)
        except TaxonomyError as exc:
            tmap.problems.append({"edit_id": edit_id, "kind": kind, "problem": str(exc)})
    return tmap


def _target(tmap: TopicMap, ref: dict[str, Any], ids: list[int], units: np.ndarray) -> int:
    topic_id, why = _resolve(ref, tmap.model_id, ids, units)
    if topic_id is None:
        raise TaxonomyError(why)
    if "synthetic" not in ref:
        topic_id = tmap.redirect.get(topic_id, topic_id)
    if topic_id not in tmap.topics:
        raise TaxonomyError(f"topic {ref.get('label', topic_id)!r} is no longer in the taxonomy")
    return topic_id


def _apply(
    tmap: TopicMap,
    edit_id: int,
    kind: str,
    payload: dict[str, Any],
    ids: list[int],
    units: np.ndarray,
) -> None:
    if kind in ("rename", "pin"):
        entry = tmap.topics[_target(tmap, payload["target"], ids, units)]
        if kind == "rename":
            entry.topic.label = str(payload["label"])
        else:
            entry.pinned = bool(payload["pinned"])
        entry.edits.append(edit_id)
    elif kind == "merge":
        sources = sorted({_target(tmap, ref, ids, units) for ref in payload["sources"]})
        if len(sources) < 2:
            raise TaxonomyError("a merge needs at least two distinct topics that still exist")
        _merge(tmap, edit_id, sources, payload.get("label"))
    elif kind == "split":
        parent = _target(tmap, payload["source"], ids, units)
        entry = tmap.topics[parent]
        if entry.origin != "model" or parent in tmap.splits:
            raise TaxonomyError("only an original (unmerged, unsplit) topic can be split")
        children = payload["children"]
        child_ids = [SYNTHETIC_BASE + 100 * edit_id + 1 + j for j in range(len(children))]
        tmap.splits[parent] = (
            _unit(np.asarray([c["centroid"] for c in children], dtype=np.float32)),
            child_ids,
        )
        for child_id, child in zip(child_ids, children, strict=True):
            tmap.topics[child_id] = EffectiveTopic(
                Topic(child_id, child["label"], list(child["keywords"]), 0, list(child["quotes"])),
                "split",
                edits=[edit_id],
            )
        del tmap.topics[parent]
    else:
        raise TaxonomyError(f"unknown edit kind {kind!r}")


def _merge(tmap: TopicMap, edit_id: int, sources: list[int], label: str | None) -> None:
    entries = [tmap.topics[t] for t in sources]
    if any(e.origin == "split" for e in entries):
        raise TaxonomyError("parts of a split topic cannot be merged; undo the split instead")
    biggest = max(entries, key=lambda e: e.topic.size)
    keywords: list[str] = []
    for column in zip(*(e.topic.keywords for e in entries), strict=False):
        keywords.extend(k for k in column if k not in keywords)
    new_id = SYNTHETIC_BASE + 100 * edit_id
    tmap.topics[new_id] = EffectiveTopic(
        Topic(
            new_id,
            label or " + ".join(e.topic.label for e in entries),
            keywords[:10],
            sum(e.topic.size for e in entries),
            list(biggest.topic.quotes),
        ),
        "merge",
        pinned=False,
        edits=[edit_id],
    )
    for model_topic in list(tmap.model_refs):
        if tmap.redirect.get(model_topic, model_topic) in sources:
            tmap.redirect[model_topic] = new_id
    for t in sources:
        del tmap.topics[t]


# Creating edits: validate against the current map, return (kind, payload) to store ---------------
def _ref(tmap: TopicMap, topic_id: int) -> dict[str, Any]:
    entry = tmap.get(topic_id)
    if entry.origin == "model":
        return tmap.model_refs[topic_id]
    return {"synthetic": topic_id, "label": entry.topic.label}


def _unlocked(tmap: TopicMap, topic_id: int, action: str) -> None:
    if tmap.get(topic_id).pinned:
        raise TaxonomyError(f"topic {topic_id} is pinned; unpin it before you {action} it")


def rename_edit(tmap: TopicMap, topic_id: int, label: str) -> tuple[EditKind, dict[str, Any]]:
    label = label.strip()
    if not label:
        raise TaxonomyError("a topic label cannot be empty")
    return "rename", {"target": _ref(tmap, topic_id), "label": label}


def pin_edit(tmap: TopicMap, topic_id: int, pinned: bool) -> tuple[EditKind, dict[str, Any]]:
    return "pin", {"target": _ref(tmap, topic_id), "pinned": pinned}


def merge_edit(
    tmap: TopicMap, topic_ids: Sequence[int], label: str | None
) -> tuple[EditKind, dict[str, Any]]:
    unique = sorted(set(topic_ids))
    if len(unique) < 2:
        raise TaxonomyError("name at least two different topics to merge")
    for t in unique:
        _unlocked(tmap, t, "merge")
        if tmap.get(t).origin == "split":
            raise TaxonomyError("parts of a split topic cannot be merged; undo the split instead")
    return "merge", {"sources": [_ref(tmap, t) for t in unique], "label": label}


MIN_PARTS, MAX_PARTS = 2, 8


def check_parts(topic_id: int, mentions: int, parts: int) -> None:
    """A topic can be cut into 2–8 parts, with at least two mentions per part."""
    if not MIN_PARTS <= parts <= MAX_PARTS:
        raise TaxonomyError(f"split into {MIN_PARTS} to {MAX_PARTS} parts")
    if mentions < 2 * parts:
        raise TaxonomyError(f"topic {topic_id} has {mentions} mentions: too few for {parts} parts")


def split_edit(
    tmap: TopicMap,
    topic_id: int,
    texts: Sequence[str],
    embeddings: np.ndarray,
    parts: int,
    labels: Sequence[str] | None = None,
    seed: int = 42,
) -> tuple[EditKind, dict[str, Any]]:
    """Split an original topic into ``parts`` sub-topics by k-means on its mention embeddings."""
    _unlocked(tmap, topic_id, "split")
    entry = tmap.get(topic_id)
    if entry.origin != "model" or topic_id in tmap.splits:
        raise TaxonomyError("only an original (unmerged, unsplit) topic can be split")
    check_parts(topic_id, len(texts), parts)
    if labels is not None and len(labels) != parts:
        raise TaxonomyError(f"give {parts} labels (one per part) or none")
    _, children = propose_parts(texts, embeddings, parts, seed)
    if labels:
        children = [child | {"label": label} for child, label in zip(children, labels, strict=True)]
    return "split", {"source": _ref(tmap, topic_id), "children": children}


def propose_parts(
    texts: Sequence[str], embeddings: np.ndarray, parts: int, seed: int = 42
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Sub-topics of one topic's mentions: k-means group per mention, and per part its centroid,
    label (distinct words), keywords and three closest quotes. Used by splits and drill-down."""
    unit = _unit(np.asarray(embeddings, dtype=np.float32))
    groups = KMeans(n_clusters=parts, n_init=10, random_state=seed).fit_predict(unit)
    keywords = distinct_terms(texts, groups, parts)
    children = []
    for j in range(parts):
        members = np.flatnonzero(groups == j)
        centroid = _unit(unit[members].mean(axis=0))
        closest = members[np.argsort(-(unit[members] @ centroid))[:3]]
        children.append(
            {
                "centroid": [round(float(x), 6) for x in centroid],
                "label": label_or_example(keywords[j], texts[closest[0]]),
                "keywords": keywords[j],
                "quotes": [texts[i] for i in closest],
            }
        )
    return groups, children


def distinct_terms(
    texts: Sequence[str], groups: np.ndarray, parts: int, n: int = 6
) -> list[list[str]]:
    """Words over-represented in each group relative to the others (for split labels)."""
    try:
        vectorizer = CountVectorizer(stop_words="english", ngram_range=(1, 2), min_df=2)
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # vocabulary empty after stop words
        return [[] for _ in range(parts)]
    vocab = np.asarray(vectorizer.get_feature_names_out())
    out = []
    for j in range(parts):
        inside = np.asarray(counts[groups == j].sum(axis=0)).ravel()
        outside = np.asarray(counts[groups != j].sum(axis=0)).ravel()
        score = inside / max(inside.sum(), 1) - outside / max(outside.sum(), 1)
        top = np.argsort(-score)[:n]
        out.append([str(vocab[i]) for i in top if score[i] > 0])
    return out


def effective_assignments(
    tmap: TopicMap,
    assignments: Any,
    embed: Callable[[list[str]], np.ndarray] | None,
) -> Any:
    """A copy of a store assignments frame with ``topic_id`` mapped through the edits."""
    out = assignments.copy()
    embeddings = None
    if tmap.needs_embeddings and len(out):
        in_split = out["topic_id"].isin(list(tmap.splits)).to_numpy()
        if in_split.any():
            if embed is None:
                raise TaxonomyError("split topics need the embedder to assign mentions")
            vectors = embed(out.loc[in_split, "text"].tolist())
            embeddings = np.zeros((len(out), vectors.shape[1]), dtype=np.float32)
            embeddings[in_split] = vectors
    out["topic_id"] = tmap.assign(out["topic_id"].to_numpy(), embeddings)
    return out
