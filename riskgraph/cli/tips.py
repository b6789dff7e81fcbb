"""Officers' tips (tin báo): raising one and recording its outcome (audited as the API's
raiseTip and recordTipOutcome, key id ``cli``, the name given with ``--by``), the tips of
a period and the unit's report on them."""

from __future__ import annotations

import click

from riskgraph.api import feedback
from riskgraph.api import tips as tip_reads
from riskgraph.channels import LANES
from riskgraph.cli import output
from riskgraph.cli.common import BY, audited, officer, opened
from riskgraph.dates import period as parse_period
from riskgraph.settings import Settings

PERIOD = click.option("--period", "period_text", required=True, metavar="PERIOD",
                      help="Tips raised in: 2026-Q1, 2026-03, 2026, 2026-03-15 or FROM..TO (2025-Q3..2026-Q1).")
FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
UNIT = click.option("--unit", help="The unit (đơn vị) you work for [default: unassigned].")


@click.group()
def tips() -> None:
    """Tips (tin báo) raised by officers, and their outcomes."""


@tips.command("raise")
@click.argument("declaration_no")
@click.option("--lane", type=click.Choice(LANES), required=True, help="The lane the tip asks for.")
@click.option("--reason", required=True, help="Why, in 3 to 2,000 characters.")
@BY
@UNIT
@click.option("--idempotency-key", "key", metavar="K",
              help="Makes a retry safe: the same tip sent again with this key stores nothing new.")
@click.pass_obj
def tips_raise(settings: Settings, declaration_no: str, lane: str, reason: str, by: str, unit: str | None, key: str | None) -> None:
    """Raise a tip on stored declaration DECLARATION_NO asking for a lane, with a reason;
    you (--by, of --unit) are its officer. Prints the tip's id."""
    who = officer(by, unit)
    arguments = {"declaration_no": declaration_no, "lane": lane, "reason": reason, **({"idempotency_key": key} if key else {})}
    with opened(settings) as s:
        receipt = audited(s, who, "raiseTip", arguments, lambda r: ({"tip_id": r["tip_id"]}, r["repeat"]),
                          feedback.raise_tip, s, declaration_no, lane, reason, who, key)
        tip = s.query("tip_find", {"id": receipt["tip_id"]})[0]
    click.echo(f"{tip['tip_id']} on declaration {tip['declaration_no']}: lane {tip['lane_before'] or '-'} to {tip['lane']}, "
               f"officer {tip['officer']} of {tip['unit']}" + (" (a repeat: nothing new stored)" if receipt["repeat"] else ""))


@tips.command("outcome")
@click.argument("tip_id")
@click.option("--violation/--no-violation", "violation_found", required=True,
              help="Whether checking the tip found a violation.")
@click.option("--back-tax", "back_tax_vnd", type=click.FloatRange(min=0), default=0.0, show_default=True, metavar="VND",
              help="Back tax (truy thu); only with --violation.")
@click.option("--fine", "fine_vnd", type=click.FloatRange(min=0), default=0.0, show_default=True, metavar="VND",
              help="Fine (phạt); only with --violation.")
@click.option("--note", help="What was found, at most 2,000 characters.")
@click.option("--checked-on", metavar="DATE", help="The day it was checked [default: today].")
@click.option("--correcting", type=click.IntRange(min=0), default=0, show_default=True, metavar="N",
              help="The outcome version this one replaces: 0 for the first, the current one to correct it "
                   "(outcome_version in `riskgraph tips list`).")
@BY
@UNIT
@click.pass_obj
def tips_outcome(settings: Settings, tip_id: str, violation_found: bool, back_tax_vnd: float, fine_vnd: float, note: str | None,
                 checked_on: str | None, correcting: int, by: str, unit: str | None) -> None:
    """Record what checking tip TIP_ID found. Of two outcomes recorded on the same version,
    one is stored and the other refused: read the tip again and correct it."""
    who = officer(by, unit)
    arguments = {"tip_id": tip_id, "violation_found": violation_found, "back_tax_vnd": back_tax_vnd, "fine_vnd": fine_vnd,
                 "note": note, "checked_on": checked_on, "correcting": correcting}
    with opened(settings) as s:
        receipt = audited(s, who, "recordTipOutcome", arguments, lambda r: ({"version": r["version"]}, r["repeat"]),
                          feedback.record_tip_outcome, s, tip_id, violation_found, back_tax_vnd, fine_vnd, note, checked_on, who,
                          correcting)
        tip = s.query("tip_find", {"id": receipt["tip_id"]})[0]
    found = (f"violation found, back tax {tip['back_tax_vnd']:,.0f} VND, fine {tip['fine_vnd']:,.0f} VND" if tip["violation_found"]
             else "no violation found")
    click.echo(f"{tip['tip_id']} outcome version {tip['outcome_version']}: {found}, checked {tip['checked_on']} by "
               f"{tip['checked_by']}" + (" (a repeat: nothing new stored)" if receipt["repeat"] else ""))


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
    output.emit(rows, fmt, ["tip_id", "raised_at", "unit", "officer", "declaration_no", "lane_before", "lane", "outcome_version",
                            "violation_found",
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
