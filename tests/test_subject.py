"""What the topic model sees of a mention: no @handles or #tags (who, not what)."""

from __future__ import annotations

import pytest

from insight.models.embedder import MiniLMEmbedder
from insight.models.subject import subject_text
from insight.pipelines.enrich import embed_texts


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("@united my bag never arrived", "my bag never arrived"),
        ("Refund took weeks #customerservice @brand", "Refund took weeks"),
        ("Ranked #1 in town", "Ranked #1 in town"),
        ("write to anna@example.com please", "write to anna@example.com please"),
        ("@united", "@united"),
    ],
)
def test_subject_text(text: str, subject: str) -> None:
    assert subject_text(text) == subject


def test_every_mention_embedding_ignores_handles(embedder: MiniLMEmbedder) -> None:
    """The one embedding path (fit, tag, API) embeds the subject: the addressee changes nothing."""
    vectors = embed_texts(
        ["@united my bag never arrived", "my bag never arrived #fail"], embedder, None
    )
    assert float(vectors[0] @ vectors[1]) > 0.9999
