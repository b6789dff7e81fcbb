"""FalkorDB backend: the embedded server (default) or an external one by URL."""

from __future__ import annotations

import atexit
import re
from collections.abc import Mapping, Sequence
from typing import Any

import redis
from falkordb import FalkorDB

from riskgraph import cypher
from riskgraph.errors import QueryError, StoreError
from riskgraph.graph import embedded
from riskgraph.graph.store import StoreInfo, WriteSummary, batches
from riskgraph.model import LABELS
from riskgraph.settings import Settings


class FalkorStore:
    """A ``Store`` on FalkorDB over its native protocol (parameters sent as values)."""

    dialect = "falkordb"

    def __init__(self, db: FalkorDB, graph: str, location: str, batch_size: int, server: embedded.Server | None, client_name: str):
        self._db = db
        self._graph = db.select_graph(graph)
        self._name = graph
        self._location = location
        self._batch_size = batch_size
        self._server = server
        self._client_name = client_name
        self._closed = False

    @classmethod
    def connect(cls, settings: Settings) -> FalkorStore:
        """Attach to ``settings.falkordb_url``, or to the embedded server (starting it)."""
        if settings.falkordb_url:
            try:
                db = FalkorDB.from_url(settings.falkordb_url)
                db.connection.ping()
            except (redis.RedisError, OSError, ValueError) as e:
                raise StoreError(f"cannot reach FalkorDB at RISKGRAPH_FALKORDB_URL: {e}") from None
            return cls(db, settings.graph, _redact(settings.falkordb_url), settings.batch_size, None, "")
        server = embedded.attach_or_start(settings.store_dir.resolve())
        try:
            # Every pooled connection carries the name, so the last process out can tell.
            name = embedded.client_name()
            db = FalkorDB(unix_socket_path=str(server.socket), client_name=name)
            db.connection.ping()
        except (redis.RedisError, OSError) as e:
            raise StoreError(f"cannot attach to the embedded FalkorDB server at {server.socket}: {e}") from None
        store = cls(db, settings.graph, str(server.socket), settings.batch_size, server, name)
        atexit.register(store.close)
        return store

    # -- queries -------------------------------------------------------------------
    def query(self, name: str, params: Mapping[str, Any] | None = None, *, write: bool = False) -> list[dict[str, Any]]:
        try:
            result = self._run(name, params, write)
        except _NoGraph:
            return []  # FalkorDB creates a graph on first write; before that, reads find nothing
        columns = [h[1] if isinstance(h, (list, tuple)) else h for h in result.header]
        columns = [c.decode() if isinstance(c, bytes) else c for c in columns]
        return [dict(zip(columns, row)) for row in result.result_set]

    def write(self, name: str, rows: Sequence[Mapping[str, Any]], params: Mapping[str, Any] | None = None) -> WriteSummary:
        total = WriteSummary()
        for batch in batches(rows, self._batch_size):
            result = self._run(name, {**(params or {}), "rows": list(batch)}, True)
            total += WriteSummary(
                len(batch),
                int(result.nodes_created),
                int(result.relationships_created),
                int(result.relationships_deleted),
                int(result.properties_set),
            )
        return total

    def explain(self, name: str) -> list[str]:
        """Return FalkorDB's plan of every statement of query ``name``: a parse check.

        Raises QueryError with the parser's message for a query that does not parse.
        """
        plans = []
        for statement in cypher.statements(name, self.dialect):
            # Plans need every parameter declared; LIMIT needs a number even when planning.
            params = sorted(set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", statement)))
            declared = " ".join(f"{p}={0 if p == 'limit' else 'null'}" for p in params)
            try:
                plans.append(str(self._graph.explain(f"CYPHER {declared} {statement}" if declared else statement)))
            except redis.ResponseError as e:
                raise QueryError(f"query {name} does not parse: {_first_line(e)}") from None
        return plans

    def _run(self, name: str, params: Mapping[str, Any] | None, write: bool):
        text = cypher.load(name, self.dialect)
        try:
            if write:
                return self._graph.query(text, dict(params or {}))
            return self._graph.ro_query(text, dict(params or {}))
        except redis.ResponseError as e:
            if not write and "empty key" in str(e):
                raise _NoGraph from None
            raise QueryError(f"query {name} failed: {_first_line(e)}") from None
        except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
            raise StoreError(f"lost the FalkorDB server at {self._location} during query {name}: {e}") from None

    # -- schema, info, lifecycle ------------------------------------------------------
    def ensure_schema(self) -> None:
        keys = {label.name: label.key for label in LABELS}
        existing = {(r["label"], p) for r in self.query("schema_indexes") for p in r["properties"]}
        for statement in cypher.statements("schema", self.dialect):
            label = statement.split(":")[1].split(")")[0]
            if (label, keys[label]) not in existing:
                self._schema_change(f"the index on {label}.{keys[label]}", self._graph.query, statement)
        constrained = {(r["label"], tuple(r["properties"])) for r in self.query("schema_constraints")}
        for label, key in keys.items():
            if (label, (key,)) not in constrained:
                self._schema_change(f"the unique constraint on {label}.{key}", self._graph.create_node_unique_constraint, label, key)

    @staticmethod
    def _schema_change(what: str, call: Any, *args: Any) -> None:
        try:
            call(*args)
        except redis.ResponseError as e:
            raise QueryError(f"creating {what} failed: {_first_line(e)}") from None

    def info(self) -> StoreInfo:
        try:
            server = self._db.connection.info("server")
            memory = self._db.connection.info("memory")
            persistence = self._db.connection.info("persistence")
            healthy = True
        except (redis.RedisError, OSError):
            return StoreInfo("falkordb", self._location, self._name, False)
        details = {
            "embedded": self._server is not None,
            "pid": self._server.pid if self._server else None,
            "directory": str(self._server.directory) if self._server else None,
            "used_memory": memory.get("used_memory_human"),
            "aof_enabled": bool(persistence.get("aof_enabled")),
        }
        return StoreInfo("falkordb", self._location, self._name, healthy, str(server.get("redis_version", "")), details)

    def close(self) -> None:
        """Detach; the last riskgraph process on an embedded server shuts it down."""
        if self._closed:
            return
        self._closed = True
        if self._server is not None:
            embedded.release(self._server, self._client_name)
        try:
            self._db.connection.close()
        except (redis.RedisError, OSError):
            pass


class _NoGraph(Exception):
    """The graph key does not exist yet."""


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _redact(url: str) -> str:
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
