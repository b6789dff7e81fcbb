"""``riskgraph ingest DIR``: read, validate, de-duplicate and write a feed, with provenance.

The main thread reads, validates and writes each batch's rows out as the store sends them
(``writer.prepare``); one writer thread only sends batches to the store, so parsing and
the store's work overlap on two cores and the store does not wait between batches. At
most ``_IN_FLIGHT`` batches wait, so memory does not grow with the feed.

Every run is an ``IngestRun`` node (feed path, checksum, start, finish, counts per file).
A feed whose checksum was loaded before is not loaded again unless forced; a run that was
killed is resumed under the same run number, so that the graph ends exactly as an
uninterrupted load leaves it. A feed that looks like another world than the graph's is
refused unless merged on purpose (``continuity``).
"""

from __future__ import annotations

import csv
import itertools
import json
import multiprocessing
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from riskgraph.dates import VIETNAM
from riskgraph.errors import FeedError, RejectedRows
from riskgraph.graph.bulk import BulkWriter
from riskgraph.graph.store import Store, WriteSummary
from riskgraph.ingest import by_column, continuity, reader
from riskgraph.ingest.bulk import BulkGraph
from riskgraph.ingest.columnar import ColumnarCopy, row_of_record, table_of_columns
from riskgraph.ingest.reader import FeedFile, Problem
from riskgraph.ingest.validate import Record, outcome
from riskgraph.ingest.writer import prepare, write_batch
from riskgraph.memory import full_collections_paused, switch_interval
from riskgraph.model import FEED_BY_KIND, LOAD_ORDER

Accepted = Record | by_column.Plain  # a row to load: its record, or a reference to its columns
_IN_FLIGHT = 3  # batches queued for the writer thread
VALIDATE_BLOCK = 1000  # rows a worker process validates at a time
# Nodes and relationships per bulk call, about 85 MB of arguments. Each GRAPH.BULK call costs
# the store time in proportion to the graph already built (docs/scaling.md), so fewer, larger
# calls: 200,000 took the store twice the CPU at 2.7M declarations; the price is ~1 kB an entity held.
BULK_CHUNK = 800_000


@dataclass
class FileReport:
    kind: str
    file: str
    rows: int = 0
    loaded: int = 0
    rejected: int = 0
    duplicates: int = 0  # identical repeats of a key inside the feed: loaded once
    warnings: int = 0


@dataclass
class IngestReport:
    feed: str
    checksum: str
    run_id: int | None
    status: str  # loaded, resumed, already_loaded, validated, bulk_loaded
    out_dir: Path | None
    files: list[FileReport] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    written: WriteSummary = WriteSummary()
    seconds: float = 0.0
    next_step: str = ""  # what the operator is to do to finish the load (neo4j-admin's import)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)


class _Seen:
    """Keys already met in this feed, on disk (SQLite), so memory stays flat.

    A repeated key with the same content is a harmless duplicate; with other content it
    is a conflict, and the later row is rejected: the system does not guess which is right.
    """

    def __init__(self, directory: Path):
        path = directory / "seen.sqlite"
        path.unlink(missing_ok=True)  # left by a killed run of this feed: start afresh
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE seen (kind TEXT, key TEXT, line INTEGER, digest TEXT, PRIMARY KEY (kind, key)) WITHOUT ROWID")

    def earlier(self, kind: str, keys: list[str]) -> dict[str, tuple[int, str]]:
        """Return ``key -> (line, digest)`` for the keys met before."""
        found: dict[str, tuple[int, str]] = {}
        for start in range(0, len(keys), 30_000):
            chunk = keys[start : start + 30_000]
            marks = ",".join("?" * len(chunk))
            for key, line, digest in self._db.execute(f"SELECT key, line, digest FROM seen WHERE kind = ? AND key IN ({marks})",
                                                      [kind, *chunk]):
                found[key] = (line, digest)
        return found

    def add(self, kind: str, entries: list[tuple[str, int, str]]) -> None:
        with self._db:  # one transaction per batch, not one per row
            self._db.executemany("INSERT INTO seen VALUES (?, ?, ?, ?)", [(kind, k, line, d) for k, line, d in entries])

    def close(self) -> None:
        self._db.close()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula


