"""The analysis: features, the ranker's score with its reasons, bands, networks.

``analyze(store, as_of)`` reads the projection as known at ``as_of``, describes every
node (``features``), fits the ranker on the store's own history before ``as_of``
(``ranker``; the priors when the history is too thin), scores every entity and returns
an ``Analysis``; ``riskgraph.entities.results`` writes it back to the graph.

The score is the ranker's: with a learned ranker, the probability that a violation
against the entity is decided in the next ranker.HORIZON_MONTHS; with the priors,

    score = 1 - (1 - own) (1 - network),   network = 1 - exp(-NETWORK_GAIN * propagated)

Reasons share the score out. With the priors: each own factor by its part of
``-log(1 - own)``, each path by its part of ``-log(1 - network)``. With a learned
ranker, in the critical and high bands: by each feature's positive log-odds
contribution (TreeSHAP), own factors under their own name and every network feature
under "network", split over the paths; in the medium band, as the priors split it.

Bands are shares, not absolute scores: per kind, ``critical`` is the top
BAND_SHARES["critical"] of the entities, and so on, so that a band means the same on
any data set (only entities scoring above their kind's median are banded above low).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from riskgraph.entities import communities, declaration_risk, explain, factors, features
from riskgraph.entities import ranker as ranking
from riskgraph.entities.features import NETWORK_GAIN
from riskgraph.entities.projection import Projection, project, resolve_keys
from riskgraph.graph import Store
from riskgraph.memory import cyclic_gc_paused
from riskgraph.model import ENTITY_KINDS, NODE_KINDS

MODEL_VERSION = "graph-2.0"
BAND_SHARES = (("critical", 0.01), ("high", 0.05), ("medium", 0.20))  # cumulative, from the top, per kind
BANDS = tuple(name for name, _ in BAND_SHARES) + ("low",)
TOP_NETWORKS = 50
NETWORK_FEATURES = ("net:", "near:", "phoenix:", "community:", "pagerank", "prior:network")


@dataclass(frozen=True)
class Reason:
    factor: str  # a FACTORS name, or "network"
    contribution: float
    detail: str = ""
    nodes: tuple[str, ...] = ()  # a network reason's path: "kind:id" from the entity to the risky one
    links: tuple[str, ...] = ()  # the link type of each hop


@dataclass
class Analysis:
    """Everything an analysis computed, indexed like its projection's nodes.

    ``own`` and ``network`` are the prior own and network risks (what the record alone,
    and the links alone, say), ``prior`` the prior score they make; ``score`` is the ranker's; ``band`` its band by kind;
    ``ranker`` the ranker's summary (learned or priors, and why).
    """

    as_of: date
    model_version: str
    projection: Projection
    factors: np.ndarray
    own: np.ndarray
    network: np.ndarray
    prior: np.ndarray
    score: np.ndarray
    band: np.ndarray
    community: np.ndarray
    component: np.ndarray
    networks: list[communities.Network]
    paths: dict[int, list[explain.Path]]
    norms: factors.Norms
    evidence: factors.Evidence
    thresholds: dict
    ranker: dict
    shares: dict[int, dict[str, float]] = field(default_factory=dict)  # node -> reason -> share of the score
    facts: dict[int, dict[str, float]] = field(default_factory=dict)  # node -> network facts its reasons name
    timings: dict[str, float] = field(default_factory=dict)

    def entities(self) -> np.ndarray:
        """Return the indexes of the scored entities (not the identifiers linking them)."""
        return np.flatnonzero(self.projection.kinds() < len(ENTITY_KINDS))

    def reasons(self, i: int) -> list[Reason]:
        """Return the reasons of node ``i``'s score, largest first (none in the low band)."""
        score = float(self.score[i])
        if self.band[i] == "low" or score <= 0:
            return []
        shares = self.shares.get(i) or prior_shares(self.factors[i], self.network_part(i))
        out = []
        for f, value in zip(factors.FACTORS, self.factors[i].tolist()):
            if value > 0 and shares.get(f.name, 0) > 0:
                out.append(Reason(f.name, score * shares[f.name], self.evidence.detail(f.name, i, self.projection) or f.doc))
        net = score * shares.get("network", 0.0)
        # The network part is shared among the strongest paths in proportion to what each brings.
        paths = self.paths.get(i, [])
        carried = sum(p.contribution for p in paths)
        if net > 0 and carried > 0:
            for path in paths:
                out.append(Reason("network", net * path.contribution / carried, self.describe(path),
                                  tuple(self.label(n) for n in path.nodes), tuple(path.links)))
        elif net > 0:
            out.append(Reason("network", net, self.network_detail(i)))
        out.sort(key=lambda r: -r.contribution)
        return out

    def network_detail(self, i: int) -> str:
        """Return what the links say of node ``i`` when no single path carries it."""
        p, d = self.projection, self.facts.get(i, {})
        if d.get("phoenix"):
            return f"people behind {d['phoenix']:.0f} dissolved, suspended or absconded firms hold roles in it"
        if d.get("community"):
            return f"its community of {d['size']:.0f} entities holds {d['community']:.0f} past violators"
        return f"risk reaching {NODE_KINDS[p.kind[i]]} over longer paths"

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


