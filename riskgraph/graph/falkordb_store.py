"""FalkorDB backend: the embedded server (default) or an external one by URL."""

from __future__ import annotations

import atexit
import contextlib
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

import redis
from falkordb import FalkorDB

from riskgraph import cypher
from riskgraph.errors import GraphNotEmpty, QueryError, StoreError, StoreTimeout
from riskgraph.graph import embedded, falkordb_bulk
from riskgraph.graph.bulk import BulkChunk
from riskgraph.graph.falkordb_params import Literal, header, literal
from riskgraph.graph.store import Deadline, StoreInfo, WriteSummary, batches
from riskgraph.model import LABELS
from riskgraph.settings import Settings

# Queries of the audit graph
JOURNAL = frozenset({"audit_append", "audit_list", "audit_known", "queue_append", "queue_assessed", "queue_trader_past"})
JOURNAL_LABELS = frozenset({"AuditEntry", "QueueEntry"})  # what the audit graph holds: journals of the API
TIMED_OUT = "Query timed out"  # FalkorDB's error when a query reached its time limit


class FalkorStore:
    """A ``Store`` on FalkorDB over its native protocol (parameters sent as values).

    The audit log lives in a graph of its own, ``GRAPH.audit``: FalkorDB runs a write only
    once the reads in progress on its graph are done, and queues later reads behind it, so
    an audit append after a long investigator read would stall every clearance read.
    """

    dialect = "falkordb"

    def __init__(self, db: FalkorDB, settings: Settings, location: str, server: embedded.Server | None, client_name: str):
        self._db = db
        self._settings = settings
        self._graph = db.select_graph(settings.graph)
        self._journal = db.select_graph(f"{settings.graph}.audit")
        self._name = settings.graph
        self._location = location
        self._batch_size = settings.batch_size
        self._server = server
        self._client_name = client_name
        self._closed = False
        self._deadline = Deadline(float(settings.query_timeout))

    @classmethod
    def connect(cls, settings: Settings) -> FalkorStore:
        """Attach to ``settings.falkordb_url``, or to the embedded server (starting it)."""
        if settings.falkordb_url:
            try:
                db = FalkorDB.from_url(settings.falkordb_url)
                db.connection.ping()
            except (redis.RedisError, OSError, ValueError) as e:
                raise StoreError(f"cannot reach FalkorDB at RISKGRAPH_FALKORDB_URL: {e}") from None
            return cls(db, settings, _redact(settings.falkordb_url), None, "")
        server = embedded.attach_or_start(settings.store_dir.resolve())
        try:
            # Every pooled connection carries the name, so the last process out can tell.
            name = embedded.client_name()
            db = FalkorDB(unix_socket_path=str(server.socket), client_name=name)
            db.connection.ping()
        except (redis.RedisError, OSError) as e:
            raise StoreError(f"cannot attach to the embedded FalkorDB server at {server.socket}: {e}") from None
        store = cls(db, settings, str(server.socket), server, name)
        atexit.register(store.close)
        return store

    def clone(self) -> FalkorStore:
        """Return another handle on the same server and graph, with its own connection."""
        return FalkorStore.connect(self._settings)

    def revive(self) -> bool:
        try:
            self._db.connection.ping()
            return True
        except (redis.RedisError, OSError):
            if self._server is None:
                return False  # an external server: someone else's to start
        try:
            self._server = embedded.attach_or_start(self._server.directory)
            self._db.connection.ping()  # a new connection, with this handle's name
            return True
        except (StoreError, redis.RedisError, OSError):
            return False

    def limited(self, seconds: float) -> contextlib.AbstractContextManager[None]:
        return self._deadline.limited(seconds)

    def _limit_ms(self, name: str) -> int | None:
        """Return the time limit of the next query in milliseconds (None: no limit)."""
        left = self._deadline.left(name)
        return None if left is None else max(1, int(left * 1000))

    # -- queries -------------------------------------------------------------------
    def query(self, name: str, params: Mapping[str, Any] | None = None, *, write: bool = False) -> list[dict[str, Any]]:
        if not write:
            columns, rows = self.rows(name, params)
            return [dict(zip(columns, row)) for row in rows]
        result = self._run(name, params)
        columns = [h[1] if isinstance(h, (list, tuple)) else h for h in result.header]
        columns = [c.decode() if isinstance(c, bytes) else c for c in columns]
        return [dict(zip(columns, row)) for row in result.result_set]

    def rows(self, name: str, params: Mapping[str, Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run read query ``name``; return its column names and its records as tuples.

        The compact reply is decoded here rather than by the falkordb client, which
        spends ~9 µs per value in Python: this reads a million declarations in seconds,
        not minutes. Queries return values (scalars, lists, maps), never nodes.
        """
        try:
            reply = self._db.connection.execute_command(*self._read_command(name, params))
        except redis.ResponseError as e:
            reply = e
        except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
            raise StoreError(f"lost the FalkorDB server at {self._location} during query {name}: {e}") from None
        return _decoded(name, reply)

    def reads(self, queries: Sequence[tuple[str, Mapping[str, Any]]]) -> list[list[dict[str, Any]]]:
        """Run read queries in one pipelined round trip; the server runs them in order."""
        pipe = self._db.connection.pipeline(transaction=False)
        for name, params in queries:
            pipe.execute_command(*self._read_command(name, params))
        try:
            replies = pipe.execute(raise_on_error=False)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
            raise StoreError(f"lost the FalkorDB server at {self._location} during queries "
                             f"{', '.join(n for n, _ in queries)}: {e}") from None
        out = []
        for (name, _), reply in zip(queries, replies):
            columns, rows = _decoded(name, reply)
            out.append([dict(zip(columns, row)) for row in rows])
        return out

    def _read_command(self, name: str, params: Mapping[str, Any] | None) -> tuple[str, ...]:
        text = self._text(name, params)
        limit = self._limit_ms(name)
        graph = f"{self._name}.audit" if name in JOURNAL else self._name
        return ("GRAPH.RO_QUERY", graph, text, "--compact", *(("timeout", limit) if limit else ()))

    def write(self, name: str, rows: Sequence[Mapping[str, Any]], params: Mapping[str, Any] | None = None) -> WriteSummary:
        total = WriteSummary()
        for batch in batches(rows, self._batch_size):
            result = self._run(name, {**(params or {}), "rows": list(batch)})
            total += WriteSummary(
                len(batch),
                int(result.nodes_created),
                int(result.relationships_created),
                int(result.relationships_deleted),
                int(result.properties_set),
            )
        return total

    def _text(self, name: str, params: Mapping[str, Any] | None) -> str:
        """Return query ``name`` with its parameters declared before it (``falkordb_params``)."""
        return header(params) + cypher.load(name, self.dialect) if params else cypher.load(name, self.dialect)

    def prepared(self, rows: Sequence[Mapping[str, Any]]) -> list[Literal]:
        """Return ``rows`` written out as the Cypher literals ``write`` sends. Cost: O(size of rows)."""
        return [Literal(literal(row)) for row in rows]

    def explain(self, name: str) -> list[str]:
        """Return FalkorDB's plan of every statement of query ``name``: a parse check.

        Raises QueryError with the parser's message for a query that does not parse.
        """
        plans = []
        for statement in cypher.statements(name, self.dialect):
            # Plans need every parameter declared; SKIP and LIMIT need numbers even when planning.
            params = sorted(set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", statement)))
            counts = set(re.findall(r"(?:LIMIT|SKIP)\s+\$([A-Za-z_][A-Za-z0-9_]*)", statement))
            declared = " ".join(f"{p}={0 if p in counts else 'null'}" for p in params)
            try:
                plans.append(str(self._graph.explain(f"CYPHER {declared} {statement}" if declared else statement)))
            except redis.ResponseError as e:
                raise QueryError(f"query {name} does not parse: {_first_line(e)}") from None
        return plans

    def _run(self, name: str, params: Mapping[str, Any] | None):
        graph = self._journal if name in JOURNAL else self._graph
        # FalkorDB does not stop a write at a timeout (measured: a 68 s write ran whole with
        # a 300 ms limit), and a write is atomic: so the limit only keeps one from starting.
        self._deadline.left(name)
        try:
            return graph.query(self._text(name, params))
        except redis.ResponseError as e:
            raise QueryError(f"query {name} failed: {_first_line(e)}") from None
        except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
            raise StoreError(f"lost the FalkorDB server at {self._location} during query {name}: {e}") from None

    # -- bulk load ----------------------------------------------------------------
    def bulk(self) -> FalkorBulk:
        """Return a writer that builds this graph through ``GRAPH.BULK``.

        Raises GraphNotEmpty when the graph holds any node. The load goes into a graph of
        its own (``GRAPH.bulk``) that ``commit`` renames onto this one: a load killed
        half-way leaves this graph empty and the other one behind, dropped here on the next try.
        The embedded server does not rewrite its append-only file on its own while the load
        runs (``embedded.automatic_rewrites``): ``commit`` and ``abort`` resume that; after a
        SIGKILL of the loader it stays paused until the next load ends or the server restarts.
        """
        held = sum(r["count"] for r in self.query("count_nodes"))
        if held:
            raise GraphNotEmpty(
                f"graph {self._name} holds {held:,} nodes: a bulk load builds a new graph only. Load the feed with "
                f"`riskgraph ingest` (without --bulk) to merge it into this graph, or bulk-load into an empty one "
                f"(another RISKGRAPH_GRAPH or --data-dir).")
        building = f"{self._name}.bulk"
        self._drop(building)  # left by a load that was killed
        # The audit graph's index now, while the snapshot that follows a new index is small.
        self.ensure_schema()
        self._automatic_rewrites(False)
        return FalkorBulk(self, building)

    def _automatic_rewrites(self, on: bool) -> None:
        if self._server is None:
            return  # a server of the operator's: its settings are not riskgraph's to change
        try:
            embedded.automatic_rewrites(self._db.connection, on)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
            raise StoreError(f"lost the FalkorDB server at {self._location} while setting its rewrites: {e}") from None

    def _drop(self, graph: str) -> None:
        try:
            self._db.connection.execute_command("GRAPH.DELETE", graph)
        except redis.ResponseError:
            pass  # no such graph
        except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
            raise StoreError(f"lost the FalkorDB server at {self._location} while dropping graph {graph}: {e}") from None

    # -- schema, info, lifecycle ------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create the indexes and constraints of the model (the audit graph's own on its
        graph), and copy audit entries written by versions that kept them in the main graph
        into the audit graph (they are left where they were: no entry is ever deleted)."""
        changed = False
        for graph in (self._graph, self._journal):
            wanted = set(JOURNAL_LABELS) if graph is self._journal else {label.name for label in LABELS} - JOURNAL_LABELS
            changed = self._ensure(graph, wanted) or changed
        if changed and self._server is not None:
            # Writes logged after the index creation replay 14 times slower than the same
            # writes logged after a snapshot that holds the indexes (embedded's doc).
            try:
                embedded.compact(self._db.connection, logged_from=0)
            except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
                raise StoreError(f"lost the FalkorDB server at {self._location} while snapshotting the new indexes: {e}") from None
        legacy = self.query("audit_legacy")
        if legacy:
            known = {r["entry_id"] for r in self.query("audit_known", {"ids": [e["entry_id"] for e in legacy]})}
            self.write("audit_append", [e for e in legacy if e["entry_id"] not in known])

    def _ensure(self, graph: Any, labels: set[str]) -> bool:
        """Create the missing indexes and constraints of ``labels`` in ``graph``; return whether any was."""
        changed = False
        existing = {(label, p) for label, properties in self._schema_rows(graph, "schema_indexes") for p in properties}
        for statement in cypher.statements("schema", self.dialect):
            label, prop = re.search(r"\(n:(\w+)\) ON \(n\.(\w+)\)", statement).groups()
            if label in labels and (label, prop) not in existing:
                self._schema_change(f"the index on {label}.{prop}", graph.query, statement)
                changed = True
        constrained = {(label, tuple(properties)) for label, properties in self._schema_rows(graph, "schema_constraints")}
        for label in LABELS:
            if label.name in labels and (label.name, (label.key,)) not in constrained:
                self._schema_change(f"the unique constraint on {label.name}.{label.key}",
                                    graph.create_node_unique_constraint, label.name, label.key)
                changed = True
        return changed

    def _schema_rows(self, graph: Any, name: str) -> list[list]:
        try:
            return graph.ro_query(cypher.load(name, self.dialect)).result_set
        except redis.ResponseError as e:
            if "empty key" in str(e):
                return []  # a graph not written yet has no schema
            raise QueryError(f"query {name} failed: {_first_line(e)}") from None
        except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
            raise StoreError(f"lost the FalkorDB server at {self._location} during query {name}: {e}") from None

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


class FalkorBulk:
    """A ``BulkWriter`` on FalkorDB: ``GRAPH.BULK`` calls into a graph of its own, renamed
    onto the store's graph at ``commit`` (Redis ``RENAME`` is atomic, and logged as one command)."""

    def __init__(self, store: FalkorStore, building: str):
        self._store = store
        self._building = building
        self._first = True

    def send(self, chunk: BulkChunk) -> WriteSummary:
        if not chunk.node_count and not chunk.relationship_count:
            return WriteSummary()
        try:
            reply = self._store._db.connection.execute_command(*falkordb_bulk.command(self._building, chunk, self._first))
        except redis.ResponseError as e:
            raise QueryError(f"bulk load into graph {self._building} failed: {_first_line(e)}") from None
        except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
            raise StoreError(f"lost the FalkorDB server at {self._store._location} during the bulk load: {e}") from None
        self._first = False
        nodes, relationships = (int(part.split()[0]) for part in (reply.decode() if isinstance(reply, bytes) else reply).split(","))
        return WriteSummary(chunk.node_count, nodes, relationships)

    def commit(self) -> str:
        """Rename the new graph onto the store's graph, then index it as ``ensure_schema`` does.

        The append-only file now holds the bulk calls, which replay at about the speed they
        ran (unlike queries); the snapshot that follows the new indexes replaces them, and the
        server's own rewrites resume (``embedded.AOF_REWRITE_PERCENT``), also after an error.
        """
        try:
            return self._commit()
        finally:
            self._store._automatic_rewrites(True)

    def _commit(self) -> str:
        store = self._store
        if self._first:
            return ""  # nothing was sent: the graph stays as it was
        try:
            store._db.connection.execute_command("RENAME", self._building, store._name)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
            raise StoreError(f"lost the FalkorDB server at {store._location} while renaming the loaded graph: {e}") from None
        # After the rename: indexes created on the graph under its other name stay
        # "UNDER CONSTRUCTION" once it is renamed (measured), and every lookup scans.
        store.ensure_schema()
        # FalkorDB builds them in the background, and until an index is OPERATIONAL its
        # lookups scan the graph: a MERGE feed sent right after a million-declaration load
        # made no progress for 5 minutes. The load is whole once its indexes are built.
        try:
            while any(status != "OPERATIONAL" for _, status in store._schema_rows(store._graph, "schema_index_status")):
                time.sleep(0.5)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
            raise StoreError(f"lost the FalkorDB server at {store._location} while it built the indexes: {e}") from None
        return ""

    def abort(self) -> None:
        try:
            self._store._drop(self._building)
        finally:
            self._store._automatic_rewrites(True)


class _NotAValue(Exception):
    """A compact reply held a node, edge or path."""


def _value(cell: list) -> Any:
    """Decode one ``[type, value]`` cell of FalkorDB's compact reply."""
    kind, value = cell
    if kind == 2 or kind == 3:  # string (already text), integer
        return value
    if kind == 1:
        return None
    if kind == 5:
        return float(value)
    if kind == 4:
        return value == "true"
    if kind == 6:
        return [_value(v) for v in value]
    if kind == 10:
        return {value[i]: _value(value[i + 1]) for i in range(0, len(value), 2)}
    raise _NotAValue({7: "an edge", 8: "a node", 9: "a path"}.get(kind, f"a value of type {kind}"))


def _decoded(name: str, reply: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Return the column names and records of a compact read reply (or its error)."""
    if isinstance(reply, redis.ResponseError):
        if "empty key" in str(reply):
            return [], []  # FalkorDB creates a graph on first write; before that, reads find nothing
        if TIMED_OUT in str(reply):
            raise StoreTimeout(f"query {name} was stopped at its time limit")
        raise QueryError(f"query {name} failed: {_first_line(reply)}")
    if len(reply) < 3:
        return [], []
    columns = [c[1] for c in reply[0]]
    try:
        return columns, [tuple(_value(v) for v in row) for row in reply[1]]
    except _NotAValue as e:
        raise QueryError(f"query {name} returns {e}: return properties, not graph elements") from None


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _redact(url: str) -> str:
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
