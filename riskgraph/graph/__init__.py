"""The graph store: one protocol (``store.py``), two backends (embedded FalkorDB, Neo4j 5)."""

from riskgraph.graph.store import Store, StoreInfo, WriteSummary, batches, id_ranges
from riskgraph.settings import Settings


def open_store(settings: Settings) -> Store:
    """Return the store ``settings`` choose: embedded or external FalkorDB, or Neo4j."""
    if settings.store == "neo4j":
        from riskgraph.graph.neo4j_store import Neo4jStore  # the driver of the backend not chosen is never imported

        return Neo4jStore.connect(settings)
    from riskgraph.graph.falkordb_store import FalkorStore

    return FalkorStore.connect(settings)


__all__ = ["Store", "StoreInfo", "WriteSummary", "batches", "id_ranges", "open_store"]
