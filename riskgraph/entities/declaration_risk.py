"""The graph and profile score of a declaration: what entity risk says of it.

Without a selectivity model, a declaration's score is the noisy-OR of what the
analysis knows about its parties and goods, each weighted as ``PARTS`` says:

    score = 1 - prod(1 - weight * risk)

over the trader, agent, declarant, vehicles and warehouse (their analysed scores), the
goods' HS heading (its discrepancy rate above the usual rate) and the declared unit
value (under 65% of the norm for the same HS code and origin). ``quantiles`` gives the
grid of that score over the recent declarations an analysis saw: the reference the
channel shares are read from (see riskgraph.channels).
"""

from __future__ import annotations

import numpy as np

from riskgraph.entities import factors
from riskgraph.entities.projection import Projection
from riskgraph.ranking import score_quantiles

PARTS = {
    "trader": 1.0,
    "agent": 0.5,
    "declarant": 0.5,
    "vehicle": 0.4,
    "warehouse": 0.2,
    "goods": 0.5,
    "unit_value": 0.6,
}


def quantiles(p: Projection, score: np.ndarray, norms: factors.Norms) -> list[float]:
    """Return the score grid of the last 180 days' declarations, as ``assess`` would score
    them from their trader, goods and unit value: the reference for channel shares."""
    d = p.declarations
    if not len(d.get("trader", ())):
        return score_quantiles([])
    recent = d["day"] >= -180
    low, risky = factors.goods_flags(d, norms)
    # Each trader's riskiest agent, declarant, vehicle and warehouse stand for the parties
    # of its declarations (the window's links are aggregated per trader).
    parties = np.ones(p.size)
    for part in ("agent", "declarant", "vehicle", "warehouse"):
        riskiest = np.zeros(p.size)
        mask = p.links["type"] == part
        np.maximum.at(riskiest, p.links["source"][mask], score[p.links["target"][mask]])
        parties *= 1 - PARTS[part] * riskiest
    keep = ((1 - PARTS["trader"] * score[d["trader"]]) * parties[d["trader"]] * (1 - PARTS["goods"] * risky)
            * (1 - PARTS["unit_value"] * low))
    return score_quantiles((1 - keep)[recent])
