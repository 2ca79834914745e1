from __future__ import annotations

import pytest

from insight.pipelines.segment import Segmenter
from insight.schemas import Comment


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter()


def _parts(segmenter: Segmenter, text: str) -> list[str]:
    return [text[s:e] for s, e in segmenter.split(text)]


def test_contrast_splits_into_two_mentions(segmenter: Segmenter) -> None:
    assert _parts(segmenter, "The staff were lovely but the wait was awful.") == [
        "The staff were lovely",
        "the wait was awful.",
    ]
    assert _parts(segmenter, "Checkout was easy, however delivery took ten days.") == [
        "Checkout was easy",
        "delivery took ten days.",
    ]


def test_sentences_and_short_fragments(segmenter: Segmenter) -> None:
    parts = _parts(segmenter, "My refund took a month. Thanks! The app is great though.")
    assert parts == ["My refund took a month. Thanks!", "The app is great though."]
    assert _parts(segmenter, "n/a") == ["n/a"]
    assert _parts(segmenter, "fish and chips were cold") == ["fish and chips were cold"]


def test_modes_and_offsets() -> None:
    text = "The staff were great but the queue was slow. Parcel came late."
    assert Segmenter("whole").split(text) == [(0, len(text))]
    assert len(Segmenter("sentences").split(text)) == 2
    assert len(Segmenter("clauses", min_clause_words=5).split(text)) == 1  # all fragments short
    mentions = Segmenter().mentions([Comment("c1", text, "s")])
    assert [m.id for m in mentions] == ["c1#0", "c1#1", "c1#2"]
    assert all(text[m.start : m.end] == m.text for m in mentions)


def test_emoji_only_and_very_long_text(segmenter: Segmenter) -> None:
    assert _parts(segmenter, "😡😡😡") == ["😡😡😡"]
    long_text = " ".join(["The delivery was late but the staff were kind."] * 400)
    spans = segmenter.split(long_text)
    assert len(spans) >= 400
    assert all(e > s for s, e in spans)
