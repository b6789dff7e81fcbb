"""Point-in-time snapshots of entity scores: list them, drop them."""

from __future__ import annotations

import click

from riskgraph.cli.common import parse_day
from riskgraph.entities import snapshots as kept
from riskgraph.settings import Settings


@click.group()
def snapshots() -> None:
    """Point-in-time snapshots of entity scores: training's cuts and each analysis as stored.

    A snapshot is what the store knew when it was computed: a late feed with older dates
    does not change a kept cut. Drop the cuts for the next `riskgraph train` to analyse
    them again."""


@snapshots.command("list")
@click.pass_obj
def snapshots_list(settings: Settings) -> None:
    """List the kept snapshots: as-of date, rows, size, what they are."""
    found = list(kept.listed(settings.snapshots_dir))
    for path, meta, rows in found:
        what = meta.get("error") or (f"as of {meta['as_of']}, {meta['history_months']} months, {meta['model_version']}, "
                                     f"{'training cut' if meta['source'] == 'cut' else 'analysis ' + meta['source']}")
        click.echo(f"{path.name:<56} {rows:>10,} rows {path.stat().st_size / 1e3:>9,.0f} kB  {what}")
    click.echo(f"{len(found)} snapshots in {settings.snapshots_dir}")


@snapshots.command("drop")
@click.option("--before", metavar="DATE", help="Only those as of a day before this date.")
@click.option("--cuts", "cuts_only", is_flag=True, help="Only training's cuts, not the analyses' snapshots.")
@click.pass_obj
def snapshots_drop(settings: Settings, before: str | None, cuts_only: bool) -> None:
    """Delete kept snapshots; the next train computes the cuts it needs again."""
    n = kept.drop(settings.snapshots_dir, before=parse_day(before) if before else None, cuts_only=cuts_only)
    click.echo(f"dropped {n} snapshots from {settings.snapshots_dir}")
