"""One typed settings object, read from ``RISKGRAPH_*`` environment variables.

CLI flags override the environment by passing keyword arguments to ``load``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from riskgraph.errors import ConfigError

STORES = ("falkordb", "neo4j")


@dataclass(frozen=True)
class Settings:
    store: str = "falkordb"  # RISKGRAPH_STORE: falkordb (embedded or by URL) or neo4j
    data_dir: Path = Path("data")  # RISKGRAPH_DATA_DIR: embedded store, run outputs
    graph: str = "riskgraph"  # RISKGRAPH_GRAPH: graph (FalkorDB) or database (Neo4j) name
    falkordb_url: str = ""  # RISKGRAPH_FALKORDB_URL: attach to an external FalkorDB instead
    neo4j_uri: str = ""  # RISKGRAPH_NEO4J_URI, e.g. neo4j://localhost:7687
    neo4j_user: str = "neo4j"  # RISKGRAPH_NEO4J_USER
    neo4j_password: str = ""  # RISKGRAPH_NEO4J_PASSWORD
    batch_size: int = 2000  # RISKGRAPH_BATCH_SIZE: rows per write query
    api_timeout: int = 10  # RISKGRAPH_API_TIMEOUT: seconds an API request may run
    query_timeout: int = 0  # RISKGRAPH_QUERY_TIMEOUT: seconds any one store query may run, 0 for no limit

    @property
    def runs_dir(self) -> Path:
        return self.data_dir / "runs"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def snapshots_dir(self) -> Path:
        """Point-in-time snapshots of entity scores (riskgraph.entities.snapshots), one directory per graph."""
        return self.data_dir / "snapshots" / self.graph

    @property
    def columnar_dir(self) -> Path:
        """The columnar copy of declaration attributes (riskgraph.ingest.columnar), one directory per graph."""
        return self.data_dir / "columnar" / self.graph

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "falkordb"


def load(env: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Return settings from ``env`` (default ``os.environ``), then ``overrides`` (not None)."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for f in fields(Settings):
        raw = env.get(f"RISKGRAPH_{f.name.upper()}")
        if raw is None or raw == "":
            continue
        values[f.name] = _convert(f.name, f.type, raw)
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = replace(Settings(), **values)
    if settings.store not in STORES:
        raise ConfigError(f"RISKGRAPH_STORE is {settings.store!r}; choose one of {', '.join(STORES)}")
    if settings.store == "neo4j" and not settings.neo4j_uri:
        raise ConfigError("RISKGRAPH_STORE=neo4j needs RISKGRAPH_NEO4J_URI (e.g. neo4j://localhost:7687)")
    if settings.api_timeout < 1:
        raise ConfigError(f"RISKGRAPH_API_TIMEOUT must be a positive whole number of seconds, not {settings.api_timeout}")
    if settings.query_timeout < 0:
        raise ConfigError(f"RISKGRAPH_QUERY_TIMEOUT must be 0 (no limit) or a positive number of seconds, not {settings.query_timeout}")
    if settings.batch_size < 1:
        raise ConfigError(f"RISKGRAPH_BATCH_SIZE must be a positive whole number, not {settings.batch_size}")
    return settings


def environment(settings: Settings) -> dict[str, str]:
    """Return the ``RISKGRAPH_*`` variables with which ``load`` in another process (an API
    worker) gives ``settings`` again, the data directory made absolute."""
    values = {f.name: getattr(settings, f.name) for f in fields(Settings)}
    values["data_dir"] = Path(values["data_dir"]).resolve()
    return {f"RISKGRAPH_{name.upper()}": str(value) for name, value in values.items()}


def _convert(name: str, type_name: object, raw: str) -> object:
    kind = getattr(type_name, "__name__", str(type_name))
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"RISKGRAPH_{name.upper()} must be a whole number, not {raw!r}") from None
    if kind == "Path":
        return Path(raw)
    return raw
