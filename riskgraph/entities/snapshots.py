"""Point-in-time snapshots (ảnh chụp điểm số theo thời điểm) of an analysis's entity scores.

A snapshot holds, per entity, its kind and key ("enterprise:0101234567"), its prior score,
the network part of its score (``1 - exp(-NETWORK_GAIN * propagated)``, as the graph
stores it) and the rank of its suspicious network (0 for none), with what makes it
comparable: as-of date, history months, scoring model and snapshot format. It is one
Parquet file (pyarrow, zstd) in ``<data_dir>/snapshots/<graph>/``, owner-only (700/600).

A snapshot is what the store knew when it was computed. Training keeps one per cut
(``cut``): later trains read it instead of re-running the analysis, so a late feed with
older dates does not change a kept cut, as it would not have changed the scores used in
production at the time; ``riskgraph snapshots drop`` removes them to recompute. Each
``riskgraph analyze`` keeps the rows it stored under its analysis id (``keep_stored``),
so a backtest can read the scores as they were served.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np

from riskgraph.entities.analysis import MODEL_VERSION, TOP_NETWORKS, Analysis, analyze
from riskgraph.entities.factors import FACTORS
from riskgraph.entities.features import NETWORK_GAIN
from riskgraph.entities.projection import forget, resolve_keys
from riskgraph.entities.ranker import PRIORS
from riskgraph.entities.results import network_ranks, stored_columns
from riskgraph.files import private_dir, write_parquet
from riskgraph.graph import Store
from riskgraph.model import NODE_KINDS

FORMAT = "snapshot-1"


class SnapshotWarning(UserWarning):
    """A kept snapshot could not be read and was computed again."""


@dataclass(frozen=True)
class Snapshot:
    """Entity scores of one analysis, a row per entity (see the module docstring);
    ``meta`` says what they are (as_of, history_months, model_version, format, source)."""

    kind: np.ndarray  # entity kind names
    key: np.ndarray  # natural keys
    prior: np.ndarray
    network: np.ndarray  # the network part of the prior score
    network_rank: np.ndarray  # rank of the entity's suspicious network, 0 for none
    meta: dict[str, str]

    def __len__(self) -> int:
        return len(self.key)

    def index(self) -> dict[str, int]:
        """Return the row of each entity by "kind:key". Cost: O(n)."""
        return {f"{k}:{x}": i for i, (k, x) in enumerate(zip(self.kind.tolist(), self.key.tolist()))}


def of_analysis(analysis: Analysis, *, stored: bool = False, **meta: str) -> Snapshot:
    """Return the snapshot of ``analysis``: every entity at full precision, or with
    ``stored`` the rows ``results.save`` writes, rounded as written. Cost: O(entities)."""
    rank = network_ranks(analysis)
    if stored:
        columns = stored_columns(analysis)
        nodes, prior, network = columns["node"], columns["prior"], columns["network"]
    else:
        nodes = analysis.entities()
        prior, network = analysis.prior[nodes], 1 - np.exp(-NETWORK_GAIN * analysis.network[nodes])
    p = analysis.projection
    labels = [analysis.label(i).split(":", 1) for i in nodes.tolist()]
    return Snapshot(np.array([NODE_KINDS[p.kind[i]] for i in nodes.tolist()], dtype=object),
                    np.array([x for _, x in labels], dtype=object), np.asarray(prior, dtype=float),
                    np.asarray(network, dtype=float), rank[nodes],
                    {"as_of": analysis.as_of.isoformat(), "model_version": analysis.model_version, "format": FORMAT,
                     "rows": "stored" if stored else "every entity", **meta})


def parameters(history_months: int) -> str:
    """Return the digest of what makes two cut snapshots comparable: the format, the
    scoring model and its weights, and the history window."""
    text = json.dumps({"format": FORMAT, "model": MODEL_VERSION, "history_months": history_months, "gain": NETWORK_GAIN,
                       "top_networks": TOP_NETWORKS, "factors": [asdict(f) for f in FACTORS]}, sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()


def cut_path(directory: Path, as_of: date, history_months: int) -> Path:
    """Return where the snapshot of the cut as of ``as_of`` is kept."""
    return directory / f"cut-{as_of.isoformat()}-{history_months}m-{parameters(history_months)}.parquet"


def cut(store: Store, as_of: date, *, history_months: int = 36, directory: Path | None = None,
        reads: dict | None = None) -> tuple[Snapshot, bool]:
    """Return the prior scores of every entity as of ``as_of`` (the in-process analysis
    training describes declarations with: priors, no paths) and whether they were
    computed now: read from the snapshot kept in ``directory`` when there is one, else
    computed, kept there (written aside, then renamed) and read back, so that every
    reader gets the same numbers. A kept file that cannot be read is computed again with
    a SnapshotWarning. ``reads``: see projection.project. Cost: one read of a file, or
    one analysis."""
    path = cut_path(directory, as_of, history_months) if directory is not None else None
    if path is not None and path.exists():
        try:
            return read(path), False
        except Exception as e:  # a damaged or foreign file is a cache miss, never a crash
            warnings.warn(f"snapshot {path} is unreadable ({type(e).__name__}: {e}); computing it again", SnapshotWarning,
                          stacklevel=2)
    if reads is not None:
        forget(reads, as_of, history_months=history_months)
    a = analyze(store, as_of, history_months=history_months, reads=reads, paths=False, ranker=PRIORS)
    # Entities met only through a declaration or violation were read by id: name them, to map parties by key.
    p = a.projection
    resolve_keys(store, p, [i for i in a.entities().tolist() if p.key[i] is None])
    snapshot = of_analysis(a, history_months=str(history_months), source="cut", parameters=parameters(history_months))
    if path is None:
        return snapshot, True
    write(snapshot, path)
    return read(path), True


def keep_stored(directory: Path, analysis: Analysis, analysis_id: str, *, history_months: int) -> Path:
    """Keep the snapshot of what ``results.save`` stored for ``analysis`` under its id; return the file."""
    path = directory / f"analysis-{analysis_id}.parquet"
    write(of_analysis(analysis, stored=True, history_months=str(history_months), source=analysis_id), path)
    return path


def of_stored(directory: Path, analysis_id: str) -> Snapshot:
    """Return the snapshot ``riskgraph analyze`` kept for ``analysis_id`` (FileNotFoundError if none)."""
    return read(directory / f"analysis-{analysis_id}.parquet")


def write(snapshot: Snapshot, path: Path) -> None:
    """Write ``snapshot`` to ``path`` whole or not at all: aside, then renamed over it."""
    import pyarrow as pa

    private_dir(path.parent)
    table = pa.table({
        "kind": pa.array(snapshot.kind.tolist(), pa.string()).dictionary_encode(),
        "key": pa.array(snapshot.key.tolist(), pa.string()),
        "prior": pa.array(snapshot.prior, pa.float64()),
        "network": pa.array(snapshot.network, pa.float64()),
        "network_rank": pa.array(snapshot.network_rank, pa.int32()),
    }).replace_schema_metadata({"riskgraph": json.dumps(snapshot.meta, sort_keys=True)})
    write_parquet(table, path)


def read(path: Path) -> Snapshot:
    """Return the snapshot kept in ``path``; raise ValueError if it is not one of this format."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    meta = json.loads((table.schema.metadata or {}).get(b"riskgraph", b"{}"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"format {meta.get('format')!r}, expected {FORMAT!r}")
    column = {name: table.column(name) for name in ("kind", "key", "prior", "network", "network_rank")}
    return Snapshot(np.array(column["kind"].to_pylist(), dtype=object), np.array(column["key"].to_pylist(), dtype=object),
                    column["prior"].to_numpy(), column["network"].to_numpy(), column["network_rank"].to_numpy(), meta)


def listed(directory: Path) -> Iterator[tuple[Path, dict[str, str], int]]:
    """Yield each kept snapshot's file, metadata and rows, by name (unreadable ones with
    an ``error`` entry). Cost: one footer read per file."""
    import pyarrow.parquet as pq

    for path in sorted(directory.glob("*.parquet")) if directory.is_dir() else ():
        try:
            footer = pq.read_metadata(path)
            yield path, json.loads((footer.metadata or {}).get(b"riskgraph", b"{}")), footer.num_rows
        except Exception as e:  # listed so that it can be dropped
            yield path, {"error": f"{type(e).__name__}: {e}"}, 0


def drop(directory: Path, *, before: date | None = None, cuts_only: bool = False) -> int:
    """Delete the kept snapshots (as of a day before ``before`` only, the training cuts
    only if ``cuts_only``); return how many."""
    dropped = 0
    for path, meta, _ in list(listed(directory)):
        if cuts_only and not path.name.startswith("cut-"):
            continue
        if before is not None and not ("as_of" in meta and meta["as_of"] < before.isoformat()):
            continue
        path.unlink(missing_ok=True)
        dropped += 1
    return dropped
