"""The demo: a generated world loaded, trained, analysed, shown and served."""

from __future__ import annotations

import sys
from datetime import date

import click

from riskgraph import entities
from riskgraph.api import auth
from riskgraph.api.access import ROLES
from riskgraph.cli import output
from riskgraph.cli.api import serve_api
from riskgraph.cli.common import opened
from riskgraph.cli.declarations import train_and_save
from riskgraph.cli.entities import analyze_and_save
from riskgraph.cli.store import print_counts
from riskgraph.ingest.columnar import ColumnarCopy
from riskgraph.ingest.pipeline import ingest as run_ingest
from riskgraph.ingest.pipeline import print_summary
from riskgraph.settings import Settings
from riskgraph.synthetic import generate as make_world


@click.command()
@click.option("--enterprises", type=click.IntRange(50, 10_000_000), default=5000, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--no-serve", is_flag=True, help="Build and load the demo world, then exit.")
@click.pass_obj
def demo(settings: Settings, enterprises: int, seed: int, no_serve: bool) -> None:
    """Generate the demo world, load it, analyse it and show the key targets and networks."""
    world = settings.data_dir / "demo-world"
    click.echo(f"generating a world of {enterprises:,} enterprises (seed {seed}) in {world} ...")
    summary = make_world(world, enterprises, seed)
    click.echo("  " + ", ".join(f"{n:,} {k}" for k, n in summary.counts.items()))
    with opened(settings) as s:
        report = run_ingest(s, world, settings.runs_dir, batch_size=settings.batch_size, progress=sys.stderr,
                            copy=ColumnarCopy(settings.columnar_dir))
        print_summary(report)
        print_counts(s)
        info = s.info()
        click.echo("\n" + train_and_save(s, settings, date.today(), history_months=36))
        click.echo("\n" + analyze_and_save(s, settings, date.today()))
        click.echo("\ntop 10 key targets (enterprises):")
        output.emit(entities.key_targets(s, "enterprise", 10), "table", ["rank", "entity", "name", "score", "band", "reason"], click.echo)
        click.echo("\ntop 5 suspicious networks:")
        for r in entities.networks(s, 5):
            click.echo(output.network_text(r, members=5))
        click.echo(f"\nthe graph lives in {settings.data_dir.resolve()} ({info.backend}, socket {info.location})")
        if no_serve:
            return
        for old in auth.listed(s):  # a new demo replaces the keys an earlier one printed
            if old["created_by"] == "demo" and not old["revoked_at"]:
                auth.revoke(s, old["key_id"])
        keys = {role: auth.create(s, role, f"demo-{role}", by="demo").key for role in ROLES}
        host, port = "127.0.0.1", 8000
        click.echo(f"\nworkbench: http://{host}:{port}/  (open it in a browser and paste the investigator key below)")
        click.echo(f"explorer:  http://{host}:{port}/graphql  (GraphQL by hand; it asks for a key too)")
        click.echo("demo API keys (shown once; revoke with `riskgraph apikey revoke KEY_ID`):")
        for role, key in keys.items():
            click.echo(f"  {role:<13} {key}")
        top = entities.key_targets(s, "enterprise", 2)
        first, second = (top + [{"entity": "enterprise:0000000000"}] * 2)[:2]
        click.echo("\nthree queries to try:")
        for example in examples(first["entity"].split(":", 1)[1], second["entity"].split(":", 1)[1]):
            click.echo(example)
        serve_api(s, settings, host, port)


def examples(first: str, second: str) -> list[str]:
    return [
        "  # officer: the key-target list\n"
        "  { keyTargets(kind: ENTERPRISE, first: 5) { totalCount edges { node { id name "
        "risk { score band reasons { factor detail } } } } } }",
        "  # clearance: risk of a trader, in milliseconds\n"
        f'  {{ entityRisk(refs: [{{kind: ENTERPRISE, id: "{first}"}}]) '
        "{ id known risk { score band reasons { factor contribution } } } }",
        "  # investigator: the dossier, and how two key targets are connected\n"
        f'  {{ dossier(kind: ENTERPRISE, id: "{first}") {{ entity {{ name }} roles {{ role otherName since }} '
        "identifiers { kind value holderCount } violations { kind decidedOn } intel { grade summary } }\n"
        f'    connection(from: {{kind: ENTERPRISE, id: "{first}"}}, to: {{kind: ENTERPRISE, id: "{second}"}}, maxHops: 4) '
        "{ found paths { length nodes { label key name } edges { type facts } } } }",
    ]
