"""Own risk factors: what an entity's own record says, each named and weighted here.

Every factor is a value in [0, 1] per node of the projection; ``FACTORS`` gives its
weight and what it means. An entity's own risk combines them as a noisy-OR,
``1 - prod(1 - weight * value)``, so that any one strong factor suffices and several weak
ones add up without passing 1. Its contribution to a reason is its share of
``-log(1 - own)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from riskgraph.dates import date_of
from riskgraph.entities.projection import Projection
from riskgraph.model import ENTITY_KINDS


@dataclass(frozen=True)
class Factor:
    name: str
    weight: float
    doc: str


FACTORS: tuple[Factor, ...] = (
    Factor("violations", 0.5, "decided violations (vi phạm đã xử lý), weighted by kind and severity, halved every 2 years"),
    Factor("intel", 0.6, "intelligence reports weighted by Admiralty grade (A1 counts, F6 barely), halved every year"),
    Factor("inspection_discrepancy", 0.9,
           "discrepancy rate of inspected declarations above the usual rate, smoothed so few inspections mean little"),
    Factor("low_unit_value", 0.8, "share of declarations whose unit value is under 65% of the norm for the same HS code and origin"),
    Factor("high_risk_goods", 0.3, "share of declarations in HS headings whose inspections find discrepancies at twice the usual rate"),
    Factor("new_high_value", 0.35, "registered less than a year ago and already among the top tenth by value declared"),
    Factor("closed_still_trading", 0.8, "dissolved, suspended or absconded, yet declarations in the last 180 days"),
    Factor("known_only_by_reference", 0.4,
           "named by declarations or reports but absent from every register (where a register of its kind was loaded)"),
)
FACTOR_INDEX = {f.name: i for i, f in enumerate(FACTORS)}
WEIGHTS = np.array([f.weight for f in FACTORS])

VIOLATION_KIND_WEIGHT = {
    "smuggling": 1.0, "prohibited_goods": 1.0, "transit_diversion": 0.9, "origin_fraud": 0.8, "undervaluation": 0.8,
    "misclassification": 0.7, "document_fraud": 0.7, "other": 0.3,
}
SEVERITY_WEIGHT = {"criminal": 1.5, "administrative": 1.0, None: 1.0}
RELIABILITY_WEIGHT = {"A": 1.0, "B": 0.8, "C": 0.5, "D": 0.25, "E": 0.1, "F": 0.05}
CREDIBILITY_WEIGHT = {"1": 1.0, "2": 0.8, "3": 0.5, "4": 0.25, "5": 0.1, "6": 0.05}
VIOLATION_HALF_LIFE_DAYS = 730
INTEL_HALF_LIFE_DAYS = 365
PRIOR_INSPECTIONS = 10  # pseudo-inspections at the usual rate: smoothing of discrepancy rates
LOW_UNIT_VALUE = math.log(0.65)
NORM_SUPPORT = 20  # declarations of an HS code x origin before its norm is trusted
HEADING_SUPPORT = 30  # inspections of an HS heading before its rate is trusted


@dataclass(frozen=True)
class Norms:
    """What the history window says is usual: the reference for the goods factors.

    ``unit_value``: median log unit value (USD per kg) by (HS6, origin); ``heading_rate``:
    smoothed discrepancy rate by HS heading (4 digits); ``base_rate``: over all inspections.
    """

    base_rate: float
    unit_value: dict[tuple[str, str], float]
    heading_rate: dict[str, float]


@dataclass(frozen=True)
class Evidence:
    """The facts behind the factors, per node, for reasons an officer can check."""

    violations: dict[int, list[dict]]
    intel: dict[int, list[dict]]
    declarations: np.ndarray
    inspected: np.ndarray
    discrepancies: np.ndarray
    low_unit_value: np.ndarray
    risky_goods: np.ndarray
    base_rate: float

    def detail(self, factor: str, i: int, p: Projection) -> str:
        """Return what factor ``factor`` found on node ``i``, in words."""
        if factor == "violations":
            vs = sorted(self.violations.get(i, []), key=lambda v: v["decided_on"])
            kinds = ", ".join(sorted({v["kind"] for v in vs}))
            return f"{len(vs)} decided violation{'s' * (len(vs) != 1)} ({kinds}), latest {vs[-1]['decided_on']}" if vs else ""
        if factor == "intel":
            rs = self.intel.get(i, [])
            best = min((r["reliability"] + r["credibility"] for r in rs), default="")
            return f"{len(rs)} intelligence report{'s' * (len(rs) != 1)}, best graded {best}" if rs else ""
        if factor == "inspection_discrepancy":
            return (f"discrepancies in {int(self.discrepancies[i])} of {int(self.inspected[i])} inspections "
                    f"(usual rate {self.base_rate:.0%})")
        if factor == "low_unit_value":
            return (f"{int(self.low_unit_value[i])} of {int(self.declarations[i])} declarations under 65% of the usual unit value "
                    "for the HS code and origin")
        if factor == "high_risk_goods":
            return (f"{int(self.risky_goods[i])} of {int(self.declarations[i])} declarations in HS headings "
                    "with twice the usual discrepancy rate")
        if factor == "new_high_value":
            return f"registered {p.enterprise.get(i, {}).get('registered_on')}, among the top tenth by value declared in the last year"
        if factor == "closed_still_trading":
            return f"status {p.enterprise.get(i, {}).get('status')}, yet declarations in the last 180 days"
        if factor == "known_only_by_reference":
            return "named by declarations or reports, absent from every register"
        return ""


def own_factors(p: Projection) -> tuple[np.ndarray, Norms, Evidence]:
    """Return an (n nodes x len(FACTORS)) array of factor values in [0, 1], the norms,
    and the evidence behind the factors.

    Cost: linear in the nodes, violations, intel and declarations of the projection.
    """
    n = p.size
    x = np.zeros((n, len(FACTORS)))
    as_of = p.as_of
    zeros = np.zeros(n)
    evidence = Evidence({}, {}, zeros, zeros, zeros, zeros, zeros, 0.0)
    for v in p.violations:
        evidence.violations.setdefault(v["subject"], []).append(v)
        age = (as_of - date_of(v["decided_on"])).days
        x[v["subject"], 0] += (VIOLATION_KIND_WEIGHT.get(v["kind"], 0.5) * SEVERITY_WEIGHT.get(v["severity"], 1.0)
                               * 0.5 ** (age / VIOLATION_HALF_LIFE_DAYS))
    for r in p.intel:
        evidence.intel.setdefault(r["subject"], []).append(r)
        age = (as_of - date_of(r["received_on"])).days
        x[r["subject"], 1] += (RELIABILITY_WEIGHT[r["reliability"]] * CREDIBILITY_WEIGHT[r["credibility"]]
                               * 0.5 ** (age / INTEL_HALF_LIFE_DAYS))
    x[:, 0] = 1 - np.exp(-x[:, 0])
    x[:, 1] = 1 - np.exp(-x[:, 1])

    d = p.declarations
    norms = usual(d)
    if len(d.get("trader", ())):
        trader = d["trader"]
        # inspections of the trader's own declarations, then of what agents, declarants and vehicles filed or carried
        inspected = np.bincount(trader, d["inspected"], minlength=n)
        discrepant = np.bincount(trader, d["discrepancy"], minlength=n)
        inspected = inspected + p.party_stats["inspected"]
        discrepant = discrepant + p.party_stats["discrepancies"]
        x[:, 2] = _excess_rate(inspected, discrepant, norms.base_rate)

        count = np.bincount(trader, minlength=n).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(count > 0, 1 / np.maximum(count, 1), 0.0)
        low, risky = goods_flags(d, norms)
        x[:, 3] = _saturate(np.bincount(trader, low, minlength=n) * share, count)
        x[:, 4] = np.minimum(1.0, np.bincount(trader, risky, minlength=n) * share * 2)

        recent = d["day"] >= -365
        value = np.bincount(trader[recent], d["value"][recent], minlength=n)
        top = np.quantile(value[value > 0], 0.9) if (value > 0).any() else math.inf
        last = np.full(n, -10**6)
        np.maximum.at(last, trader, d["day"])
        for i, e in p.enterprise.items():
            registered = e["registered_on"]
            if registered and (as_of - date_of(registered)).days < 365 and value[i] >= top:
                x[i, 5] = 1.0
            if e["status"] in ("dissolved", "suspended", "absconded") and last[i] >= -180:
                x[i, 6] = 1.0
        # Absent from a register says something only where a register of that kind was
        # loaded: a feed of declarations alone names every trader by reference.
        referenced = np.zeros(n, dtype=bool)
        referenced[list(p.by_reference)] = True
        registers = set(p.kinds()[~referenced].tolist()) & set(range(len(ENTITY_KINDS)))
        for i in p.by_reference:
            if p.kind[i] in registers and (count[i] > 0 or inspected[i] > 0):
                x[i, 7] = 1.0
        evidence = Evidence(evidence.violations, evidence.intel, count, inspected, discrepant,
                            np.bincount(trader, low, minlength=n), np.bincount(trader, risky, minlength=n), norms.base_rate)
    return x, norms, evidence


def combine(x: np.ndarray) -> np.ndarray:
    """Return the own risk of every node: the noisy-OR of its weighted factors."""
    return 1 - np.prod(1 - x * WEIGHTS, axis=1)


def usual(d: dict[str, np.ndarray]) -> Norms:
    """Return the norms of the declarations ``d`` (see Norms)."""
    if not len(d.get("trader", ())):
        return Norms(0.0, {}, {})
    inspected, discrepancy = d["inspected"], d["discrepancy"]
    base = float(discrepancy.sum() / max(1, inspected.sum()))
    hs, origin, luv = d["hs"], d["origin"], d["log_unit_value"]
    ok = ~np.isnan(luv)
    pair = hs[ok] * len(d["origins"]) + origin[ok]
    order = np.argsort(pair, kind="stable")
    pairs, starts = np.unique(pair[order], return_index=True)
    values = luv[ok][order]
    bounds = list(starts) + [len(order)]
    unit_value = {}
    for k, code in enumerate(pairs.tolist()):
        lo, hi = bounds[k], bounds[k + 1]
        if hi - lo >= NORM_SUPPORT:
            h, o = divmod(code, len(d["origins"]))
            unit_value[(d["hs_codes"][h], d["origins"][o])] = float(np.median(values[lo:hi]))
    heading = np.array([c[:4] for c in d["hs_codes"]], dtype=object)[hs]
    heading_rate = {}
    names, inverse = np.unique(heading.astype(str), return_inverse=True)
    ins = np.bincount(inverse, inspected, minlength=len(names))
    dis = np.bincount(inverse, discrepancy, minlength=len(names))
    for name, a, b in zip(names.tolist(), ins.tolist(), dis.tolist()):
        if a >= HEADING_SUPPORT:
            heading_rate[name] = (b + PRIOR_INSPECTIONS * base) / (a + PRIOR_INSPECTIONS)
    return Norms(base, unit_value, heading_rate)


def goods_flags(d: dict[str, np.ndarray], norms: Norms) -> tuple[np.ndarray, np.ndarray]:
    """Return per declaration: unit value far below its norm; goods in a risky heading."""
    codes, origins = d["hs_codes"], d["origins"]
    norm_of = np.array([norms.unit_value.get((codes[h], origins[o]), math.nan)
                        for h, o in _pairs(d)], dtype=float)
    pair_index = d["hs"] * len(origins) + d["origin"]
    _, inverse = np.unique(pair_index, return_inverse=True)
    norm = norm_of[inverse]
    with np.errstate(invalid="ignore"):
        low = (d["log_unit_value"] - norm) < LOW_UNIT_VALUE
    risky_heading = np.array([norms.heading_rate.get(c[:4], 0.0) >= 2 * norms.base_rate > 0 for c in codes])
    return low.astype(float), risky_heading[d["hs"]].astype(float)


def _pairs(d: dict[str, np.ndarray]) -> list[tuple[int, int]]:
    pair_index = np.unique(d["hs"] * len(d["origins"]) + d["origin"])
    return [divmod(int(x), len(d["origins"])) for x in pair_index]


def _excess_rate(inspected: np.ndarray, discrepant: np.ndarray, base: float) -> np.ndarray:
    """Smoothed discrepancy rate above ``base``, scaled to [0, 1] (1 = every inspection finds one)."""
    if base <= 0:
        return np.zeros_like(inspected, dtype=float)
    rate = (discrepant + PRIOR_INSPECTIONS * base) / (inspected + PRIOR_INSPECTIONS)
    return np.clip((rate - base) / (1 - base), 0, 1) ** 0.5


def _saturate(share: np.ndarray, count: np.ndarray) -> np.ndarray:
    """A share of declarations, trusted in proportion to how many there are (half at 3)."""
    return share * count / (count + 3)

