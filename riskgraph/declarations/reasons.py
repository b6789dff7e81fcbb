"""Plain-language reasons for a declaration's learned risk.

The model's SHAP values (TreeSHAP, in log-odds) say how much each feature moved one
declaration's probability away from the average. ``reasons`` keeps the features that
raised it, shares the probability out among them in proportion, and writes each as an
officer would say it: "HS 851713 from CN at 38% of the usual unit value", "agent
DL360065: discrepancies in 21% of past inspections, 4.2x the average". A graph score
that raised it brings the top reason stored by the network analysis for that party
("two hops from a decided smuggling case"), so the graph reasons and the learned ones
come as one list.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import numpy as np

from riskgraph.declarations import features as F
from riskgraph.model import PARTY_KINDS

TOP = 5
MIN_LOG_ODDS = 0.05  # contributions smaller than this are noise, not reasons
_LABEL = {
    "hs4": "HS heading", "hs6": "HS subheading", "hs8": "HS line", "origin_country": "origin",
    "partner_country": "partner country", "procedure_code": "procedure", "transport_mode": "transport by",
    "tax_treatment": "tax treatment", "payment_method": "payment method", "office_code": "office",
    "border_gate": "gate", "direction": "direction", "quantity_unit": "quantity unit",
}
_PARTY_NAME = {"trader": "trader", "agent": "agent", "declarant": "declarant", "partner": "partner",
               "vehicle": "vehicle", "warehouse": "warehouse"}


def reasons(probability: float, contributions: np.ndarray, names: tuple[str, ...], d: F.Declarations, i: int,
            numeric: Mapping[str, np.ndarray], p0: float, stored: Mapping[str, dict]) -> tuple[tuple[str, float, str], ...]:
    """Return up to TOP reasons (feature, share of ``probability``, text) for row ``i``.

    ``contributions`` is the row's SHAP values (bias last), ``stored`` the current
    analysis' score rows by "kind:id" (for graph reasons). Cost: O(features)."""
    c = contributions[: len(names)]
    up = [(float(v), name) for v, name in zip(c.tolist(), names) if v > MIN_LOG_ODDS]
    up.sort(reverse=True)
    total = sum(v for v, _ in up) or 1.0
    out = []
    for v, name in up[:TOP]:
        out.append((name, round(probability * v / total, 4), text(name, d, i, numeric, p0, stored)))
    return tuple(out)


def text(name: str, d: F.Declarations, i: int, numeric: Mapping[str, np.ndarray], p0: float,
         stored: Mapping[str, dict]) -> str:
    """Return the plain-language reading of feature ``name`` for declaration ``i``."""
    t, value = d.text, numeric.get(name)
    v = float(value[i]) if value is not None else math.nan
    hs6, hs4, origin = t["hs6"][i] or t["hs4"][i], t["hs4"][i], t["origin_country"][i] or "?"
    if name in ("unit_value_gap", "log_unit_value"):
        gap = float(numeric["unit_value_gap"][i])
        if math.isfinite(gap):
            return f"HS {hs6} from {origin} at {math.exp(gap):.0%} of the usual unit value"
        unit = float(numeric["log_unit_value"][i])
        return f"unit value {math.exp(unit):,.2f} USD/kg, with no usual value to compare" if math.isfinite(unit) else "no unit value"
    if name.startswith("rate_"):
        what = name[5:]
        subject = {
            "hs_origin": f"HS {hs6} from {origin}",
            "hs_procedure": f"HS {hs4} under procedure {t['procedure_code'][i] or '?'}",
            "treatment_origin": f"tax treatment {t['tax_treatment'][i] or '?'} for goods of origin {origin}",
            "office": f"office {t['office_code'][i] or '?'}",
        }.get(what)
        if subject is None:
            if not d.parties[what][i]:
                return f"no {_PARTY_NAME[what]} named on the declaration"
            subject = f"{_PARTY_NAME[what]} {', '.join(d.parties[what][i])}"
        if not math.isfinite(v):
            return f"{subject}: no inspection history"
        if abs(v - p0) < 1e-12:  # the smoothed rate of a key never inspected is the average
            return f"{subject}: never inspected before, so read at the average rate"
        times = f", {v / p0:.1f}x the average" if p0 > 0 else ""
        return f"{subject}: discrepancies in {v:.0%} of past inspections{times}"
    if name in ("graph_trader_network", "graph_trader_suspicious"):
        trader = d.parties["trader"][i][0] if d.parties["trader"][i] else "?"
        row = stored.get(f"enterprise:{trader}") or {}
        if name == "graph_trader_suspicious":
            rank = row.get("network_rank") or 0
            return f"trader {trader} belongs to suspicious network #{rank}" if rank else f"trader {trader} is in no suspicious network"
        if not math.isfinite(v):  # graph features are not in ``numeric``: the stored row has it
            v = float(row.get("network") or 0.0)
        paths = [r for r in json.loads(row.get("reasons") or "[]") if r.get("factor") == "network"]
        why = f": {paths[0].get('detail')}" if paths and paths[0].get("detail") else ""
        return f"trader {trader}: risk {v:.2f} reaching it through its network{why}"
    if name.startswith("graph_"):
        part = name[6:]
        best, why = None, ""
        for key in d.parties[part][i]:
            row = stored.get(f"{PARTY_KINDS[part]}:{key}")
            if row and (best is None or row["score"] > best["score"]):
                best = row
        if best is None:
            return f"no {part} named on the declaration" if not d.parties[part][i] else f"{part} not scored by the network analysis"
        listed = json.loads(best.get("reasons") or "[]")
        if listed:
            why = f": {listed[0].get('detail') or listed[0].get('factor')}"
        return f"{part} {best['entity'].split(':', 1)[1]} scores {best['score']:.2f} ({best['band']}) in the network analysis{why}"
    if name in F.CATEGORICAL:
        return f"{_LABEL[name]} {t[name][i] or 'not stated'}"
    return _numeric(name, v)


def _numeric(name: str, v: float) -> str:
    if not math.isfinite(v):
        return f"{name.replace('_', ' ')} not stated"
    return {
        "duty_rate_pct": lambda: f"duty rate {v:g}%",
        "log_value": lambda: f"declared value {math.expm1(v):,.0f} USD",
        "log_net_mass": lambda: f"net mass {math.expm1(v):,.0f} kg",
        "log_gross_mass": lambda: f"gross mass {math.expm1(v):,.0f} kg",
        "gross_net_ratio": lambda: f"gross mass {v:.2f} times the net mass",
        "log_quantity": lambda: f"quantity {math.expm1(v):,.0f}",
        "log_tax": lambda: f"tax assessed {math.expm1(v):,.0f} VND",
        "tax_per_value": lambda: f"tax of {v:,.0f} VND per USD declared",
        "hs_count": lambda: f"{v:.0f} HS codes on one declaration",
        "vehicle_count": lambda: f"{v:.0f} vehicles or containers",
        "has_agent": lambda: "filed by a customs agent" if v else "filed without a customs agent",
        "hour": lambda: f"registered at {v:02.0f}h",
        "weekday": lambda: f"registered on a {('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday')[int(v) % 7]}",
        "month": lambda: f"registered in month {v:.0f}",
        "trader_inspections": lambda: f"trader inspected {math.expm1(v):.0f} times before",
        "trader_declarations": lambda: f"trader filed {math.expm1(v):.0f} declarations before",
        "trader_days": lambda: f"trader first seen {v:.0f} days before",
        "trader_violations": lambda: f"{v:.0f} violations decided against the trader",
    }.get(name, lambda: f"{name.replace('_', ' ')} {v:g}")()
