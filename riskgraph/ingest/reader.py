"""Reading a feed directory: which files, their headers, and their rows, streamed.

Rows come out as ``(line, values, raw)``: the line the row starts on, its values by
column name (``None`` for an empty cell) and its text as it stands in the file, for the
reject file. A row
that cannot be read (broken quoting, bytes that are not UTF-8, wrong number of cells,
bad JSON) comes out as a ``Problem`` instead, and reading goes on with the next row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from riskgraph.errors import FeedError
from riskgraph.model import FEED_BY_KIND, LOAD_ORDER

csv.field_size_limit(64 * 1024 * 1024)  # long fields are rejected by the validator, with a reason
RAW_KEPT = 4096  # characters of a rejected row kept in rejects.csv


ENCODINGS = ("utf-8", "cp1258", "latin-1")  # what the feed may be read as; TCVN3 and VNI have no maintained codec


@dataclass(frozen=True)
class FeedFile:
    kind: str
    path: Path
    encoding: str = "utf-8"  # one of ENCODINGS: legacy exports are decoded, then validated alike

    @property
    def format(self) -> str:
        return self.path.suffix.lstrip(".")


@dataclass(frozen=True)
class Problem:
    """A row that could not be read at all."""

    line: int
    field: str
    reason: str
    raw: str


@dataclass(frozen=True)
class Header:
    columns: tuple[str, ...]
    unknown: tuple[str, ...]


def discover(directory: Path, encoding: str = "utf-8") -> tuple[list[FeedFile], list[str]]:
    """Return the feed's files in load order, to be read as ``encoding``, and the names of
    files that were ignored.

    Raises FeedError if the directory is missing, a kind comes as both CSV and JSONL, or
    the encoding is not one of ENCODINGS.
    """
    if encoding not in ENCODINGS:
        raise FeedError(f"encoding {encoding!r} is not one riskgraph reads; choose one of {', '.join(ENCODINGS)} "
                        "(convert TCVN3 or VNI files to UTF-8 first)")
    if not directory.is_dir():
        raise FeedError(f"feed directory {directory} does not exist or is not a directory")
    found: list[FeedFile] = []
    for kind in LOAD_ORDER:
        candidates = [directory / f"{kind}.{ext}" for ext in ("csv", "jsonl") if (directory / f"{kind}.{ext}").is_file()]
        if len(candidates) > 1:
            raise FeedError(f"{directory}: both {kind}.csv and {kind}.jsonl are present; keep one")
        found.extend(FeedFile(kind, c, encoding) for c in candidates)
    known = {f.path.name for f in found}
    ignored = sorted(p.name for p in directory.iterdir() if p.is_file() and p.name not in known and not p.name.startswith("."))
    return found, ignored


def checksum(files: list[FeedFile]) -> str:
    """Return the SHA-256 of the feed: file names and bytes, in load order."""
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.path.name.encode() + b"\0")
        with open(f.path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


class _Counting(io.RawIOBase):
    """A binary reader that counts the bytes read, for progress."""

    def __init__(self, handle: BinaryIO):
        self._handle = handle
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._handle.readinto(buffer)
        self.position += n or 0
        return n

    def close(self) -> None:
        self._handle.close()
        super().close()


def _open(f: FeedFile, offset: int = 0) -> tuple[io.TextIOWrapper, _Counting]:
    handle = open(f.path, "rb")
    handle.seek(offset)
    counting = _Counting(handle)
    counting.position = offset
    # utf-8-sig drops a BOM; surrogateescape lets one bad row be rejected, not the file.
    encoding = "utf-8-sig" if f.encoding == "utf-8" and offset == 0 else f.encoding
    text = io.TextIOWrapper(io.BufferedReader(counting, 1 << 16), encoding=encoding, errors="surrogateescape", newline="")
    return text, counting


# How files that are not text announce themselves, and what to do about them.
_NOT_TEXT = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook is one); export the sheet as CSV"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel .xls workbook; export the sheet as CSV"),
    (b"\x1f\x8b", "gzip-compressed; decompress it first"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"%PDF-", "a PDF document"),
    (b"\xff\xfe", "UTF-16; save it as UTF-8"),
    (b"\xfe\xff", "UTF-16; save it as UTF-8"),
)


def _check_text(f: FeedFile) -> None:
    """Raise FeedError if ``f`` starts as a known binary format does. Cost: one 8-byte read."""
    with open(f.path, "rb") as handle:
        start = handle.read(8)
    for magic, what in _NOT_TEXT:
        if start.startswith(magic):
            raise FeedError(f"{f.path}: not a text file in the contract's format: it is {what}")


def header(f: FeedFile) -> Header | None:
    """Return the file's columns (for JSONL: none to check), or None if the file is empty.

    Raises FeedError for a file that is not text (an archive, a workbook, an image,
    UTF-16), and for a header that is not UTF-8, repeats a column or lacks a required
    column: such a file cannot be loaded at all.
    """
    feed = FEED_BY_KIND[f.kind]
    if f.path.stat().st_size == 0:
        return None
    _check_text(f)
    if f.format == "jsonl":
        return Header((), ())
    text, _ = _open(f)
    with text:
        try:
            columns = next(csv.reader(text, strict=True))
        except StopIteration:
            return None
        except csv.Error as e:
            raise FeedError(f"{f.path}: line 1: the header cannot be read as CSV ({e})") from None
    columns = [c.strip() for c in columns]
    if any("\x00" in c for c in columns):
        raise FeedError(f"{f.path}: line 1: the header holds NUL bytes (UTF-16 without a byte order mark?); save the file as UTF-8")
    if any(_has_bad_bytes(c) for c in columns):
        raise FeedError(f"{f.path}: line 1: the header is not UTF-8; save the file as UTF-8")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise FeedError(f"{f.path}: line 1: column {', '.join(repeated)} appears more than once")
    missing = [fld.name for fld in feed.fields if fld.required and fld.name not in columns]
    if missing:
        raise FeedError(f"{f.path}: line 1: required column {', '.join(missing)} is missing (contract: {f.kind})")
    unknown = tuple(c for c in columns if c not in feed.field_names)
    return Header(tuple(columns), unknown)


_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes surrogateescape could not decode
SAMPLE_BYTES = 1 << 20  # how much of a file is read to tell a legacy encoding from a few bad rows


def check_encoding(f: FeedFile) -> None:
    """Raise FeedError if ``f`` is not UTF-8 as a whole: at least two of the lines in its
    first SAMPLE_BYTES, and a tenth of them, do not decode (a Windows-1258, TCVN3 or
    Latin-1 export). A few bad lines in a UTF-8 file are rejected one by one instead.
    Cost: one read of SAMPLE_BYTES; none for a file read in a legacy encoding."""
    if f.encoding != "utf-8":
        return
    with open(f.path, "rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
    lines = sample.split(b"\n")
    if len(sample) == SAMPLE_BYTES or lines[-1] == b"":
        lines = lines[:-1]  # the last one may be cut mid-character, or be what follows the last newline
    bad = [k for k, line in enumerate(lines) if not _utf8(line)]
    if len(bad) >= 2 and len(bad) >= len(lines) / 10:
        raise FeedError(f"{f.path}: not UTF-8 ({len(bad)} of its first {len(lines)} lines, from line {bad[0] + 1}): save it "
                        "as UTF-8, or load it with --encoding cp1258 (Windows-1258) or latin-1")


def has_rows(f: FeedFile) -> bool:
    """Return whether ``f`` holds anything after its header (for JSONL: any line)."""
    text, _ = _open(f)
    with text:
        lines = (line for line in text if line.strip())
        if f.format == "csv":
            next(lines, None)
        return next(lines, None) is not None


def _utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _has_bad_bytes(text: str) -> bool:
    return _UNDECODED.search(text) is not None


# (line, values, raw): values None where the row was checked by column (by_column), raw
# as text, or as bytes there.
Row = tuple[int, dict[str, Any] | None, str | bytes]


def rows(f: FeedFile, start: tuple[int, int] | None = None, columns: tuple[str, ...] = ()
         ) -> tuple[Iterator[Row | Problem], _Counting]:
    """Return an iterator over the rows of ``f`` after the header, and its byte counter.

    Each item is a Row ``(line, values, raw)`` or a Problem for a row that cannot be
    read; pass ``raw`` to ``raw_text`` for the reject file. With ``start``, the rows from
    ``(byte offset, line)`` on, the first row of a line there, under the header ``columns``
    (CSV only). Cost: streaming, memory O(longest row).
    """
    text, counting = _open(f, start[0] if start else 0)
    if f.format != "csv":
        return _jsonl_rows(text), counting
    return _csv_rows(text, (list(columns), start[1]) if start else None), counting


def raw_text(raw: str | bytes) -> str:
    """Return a row's text as it stood in the file, cut at RAW_KEPT characters."""
    if isinstance(raw, bytes):
        raw = raw.rstrip(b"\r\n").decode("utf-8", "replace")
    else:
        raw = raw.rstrip("\r\n").encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if len(raw) <= RAW_KEPT:
        return raw
    return raw[:RAW_KEPT] + f"…(truncated; {len(raw)} characters)"


