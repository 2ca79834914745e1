"""Taxonomy edits against the store: load the applied taxonomy, record and undo edits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from insight.errors import NotFittedError
from insight.models.topic_model import TopicModel
from insight.models.topic_tree import subtopic_model_id
from insight.store import Store
from insight.taxonomy.edits import TaxonomyError, TopicMap, build_topic_map, split_edit

Embed = Callable[[list[str]], np.ndarray]
TAXONOMY_EDIT_KINDS = ("rename", "merge", "split", "pin")


def load_topic_map(store: Store, model_id: str, model: TopicModel) -> TopicMap:
    """The active model's topics with every stored edit applied."""
    centroids = model.centroids_ if model.centroids_ is not None else np.zeros((0, 1))
    edits = [(e[0], e[1], e[2]) for e in store.taxonomy_edits()]
    return build_topic_map(model_id, model.topics_, centroids, edits)


def subtopic_map(store: Store, model_id: str) -> TopicMap:
    """The fitted subtopics of ``model_id`` as a topic map of their own (taxonomy edits apply to
    themes, not here); each topic's ``parent`` is its theme."""
    topics = store.topics(subtopic_model_id(model_id))
    if not topics:
        raise NotFittedError(
            f"model {model_id} has no stored subtopics (fitted before they existed); "
            "refit with `insight fit`"
        )
    return build_topic_map(subtopic_model_id(model_id), topics, np.zeros((len(topics), 1)), [])


def record_edit(store: Store, kind: str, payload: dict[str, Any], author: str) -> int:
    if kind not in TAXONOMY_EDIT_KINDS:
        raise TaxonomyError(f"unknown edit kind {kind!r}")
    return store.add_taxonomy_edit(kind, payload, author)


def split_topic(
    store: Store,
    tmap: TopicMap,
    topic_id: int,
    parts: int,
    labels: Sequence[str] | None,
    embed: Embed,
) -> tuple[str, dict[str, Any]]:
    """A split edit from the topic's stored mentions (embeddings from the cache when present)."""
    frame = store.assignments(tmap.model_id)
    texts = frame.loc[frame["topic_id"] == topic_id, "text"].tolist()
    if not texts:
        raise TaxonomyError(f"topic {topic_id} has no stored mentions to split")
    return split_edit(tmap, topic_id, texts, embed(texts), parts, labels)


def undo_edit(store: Store, edit_id: int) -> None:
    if not store.deactivate_taxonomy_edit(edit_id):
        raise TaxonomyError(f"edit {edit_id} does not exist or is already undone")
