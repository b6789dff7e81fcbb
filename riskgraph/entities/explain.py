"""Reasons: which paths brought a node its network risk, and how much each brought.

A path ``i -> j`` (one hop) brings ``alpha S_ij own_j``; a path ``i -> c -> j`` (two
hops, through a shared phone, person, agent...) brings ``alpha^2 S_ic S_cj own_j``.
These are the first two terms of the propagation, which carry most of it; longer
paths are not listed. For every node asked for, the ``k`` paths that bring the most.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskgraph.entities.propagation import ALPHA, LINKS, Graph


@dataclass(frozen=True)
class Path:
    nodes: tuple[int, ...]
    links: tuple[str, ...]  # link type of each hop
    contribution: float


def top_paths(graph: Graph, own: np.ndarray, nodes: np.ndarray, k: int = 3) -> dict[int, list[Path]]:
    """Return, for each node of ``nodes``, its ``k`` strongest paths to nodes with own risk.

    Cost: O(E log E) for the best two risky neighbours of every node, then O(deg) per
    node asked for.
    """
    s = graph.matrix
    n = s.shape[0]
    row_of = np.repeat(np.arange(n), np.diff(s.indptr))
    gain = s.data * own[s.indices]  # what each entry brings one hop
    # The two best one-hop sources of every node (two: the best may be the asker).
    order = np.lexsort((-gain, row_of))
    rank = np.arange(len(order)) - s.indptr[row_of[order]]
    best = [np.full(n, -1), np.full(n, -1)]  # entry positions
    for r in (0, 1):
        pick = order[(rank == r) & (gain[order] > 0)]
        best[r][row_of[pick]] = pick
    out: dict[int, list[Path]] = {}
    for i in nodes.tolist():
        candidates: list[Path] = []
        for e in range(s.indptr[i], s.indptr[i + 1]):
            c = int(s.indices[e])
            if gain[e] > 0:
                candidates.append(Path((i, c), (LINKS[graph.types[e]].type,), float(ALPHA * gain[e])))
            for b in best:
                f = int(b[c])
                if f >= 0 and s.indices[f] != i:
                    j = int(s.indices[f])
                    candidates.append(Path((i, c, j), (LINKS[graph.types[e]].type, LINKS[graph.types[f]].type),
                                           float(ALPHA**2 * s.data[e] * gain[f])))
                    break
        candidates.sort(key=lambda path: -path.contribution)
        out[i] = candidates[:k]
    return out
