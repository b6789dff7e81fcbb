"""What the ranker sees of every node: its own record, its links and its community.

``describe(p)`` computes, from one projection, the own factors and the prior scores
(the hand-set noisy-OR and propagation of ``factors`` and ``propagation``), then one
row of ``FEATURES`` per node:

- ``own:*``: the own factors, and the counts behind them (declarations, inspections);
- ``net:GROUP:SEED:HOPS``: risk mass reaching the node from past violators (``viol``),
  from graded intelligence (``intel``) and from every node's prior own risk (``own``:
  inspections, goods, status) over one link group (``GROUPS``: people,
  identifiers, agents, declarants, vehicles, partners), in one hop (it is linked to
  them) or two (it shares a person, phone, agent... with them), hub-damped as in
  propagation; ``net:all:*``: the same over every link, four hops, each passing
  ``alpha`` on (the ranker chooses it by backtest);
- ``near:violators:1`` and ``:2``: how many past violators are one hop away, and two
  hops away through connectors held by at most ``SMALL_CONNECTOR`` nodes;
- ``phoenix:*``: dissolved, suspended or absconded firms whose people hold a role here
  (and those of them with violations): the firms closed firms' people run now;
- ``community:*``: the size of its Leiden community, the past violators in it and its
  mean prior own risk (both without the node itself);
- ``pagerank``: plain personalised PageRank seeded on past violators;
- ``prior:*``: the prior own, network and combined scores;
- ``profile:*``: kind, links, the largest connector it uses, age, dormancy.

Rows are kept for entities only: identifiers link entities but are not ranked. Cost:
linear in nodes and links (a few sparse products per group), plus one Leiden run;
memory 204 bytes per entity for the matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from riskgraph.dates import date_of
from riskgraph.entities import communities, factors, propagation
from riskgraph.entities.pagerank import pagerank
from riskgraph.entities.projection import Projection
from riskgraph.model import ENTITY_KINDS

NETWORK_GAIN = 2.0
# A trader with declarations in the history window but none in the last DORMANT_DAYS
# cannot be caught at the border and is seldom audited: its prior score is discounted.
DORMANT_DAYS = 365
DORMANT_DISCOUNT = 0.5
SMALL_CONNECTOR = 30  # a phone, person or truck shared by more nodes says little of each
CLOSED = ("dissolved", "suspended", "absconded")
GROUPS: dict[str, tuple[str, ...]] = {
    "people": ("role:legal_representative", "role:director", "role:chief_accountant", "role:shareholder", "role:declarant",
               "role:employee"),
    "identifiers": ("phone", "bank_account", "email", "address"),
    "agents": ("agent", "agent_firm"),
    "declarants": ("declarant",),
    "vehicles": ("vehicle", "vehicle_owner"),
    "partners": ("partner", "warehouse"),
}
SEEDS = ("viol", "intel", "own")


def _names() -> tuple[str, ...]:
    own = tuple(f"own:{f.name}" for f in factors.FACTORS) + ("own:declarations", "own:inspected", "own:discrepancies")
    net = tuple(f"net:{g}:{s}:{h}" for g in GROUPS for s in SEEDS for h in (1, 2)) + tuple(f"net:all:{s}" for s in SEEDS)
    rest = ("near:violators:1", "near:violators:2", "phoenix:closed", "phoenix:closed_violators", "community:size",
            "community:violators", "community:own", "pagerank", "prior:own", "prior:network", "prior:score",
            "profile:kind", "profile:links", "profile:largest_connector", "profile:age_days", "profile:dormant")
    return own + net + rest


FEATURES = _names()
COLUMN = {name: k for k, name in enumerate(FEATURES)}
# Features on which more risk may never lower the score (LightGBM monotone constraints).
MONOTONE = tuple(int(name.startswith(("own:", "net:", "near:", "phoenix:", "pagerank", "prior:"))
                     and name not in ("own:declarations", "own:inspected")) for name in FEATURES)


@dataclass(frozen=True)
class Described:
    """A projection's factors, prior scores, link graph, communities and feature rows."""

    factors: np.ndarray  # nodes x len(factors.FACTORS)
    norms: factors.Norms
    evidence: factors.Evidence
    own: np.ndarray  # prior own risk (noisy-OR of the factors)
    network: np.ndarray  # prior network risk (propagated own risk)
    prior: np.ndarray  # prior score, 1 - (1 - own) exp(-NETWORK_GAIN network), dormant traders discounted
    graph: propagation.Graph
    community: np.ndarray
    rows: np.ndarray  # the entity nodes, in the order of the matrix's rows
    matrix: np.ndarray  # entities x len(FEATURES), float32 (identifiers are linked, not ranked)

    def positions(self, nodes: np.ndarray) -> np.ndarray:
        """Return the matrix row of each entity node of ``nodes``."""
        return np.searchsorted(self.rows, nodes)


