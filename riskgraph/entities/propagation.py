"""Network risk: own risk spread over the typed links of the projection.

The method is personalised PageRank in its symmetric form (label spreading, Zhou et
al. 2004): with ``W`` the typed, time-weighted link matrix and ``D`` its degrees,
``S = D^-1/2 W D^-1/2`` and ``r = s + alpha S r``, where ``s`` is the own risk. The
network risk of a node is what reaches it from others, ``r - s``, truncated at
``HOPS`` hops. The symmetric normalisation is the hub damping: a link between nodes of
degrees ``a`` and ``b`` carries ``1 / sqrt(a b)`` of its weight, so a national carrier,
a big port operator, a business-centre address or an agent shared by thousands passes
almost nothing to each of its customers, while a phone shared by two firms passes much.

``LINKS`` gives every link type its weight and time window (in days; a link last seen
longer ago than its window counts half as much every further window).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from riskgraph.entities.projection import STATIC, Projection


@dataclass(frozen=True)
class Link:
    type: str
    weight: float
    window_days: int | None  # None: static (a register entry), no decay
    doc: str


LINKS: tuple[Link, ...] = (
    Link("role:legal_representative", 1.0, 730, "legal representative (người đại diện theo pháp luật)"),
    Link("role:director", 1.0, 730, "director (giám đốc)"),
    Link("role:chief_accountant", 0.8, 730, "chief accountant (kế toán trưởng)"),
    Link("role:shareholder", 0.8, 730, "shareholder or member (thành viên góp vốn)"),
    Link("role:declarant", 0.5, 365, "declarant employed by the enterprise"),
    Link("role:employee", 0.3, 365, "employee"),
    Link("phone", 1.0, None, "same phone number"),
    Link("bank_account", 1.0, None, "same bank account"),
    Link("email", 0.8, None, "same e-mail address"),
    Link("address", 0.6, None, "same address"),
    Link("agent", 0.6, 365, "customs agent filing for the trader"),
    Link("declarant", 0.6, 365, "person filing the trader's declarations"),
    Link("vehicle", 0.5, 365, "truck, container or vessel carrying the trader's goods"),
    Link("warehouse", 0.3, 365, "warehouse storing the trader's goods"),
    Link("partner", 0.4, 365, "same foreign seller or buyer"),
    Link("agent_firm", 1.0, None, "the agent's own enterprise"),
    Link("vehicle_owner", 0.8, None, "owner or operator of the vehicle"),
)
LINK_BY_TYPE = {link.type: link for link in LINKS}
ALPHA = 0.8
HOPS = 4
DECLARATIONS_FOR_FULL_WEIGHT = 3  # a link made by one declaration counts 1 - e^-1/3 of one made by many


@dataclass(frozen=True)
class Graph:
    """The normalised link matrix ``S = D^-1/2 W D^-1/2`` of the typed, weighted links ``W``.

    ``types[k]`` is the LINKS index of the strongest link behind entry ``k`` of ``S``.
    """

    matrix: sp.csr_matrix
    types: np.ndarray


def build(p: Projection) -> Graph:
    """Return the normalised link graph of ``p``. Cost: O(L log L) for L links."""
    n = p.size
    links = p.links
    src, dst = links["source"], links["target"]
    type_of = {link.type: k for k, link in enumerate(LINKS)}
    kind = np.array([type_of[t] for t in links["type"].tolist()], dtype=np.int64)
    base = np.array([link.weight for link in LINKS])[kind] if len(kind) else np.zeros(0)
    count = links["count"]
    weight = base * np.minimum(1.5, (1 - np.exp(-count / DECLARATIONS_FOR_FULL_WEIGHT)) / (1 - np.exp(-1 / DECLARATIONS_FOR_FULL_WEIGHT)))
    weight *= recency(links["last"], np.array([link.window_days or 0 for link in LINKS])[kind])
    rows, cols = np.concatenate([src, dst]), np.concatenate([dst, src])
    weight, kind = np.concatenate([weight, weight]), np.concatenate([kind, kind])
    # One entry per pair, in CSR order; the pair's type is that of its strongest link.
    order = np.lexsort((weight, cols, rows))
    rows, cols, weight, kind = rows[order], cols[order], weight[order], kind[order]
    pair = rows * n + cols
    last = np.r_[pair[1:] != pair[:-1], True] if len(pair) else np.zeros(0, bool)
    starts = np.r_[0, np.flatnonzero(last)[:-1] + 1] if len(pair) else np.zeros(0, np.int64)
    total = np.add.reduceat(weight, starts) if len(pair) else np.zeros(0)
    w = sp.csr_matrix((total, (rows[last], cols[last])), shape=(n, n))
    w.sort_indices()
    degree = np.asarray(w.sum(axis=1)).ravel()
    inv = np.where(degree > 0, 1 / np.sqrt(np.maximum(degree, 1e-12)), 0.0)
    s = w.copy()
    s.data = w.data * inv[np.repeat(np.arange(n), np.diff(w.indptr))] * inv[w.indices]
    return Graph(s, kind[last])


def propagate(graph: Graph, own: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """Return the network risk of every node: risk reaching it from others in up to HOPS
    hops, each passing ``alpha`` of it on, less the echo of its own risk coming back over
    two hops.

    Cost: HOPS sparse matrix-vector products.
    """
    s = graph.matrix
    r = own.copy()
    total = np.zeros_like(own)
    for _ in range(HOPS):
        r = alpha * (s @ r)
        total += r
    echo = alpha**2 * np.asarray(s.multiply(s).sum(axis=1)).ravel() * own
    return np.maximum(total - echo, 0.0)


def recency(last: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Weight of links last seen ``-last`` days ago: 1 within their window, then halved
    every further window; 1 for static links (``last`` is projection.STATIC) and
    windowless types (``window`` 0)."""
    age = np.maximum(-last, 0).astype(float)
    over = np.where(window > 0, (age - window) / np.maximum(window, 1), 0.0)
    weight = np.where(over > 0, 0.5**over, 1.0)
    return np.where((last == STATIC) | (window == 0), 1.0, weight)
