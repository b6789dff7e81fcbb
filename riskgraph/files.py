"""Files riskgraph keeps beside the graph (snapshots, the columnar copy): owner-only
directories and Parquet files written whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path


def private_dir(directory: Path, levels: int = 2) -> None:
    """Make ``directory`` and the ``levels - 1`` above it owner-only (700), creating them."""
    directory.mkdir(parents=True, exist_ok=True)
    for d in reversed([directory, *directory.parents][:levels]):
        os.chmod(d, 0o700)


def write_parquet(table, path: Path) -> None:
    """Write the pyarrow ``table`` to ``path`` (zstd, owner-only) whole or not at all:
    aside, flushed to disk, then renamed over it. Readers skip names starting with a dot."""
    import pyarrow.parquet as pq

    aside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(aside, "wb", opener=lambda p, flags: os.open(p, flags, 0o600)) as out:
            pq.write_table(table, out, compression="zstd")
            out.flush()
            os.fsync(out.fileno())
        os.replace(aside, path)
    finally:
        aside.unlink(missing_ok=True)
