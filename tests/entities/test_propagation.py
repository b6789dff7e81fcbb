"""Network risk on tiny in-memory graphs: the symmetric normalisation, link weights by
count and age, and what propagation brings each node (no store, numbers by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from riskgraph.entities.projection import STATIC
from riskgraph.entities.propagation import ALPHA, LINK_BY_TYPE, LINKS, build, propagate, recency
from tests.entities.tiny import projection

A = ALPHA


def _types(graph) -> dict[tuple[int, int], str]:
    """The link type name of every entry of the matrix, by (row, column)."""
    coo = graph.matrix.tocoo()
    order = np.lexsort((coo.col, coo.row))  # CSR order, the order of graph.types
    return {(int(coo.row[k]), int(coo.col[k])): LINKS[t].type for k, t in zip(order, graph.types.tolist())}


def test_build_divides_each_weight_by_the_root_of_both_degrees():
    """S_ab = w_ab / sqrt(deg_a deg_b): the hub damping the whole method rests on."""
    # 0 and 2 share phone 1; 0 is also at address 3.
    p = projection(["enterprise", "phone", "enterprise", "address"], [(0, 1, "phone"), (2, 1, "phone"), (0, 3, "address")])
    s = build(p).matrix.toarray()
    deg = [1.0 + 0.6, 2.0, 1.0, 0.6]
    expected = np.zeros((4, 4))
    for a, b, w in ((0, 1, 1.0), (1, 2, 1.0), (0, 3, 0.6)):
        expected[a, b] = expected[b, a] = w / math.sqrt(deg[a] * deg[b])
    assert s == pytest.approx(expected)
    assert s == pytest.approx(s.T, rel=1e-15)  # symmetric to the last bit or so: (w·x)·y and (w·y)·x may round apart
    assert expected[0, 1] == pytest.approx(1 / math.sqrt(3.2)) and expected[0, 3] == pytest.approx(0.6 / math.sqrt(0.96))
    assert _types(build(p)) == {(0, 1): "phone", (1, 0): "phone", (1, 2): "phone", (2, 1): "phone", (0, 3): "address", (3, 0): "address"}


def test_parallel_links_add_up_and_the_pair_is_typed_by_the_strongest():
    """A director who is also a shareholder is linked by both weights; the reason names the stronger role."""
    # Person 0 is shareholder (0.8) and director (1.0) of enterprise 1, which has e-mail 2 (0.8).
    p = projection(["person", "enterprise", "email"], [(0, 1, "role:shareholder"), (1, 0, "role:director"), (1, 2, "email")])
    g = build(p)
    s = g.matrix.toarray()
    deg = [1.8, 1.8 + 0.8, 0.8]
    assert s[0, 1] == pytest.approx(1.8 / math.sqrt(deg[0] * deg[1]))
    assert s[1, 2] == pytest.approx(0.8 / math.sqrt(deg[1] * deg[2]))
    assert g.matrix.nnz == 4  # one entry per pair and direction, not one per link
    types = _types(g)
    assert types[(0, 1)] == types[(1, 0)] == "role:director"
    assert types[(1, 2)] == "email"


def test_a_link_made_by_many_declarations_weighs_half_as_much_again_as_one_made_by_one():
    """Count saturation: 1 declaration gives the type's weight, many give 1.5 times it (the cap)."""
    # Enterprise 0 files through agent 1 once and through agent 2 ten times.
    p = projection(["enterprise", "agent", "agent"], [(0, 1, "agent", 1, -10), (0, 2, "agent", 10, -10)])
    s = build(p).matrix.toarray()
    w1, w2 = 0.6, 0.6 * 1.5
    assert s[0, 1] == pytest.approx(w1 / math.sqrt((w1 + w2) * w1))
    assert s[0, 2] == pytest.approx(w2 / math.sqrt((w1 + w2) * w2))


def test_two_declarations_already_reach_the_count_cap():
    """(1 - e^-2/3) / (1 - e^-1/3) = 1.72 > 1.5: the cap binds from the second declaration on."""
    assert (1 - math.exp(-2 / 3)) / (1 - math.exp(-1 / 3)) > 1.5
    p = projection(["enterprise", "agent", "agent"], [(0, 1, "agent", 2, -10), (0, 2, "agent", 50, -10)])
    s = build(p).matrix.toarray()
    assert s[0, 1] == pytest.approx(s[0, 2])


