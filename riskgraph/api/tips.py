"""Officers' tips (tin báo) as a risk management unit reports them: the tips of a period,
and per unit or officer how many were raised, checked, found a violation, and what they
recovered. Tips and their outcomes are written by ``feedback.raise_tip`` and
``feedback.record_tip_outcome``.

The hit rate is the share of the checked tips that found a violation (the unit's own
report: 72 violations of 79 tips checked, 91%), with its 95% Wilson interval: a unit
that checked 3 tips and found 3 reads "100% (44% to 100%)", not a certainty.
"""

from __future__ import annotations

from datetime import date

from riskgraph.evaluation.compliance import rate
from riskgraph.graph.store import Store

GROUPINGS = ("unit", "officer")
MAX_TIPS = 1000  # per page


def listed(store: Store, date_from: date, date_to: date, *, unit: str | None = None, officer: str | None = None,
           skip: int = 0, limit: int = 100) -> list[dict]:
    """Return the tips raised in the period (both days included), newest first, with
    their current outcome (``outcome_version`` None until one is recorded). Cost: a range
    scan of the period's tips."""
    return store.query("tips_list", {"from": date_from.isoformat(), "until": date_to.isoformat(), "unit": unit, "officer": officer,
                                     "skip": skip, "limit": limit})


def history(store: Store, tip_id: str) -> list[dict]:
    """Return every outcome recorded on a tip, oldest first (the last is current)."""
    return store.query("tip_history", {"id": tip_id})


def statistics(store: Store, date_from: date, date_to: date, by: str = "unit") -> list[dict]:
    """Return per unit (or per officer and unit) the tips raised in the period: raised,
    checked, found (a violation), hit_rate (found / checked, None if none was checked)
    with its 95% Wilson interval (hit_low, hit_high), back tax, fines and revenue (VND);
    most tips first, then a row for all of them (unit "(all)"). Cost: one read, a range
    scan of the period's tips."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    rows = store.query("tips_statistics", {"from": date_from.isoformat(), "until": date_to.isoformat(), "by": by})
    total = {"unit": "(all)", "officer": None, **{k: sum(r[k] for r in rows)
                                                  for k in ("raised", "checked", "found", "back_tax_vnd", "fine_vnd")}}
    return [tally(r) for r in [*rows, total]]


def tally(row: dict) -> dict:
    """Return a statistics row with its hit rate, interval and revenue added."""
    hit = rate(int(row["found"]), int(row["checked"]))
    return {**row, "back_tax_vnd": float(row["back_tax_vnd"]), "fine_vnd": float(row["fine_vnd"]), "hit_rate": hit.rate,
            "hit_low": hit.low, "hit_high": hit.high, "revenue_vnd": float(row["back_tax_vnd"]) + float(row["fine_vnd"])}
