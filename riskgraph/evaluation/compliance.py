"""Compliance measurement (đo lường tuân thủ): how much of the traffic is wrong, and how
much better targeting finds it than chance.

Only random-selection inspections (``selection = random``, docs/contract-additions.md)
estimate the non-compliance rate: they were chosen whatever the declaration's risk, so
their findings stand for the traffic they were drawn from (in riskgraph's own lanes and
the synthetic world, the traffic the profiles would clear green). Targeted inspections
are where the profiles expected fraud; their rate measures targeting, not compliance.

A declaration counts as non-compliant when its inspection found a discrepancy or a
decided violation (up to the report's as-of date) cites it: a post-clearance audit
finds what the border did not. Its revenue is the back tax and penalties of those
violations.

Rates carry a 95% Wilson score interval: unlike the textbook (Wald) interval it stays
inside [0, 1], does not collapse to a width of 0 when a small group found nothing (0 of
12 reads "0% to 24%", not "0% to 0%"), and keeps close to its nominal coverage at the
small n and the rates near 0 that random inspections give (Newcombe 1998; Agresti and
Coull 1998). The exact Clopper-Pearson interval is wider than it needs to be. Groups
smaller than ``min_n`` are kept, with their n and wide interval, and marked ``small``.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from riskgraph.graph.store import Store

Z95 = 1.959963984540054  # the 97.5% point of the standard normal: a two-sided 95% interval
MIN_N = 30  # below this many inspections a group's rate is marked small
DIMENSIONS = ("hs_chapter", "office", "origin", "lane")
UNSTATED = "(not stated)"


@dataclass(frozen=True)
class Inspection:
    """One inspected declaration, as the report counts it."""

    declaration_no: str
    selection: str  # random, targeted, or UNSTATED
    wrong: bool  # a discrepancy found, or a decided violation citing it
    revenue_vnd: float  # back tax and penalties of the violations citing it
    hs_chapter: str
    office: str
    origin: str
    lane: str


@dataclass(frozen=True)
class Rate:
    """``found`` of ``n``, the rate (None when n is 0) and its Wilson interval."""

    found: int
    n: int
    rate: float | None
    low: float
    high: float
    small: bool  # fewer than the report's min_n inspections


@dataclass(frozen=True)
class Group:
    """The non-compliance rate of one value of a dimension (HS chapter 85, office 03CC)."""

    dimension: str
    value: str
    rate: Rate
    revenue_vnd: float


@dataclass(frozen=True)
class Targeting:
    """Targeted inspections against random ones: hit rates, their ratio (lift) with a 95%
    interval (Katz log method; None when either found nothing), revenue per inspection."""

    targeted: Rate
    random: Rate
    lift: float | None
    lift_low: float | None
    lift_high: float | None
    revenue_per_targeted_vnd: float | None
    revenue_per_random_vnd: float | None


@dataclass(frozen=True)
class Report:
    date_from: str
    date_to: str
    as_of: str
    min_n: int
    inspections: dict[str, int]  # per selection: random, targeted, not stated
    overall: Rate  # the non-compliance rate, random inspections only
    groups: dict[str, list[Group]]  # per dimension, largest group first; random inspections only
    targeting: Targeting


def wilson(found: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Return the Wilson score interval of ``found`` successes in ``n`` trials ((0, 1) for
    n = 0: nothing is known). Cost: constant."""
    if not 0 <= found <= n:
        raise ValueError(f"found must be between 0 and n, not {found} of {n}")
    if n == 0:
        return 0.0, 1.0
    p, z2 = found / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # Exactly 0 (or 1) when nothing (or everything) was found, whatever the rounding.
    return (0.0 if found == 0 else max(0.0, centre - half)), (1.0 if found == n else min(1.0, centre + half))


def rate(found: int, n: int, min_n: int = MIN_N) -> Rate:
    """Return ``found`` of ``n`` as a Rate with its Wilson interval."""
    low, high = wilson(found, n)
    return Rate(found, n, found / n if n else None, low, high, n < min_n)


def lift(targeted: Rate, random: Rate, z: float = Z95) -> tuple[float | None, float | None, float | None]:
    """Return the ratio of two hit rates and its interval on the log scale (Katz et al.
    1978): None for all three when either rate found nothing."""
    if not targeted.found or not random.found:
        return None, None, None
    ratio = targeted.rate / random.rate
    se = math.sqrt(1 / targeted.found - 1 / targeted.n + 1 / random.found - 1 / random.n)
    return ratio, ratio * math.exp(-z * se), ratio * math.exp(z * se)


def inspections(store: Store, date_from: date, date_to: date, as_of: date) -> list[Inspection]:
    """Return the declarations registered in the period whose inspection result is known,
    with the violations decided up to ``as_of`` that cite them. Cost: one read, a range
    scan of the period's declarations."""
    since, until = date_from.isoformat(), date_to.isoformat()
    rows = store.query("compliance_inspections", {"from": since, "until": until, "as_of": as_of.isoformat()})
    rows = [r for r in rows if since <= r["registered_on"] <= until]  # the store's range filter can overshoot
    return [Inspection(
        declaration_no=r["declaration_no"], selection=r["selection"] or UNSTATED,
        wrong=r["inspection_result"] == "discrepancy" or r["violations"] > 0,
        revenue_vnd=float(r["back_tax_vnd"] or 0) + float(r["penalty_vnd"] or 0),
        hs_chapter=(r["hs_codes"] or [""])[0][:2] or UNSTATED, office=r["office_code"] or UNSTATED,
        origin=r["origin_country"] or UNSTATED, lane=r["channel"] or UNSTATED) for r in rows]


