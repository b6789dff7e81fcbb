"""Bounded walks for link analysis: shortest paths between two nodes and the neighbourhood
of one, over whatever links a ``step`` callback reads. Store-free: the callback does the
reading, so the walk is tested on tiny in-memory graphs.

A step is asked for the links of a frontier of nodes and answers with ``Reach``: the links
found, and the frontier nodes it did not expand because they have more links than the hub
limit (a port operator with 4,000 customers, a phone number every shell shares). Hubs are
never walked through; the nodes in ``open`` (the walk's own ends) are expanded whatever
their degree. Each step is one short store read, so a walk never holds the store for long,
and the walk stops at its hop limit or its node budget, whichever comes first.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

Link = tuple[int, int, Any]  # (frontier node, node reached, the edge between them)


@dataclass(frozen=True)
class Reach:
    """What one step found: ``links`` from frontier nodes, and ``hubs`` (frontier node ->
    its number of links) that were not expanded."""

    links: list[Link]
    hubs: dict[int, int] = field(default_factory=dict)
    cut: bool = False  # the step's row budget was reached: some links were not read


Step = Callable[[list[int], frozenset[int]], Reach]


@dataclass(frozen=True)
class Paths:
    """Shortest paths found: each as (nodes, edges), all of the same length; the hubs met
    and not walked through; and whether the search ran to its end (False: it stopped at
    the node budget or a step's row budget, so a shorter path may exist)."""

    paths: list[tuple[tuple[int, ...], tuple[Any, ...]]]
    hubs: dict[int, int]
    complete: bool


@dataclass(frozen=True)
class Area:
    """Nodes within reach in the order found, the edges among them, the hubs left
    unexpanded, and whether the node limit or a row budget cut the walk short."""

    nodes: list[int]
    edges: list[Link]
    hubs: dict[int, int]
    truncated: bool


@dataclass
class _Side:
    start: int
    depth: int = 0
    dist: dict[int, int] = field(default_factory=dict)
    parents: dict[int, list[tuple[int, Any]]] = field(default_factory=dict)
    frontier: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.dist[self.start] = 0
        self.parents[self.start] = []
        self.frontier = [self.start]


def shortest_paths(step: Step, source: int, target: int, max_hops: int, *, max_paths: int = 200,
                   max_nodes: int = 20_000) -> Paths:
    """Return up to ``max_paths`` shortest paths of at most ``max_hops`` links between
    ``source`` and ``target``, none through a hub.

    A bidirectional breadth-first search: each round expands the smaller frontier by one
    level, and the search ends at the first level where the two sides meet. Cost: one step
    per level, at most ``max_hops``; at most ``max_nodes`` nodes are reached.
    """
    if source == target:
        return Paths([((source,), ())], {}, True)
    ends = frozenset({source, target})
    forward, backward = _Side(source), _Side(target)
    hubs: dict[int, int] = {}
    complete = True
    while forward.depth + backward.depth < max_hops and forward.frontier and backward.frontier:
        side, other = (forward, backward) if len(forward.frontier) <= len(backward.frontier) else (backward, forward)
        reach = step(side.frontier, ends)
        hubs.update(reach.hubs)
        complete = complete and not reach.cut
        side.frontier = _advance(side, reach.links)
        meeting = [m for m in side.frontier if m in other.dist]
        if meeting:
            # A node reached by both sides in this round may itself be a hub: ask before
            # walking through it.
            unknown = [m for m in meeting if m not in ends and m not in hubs and other.dist[m] == other.depth]
            if unknown:
                hubs.update(step(unknown, ends).hubs)
            meeting = [m for m in meeting if m in ends or m not in hubs]
        if meeting:
            best = min(other.dist[m] for m in meeting)
            found: list[tuple[tuple[int, ...], tuple[Any, ...]]] = []
            for m in (m for m in meeting if other.dist[m] == best):
                for head in _routes(forward, m, max_paths):
                    for tail in _routes(backward, m, max_paths):
                        nodes = head[0] + tuple(reversed(tail[0]))[1:]
                        found.append((nodes, head[1] + tuple(reversed(tail[1]))))
                        if len(found) >= max_paths:
                            return Paths(found, hubs, complete)
            return Paths(found, hubs, complete)
        if len(forward.dist) + len(backward.dist) > max_nodes:
            return Paths([], hubs, False)
    return Paths([], hubs, complete)


def _advance(side: _Side, links: list[Link]) -> list[int]:
    """Record the links of one level of ``side``; return the nodes first reached."""
    side.depth += 1
    reached: list[int] = []
    for start, end, edge in links:
        known = side.dist.get(end)
        if known is None:
            side.dist[end] = side.depth
            side.parents[end] = []
            reached.append(end)
        elif known != side.depth:
            continue  # reached at an earlier level: this link is not on a shortest route
        side.parents[end].append((start, edge))
    return reached


def _routes(side: _Side, node: int, limit: int) -> list[tuple[tuple[int, ...], tuple[Hashable, ...]]]:
    """Return up to ``limit`` shortest routes from the side's start to ``node``, as (nodes, edges)."""
    if node == side.start:
        return [((node,), ())]
    out = []
    for parent, edge in side.parents[node]:
        for nodes, edges in _routes(side, parent, limit - len(out)):
            out.append((nodes + (node,), edges + (edge,)))
            if len(out) >= limit:
                return out
    return out


def neighbourhood(step: Step, start: int, depth: int, limit: int, *, chunk: int = 32) -> Area:
    """Return the nodes within ``depth`` links of ``start`` (at most ``limit``, nearest
    first) and the links among them, hubs shown but not expanded (``start`` always is).

    Cost: one step per ``chunk`` nodes of each level's frontier, at most ``depth`` levels;
    the walk stops reading as soon as ``limit`` nodes are reached.
    """
    nodes, edges, hubs = {start: None}, [], {}
    frontier, truncated = [start], False
    for _ in range(depth):
        reached = []
        for at in range(0, len(frontier), chunk):
            if len(nodes) >= limit:
                truncated = True  # frontier nodes left unread
                break
            reach = step(frontier[at:at + chunk], frozenset({start}))
            hubs.update(reach.hubs)
            truncated = truncated or reach.cut
            for a, b, edge in reach.links:
                if b not in nodes:
                    if len(nodes) >= limit:
                        truncated = True
                        continue
                    nodes[b] = None
                    reached.append(b)
                edges.append((a, b, edge))
        frontier = [n for n in reached if n not in hubs]
        if not frontier:
            break
    return Area(list(nodes), edges, hubs, truncated)