def _inert(cell: Any) -> Any:
    """Return ``cell`` with a ``'`` before it if a spreadsheet would run it as a formula
    (``=cmd|' /C calc'!A0`` in a rejected row): analysts open these files in one."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) else cell


class _Issues:
    """rejects.csv and warnings.csv of a run, opened on first use; no cell is a live formula."""

    def __init__(self, directory: Path):
        self._directory = directory
        self._files: dict[str, tuple[TextIO, Any]] = {}

    def add(self, name: str, row: list[Any]) -> None:
        if name not in self._files:
            handle = open(self._directory / f"{name}.csv", "w", newline="", encoding="utf-8", opener=_private)
            out = csv.writer(handle)
            out.writerow(["file", "line", "field", "reason", "raw"] if name == "rejects" else ["file", "line", "field", "reason"])
            self._files[name] = (handle, out)
        self._files[name][1].writerow([_inert(cell) for cell in row])

    def close(self) -> None:
        for handle, _ in self._files.values():
            handle.close()


class _Progress:
    """A progress line on a terminal; a log line every 10 s otherwise."""

    def __init__(self, stream: TextIO, total_bytes: int):
        self._stream = stream
        self._tty = stream.isatty()
        self._total = max(total_bytes, 1)
        self._done = 0
        self._last = 0.0
        self._start = time.monotonic()

    def update(self, kind: str, position: int, rows: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < (0.25 if self._tty else 10.0):
            return
        self._last = now
        share = min(1.0, (self._done + position) / self._total)
        rate = rows / max(now - self._start, 1e-9)
        text = f"{kind:<13} {share:6.1%}  {rows:>10,} rows  {rate:>8,.0f} rows/s"
        if self._tty:
            bar = "#" * int(share * 30)
            self._stream.write(f"\r[{bar:<30}] {text}")
        else:
            self._stream.write(f"ingest: {text}\n")
        self._stream.flush()

    def file_done(self, size: int) -> None:
        self._done += size
        self._start = time.monotonic()

    def close(self) -> None:
        if self._tty:
            self._stream.write("\n")


def ingest(
    store: Store,
    feed_dir: Path,
    runs_dir: Path,
    *,
    batch_size: int = 2000,
    strict: bool = False,
    force: bool = False,
    merge: bool = False,
    progress: TextIO | None = None,
    encoding: str = "utf-8",
    workers: int = 0,
    copy: ColumnarCopy | None = None,
) -> IngestReport:
    """Load the feed in ``feed_dir`` into ``store``; return what was loaded and rejected.
    The new and changed declarations are appended to the columnar ``copy`` if given.

    Rejected rows go to ``rejects.csv`` and data-quality warnings to ``warnings.csv`` in
    the run's directory under ``runs_dir``. Raises FeedError (nothing written) when a file
    cannot be read at all, UnrelatedFeed (nothing written) when the feed looks like another
    world than the graph's and ``merge`` is not given, and RejectedRows when ``strict`` and
    any row is rejected (then nothing is written either). ``workers`` processes validate
    the rows (none: this one does). Cost: one pass over the feed (two with ``strict``),
    memory bounded by a few batches.
    """
    started = time.monotonic()
    files, ignored, headers = _open_feed(feed_dir, encoding)
    feed = str(feed_dir.resolve())
    digest = reader.checksum(files)
    earlier = store.query("run_find", {"checksum": digest})
    if earlier and earlier[0]["status"] == "finished" and not force:
        return IngestReport(feed, digest, earlier[0]["run_id"], "already_loaded", None, ignored=ignored)
    resumed = bool(earlier) and earlier[0]["status"] == "running"
    if not merge and not resumed:  # a resumed run was judged when it started
        continuity.require_related(store, files, feed)

    if strict:
        _check(files, headers, runs_dir, batch_size, progress, workers)
    store.ensure_schema()
    if resumed:
        run_id, started_at = earlier[0]["run_id"], earlier[0]["started_at"]
    else:
        run_id = store.query("run_next_id")[0]["run_id"]
        started_at = datetime.now(VIETNAM).isoformat(timespec="seconds")
    out_dir = _mkdir(runs_dir / f"run-{run_id:05d}", runs_dir)
    store.query("run_start", {"run_id": run_id, "props": {"feed": feed, "checksum": digest, "started_at": started_at,
                                                          "files": [f.path.name for f in files], "merged": merge}}, write=True)
    writer = _Writer(store, {"run": run_id, "now": started_at}, copy)
    try:
        report = _load(writer, files, headers, out_dir, batch_size, progress, workers)
        writer.finish()
    finally:
        writer.close()
        if copy is not None:
            copy.flush()  # what reached the graph, also after an error
    report.written = writer.written
    finished_at = datetime.now(VIETNAM).isoformat(timespec="seconds")
    store.query("run_finish", {"run_id": run_id, "props": {"finished_at": finished_at, "counts": _counts(report)}}, write=True)
    report.feed, report.checksum, report.run_id, report.out_dir, report.ignored = feed, digest, run_id, out_dir, ignored
    report.status = "resumed" if resumed else "loaded"
    return _finished(report, started)


def bulk_ingest(
    writer: BulkWriter,
    feed_dir: Path,
    runs_dir: Path,
    *,
    batch_size: int = 2000,
    strict: bool = False,
    progress: TextIO | None = None,
    encoding: str = "utf-8",
    workers: int = 0,
    chunk_size: int = BULK_CHUNK,
    copy: ColumnarCopy | None = None,
) -> IngestReport:
    """Load the feed in ``feed_dir`` as run 1 of an empty graph through the store's bulk
    path ``writer`` (``FalkorStore.bulk()``, or ``neo4j_import.ImportFiles``); return what
    was loaded and rejected, with what to do next (``next_step``) if anything.

    The same reading, validation, de-duplication, rejects, warnings and run record as
    ``ingest``, and the same graph (equal ``graph_digest``), but no row is matched
    against the store: the graph is worked out in memory (``BulkGraph``) and sent in
    chunks of about ``chunk_size`` nodes and relationships. Raises as ``ingest`` does,
    and GraphNotEmpty (from ``FalkorStore.bulk``) before reading anything. Nothing is
    visible in the graph until the load is whole; on an error what was sent is dropped.
    The declarations also make the columnar ``copy`` anew, if given (emptied first, and
    again on an error). Cost: one pass over the feed (two with ``strict``); memory: the
    keys of every node and one chunk.
    """
    started = time.monotonic()
    files, ignored, headers = _open_feed(feed_dir, encoding)
    feed = str(feed_dir.resolve())
    digest = reader.checksum(files)
    if strict:
        _check(files, headers, runs_dir, batch_size, progress, workers)
    run_id = 1  # the graph is empty
    started_at = datetime.now(VIETNAM).isoformat(timespec="seconds")
    out_dir = _mkdir(runs_dir / f"run-{run_id:05d}", runs_dir)
    graph = BulkGraph(run_id, started_at)
    # One thread encodes and sends each chunk while the next is read: the store works meanwhile.
    sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="riskgraph-bulk")
    sent: deque[Future[WriteSummary]] = deque()
    written = WriteSummary()

    def send(wait: int) -> None:
        nonlocal written
        sent.append(sender.submit(writer.send, graph.take()))
        while len(sent) > wait:
            written += sent.popleft().result()

    def write(kind: str, records: list[Accepted]) -> None:
        groups = graph.add(kind, records)
        if copy is not None and kind == "declarations":
            copy.add(row_of_record(r.key, r.params) for r in records if isinstance(r, Record))
            for arrays in groups:
                copy.add_table(table_of_columns(arrays))
        if graph.held >= chunk_size:
            send(1)

    if copy is not None:
        copy.clear()
    try:
        report = _load(write, files, headers, out_dir, batch_size, progress, workers, references=True)
        finished_at = datetime.now(VIETNAM).isoformat(timespec="seconds")
        # The run node as run_start and run_finish leave it.
        graph.node("IngestRun", run_id, {"feed": feed, "checksum": digest, "started_at": started_at,
                                         "files": [f.path.name for f in files], "merged": False, "status": "finished",
                                         "finished_at": finished_at, "counts": _counts(report)})
        send(0)
        if copy is not None:
            copy.flush()
        report.next_step = writer.commit()
    except BaseException:
        for future in sent:
            future.cancel()
        sender.shutdown(wait=True)
        writer.abort()
        if copy is not None:
            copy.clear()
        raise
    sender.shutdown()
    report.written = written
    report.feed, report.checksum, report.run_id, report.out_dir, report.ignored = feed, digest, run_id, out_dir, ignored
    report.status = "bulk_loaded"
    return _finished(report, started)


def _open_feed(feed_dir: Path, encoding: str) -> tuple[list[FeedFile], list[str], dict[str, reader.Header | None]]:
    """Return the feed's files, the names of files ignored, and each file's header.
    Raises FeedError (nothing written) when the feed cannot be read at all."""
    files, ignored = reader.discover(feed_dir, encoding)
    if not files:
        names = ", ".join(f"{kind}.csv" for kind in LOAD_ORDER)
        raise FeedError(f"{feed_dir}: no contract files found (expected any of {names}, or .jsonl)"
                        + (f"; found only {', '.join(ignored)}" if ignored else ""))
    headers = {f.kind: reader.header(f) for f in files}  # FeedError before anything is written
    for f in files:
        reader.check_encoding(f)
    if not any(reader.has_rows(f) for f in files):
        raise FeedError(f"{feed_dir}: {', '.join(f.path.name for f in files)} hold no rows: nothing to load")
    return files, ignored, headers


def _check(files: list[FeedFile], headers: dict[str, reader.Header | None], runs_dir: Path, batch_size: int,
           progress: TextIO | None, workers: int) -> None:
    """Validate the whole feed first (``--strict``); raise RejectedRows if any row is rejected."""
    check_dir = Path(tempfile.mkdtemp(prefix="strict-", dir=_mkdir(runs_dir, runs_dir)))
    checked = _load(None, files, headers, check_dir, batch_size, progress, workers, references=True)
    if sum(f.rejected for f in checked.files):
        raise RejectedRows(f"{sum(f.rejected for f in checked.files)} rows rejected; nothing was written (--strict). "
                           f"See {check_dir / 'rejects.csv'}")
    shutil.rmtree(check_dir)  # a clean check leaves nothing behind; the load writes its own files


def _counts(report: IngestReport) -> str:
    """Return the run's counts per file kind, as the run node keeps them."""
    return json.dumps({f.kind: {"loaded": f.loaded, "rejected": f.rejected, "duplicates": f.duplicates, "warnings": f.warnings}
                       for f in report.files}, sort_keys=True)


