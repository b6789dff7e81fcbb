"""Ranking metrics shared by training validation and both backtests (numpy only).

A ranking is a score per item, riskiest first; ties keep the given order wherever a
position matters (so give items in a fixed order). ``budget`` is a share of the items
selected from the top, as an inspection or targeting budget.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def hits(score: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """Return ``positive`` in ranking order (riskiest first, ties in the given order)."""
    return positive[np.argsort(-score, kind="stable")]


def top(n: int, budget: float) -> int:
    """Return how many of ``n`` items a ``budget`` share selects: at least one."""
    return max(1, round(n * budget))


def precision_at(score: np.ndarray, positive: np.ndarray, budget: float) -> float:
    """Return the share of positives among the top ``budget`` of the ranking."""
    k = top(len(score), budget)
    return float(hits(score, positive)[:k].sum() / k)


def recall_at(score: np.ndarray, positive: np.ndarray, budget: float) -> float:
    """Return the share of all positives found in the top ``budget`` (0 without positives)."""
    return float(hits(score, positive)[: top(len(score), budget)].sum() / max(1, int(positive.sum())))


def caught_at(score: np.ndarray, weight: np.ndarray, budget: float) -> float:
    """Return the sum of ``weight`` over the top ``budget`` of the ranking (revenue at
    stake caught, say), added in ranking order."""
    return float(np.cumsum(weight[np.argsort(-score, kind="stable")])[top(len(score), budget) - 1])


def average_precision(score: np.ndarray, positive: np.ndarray) -> float:
    """Return the average precision of ranking ``score`` against boolean ``positive``
    (0 without positives); ties keep the given order. Cost: O(n log n)."""
    found = hits(score, positive)
    precision = np.cumsum(found) / np.arange(1, len(found) + 1)
    return float((precision * found).sum() / max(1, int(positive.sum())))


def roc_auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Return the ROC AUC by the rank-sum (Mann-Whitney) formula, ties counted half
    (0.5 without positives or negatives). Cost: O(n log n)."""
    pos, neg = int(positive.sum()), int((~positive).sum())
    if not pos or not neg:
        return 0.5
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score))
    _, first, counts = np.unique(score[order], return_index=True, return_counts=True)
    ranks[order] = np.repeat(first + (counts + 1) / 2, counts)
    return float((ranks[positive].sum() - pos * (pos + 1) / 2) / (pos * neg))


def score_quantiles(scores: Iterable[float]) -> list[float]:
    """Return the 0th..1000th permille of ``scores`` (``[0, 1]`` for none): the grid
    that channel shares are read from."""
    values = np.fromiter(scores, dtype=float)
    if not len(values):
        return [0.0, 1.0]
    return [round(float(q), 6) for q in np.quantile(values, np.linspace(0, 1, 1001))]


def quantile(grid: list[float], q: float) -> float:
    """Return the score at share ``q`` (0..1) of a ``score_quantiles`` grid, interpolated."""
    position = min(max(q, 0.0), 1.0) * (len(grid) - 1)
    lo = int(position)
    hi = min(lo + 1, len(grid) - 1)
    return grid[lo] + (grid[hi] - grid[lo]) * (position - lo)
