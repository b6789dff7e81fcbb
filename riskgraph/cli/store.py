"""The store commands: its health and contents, its digest, stopping it, the ingest runs."""

from __future__ import annotations

import json

import click

from riskgraph.cli.common import opened
from riskgraph.graph import Store, embedded
from riskgraph.graph.digest import graph_digest
from riskgraph.settings import Settings


@click.group()
def store() -> None:
    """Inspect or stop the graph store."""


@store.command("info")
@click.pass_obj
def store_info(settings: Settings) -> None:
    """Health, location and contents of the store."""
    with opened(settings) as s:
        info = s.info()
        click.echo(f"backend   {info.backend} {info.version}")
        click.echo(f"location  {info.location}")
        click.echo(f"graph     {info.graph}")
        click.echo(f"healthy   {info.healthy}")
        for key, value in info.details.items():
            click.echo(f"{key:<9} {value}")
        print_counts(s)


def print_counts(s: Store) -> None:
    nodes = sorted(s.query("count_nodes"), key=lambda r: str(r["label"]))
    rels = sorted(s.query("count_relationships"), key=lambda r: str(r["type"]))
    click.echo(f"nodes     {sum(r['count'] for r in nodes):,}")
    for r in nodes:
        click.echo(f"  {r['label']:<20}{r['count']:>12,}")
    click.echo(f"relationships {sum(r['count'] for r in rels):,}")
    for r in rels:
        click.echo(f"  {r['type']:<20}{r['count']:>12,}")


@store.command("stop")
@click.pass_obj
def store_stop(settings: Settings) -> None:
    """Stop the embedded server of the data directory, whoever started it."""
    stopped = embedded.stop(settings.store_dir.resolve()) if settings.store_dir.exists() else False
    click.echo("stopped the embedded store" if stopped else "no embedded store was running")


@store.command("schema")
@click.pass_obj
def store_schema(settings: Settings) -> None:
    """Create the model's indexes and constraints (every load does; run it after neo4j-admin's import)."""
    with opened(settings) as s:
        s.ensure_schema()
    click.echo("indexes and constraints are in place")


@store.command("digest")
@click.pass_obj
def store_digest(settings: Settings) -> None:
    """Print the canonical digest of the graph (equal graphs, equal digests)."""
    with opened(settings) as s:
        click.echo(graph_digest(s))


@click.command()
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.pass_obj
def runs(settings: Settings, limit: int) -> None:
    """List ingest runs, newest first: provenance of what is in the graph."""
    with opened(settings) as s:
        records = s.query("runs_list", {"limit": limit})
    for r in records:
        counts = json.loads(r["counts"]) if r["counts"] else {}
        loaded = sum(c["loaded"] for c in counts.values())
        rejected = sum(c["rejected"] for c in counts.values())
        click.echo(f"run {r['run_id']:>5}  {r['status']:<9} {r['started_at']}  {loaded:>10,} loaded {rejected:>7,} rejected  {r['feed']}")
