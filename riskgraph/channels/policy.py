"""Channel policy (chính sách phân luồng): the share of declarations each lane takes, and
how a batch of scored declarations is split between the lanes.

Each inspecting lane has a target share set to its capacity (red: physical examination,
yellow: documents, blue: post-clearance audit) and a minimum share drawn at random for
quality control. The random draw is made on every declaration, whatever its risk, so that
the compliance measured on the drawn ones is not biased by the targeting; a drawn
declaration whose risk asks for a stricter lane goes there and stays in the random sample.
The rest of each lane is filled by risk: red first, then yellow, then blue, from the
riskiest down.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from riskgraph.errors import ConfigError
from riskgraph.ranking import quantile

# Lanes from least to most strict: green (cleared), blue (cleared, then post-clearance audit,
# kiểm tra sau thông quan), yellow (documents checked, luồng vàng), red (goods examined, luồng đỏ).
LANES = ("green", "blue", "yellow", "red")
FILLED = ("red", "yellow", "blue")  # the order in which the inspecting lanes are filled


def stricter(a: str, b: str) -> str:
    """Return the stricter of two lanes (``LANES`` order)."""
    return a if LANES.index(a) >= LANES.index(b) else b


@dataclass(frozen=True)
class Policy:
    """Per lane, the target share of declarations (``*_share``, the lane's capacity) and
    the minimum share of them drawn at random (``random_*``, part of that capacity); risk
    profile hits may send at most ``profile_cap`` of the declarations to red beyond them."""

    red_share: float = 0.05
    yellow_share: float = 0.15
    blue_share: float = 0.01
    random_red: float = 0.0
    random_yellow: float = 0.02
    random_blue: float = 0.0
    profile_cap: float = 0.05

    def __post_init__(self):
        for lane in FILLED:
            share, drawn = self.share(lane), self.random(lane)
            for name, value in ((f"{lane}_share", share), (f"random_{lane}", drawn)):
                if not (isinstance(value, (int, float)) and 0 <= value <= 1):
                    raise ConfigError(f"{name} must be a share between 0 and 1, not {value!r}")
            if drawn > share:
                raise ConfigError(f"random_{lane} {drawn} is more than {lane}_share {share}: the random draws are part of "
                                 f"the lane's capacity; raise {lane}_share or lower random_{lane}")
        if not (isinstance(self.profile_cap, (int, float)) and 0 <= self.profile_cap <= 1):
            raise ConfigError(f"profile_cap must be a share between 0 and 1, not {self.profile_cap!r}")
        total = sum(self.share(lane) for lane in FILLED)
        if total > 1 + 1e-9:
            raise ConfigError(f"red_share, yellow_share and blue_share add up to {total:g}, more than 1")

    def share(self, lane: str) -> float:
        return getattr(self, f"{lane}_share")

    def random(self, lane: str) -> float:
        return getattr(self, f"random_{lane}")

    def drawn(self, draw: float) -> str | None:
        """Return the lane a uniform ``draw`` (0..1) picks at random, strictest first, or
        None for the declarations not drawn."""
        edge = 0.0
        for lane in FILLED:
            edge += self.random(lane)
            if draw < edge:
                return lane
        return None

    def thresholds(self, grid: list[float]) -> dict[str, float]:
        """Return the score from which each inspecting lane takes a declaration on its risk,
        read from a ``score_quantiles`` grid: the riskiest share of the lane less its
        random part (infinite for a lane left nothing to fill by risk)."""
        out, above = {}, 0.0
        for lane in FILLED:
            by_risk = self.share(lane) - self.random(lane)
            above += by_risk
            out[lane] = quantile(grid, 1 - above) if by_risk > 0 else math.inf
        return out

    def fills(self, n: int) -> bool:
        """Return whether a batch of ``n`` declarations is large enough to fill the quotas
        exactly: every lane with a share gets at least one declaration. Smaller batches
        (a single declaration in clearance) are judged against the thresholds."""
        shares = [self.share(lane) for lane in FILLED if self.share(lane) > 0]
        return not shares or n * min(shares) >= 1


def by_threshold(policy: Policy, thresholds: dict[str, float], score: float, draw: float) -> tuple[str, bool]:
    """Return the lane of one declaration and whether it was drawn at random: the
    stricter of the lane its ``score`` reaches on ``thresholds`` and the lane its ``draw``
    picks."""
    lane = next((lane for lane in FILLED if score >= thresholds[lane]), "green")
    picked = policy.drawn(draw)
    return (lane, False) if picked is None else (stricter(lane, picked), True)


def quotas(policy: Policy, n: int) -> dict[str, int]:
    """Return how many of ``n`` declarations each inspecting lane takes: cumulative shares
    rounded, so that shares adding up to 1 leave no declaration green."""
    out, before, edge = {}, 0, 0.0
    for lane in FILLED:
        edge += policy.share(lane)
        upto = min(n, math.floor(n * edge + 0.5 + 1e-9))
        out[lane], before = upto - before, upto
    return out


def fill(policy: Policy, keys: Sequence[str], scores: Sequence[float], draws: Sequence[float]) -> list[tuple[str, bool]]:
    """Return the lane of each declaration of a batch and whether it was drawn at random,
    filling each lane's quota exactly: first the declarations drawn for it (not already in
    a stricter lane), then the riskiest of the rest, ties by declaration number. A lane
    whose random draws alone exceed its quota (a small batch) keeps them all.
    Cost: O(n log n)."""
    order = sorted(range(len(keys)), key=lambda i: (-scores[i], keys[i]))
    picked = [policy.drawn(u) for u in draws]
    lanes: list[str | None] = [None] * len(keys)
    for lane, quota in quotas(policy, len(keys)).items():
        for i, p in enumerate(picked):
            if p == lane and lanes[i] is None:
                lanes[i] = lane
                quota -= 1
        for i in order:
            if quota <= 0:
                break
            if lanes[i] is None:
                lanes[i] = lane
                quota -= 1
    return [(lane or "green", p is not None) for lane, p in zip(lanes, picked)]
