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
ALL = "(all)"  # the unit of the row that sums every tip


def listed(store: Store, date_from: date, date_to: date, *, unit: str | None = None, officer: str | None = None,
           skip: int = 0, limit: int | None = None) -> list[dict]:
    """Return the tips raised in the period (both days included), newest first, from
    ``skip`` on, at most ``limit``, with their current outcome (``outcome_version`` None
    until one is recorded). Cost: one read, a range scan of the period's tips."""
    since, until = date_from.isoformat(), date_to.isoformat()
    rows = store.query("tips_list", {"from": since, "until": until, "unit": unit, "officer": officer})
    rows = sorted((r for r in rows if since <= r["raised_on"] <= until),  # the store's range filter can overshoot
                  key=lambda r: (r["raised_at"], r["tip_id"]), reverse=True)
    return rows[skip:None if limit is None else skip + limit]


def history(store: Store, tip_id: str) -> list[dict]:
    """Return every outcome recorded on a tip, oldest first (the last is current)."""
    return store.query("tip_history", {"id": tip_id})


def statistics(store: Store, date_from: date, date_to: date, by: str = "unit") -> list[dict]:
    """Return ``tally`` of the tips raised in the period. Cost: as ``listed``."""
    return tally(listed(store, date_from, date_to), by)


def tally(tips: list[dict], by: str = "unit") -> list[dict]:
    """Return per unit (or per officer and unit) of ``tips`` (rows of ``listed``): raised,
    checked (an outcome recorded), found (a violation), hit_rate (found / checked, None if
    none was checked) with its 95% Wilson interval (hit_low, hit_high), back tax, fines
    and revenue (VND); most tips first, then a row for all of them (unit ``ALL``). Only
    the current outcome of a tip counts. Cost: linear in the tips."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    groups: dict[tuple[str, str | None], list[dict]] = {}
    for t in tips:
        groups.setdefault((t["unit"], t["officer"] if by == "officer" else None), []).append(t)
    rows = sorted((_counts(unit, officer, members) for (unit, officer), members in groups.items()),
                  key=lambda r: (-r["raised"], r["unit"], r["officer"] or ""))
    return [*rows, _counts(ALL, None, tips)]


def _counts(unit: str, officer: str | None, tips: list[dict]) -> dict:
    checked = [t for t in tips if t["outcome_version"]]
    found = sum(bool(t["violation_found"]) for t in checked)
    back_tax, fines = sum(t["back_tax_vnd"] or 0.0 for t in checked), sum(t["fine_vnd"] or 0.0 for t in checked)
    hit = rate(found, len(checked))
    return {"unit": unit, "officer": officer, "raised": len(tips), "checked": len(checked), "found": found, "hit_rate": hit.rate,
            "hit_low": hit.low, "hit_high": hit.high, "back_tax_vnd": float(back_tax), "fine_vnd": float(fines),
            "revenue_vnd": float(back_tax + fines)}
