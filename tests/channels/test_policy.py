"""Lanes and quotas (riskgraph.channels.policy), store-free: shares, random minimums,
thresholds and the exact filling of a batch."""

from __future__ import annotations

import math
import random

import pytest

from riskgraph.channels.policy import FILLED, LANES, Policy, by_threshold, fill, quotas, stricter
from riskgraph.errors import ConfigError
from riskgraph.ranking import score_quantiles

NONE_DRAWN = 0.999  # a draw above every random share: no declaration picked at random


def _batch(n: int, seed: int = 1) -> tuple[list[str], list[float], list[float]]:
    rng = random.Random(seed)
    return [f"1{i:011d}" for i in range(n)], [rng.random() for _ in range(n)], [rng.random() for _ in range(n)]


def _counts(placed: list[tuple[str, bool]]) -> dict[str, int]:
    return {lane: sum(p == lane for p, _ in placed) for lane in LANES}


def test_lanes_run_from_least_to_most_strict():
    assert stricter("blue", "yellow") == "yellow" and stricter("red", "green") == "red" and stricter("blue", "green") == "blue"
    assert FILLED == ("red", "yellow", "blue")


@pytest.mark.parametrize(("shares", "message"), [
    ({"red_share": 0.7, "yellow_share": 0.2, "blue_share": 0.2}, "add up to 1.1, more than 1"),
    ({"blue_share": -0.1}, "blue_share must be a share between 0 and 1"),
    ({"red_share": math.nan}, "red_share must be a share between 0 and 1"),
    ({"random_red": 1.5}, "random_red must be a share between 0 and 1"),
    ({"red_share": 0.05, "random_red": 0.1}, "random_red 0.1 is more than red_share 0.05"),
    ({"blue_share": 0.0, "random_blue": 0.01}, "raise blue_share or lower random_blue"),
])
def test_policy_refuses_impossible_shares_saying_which(shares, message):
    with pytest.raises(ConfigError, match=message):
        Policy(**shares)


def test_zero_shares_leave_every_declaration_green():
    keys, scores, _ = _batch(50)
    policy = Policy(red_share=0, yellow_share=0, blue_share=0, random_yellow=0)
    assert fill(policy, keys, scores, [NONE_DRAWN] * 50) == [("green", False)] * 50
    assert policy.thresholds(score_quantiles(scores)) == {"red": math.inf, "yellow": math.inf, "blue": math.inf}
    assert policy.fills(1)  # nothing to fill: any batch is exact


def test_shares_adding_up_to_one_leave_none_green():
    keys, scores, draws = _batch(37)
    policy = Policy(red_share=0.2, yellow_share=0.3, blue_share=0.5, random_yellow=0.02)
    assert quotas(policy, 37) == {"red": 7, "yellow": 12, "blue": 18}
    placed = fill(policy, keys, scores, draws)
    assert _counts(placed) == {"green": 0, "red": 7, "yellow": 12, "blue": 18}
    # On thresholds the random part of a share is left to the draws: without one, none is green either.
    exact = Policy(red_share=0.2, yellow_share=0.3, blue_share=0.5, random_yellow=0)
    thresholds = exact.thresholds(score_quantiles(scores))
    assert all(by_threshold(exact, thresholds, s, NONE_DRAWN)[0] != "green" for s in scores)


def test_a_batch_fills_red_then_yellow_then_blue_from_the_riskiest_down():
    keys, scores, _ = _batch(200)
    policy = Policy(red_share=0.05, yellow_share=0.15, blue_share=0.01, random_yellow=0)
    placed = fill(policy, keys, scores, [NONE_DRAWN] * 200)
    assert _counts(placed) == {"red": 10, "yellow": 30, "blue": 2, "green": 158}
    order = sorted(range(200), key=lambda i: -scores[i])
    assert [placed[i][0] for i in order] == ["red"] * 10 + ["yellow"] * 30 + ["blue"] * 2 + ["green"] * 158
    assert not any(r for _, r in placed)


def test_blue_takes_only_the_quota_red_and_yellow_leave():
    keys, scores, _ = _batch(10)
    policy = Policy(red_share=0.5, yellow_share=0.5, blue_share=0.0, random_yellow=0)
    assert "blue" not in {lane for lane, _ in fill(policy, keys, scores, [NONE_DRAWN] * 10)}
    squeezed = Policy(red_share=0.6, yellow_share=0.3, blue_share=0.1, random_yellow=0)
    assert _counts(fill(squeezed, keys, scores, [NONE_DRAWN] * 10)) == {"red": 6, "yellow": 3, "blue": 1, "green": 0}