class _Tap:
    """The lines of a file as csv.reader takes them, the current row's kept, so that a row
    the reader cannot parse (broken quoting) can still be shown as it stood."""

    def __init__(self, text: io.TextIOWrapper):
        self._text = text
        self._kept: list[str] = []

    def __iter__(self) -> Iterator[str]:
        keep = self._kept.append
        for line in self._text:
            keep(line)  # at most one row: csv.field_size_limit bounds a field
            yield line

    def take(self) -> str:
        """Return the text read since the last call."""
        text = "".join(self._kept)
        self._kept.clear()
        return text


def _csv_rows(text: io.TextIOWrapper, resume: tuple[list[str], int] | None = None) -> Iterator[Row | Problem]:
    """The rows after the header, or with ``resume`` (columns, line) those from where ``text`` starts."""
    with text:
        tap = _Tap(text)
        reader = csv.reader(tap, strict=True)
        if resume:
            columns, first = resume
        else:
            try:
                columns = [c.strip() for c in next(reader)]
            except (StopIteration, csv.Error):
                return
            tap.take()
            first = 1
        line = reader.line_num + first
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                yield Problem(line, "", f"the row cannot be read as CSV: {e} (check the quoting)", raw_text(tap.take()))
                line = reader.line_num + first
                continue
            start, line, raw = line, reader.line_num + first, tap.take()
            if not cells or cells == [""]:
                continue  # blank line
            if _has_bad_bytes(raw):
                yield Problem(start, _bad_column(columns, cells),
                              "bytes that are not UTF-8 (Windows-1258 or Latin-1?); save the file as UTF-8", raw_text(raw))
                continue
            if len(cells) != len(columns):
                yield _cell_count(start, columns, cells, raw)
                continue
            yield start, {c: (v if v != "" else None) for c, v in zip(columns, cells)}, raw


