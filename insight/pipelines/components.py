"""Build the configured components from their registered names (one place, used by every stage)."""

from __future__ import annotations

import functools

# Importing the modules registers their components.
import insight.models.embedder as _embedder
import insight.models.finetuned as _finetuned
import insight.models.onnx_embedder as _onnx_embedder
import insight.models.sentiment as _sentiment
import insight.models.topic_model as _topic_model
import insight.pipelines.segment as _segment
from insight.config import Config
from insight.models.embedder import MiniLMEmbedder
from insight.models.sentiment import SentimentModel
from insight.models.topic_model import TopicModel
from insight.pipelines.segment import Segmenter
from insight.privacy.redactor import Redactor
from insight.registry import resolve

__all__ = [
    "build_embedder",
    "build_redactor",
    "build_segmenter",
    "build_sentiment",
    "build_topic_model",
]
_REGISTERED = (_embedder, _onnx_embedder, _finetuned, _sentiment, _topic_model, _segment)


def build_embedder(config: Config) -> MiniLMEmbedder:
    """The configured encoder; loaded once per process and shared (it is read-only)."""
    embed = config.embed
    return _embedder_for(embed.component, embed.device, embed.batch_size, embed.precision)


@functools.lru_cache(maxsize=4)
def _embedder_for(component: str, device: str, batch_size: int, precision: str) -> MiniLMEmbedder:
    factory = resolve("embedder", component)
    options = {"precision": precision} if precision != "auto" else {}
    embedder: MiniLMEmbedder = factory(device=device, batch_size=batch_size, **options)
    return embedder


def build_segmenter(config: Config) -> Segmenter:
    factory = resolve("segmenter", config.segment.component)
    segmenter: Segmenter = factory(
        min_clause_words=config.segment.min_clause_words, batch_size=config.segment.batch_size
    )
    return segmenter


def build_redactor(config: Config) -> Redactor:
    return Redactor(
        kinds=config.clean.redact,
        batch_size=config.segment.batch_size,
        patterns=dict(config.clean.patterns),
    )


def build_sentiment(config: Config) -> SentimentModel:
    factory = resolve("sentiment", config.sentiment.component)
    head = config.sentiment.head_path
    model: SentimentModel = factory(head_path=str(head) if head else None)
    return model


def build_topic_model(config: Config) -> TopicModel:
    factory = resolve("topic_model", config.topics.component)
    model: TopicModel = factory(seed=config.seed, **config.topics.estimator_params())
    return model
