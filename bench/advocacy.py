"""Do praise and complaints of an aspect come out as a lift and a drag? Checked on real reviews.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m bench.advocacy   # ~4 min

../shared/data/hotel_reviews (4,789 Booking.com reviews of one London hotel, CC0): each review
has a score (2.5–10, rounded to the 0–10 scale) and two texts, ``Negative_Review`` and
``Positive_Review``, so every clause's polarity is known without a model, once the field's own
"nothing to say" answers are read as empty: besides the dataset's "No Negative", guests write
"Nothing", "None", "N A", "No complaints" in the negative field (89 + 8 + 13 + 5 of them here),
which say there is no complaint, not that there is one. Clauses of both fields
are embedded and clustered into aspects with the engine's default topic model (fitted as the
engine fits, with the sentiment model's ``p_positive`` for the merge guard); a comment is the
whole review. For every aspect with at least ``--min`` reviews on each side, the complaint side
should be a drag (effect < 0) and the praise side a lift (effect > 0). The "General feedback"
bucket (clauses with no subject, issue 14) stays in every model but is no aspect: its "complaint"
clauses are mostly negative-field answers such as "Nothing It was amazing". Rows, in the same run:
- sides (the engine's model, ``insight.analytics.polarity``: every side of every aspect in one
  OLS);
- sides with a word-count control added (the option the engine leaves off);
- plain mention drivers (``key_drivers`` on topic indicators, polarity ignored, the previous
  release's only view): the share of aspects whose one effect has the sign of the side that
  dominates the aspect's mentions;
- sides with polarity from the engine's sentiment model instead of the field.
"""

from __future__ import annotations

import argparse
import csv
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from insight.analytics.drivers import key_drivers
from insight.analytics.impact import membership
from insight.analytics.polarity import length_control, polar_drivers, polar_matrix
from insight.analytics.scales import NPS_SCALE
from insight.config import Config
from insight.models.embedder import MiniLMEmbedder
from insight.models.topic_model import GENERAL, OUTLIER
from insight.pipelines.components import build_segmenter, build_sentiment, build_topic_model
from insight.pipelines.sentiment import score_mentions

#: A negative-field answer that means "no complaint" (the field is empty in substance).
NO_COMPLAINT = re.compile(
    r"^(?:nothing|none|n ?a|no|nil|not really|no complaints?|nothing at all|nothing really"
    r"|nothing to (?:complain about|report|say)|can ?t think of anything|no negatives?)$"
)
HOTEL = (
    Path(__file__).resolve().parents[2]
    / "shared/data/hotel_reviews/Hotel_Reviews_Britannia_Canary_Wharf.csv"
)


