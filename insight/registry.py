"""Versioned component names (spaCy style): configs name a component, code resolves it here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from insight.errors import ConfigError, unknown_choice

F = TypeVar("F", bound=Callable[..., Any])

_REGISTRY: dict[str, dict[str, Callable[..., Any]]] = {}

#: Component kinds and the names the config accepts for each.  Names are declared here, as data,
#: so a config can be validated without importing heavy model code.
KNOWN_COMPONENTS: dict[str, tuple[str, ...]] = {
    "embedder": ("insight.minilm.v1", "insight.minilm_onnx.v1", "insight.minilm_onnx_int8.v1"),
    "segmenter": ("insight.clauses.v1", "insight.sentences.v1", "insight.whole.v1"),
    "topic_model": ("insight.bertopic.v1",),
    "sentiment": ("insight.sentiment_head.v1", "insight.vader.v1", "insight.finetuned.v1"),
}


def check_name(kind: str, name: str) -> str:
    """Return ``name`` if it is a known component of ``kind``, else raise with the valid choices."""
    valid = KNOWN_COMPONENTS.get(kind)
    if valid is None:
        raise ConfigError(unknown_choice("component kind", kind, KNOWN_COMPONENTS))
    if name not in valid:
        raise ConfigError(unknown_choice(kind, name, valid))
    return name


def register(kind: str, name: str) -> Callable[[F], F]:
    """Decorator: register a factory for ``kind``/``name`` (the name must be declared above)."""
    check_name(kind, name)

    def decorate(factory: F) -> F:
        _REGISTRY.setdefault(kind, {})[name] = factory
        return factory

    return decorate


def resolve(kind: str, name: str) -> Callable[..., Any]:
    """Return the factory registered for ``kind``/``name``."""
    check_name(kind, name)
    try:
        return _REGISTRY[kind][name]
    except KeyError:
        raise ConfigError(unknown_choice(kind, name, _REGISTRY.get(kind, {}))) from None
