"""Quotes are the mention in a little context, short, and never near-duplicates."""

from __future__ import annotations

import numpy as np

from insight.models.quotes import MAX_CHARS, in_context, pick_quotes


def test_a_long_comment_is_cut_around_the_mention() -> None:
    mention = "the shower was cold every single morning"
    comment = ("We arrived late and the lobby was busy. " * 10) + mention + (" Lovely bar." * 30)
    quote = in_context(mention, comment)
    assert mention in quote and len(quote) <= MAX_CHARS + 2
    assert quote.startswith("…") and quote.endswith("…")
    assert in_context("short one", "A short one.") == "A short one."


def test_near_duplicates_are_skipped() -> None:
    mentions = ["Refund took ages", "refund took ages!", "Refund still missing", "Parcel late"]
    comments = mentions
    vectors = np.array([[1.0, 0.0], [0.99, 0.01], [0.98, 0.2], [0.0, 1.0]])
    quotes = pick_quotes(range(4), mentions, comments, vectors, 3)
    assert quotes == ["Refund took ages", "Parcel late"]  # the 2nd repeats words, the 3rd meaning
