"""The ``riskgraph`` command."""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click

from riskgraph import __version__
from riskgraph.api.access import ROLES
from riskgraph.errors import ConfigError, RiskgraphError
from riskgraph.graph import Store, open_store
from riskgraph.settings import Settings, load


def _exit_on_signal(signum: int, _frame: object) -> None:
    # SystemExit unwinds through `finally`, so the store is closed and the server shut down.
    raise SystemExit(128 + signum)


@contextmanager
def _store(settings: Settings) -> Iterator[Store]:
    store = open_store(settings)
    try:
        yield store
    finally:
        store.close()


class _Group(click.Group):
    """Turns riskgraph's own errors into one readable line and exit code 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except RiskgraphError as e:
            click.echo(f"riskgraph: {e}", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="riskgraph")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Data directory [env RISKGRAPH_DATA_DIR; default ./data].")
@click.option("--store", "store_kind", type=click.Choice(["falkordb", "neo4j"]), help="Graph store [env RISKGRAPH_STORE; default falkordb].")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, store_kind: str | None) -> None:
    """riskgraph: graph intelligence and link analysis for customs risk management."""
    signal.signal(signal.SIGTERM, _exit_on_signal)
    ctx.obj = load(data_dir=data_dir, store=store_kind)


@main.command()
@click.argument("feed_dir", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Fail on any rejected row and write nothing.")
@click.option("--force", is_flag=True, help="Load again a feed that was loaded before (same checksum).")
@click.option("--batch-size", type=click.IntRange(1, 100_000), help="Rows per write query [env RISKGRAPH_BATCH_SIZE].")
@click.pass_obj
def ingest(settings: Settings, feed_dir: Path, strict: bool, force: bool, batch_size: int | None) -> None:
    """Load a feed directory in the ingest contract format (KIND.csv or KIND.jsonl)."""
    from riskgraph.ingest.pipeline import ingest as run_ingest
    from riskgraph.ingest.pipeline import print_summary

    with _store(settings) as store:
        report = run_ingest(
            store,
            feed_dir,
            settings.runs_dir,
            batch_size=batch_size or settings.batch_size,
            strict=strict,
            force=force,
            progress=sys.stderr,
        )
    print_summary(report)


@main.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--enterprises", type=click.IntRange(50, 10_000_000), default=2000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
def generate(out_dir: Path, enterprises: int, seed: int) -> None:
    """Write a deterministic synthetic customs world, with planted schemes and ground truth."""
    from riskgraph.fixtures import generate as make_world

    summary = make_world(out_dir, enterprises, seed)
    counts = ", ".join(f"{n:,} {k}" for k, n in summary.counts.items())
    click.echo(f"wrote {counts} to {out_dir} (seed {seed}; ground truth cut-off {summary.cutoff})")


@main.group()
def store() -> None:
    """Inspect or stop the graph store."""


@store.command("info")
@click.pass_obj
def store_info(settings: Settings) -> None:
    """Health, location and contents of the store."""
    with _store(settings) as s:
        info = s.info()
        click.echo(f"backend   {info.backend} {info.version}")
        click.echo(f"location  {info.location}")
        click.echo(f"graph     {info.graph}")
        click.echo(f"healthy   {info.healthy}")
        for key, value in info.details.items():
            click.echo(f"{key:<9} {value}")
        _print_counts(s)


def _print_counts(s: Store) -> None:
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
    from riskgraph.graph import embedded

    stopped = embedded.stop(settings.store_dir.resolve()) if settings.store_dir.exists() else False
    click.echo("stopped the embedded store" if stopped else "no embedded store was running")


@store.command("digest")
@click.pass_obj
def store_digest(settings: Settings) -> None:
    """Print the canonical digest of the graph (equal graphs, equal digests)."""
    from riskgraph.graph.digest import graph_digest

    with _store(settings) as s:
        click.echo(graph_digest(s))


@main.command()
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.pass_obj
def runs(settings: Settings, limit: int) -> None:
    """List ingest runs, newest first: provenance of what is in the graph."""
    with _store(settings) as s:
        records = s.query("runs_list", {"limit": limit})
    for r in records:
        counts = json.loads(r["counts"]) if r["counts"] else {}
        loaded = sum(c["loaded"] for c in counts.values())
        rejected = sum(c["rejected"] for c in counts.values())
        click.echo(f"run {r['run_id']:>5}  {r['status']:<9} {r['started_at']}  {loaded:>10,} loaded {rejected:>7,} rejected  {r['feed']}")


def _as_of(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@main.command()
@click.option("--as-of", "as_of", metavar="DATE", help="Use only what was known on this date [default: today].")
@click.option("--history-months", type=click.IntRange(1, 240), default=36, show_default=True, help="Declarations window before the as-of date.")
@click.pass_obj
def analyze(settings: Settings, as_of: str | None, history_months: int) -> None:
    """Score every enterprise, person, agent and vehicle, find suspicious networks, store the result."""
    with _store(settings) as s:
        click.echo(_analyze_and_save(s, settings, _as_of(as_of), history_months))


def _analyze_and_save(s: Store, settings: Settings, day: date, history_months: int = 36) -> str:
    """Analyse as of ``day``, make the result current; return the summary to print."""
    from riskgraph import outputs
    from riskgraph.algorithms.analysis import analyze as run
    from riskgraph.algorithms.results import save

    s.ensure_schema()
    started = time.monotonic()
    result = run(s, day, history_months=history_months)
    t = time.monotonic()
    analysis_id = save(s, result)
    result.timings["write"] = time.monotonic() - t
    return outputs.summary(result, analysis_id, time.monotonic() - started) + "\n" + _paired_model(settings, day)


def _paired_model(settings: Settings, day: date) -> str:
    """Say which selectivity model assessments as of ``day`` will use."""
    from riskgraph.algorithms import selectivity

    path = selectivity.newest_path(settings.models_dir, day)
    if path is None:
        return "declarations are assessed on the graph and profile score: no selectivity model trained up to this date (riskgraph train)"
    return f"declarations are assessed with selectivity model {path.name}"


@main.command("key-targets")
@click.option("--kind", type=click.Choice(["enterprise", "person", "agent", "vehicle"]), default="enterprise", show_default=True)
@click.option("--top", type=click.IntRange(1, 1_000_000), default=20, show_default=True)
@click.option("--all", "everything", is_flag=True, help="Every scored entity of the kind (id, score, band), for other systems.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_obj
def key_targets(settings: Settings, kind: str, top: int, everything: bool, fmt: str) -> None:
    """The key-target list (danh sách trọng điểm): the riskiest entities of a kind, with why."""
    from riskgraph import outputs

    with _store(settings) as s:
        rows = outputs.key_targets(s, kind, None if everything else top)
    outputs.emit(rows, fmt, ["entity", "score", "band"] if everything else ["rank", "entity", "name", "score", "band", "reason"], click.echo)


@main.command()
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def networks(settings: Settings, top: int, fmt: str) -> None:
    """Suspicious networks: groups ranked by aggregated risk, with members and what holds them together."""
    from riskgraph import outputs

    with _store(settings) as s:
        rows = outputs.networks(s, top)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for r in rows:
            click.echo(outputs.network_text(r))


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--red-share", type=click.FloatRange(0, 1), default=0.05, show_default=True, help="Target share of red (physical inspection).")
@click.option("--yellow-share", type=click.FloatRange(0, 1), default=0.15, show_default=True, help="Target share of yellow (document check).")
@click.option("--random-rate", type=click.FloatRange(0, 1), default=0.02, show_default=True, help="Share of green sent to yellow at random.")
@click.pass_obj
def assess(settings: Settings, file: Path, fmt: str, red_share: float, yellow_share: float, random_rate: float) -> None:
    """Recommend a channel (green / yellow / red) for declarations not yet cleared."""
    from riskgraph import outputs
    from riskgraph.algorithms.assess import Assessor, Policy, read

    try:
        policy = Policy(red_share, yellow_share, random_rate)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None
    with _store(settings) as s:
        assessor = Assessor(s, policy, settings.models_dir)
        click.echo(f"assess: {assessor.basis if assessor.model is None else 'selectivity model ' + assessor.model.version}", err=True)
        outputs.emit_assessments((a for batch in read(file) for a in assessor.assess(batch)), fmt, click.echo)


@main.command()
@click.option("--as-of", "as_of", metavar="DATE", help="Learn from what was known on this date [default: today].")
@click.option("--history-months", type=click.IntRange(3, 240), default=24, show_default=True, help="Training window before the as-of date.")
@click.option("--no-graph", is_flag=True, help="Leave the graph scores out of the features.")
@click.pass_obj
def train(settings: Settings, as_of: str | None, history_months: int, no_graph: bool) -> None:
    """Train the declaration selectivity model on inspection outcomes and store it."""
    with _store(settings) as s:
        click.echo(_train_and_save(s, settings, _as_of(as_of), history_months=history_months, graph=not no_graph, fallback=False))


def _train_and_save(s: Store, settings: Settings, day: date, *, history_months: int, graph: bool = True,
                    fallback: bool = True) -> str:
    """Train the selectivity model as of ``day`` and save it; return the summary to print.
    With ``fallback``, too few labels is reported as the fallback it means, not raised."""
    from riskgraph.algorithms import selectivity

    started = time.monotonic()
    try:
        model = selectivity.train(s, day, history_months=history_months, graph=graph, progress=sys.stderr)
    except selectivity.NotEnoughLabels as e:
        if not fallback:
            raise
        return f"selectivity model not trained: {e}; assessments use the graph and profile score"
    path = selectivity.save(model, settings.models_dir)
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


@main.command()
@click.option("--as-of", "as_of", metavar="DATE", help="Use the newest model trained up to this date [default: today].")
@click.option("--top", type=click.IntRange(1, 100_000), default=30, show_default=True)
@click.option("--min-support", type=click.IntRange(1), default=20, show_default=True, help="Declarations in the model's last quarter.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_obj
def profiles(settings: Settings, as_of: str | None, top: int, min_support: int, fmt: str) -> None:
    """Risk profiles: the HS x origin x procedure lines with the highest learned risk."""
    from riskgraph import outputs
    from riskgraph.algorithms import selectivity
    from riskgraph.algorithms.profiles import FIELDS

    day = _as_of(as_of)
    model = selectivity.newest(settings.models_dir, day)
    if model is None:
        raise ConfigError(f"no selectivity model trained up to {day} in {settings.models_dir}: run `riskgraph train` first")
    rows = [r for r in model.profiles if r["declarations"] >= min_support][:top]
    if fmt == "table":
        click.echo(f"model {model.version} (trained on {model.since} to {model.until})")
    outputs.emit(rows, fmt, list(FIELDS), click.echo)


@main.command()
@click.option("--as-of", "as_of", metavar="DATE", required=True, help="Score as of this date.")
@click.option("--horizon", default=None, help="Months after the as-of date, e.g. 12m [default: 12m; 6m with --declarations].")
@click.option("--declarations", "declarations", is_flag=True, help="Grade declaration selectivity (the learned model) instead of entity risk.")
@click.option("--history-months", type=click.IntRange(3, 240), default=24, show_default=True, help="With --declarations: training window.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Report directory [default: DATA_DIR/backtests/DATE].")
@click.option("--truth", type=click.Path(path_type=Path, exists=True), help="ground_truth.json of a generated world: recall per scheme.")
@click.option("--baselines", "baselines_path", type=click.Path(path_type=Path), default=Path("bench/baselines.py"), show_default=True,
              help="Python file whose BASELINES are graded beside the model (skipped if absent).")
@click.pass_obj
def backtest(settings: Settings, as_of: str, horizon: str | None, declarations: bool, history_months: int,
             out_dir: Path | None, truth: Path | None, baselines_path: Path) -> None:
    """Score as of a date, grade the ranking on what was found after it, write a report.

    Entity risk is graded on the violations decided after the date; with --declarations
    the selectivity model is trained as of the date and graded on the inspected
    declarations registered after it, beside three baselines."""
    from riskgraph.algorithms import backtest as bt

    horizon = horizon or ("6m" if declarations else "12m")
    if not horizon.endswith("m") or not horizon[:-1].isdigit() or int(horizon[:-1]) < 1:
        raise click.BadParameter(f"{horizon!r}: give the horizon in months, e.g. 12m")
    day = _as_of(as_of)
    out = out_dir or settings.data_dir / "backtests" / (f"declarations-{day.isoformat()}" if declarations else day.isoformat())
    if declarations:
        from riskgraph.algorithms import declaration_backtest as dbt

        with _store(settings) as s:
            report, scores, positive = dbt.run(s, day, int(horizon[:-1]), history_months=history_months, progress=sys.stderr)
        files = dbt.write(report, scores, positive, out)
        click.echo(dbt.markdown(report))
        click.echo("report: " + ", ".join(str(f) for f in files))
        return
    baselines = bt.load_baselines(baselines_path) if baselines_path.exists() else {}
    ground_truth = json.loads(truth.read_text(encoding="utf-8")) if truth else None
    with _store(settings) as s:
        s.ensure_schema()
        result, _, graded = bt.run(s, day, int(horizon[:-1]), baselines=baselines, truth=ground_truth)
    path = bt.write(result, graded, out)
    click.echo(bt.markdown(result))
    click.echo(f"report: {path}")


@main.command()
@click.option("--enterprises", type=click.IntRange(50, 10_000_000), default=5000, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--no-serve", is_flag=True, help="Build and load the demo world, then exit.")
@click.pass_obj
def demo(settings: Settings, enterprises: int, seed: int, no_serve: bool) -> None:
    """Generate the demo world, load it, analyse it and show the key targets and networks."""
    from riskgraph import outputs
    from riskgraph.fixtures import generate as make_world
    from riskgraph.ingest.pipeline import ingest as run_ingest
    from riskgraph.ingest.pipeline import print_summary

    world = settings.data_dir / "demo-world"
    click.echo(f"generating a world of {enterprises:,} enterprises (seed {seed}) in {world} ...")
    summary = make_world(world, enterprises, seed)
    click.echo("  " + ", ".join(f"{n:,} {k}" for k, n in summary.counts.items()))
    with _store(settings) as s:
        report = run_ingest(s, world, settings.runs_dir, batch_size=settings.batch_size, progress=sys.stderr)
        print_summary(report)
        _print_counts(s)
        info = s.info()
        click.echo("\n" + _train_and_save(s, settings, date.today(), history_months=36))
        click.echo("\n" + _analyze_and_save(s, settings, date.today()))
        click.echo("\ntop 10 key targets (enterprises):")
        outputs.emit(outputs.key_targets(s, "enterprise", 10), "table", ["rank", "entity", "name", "score", "band", "reason"], click.echo)
        click.echo("\ntop 5 suspicious networks:")
        for r in outputs.networks(s, 5):
            click.echo(outputs.network_text(r, members=5))
        click.echo(f"\nthe graph lives in {settings.data_dir.resolve()} ({info.backend}, socket {info.location})")
        if no_serve:
            return
        from riskgraph.api import auth

        for old in auth.listed(s):  # a new demo replaces the keys an earlier one printed
            if old["created_by"] == "demo" and not old["revoked_at"]:
                auth.revoke(s, old["key_id"])
        keys = {role: auth.create(s, role, f"demo-{role}", by="demo").key for role in ROLES}
        host, port = "127.0.0.1", 8000
        click.echo(f"\nexplorer: http://{host}:{port}/graphql  (paste a key into its Headers tab as "
                   '{"Authorization": "Bearer KEY"})')
        click.echo("demo API keys (shown once; revoke with `riskgraph apikey revoke KEY_ID`):")
        for role, key in keys.items():
            click.echo(f"  {role:<13} {key}")
        top = outputs.key_targets(s, "enterprise", 2)
        first, second = (top + [{"entity": "enterprise:0000000000"}] * 2)[:2]
        click.echo("\nthree queries to try:")
        for example in _examples(first["entity"].split(":", 1)[1], second["entity"].split(":", 1)[1]):
            click.echo(example)
        _serve(s, settings, host, port)


def _examples(first: str, second: str) -> list[str]:
    return [
        "  # officer: the key-target list\n"
        "  { keyTargets(kind: ENTERPRISE, first: 5) { totalCount edges { node { id name risk { score band reasons { factor detail } } } } } }",
        "  # clearance: risk of a trader, in milliseconds\n"
        f'  {{ entityRisk(refs: [{{kind: ENTERPRISE, id: "{first}"}}]) {{ id known risk {{ score band reasons {{ factor contribution }} }} }} }}',
        "  # investigator: the dossier, and how two key targets are connected\n"
        f'  {{ dossier(kind: ENTERPRISE, id: "{first}") {{ entity {{ name }} roles {{ role otherName since }} '
        "identifiers { kind value holderCount } violations { kind decidedOn } intel { grade summary } }\n"
        f'    connection(from: {{kind: ENTERPRISE, id: "{first}"}}, to: {{kind: ENTERPRISE, id: "{second}"}}, maxHops: 4) '
        "{ found paths { length nodes { label key name } edges { type facts } } } }",
    ]


def _serve(s: Store, settings: Settings, host: str, port: int, workers: int = 1) -> None:
    import os

    import uvicorn

    from riskgraph.api.app import create_app

    click.echo(f"\nserving on http://{host}:{port}/graphql with {workers} worker process{'es' if workers > 1 else ''} (Ctrl-C stops)")
    options = {"host": host, "port": port, "log_level": "warning", "access_log": False}
    if workers == 1:
        uvicorn.run(create_app(s, timeout=float(settings.api_timeout), models_dir=settings.models_dir), **options)
        return
    # Each worker opens the store itself from the environment; this process stays attached,
    # so the embedded server outlives a worker's restart.
    os.environ.update(RISKGRAPH_DATA_DIR=str(settings.data_dir.resolve()), RISKGRAPH_STORE=settings.store)
    uvicorn.run("riskgraph.api.app:from_environment", factory=True, workers=workers, **options)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes: one per core the API may use beside the store.")
@click.pass_obj
def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve the GraphQL API and its explorer (GET /graphql) and /healthz."""
    with _store(settings) as s:
        _serve(s, settings, host, port, workers)