def measure(found: list[Inspection], date_from: date, date_to: date, as_of: date, min_n: int = MIN_N) -> Report:
    """Return the compliance report of the inspections ``found``: the non-compliance rate
    and its groups from the random ones, targeting from both. Cost: linear in the rows."""
    if min_n < 1:
        raise ValueError(f"min_n must be at least 1, not {min_n}")
    random = [i for i in found if i.selection == "random"]
    targeted = [i for i in found if i.selection == "targeted"]
    counts = {"random": len(random), "targeted": len(targeted), UNSTATED: len(found) - len(random) - len(targeted)}

    def of(group: list[Inspection]) -> Rate:
        return rate(sum(i.wrong for i in group), len(group), min_n)

    groups: dict[str, list[Group]] = {}
    for dimension in DIMENSIONS:
        members: dict[str, list[Inspection]] = defaultdict(list)
        for i in random:
            members[getattr(i, dimension)].append(i)
        groups[dimension] = sorted((Group(dimension, value, of(group), sum(i.revenue_vnd for i in group))
                                    for value, group in members.items()), key=lambda g: (-g.rate.n, g.value))
    hit_targeted, hit_random = of(targeted), of(random)
    ratio, low, high = lift(hit_targeted, hit_random)
    targeting = Targeting(hit_targeted, hit_random, ratio, low, high,
                          sum(i.revenue_vnd for i in targeted) / len(targeted) if targeted else None,
                          sum(i.revenue_vnd for i in random) / len(random) if random else None)
    return Report(date_from.isoformat(), date_to.isoformat(), as_of.isoformat(), min_n, counts, hit_random, groups, targeting)


def _percent(r: Rate) -> str:
    if r.rate is None:
        return "no inspections"
    return f"{r.rate:.1%} ({r.low:.1%} to {r.high:.1%})"


def _vnd(amount: float | None) -> str:
    return "-" if amount is None else f"{amount:,.0f}"


def markdown(report: Report, top: int = 20) -> str:
    """Return the report as markdown: the estimate, targeting, then a table per dimension
    (its ``top`` largest groups; the rest summed in one line, never dropped silently)."""
    t = report.targeting
    n = report.inspections
    lines = [
        f"# Compliance measurement, {report.date_from} to {report.date_to}",
        "",
        f"Declarations registered in the period with a known inspection result, violations decided up to {report.as_of}: "
        f"{n['random']:,} random-selection inspections, {n['targeted']:,} targeted, {n[UNSTATED]:,} with no selection stated "
        "(not counted). Intervals are 95% Wilson score intervals; groups with fewer than "
        f"{report.min_n} random inspections are marked *small*: read their interval, not their rate.",
        "",
        "## Non-compliance rate (random inspections only)",
        "",
        f"**{_percent(report.overall)}**: {report.overall.found:,} of {report.overall.n:,} random inspections found a "
        "discrepancy or are cited by a decided violation.",
        "",
        "## Targeting effectiveness",
        "",
        "| selection | inspections | found wrong | hit rate (95% interval) | revenue per inspection (VND) |",
        "|---|---:|---:|---|---:|",
        f"| targeted | {t.targeted.n:,} | {t.targeted.found:,} | {_percent(t.targeted)} | {_vnd(t.revenue_per_targeted_vnd)} |",
        f"| random | {t.random.n:,} | {t.random.found:,} | {_percent(t.random)} | {_vnd(t.revenue_per_random_vnd)} |",
        "",
        ("Lift (targeted hit rate / random hit rate): " + (f"**{t.lift:.1f}x** ({t.lift_low:.1f}x to {t.lift_high:.1f}x)"
                                                           if t.lift is not None else "not estimable: a selection found nothing")),
    ]
    titles = {"hs_chapter": ("HS chapter", "HS chapter"), "office": ("Customs office", "customs office"),
              "origin": ("Origin country", "origin country"), "lane": ("Lane", "lane")}
    for dimension, groups in report.groups.items():
        lines += ["", f"## By {titles[dimension][1]}", "",
                  f"| {titles[dimension][0]} | random inspections | found wrong | rate (95% interval) | revenue (VND) | |",
                  "|---|---:|---:|---|---:|---|"]
        for g in groups[:top]:
            lines.append(f"| {g.value} | {g.rate.n:,} | {g.rate.found:,} | {_percent(g.rate)} | {_vnd(g.revenue_vnd)} | "
                         f"{'*small*' if g.rate.small else ''} |")
        if len(groups) > top:
            rest = groups[top:]
            lines.append(f"| {len(rest)} more groups | {sum(g.rate.n for g in rest):,} | {sum(g.rate.found for g in rest):,} | "
                         f"see report.json | {_vnd(sum(g.revenue_vnd for g in rest))} | |")
        if not groups:
            lines.append("| (no random inspections in the period) | | | | | |")
    return "\n".join(lines) + "\n"


def write(report: Report, out_dir: Path) -> list[Path]:
    """Write report.md, report.json and the charts (noncompliance.png, targeting.png) to
    ``out_dir``; return their paths."""
    from riskgraph.evaluation.charts import compliance_charts  # matplotlib is heavy: only when writing

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.md").write_text(markdown(report), encoding="utf-8")
    (out_dir / "report.json").write_text(json.dumps(asdict(report), ensure_ascii=False, indent=1), encoding="utf-8")
    return [out_dir / "report.md", out_dir / "report.json", *compliance_charts(report, out_dir)]