def load() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(reviews: id, score, words; clauses: comment_id, text, field polarity)."""
    reviews, fields = [], []
    with HOTEL.open(encoding="utf-8", newline="") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            words = 0
            for column, empty, sentiment in (
                ("Negative_Review", "No Negative", "negative"),
                ("Positive_Review", "No Positive", "positive"),
            ):
                text = " ".join(row[column].split())
                no_complaint = sentiment == "negative" and NO_COMPLAINT.match(text.lower())
                if text and text != empty and not no_complaint:
                    fields.append({"comment_id": f"r{i}", "text": text, "sentiment": sentiment})
                    words += len(text.split())
            score = round(float(row["Reviewer_Score"]))
            reviews.append({"id": f"r{i}", "score": score, "words": words})
    return pd.DataFrame(reviews), pd.DataFrame(fields)


def clauses(fields: pd.DataFrame, config: Config) -> pd.DataFrame:
    segmenter = build_segmenter(config)
    rows = []
    for field, spans in zip(
        fields.itertuples(), segmenter.split_many(fields["text"].tolist()), strict=True
    ):
        for start, end in spans:
            rows.append(
                {
                    "comment_id": field.comment_id,
                    "text": field.text[start:end],
                    "sentiment": field.sentiment,
                }
            )
    return pd.DataFrame(rows)


def agreement(table: pd.DataFrame, minimum: int, general: set[int]) -> tuple[int, int, int, int]:
    """(aspects with both sides ≥ minimum, complaint sides < 0, praise sides > 0, aspects with
    both right); the
    ``general`` topics (the "General feedback" bucket of subject-less clauses) are no aspect."""
    table = table[~table["topic_id"].isin(general)]
    sides = table.pivot_table(index="topic_id", columns="polarity", values=["effect", "comments"])
    both = sides[
        (sides[("comments", "complaint")] >= minimum) & (sides[("comments", "praise")] >= minimum)
    ]
    drags, lifts = both[("effect", "complaint")] < 0, both[("effect", "praise")] > 0
    return len(both), int(drags.sum()), int(lifts.sum()), int((drags & lifts).sum())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--min", type=int, default=30, help="reviews per side of an aspect")
    args = parser.parse_args()
    config = Config()
    started = time.perf_counter()
    reviews, fields = load()
    mentions = clauses(fields, config)
    embedder = MiniLMEmbedder()
    vectors = embedder.encode(mentions["text"].tolist())
    sentiment = build_sentiment(config)
    scored = score_mentions(sentiment, mentions["text"].tolist(), vectors)
    model = build_topic_model(config)  # fitted as the engine fits: with the sentiment guard
    model.fit(
        mentions["text"].tolist(),
        vectors,
        embed=embedder.encode,
        p_positive=scored["p_positive"].to_numpy(),
    )
    assert model.labels_ is not None
    mentions["topic_id"] = model.labels_
    general = {t.topic_id for t in model.topics_ if t.label == GENERAL}
    fit_seconds = time.perf_counter() - started
    ids = pd.Index(reviews["id"])
    codes = NPS_SCALE.codes(reviews["score"].tolist())
    weights = np.ones(len(reviews))
    length = length_control(reviews["words"].to_numpy())
    matrix = polar_matrix(ids, mentions, OUTLIER)
    rows = []
    for name, control in (("sides (engine)", None), ("sides + word-count control", length)):
        rows.append(
            (name, *agreement(polar_drivers(matrix, codes, weights, control), args.min, general))
        )
    # the engine's sentiment model instead of the field's polarity
    predicted = mentions.assign(sentiment=scored["label"].to_numpy())
    found = polar_drivers(polar_matrix(ids, predicted, OUTLIER), codes, weights)
    rows.append(
        ("sides, polarity from the engine's sentiment model", *agreement(found, args.min, general))
    )
    # plain mention drivers: one effect per aspect, polarity ignored
    known = mentions[(mentions["topic_id"] != OUTLIER) & ~mentions["topic_id"].isin(general)]
    plain = key_drivers(membership(ids, known), codes, max_shapley=0)
    share_negative = known.groupby("topic_id")["sentiment"].apply(
        lambda s: (s == "negative").mean()
    )
    counts = known.drop_duplicates(["comment_id", "topic_id"]).groupby("topic_id").size()
    plain = plain[plain["topic_id"].map(counts) >= args.min]
    expected = np.where(plain["topic_id"].map(share_negative) > 0.5, -1, 1)
    right = int((np.sign(plain["effect"]) == expected).sum())

    print(
        f"\nHotel reviews: {len(reviews)} reviews, {len(mentions)} clauses, "
        f"{len(model.topics_) - len(general)} aspects and {len(general)} general-feedback bucket "
        f"(fit {fit_seconds:.0f} s); aspects with ≥ {args.min} reviews on each side.\n"
    )
    print("| model | aspects | complaint side is a drag | praise side is a lift | sides right "
          "| aspects with both right |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    for name, n, c, p, b in rows:
        print(f"| {name} | {n} | {c}/{n} ({c / max(n, 1):.0%}) | {p}/{n} ({p / max(n, 1):.0%}) "
              f"| {(c + p) / max(2 * n, 1):.0%} | {b}/{n} ({b / max(n, 1):.0%}) |")  # fmt: skip
    print(
        f"| plain mention driver, sign of the dominant side (before) | {len(plain)} | | | "
        f"{right}/{len(plain)} ({right / max(len(plain), 1):.0%}) |"
    )


if __name__ == "__main__":
    main()
