"""Redaction: leaks per kind on planted personal data, and words destroyed on real reviews.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m bench.pii [--per-kind 40]

Leak rate: share of planted values of a kind that survive redaction in any identifying part (a
digit group, or a word of three letters or more that is not a street type or month), compared
after the same Unicode folding the pipeline applies. Destroyed: share of the word tokens of text
that is not personal data which redaction replaced, on the planted set's surrounding text and on
every review text of ../shared/data/hotel_reviews (4,789 Booking.com reviews, CC0, both fields).
Hotel reviews contain some real staff names; those are counted as destroyed too, so that figure
is an upper bound of false redaction. Baseline, in the same run: the previous release's redactor
(``insight/pipelines/clean.py`` at the ``--baseline`` commit, read from git).
"""

from __future__ import annotations

import argparse
import csv
import difflib
import re
import sys
import time
import types
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.pii_cases import HANDWRITTEN, SINGLE, Case, generate
from bench.previous import git_show
from insight.pipelines.clean import normalise
from insight.privacy.redactor import REDACT_KINDS, Redactor

HOTEL = (
    Path(__file__).resolve().parents[2]
    / "shared/data/hotel_reviews/Hotel_Reviews_Britannia_Canary_Wharf.csv"
)
GENERIC = {
    "street", "road", "avenue", "lane", "close", "drive", "crescent", "way", "flat", "example",
    "com", "org", "net", "mail", "inbox", "january", "march", "april", "june", "august",
    "october", "november", "december", "ord", "hauptstraße", "lindenweg", "schillerstraße",
}  # fmt: skip
TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
PLACEHOLDER = re.compile(r"\[[A-Z][A-Z_]*\]")
Redact = Callable[[Sequence[str]], list[str]]


def identifying_parts(value: str) -> list[str]:
    parts = TOKEN.findall(normalise(value).casefold())
    return [p for p in parts if any(c.isdigit() for c in p) or (len(p) >= 3 and p not in GENERIC)]


def leaked(value: str, redacted: str) -> bool:
    words = set(TOKEN.findall(normalise(redacted).casefold()))
    return any(part in words for part in identifying_parts(value))


def destroyed(original: str, redacted: str) -> list[str]:
    """Words of ``original`` that redaction replaced (aligned on word tokens)."""
    before = TOKEN.findall(original)
    after = TOKEN.findall(PLACEHOLDER.sub(" \x00 ", redacted).replace("\x00", "PLACEHOLDERX"))
    lost: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a0, a1, _, _ in matcher.get_opcodes():
        if op in ("replace", "delete"):
            lost.extend(before[a0:a1])
    return lost


def planted_table(cases: list[Case], redact: Redact) -> tuple[dict[str, tuple[int, int]], float]:
    texts = [normalise(c.text) for c in cases]
    out = redact([c.text for c in cases])  # each redactor normalises as its pipeline does
    per_kind: dict[str, list[int]] = {}
    kept_words = lost_words = 0
    for case, text, red in zip(cases, texts, out, strict=True):
        for kind, value in case.planted:
            per_kind.setdefault(kind, []).append(int(leaked(value, red)))
        surrounding = text
        for _, value in case.planted:
            surrounding = surrounding.replace(normalise(value), " ")
        red_surrounding = PLACEHOLDER.sub(" ", red)
        words = TOKEN.findall(surrounding)
        kept = set(TOKEN.findall(red_surrounding))
        kept_words += len(words)
        lost_words += sum(1 for w in words if w not in kept)
    return {k: (sum(v), len(v)) for k, v in per_kind.items()}, lost_words / max(kept_words, 1)


def leak_table(title: str, cases: list[Case], runs: dict[str, Redact], kinds: list[str]) -> None:
    planted = {name: planted_table(cases, redact) for name, redact in runs.items()}
    print(f"\n{title}. Leaked values per kind:\n")
    print("| kind | values | " + " | ".join(runs) + " |")
    print("|---|---:|" + "---:|" * len(runs))
    for kind in kinds:
        n = planted["now"][0].get(kind, (0, 0))[1]
        if n:
            cells = [f"{100 * t[0].get(kind, (0, 1))[0] / n:.1f}%" for t in planted.values()]
            print(f"| {kind} | {n} | " + " | ".join(cells) + " |")
    cells = [f"{100 * t[1]:.2f}%" for t in planted.values()]
    print("| words around the values destroyed | | " + " | ".join(cells) + " |")


def hotel_texts() -> list[str]:
    texts = []
    with HOTEL.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for column, empty in (
                ("Negative_Review", "No Negative"),
                ("Positive_Review", "No Positive"),
            ):
                text = normalise(row[column])
                if text and text != empty:
                    texts.append(text)
    return texts


def hotel_row(texts: list[str], redact: Redact) -> tuple[float, int, int, Counter[str], float]:
    started = time.perf_counter()
    out = redact(texts)
    seconds = time.perf_counter() - started
    lost: Counter[str] = Counter()
    total = 0
    for text, red in zip(texts, out, strict=True):
        total += len(TOKEN.findall(text))
        lost.update(destroyed(text, red))
    wifi = sum(n for w, n in lost.items() if w.casefold() in {"wifi", "wi", "fi"})
    return sum(lost.values()) / total, total, wifi, lost, len(texts) / seconds


def baseline_redactor(commit: str) -> Redact:
    source = git_show(commit, "insight/pipelines/clean.py").decode()
    module = types.ModuleType("previous_clean")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{commit}:clean.py", "exec"), module.__dict__)
    old = module.Redactor(("email", "phone", "card", "url", "name"))
    return lambda texts: old.redact([module.normalise(t) for t in texts])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-kind", type=int, default=40, help="planted cases per kind")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline", default="eb78e2f", help="commit of the previous release")
    args = parser.parse_args()
    cases = generate(args.per_kind, args.seed)

    def current(texts: Sequence[str]) -> list[str]:
        """As an ingest does: learn the input's vocabulary, then redact."""
        redactor = Redactor(REDACT_KINDS)
        normalised = [normalise(t) for t in texts]
        redactor.learn_from(normalised)
        return redactor.redact(normalised)

    runs: dict[str, Redact] = {
        f"previous ({args.baseline})": baseline_redactor(args.baseline),
        "now": current,
    }
    kinds = [*SINGLE, "sort_code", "account", "name"]
    for title, subset in (
        (f"Generated set: {len(cases)} comments, seed {args.seed}", cases),
        (f"Hand-written held-out set: {len(HANDWRITTEN)} comments", list(HANDWRITTEN)),
    ):
        leak_table(title, subset, runs, kinds)
    if not HOTEL.exists():
        sys.exit(f"{HOTEL} missing: the false-redaction half needs ../shared/data")
    texts = hotel_texts()
    print(
        f"\nHotel reviews: {len(texts)} review texts (both fields), redacted as one ingest chunk:\n"
    )
    print(
        "| redactor | tokens | destroyed | wifi tokens destroyed | texts/s | top destroyed words |"
    )
    print("|---|---:|---:|---:|---:|---|")
    for name, redact in runs.items():
        share, total, wifi, lost, rate = hotel_row(texts, redact)
        top = ", ".join(f"{w} {n}" for w, n in lost.most_common(8))
        print(f"| {name} | {total} | {100 * share:.3f}% | {wifi} | {rate:.0f} | {top} |")


if __name__ == "__main__":
    main()
