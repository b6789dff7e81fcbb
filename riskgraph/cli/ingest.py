"""Loading feeds, and writing synthetic ones."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from riskgraph.cli.common import opened
from riskgraph.graph.neo4j_import import ImportFiles
from riskgraph.ingest.columnar import ColumnarCopy
from riskgraph.ingest.pipeline import bulk_ingest, print_summary
from riskgraph.ingest.pipeline import ingest as run_ingest
from riskgraph.ingest.reader import ENCODINGS
from riskgraph.settings import Settings
from riskgraph.synthetic import generate as make_world


@click.command()
@click.argument("feed_dir", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Fail on any rejected row and write nothing.")
@click.option("--force", is_flag=True, help="Load again a feed that was loaded before (same checksum).")
@click.option("--merge", is_flag=True,
              help="Load a feed that names almost none of the graph's enterprises (another world, a new province, only "
                   "new registrations) into a graph that holds others; refused otherwise.")
@click.option("--bulk", is_flag=True,
              help="First load into an empty graph through the store's bulk path (FalkorDB GRAPH.BULK; for Neo4j, the "
                   "files and command of neo4j-admin database import): the same graph, several times faster.")
@click.option("--workers", type=click.IntRange(0, 64), default=0, show_default=True,
              help="Processes that validate the rows while this one reads and writes (0: this one validates). "
                   "A UTF-8 declarations.csv is checked by column, in these processes if any (else in a thread).")
@click.option("--batch-size", type=click.IntRange(1, 100_000), help="Rows per write query [env RISKGRAPH_BATCH_SIZE].")
@click.option("--encoding", type=click.Choice(ENCODINGS), default="utf-8", show_default=True,
              help="Read the files as this: cp1258 is the Windows-1258 that Vietnamese systems still export.")
@click.pass_obj
def ingest(settings: Settings, feed_dir: Path, strict: bool, force: bool, merge: bool, bulk: bool, workers: int,
           batch_size: int | None, encoding: str) -> None:
    """Load a feed directory in the ingest contract format (KIND.csv or KIND.jsonl)."""
    if bulk:
        if force or merge:
            raise click.UsageError("--bulk loads into an empty graph: --force and --merge do not apply")
        options = {"batch_size": batch_size or settings.batch_size, "strict": strict, "progress": sys.stderr, "encoding": encoding,
                   "workers": workers, "copy": ColumnarCopy(settings.columnar_dir)}
        if settings.store == "neo4j":  # an offline import: no server to reach
            print_summary(bulk_ingest(ImportFiles(settings.runs_dir / "neo4j-import"), feed_dir, settings.runs_dir, **options))
            return
        with opened(settings) as store:
            report = bulk_ingest(store.bulk(), feed_dir, settings.runs_dir, **options)
        print_summary(report)
        return
    with opened(settings) as store:
        report = run_ingest(
            store,
            feed_dir,
            settings.runs_dir,
            batch_size=batch_size or settings.batch_size,
            strict=strict,
            force=force,
            merge=merge,
            progress=sys.stderr,
            encoding=encoding,
            workers=workers,
            copy=ColumnarCopy(settings.columnar_dir),
        )
    print_summary(report)


@click.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--enterprises", type=click.IntRange(50, 10_000_000), default=2000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
def generate(out_dir: Path, enterprises: int, seed: int) -> None:
    """Write a deterministic synthetic customs world, with planted schemes and ground truth."""
    summary = make_world(out_dir, enterprises, seed)
    counts = ", ".join(f"{n:,} {k}" for k, n in summary.counts.items())
    click.echo(f"wrote {counts} to {out_dir} (seed {seed}; ground truth cut-off {summary.cutoff})")