def _finished(report: IngestReport, started: float) -> IngestReport:
    report.seconds = time.monotonic() - started
    with open(report.out_dir / "summary.json", "w", encoding="utf-8", opener=_private) as out:
        out.write(json.dumps(_summary(report), indent=1, sort_keys=True))
    return report


def _mkdir(path: Path, runs_dir: Path) -> Path:
    """Make ``path`` (``runs_dir`` or a directory in it) readable by its owner alone, and
    every directory up to the data directory above ``runs_dir``: rejected rows are personal data."""
    path.mkdir(parents=True, exist_ok=True)
    directory = path
    while directory != runs_dir.parent:
        os.chmod(directory, 0o700)
        directory = directory.parent
    os.chmod(directory, 0o700)
    return path


def _private(path: str, flags: int) -> int:
    """Open a run's file readable and writable by its owner alone (mode 600)."""
    return os.open(path, flags, 0o600)


class _Writer:
    """The MERGE path's writer thread: batches go to the store while the next ones are read."""

    def __init__(self, store: Store, run: dict[str, Any], copy: ColumnarCopy | None):
        self._store = store
        self._run = run
        self._copy = copy
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="riskgraph-writer")
        self._pending: deque[Future[WriteSummary]] = deque()
        self.written = WriteSummary()

    def __call__(self, kind: str, records: list[Record]) -> None:
        batch = prepare(self._store, kind, records)  # here, while the writer thread waits on the store
        self._pending.append(self._pool.submit(write_batch, self._store, batch, self._run, self._copy))
        while len(self._pending) > _IN_FLIGHT:
            self.written += self._pending.popleft().result()

    def finish(self) -> None:
        while self._pending:
            self.written += self._pending.popleft().result()

    def close(self) -> None:
        for future in self._pending:
            future.cancel()
        self._pool.shutdown(wait=True)


