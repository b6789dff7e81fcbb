"""Communities, components and suspicious networks on the normalised link graph.

Communities are Leiden partitions (constant Potts model, igraph's C implementation) of the graph
weighted by ``S``, so hubs, whose links carry little, do not glue honest firms
together. Components are the connected components of the same graph once links
weaker than ``COMPONENT_MIN_WEIGHT`` are dropped. A suspicious network is a community
with ``MIN_MEMBERS`` to ``MAX_MEMBERS`` entities, ranked by how much more risk it holds
than the population, whatever the scale of the scores:

    lift = (risk mass + PRIOR_MEMBERS x base) / ((members + PRIOR_MEMBERS) x base)

where the risk mass is the sum of its members' scores and ``base`` the mean score of
all entities: a group of five at three times the base rate ranks above one risky firm
among honest ones (the PRIOR_MEMBERS pseudo-members at the base rate shrink small
groups towards 1), and no absolute threshold can leave the list empty. Ties go to the
community with more members holding violations or graded intelligence. The glue of a
network is the nodes (people, phones, addresses, agents,
vehicles) with the highest betweenness inside it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from riskgraph.entities.propagation import Graph

if TYPE_CHECKING:
    import igraph as ig

MIN_MEMBERS = 3
MAX_MEMBERS = 500
COMPONENT_MIN_WEIGHT = 0.05
PRIOR_MEMBERS = 5
SEED = 42  # Leiden is randomised; a fixed seed makes a run repeatable
# Leiden with the constant Potts model (CPM): a community is a group whose links weigh more
# than RESOLUTION per pair of members, whatever the size of the whole graph (modularity's
# resolution depends on the graph's total weight: 20 split small graphs into singletons and
# merged big ones). Measured on a 20,000-enterprise world (seed 1, learned scores): the top 10
# networks' enterprises were 100% planted-scheme members at 0.01 and 0.03, 80% at 0.1 (groups
# of 3), against 60% with modularity at resolution 20; base rate 2.4%.
RESOLUTION = 0.01


@dataclass(frozen=True)
class Network:
    rank: int
    score: float  # lift: risk mass over what as many entities hold on average (see the module)
    members: tuple[int, ...]  # entity nodes, riskiest first
    risky_members: int  # members with a decided violation or a graded intelligence report
    glue: tuple[tuple[int, float], ...]  # (node, betweenness) of the nodes that hold it together
    community: int
    mass: float = 0.0  # sum of the members' scores


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
        import igraph  # heavy (it imports matplotlib): only where a graph is made, as in _igraph

        igraph.set_random_number_generator(random.Random(SEED))
        part = _igraph(sub).community_leiden(objective_function="CPM", weights="weight", resolution=RESOLUTION, n_iterations=2)
        membership[keep] = part.membership
    return membership


def components(graph: Graph) -> np.ndarray:
    """Return the connected component of every node over links of weight >= COMPONENT_MIN_WEIGHT."""
    s = graph.matrix.copy()
    s.data[s.data < COMPONENT_MIN_WEIGHT] = 0
    s.eliminate_zeros()
    return connected_components(s, directed=False)[1]


def suspicious_networks(graph: Graph, community: np.ndarray, score: np.ndarray, is_entity: np.ndarray, evidence: np.ndarray,
                        top: int = 50) -> list[Network]:
    """Return the ``top`` communities ranked as the module says, with members and glue.
    ``evidence`` marks the nodes with a decided violation or graded intelligence.

    Cost: O(n log n) to rank, plus a betweenness per network kept (small graphs).
    """
    if not len(community) or not is_entity.any():
        return []
    c = community - community.min()
    size = np.bincount(c[is_entity], minlength=int(c.max()) + 1).astype(float)
    mass = np.bincount(c[is_entity], weights=score[is_entity], minlength=len(size))
    held = np.bincount(c[is_entity], weights=evidence[is_entity].astype(float), minlength=len(size))
    base = max(float(score[is_entity].mean()), 1e-12)
    lift = (mass + PRIOR_MEMBERS * base) / ((size + PRIOR_MEMBERS) * base)
    eligible = np.flatnonzero((size >= MIN_MEMBERS) & (size <= MAX_MEMBERS))
    chosen = eligible[np.lexsort((-held[eligible], -lift[eligible]))][:top]
    order = np.argsort(c, kind="stable")
    sorted_ids = c[order]
    networks = []
    for rank, k in enumerate(chosen.tolist(), start=1):
        nodes = order[np.searchsorted(sorted_ids, k, side="left"):np.searchsorted(sorted_ids, k, side="right")]
        members = nodes[is_entity[nodes]]
        members = members[np.argsort(-score[members], kind="stable")]
        networks.append(Network(rank, float(lift[k]), tuple(members.tolist()), int(held[k]), _glue(graph, nodes),
                                int(community[nodes[0]]), float(mass[k])))
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
    # Imported here: igraph imports matplotlib when it is installed, which cost every command
    # and server process 1.3 s and 34 MB (measured), used or not.
    import igraph as ig

    upper = sp.triu(matrix, k=1).tocoo()
    g = ig.Graph(n=matrix.shape[0], edges=np.column_stack([upper.row, upper.col]), directed=False)
    g.es["weight"] = upper.data
    return g

