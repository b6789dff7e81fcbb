"""A declarations file read and validated a column at a time (Arrow), for speed.

Read a row at a time (``reader.rows``, then ``validate``), a declaration costs about
100-130 µs, most of it in per-value calls and the ``repr`` of its row hash. Here the
file is read in blocks of whole lines of about ``BLOCK_BYTES``, each block parsed by
Arrow's CSV reader and each field checked for the whole block at once. A row is taken
here only when every field has a plain form whose value cannot be in doubt (an ASCII
identifier, NFC text without surrounding space, apostrophes or backslashes, a decimal, a
``+07:00`` timestamp, a known choice, ...); every other row is given to ``validate`` as
the row path would give it, so values, row hashes, rejects and warnings are the row
path's exactly (tests/ingest/test_by_column.py compares them row by row).

A block that Arrow might read otherwise than Python's ``csv`` does (a row over several
lines, a blank line, a lone carriage return, a NUL byte, a wrong number of cells, bytes
that are not UTF-8, a quoted line that ``csv`` splits differently) hands the rest of the
file back to the row path from the block's first line (``Blocks.rest``): a feed with such
rows loads correctly, at the row path's speed from there on.

Blocks are checked ahead of the reader, in a worker process when the load has them. A
plain row comes out as its ``Record``, or, for the bulk load, which keeps declarations as
columns all the way to the store, as a ``Plain`` reference into its block's ``Taken``.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, BinaryIO

import numpy as np

from riskgraph import model
from riskgraph.ingest import normalize
from riskgraph.ingest.reader import FeedFile, Row
from riskgraph.ingest.validate import DECLARATION_NO, DECLARATION_PROPERTIES, MAX_TEXT, TAX_CODE_FIELDS, Record, outcome

BLOCK_BYTES = 1 << 20
AHEAD = 2  # blocks checked ahead of the one whose rows are taken
KIND = "declarations"

# An identifier whose value is itself: printable ASCII, no space, apostrophe or backslash (which
# ``repr`` would write otherwise); in a list, no ';' either.
_ID = r"[\x21-\x26\x28-\x5b\x5d-\x7e]{1,64}"
_ID_PART = r"[\x21-\x26\x28-\x3a\x3c-\x5b\x5d-\x7e]{1,64}"
_PLAIN = {
    model.ID: rf"^(?:{_ID})?$",
    model.COUNTRY: r"^(?:[A-Z]{2})?$",
    model.DECIMAL: r"^(?:\d+(?:\.\d+)?)?$",
    model.TIMESTAMP: r"^\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\+07:00$",
    model.ID_LIST: rf"^(?:{_ID_PART}(?:;{_ID_PART})*)?$",
    model.HS_LIST: r"^(?:\d{6,10}(?:;\d{6,10})*)?$",
}
# Text that is not plain: a control or bidirectional character, an apostrophe or backslash, or
# space that str.strip() would remove at either end (the controls among it are caught first).
_NOT_PLAIN_TEXT = ("[\\x00-\\x1f\\x7f-\\x9f\\x{061c}\\x{200e}\\x{200f}\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}'\\\\]"
                   "|^[ \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]"
                   "|[ \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]$")
_FIELDS = model.FEED_BY_KIND[KIND].fields
_DECIMALS = frozenset(f.name for f in _FIELDS if f.type == model.DECIMAL)
_TAX_CODES = tuple(f.name for f in _FIELDS if f.name in TAX_CODE_FIELDS)  # checked for warnings, as validate does
_PROPS = DECLARATION_PROPERTIES[:-2]  # in the order validate sets them; registered_at and registered_on follow


def handles(f: FeedFile) -> bool:
    """Return whether ``f`` is a file this module reads: declarations, CSV, UTF-8."""
    return f.kind == KIND and f.format == "csv" and f.encoding == "utf-8"


class Blocks:
    """The rows of a declarations CSV file with their outcomes (``Record``, or the field
    and reason of a reject), in file order, as ``pipeline`` takes them from the row path.

    ``position`` is the bytes read so far; ``rest``, once iteration stops, is None or the
    ``(byte offset, line)`` from which the row path is to read the rest of the file.
    Memory: one block and its columns.
    """

    def __init__(self, f: FeedFile, columns: tuple[str, ...], start: int, as_records: bool, executor: Executor | None):
        self._f = f
        self._columns = columns
        self._as_records = as_records
        self._executor = executor
        self.position = start
        self.rest: tuple[int, int] | None = None

    @classmethod
    def open(cls, f: FeedFile, columns: tuple[str, ...], as_records: bool = True,
             executor: Executor | None = None) -> Blocks | None:
        """Return the blocks of ``f`` after its header line (``columns``), or None when the
        header is not one whole line that reads as ``columns``. A plain row's outcome is its
        ``Record``, or with ``as_records=False`` a ``Plain`` reference to its block's columns.
        Blocks are checked ahead in ``executor`` (a process pool: another core), else in a
        thread of their own."""
        with open(f.path, "rb") as handle:
            first = handle.readline()
        text = first.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
        try:
            cells = next(csv.reader([text], strict=True), [])
        except csv.Error:
            return None
        if tuple(c.strip() for c in cells) != columns or not first.endswith(b"\n"):
            return None
        return cls(f, columns, len(first), as_records, executor)

    def __iter__(self) -> Iterator[tuple[Row, Outcome]]:
        # The next blocks are checked ahead while this one's rows are taken: in another
        # process, or in a thread, where Arrow's parsing and compute functions release the
        # interpreter lock.
        with open(self._f.path, "rb") as handle, contextlib.ExitStack() as stack:
            ahead = self._executor or stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="riskgraph-columns"))
            handle.seek(self.position)
            pending: deque[tuple[Future, bytes, int, int]] = deque()
            # Handed back to the row path, or stopped: the blocks not begun are not checked,
            # so that the pool's workers go to the rows at once.
            stack.callback(lambda: [item[0].cancel() for item in pending])
            for block, offset, line in _cut(handle, self.position):
                pending.append((ahead.submit(_check, block, line, self._columns), block, offset, line))
                if len(pending) <= AHEAD:
                    continue
                if not (yield from self._take(pending.popleft())):
                    return
            while pending:
                if not (yield from self._take(pending.popleft())):
                    return

    def _take(self, item: tuple[Future, bytes, int, int]) -> Iterator[tuple[Row, Outcome]]:
        """Yield a checked block's rows; return False (and set ``rest``) if it was not fit."""
        future, block, offset, line = item
        checked = future.result()
        if checked is None:
            self.rest = (offset, line)
            return False
        taken, ends, others = checked
        outcomes: list[Any] = taken.records() if self._as_records else taken.references()
        values: dict[int, dict[str, Any]] = {}
        for index, row, outcome_of_row in others:
            outcomes[index], values[index] = outcome_of_row, row
        start = 0
        for i, (stop, outcome_of_row) in enumerate(zip(ends.tolist(), outcomes)):
            yield (line + i, values.get(i), block[start:stop]), outcome_of_row  # values: only of rows not plain
            start = stop
        self.position = offset + len(block)
        return True