@main.group()
def apikey() -> None:
    """Create, list and revoke API keys (roles: clearance, officer, investigator, admin)."""


@apikey.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", required=True, help="Who or what holds the key, e.g. 'vnaccs-hcm' or 'officer nguyen.van.a'.")
@click.pass_obj
def apikey_create(settings: Settings, role: str, name: str) -> None:
    """Create a key and print it: it is shown this once and stored only as a hash."""
    from riskgraph.api import auth

    with _store(settings) as s:
        issued = auth.create(s, role, name)
    click.echo(issued.key)
    click.echo(f"key {issued.key_id} for {issued.name} ({issued.role}); keep it secret, it is not shown again", err=True)


@apikey.command("list")
@click.pass_obj
def apikey_list(settings: Settings) -> None:
    """List keys: id, role, name, created, revoked (never the key)."""
    from riskgraph import outputs
    from riskgraph.api import auth

    with _store(settings) as s:
        rows = auth.listed(s)
    outputs.emit(rows, "table", ["key_id", "role", "name", "created_at", "created_by", "revoked_at"], click.echo)


@apikey.command("revoke")
@click.argument("key_id")
@click.pass_obj
def apikey_revoke(settings: Settings, key_id: str) -> None:
    """Revoke a key by id; servers refuse it within seconds."""
    from riskgraph.api import auth

    with _store(settings) as s:
        found = auth.revoke(s, key_id)
    if found is None:
        raise ConfigError(f"no API key with id {key_id!r}: see `riskgraph apikey list`")
    click.echo(f"key {key_id} revoked at {found['revoked_at']}")


@main.command("audit")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--key-name", help="Only calls by this key name.")
@click.option("--operation", help="Only this operation, e.g. dossier, connection, submitIntel, denied.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_obj
def audit_log(settings: Settings, limit: int, key_name: str | None, operation: str | None, fmt: str) -> None:
    """The API audit log, newest first: who read which dossier, intel or path, and every change."""
    from riskgraph import outputs
    from riskgraph.api import audit

    with _store(settings) as s:
        rows = audit.entries(s, limit=limit, key_name=key_name, operation=operation)
    outputs.emit(rows, fmt, ["at", "key_name", "role", "operation", "arguments", "result_size", "outcome"], click.echo)


if __name__ == "__main__":  # pragma: no cover
    main()