def bands(score: np.ndarray, kinds: np.ndarray, entity: np.ndarray) -> tuple[np.ndarray, dict[str, dict[str, float]]]:
    """Return the band of every node and, per entity kind, the lowest score of each band.

    Per kind, a band holds its share of the kind's entities (BAND_SHARES) among those
    scoring above the kind's median: on a graph where most entities carry no signal,
    the bands above low stay smaller than their share. Cost: O(n log n).
    """
    out = np.full(len(score), "low", dtype=object)
    floors: dict[str, dict[str, float]] = {}
    for k in np.unique(kinds[entity]).tolist():
        members = entity & (kinds == k)
        values = score[members]
        above = float(np.nextafter(np.median(values), np.inf))
        floors[NODE_KINDS[k]] = {}
        for name, share in reversed(BAND_SHARES):
            floor = max(float(np.quantile(values, 1 - share)), above)
            floors[NODE_KINDS[k]][name] = floor
            out[members & (score >= floor)] = name
    return out, floors


def band(score: float, floors: dict[str, float]) -> str:
    """Return the band of ``score`` given one kind's band floors (see ``bands``)."""
    for name, _ in BAND_SHARES:
        if score >= floors.get(name, math.inf):
            return name
    return "low"


def analyze(store: Store, as_of: date, *, history_months: int = 36, reads: dict | None = None, paths: bool = True,
            ranker: ranking.Ranker | None = None, progress=None) -> Analysis:
    """Return the analysis of ``store`` as known at ``as_of``.

    ``ranker``: the ranker to score with; by default one is fitted on the store's history
    before ``as_of`` (ranker.fit), sharing ``reads`` (see projection.project) with the
    analysis. ``paths=False`` skips the path reasons, for analyses whose scores alone
    are wanted; ``progress`` gets a line per ranker cut.

    Cost: the ranker's fit (one description per cut), one read of the projection,
    linear feature passes, a Leiden run, and reasons for every entity banded above low.
    """
    timings = {}
    if ranker is None:
        # The cuts and this analysis then share every page and month they read (held in
        # memory until the analysis is done: fit the ranker apart on a large store).
        reads = {} if reads is None else reads
    with cyclic_gc_paused():
        t = time.monotonic()
        p = project(store, as_of, history_months=history_months, reads=reads)
        timings["read"] = time.monotonic() - t
        if ranker is None:
            t = time.monotonic()
            ranker = ranking.fit(store, as_of, history_months=history_months, reads=reads, now=p, progress=progress)
            timings["ranker"] = time.monotonic() - t
        analysis = score_projection(p, ranker, timings, paths=paths)
    named = [n for found in analysis.paths.values() for path in found for n in path.nodes]
    named += [g for network in analysis.networks for g, _ in network.glue]
    resolve_keys(store, p, named)
    return analysis