@full_collections_paused()  # what stays (bulk graph keys, copy rows) is not rescanned per batch
@switch_interval(0.0005)  # the pool's pipe threads and the bulk sender get the lock sooner
def _load(
    write: Callable[[str, list[Accepted]], None] | None,
    files: list[FeedFile],
    headers: dict[str, reader.Header | None],
    out_dir: Path,
    batch_size: int,
    progress_stream: TextIO | None,
    workers: int = 0,
    references: bool = False,
) -> IngestReport:
    """Read, validate and de-duplicate every file of the feed, handing each batch of new
    records to ``write(kind, records)`` when given; ``workers`` processes validate (none:
    this one does); a declarations CSV is checked by column (``_read``), its plain rows
    given as ``by_column.Plain`` references instead of records if ``references``."""
    report = IngestReport("", "", None, "validated", out_dir)
    issues = _Issues(out_dir)
    seen = _Seen(out_dir)
    progress = _Progress(progress_stream, sum(f.path.stat().st_size for f in files)) if progress_stream else None
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) if workers else None

    def flush(kind: str, batch: list[tuple[int, Accepted, str | bytes]], file_report: FileReport) -> None:
        keep = _deduplicate(seen, kind, batch, file_report, issues)
        file_report.loaded += len(keep)
        if write is not None and keep:
            write(kind, keep)

    try:
        for f in files:
            file_report = FileReport(f.kind, f.path.name)
            report.files.append(file_report)
            head = headers[f.kind]
            if head is None:
                issues.add("warnings", [f.path.name, 0, "", "the file is empty; nothing loaded from it"])
                file_report.warnings += 1
                continue
            if head.unknown:
                issues.add("warnings", [f.path.name, 1, ";".join(head.unknown), "unknown columns, ignored"])
                file_report.warnings += 1
            checked, position = _read(f, head, pool, workers, references)
            batch: list[tuple[int, Accepted, str | bytes]] = []  # (line, record, raw text)
            unknown_keys: set[str] = set()
            jsonl = f.format == "jsonl"
            for item, record in checked:
                file_report.rows += 1
                if isinstance(item, Problem):
                    _reject(issues, f, file_report, item.line, item.field, item.reason, item.raw)
                    continue
                line, values, raw = item
                if jsonl:
                    _note_unknown_keys(f, line, values, unknown_keys, issues, file_report)
                if isinstance(record, tuple):  # the field and reason of a reject
                    _reject(issues, f, file_report, line, *record, reader.raw_text(raw))
                    continue
                for name, reason in record.warnings:
                    issues.add("warnings", [f.path.name, line, name, reason])
                    file_report.warnings += 1
                batch.append((line, record, raw))
                if len(batch) >= batch_size:
                    flush(f.kind, batch, file_report)
                    batch = []
                if progress:
                    progress.update(f.kind, position(), file_report.rows)
            flush(f.kind, batch, file_report)
            if progress:
                progress.update(f.kind, position(), file_report.rows, force=True)
                progress.file_done(f.path.stat().st_size)
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
        issues.close()
        seen.close()
        (out_dir / "seen.sqlite").unlink(missing_ok=True)
        if progress:
            progress.close()
    return report


