"""Communities, components and suspicious networks on tiny hand-weighted graphs: the
matrix given is ``S`` itself, so every weight in a test is the weight the module sees."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from riskgraph.entities.communities import (
    COMPONENT_MIN_WEIGHT,
    MAX_MEMBERS,
    MIN_MEMBERS,
    RISKY,
    communities,
    components,
    suspicious_networks,
)
from riskgraph.entities.propagation import Graph


def _graph(n: int, edges: list[tuple[int, int, float]]) -> Graph:
    """A symmetric normalised graph of ``n`` nodes with the given undirected weights."""
    rows = [a for a, b, _ in edges] + [b for a, b, _ in edges]
    cols = [b for a, b, _ in edges] + [a for a, b, _ in edges]
    data = [w for _, _, w in edges] * 2
    m = sp.csr_matrix((data, (rows, cols)), shape=(n, n))
    m.sort_indices()
    return Graph(m, np.zeros(m.nnz, dtype=np.int64))


def _two_triangles(background: int) -> tuple[Graph, np.ndarray]:
    """Triangles 0-1-2 and 3-4-5 (S = 1/2 inside, as three firms linked pairwise give) joined by a weak
    link 2-3; then node 6 isolated, 7 a phone held by firm 0 alone, and ``background`` pairs of firms
    sharing a phone outright (S = 1), from node 8 on."""
    edges = [(0, 1, 0.5), (1, 2, 0.5), (0, 2, 0.5), (3, 4, 0.5), (4, 5, 0.5), (3, 5, 0.5), (2, 3, 0.02), (0, 7, 0.3)]
    edges += [(8 + 2 * k, 9 + 2 * k, 1.0) for k in range(background)]
    n = 8 + 2 * background
    is_entity = np.ones(n, dtype=bool)
    is_entity[7] = False
    return _graph(n, edges), is_entity


def test_two_dense_groups_joined_by_one_weak_link_are_two_communities():
    """Each triangle is one community and the two differ; the weak link does not glue them.

    At RESOLUTION 20 a group only holds together in a graph much bigger than itself (a
    triangle needs a total strength above 20 x 6 / 3 = 40), so thirty other pairs of firms
    stand for the rest of the world.
    """
    graph, is_entity = _two_triangles(background=30)
    c = communities(graph, is_entity)
    assert c[0] == c[1] == c[2]
    assert c[3] == c[4] == c[5]
    assert c[0] != c[3]
    assert all(c[8 + 2 * k] == c[9 + 2 * k] for k in range(30))
    assert (communities(graph, is_entity) == c).all()  # a fixed seed: the same partition every run


def test_isolated_entities_and_identifiers_held_by_one_entity_get_a_community_of_their_own():
    """Node 6 has no link and phone 7 is held by firm 0 alone: neither shares its community with any node."""
    graph, is_entity = _two_triangles(background=30)
    c = communities(graph, is_entity)
    for lone in (6, 7):
        assert (c == c[lone]).sum() == 1
    assert c[0] == c[1]  # the private phone does not pull firm 0 out of its group


def test_components_drop_links_under_the_minimum_weight():
    """0-1 (0.5) and 2-3 (exactly COMPONENT_MIN_WEIGHT) hold; 1-2 (just under it) does not; 4 has no link."""
    assert COMPONENT_MIN_WEIGHT == 0.05
    graph = _graph(5, [(0, 1, 0.5), (1, 2, 0.049), (2, 3, 0.05)])
    before = graph.matrix.toarray()
    c = components(graph)
    assert c[0] == c[1] and c[2] == c[3]
    assert len({c[0], c[2], c[4]}) == 3
    assert (graph.matrix.toarray() == before).all()  # the graph itself is left as it was


def _stars():
    """Four groups, each firms sharing one phone (S = 1/sqrt(firms)), with their communities and scores.

    A: firms 0-2, phone 3, three risky firms. B: firms 4-6, phone 7 (scored 0.95, but a phone is
    no member), one risky firm. C: firms 8-9, phone 10, two risky firms but under MIN_MEMBERS.
    D: firms 11-13, phone 14, nobody risky.
    """
    edges = []
    for firms, phone in (((0, 1, 2), 3), ((4, 5, 6), 7), ((8, 9), 10), ((11, 12, 13), 14)):
        edges += [(f, phone, 1 / math.sqrt(len(firms))) for f in firms]
    community = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3])
    score = np.array([0.6, 0.8, 0.7, 0.0, 0.1, 0.9, 0.1, 0.95, 0.9, 0.9, 0.0, 0.3, 0.3, 0.3, 0.0])
    is_entity = np.ones(15, dtype=bool)
    is_entity[[3, 7, 10, 14]] = False
    return _graph(15, edges), community, score, is_entity


def test_several_risky_members_rank_above_one_and_small_or_clean_groups_are_left_out():
    """score = mean of the top five x (1 - exp(-risky / 3)): A = 0.7 x (1 - e^-1), B = (0.9 + 0.1 + 0.1)/3 x (1 - e^-1/3)."""
    assert MIN_MEMBERS == 3 and RISKY == 0.5
    graph, community, score, is_entity = _stars()
    networks = suspicious_networks(graph, community, score, is_entity)
    assert [n.community for n in networks] == [0, 1]  # C has two members, D none risky
    a, b = networks
    assert (a.rank, a.risky_members, a.members) == (1, 3, (1, 2, 0))  # riskiest first
    assert a.score == pytest.approx(0.7 * (1 - math.exp(-1)))
    assert (b.rank, b.risky_members, b.members) == (2, 1, (5, 4, 6))
    assert b.score == pytest.approx(1.1 / 3 * (1 - math.exp(-1 / 3)))
    assert [n.community for n in suspicious_networks(graph, community, score, is_entity, top=1)] == [0]


def test_the_glue_is_the_node_every_shortest_path_crosses():
    """In a star of three firms round a phone, the phone lies on all three firm-to-firm paths; the firms on none."""
    graph, community, score, is_entity = _stars()
    a = suspicious_networks(graph, community, score, is_entity)[0]
    assert a.glue == ((3, pytest.approx(3.0)),)


def test_only_the_five_riskiest_members_set_the_mean():
    """Seven firms round a phone, five at 1.0 and two at 0.0: score = 1.0 x (1 - e^-5/3), not 5/7 x ..."""
    graph = _graph(8, [(f, 7, 1 / math.sqrt(7)) for f in range(7)])
    score = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    is_entity = np.array([True] * 7 + [False])
    [network] = suspicious_networks(graph, np.zeros(8, dtype=np.int64), score, is_entity)
    assert network.score == pytest.approx(1 - math.exp(-5 / 3))
    assert network.members[:5] == (0, 2, 3, 5, 6) and set(network.members[5:]) == {1, 4}


def test_a_community_larger_than_max_members_is_not_a_network():
    """MAX_MEMBERS entities are kept, one more is not (too big to be one scheme); no links needed to decide."""
    n = 2 * MAX_MEMBERS + 1
    community = np.array([0] * MAX_MEMBERS + [1] * (MAX_MEMBERS + 1))
    score = np.zeros(n)
    score[[0, MAX_MEMBERS]] = 0.9
    networks = suspicious_networks(_graph(n, []), community, score, np.ones(n, dtype=bool))
    assert [(x.community, len(x.members), x.glue) for x in networks] == [(0, MAX_MEMBERS, ())]
