"""Granularity chosen from the data: the cluster size two layouts agree on."""

from __future__ import annotations

import numpy as np

from insight.models.granularity import (
    AgreedSizeClusterer,
    auto_min_topic_size,
    candidate_sizes,
    choose_size,
)


def two_layouts(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four far-apart groups of 125 points, laid out twice (5 dimensions each). Inside a group
    each layout scatters the points over five tight spots of 25 at random, so clusters finer
    than a group differ between the layouts while the groups themselves are the same."""
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(4), 125)
    centres = np.eye(5)[:4] * 40.0
    spots = rng.normal(scale=4.0, size=(5, 5))
    layouts = []
    for _ in range(2):
        spot = np.concatenate([rng.permutation(np.repeat(np.arange(5), 25)) for _ in range(4)])
        layouts.append(centres[groups] + spots[spot] + rng.normal(scale=0.2, size=(500, 5)))
    return np.hstack(layouts), groups


def test_candidates_start_at_the_half_percent_rule_and_only_go_coarser() -> None:
    assert auto_min_topic_size(20_000) == 100
    assert candidate_sizes(100, 20_000) == [100, 150, 200, 300]
    assert candidate_sizes(10, 30) == [10, 15]  # never more than half the points
    assert choose_size({10: 0.5, 15: 0.85, 20: 1.0}) == 15  # the finest stable one
    assert choose_size({10: 0.81, 15: 0.95, 20: 1.0}) == 10  # not the most stable
    assert choose_size({10: 0.5, 15: 0.7, 20: 0.6}) == 15  # none stable: the most agreeing


def test_the_size_both_layouts_agree_on_is_chosen() -> None:
    points, groups = two_layouts()
    fitted = AgreedSizeClusterer(candidate_sizes(10, len(points)), 2, max_share=0.5).fit(points)
    # the 25-point spots differ between layouts; only from size 30 up do the groups come out
    assert fitted.agreement_[10] < 0.5
    assert fitted.agreement_[30] > 0.95
    assert fitted.size_ == 30
    assert fitted.labels_ is not None
    clustered = fitted.labels_ != -1
    assert clustered.mean() > 0.9
    for label in set(fitted.labels_[clustered].tolist()):
        assert len(set(groups[fitted.labels_ == label].tolist())) == 1


def test_a_size_whose_largest_cluster_is_over_the_cap_is_not_a_candidate() -> None:
    points, _ = two_layouts()
    # a group is a quarter of the points: with a 20% cap only the finer, split sizes qualify
    fitted = AgreedSizeClusterer([10, 30], 2, max_share=0.2).fit(points)
    assert list(fitted.agreement_) == [10]
    assert fitted.size_ == 10


def test_a_fixed_size_is_used_as_given() -> None:
    points, _ = two_layouts()
    fitted = AgreedSizeClusterer([10], 2, max_share=0.5).fit(points)
    assert fitted.size_ == 10 and fitted.agreement_ == {}
    assert fitted.labels_ is not None and len(set(fitted.labels_.tolist()) - {-1}) > 4
