"""Neo4j 5 backend through the official ``neo4j`` driver (the production path).

Reads and writes are managed transactions: the driver retries them on transient errors
(leader switch, deadlock, lost connection) with back-off.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from riskgraph import cypher
from riskgraph.errors import QueryError, StoreError, StoreTimeout
from riskgraph.graph.store import Deadline, StoreInfo, WriteSummary, batches
from riskgraph.settings import Settings

try:
    import neo4j
    from neo4j.exceptions import ClientError, Neo4jError, ServiceUnavailable
except ImportError:  # pragma: no cover - neo4j is a declared dependency
    neo4j = None


class Neo4jStore:
    dialect = "neo4j"

    def __init__(self, driver: Any, database: str, uri: str, batch_size: int, query_timeout: float = 0.0, owner: bool = True):
        self._driver = driver
        self._database = database
        self._uri = uri
        self._batch_size = batch_size
        self._owner = owner  # clones share the driver (a pool): only the first handle closes it
        self._deadline = Deadline(query_timeout)

    @classmethod
    def connect(cls, settings: Settings) -> Neo4jStore:
        if neo4j is None:  # pragma: no cover
            raise StoreError("the neo4j driver is not installed: pip install 'neo4j>=5.20'")
        try:
            driver = neo4j.GraphDatabase.driver(settings.neo4j_uri, auth=(settings.neo4j_user, settings.neo4j_password))
            driver.verify_connectivity()
        except (Neo4jError, ServiceUnavailable, OSError, ValueError) as e:
            raise StoreError(f"cannot reach Neo4j at {settings.neo4j_uri}: {e}") from None
        # Neo4j Community has one user database, "neo4j"; a name of ours maps onto it.
        database = "neo4j" if settings.graph == "riskgraph" else settings.graph
        return cls(driver, database, settings.neo4j_uri, settings.batch_size, float(settings.query_timeout))

    def clone(self) -> Neo4jStore:
        """Return a handle on the same driver: the driver's pool gives each its own connection."""
        return Neo4jStore(self._driver, self._database, self._uri, self._batch_size, self._deadline.ceiling, owner=False)

    def revive(self) -> bool:
        """The server is not ours to start: say whether it answers (the driver reconnects)."""
        try:
            self._driver.verify_connectivity()
            return True
        except (Neo4jError, ServiceUnavailable, OSError):
            return False

    def limited(self, seconds: float) -> contextlib.AbstractContextManager[None]:
        return self._deadline.limited(seconds)

    def _execute(self, name: str, text: str, params: Mapping[str, Any], write: bool) -> tuple[list[dict[str, Any]], Any]:
        def work(tx: Any) -> tuple[list[dict[str, Any]], Any]:
            result = tx.run(text, dict(params))
            records = [record.data() for record in result]
            return records, result.consume().counters

        return self._transaction(name, work, write)

    def _transaction(self, names: str, work: Any, write: bool) -> Any:
        """Run ``work(tx)`` in one managed transaction (retried by the driver on transient errors)."""
        timeout = self._deadline.left(names)
        if timeout is not None:  # the server ends the transaction at its timeout
            work = neo4j.unit_of_work(timeout=timeout)(work)
        try:
            with self._driver.session(database=self._database) as session:
                runner = session.execute_write if write else session.execute_read
                return runner(work)
        except ClientError as e:
            if "TransactionTimedOut" in (e.code or ""):
                raise StoreTimeout(f"query {names} was stopped at its time limit") from None
            raise QueryError(f"query {names} failed: {e.message}") from None
        except (Neo4jError, ServiceUnavailable, OSError) as e:
            raise StoreError(f"Neo4j at {self._uri} failed during query {names}: {e}") from None

    def query(self, name: str, params: Mapping[str, Any] | None = None, *, write: bool = False) -> list[dict[str, Any]]:
        return self._execute(name, cypher.load(name, self.dialect), params or {}, write)[0]

    def rows(self, name: str, params: Mapping[str, Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        records = self.query(name, params)
        columns = list(records[0]) if records else []
        return columns, [tuple(r.values()) for r in records]

    def reads(self, queries: Sequence[tuple[str, Mapping[str, Any]]]) -> list[list[dict[str, Any]]]:
        """Run read queries in one read transaction: one consistent view of the graph."""
        def work(tx: Any) -> list[list[dict[str, Any]]]:
            return [[record.data() for record in tx.run(cypher.load(name, self.dialect), dict(params))] for name, params in queries]

        return self._transaction(", ".join(name for name, _ in queries), work, False)

    def write(self, name: str, rows: Sequence[Mapping[str, Any]], params: Mapping[str, Any] | None = None) -> WriteSummary:
        text = cypher.load(name, self.dialect)
        total = WriteSummary()
        for batch in batches(rows, self._batch_size):
            _, c = self._execute(name, text, {**(params or {}), "rows": list(batch)}, True)
            total += WriteSummary(len(batch), c.nodes_created, c.relationships_created, c.relationships_deleted, c.properties_set)
        return total

    def prepared(self, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Return ``rows`` as they are: the driver sends parameters as values."""
        return list(rows)

    def ensure_schema(self) -> None:
        for statement in cypher.statements("schema", self.dialect):
            try:
                with self._driver.session(database=self._database) as session:
                    session.run(statement).consume()
            except ClientError as e:
                raise QueryError(f"schema statement failed: {e.message}") from None

    def info(self) -> StoreInfo:
        try:
            info = self._driver.get_server_info()
            return StoreInfo("neo4j", self._uri, self._database, True, str(info.agent))
        except (Neo4jError, ServiceUnavailable, OSError):
            return StoreInfo("neo4j", self._uri, self._database, False)

    def close(self) -> None:
        if self._owner:
            self._driver.close()