def test_recency_halves_a_link_every_window_past_its_own():
    """Within the window a link counts fully; each further window halves it; static and windowless links never fade."""
    last = np.array([0, -100, -365, -730, -1095, -547, STATIC, -5000])
    window = np.array([365, 365, 365, 365, 365, 365, 365, 0])
    assert recency(last, window) == pytest.approx([1.0, 1.0, 1.0, 0.5, 0.25, 0.5 ** (182 / 365), 1.0, 1.0])


def test_an_old_link_weighs_less_in_the_matrix():
    """Agent 1 last filed two years ago (one window past its 365 days): half the weight of agent 2, filed this quarter."""
    assert LINK_BY_TYPE["agent"].window_days == 365
    links = [(0, 1, "agent", 1, -730), (0, 2, "agent", 1, -100), (0, 3, "phone", 1, -5000)]
    p = projection(["enterprise", "agent", "agent", "phone"], links)
    s = build(p).matrix.toarray()
    w = [0.3, 0.6, 1.0]  # the phone link has no window: its age does not matter
    deg0 = sum(w)
    for node, weight in zip((1, 2, 3), w):
        assert s[0, node] == pytest.approx(weight / math.sqrt(deg0 * weight))


def test_propagation_on_a_path_reaches_the_middle_most_and_removes_the_two_hop_echo():
    """A - B - C with own risk on C only (A, C enterprises sharing phone B).

    S_AB = S_BC = 1/sqrt(2). Powers of S on e_C: S e_C = (0, 1/√2, 0), S² e_C = (1/2, 0, 1/2),
    S³ = S and S⁴ = S² here. So A gets (α² + α⁴)/2, B gets (α + α³)/√2, and C gets
    (α² + α⁴)/2 less its two-hop echo α²·S_CB²·1 = α²/2: the four-hop return α⁴/2 remains.
    """
    p = projection(["enterprise", "phone", "enterprise"], [(0, 1, "phone"), (2, 1, "phone")])
    network = propagate(build(p), np.array([0.0, 0.0, 1.0]))
    a, b, c = network.tolist()
    assert a == pytest.approx((A**2 + A**4) / 2)
    assert b == pytest.approx((A + A**3) / math.sqrt(2))
    assert c == pytest.approx(A**4 / 2)  # 0.2048: not zero, only the two-hop echo is taken out
    assert b > a > c


def test_a_hub_passes_less_to_each_of_its_nodes_than_a_phone_shared_by_two():
    """Phone 1 is shared by firms 0 and 2; address 3 by ten firms 4..13. Firms 2 and 13 are risky.

    Through the phone firm 0 gets (α² + α⁴)/2; through the address each firm gets
    S_FH S_HR = 1/10 per two hops (S³ = S for a star), so (α² + α⁴)/10: a fifth.
    """
    kinds = ["enterprise", "phone", "enterprise", "address"] + ["enterprise"] * 10
    links = [(0, 1, "phone"), (2, 1, "phone")] + [(f, 3, "address") for f in range(4, 14)]
    own = np.zeros(14)
    own[[2, 13]] = 1.0
    network = propagate(build(projection(kinds, links)), own)
    assert network[0] == pytest.approx((A**2 + A**4) / 2)
    assert network[4:13] == pytest.approx([(A**2 + A**4) / 10] * 9)
    assert network[0] == pytest.approx(5 * network[4])
    assert network[3] == pytest.approx((A + A**3) / math.sqrt(10))  # the address itself
    assert network[1] == pytest.approx((A + A**3) / math.sqrt(2))


def test_risk_travels_at_most_four_hops():
    """On the chain 0-1-2-3-4-5 with own risk on 5, node 1 is reached by one four-hop walk, node 0 by none."""
    kinds = ["enterprise", "phone"] * 3
    links = [(k, k + 1, "phone") for k in range(5)]
    own = np.zeros(6)
    own[5] = 1.0
    network = propagate(build(projection(kinds, links)), own)
    # Degrees 1, 2, 2, 2, 2, 1: S = 1/2 inside the chain, 1/√2 at its ends.
    assert network[1] == pytest.approx(A**4 * (1 / 2) ** 3 / math.sqrt(2))
    assert network[0] == 0.0


def test_no_own_risk_means_no_network_risk_and_isolated_nodes_get_none():
    """Zero in, zero out; a node without links (degree 0) is left at zero, not divided by zero."""
    p = projection(["enterprise", "phone", "enterprise", "enterprise"], [(0, 1, "phone"), (2, 1, "phone")])
    g = build(p)
    assert propagate(g, np.zeros(4)) == pytest.approx(np.zeros(4))
    assert g.matrix[3].nnz == 0
    assert propagate(g, np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(np.zeros(4))
