"""Entity risk: analyse, key-target lists, suspicious networks."""

from __future__ import annotations

import json
import time
from datetime import date

import click

from riskgraph import entities
from riskgraph.cli import output
from riskgraph.cli.common import opened, parse_day
from riskgraph.cli.declarations import paired_model
from riskgraph.entities import snapshots
from riskgraph.graph import Store
from riskgraph.model import ENTITY_KINDS
from riskgraph.settings import Settings

RANKERS = ("auto", "fit", "priors")


@click.command()
@click.option("--as-of", "as_of", metavar="DATE", help="Use only what was known on this date [default: today].")
@click.option("--history-months", type=click.IntRange(1, 240), default=36, show_default=True,
              help="Declarations window before the as-of date.")
@click.option("--ranker", type=click.Choice(RANKERS), default="auto", show_default=True,
              help="auto: the ranker `fit-ranker` saved for this date, else fit one now; fit: fit one now; "
                   "priors: the documented hand-set weights.")
@click.pass_obj
def analyze(settings: Settings, as_of: str | None, history_months: int, ranker: str) -> None:
    """Score every enterprise, person, agent and vehicle, find suspicious networks, store the result."""
    with opened(settings) as s:
        click.echo(analyze_and_save(s, settings, parse_day(as_of), history_months, ranker))


@click.command("fit-ranker")
@click.option("--as-of", "as_of", metavar="DATE", help="Learn from what was known on this date [default: today].")
@click.option("--history-months", type=click.IntRange(1, 240), default=36, show_default=True,
              help="Declarations window before each cut.")
@click.pass_obj
def fit_ranker(settings: Settings, as_of: str | None, history_months: int) -> None:
    """Learn the entity ranker from the store's own history and save it for `analyze`."""
    day = parse_day(as_of)
    started = time.monotonic()
    with opened(settings) as s:
        fitted = entities.fit_ranker(s, day, history_months=history_months, progress=click.echo)
    path = entities.save_ranker(fitted, settings.models_dir, day)
    click.echo(f"ranker as of {day}: {fitted.kind} ({fitted.summary.get('why', '')}) in {time.monotonic() - started:.1f} s; "
               f"saved to {path}")


def analyze_and_save(s: Store, settings: Settings, day: date, history_months: int = 36, ranker: str = "auto") -> str:
    """Analyse as of ``day`` with the ``ranker`` asked for (see RANKERS), make the result
    current; return the summary to print."""
    s.ensure_schema()
    started = time.monotonic()
    chosen = entities.PRIORS if ranker == "priors" else entities.newest_ranker(settings.models_dir, day) if ranker == "auto" else None
    result = entities.analyze(s, day, history_months=history_months, ranker=chosen)
    t = time.monotonic()
    analysis_id = entities.save(s, result)
    kept = snapshots.keep_stored(settings.snapshots_dir, result, analysis_id, history_months=history_months)
    result.timings["write"] = time.monotonic() - t
    return "\n".join((output.summary(result, analysis_id, time.monotonic() - started),
                      f"the scores as stored are kept in {kept} ({kept.stat().st_size / 1e3:,.0f} kB)", paired_model(settings, day)))


@click.command("key-targets")
@click.option("--kind", type=click.Choice(ENTITY_KINDS), default="enterprise", show_default=True)
@click.option("--top", type=click.IntRange(1, 1_000_000), default=20, show_default=True)
@click.option("--all", "everything", is_flag=True, help="Every scored entity of the kind (id, score, band), for other systems.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_obj
def key_targets(settings: Settings, kind: str, top: int, everything: bool, fmt: str) -> None:
    """The key-target list (danh sách trọng điểm): the riskiest entities of a kind, with why."""
    with opened(settings) as s:
        rows = entities.key_targets(s, kind, None if everything else top)
    output.emit(rows, fmt, ["entity", "score", "band"] if everything else ["rank", "entity", "name", "score", "band", "reason"], click.echo)


@click.command()
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="csv: one row per member, the network's fields repeated.")
@click.pass_obj
def networks(settings: Settings, top: int, fmt: str) -> None:
    """Suspicious networks: groups ranked by aggregated risk, with members and what holds them together."""
    with opened(settings) as s:
        rows = entities.networks(s, top)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        output.emit(output.network_members(rows), fmt, output.NETWORK_COLUMNS, click.echo)
    else:
        for r in rows:
            click.echo(output.network_text(r))
