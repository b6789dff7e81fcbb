"""Link analysis: shortest paths between two entities and the neighbourhood of one, as
nodes and edges ready for a link chart.

Both are walks of ``graph.walk`` over the links an investigator follows (``LinkGroup``),
one short store read per level: declarations are collapsed into TRADE links between a
trader and the agents, declarants, vehicles, warehouses and partners of its newest
declarations unless DECLARATIONS is asked for, and hubs are not expanded. So a request
costs what was asked for, not what the graph happens to hold around its ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from riskgraph.api import risk, types
from riskgraph.graph import Store
from riskgraph.graph.walk import Reach, shortest_paths
from riskgraph.graph.walk import neighbourhood as walk_neighbourhood
from riskgraph.model import ENTITY_KIND_OF_LABEL, LABEL_OF_KIND

G = types.LinkGroup
DEFAULT_GROUPS = (G.PEOPLE, G.IDENTIFIERS, G.AGENTS, G.VEHICLES, G.PARTNERS)
DIRECT = {  # links followed as they are stored
    G.PEOPLE: ("HOLDS_ROLE",), G.IDENTIFIERS: ("HAS_PHONE", "HAS_EMAIL", "LOCATED_AT", "HAS_ACCOUNT"),
    G.AGENTS: ("REGISTERED_AS",), G.VEHICLES: ("OWNED_BY", "OPERATED_BY"), G.CASES: ("AGAINST", "ABOUT"),
}
TRADE = {  # a declaration's party links that become TRADE links with its trader
    G.PEOPLE: ("FILED_BY_DECLARANT",), G.AGENTS: ("FILED_BY_AGENT",), G.VEHICLES: ("CARRIED_BY",),
    G.PARTNERS: ("WITH_PARTNER", "STORED_AT"),
}
# Labels a link chart shows, and so may start a walk from by internal id (never the
# records of riskgraph itself: keys, runs, analyses, scores).
CHARTED = frozenset({"Enterprise", "Person", "Agent", "Vehicle", "Declaration", "Violation", "Intel", "Partner", "Phone", "Email",
                     "Address", "BankAccount"})
TRADING = frozenset({"Enterprise", "Person", "Agent", "Vehicle", "Partner"})  # labels that declarations name
HUB_LINKS = 200  # links above which a node is a hub, by default
MAX_HUB_LINKS = 5000  # the most a request may set: a step reads at most STEP_ROWS rows anyway
RECENT = 1000  # newest declarations of a node read for its TRADE links
STEP_ROWS = 5000  # rows one step keeps at most
READ_ROWS = 1000  # rows of one read, for at most CHUNK frontier nodes
CHUNK = 16
MAX_PATHS = 10
PATHS_READ = 200  # shortest paths read to find MAX_PATHS distinct ones


@dataclass
class _Walker:
    """The step of a walk over the store, remembering each node it met (id, label, key, name)."""

    store: Store
    groups: frozenset[types.LinkGroup]
    hub: int
    known: dict[int, list] = field(default_factory=dict)

    def __call__(self, frontier: list[int], open_: frozenset[int]) -> Reach:
        links, hubs, cut = [], {}, False
        direct = sorted({t for g in self.groups for t in DIRECT.get(g, ())})
        names = ["link_step"] * bool(direct) + ["declaration_step"] * (G.DECLARATIONS in self.groups)
        # Small reads in one round trip: the client decodes a reply while holding the
        # interpreter, so one reply of thousands of rows would hold up the clearance lane.
        reads = [(name, {"frontier": frontier[at:at + CHUNK], "hub": self.hub, "open": sorted(open_), "limit": READ_ROWS,
                         "types": direct}) for name in names for at in range(0, len(frontier), CHUNK)]
        answers = self.store.reads(reads) if reads else []
        read = 0
        for rows in answers:
            cut = cut or len(rows) >= READ_ROWS or read + len(rows) > STEP_ROWS
            rows = rows[: max(0, STEP_ROWS - read)]
            read += len(rows)
            for r in rows:
                if r["degree"] > self.hub and r["from"] not in open_:
                    hubs[r["from"]] = max(hubs.get(r["from"], 0), r["degree"])
                elif r["node"] is not None:
                    self.known.setdefault(r["node"], [r["node"], r["label"], r["key"], r["name"]])
                    links.append((r["from"], r["node"], (r["source"], r["target"], r["type"], r["facts"])))
        parties = sorted({t for g in self.groups for t in TRADE.get(g, ())})
        trading = [n for n in frontier if self.known.get(n, [None, None])[1] in TRADING]
        if parties and G.DECLARATIONS not in self.groups and trading:
            answers = self.store.reads([("trade_step", {"node": n, "recent": RECENT, "parties": parties}) for n in trading])
            for n, rows in zip(trading, answers):
                parties_met = len({r["node"] for r in rows})
                if parties_met > self.hub and n not in open_:
                    hubs[n] = max(hubs.get(n, 0), parties_met)
                    continue
                for r in rows:
                    self.known.setdefault(r["node"], [r["node"], r["label"], r["key"], r["name"]])
                    facts = {"link": r["link"], "declarations": r["declarations"], "first": r["first"], "last": r["last"]}
                    ends = (n, r["node"]) if r["trader"] else (r["node"], n)
                    links.append((n, r["node"], (*ends, "TRADE", facts)))
        if hubs:  # a node that is a hub by one kind of link is not expanded by the others
            links = [link for link in links if link[0] not in hubs]
        return Reach(links, hubs, cut)

    def hub_nodes(self, hubs: dict[int, int], scores: dict[str, risk.Risk]) -> list[types.HubNode]:
        return [types.HubNode(node=_node(self.known[n], scores), links=degree) for n, degree in hubs.items() if n in self.known]


def connection(store: Store, source: tuple[str, str], target: tuple[str, str], max_hops: int,
               groups: Iterable[types.LinkGroup] = DEFAULT_GROUPS, hub: int = HUB_LINKS) -> types.ConnectionResult | None:
    """Return up to MAX_PATHS distinct shortest paths of at most ``max_hops`` links of
    ``groups`` between two entities, none through a hub; None if either is unknown.

    Cost: a bidirectional breadth-first search, one step per level (at most ``max_hops``),
    each step at most STEP_ROWS rows and one TRADE read per trading node of its frontier.
    """
    found = risk.identities(store, [source, target])
    a, b = found[f"{source[0]}:{source[1]}"], found[f"{target[0]}:{target[1]}"]
    if a.node is None or b.node is None:
        return None
    if a.node == b.node:
        return types.ConnectionResult(found=True, paths=[])
    walker = _Walker(store, frozenset(groups), hub)
    walker.known[a.node] = [a.node, LABEL_OF_KIND[source[0]], source[1], a.name]
    walker.known[b.node] = [b.node, LABEL_OF_KIND[target[0]], target[1], b.name]
    walked = shortest_paths(walker, a.node, b.node, max_hops, max_paths=PATHS_READ)
    # Two traders of one warehouse are joined through each of their declarations: paths that
    # differ only in which declaration they pass through are one path to an investigator.
    distinct: dict[tuple, list] = {}
    for nodes, edges in walked.paths:
        rows = [walker.known[n] for n in nodes]
        signature = tuple((n[1], n[2]) if n[1] != "Declaration" else ("Declaration",) for n in rows)
        signature += tuple(e[2] for e in edges)
        distinct.setdefault(signature, []).append((rows, edges))
    kept = list(distinct.values())[:MAX_PATHS]
    scores = _scores(store, [n for same in kept for n in same[0][0]] + [walker.known[n] for n in walked.hubs if n in walker.known])
    paths = [types.PathResult(length=len(same[0][1]), nodes=[_node(n, scores) for n in same[0][0]],
                              edges=[_edge(e) for e in same[0][1]], variants=len(same) - 1) for same in kept]
    return types.ConnectionResult(found=bool(paths), paths=paths, hubs=walker.hub_nodes(walked.hubs, scores),
                                  complete=walked.complete)


def neighbourhood(store: Store, ref: tuple[str, str] | int, depth: int, limit: int,
                  groups: Iterable[types.LinkGroup] = DEFAULT_GROUPS, hub: int = HUB_LINKS) -> types.Neighbourhood | None:
    """Return the nodes within ``depth`` links of ``groups`` of an entity (or of a chart
    node, by internal id: a phone, an address, a declaration), at most ``limit`` of them,
    nearest first, and the links between those reached; hubs shown, not expanded (the
    start itself always is). None if the start is unknown, or a node no chart shows.

    Cost: one step per level (at most ``depth``), each at most STEP_ROWS rows.
    """
    walker = _Walker(store, frozenset(groups), hub)
    if isinstance(ref, int):
        found = store.query("node_identity", {"node": ref})
        if not found or found[0]["label"] not in CHARTED:
            return None
        start_node = ref
        walker.known[ref] = [ref, found[0]["label"], found[0]["key"], found[0]["name"]]
    else:
        start = risk.identities(store, [ref])[f"{ref[0]}:{ref[1]}"]
        if start.node is None:
            return None
        start_node = start.node
        walker.known[start_node] = [start_node, LABEL_OF_KIND[ref[0]], ref[1], start.name]
    area = walk_neighbourhood(walker, start_node, depth, limit)
    reached = set(area.nodes)
    edges: dict[tuple, tuple] = {}
    for _, _, e in area.edges:
        if e[0] in reached and e[1] in reached:
            edges.setdefault((e[0], e[1], e[2], str(e[3])), e)
    scores = _scores(store, [walker.known[n] for n in area.nodes])
    return types.Neighbourhood(nodes=[_node(walker.known[n], scores) for n in area.nodes], edges=[_edge(e) for e in edges.values()],
                               truncated=area.truncated, hubs=walker.hub_nodes({n: d for n, d in area.hubs.items() if n in reached},
                                                                               scores))


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


def _edge(e: tuple) -> types.GraphEdge:
    source, target, kind, facts = e
    return types.GraphEdge(source=str(source), target=str(target), type=kind, facts=facts or {})