def describe(p: Projection, alpha: float = propagation.ALPHA) -> Described:
    """Return the description of every node of ``p`` (see the module), propagating with
    ``alpha`` (the share of risk each hop passes on: the ranker chooses it)."""
    n = p.size
    x, norms, evidence = factors.own_factors(p)
    own = factors.combine(x)
    graph = propagation.build(p)
    network = propagation.propagate(graph, own)  # the priors propagate at their own ALPHA, whatever the ranker's
    dormant = _dormant(p)
    prior = 1 - (1 - own) * np.exp(-NETWORK_GAIN * network)
    prior = np.where(dormant, prior * DORMANT_DISCOUNT, prior)
    kinds = p.kinds()
    is_entity = kinds < len(ENTITY_KINDS)
    community = communities.communities(graph, is_entity)

    rows = np.flatnonzero(is_entity)
    m = np.zeros((len(rows), len(FEATURES)), dtype=np.float32)

    def put(name: str, values) -> None:
        m[:, COLUMN[name]] = np.broadcast_to(np.asarray(values, dtype=float), (n,))[rows]

    for k, f in enumerate(factors.FACTORS):
        put(f"own:{f.name}", x[:, k])
    if n:
        put("own:declarations", np.log1p(evidence.declarations))
        put("own:inspected", np.log1p(evidence.inspected))
        put("own:discrepancies", np.log1p(evidence.discrepancies))
    seeds = _seeds(x, own)
    # The group of every entry of S, as a small integer (strings per entry cost 44 bytes each).
    names = list(GROUPS)
    group_of = np.array([next((k for k, g in enumerate(names) if link.type in GROUPS[g]), -1) for link in propagation.LINKS],
                        dtype=np.int8)
    entry_group = group_of[graph.types] if len(graph.types) else np.zeros(0, dtype=np.int8)
    s = graph.matrix
    for k, g in enumerate(names):
        sg = _restricted(s, entry_group == k, s.data)
        echo = np.asarray(sg.power(2).sum(axis=1)).ravel()
        for name, seed in seeds.items():
            one = sg @ seed
            put(f"net:{g}:{name}:1", one)
            put(f"net:{g}:{name}:2", np.maximum(sg @ one - echo * seed, 0.0))
        del sg, echo  # before the next group's copy: one group's matrix at a time
    for name in SEEDS:
        put(f"net:all:{name}", propagation.propagate(graph, seeds[name], alpha))

    violator = np.zeros(n)
    subjects = np.unique(np.array([v["subject"] for v in p.violations], dtype=np.int64))
    violator[subjects] = 1.0
    a = s.copy()
    a.data[:] = 1.0
    degree = np.diff(a.indptr).astype(float)
    small = sp.diags((degree <= SMALL_CONNECTOR).astype(float))
    put("near:violators:1", a @ violator)
    put("near:violators:2", np.maximum(a @ (small @ (a @ violator)) - (a @ (small @ np.ones(n))) * violator, 0.0))

    closed = np.zeros(n)
    for i, e in p.enterprise.items():
        closed[i] = e["status"] in CLOSED
    people = _restricted(s, entry_group == names.index("people"), 1.0)
    del entry_group
    roles = people @ np.ones(n)
    for name, seed in (("phoenix:closed", closed), ("phoenix:closed_violators", closed * violator)):
        put(name, np.maximum(people @ (people @ seed) - roles * seed, 0.0))
    del people

    c = community - community.min() if n else community
    size = np.bincount(c[is_entity], minlength=int(c.max()) + 1 if n else 0).astype(float)
    in_community = np.bincount(c, weights=violator * is_entity, minlength=len(size))
    own_mass = np.bincount(c, weights=own * is_entity, minlength=len(size))
    put("community:size", np.log1p(size[c]) if n else 0.0)
    others = np.maximum(size[c] - is_entity, 1.0) if n else 1.0
    put("community:violators", (in_community[c] - violator * is_entity) if n else 0.0)
    put("community:own", ((own_mass[c] - own * is_entity) / others) if n else 0.0)

    put("pagerank", pagerank(a, subjects) * max(1, n))  # scaled by n so values do not shrink with the graph
    put("prior:own", own)
    put("prior:network", 1 - np.exp(-NETWORK_GAIN * network))
    put("prior:score", prior)

    put("profile:kind", kinds)
    put("profile:links", np.log1p(degree))
    largest = np.zeros(n)
    if s.nnz:
        row = np.repeat(np.arange(n), np.diff(s.indptr))
        np.maximum.at(largest, row, degree[s.indices])
    put("profile:largest_connector", np.log1p(largest))
    age = np.full(n, np.nan)
    for i, e in p.enterprise.items():
        if e["registered_on"]:
            age[i] = (p.as_of - date_of(e["registered_on"])).days
    put("profile:age_days", age)
    put("profile:dormant", dormant)
    return Described(x, norms, evidence, own, network, prior, graph, community, rows, m)


def at_alpha(d: Described, alpha: float) -> np.ndarray:
    """Return ``d``'s matrix with the four-hop features propagated at ``alpha`` instead.
    Cost: three propagations."""
    m = d.matrix.copy()
    for name, seed in _seeds(d.factors, d.own).items():
        m[:, COLUMN[f"net:all:{name}"]] = propagation.propagate(d.graph, seed, alpha)[d.rows]
    return m


def _restricted(s: sp.csr_matrix, keep: np.ndarray, values) -> sp.csr_matrix:
    """Return the entries of ``s`` that ``keep`` marks, valued ``values`` (copies: ``s`` is left whole)."""
    out = sp.csr_matrix((np.where(keep, values, 0.0), s.indices.copy(), s.indptr.copy()), shape=s.shape)
    out.eliminate_zeros()
    return out


def _seeds(x: np.ndarray, own: np.ndarray) -> dict[str, np.ndarray]:
    return {"viol": x[:, factors.FACTOR_INDEX["violations"]], "intel": x[:, factors.FACTOR_INDEX["intel"]], "own": own}


def _dormant(p: Projection) -> np.ndarray:
    d = p.declarations
    dormant = np.zeros(p.size, dtype=bool)
    if len(d.get("trader", ())):
        last = np.full(p.size, np.iinfo(np.int64).min)
        np.maximum.at(last, d["trader"], d["day"])
        dormant = (last > np.iinfo(np.int64).min) & (last < -DORMANT_DAYS)
    return dormant

