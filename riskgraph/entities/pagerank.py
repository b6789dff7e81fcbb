"""Plain personalised PageRank: a random walk with restart on the unweighted links.

It is the textbook way to spread suspicion from known violators over a graph, with no
link types, no time and no hub damping. The ranker takes it as one feature among
many, and the backtest grades it as a baseline.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from riskgraph.entities.projection import Projection


def pagerank(adjacency: sp.csr_matrix, seeds: np.ndarray, alpha: float = 0.85, iterations: int = 30) -> np.ndarray:
    """Return the personalised PageRank of every node of the symmetric 0/1 ``adjacency``,
    restarting at the nodes of ``seeds`` (node indexes, repeats count twice); zeros when
    there is no seed.

    Cost: ``iterations`` sparse matrix-vector products over the links.
    """
    n = adjacency.shape[0]
    seed = np.bincount(np.asarray(seeds, dtype=np.int64), minlength=n).astype(float)[:n]
    if seed.sum() == 0:
        return seed
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    inverse = np.where(degree > 0, 1 / np.maximum(degree, 1), 0.0)
    seed /= seed.sum()
    r = seed.copy()
    for _ in range(iterations):
        # r <- (1 - alpha) seed + alpha W^T r with W = D^-1 A row-stochastic; A is symmetric.
        r = (1 - alpha) * seed + alpha * (adjacency @ (inverse * r))
    return r


def adjacency(p: Projection) -> sp.csr_matrix:
    """Return the symmetric 0/1 adjacency of the projection's links (parallel links count once)."""
    n = p.size
    src = np.asarray(p.links["source"], dtype=np.int64)
    dst = np.asarray(p.links["target"], dtype=np.int64)
    a = sp.coo_matrix((np.ones(2 * len(src)), (np.r_[src, dst], np.r_[dst, src])), shape=(n, n)).tocsr()
    a.data[:] = 1.0
    return a
