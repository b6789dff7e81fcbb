"""Communities, components and suspicious networks on the normalised link graph.

Communities are Leiden partitions (modularity, igraph's C implementation) of the graph
weighted by ``S``, so hubs, whose links carry little, do not glue honest firms
together. Components are the connected components of the same graph once links
weaker than ``COMPONENT_MIN_WEIGHT`` are dropped. A suspicious network is a community
with at least ``MIN_MEMBERS`` entities, ranked by

    score = mean risk of its five riskiest entities x (1 - exp(-risky members / 3))

so that several risky members in a tight group rank above one risky firm among
honest ones. The glue of a network is the nodes (people, phones, addresses, agents,
vehicles) with the highest betweenness inside it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import igraph as ig
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from riskgraph.entities.propagation import Graph

MIN_MEMBERS = 3
MAX_MEMBERS = 500
COMPONENT_MIN_WEIGHT = 0.05
RISKY = 0.5  # a member with at least this score counts as risky
SEED = 42  # Leiden is randomised; a fixed seed makes a run repeatable
# Modularity resolution: higher gives tighter groups (measured on the demo world: 1.0 gave
# 160-440 members with 1-12% from one planted scheme, 20 gives 20-50 with 20-47%).
RESOLUTION = 20.0


@dataclass(frozen=True)
class Network:
    rank: int
    score: float
    members: tuple[int, ...]  # entity nodes, riskiest first
    risky_members: int
    glue: tuple[tuple[int, float], ...]  # (node, betweenness) of the nodes that hold it together
    community: int


def communities(graph: Graph, is_entity: np.ndarray) -> np.ndarray:
    """Return the Leiden community of every node; nodes that cannot belong to a group
    (isolated entities, identifiers held by one entity only) get one of their own.

    Leiden runs on the graph without those nodes (most phones, e-mails and addresses
    are held by one entity), which leaves its partition unchanged and the graph far
    smaller. Cost: about O(E) per Leiden pass; seconds for millions of links.
    """
    s = graph.matrix
    n = s.shape[0]
    degree = np.diff(s.indptr)
    keep = np.flatnonzero((degree >= 2) | (is_entity & (degree >= 1)))
    membership = np.arange(n) + n  # singletons, numbered apart from Leiden's communities
    if len(keep):
        sub = s[keep][:, keep]
        ig.set_random_number_generator(random.Random(SEED))
        part = _igraph(sub).community_leiden(objective_function="modularity", weights="weight", resolution=RESOLUTION, n_iterations=2)
        membership[keep] = part.membership
    return membership


def components(graph: Graph) -> np.ndarray:
    """Return the connected component of every node over links of weight >= COMPONENT_MIN_WEIGHT."""
    s = graph.matrix.copy()
    s.data[s.data < COMPONENT_MIN_WEIGHT] = 0
    s.eliminate_zeros()
    return connected_components(s, directed=False)[1]


def suspicious_networks(graph: Graph, community: np.ndarray, score: np.ndarray, is_entity: np.ndarray, top: int = 50) -> list[Network]:
    """Return the ``top`` communities ranked as the module says, with members and glue.

    Cost: O(n log n) to rank, plus a betweenness per network kept (small graphs).
    """
    order = np.argsort(community, kind="stable")
    sorted_ids = community[order]
    # Most communities are single nodes: count first, then look only at those that qualify.
    size = np.bincount(community[is_entity], minlength=int(community.max()) + 1 if len(community) else 0)
    risky_size = np.bincount(community[is_entity & (score >= RISKY)], minlength=len(size))
    ranked = []
    for c in np.flatnonzero((size >= MIN_MEMBERS) & (size <= MAX_MEMBERS) & (risky_size > 0)).tolist():
        nodes = order[np.searchsorted(sorted_ids, c, side="left"):np.searchsorted(sorted_ids, c, side="right")]
        members = nodes[is_entity[nodes]]
        scores = np.sort(score[members])[::-1]
        risky = int(risky_size[c])
        value = float(scores[:5].mean() * (1 - np.exp(-risky / 3)))
        ranked.append((value, risky, nodes, members))
    ranked.sort(key=lambda t: -t[0])
    networks = []
    for rank, (value, risky, nodes, members) in enumerate(ranked[:top], start=1):
        members = members[np.argsort(-score[members], kind="stable")]
        networks.append(Network(rank, value, tuple(members.tolist()), risky, _glue(graph, nodes), int(community[nodes[0]])))
    return networks


def _glue(graph: Graph, nodes: np.ndarray, k: int = 3) -> tuple[tuple[int, float], ...]:
    sub = graph.matrix[nodes][:, nodes]
    g = _igraph(sub)
    if g.ecount() == 0:
        return ()
    # Strong links are short: distance 1 / weight.
    between = np.asarray(g.betweenness(weights=[1 / w for w in g.es["weight"]], directed=False))
    best = np.argsort(-between, kind="stable")[:k]
    return tuple((int(nodes[b]), float(between[b])) for b in best if between[b] > 0)


def _igraph(matrix) -> ig.Graph:
    upper = sp.triu(matrix, k=1).tocoo()
    g = ig.Graph(n=matrix.shape[0], edges=np.column_stack([upper.row, upper.col]), directed=False)
    g.es["weight"] = upper.data
    return g

