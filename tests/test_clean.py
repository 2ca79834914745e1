from __future__ import annotations

import pytest

from insight.pipelines.clean import clean_comments, normalise
from insight.privacy.patterns import iban_valid, luhn_valid
from insight.privacy.redactor import REDACT_KINDS, Redactor
from insight.schemas import Comment

PATTERN_KINDS = tuple(k for k in REDACT_KINDS if k != "name")


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor(REDACT_KINDS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail john.smith12@example.com now", "mail [EMAIL] now"),
        ("write to anna dot berg at example dot com", "write to [EMAIL]"),
        ("call 07700 900123 please", "call [PHONE] please"),
        ("ring +44 20 7946 0958.", "ring [PHONE]."),
        ("my card 4111 1111 1111 1111 was charged", "my card [CARD] was charged"),
        ("see https://example.com/x?y=1 for it", "see [URL] for it"),
        ("refund to GB82 WEST 1234 5698 7654 32 please", "refund to [IBAN] please"),
        ("IBAN DE89370400440532013000 as agreed", "IBAN [IBAN] as agreed"),
        ("sort code 20-00-00, account 55779911", "sort code [BANK], account [BANK]"),
        ("CVV 123 and expiry 09/28", "CVV [CVV] and expiry 09/28"),
        ("I was born on 12 March 1985", "I was born on [DOB]"),
        ("NI number AB 12 34 56 C", "NI number [ID]"),
        ("SSN 078-05-1120 on the letter", "SSN [ID] on the letter"),
        ("order #123456789 arrived", "order [REF] arrived"),
        ("booking reference ABX12345 lost", "booking reference [REF] lost"),
        ("left at 12 Baker Street, London NW1 6XE", "left at [ADDRESS], London [POSTCODE]"),
        ("Flat 4, 22 mill lane is my address", "[ADDRESS] is my address"),
        ("waited 45 minutes, paid £120 for 2 nights", "waited 45 minutes, paid £120 for 2 nights"),
        (
            "room 402 on floor 3, 10 min walk to the station",
            "room 402 on floor 3, 10 min walk to the station",
        ),
        (
            "stayed 12-14 May 2016, ref desk said 3 rooms left",
            "stayed 12-14 May 2016, ref desk said 3 rooms left",
        ),
    ],
)
def test_pattern_redaction(text: str, expected: str) -> None:
    assert Redactor(PATTERN_KINDS).redact([normalise(text)]) == [expected]


def test_checksums_decide() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_valid("GB82 WEST 1234 5698 7654 33")
    out = Redactor(PATTERN_KINDS).redact(["ref 4111 1111 1111 1112", "GB82 WEST 1234 5698 7654 33"])
    assert "[CARD]" not in out[0] and "[IBAN]" not in out[1]


def test_obfuscated_emails_fold_before_detection() -> None:
    texts = ["mail ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "mail jo\u200bhn@example.com"]
    assert Redactor(("email",)).redact([normalise(t) for t in texts]) == ["mail [EMAIL]"] * 2


def test_names_redacted(redactor: Redactor) -> None:
    out = redactor.redact(
        [
            "I spoke to Sarah Jones and she was brilliant.",
            "Priya was lovely and sorted it.",
            "ask for sam, she knows her stuff",
            "Thanks to Olumide at the front desk",
            "The parcel was late.",
            "ask for help if the app crashes",
        ]
    )
    assert out == [
        "I spoke to [NAME] and she was brilliant.",
        "[NAME] was lovely and sorted it.",
        "ask for [NAME], she knows her stuff",
        "Thanks to [NAME] at the front desk",
        "The parcel was late.",
        "ask for help if the app crashes",
    ]


def test_known_names_redacted_in_any_case(redactor: Redactor) -> None:
    out = redactor.redact(["kwabena fixed it", "Great help from KWABENA"], known_names={"Kwabena"})
    assert out == ["[NAME] fixed it", "Great help from [NAME]"]


def test_corpus_words_are_never_names() -> None:
    """The model calls "WiFi" a person; a corpus that writes "wifi" in lower case knows better."""
    texts = ["The WiFi was down all night", "@AmericanAir Great, thanks."]
    corpus = [f"the wifi was {w}, great stay" for w in ("slow", "fine", "ok", "bad", "good")]
    redactor = Redactor(("name",))
    redactor.learn_from(corpus)
    assert redactor.redact(texts) == texts


def test_custom_patterns_get_their_placeholder() -> None:
    redactor = Redactor(("email",), patterns={"MEMBER": r"\bM\d{8}\b"})
    assert redactor.redact(["member M12345678 here"]) == ["member [MEMBER] here"]


def test_placeholders_are_not_redacted_twice(redactor: Redactor) -> None:
    assert redactor.redact(["[NAME] told me to email [EMAIL]"]) == [
        "[NAME] told me to email [EMAIL]"
    ]


def test_normalise() -> None:
    assert normalise("  cafe\u0301\t\n o\u200bk\u00ad  ｗｉｆｉ") == "café ok wifi"


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
