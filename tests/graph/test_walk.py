"""The bounded walks on tiny in-memory graphs."""

from __future__ import annotations

from riskgraph.graph.walk import Reach, neighbourhood, shortest_paths


def _step(edges: list[tuple[int, int]], hub: int = 100, budget: int | None = None, calls: list | None = None):
    """A step over an undirected edge list; nodes with more than ``hub`` links are hubs."""
    adjacency: dict[int, list[tuple[int, int, str]]] = {}
    for a, b in edges:
        adjacency.setdefault(a, []).append((a, b, f"{a}-{b}"))
        adjacency.setdefault(b, []).append((b, a, f"{a}-{b}"))

    def step(frontier, open_):
        if calls is not None:
            calls.append(list(frontier))
        links, hubs = [], {}
        for n in frontier:
            mine = adjacency.get(n, [])
            if len(mine) > hub and n not in open_:
                hubs[n] = len(mine)
                continue
            links.extend(mine)
        cut = budget is not None and len(links) > budget
        return Reach(links[:budget] if cut else links, hubs, cut)

    return step


def test_all_shortest_paths_and_none_longer():
    # 1-2-4 and 1-3-4 are the shortest; 1-5-6-4 is longer.
    step = _step([(1, 2), (2, 4), (1, 3), (3, 4), (1, 5), (5, 6), (6, 4)])
    found = shortest_paths(step, 1, 4, 4)
    assert sorted(nodes for nodes, _ in found.paths) == [(1, 2, 4), (1, 3, 4)]
    assert all(len(edges) == 2 for _, edges in found.paths) and found.complete
    assert shortest_paths(step, 1, 4, 1).paths == []


def test_paths_of_odd_and_even_length_and_parallel_edges():
    step = _step([(1, 2), (2, 3), (3, 4), (4, 5)])
    assert [nodes for nodes, _ in shortest_paths(step, 1, 5, 4).paths] == [(1, 2, 3, 4, 5)]
    assert [nodes for nodes, _ in shortest_paths(step, 1, 4, 3).paths] == [(1, 2, 3, 4)]
    assert shortest_paths(step, 1, 5, 3).paths == []
    two = _step([(1, 2), (1, 2)])
    assert [edges for _, edges in shortest_paths(two, 1, 2, 1).paths] == [("1-2",), ("1-2",)]


def test_no_path_through_a_hub_but_the_ends_may_be_hubs():
    # 9 is a hub joining 1 and 4; the only other route is 1-2-3-4.
    edges = [(1, 9), (4, 9)] + [(9, 100 + i) for i in range(10)] + [(1, 2), (2, 3), (3, 4)]
    found = shortest_paths(_step(edges, hub=5), 1, 4, 4)
    assert [nodes for nodes, _ in found.paths] == [(1, 2, 3, 4)] and found.hubs == {9: 12}
    assert [nodes for nodes, _ in shortest_paths(_step(edges, hub=5), 1, 9, 2).paths] == [(1, 9)]


def test_the_smaller_frontier_is_expanded_and_the_search_stops_at_the_hop_limit():
    # 1 has many neighbours; 2 has one: the search grows from 2's side.
    edges = [(1, 10 + i) for i in range(20)] + [(2, 3), (3, 10)]
    calls: list = []
    found = shortest_paths(_step(edges, calls=calls), 1, 2, 3)
    assert [nodes for nodes, _ in found.paths] == [(1, 10, 3, 2)]
    # 1 and 2 (one each), then 3 from the smaller side, then 10, met there, probed for a hub
    assert calls == [[1], [2], [3], [10]]
    calls.clear()
    assert shortest_paths(_step(edges, calls=calls), 1, 2, 2).paths == [] and len(calls) == 2


def test_a_cut_step_or_the_node_budget_says_the_search_is_incomplete():
    edges = [(1, 10 + i) for i in range(20)] + [(2, 3)]
    assert not shortest_paths(_step(edges, budget=5), 1, 2, 4).complete
    assert not shortest_paths(_step(edges), 1, 2, 6, max_nodes=10).complete
    assert shortest_paths(_step(edges), 1, 2, 6).complete  # no path, and nothing cut


def test_the_same_node_and_the_path_cap():
    assert shortest_paths(_step([]), 7, 7, 3).paths == [((7,), ())]
    grid = [(1, 10 + i) for i in range(10)] + [(10 + i, 2) for i in range(10)]
    assert len(shortest_paths(_step(grid), 1, 2, 2, max_paths=4).paths) == 4


def test_neighbourhood_by_level_with_a_limit_and_hubs_shown_not_expanded():
    edges = [(1, 2), (1, 3), (2, 4), (3, 9)] + [(9, 100 + i) for i in range(10)]
    one = neighbourhood(_step(edges, hub=5), 1, 1, 50)
    assert one.nodes == [1, 2, 3] and not one.truncated
    two = neighbourhood(_step(edges, hub=5), 1, 3, 50)
    assert set(two.nodes) == {1, 2, 3, 4, 9} and two.hubs == {9: 11}
    assert {(a, b) for a, b, _ in two.edges} >= {(1, 2), (1, 3), (2, 4), (3, 9)}
    small = neighbourhood(_step(edges), 1, 2, 3)
    assert small.nodes == [1, 2, 3] and small.truncated
    assert neighbourhood(_step(edges, hub=1), 1, 1, 50).nodes == [1, 2, 3]  # the start is always expanded
