"""Entity backtest baselines, graded beside the model in the same run (see entity_backtest.py).

Each takes the ``Analysis`` (for its projection and factors: no second read of the
store) and returns a score per projection node.

- ``own_history``: the entity's own decided violations, decayed by age; nothing else.
- ``pagerank_on_violators``: plain personalised PageRank (random walk with restart,
  alpha 0.85, unweighted links, no hub damping) seeded on past violators.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from riskgraph.entities.factors import FACTOR_INDEX


def own_history(analysis) -> np.ndarray:
    return analysis.factors[:, FACTOR_INDEX["violations"]].copy()


def pagerank_on_violators(analysis, alpha: float = 0.85, iterations: int = 30) -> np.ndarray:
    p = analysis.projection
    n = p.size
    src = np.asarray(p.links["source"], dtype=np.int64)
    dst = np.asarray(p.links["target"], dtype=np.int64)
    a = sp.coo_matrix((np.ones(2 * len(src)), (np.r_[src, dst], np.r_[dst, src])), shape=(n, n)).tocsr()
    a.data[:] = 1.0
    degree = np.asarray(a.sum(axis=1)).ravel()
    walk = sp.diags(np.where(degree > 0, 1 / np.maximum(degree, 1), 0.0)) @ a  # row-stochastic
    seed = np.zeros(n)
    seed[[v["subject"] for v in p.violations]] = 1.0
    if seed.sum() == 0:
        return seed
    seed /= seed.sum()
    r = seed.copy()
    for _ in range(iterations):
        r = (1 - alpha) * seed + alpha * (walk.T @ r)
    return r


BASELINES = {"own history only": own_history, "PageRank on past violators": pagerank_on_violators}
