"""One declarations file read and validated whole: the input of ``riskgraph assess``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from riskgraph.errors import FeedError
from riskgraph.ingest import reader
from riskgraph.ingest.validate import Rejected, validate

BATCH = 2000  # declarations per batch yielded


def read_declarations(path: Path) -> Iterable[list[dict]]:
    """Yield batches of validated declarations from a contract-format CSV or JSONL file.

    Raises FeedError naming the file, line and field of the first bad row: a
    declaration that cannot be read cannot be given a channel.
    """
    if not path.is_file() or path.suffix not in (".csv", ".jsonl"):
        raise FeedError(f"{path}: expected a declarations file in contract format (.csv or .jsonl)")
    f = reader.FeedFile("declarations", path)
    head = reader.header(f)
    if head is None:
        raise FeedError(f"{path}: empty file")
    items, _ = reader.rows(f)
    batch = []
    for item in items:
        if isinstance(item, reader.Problem):
            raise FeedError(f"{path}:{item.line}: {item.field}: {item.reason}")
        line, values, _ = item
        try:
            batch.append(validate("declarations", values).params)
        except Rejected as e:
            raise FeedError(f"{path}:{line}: {e.field}: {e.reason}") from None
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
