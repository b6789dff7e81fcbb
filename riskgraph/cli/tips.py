"""Officers' tips (tin báo) of a period and the unit's report on them."""

from __future__ import annotations

import click

from riskgraph.api import tips as tip_reads
from riskgraph.cli import output
from riskgraph.cli.common import opened
from riskgraph.dates import period as parse_period
from riskgraph.settings import Settings

PERIOD = click.option("--period", "period_text", required=True, metavar="PERIOD",
                      help="Tips raised in: 2026-Q1, 2026-03, 2026, 2026-03-15 or FROM..TO (2025-Q3..2026-Q1).")
FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)


@click.group()
def tips() -> None:
    """Tips (tin báo) raised by officers through the API, and their outcomes."""


@tips.command("list")
@PERIOD
@click.option("--unit", help="Only tips raised by this unit.")
@click.option("--officer", help="Only tips raised by this officer (API key name).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@FORMAT
@click.pass_obj
def tips_list(settings: Settings, period_text: str, unit: str | None, officer: str | None, limit: int, fmt: str) -> None:
    """The tips of a period, newest first, with their current outcome."""
    since, until = parse_period(period_text)
    with opened(settings) as s:
        rows = tip_reads.listed(s, since, until, unit=unit, officer=officer, limit=limit)
    output.emit(rows, fmt, ["tip_id", "raised_at", "unit", "officer", "declaration_no", "lane_before", "lane", "violation_found",
                            "back_tax_vnd", "fine_vnd", "checked_on", "reason"], click.echo)


@tips.command("stats")
@PERIOD
@click.option("--by", type=click.Choice(tip_reads.GROUPINGS), default="unit", show_default=True)
@FORMAT
@click.pass_obj
def tips_stats(settings: Settings, period_text: str, by: str, fmt: str) -> None:
    """Per unit or officer: tips raised, checked, found a violation, hit rate (with its 95%
    Wilson interval) and revenue (back tax and fines, VND); the last row is every tip."""
    since, until = parse_period(period_text)
    with opened(settings) as s:
        rows = tip_reads.statistics(s, since, until, by)
    if fmt == "table":
        rows = [{**r, "hit_rate": "-" if r["hit_rate"] is None else f"{r['hit_rate']:.0%} ({r['hit_low']:.0%}-{r['hit_high']:.0%})",
                 **{k: f"{r[k]:,.0f}" for k in ("back_tax_vnd", "fine_vnd", "revenue_vnd")}} for r in rows]
    output.emit(rows, fmt, ["unit", *(["officer"] if by == "officer" else []), "raised", "checked", "found", "hit_rate",
                            "back_tax_vnd", "fine_vnd", "revenue_vnd"], click.echo)
