from __future__ import annotations

import pytest

from insight.pipelines.clean import Redactor, clean_comments, luhn_valid, normalise, redact_patterns
from insight.schemas import Comment

KINDS = ("email", "phone", "card", "url")


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor(("email", "phone", "card", "url", "name"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail john.smith12@example.com now", "mail [EMAIL] now"),
        ("call 07700 900123 please", "call [PHONE] please"),
        ("ring +44 20 7946 0958.", "ring [PHONE]."),
        ("my card 4111 1111 1111 1111 was charged", "my card [CARD] was charged"),
        ("see https://example.com/x?y=1 for it", "see [URL] for it"),
        ("order #123456789 arrived", "order #123456789 arrived"),
        ("waited 45 minutes, paid £120", "waited 45 minutes, paid £120"),
    ],
)
def test_pattern_redaction(text: str, expected: str) -> None:
    assert redact_patterns(text, KINDS) == expected


def test_card_needs_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert "[CARD]" not in redact_patterns("ref 4111 1111 1111 1112", ("card",))


def test_names_redacted_by_ner(redactor: Redactor) -> None:
    out = redactor.redact(["I spoke to Sarah Jones and she was brilliant.", "The parcel was late."])
    assert out[0] == "I spoke to [NAME] and she was brilliant."
    assert out[1] == "The parcel was late."


def test_normalise() -> None:
    assert normalise("  cafe\u0301\t\n ok\u200b  ") == "café ok"


def test_clean_dedupes_per_respondent(redactor: Redactor) -> None:
    comments = [
        Comment("1", "Great  service", "s", respondent_id="r1"),
        Comment("2", "great service", "s", respondent_id="r1"),
        Comment("3", "great service", "s", respondent_id="r2"),
        Comment("4", "great service", "s"),
    ]
    kept, rejected = clean_comments(comments, redactor, dedupe=True)
    assert [c.id for c in kept] == ["1", "3", "4"]
    assert len(rejected) == 1 and "first kept as id '1'" in rejected[0].reason
