"""The exceptions riskgraph raises. Each message says what was wrong and where."""


class RiskgraphError(Exception):
    """Base of every error riskgraph raises on purpose."""


class ConfigError(RiskgraphError):
    """A setting is missing or has a value riskgraph cannot use."""


class InvalidCriteria(ConfigError):
    """A risk profile's criteria text does not parse; ``column`` (from 1) is where, and
    ``expected`` what the parser wanted there."""

    def __init__(self, message: str, column: int, expected: str):
        super().__init__(f"criteria, column {column}: {message}; expected {expected}")
        self.column, self.expected = column, expected


class StoreError(RiskgraphError):
    """The graph store could not be started, reached or queried."""


class StoreTimeout(StoreError):
    """The store stopped a query at its time limit (or it was not started: no time left)."""


class QueryError(StoreError):
    """The store rejected a named query (syntax, constraint, type)."""


class FeedError(RiskgraphError):
    """A feed cannot be read at all (missing directory, unreadable file, bad header)."""


class RejectedRows(RiskgraphError):
    """``--strict`` was given and rows were rejected; nothing was written."""


class UnrelatedFeed(RiskgraphError):
    """The feed names almost none of the enterprises of a graph that holds others: it
    looks like another world. Nothing was written; ``--merge`` loads it anyway."""


class GraphNotEmpty(StoreError):
    """A bulk load was asked of a graph that holds nodes: it builds a new graph only."""