def _cut(handle: BinaryIO, offset: int) -> Iterator[tuple[bytes, int, int]]:
    """Yield ``(block, byte offset, first line)`` of whole lines of about BLOCK_BYTES from ``offset``
    (the start of line 2) on; the last may end without a line break."""
    line, carry = 2, b""
    while True:
        read = handle.read(BLOCK_BYTES)
        data = carry + read
        if not data:
            return
        cut = len(data) if len(read) < BLOCK_BYTES else data.rfind(b"\n") + 1
        if cut == 0:  # a line longer than a block: read on
            carry = data
            continue
        block, carry = data[:cut], data[cut:]
        yield block, offset, line
        offset += len(block)
        line += block.count(b"\n")


def _check(block: bytes, line: int, columns: tuple[str, ...]) -> tuple[Taken, Any, list[tuple[int, dict[str, Any], Outcome]]] | None:
    """Return the rows of ``block`` (whole lines, the first being ``line``) checked by
    column (``Taken``), the offset at which each row ends, and the index, values (as
    ``reader.rows`` gives them) and outcome (``validate``'s) of each row not plain; or None
    if Arrow might read the block otherwise than ``csv``. Runs in a worker process or thread."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    if (b"\x00" in block or block.count(b"\r") != block.count(b"\r\n") or block.startswith((b"\n", b"\r\n"))
            or b"\n\n" in block or b"\n\r\n" in block):
        return None
    try:
        table = pacsv.read_csv(
            pa.py_buffer(block),
            read_options=pacsv.ReadOptions(column_names=list(columns), use_threads=False, block_size=len(block) + 1),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in columns}, strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    buffer = np.frombuffer(block, np.uint8)
    ends = np.flatnonzero(buffer == 10) + 1
    if len(ends) == 0 or ends[-1] != len(block):
        ends = np.append(ends, len(block))
    if table.num_rows != len(ends):
        return None
    starts = np.concatenate(([0], ends[:-1]))
    # Quoting is where two CSV readers can differ: each line with a quote is read by csv too.
    quoted = np.unique(np.searchsorted(ends, np.flatnonzero(buffer == 34), side="right")).tolist()
    if quoted:
        # Each row's cells joined by NUL, which no cell holds (checked above): equal texts, equal cells.
        chosen = table.take(pa.array(quoted, pa.int64()))
        lines = [block[starts[i]:ends[i]].decode() for i in quoted]
        try:
            if ["\x00".join(cells) for cells in csv.reader(lines, strict=True)] != \
                    pc.binary_join_element_wise(*chosen.columns, "\x00").to_pylist():
                return None
        except csv.Error:
            return None
    taken = _taken(table, columns)
    others = [i for i, fine in enumerate(taken.plain) if not fine]
    rows = [{c: (v if v != "" else None) for c, v in values.items()}  # as reader.rows: None for an empty cell
            for values in table.take(pa.array(others, pa.int64())).to_pylist()]
    return taken, ends, [(i, row, outcome(KIND, row)) for i, row in zip(others, rows)]


def _taken(table: Any, columns: tuple[str, ...]) -> Taken:
    """Return the block's rows checked by column (``Taken``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = table.num_rows
    cells = {f.name: table.column(f.name).combine_chunks() if f.name in columns else pa.array([""] * n, pa.string())
             for f in _FIELDS}
    ok = np.ones(n, bool)
    nulled: dict[str, Any] = {}
    for f in _FIELDS:
        column = cells[f.name]
        blank = pc.equal(column, "")
        if f.type == model.DECIMAL:
            plain = plain_decimal(column)
        elif f.type in _PLAIN:
            plain = pc.match_substring_regex(column, _PLAIN[f.type])
        elif f.type == model.ENUM:
            plain = pc.or_(blank, pc.is_in(column, value_set=pa.array(f.choices)))
        elif f.type == model.TEXT:
            plain = pc.and_(pc.invert(pc.match_substring_regex(column, _NOT_PLAIN_TEXT)),
                            pc.and_(pc.less_equal(pc.utf8_length(column), MAX_TEXT),
                                    pc.equal(pc.utf8_normalize(column, "NFC"), column)))
            plain = _printable(column, plain)
        else:
            raise TypeError(f"no column check for a field of type {f.type} ({f.name})")
        if f.required:
            plain = pc.and_(plain, pc.invert(blank))
        ok &= plain.to_numpy(zero_copy_only=False)
        # None for an empty cell, and for one that is not plain (its row goes to validate).
        nulled[f.name] = pc.if_else(pc.and_(plain, pc.invert(blank)), column, pa.scalar(None, pa.string()))
    stamps = cells["registered_at"]
    days = pc.utf8_slice_codeunits(stamps, 0, 10)
    ok &= np.array([_calendar(d) for d in days.to_pylist()], bool)
    numbers = {name: pc.cast(nulled[name], pa.float64()) for name in _DECIMALS}
    heavier = pc.fill_null(pc.greater(numbers["net_mass_kg"], numbers["gross_mass_kg"]), False)
    ok &= ~heavier.to_numpy(zero_copy_only=False)
    lists = {f.name: pc.split_pattern(nulled[f.name], ";") for f in _FIELDS if f.type in (model.ID_LIST, model.HS_LIST)}
    list_values = {name: column.to_pylist() for name, column in lists.items()}
    for values in list_values.values():  # a repeated element: validate drops it
        ok &= np.array([v is None or len(set(v)) == len(v) for v in values], bool)
    ok &= _no_warnings(cells)
    plain_rows = ok.tolist()
    names, countries = nulled["partner_name"].to_pylist(), nulled["partner_country"].to_pylist()
    partner_keys = [normalize.partner_key(name, country) if name is not None and fine else None
                    for name, country, fine in zip(names, countries, plain_rows)]
    digests = _digests(nulled, lists, partner_keys, days, ok)
    typed = {**nulled, **numbers, **lists, "registered_on": days, "partner_key": pa.array(partner_keys, pa.string()),
             "row_hash": pa.array(digests, pa.string())}
    partners = [(key, name, country) if key is not None else None for key, name, country in zip(partner_keys, names, countries)]
    return Taken(plain_rows, nulled["declaration_no"].to_pylist(), digests, typed, partners)


