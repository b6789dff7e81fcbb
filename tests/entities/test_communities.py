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
    PRIOR_MEMBERS,
    RESOLUTION,
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

    Under the constant Potts model a triangle holds (1.5 of weight against RESOLUTION x 3
    pairs) and merging the two would add 0.02 of weight against RESOLUTION x 9 new pairs,
    however big or small the rest of the graph: with no other firm at all, or thirty pairs.
    """
    assert RESOLUTION == 0.01
    alone, is_alone = _two_triangles(background=0)
    c = communities(alone, is_alone)
    assert c[0] == c[1] == c[2] and c[3] == c[4] == c[5] and c[0] != c[3]
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


def _lift(mass: float, members: int, base: float) -> float:
    return (mass + PRIOR_MEMBERS * base) / ((members + PRIOR_MEMBERS) * base)


def test_networks_rank_by_lift_over_the_population_and_no_absolute_score_gates_them():
    """A (mass 2.1) above B (1.1) above D (0.9, nobody above 0.5, still listed); C has two
    members only. Scores a hundred times smaller give the same networks and the same lifts."""
    assert MIN_MEMBERS == 3 and PRIOR_MEMBERS == 5
    graph, community, score, is_entity = _stars()
    evidence = np.zeros(len(score), dtype=bool)
    evidence[[1, 5]] = True
    base = score[is_entity].mean()
    networks = suspicious_networks(graph, community, score, is_entity, evidence)
    assert [n.community for n in networks] == [0, 1, 3]
    a, b, d = networks
    assert (a.rank, a.members, a.risky_members) == (1, (1, 2, 0), 1)  # riskiest first; one member with evidence
    assert a.score == pytest.approx(_lift(2.1, 3, base)) and a.mass == pytest.approx(2.1)
    assert b.score == pytest.approx(_lift(1.1, 3, base)) and d.score == pytest.approx(_lift(0.9, 3, base))
    assert d.score < 1  # below the population, listed all the same
    small = suspicious_networks(graph, community, score / 100, is_entity, evidence)
    assert [(n.community, n.members) for n in small] == [(n.community, n.members) for n in networks]
    assert [n.score for n in small] == pytest.approx([n.score for n in networks])
    assert [n.community for n in suspicious_networks(graph, community, score, is_entity, evidence, top=1)] == [0]


def test_equal_lifts_go_to_the_group_with_more_members_on_record():
    """Two groups of three at the same scores: the one with a decided violation or graded tip ranks first."""
    graph = _graph(8, [(0, 3, 0.5), (1, 3, 0.5), (2, 3, 0.5), (4, 7, 0.5), (5, 7, 0.5), (6, 7, 0.5)])
    community = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    score = np.array([0.2, 0.2, 0.2, 0.0, 0.2, 0.2, 0.2, 0.0])
    is_entity = np.array([True, True, True, False] * 2)
    evidence = np.zeros(8, dtype=bool)
    evidence[5] = True
    assert [n.community for n in suspicious_networks(graph, community, score, is_entity, evidence)] == [1, 0]


def test_the_glue_is_the_node_every_shortest_path_crosses():
    """In a star of three firms round a phone, the phone lies on all three firm-to-firm paths; the firms on none."""
    graph, community, score, is_entity = _stars()
    a = suspicious_networks(graph, community, score, is_entity, np.zeros(len(score), dtype=bool))[0]
    assert a.glue == ((3, pytest.approx(3.0)),)


def test_a_community_larger_than_max_members_is_not_a_network():
    """MAX_MEMBERS entities are kept, one more is not (too big to be one scheme); no links needed to decide."""
    n = 2 * MAX_MEMBERS + 1
    community = np.array([0] * MAX_MEMBERS + [1] * (MAX_MEMBERS + 1))
    score = np.zeros(n)
    score[[0, MAX_MEMBERS]] = 0.9
    networks = suspicious_networks(_graph(n, []), community, score, np.ones(n, dtype=bool), np.zeros(n, dtype=bool))
    assert [(x.community, len(x.members), x.glue) for x in networks] == [(0, MAX_MEMBERS, ())]
