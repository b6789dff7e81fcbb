"""The ``riskgraph`` command group: global options, and every command family."""

from __future__ import annotations

import signal
from pathlib import Path

import click

from riskgraph import __version__
from riskgraph.cli import api, columnar, declarations, demo, entities, evaluation, ingest, profiles, queue, snapshots, store, tips
from riskgraph.cli.common import Group, exit_on_signal
from riskgraph.settings import load


@click.group(cls=Group)
@click.version_option(__version__, prog_name="riskgraph")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Data directory [env RISKGRAPH_DATA_DIR; default ./data].")
@click.option("--store", "store_kind", type=click.Choice(["falkordb", "neo4j"]),
              help="Graph store [env RISKGRAPH_STORE; default falkordb].")
@click.option("--query-timeout", type=click.IntRange(min=0), metavar="SECONDS",
              help="Stop any one store read at this many seconds; 0 for no limit [env RISKGRAPH_QUERY_TIMEOUT; default 0].")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, store_kind: str | None, query_timeout: int | None) -> None:
    """riskgraph: graph intelligence and link analysis for customs risk management."""
    signal.signal(signal.SIGTERM, exit_on_signal)
    ctx.obj = load(data_dir=data_dir, store=store_kind, query_timeout=query_timeout)


for command in (
    ingest.ingest, ingest.generate, store.store, store.runs,
    entities.analyze, entities.fit_ranker, entities.key_targets, entities.networks,
    declarations.assess, declarations.audit_plan_command, declarations.train, declarations.profiles, profiles.profile,
    evaluation.backtest, evaluation.compliance, demo.demo, api.serve, api.apikey, api.audit_log, tips.tips,
    queue.queue, snapshots.snapshots, columnar.columnar,
):
    main.add_command(command)
