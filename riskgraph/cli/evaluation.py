"""Backtests of entity risk and of declaration selectivity; compliance measurement."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from riskgraph.cli.common import opened, parse_day
from riskgraph.dates import period as parse_period
from riskgraph.evaluation import BASELINES
from riskgraph.evaluation import compliance as cm
from riskgraph.evaluation import declaration_backtest as dbt
from riskgraph.evaluation import entity_backtest as bt
from riskgraph.ingest.columnar import ColumnarCopy
from riskgraph.settings import Settings


@click.command()
@click.option("--as-of", "as_of", metavar="DATE", required=True, help="Score as of this date.")
@click.option("--horizon", default=None, help="Months after the as-of date, e.g. 12m [default: 12m; 6m with --declarations].")
@click.option("--declarations", "declarations", is_flag=True,
              help="Grade declaration selectivity (the learned model) instead of entity risk.")
@click.option("--history-months", type=click.IntRange(3, 240), default=24, show_default=True, help="With --declarations: training window.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Report directory [default: DATA_DIR/backtests/DATE].")
@click.option("--truth", type=click.Path(path_type=Path, exists=True), help="ground_truth.json of a generated world: recall per scheme.")
@click.pass_obj
def backtest(settings: Settings, as_of: str, horizon: str | None, declarations: bool, history_months: int,
             out_dir: Path | None, truth: Path | None) -> None:
    """Score as of a date, grade the ranking on what was found after it, write a report.

    Entity risk is graded on the violations decided after the date; with --declarations
    the selectivity model is trained as of the date and graded on the inspected
    declarations registered after it, beside three baselines. Entity risk is graded
    beside own history and PageRank on past violators (riskgraph.evaluation.baselines)."""
    horizon = horizon or ("6m" if declarations else "12m")
    if not horizon.endswith("m") or not horizon[:-1].isdigit() or int(horizon[:-1]) < 1:
        raise click.BadParameter(f"{horizon!r}: give the horizon in months, e.g. 12m")
    day = parse_day(as_of)
    out = out_dir or settings.data_dir / "backtests" / (f"declarations-{day.isoformat()}" if declarations else day.isoformat())
    if declarations:
        with opened(settings) as s:
            report, scores, positive = dbt.run(s, day, int(horizon[:-1]), history_months=history_months,
                                              snapshots=settings.snapshots_dir, copy=ColumnarCopy(settings.columnar_dir),
                                              progress=sys.stderr)
        files = dbt.write(report, scores, positive, out)
        click.echo(dbt.markdown(report))
        click.echo("report: " + ", ".join(str(f) for f in files))
        return
    ground_truth = json.loads(truth.read_text(encoding="utf-8")) if truth else None
    with opened(settings) as s:
        s.ensure_schema()
        result, _, graded = bt.run(s, day, int(horizon[:-1]), baselines=BASELINES, truth=ground_truth)
    path = bt.write(result, graded, out)
    click.echo(bt.markdown(result))
    click.echo(f"report: {path}")


@click.command()
@click.option("--period", "period_text", required=True, metavar="PERIOD",
              help="Declarations registered in: 2026-Q1, 2026-03, 2026, 2026-03-15 or FROM..TO (2025-Q3..2026-Q1).")
@click.option("--as-of", "as_of", metavar="DATE", help="Count violations decided up to this date [default: today].")
@click.option("--min-n", type=click.IntRange(1, 10_000), default=cm.MIN_N, show_default=True,
              help="Mark groups with fewer random inspections than this as small (they are still shown).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Report directory [default: DATA_DIR/compliance/PERIOD].")
@click.pass_obj
def compliance(settings: Settings, period_text: str, as_of: str | None, min_n: int, out_dir: Path | None) -> None:
    """Measure compliance from random-selection inspections: the non-compliance rate with a
    95% interval, overall and per HS chapter, office, origin and lane, and targeting
    against random (hit rate, lift, revenue per inspection). Writes report.md,
    report.json and PNG charts."""
    since, until = parse_period(period_text)
    day = parse_day(as_of)
    with opened(settings) as s:
        report = cm.measure(cm.inspections(s, since, until, day), since, until, day, min_n)
    files = cm.write(report, out_dir or settings.data_dir / "compliance" / period_text.replace("..", "_"))
    click.echo(cm.markdown(report, top=10))
    click.echo("report: " + ", ".join(str(f) for f in files))