Checked = Iterator[tuple[reader.Row | Problem, by_column.Outcome | None]]


def _read(f: FeedFile, head: reader.Header, pool: ProcessPoolExecutor | None, workers: int,
          references: bool) -> tuple[Checked, Callable[[], int]]:
    """Return the rows of ``f`` with their outcomes, in file order, and a function giving
    the bytes read so far. A declarations CSV is checked by column (``by_column``, its
    blocks in the pool if there is one) for as long as its blocks allow it, giving
    ``Plain`` references if ``references``; the rest by row, validated by the pool's ``workers``."""
    blocks = by_column.Blocks.open(f, head.columns, not references, pool) if by_column.handles(f) else None
    if blocks is None:
        rows, counter = reader.rows(f)
        return _checked(f.kind, rows, pool, workers), lambda: counter.position
    source: list[Any] = [blocks]

    def checked() -> Checked:
        yield from blocks
        if blocks.rest is not None:
            rows, counter = reader.rows(f, blocks.rest, head.columns)
            source[0] = counter
            yield from _checked(f.kind, rows, pool, workers)

    return checked(), lambda: source[0].position


def _outcomes(kind: str, rows: list[dict[str, Any]]) -> list[Record | tuple[str, str]]:
    """Validate a block of rows in a worker process."""
    return [outcome(kind, values) for values in rows]


