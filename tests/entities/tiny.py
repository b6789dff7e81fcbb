"""Tiny in-memory projections for the store-free tests of the entity steps."""

from __future__ import annotations

from datetime import date

import numpy as np

from riskgraph.entities.projection import STATIC, Projection
from riskgraph.model import NODE_KINDS


def projection(kinds: list[str], links: list[tuple], as_of: date = date(2024, 1, 1)) -> Projection:
    """A projection of nodes of ``kinds`` (keys n0, n1...) and links (source, target, type[, count[, last]])."""
    p = Projection(as_of, date(2021, 1, 1))
    p.kind = [NODE_KINDS.index(k) for k in kinds]
    p.key = [f"n{i}" for i in range(len(kinds))]
    p.store_id = list(range(len(kinds)))
    p.links = {
        "source": np.array([link[0] for link in links], dtype=np.int64),
        "target": np.array([link[1] for link in links], dtype=np.int64),
        "type": np.array([link[2] for link in links], dtype=object),
        "count": np.array([link[3] if len(link) > 3 else 1 for link in links], dtype=float),
        "last": np.array([link[4] if len(link) > 4 else STATIC for link in links], dtype=np.int64),
    }
    return p
