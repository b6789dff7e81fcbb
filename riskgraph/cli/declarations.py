"""Declaration selectivity: train the model, list its risk profiles, assess declarations."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import click

from riskgraph import dates, declarations
from riskgraph.channels import Assessment, Assessor, Policy, audit_plan
from riskgraph.cli import output
from riskgraph.cli.common import newest_model, opened, parse_day
from riskgraph.declarations.profiles import FIELDS
from riskgraph.graph import Store
from riskgraph.ingest.columnar import ColumnarCopy
from riskgraph.ingest.declaration_file import read_declarations
from riskgraph.settings import Settings


@click.command()
@click.option("--as-of", "as_of", metavar="DATE", help="Learn from what was known on this date [default: today].")
@click.option("--history-months", type=click.IntRange(3, 240), default=24, show_default=True, help="Training window before the as-of date.")
@click.option("--no-graph", is_flag=True, help="Leave the graph scores out of the features.")
@click.pass_obj
def train(settings: Settings, as_of: str | None, history_months: int, no_graph: bool) -> None:
    """Train the declaration selectivity model on inspection outcomes and store it."""
    with opened(settings) as s:
        click.echo(train_and_save(s, settings, parse_day(as_of), history_months=history_months, graph=not no_graph, fallback=False))


def train_and_save(s: Store, settings: Settings, day: date, *, history_months: int, graph: bool = True,
                    fallback: bool = True) -> str:
    """Train the selectivity model as of ``day`` and save it; return the summary to print.
    With ``fallback``, too few labels is reported as the fallback it means, not raised."""
    started = time.monotonic()
    try:
        model = declarations.train(s, day, history_months=history_months, graph=graph, snapshots=settings.snapshots_dir,
                                   copy=ColumnarCopy(settings.columnar_dir), progress=sys.stderr)
    except declarations.NotEnoughLabels as e:
        if not fallback:
            raise
        return f"selectivity model not trained: {e}; assessments use the graph and profile score"
    path = declarations.save(model, settings.models_dir)
    m = model.metrics
    return "\n".join((
        f"model {model.version}: trained on {model.since} to {model.until} in {time.monotonic() - started:.1f} s "
        f"({', '.join(f'{k} {v:.1f} s' for k, v in m['seconds'].items())})",
        f"  {m['declarations']:,} declarations, {m['labelled']:,} with an outcome ({m['positives']:,} found wrong, "
        f"{m['random_inspections']:,} random inspections); {len(model.features)} features"
        f"{'' if model.graph else ', no graph scores'}",
        f"  validation on the latest {m['valid']:,}: average precision {m['valid_average_precision']:.3f} "
        f"(base rate {m['valid_base_rate']:.3f}), ROC AUC {m['valid_auc']:.3f}, {m['best_iteration']} trees",
        f"stored in {path}",
    ))


def paired_model(settings: Settings, day: date) -> str:
    """Say which selectivity model assessments as of ``day`` will use."""
    path = declarations.newest_path(settings.models_dir, day)
    if path is None:
        return "declarations are assessed on the graph and profile score: no selectivity model trained up to this date (riskgraph train)"
    return f"declarations are assessed with selectivity model {path.name}"


@click.command()
@click.option("--as-of", "as_of", metavar="DATE", help="Use the newest model trained up to this date [default: today].")
@click.option("--top", type=click.IntRange(1, 100_000), default=30, show_default=True)
@click.option("--min-support", type=click.IntRange(1), default=20, show_default=True, help="Declarations in the model's last quarter.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_obj
def profiles(settings: Settings, as_of: str | None, top: int, min_support: int, fmt: str) -> None:
    """Risk profiles: the HS x origin x procedure lines with the highest learned risk."""
    model = newest_model(settings, as_of)
    rows = [r for r in model.profiles if r["declarations"] >= min_support][:top]
    if fmt == "table":
        click.echo(f"model {model.version} (trained on {model.since} to {model.until})")
    output.emit(rows, fmt, list(FIELDS), click.echo)


def _share_options(command):
    """The lanes' shares and random minimums of ``Policy`` as options."""
    defaults = Policy()
    for lane, what in (("blue", "post-clearance audit"), ("yellow", "document check"), ("red", "physical inspection")):
        command = click.option(f"--random-{lane}", type=click.FloatRange(0, 1), default=defaults.random(lane), show_default=True,
                               help=f"Part of the {lane} share drawn at random, whatever the risk (quality control).")(command)
        command = click.option(f"--{lane}-share", type=click.FloatRange(0, 1), default=defaults.share(lane), show_default=True,
                               help=f"Target share of {lane} ({what}): its capacity.")(command)
    return command


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@_share_options
@click.option("--thresholds", is_flag=True,
              help="Place each declaration on the score thresholds instead of filling the quotas of each batch of 2,000.")
@click.pass_obj
def assess(settings: Settings, file: Path, fmt: str, thresholds: bool, **shares: float) -> None:
    """Recommend a lane (green / blue / yellow / red) for declarations not yet cleared.

    Each batch of 2,000 declarations of FILE fills the lanes' quotas exactly, red first,
    then yellow, then blue, from the riskiest down (a last batch too small for every quota
    is placed on the thresholds)."""
    policy = Policy(**shares)
    with opened(settings) as s:
        assessor = Assessor(s, policy, settings.models_dir)
        click.echo(f"assess: {assessor.basis if assessor.model is None else 'selectivity model ' + assessor.model.version}", err=True)
        counts: Counter[tuple[str, bool]] = Counter()

        def assessed() -> Iterator[Assessment]:  # streamed: a file of declarations need not fit in memory
            for batch in read_declarations(file):
                for a in assessor.assess(batch, quotas=False if thresholds else None):
                    counts[a.channel, a.random] += 1
                    yield a

        output.emit_assessments(assessed(), fmt, click.echo)
        click.echo(f"assess: {output.lane_summary(counts)}", err=True)


@click.command("audit-plan")
@click.option("--period", required=True, metavar="PERIOD",
              help="Registration period: 2026-Q1, 2026-03, 2026 or 2026-01-01..2026-03-31.")
@click.option("--share", type=click.FloatRange(0, 1, min_open=True), default=audit_plan.DEFAULT_SHARE, show_default=True,
              help="Share of the period's green-lane declarations to audit: the unit's plan minimum.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE.csv",
              help="Also write the selected declarations, with their enterprises, as CSV (UTF-8 with BOM).")
@click.option("--top", type=click.IntRange(1), default=20, show_default=True, help="Declarations and enterprises shown in the table.")
@click.pass_obj
def audit_plan_command(settings: Settings, period: str, share: float, out: Path | None, top: int) -> None:
    """Post-clearance audit plan (kiểm tra sau thông quan): green-lane declarations and
    enterprises of a period to audit, ranked by risk and revenue at stake, with reasons."""
    since, until = dates.period(period)
    with opened(settings) as s:
        assessor = Assessor(s, Policy(), settings.models_dir)
        result = audit_plan.plan(s, assessor, since, until, share)
    if out is not None:
        out.write_bytes(output.csv_bytes(output.audit_rows(result), output.AUDIT_COLUMNS))
    for line in output.audit_text(result, top):
        click.echo(line)
    if out is not None:
        click.echo(f"{len(result.picks):,} declarations written to {out}")