def score_projection(p: Projection, ranker: ranking.Ranker = ranking.PRIORS, timings: dict[str, float] | None = None, *,
                     paths: bool = True) -> Analysis:
    """Return the analysis of an already read projection (see ``analyze``)."""
    timings = {} if timings is None else timings
    t = time.monotonic()
    d = ranker.describe(p)
    score = ranker.score(d)
    is_entity = p.kinds() < len(ENTITY_KINDS)
    banded, floors = bands(score, p.kinds(), is_entity)
    timings["score"] = time.monotonic() - t
    t = time.monotonic()
    component = communities.components(d.graph)
    evidence = (d.factors[:, factors.FACTOR_INDEX["violations"]] > 0) | (d.factors[:, factors.FACTOR_INDEX["intel"]] > 0)
    networks = communities.suspicious_networks(d.graph, d.community, score, is_entity, evidence, TOP_NETWORKS)
    timings["communities"] = time.monotonic() - t
    t = time.monotonic()
    explained = np.flatnonzero(is_entity & (banded != "low") & (score > 0))
    # TreeSHAP costs about 0.4 ms an entity at 400 trees: the critical and high bands get
    # the model's own contributions, the medium band (three times as many) the priors' split.
    shares = _learned_shares(ranker, d, explained[np.isin(banded[explained], ("critical", "high"))])
    top = explain.top_paths(d.graph, d.own, explained[d.network[explained] > 0]) if paths else {}
    timings["reasons"] = time.monotonic() - t
    at = d.matrix[d.positions(explained)]
    column = features.COLUMN
    facts = {int(i): {"phoenix": float(row[column["phoenix:closed"]]), "community": float(row[column["community:violators"]]),
                      "size": float(np.expm1(row[column["community:size"]]))} for i, row in zip(explained.tolist(), at)}
    thresholds = {"declaration_score_quantiles": declaration_risk.quantiles(p, score, d.norms), "bands": floors}
    version = f"{MODEL_VERSION}-{ranker.kind}"
    return Analysis(p.as_of, version, p, d.factors, d.own, d.network, d.prior, score, banded, d.community, component, networks, top,
                    d.norms, d.evidence, thresholds, ranker.summary, shares, facts, timings)


def prior_shares(values: np.ndarray, network: float | None) -> dict[str, float]:
    """Return the share of a prior score due to each own factor (``values``, one row of
    the factors) and, unless ``network`` is None, to its network part."""
    parts = {f.name: -math.log(max(1e-12, 1 - f.weight * v)) for f, v in zip(factors.FACTORS, values.tolist()) if v > 0}
    if network is not None:
        parts["network"] = -math.log(max(1e-12, 1 - network))
    total = sum(parts.values())
    return {k: v / total for k, v in parts.items()} if total > 0 else {}


def _learned_shares(ranker: ranking.Ranker, d: features.Described, nodes: np.ndarray) -> dict[int, dict[str, float]]:
    """Return, for each of ``nodes``, the share of its learned score due to each own factor
    and to the network, from its features' positive log-odds contributions. The prior
    scores' contributions are split as the priors split them; profile features such as
    size or age are context, not reasons, and are left out."""
    if ranker.booster is None or not len(nodes):
        return {}
    contributions = np.maximum(ranker.contributions(d, nodes)[:, :-1], 0.0)
    reason_of = [_reason_of(name) for name in features.FEATURES]
    out = {}
    for row, i in enumerate(nodes.tolist()):
        parts: dict[str, float] = {}
        for k in np.flatnonzero(contributions[row]).tolist():
            reason, value = reason_of[k], float(contributions[row, k])
            if reason in ("prior:own", "prior:score"):
                network = float(1 - np.exp(-NETWORK_GAIN * d.network[i])) if reason == "prior:score" else None
                for name, share in prior_shares(d.factors[i], network).items():
                    parts[name] = parts.get(name, 0.0) + value * share
            elif reason:
                parts[reason] = parts.get(reason, 0.0) + value
        total = sum(parts.values())
        if total > 0:
            out[i] = {k: v / total for k, v in parts.items()}
    return out


def _reason_of(feature: str) -> str:
    """Return the reason a feature's contribution counts under ("" for none)."""
    if feature in ("prior:own", "prior:score"):
        return feature
    if feature.startswith(NETWORK_FEATURES):
        return "network"
    if feature == "own:discrepancies":
        return "inspection_discrepancy"
    if feature.startswith("own:") and feature[4:] in factors.FACTOR_INDEX:
        return feature[4:]
    return ""
