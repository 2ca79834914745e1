"""Structured personal data found by pattern and checksum: each finder yields (start, end) spans.

Checksums where a format has one (Luhn for cards, mod 97 for IBANs); context words where a bare
number is ambiguous (a CVV, a sort code, an account or order number, a date of birth), so prices,
durations and room numbers stay. Run on text that ``normalise`` has already folded (NFKC, no
zero-width characters), so full-width and split-up values read like plain ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

Span = tuple[int, int]

EMAIL = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[\w.+-]+(?:\s(?:dot|\[dot\]|\(dot\))\s[\w+-]+)*\s*(?:\[at\]|\(at\)|\{at\}|\sat\s)\s*[\w-]+"
    r"(?:\s*(?:\[dot\]|\(dot\)|\{dot\}|\sdot\s)\s*[\w-]+)+",
    re.IGNORECASE,
)
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
CARD = re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])")
PHONE = re.compile(r"(?<![\w#])\+?\(?\d[\d ().-]{7,}\d(?!\d)")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
CVV = re.compile(
    r"\b(?:cvv2?|cvc2?|cv2|security code)\W{0,3}(?:is\W{0,2}|was\W{0,2})?(\d{3,4})\b", re.I
)
SORT_CODE = re.compile(
    r"(?<![\d-])\d{2}[- ]\d{2}[- ]\d{2}(?![\d-])"
    r"(?:\s*[,/;]?\s*(?:(?:account|acc|a/c)(?: number| no\.?)?)?\W{0,3}(\d{8})\b)?",
    re.IGNORECASE,
)
BANK_CONTEXT = re.compile(r"sort ?code|bank|account|acc\b|a/c|routing|refund", re.IGNORECASE)
ACCOUNT = re.compile(
    r"\b(?:account|acct|acc|a/c|routing)(?:\s*(?:number|no\.?|num|#))?\W{0,3}(\d{6,12})\b", re.I
)
NATIONAL_ID = re.compile(
    r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"  # UK national insurance number
    r"|\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b"  # US social security number
    r"|(?<=passport )[A-Z0-9]{6,9}\b",
    re.IGNORECASE,
)
ID_CONTEXT = re.compile(
    r"\b(?:(?:national (?:id|identity|insurance)|identity card|id card|passport|ssn|nino"
    r"|social security|tax id|driver'?s? licen[cs]e)(?: number| no\.?| #| num)?"
    r"|(?:id|licen[cs]e|tax) (?:number|no\.?|#|num))"
    r"\W{0,3}(?:is\W{0,2})?([A-Z0-9][A-Z0-9-]{4,14}[A-Z0-9])\b",
    re.IGNORECASE,
)
REFERENCE = re.compile(
    r"\b(?:order|account|acct|booking|reservation|reference|ref|ticket|case|customer|member"
    r"|membership|policy|invoice|tracking|confirmation|claim)"
    r"(?:\s*(?:number|no\.?|num|id|code))?\s*(?:is|was|:)?\s*"
    r"(#?(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,}[A-Z0-9])\b"
    r"|#\d{6,}\b",
    re.IGNORECASE,
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH},? \d{{4}}"
    rf"|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}})"
)
DOB = re.compile(
    rf"\b(?:born(?: on)?|d\.?o\.?b\.?|date of birth|birth ?date|birthday)\W{{0,3}}(?:is\W{{0,2}})?"
    rf"(?:\(\s*)?({_DATE})",
    re.IGNORECASE,
)
_STREET_TYPES = (
    r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|court|ct|way|place|pl|boulevard|blvd"
    r"|crescent|terrace|gardens|square|sq|grove|parade|mews|highway|hwy"
)
_NOT_A_STREET_WORD = (
    r"(?!(?:to|the|a|an|of|from|on|in|at|by|min|mins|minutes?|hours?|days?|nights?|weeks?|times?"
    r"|km|miles?|people|persons?|stars?|very|so|too)\b)"
)
ADDRESS = re.compile(
    r"(?:\b(?i:flat|apt\.?|apartment|unit|suite)\s*#?\d+[A-Z]?,?\s*)?"
    rf"\b\d{{1,5}}[A-Z]?,?\s+(?:[A-Z][\w'’-]+\s+){{1,3}}(?i:{_STREET_TYPES})\b\.?"
    r"|(?:\b(?i:flat|apt\.?|apartment|unit)\s*#?\d+[A-Z]?,?\s*)?"
    rf"\b\d{{1,5}}[a-z]?,?\s+(?:{_NOT_A_STREET_WORD}[a-z][\w'’-]+\s+){{1,2}}"
    r"(?:street|st|road|rd|avenue|ave|lane|ln|drive|way|crescent|terrace|boulevard)\b"
    r"|\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|weg|gasse|allee|platz|laan|straat|gracht)\s+\d{1,4}[a-z]?\b"
    r"|\b\d{1,4},?\s+(?i:rue|avenue|boulevard|chemin|calle|via|viale|piazza|corso)\s+[\w' -]{2,30}?"
    r"(?=[,.;!?]|$)"
    r"|\b(?i:rue|calle|via|viale|piazza|corso)\s+[\w' ]{2,30}?,?\s+\d{1,4}\b",
)
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DC|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM"
    "|NY|NC|ND|OH|OK|OR|PA|PR|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
POSTCODE = re.compile(
    r"(?i:\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d(?!st\b|nd\b|rd\b|th\b)"
    r"[ABD-HJLNP-UW-Z]{2}))\b"  # UK
    r"|(?i:\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d)\b"  # Canada
    rf"|(?<=\b(?:{_US_STATES}) )\d{{5}}(?:-\d{{4}})?\b"  # US ZIP after a state code
    # NL: four digits and two capitals, but not the units and abbreviations that look alike
    r"|\b[1-9]\d{3} ?(?!SS|SA|SD|AM|PM|EU|UK|US|OK|TV|ID|KM|MB|GB|KG|CM|MM|HD|PC)[A-Z]{2}\b",
)
POSTCODE_CONTEXT = re.compile(
    r"\b(?:postcode|post code|postal code|zip|zip code|zipcode|plz)\W{0,3}(?:is\s)?"
    r"([A-Z0-9]{2,5}(?: ?[A-Z0-9]{2,4})?)\b",
    re.IGNORECASE,
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616 check digits (mod 97 = 1 after moving the country code and check to the end)."""
    text = re.sub(r"\s", "", candidate).upper()
    if not 15 <= len(text) <= 34:
        return False
    rearranged = text[4:] + text[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _spans(pattern: re.Pattern[str], group: int = 0) -> Callable[[str], Iterator[Span]]:
    def find(text: str) -> Iterator[Span]:
        for match in pattern.finditer(text):
            index = group if group and match.group(group) is not None else 0
            yield match.span(index)

    return find


def _all_groups(pattern: re.Pattern[str]) -> Callable[[str], Iterator[Span]]:
    """Spans of whichever group matched (or the whole match when the pattern has no group)."""

    def find(text: str) -> Iterator[Span]:
        for match in pattern.finditer(text):
            groups = [i for i in range(1, (pattern.groups or 0) + 1) if match.group(i)]
            yield match.span(groups[0]) if groups else match.span()

    return find


def find_cards(text: str) -> Iterator[Span]:
    for match in CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            yield match.span()


def find_phones(text: str) -> Iterator[Span]:
    for match in PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 9 <= len(digits) <= 15:
            yield match.span()


def find_ibans(text: str) -> Iterator[Span]:
    """Valid IBANs; a candidate that runs into the next word is shortened until it checks."""
    for match in IBAN.finditer(text):
        start, end = match.span()
        while end - start >= 15:
            if iban_valid(text[start:end]):
                yield start, end
                break
            end = text.rfind(" ", start, end) if " " in text[start:end] else end - 1


def find_bank_details(text: str) -> Iterator[Span]:
    """Sort codes (with a bank word nearby) and account / routing numbers (after their word)."""
    for match in SORT_CODE.finditer(text):
        window = text[max(0, match.start() - 40) : match.end() + 40]
        if BANK_CONTEXT.search(window):
            yield match.start(), match.start() + 8
            if match.group(1):  # the account number that follows
                yield match.span(1)
    yield from _spans(ACCOUNT, 1)(text)


def find_national_ids(text: str) -> Iterator[Span]:
    yield from _spans(NATIONAL_ID)(text)
    for match in ID_CONTEXT.finditer(text):
        if any(ch.isdigit() for ch in match.group(1)):
            yield match.span(1)


def find_postcodes(text: str) -> Iterator[Span]:
    yield from _spans(POSTCODE)(text)
    for match in POSTCODE_CONTEXT.finditer(text):
        if any(ch.isdigit() for ch in match.group(1)):
            yield match.span(1)


#: kind -> finder, for the kinds ``[clean] redact`` may list (names are found apart, by model).
FINDERS: dict[str, Callable[[str], Iterator[Span]]] = {
    "email": _spans(EMAIL),
    "url": _spans(URL),
    "iban": find_ibans,
    "card": find_cards,
    "cvv": _spans(CVV, 1),
    "national_id": find_national_ids,
    "dob": _spans(DOB, 1),
    "bank": find_bank_details,
    "reference": _all_groups(REFERENCE),
    "address": _spans(ADDRESS),
    "postcode": find_postcodes,
    "phone": find_phones,
}
