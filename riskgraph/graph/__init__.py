"""The graph store: one protocol, two backends (embedded FalkorDB, Neo4j 5)."""

from riskgraph.graph.store import Store, StoreInfo, WriteSummary, open_store

__all__ = ["Store", "StoreInfo", "WriteSummary", "open_store"]