class Plain:
    """A plain row taken by column: its block's ``Taken`` and its place in the block."""

    __slots__ = ("taken", "index", "key", "digest")
    warnings = ()

    def __init__(self, taken: Taken, index: int, key: str, digest: str):
        self.taken, self.index, self.key, self.digest = taken, index, key, digest


Outcome = Record | Plain | tuple[str, str]  # of a row: validate.outcome's, or a reference to its columns


@dataclass(frozen=True)
class Taken:
    """A block's rows checked by column: ``plain`` tells which rows were taken here;
    ``keys`` and ``digests`` are their declaration numbers and row hashes; ``arrays`` holds
    every field over the block's rows as Arrow arrays of its value type (text, float64 for
    decimals, lists of text), null where empty or where the row is not plain, with
    ``registered_on``, ``partner_key`` and ``row_hash``; ``partners`` the ``(key, name,
    country)`` of each plain row's trading partner, if it names one."""

    plain: list[bool]
    keys: list[str | None]
    digests: list[str | None]
    arrays: dict[str, Any]
    partners: list[tuple[str, str, str | None] | None]

    def references(self) -> list[Plain | None]:
        """Return a ``Plain`` for each plain row, None for every other row."""
        return [Plain(self, i, key, digest) if fine else None
                for i, (fine, key, digest) in enumerate(zip(self.plain, self.keys, self.digests))]

    def select(self, rows: Sequence[int]) -> dict[str, Any]:
        """Return ``arrays`` for the block's ``rows`` (plain ones, in increasing order)."""
        import pyarrow as pa

        if rows[-1] - rows[0] + 1 == len(rows):  # a run of rows, as most are: slices, no copy
            return {name: array.slice(rows[0], len(rows)) for name, array in self.arrays.items()}
        chosen = pa.array(rows, pa.int64())
        return {name: array.take(chosen) for name, array in self.arrays.items()}

    def records(self) -> list[Record | None]:
        """Return the Record of each plain row, None for every other row."""
        py = {name: array.to_pylist() for name, array in self.arrays.items()}
        names = _PROPS
        records: list[Record | None] = []
        for fine, digest, key, stamp, day, trader, agent, declarant, vehicles, warehouse, partner, country, pkey, values in zip(
                self.plain, self.digests, self.keys, py["registered_at"], py["registered_on"], py["trader_tax_code"],
                py["agent_code"], py["declarant_id"], py["vehicle_ids"], py["warehouse"], py["partner_name"],
                py["partner_country"], py["partner_key"], zip(*(py[name] for name in names))):
            if not fine:
                records.append(None)
                continue
            props = {name: v for name, v in zip(names, values) if v is not None}
            props["registered_at"] = stamp
            props["registered_on"] = day
            params = {  # as validate's builder makes them
                "key": key,
                "props": props,
                "trader": trader,
                "agents": [agent] if agent else [],
                "declarants": [declarant] if declarant else [],
                "vehicles": vehicles or [],
                "warehouses": [warehouse] if warehouse else [],
                "partners": [{"key": pkey, "name": partner, "country": country}] if partner else [],
            }
            records.append(Record(key, params, digest))
        return records


