"""The columnar copy of declaration attributes: check it against the graph, rebuild it."""

from __future__ import annotations

import time

import click

from riskgraph.cli.common import opened
from riskgraph.ingest.columnar import ColumnarCopy, graph_months
from riskgraph.settings import Settings


@click.group()
def columnar() -> None:
    """The columnar copy of declaration attributes that training and backtests read.

    The graph is the record: the copy is checked against it month by month before it is
    read, and a month that differs is read from the graph again. These commands do it
    for every month at once."""


@columnar.command("check")
@click.option("--full", is_flag=True, help="Also compare a checksum of every row (reads the whole graph).")
@click.pass_obj
def columnar_check(settings: Settings, full: bool) -> None:
    """Compare the copy with the graph month by month; exit 1 if any month differs."""
    copy = ColumnarCopy(settings.columnar_dir)
    with opened(settings) as store:
        checks = copy.check(store, full=full)
    stale = [c for c in checks if not c.fresh]
    for c in stale:
        click.echo(f"{c.month}: copy {c.copy[0]:,} declarations, graph {c.graph[0]:,}"
                   f"{'' if c.copy[0] != c.graph[0] else ' (same count, other contents)'}")
    click.echo(f"{len(checks) - len(stale)} of {len(checks)} months fresh in {settings.columnar_dir}"
               + ("; rebuild the others: riskgraph columnar rebuild --stale" if stale else ""))
    if stale:
        raise SystemExit(1)


@columnar.command("rebuild")
@click.option("--stale", "stale_only", is_flag=True, help="Only the months that differ from the graph.")
@click.pass_obj
def columnar_rebuild(settings: Settings, stale_only: bool) -> None:
    """Rebuild the copy from the graph (every month, or only the stale ones)."""
    copy = ColumnarCopy(settings.columnar_dir)
    started = time.monotonic()
    with opened(settings) as store:
        if stale_only:
            wanted = {c.month for c in copy.check(store) if not c.fresh}
        else:  # with the months the graph no longer holds: they are emptied
            wanted = {*graph_months(store), *copy.stored_months()}
        rows = sum(copy.repair(store, month).num_rows for month in sorted(wanted))
    click.echo(f"rebuilt {len(wanted)} month{'' if len(wanted) == 1 else 's'} ({rows:,} declarations) of {settings.columnar_dir} "
               f"in {time.monotonic() - started:.1f} s")
