"""The analysis: own risk, network risk, one score with its reasons, communities, networks.

``analyze(store, as_of)`` reads the projection as known at ``as_of`` and returns an
``Analysis``; ``riskgraph.entities.results`` writes it back to the graph. The score
of an entity is

    score = 1 - (1 - own) (1 - network),   network = 1 - exp(-NETWORK_GAIN * propagated)

and its reasons share the score out: each own factor by its part of ``-log(1 - own)``,
each path by its part of ``-log(1 - network)``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from riskgraph.entities import communities, declaration_risk, explain, factors, propagation
from riskgraph.entities.projection import Projection, project, resolve_keys
from riskgraph.graph import Store
from riskgraph.memory import cyclic_gc_paused
from riskgraph.model import ENTITY_KINDS, NODE_KINDS

MODEL_VERSION = "graph-1.0"
NETWORK_GAIN = 2.0
BANDS = (("critical", 0.7), ("high", 0.45), ("medium", 0.2), ("low", 0.0))
REASONS_FROM = 0.05
PATHS_FROM = 0.2  # network reasons name paths from the medium band up
# A trader with declarations in the history window but none in the last DORMANT_DAYS
# cannot be caught at the border and is seldom audited: its score is discounted.
DORMANT_DAYS = 365
DORMANT_DISCOUNT = 0.5  # entities scoring less carry no reasons (there is nothing to explain)
TOP_NETWORKS = 50


@dataclass(frozen=True)
class Reason:
    factor: str  # a FACTORS name, or "network"
    contribution: float
    detail: str = ""
    nodes: tuple[str, ...] = ()  # a network reason's path: "kind:id" from the entity to the risky one
    links: tuple[str, ...] = ()  # the link type of each hop


@dataclass
class Analysis:
    """Everything an analysis computed, indexed like its projection's nodes."""

    as_of: date
    model_version: str
    projection: Projection
    factors: np.ndarray
    own: np.ndarray
    network: np.ndarray
    score: np.ndarray
    community: np.ndarray
    component: np.ndarray
    networks: list[communities.Network]
    paths: dict[int, list[explain.Path]]
    norms: factors.Norms
    evidence: factors.Evidence
    thresholds: dict
    timings: dict[str, float] = field(default_factory=dict)

    def entities(self) -> np.ndarray:
        """Return the indexes of the scored entities (not the identifiers linking them)."""
        return np.flatnonzero(self.projection.kinds() < len(ENTITY_KINDS))

    def reasons(self, i: int) -> list[Reason]:
        """Return the reasons of node ``i``'s score, largest first."""
        score, own, net = float(self.score[i]), float(self.own[i]), self.network_part(i)
        if score < REASONS_FROM:
            return []
        own_part = -math.log(max(1e-12, 1 - own))
        net_part = -math.log(max(1e-12, 1 - net))
        total = own_part + net_part
        out = []
        for f, value in zip(factors.FACTORS, self.factors[i].tolist()):
            if value > 0:
                part = -math.log(max(1e-12, 1 - f.weight * value))
                out.append(Reason(f.name, score * part / total, self.evidence.detail(f.name, i, self.projection) or f.doc))
        # The network part is shared among the strongest paths in proportion to what each brings.
        paths = self.paths.get(i, [])
        carried = sum(p.contribution for p in paths)
        if net_part > 0 and carried > 0:
            for path in paths:
                out.append(Reason("network", score * net_part / total * path.contribution / carried, self.describe(path),
                                  tuple(self.label(n) for n in path.nodes), tuple(path.links)))
        elif net_part > 0:
            out.append(Reason("network", score * net_part / total, "risk reaching it over longer paths"))
        out.sort(key=lambda r: -r.contribution)
        return out

    def describe(self, path: explain.Path) -> str:
        parts = [self.label(path.nodes[0])]
        for link, node in zip(path.links, path.nodes[1:]):
            parts.append(f"-[{link}]- {self.label(node)}")
        return " ".join(parts) + f" (own risk {self.own[path.nodes[-1]]:.2f})"

    def label(self, i: int) -> str:
        p = self.projection
        key = p.key[i] if p.key[i] is not None else f"#{p.store_id[i]}"
        return f"{NODE_KINDS[p.kind[i]]}:{key}"

    def network_part(self, i: int) -> float:
        return 1 - math.exp(-NETWORK_GAIN * float(self.network[i]))


def _dormant(p: Projection) -> np.ndarray:
    d = p.declarations
    dormant = np.zeros(p.size, dtype=bool)
    if len(d.get("trader", ())):
        last = np.full(p.size, np.iinfo(np.int64).min)
        np.maximum.at(last, d["trader"], d["day"])
        dormant = (last > np.iinfo(np.int64).min) & (last < -DORMANT_DAYS)
    return dormant


def band(score: float) -> str:
    for name, floor in BANDS:
        if score >= floor:
            return name
    return "low"


def analyze(store: Store, as_of: date, *, history_months: int = 36, reads: dict | None = None,
            paths: bool = True) -> Analysis:
    """Return the analysis of ``store`` as known at ``as_of`` (``reads``: see
    projection.project, to share reads between analyses at nearby dates; ``paths=False``
    skips the path reasons, for analyses whose scores alone are wanted).

    Cost: one read of the projection, linear factor and propagation passes, a Leiden
    run, and reasons for every entity scoring at least REASONS_FROM.
    """
    timings = {}
    with cyclic_gc_paused():
        t = time.monotonic()
        p = project(store, as_of, history_months=history_months, reads=reads)
        timings["read"] = time.monotonic() - t
        analysis = score_projection(p, timings, paths=paths)
    named = [n for found in analysis.paths.values() for path in found for n in path.nodes]
    named += [g for network in analysis.networks for g, _ in network.glue]
    resolve_keys(store, p, named)
    return analysis


def score_projection(p: Projection, timings: dict[str, float] | None = None, *, paths: bool = True) -> Analysis:
    """Return the analysis of an already read projection (see ``analyze``)."""
    timings = {} if timings is None else timings
    t = time.monotonic()
    x, norms, evidence = factors.own_factors(p)
    own = factors.combine(x)
    graph = propagation.build(p)
    network = propagation.propagate(graph, own)
    score = 1 - (1 - own) * np.exp(-NETWORK_GAIN * network)
    score = np.where(_dormant(p), score * DORMANT_DISCOUNT, score)
    timings["score"] = time.monotonic() - t
    t = time.monotonic()
    is_entity = p.kinds() < len(ENTITY_KINDS)
    community = communities.communities(graph, is_entity)
    component = communities.components(graph)
    networks = communities.suspicious_networks(graph, community, score, is_entity, TOP_NETWORKS)
    timings["communities"] = time.monotonic() - t
    t = time.monotonic()
    explained = np.flatnonzero(is_entity & (score >= PATHS_FROM) & (network > 0))
    top = explain.top_paths(graph, own, explained) if paths else {}
    timings["reasons"] = time.monotonic() - t
    thresholds = {"declaration_score_quantiles": declaration_risk.quantiles(p, score, norms)}
    return Analysis(p.as_of, MODEL_VERSION, p, x, own, network, score, community, component, networks, top, norms,
                    evidence, thresholds, timings)
