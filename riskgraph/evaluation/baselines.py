"""Entity backtest baselines, graded beside the model in the same run (see entity_backtest.py).

Each takes the ``Analysis`` (for its projection and factors: no second read of the
store) and returns a score per projection node.

- ``own_history``: the entity's own decided violations, decayed by age; nothing else.
- ``pagerank_on_violators``: plain personalised PageRank (random walk with restart,
  alpha 0.85, unweighted links, no hub damping) seeded on past violators.
"""

from __future__ import annotations

import numpy as np

from riskgraph.entities.factors import FACTOR_INDEX
from riskgraph.entities.pagerank import adjacency, pagerank


def own_history(analysis) -> np.ndarray:
    return analysis.factors[:, FACTOR_INDEX["violations"]].copy()


def pagerank_on_violators(analysis) -> np.ndarray:
    p = analysis.projection
    return pagerank(adjacency(p), np.unique(np.array([v["subject"] for v in p.violations], dtype=np.int64)))


BASELINES = {"own history only": own_history, "PageRank on past violators": pagerank_on_violators}
