"""Reasons on tiny in-memory graphs: the one- and two-hop paths that bring a node its
network risk, what each brings, and the asker's own risk never counted as a reason."""

from __future__ import annotations

import math

import numpy as np
import pytest

from riskgraph.entities.explain import top_paths
from riskgraph.entities.propagation import ALPHA, build
from tests.entities.tiny import projection


def _graph(kinds: list[str], links: list[tuple[int, int, str]]):
    """The normalised graph of nodes of ``kinds`` and static links (source, target, type)."""
    return build(projection(kinds, links))


# Enterprise 0 has director 3 (own 0.9) and phone 1, shared with enterprise 2 (own 0.5).
# Degrees 2, 2, 1, 1: S_03 = 1/√2, S_01 = 1/2, S_12 = 1/√2.
KINDS = ["enterprise", "phone", "enterprise", "person"]
LINKS = [(0, 3, "role:director"), (0, 1, "phone"), (2, 1, "phone")]
OWN = np.array([0.0, 0.0, 0.5, 0.9])


def test_one_and_two_hop_paths_bring_what_the_first_two_propagation_terms_bring():
    """alpha S_ij own_j for a risky neighbour, alpha² S_ic S_cj own_j through a shared phone, strongest first."""
    paths = top_paths(_graph(KINDS, LINKS), OWN, np.array([0]))[0]
    assert [(p.nodes, p.links) for p in paths] == [((0, 3), ("role:director",)), ((0, 1, 2), ("phone", "phone"))]
    assert paths[0].contribution == pytest.approx(ALPHA * (1 / math.sqrt(2)) * 0.9)
    assert paths[1].contribution == pytest.approx(ALPHA**2 * (1 / 2) * (1 / math.sqrt(2)) * 0.5)


def test_k_keeps_only_the_strongest_paths():
    """k=1: the director's path alone, since it brings 0.51 against the phone's 0.11."""
    paths = top_paths(_graph(KINDS, LINKS), OWN, np.array([0]), k=1)[0]
    assert [p.nodes for p in paths] == [(0, 3)]


def test_a_node_is_never_its_own_reason():
    """Enterprise 2's only risk in reach is its own, coming back through the phone: no path."""
    out = top_paths(_graph(KINDS, LINKS), OWN, np.array([2, 3]))
    assert out[2] == []
    assert out[3] == []  # 3's one neighbour, 0, has no own risk, and 0's only risky neighbour is 3 itself


def test_when_the_asker_is_the_middles_riskiest_neighbour_the_next_one_is_named():
    """Phone 1 is shared by 0 (own 0.9), 2 (own 0.5) and 3 (own 0.2): 0's path goes to 2, once per middle node."""
    g = _graph(["enterprise", "phone", "enterprise", "enterprise"], [(0, 1, "phone"), (2, 1, "phone"), (3, 1, "phone")])
    own = np.array([0.9, 0.0, 0.5, 0.2])
    out = top_paths(g, own, np.array([0, 3]))
    [path] = out[0]  # only the best non-asker per middle: 3 is not listed
    assert path.nodes == (0, 1, 2) and path.links == ("phone", "phone")
    assert path.contribution == pytest.approx(ALPHA**2 * (1 / math.sqrt(3)) ** 2 * 0.5)
    [path] = out[3]  # for 3 the phone's riskiest neighbour, 0, is not the asker
    assert path.nodes == (3, 1, 0)
    assert path.contribution == pytest.approx(ALPHA**2 / 3 * 0.9)


def test_only_the_nodes_asked_for_are_explained():
    """The answer has one entry per node asked for, none for the others."""
    out = top_paths(_graph(KINDS, LINKS), OWN, np.array([1]))
    assert list(out) == [1]
    # Phone 1 neighbours 2 directly (alpha S_12 own_2); 0 has no own risk, but leads on to director 3.
    assert [(p.nodes, p.contribution) for p in out[1]] == [
        ((1, 2), pytest.approx(ALPHA / math.sqrt(2) * 0.5)),
        ((1, 0, 3), pytest.approx(ALPHA**2 * (1 / 2) * (1 / math.sqrt(2)) * 0.9)),
    ]