def _cell_count(line: int, columns: list[str], cells: list[str], raw: str) -> Problem:
    """A row cut short names the first column it lacks (a cut line, or a lost separator before it)."""
    reason = f"the row has {len(cells)} cells but the header has {len(columns)}"
    if len(cells) < len(columns):
        return Problem(line, columns[len(cells)], f"{reason}: nothing from {columns[len(cells)]} on", raw_text(raw))
    return Problem(line, "", reason, raw_text(raw))


def _bad_column(columns: list[str], cells: list[str]) -> str:
    for column, cell in zip(columns, cells):
        if _has_bad_bytes(cell):
            return column
    return ""


def _jsonl_rows(text: io.TextIOWrapper) -> Iterator[Row | Problem]:
    with text:
        for number, line in enumerate(text, start=1):
            stripped = line.strip()
            if not stripped:
                continue
            if _has_bad_bytes(stripped):
                yield Problem(number, "", "bytes that are not UTF-8; save the file as UTF-8", raw_text(stripped))
                continue
            try:
                values = json.loads(stripped)
            except json.JSONDecodeError as e:
                yield Problem(number, "", f"not valid JSON: {e.msg} at column {e.colno}", raw_text(stripped))
                continue
            if not isinstance(values, dict):
                yield Problem(number, "", "a line must hold one JSON object", raw_text(stripped))
                continue
            yield number, {str(k): (None if v == "" else v) for k, v in values.items()}, stripped