def _checked(kind: str, rows: Iterator[reader.Row | Problem], pool: ProcessPoolExecutor | None, workers: int) -> Checked:
    """Yield each row with its outcome (None for a row that could not be read), in file
    order. With a pool, blocks of VALIDATE_BLOCK rows are validated by its ``workers``, at
    most two blocks a worker ahead of the reader, so memory stays bounded."""
    if pool is None:
        for item in rows:
            yield item, None if isinstance(item, Problem) else outcome(kind, item[1])
        return
    pending: deque[tuple[list[reader.Row | Problem], Future[list[Record | tuple[str, str]]]]] = deque()

    def ready() -> Iterator[tuple[reader.Row | Problem, Record | tuple[str, str] | None]]:
        block, future = pending.popleft()
        outcomes = iter(future.result())
        for item in block:
            yield item, None if isinstance(item, Problem) else next(outcomes)

    block: list[reader.Row | Problem] = []
    for item in itertools.chain(rows, [None]):
        if item is not None:
            block.append(item)
        if block and (item is None or len(block) == VALIDATE_BLOCK):
            pending.append((block, pool.submit(_outcomes, kind, [b[1] for b in block if not isinstance(b, Problem)])))
            block = []
        while pending and (item is None or len(pending) > 2 * workers):
            yield from ready()


def _deduplicate(seen: _Seen, kind: str, batch: list[tuple[int, Accepted, str | bytes]], file_report: FileReport,
                 issues: _Issues) -> list[Accepted]:
    """Return the batch's records that are new in this feed, rejecting conflicting repeats."""
    before = seen.earlier(kind, list({r.key for _, r, _ in batch}))
    keep: list[Accepted] = []
    fresh: dict[str, tuple[int, str]] = {}
    for line, record, raw in batch:
        first = before.get(record.key) or fresh.get(record.key)
        if first is None:
            fresh[record.key] = (line, record.digest)
            keep.append(record)
        elif first[1] == record.digest:
            file_report.duplicates += 1
        else:
            issues.add("rejects", [file_report.file, line, ";".join(FEED_BY_KIND[kind].key),
                                   f"key {record.key} appears at line {first[0]} with other values; fix one of the two rows",
                                   reader.raw_text(raw)])
            file_report.rejected += 1
    seen.add(kind, [(k, line, d) for k, (line, d) in fresh.items()])
    return keep


def _reject(issues: _Issues, f: FeedFile, report: FileReport, line: int, field_name: str, reason: str, raw: str) -> None:
    issues.add("rejects", [f.path.name, line, field_name, reason, raw])
    report.rejected += 1


def _note_unknown_keys(f: FeedFile, line: int, values: dict[str, Any], noted: set[str], issues: _Issues, report: FileReport) -> None:
    unknown = set(values) - set(FEED_BY_KIND[f.kind].field_names) - noted
    if unknown:
        noted.update(unknown)
        issues.add("warnings", [f.path.name, line, ";".join(sorted(unknown)), "unknown keys, ignored"])
        report.warnings += 1


def _summary(report: IngestReport) -> dict[str, Any]:
    return {
        "feed": report.feed,
        "checksum": report.checksum,
        "run_id": report.run_id,
        "status": report.status,
        "seconds": round(report.seconds, 3),
        "files": [asdict(f) for f in report.files],
        "ignored": report.ignored,
        "written": asdict(report.written),
    }


def print_summary(report: IngestReport, out: TextIO = sys.stdout) -> None:
    """Print the end-of-run table."""
    if report.status == "already_loaded":
        out.write(f"feed {report.feed} was loaded already as run {report.run_id} (checksum {report.checksum[:12]}); nothing changed. "
                  "Use --force to load it again.\n")
        return
    out.write(f"{'file':<20}{'rows':>12}{'loaded':>12}{'rejected':>10}{'dupes':>8}{'warnings':>10}\n")
    for f in report.files:
        out.write(f"{f.file:<20}{f.rows:>12,}{f.loaded:>12,}{f.rejected:>10,}{f.duplicates:>8,}{f.warnings:>10,}\n")
    w = report.written
    rate = report.loaded / report.seconds if report.seconds else 0.0
    out.write(
        f"run {report.run_id} {report.status}: {report.loaded:,} rows in {report.seconds:.1f} s ({rate:,.0f} rows/s); "
        f"{w.nodes_created:,} nodes and {w.relationships_created:,} relationships created\n"
    )
    if report.rejected:
        out.write(f"{report.rejected:,} rows rejected: see {report.out_dir / 'rejects.csv'}\n")
    if any(f.warnings for f in report.files):
        out.write(f"data-quality warnings: see {report.out_dir / 'warnings.csv'}\n")
    for name in report.ignored:
        out.write(f"ignored {name}: not a file of the ingest contract\n")
    if report.next_step:
        out.write(report.next_step + "\n")