def selected(references: Sequence[Plain]) -> list[dict[str, Any]]:
    """Return the arrays (``Taken.select``) of the rows ``references`` name, given in file
    order: one mapping a block, blocks in the order first met."""
    rows: dict[int, tuple[Taken, list[int]]] = {}
    for r in references:
        rows.setdefault(id(r.taken), (r.taken, []))[1].append(r.index)
    return [taken.select(indices) for taken, indices in rows.values()]


def _printable(column: Any, plain: Any) -> Any:
    """Return ``plain`` and, for text that is not ASCII, Python's ``str.isprintable`` (what
    ``repr`` escapes, by this interpreter's Unicode tables)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    wide = pc.and_(plain, pc.invert(pc.string_is_ascii(column))).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(wide)
    if len(rows) == 0:
        return plain
    fine = np.array(plain.to_numpy(zero_copy_only=False))
    fine[rows] = [s.isprintable() for s in column.take(pa.array(rows)).to_pylist()]
    return pa.array(fine)


@lru_cache(maxsize=65_536)  # days repeat across a feed
def _calendar(day: str) -> bool:
    """Return whether ``day`` (YYYY-MM-DD) is a calendar date."""
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return True


def _no_warnings(cells: dict[str, Any]) -> Any:
    """Return the mask of rows with no data-quality warning (those go to ``validate``,
    which also gives several warnings in its own order)."""
    import pyarrow.compute as pc

    fine = pc.match_substring_regex(cells["declaration_no"], DECLARATION_NO.pattern).to_numpy(zero_copy_only=False)
    for name in _TAX_CODES:
        fine &= np.array([code == "" or normalize.tax_code_problem(code) is None for code in cells[name].to_pylist()], bool)
    return fine


def _digests(nulled: dict[str, Any], lists: dict[str, Any], partner_keys: list[str | None], days: Any, ok: Any
             ) -> list[str | None]:
    """Return each plain row's hash as ``validate`` makes it: blake2b of the ``repr`` of its
    parameters, the text of which is put together here by column (None for other rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    join = pc.binary_join_element_wise

    def one(column: Any) -> Any:  # [value], or [] for none
        return pc.coalesce(join("['", column, "']", ""), "[]")

    pieces = []
    for name in _PROPS:
        if name in _DECIMALS:
            pieces.append(join(f"'{name}': ", float_repr(nulled[name]), ""))
        elif name in lists:
            pieces.append(join(f"'{name}': ['", pc.binary_join(lists[name], "', '"), "']", ""))
        else:
            pieces.append(join(f"'{name}': '", nulled[name], "'", ""))
    pieces.append(join("'registered_at': '", nulled["registered_at"], "'", ""))
    pieces.append(join("'registered_on': '", days, "'", ""))
    props = join(*pieces, ", ", null_handling="skip")
    keys = pa.array(partner_keys, pa.string())
    partners = pc.coalesce(join("[{'key': '", keys, "', 'name': '", nulled["partner_name"], "', 'country': ",
                                pc.coalesce(join("'", nulled["partner_country"], "'", ""), "None"), "}]", ""), "[]")
    vehicles = pc.coalesce(join("['", pc.binary_join(lists["vehicle_ids"], "', '"), "']", ""), "[]")
    text = join("{'key': '", nulled["declaration_no"], "', 'props': {", props, "}, 'trader': '",
                nulled["trader_tax_code"], "', 'agents': ", one(nulled["agent_code"]), ", 'declarants': ",
                one(nulled["declarant_id"]), ", 'vehicles': ", vehicles, ", 'warehouses': ",
                one(nulled["warehouse"]), ", 'partners': ", partners, "}", "")
    blake2b = hashlib.blake2b
    return [None if t is None or not fine else blake2b(t, digest_size=12).hexdigest()
            for t, fine in zip(pc.cast(text, pa.binary()).to_pylist(), ok.tolist())]


def plain_decimal(column: Any) -> Any:
    """Return the mask of empty cells and of decimals whose ``repr`` ``float_repr`` writes:
    at most 15 significant digits, below 1e16 and not below 1e-4 unless zero (``repr``
    writes an exponent there)."""
    import pyarrow.compute as pc

    form = pc.match_substring_regex(column, _PLAIN[model.DECIMAL])
    digits = pc.replace_substring_regex(pc.replace_substring(column, ".", ""), r"^0+|0+$", "")
    whole = pc.replace_substring_regex(pc.replace_substring_regex(column, r"\..*$", ""), "^0+", "")
    tiny = pc.match_substring_regex(column, r"^0+\.0000\d*[1-9]")
    return pc.and_(pc.and_(form, pc.less_equal(pc.utf8_length(digits), 15)),
                   pc.and_(pc.less_equal(pc.utf8_length(whole), 16), pc.invert(tiny)))


def float_repr(decimals: Any) -> Any:
    """Return ``repr(float(text))`` of each plain decimal text (``plain_decimal``), by column.

    A decimal of at most 15 significant digits is the shortest text of its double (15
    decimal digits always survive the round trip), so its ``repr`` is the text itself
    without leading zeros and trailing zeros after the point, with ``.0`` for a whole number.
    """
    import pyarrow.compute as pc

    text = pc.replace_substring_regex(decimals, r"^0+(\d)", r"\1")
    text = pc.replace_substring_regex(text, r"(\.\d*?)0+$", r"\1")
    text = pc.replace_substring_regex(text, r"\.$", "")
    return pc.replace_substring_regex(text, r"^(\d+)$", r"\1.0")