def test_a_batch_of_one_is_placed_on_the_thresholds_not_a_rounded_quota():
    policy = Policy()
    assert not policy.fills(1) and not policy.fills(99) and policy.fills(100)
    assert fill(policy, ["100000000001"], [0.99], [NONE_DRAWN]) == [("green", False)]  # a quota of 0 of 1 would clear it
    thresholds = policy.thresholds(score_quantiles(i / 1000 for i in range(1001)))
    assert thresholds["red"] == pytest.approx(0.95) and thresholds["yellow"] == pytest.approx(0.82)
    assert thresholds["blue"] == pytest.approx(0.81)
    assert by_threshold(policy, thresholds, 0.99, NONE_DRAWN) == ("red", False)
    assert by_threshold(policy, thresholds, 0.815, NONE_DRAWN) == ("blue", False)
    assert by_threshold(policy, thresholds, 0.5, NONE_DRAWN) == ("green", False)


def test_ties_at_the_quota_go_by_declaration_number_whatever_the_order_given():
    keys = ["100000000005", "100000000003", "100000000004", "100000000001", "100000000002"]
    scores = [0.9, 0.5, 0.5, 0.5, 0.1]
    policy = Policy(red_share=0.4, yellow_share=0.0, blue_share=0.0, random_yellow=0)
    placed = dict(zip(keys, fill(policy, keys, scores, [NONE_DRAWN] * 5)))
    assert [k for k in sorted(placed) if placed[k][0] == "red"] == ["100000000001", "100000000005"]
    backwards = dict(zip(keys[::-1], fill(policy, keys[::-1], scores[::-1], [NONE_DRAWN] * 5)))
    assert backwards == placed


def test_random_minimums_per_lane_are_recorded_as_random_and_count_in_the_quota():
    keys, scores, draws = _batch(2000, seed=7)
    policy = Policy(red_share=0.05, yellow_share=0.15, blue_share=0.02, random_red=0.01, random_yellow=0.03, random_blue=0.01)
    placed = fill(policy, keys, scores, draws)
    assert _counts(placed) == {"red": 100, "yellow": 300, "blue": 40, "green": 1560}  # the quotas, exactly
    for lane, low, high in (("red", 0.0, 0.01), ("yellow", 0.01, 0.04), ("blue", 0.04, 0.05)):
        drawn = [i for i, u in enumerate(draws) if low <= u < high]
        # Every declaration drawn for a lane is in it or in a stricter one, and recorded as random.
        assert all(placed[i][1] and LANES.index(placed[i][0]) >= LANES.index(lane) for i in drawn)
        assert sum(1 for i in drawn if placed[i][0] == lane) >= 0.8 * len(drawn) > 0
    assert all(not r for i, (_, r) in enumerate(placed) if draws[i] >= 0.05)
    # The random ones are drawn whatever their risk: low scores among them too.
    assert any(placed[i][1] and scores[i] < 0.5 for i in range(2000) if placed[i][0] == "red")


def test_random_draws_above_a_small_batchs_quota_are_all_kept():
    policy = Policy(red_share=0.05, yellow_share=0.15, blue_share=0.0, random_yellow=0.15)
    keys, scores, _ = _batch(4)
    placed = fill(policy, keys, scores, [0.01, 0.02, 0.5, 0.9])  # two drawn for yellow, whose quota is 1 of 4
    assert placed[0] == ("yellow", True) and placed[1] == ("yellow", True)
    assert [lane for lane, _ in placed[2:]] == ["green", "green"]


def test_by_threshold_a_draw_never_lowers_the_risks_lane():
    policy = Policy(random_yellow=0.02, random_blue=0.01)
    thresholds = {"red": 0.9, "yellow": 0.7, "blue": 0.65}
    assert by_threshold(policy, thresholds, 0.95, 0.005) == ("red", True)  # drawn for yellow, red on its risk
    assert by_threshold(policy, thresholds, 0.1, 0.005) == ("yellow", True)
    assert by_threshold(policy, thresholds, 0.1, 0.025) == ("blue", True)
    assert by_threshold(policy, thresholds, 0.1, 0.5) == ("green", False)
