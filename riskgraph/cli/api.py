"""Serving the API, its keys and its audit log."""

from __future__ import annotations

import math
import os

import click

from riskgraph.api import audit, auth
from riskgraph.api.access import ROLES
from riskgraph.cli import output
from riskgraph.cli.common import opened
from riskgraph.errors import ConfigError
from riskgraph.graph import Store
from riskgraph.settings import Settings, environment


def serve_api(s: Store, settings: Settings, host: str, port: int, workers: int = 1, separate: bool = True) -> None:
    """Serve the API on ``host:port`` until stopped, in ``workers`` processes, investigators'
    requests in a worker process of their own unless ``separate`` is False."""
    import uvicorn  # heavy, and needed by this command alone

    from riskgraph.api import investigation
    from riskgraph.api.app import create_app

    worker = investigation.Worker(settings) if separate else None
    if worker is not None:
        worker.start()
    processes = f"{workers} worker process{'es' if workers > 1 else ''}" + (", investigators apart" if worker else "")
    click.echo(f"\nserving on http://{host}:{port}/graphql with {processes} (Ctrl-C stops)")
    # On Ctrl-C a request in progress has its time limit to finish; an alert stream never
    # finishes, and is cut then rather than hold the shutdown for ever.
    options = {"host": host, "port": port, "log_level": "warning", "access_log": False,
               "timeout_graceful_shutdown": math.ceil(float(settings.api_timeout))}
    socket = str(worker.socket) if worker else None
    try:
        if workers == 1:
            uvicorn.run(create_app(s, timeout=float(settings.api_timeout), models_dir=settings.models_dir,
                                   investigation_socket=socket, columnar_dir=settings.columnar_dir), **options)
            return
        # Each worker opens the store itself from the environment; this process stays attached,
        # so the embedded server outlives a worker's restart.
        os.environ.update(environment(settings))
        if socket:
            os.environ[investigation.SOCKET] = socket
        uvicorn.run("riskgraph.api.app:from_environment", factory=True, workers=workers, **options)
    finally:
        if worker is not None:
            worker.stop()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes: one per core the API may use beside the store.")
@click.option("--investigators-apart/--investigators-in-process", default=True, show_default=True,
              help="Run investigators' requests (dossiers, paths, link charts, lists) in a process of their own at lower "
                   "priority, so that clearance answers never wait behind them.")
@click.pass_obj
def serve(settings: Settings, host: str, port: int, workers: int, investigators_apart: bool) -> None:
    """Serve the workbench (/), the GraphQL API and its explorer (/graphql) and /healthz."""
    with opened(settings) as s:
        serve_api(s, settings, host, port, workers, investigators_apart)


@click.group()
def apikey() -> None:
    """Create, list and revoke API keys (roles: clearance, officer, investigator, admin)."""


@apikey.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", required=True, help="Who or what holds the key, e.g. 'vnaccs-hcm' or 'officer nguyen.van.a'.")
@click.option("--unit", help="The unit (đơn vị) the holder works for, e.g. 'QLRR-HCM': tips are counted per unit [default: unassigned].")
@click.pass_obj
def apikey_create(settings: Settings, role: str, name: str, unit: str | None) -> None:
    """Create a key and print it: it is shown this once and stored only as a hash."""
    with opened(settings) as s:
        issued = auth.create(s, role, name, unit=unit)
    click.echo(issued.key)
    click.echo(f"key {issued.key_id} for {issued.name} ({issued.role}, unit {issued.unit}); keep it secret, it is not shown again",
               err=True)


@apikey.command("list")
@click.pass_obj
def apikey_list(settings: Settings) -> None:
    """List keys: id, role, name, unit, created, revoked (never the key)."""
    with opened(settings) as s:
        rows = auth.listed(s)
    output.emit(rows, "table", ["key_id", "role", "name", "unit", "created_at", "created_by", "revoked_at"], click.echo)


@apikey.command("revoke")
@click.argument("key_id")
@click.pass_obj
def apikey_revoke(settings: Settings, key_id: str) -> None:
    """Revoke a key by id; servers refuse it within seconds."""
    with opened(settings) as s:
        found = auth.revoke(s, key_id)
    if found is None:
        raise ConfigError(f"no API key with id {key_id!r}: see `riskgraph apikey list`")
    click.echo(f"key {key_id} revoked at {found['revoked_at']}")


@click.command("audit")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--key-name", help="Only calls by this key name.")
@click.option("--operation", help="Only this operation, e.g. dossier, connection, submitIntel, denied.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_obj
def audit_log(settings: Settings, limit: int, key_name: str | None, operation: str | None, fmt: str) -> None:
    """The API audit log, newest first: who read which dossier, intel or path, and every change."""
    with opened(settings) as s:
        rows = audit.entries(s, limit=limit, key_name=key_name, operation=operation)
    output.emit(rows, fmt, ["at", "key_name", "role", "operation", "arguments", "result_size", "outcome"], click.echo)
