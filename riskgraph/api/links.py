"""Link analysis: shortest paths between two entities and the neighbourhood of one,
as nodes and edges ready for a link chart.
"""

from __future__ import annotations

from riskgraph.api import risk, types
from riskgraph.graph import Store
from riskgraph.model import ENTITY_KIND_OF_LABEL, LABEL_OF_KIND

MAX_PATHS = 10
PATHS_READ = 200  # shortest paths read to find MAX_PATHS distinct ones


def connection(store: Store, source: tuple[str, str], target: tuple[str, str], max_hops: int) -> types.ConnectionResult | None:
    """Return up to MAX_PATHS distinct shortest paths of at most ``max_hops`` between two
    entities over every relationship type, or None if either entity is unknown.

    Cost: a bidirectional breadth-first search in the store, bounded by six hops.
    """
    found = risk.identities(store, [source, target])
    a, b = found[f"{source[0]}:{source[1]}"], found[f"{target[0]}:{target[1]}"]
    if a.node is None or b.node is None:
        return None
    if a.node == b.node:
        return types.ConnectionResult(found=True, paths=[])
    rows = store.query("connection_paths", {"source": a.node, "target": b.node, "max_hops": max_hops, "limit": PATHS_READ})
    # Two traders of one warehouse are joined through each of their declarations: paths that
    # differ only in which declaration they pass through are one path to an investigator.
    distinct: dict[tuple, list] = {}
    for r in rows:
        signature = tuple((n[1], n[2]) if n[1] != "Declaration" else ("Declaration",) for n in r["nodes"])
        signature += tuple(e[2] for e in r["edges"])
        distinct.setdefault(signature, []).append(r)
    kept = list(distinct.values())[:MAX_PATHS]
    scores = _scores(store, [n for same in kept for n in same[0]["nodes"]])
    paths = []
    for same in kept:
        nodes = [_node(n, scores) for n in same[0]["nodes"]]
        edges = [_edge(e) for e in same[0]["edges"]]
        paths.append(types.PathResult(length=len(edges), nodes=nodes, edges=edges, variants=len(same) - 1))
    return types.ConnectionResult(found=bool(paths), paths=paths)


def neighbourhood(store: Store, ref: tuple[str, str], depth: int, limit: int) -> types.Neighbourhood | None:
    """Return the nodes within ``depth`` hops of an entity, at most ``limit`` of them, and
    the relationships between those reached; None if the entity is unknown.

    Cost: one query per hop, each bounded by the node budget left.
    """
    start = risk.identities(store, [ref])[f"{ref[0]}:{ref[1]}"]
    if start.node is None:
        return None
    nodes = {start.node: [start.node, LABEL_OF_KIND[ref[0]], ref[1], start.name]}
    edges: dict[tuple, list] = {}
    frontier, truncated = [start.node], False
    for _ in range(depth):
        if not frontier:
            break
        budget = limit - len(nodes)
        rows = store.query("neighbourhood_step", {"frontier": frontier, "limit": budget * 4 + 50})
        reached = []
        for r in rows:
            if r["node"] not in nodes:
                if len(nodes) >= limit:
                    truncated = True
                    continue
                nodes[r["node"]] = [r["node"], r["label"], r["key"], r["name"]]
                reached.append(r["node"])
            edges.setdefault((r["source"], r["target"], r["type"], str(r["facts"])), [r["source"], r["target"], r["type"], r["facts"]])
        truncated = truncated or len(rows) >= budget * 4 + 50
        frontier = reached
    scores = _scores(store, list(nodes.values()))
    return types.Neighbourhood(nodes=[_node(n, scores) for n in nodes.values()], edges=[_edge(e) for e in edges.values()],
                               truncated=truncated)


def _scores(store: Store, nodes: list[list]) -> dict[str, risk.Risk]:
    entities = [f"{ENTITY_KIND_OF_LABEL[label]}:{key}" for _, label, key, _ in nodes if label in ENTITY_KIND_OF_LABEL and key]
    return risk.risks(store, entities)


def _node(n: list, scores: dict[str, risk.Risk]) -> types.GraphNode:
    node, label, key, name = n
    kind = ENTITY_KIND_OF_LABEL.get(label)
    r = scores.get(f"{kind}:{key}") if kind else None
    if kind and r is None:
        r = risk.Risk()
    return types.GraphNode(node_id=str(node), label=label, key=key, name=name,
                           score=r.score if r else None, band=types.Band(r.band) if r else None)


def _edge(e: list) -> types.GraphEdge:
    source, target, kind, facts = e
    return types.GraphEdge(source=str(source), target=str(target), type=kind, facts=facts or {})
