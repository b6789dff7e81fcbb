"""The columnar copy (bản sao dạng cột) of the declaration attributes training reads.

The graph is the record; this is a cache of it that can be rebuilt from it at any time.
Training and backtests read months of declarations here instead of from the graph, where
decoding the store's replies runs at 6,000-8,000 declarations/s (a 2.7-million-declaration
window took 7.5 minutes).

Layout: ``<data_dir>/columnar/<graph>/<YYYY-MM>/`` holds, for the declarations
registered in that month, Parquet parts (zstd, owner-only) of whole rows, each row with
``seq``, the time (ns) it was written to the graph, and journals of outcome patches
(``outcomes-<pid>.jsonl``). Reading a month keeps each declaration's row of the highest
``seq`` and lays over it the patches written after it. Who appends:

- every ingest run, MERGE or bulk: its new and changed declarations (rows sent again
  unchanged are only touched in the graph, so nothing changes here either);
- the API's ``recordInspectionResult``: a patch of the inspection result.

Checked against the graph month by month (``check``): the number of declarations with a
trader, of compliant and of discrepant inspection results, of random selections and of HS
codes, and the sum of declared values must be equal; ``check(full=True)`` also compares a
checksum of every row read from both (the cost of reading the graph). A month that fails
is read from the graph and replaced (``repair``): a load killed half-way, a patch lost
while its month was being replaced or a copy deleted by hand cost one graph read of the
months concerned, never a wrong answer. ``riskgraph columnar check|rebuild`` does it by hand.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import json
import math
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskgraph.dates import month_ranges
from riskgraph.files import private_dir, write_parquet
from riskgraph.graph import Store

if TYPE_CHECKING:
    import pyarrow as pa

# The columns of a row, as the selectivity model reads them.
TEXT = ("origin_country", "partner_country", "procedure_code", "transport_mode", "tax_treatment",
        "payment_method", "office_code", "border_gate", "direction", "quantity_unit")
NUMBERS = ("value_usd", "tax_vnd", "duty_rate_pct", "net_mass_kg", "gross_mass_kg", "quantity")
OUTCOME = ("inspection_result", "selection", "channel")
# Parties other than the trader, by the link that names them in the graph.
LINKS = {"FILED_BY_AGENT": "agent", "FILED_BY_DECLARANT": "declarant", "CARRIED_BY": "vehicle",
         "STORED_AT": "warehouse", "WITH_PARTNER": "partner"}
PARTIES = tuple(LINKS.values())
COLUMNS = ("declaration_no", "registered_at", "trader", *TEXT, *NUMBERS, "hs_codes", *OUTCOME, *PARTIES)
_FROM_PROPS = COLUMNS[3:-len(PARTIES)]
FLUSH_ROWS = 50_000  # rows a month holds before they are written out
HELD_ROWS = 200_000  # rows held in all before the largest month is written out


@dataclass(frozen=True)
class MonthCheck:
    """A month of the copy against the graph: the summaries (declarations, compliant,
    discrepancies, random selections, HS codes, value) of each, and their row checksums
    when asked for."""

    month: str
    copy: tuple
    graph: tuple
    copy_checksum: str = ""
    graph_checksum: str = ""

    @property
    def fresh(self) -> bool:
        same = all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6) for a, b in zip(self.copy, self.graph, strict=True))
        return same and self.copy_checksum == self.graph_checksum


def as_table(columns: Mapping[str, Sequence]) -> pa.Table:
    """Return ``columns`` (``COLUMNS``, and ``seq`` if given) as a table of the copy's
    types: text, numbers as float64, the parties and HS codes as lists of text."""
    import pyarrow as pa

    strings, lists = pa.string(), pa.list_(pa.string())
    kinds = {**{c: pa.float64() for c in NUMBERS}, **{c: lists for c in (*PARTIES, "hs_codes")}, "seq": pa.int64()}
    return pa.table({c: pa.array(v, kinds.get(c, strings)) for c, v in columns.items()})


def table_of_columns(arrays: Mapping[str, pa.Array]) -> pa.Table:
    """Return the copy's rows (``as_table``, without ``seq``) of declarations given as the
    Arrow arrays of their fields (``by_column.Taken.select``): the same rows ``row_of_record``
    makes of their records. Cost: a few array operations, no Python object a row."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    lists = pa.list_(pa.string())

    def one(array: pa.Array) -> pa.Array:  # [value], or [] where null
        offsets = np.concatenate(([0], np.cumsum(pc.is_valid(array).to_numpy(zero_copy_only=False))))
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pc.drop_null(array))

    columns = {"declaration_no": arrays["declaration_no"], "registered_at": arrays["registered_at"],
               "trader": arrays["trader_tax_code"], **{c: arrays[c] for c in _FROM_PROPS},
               "agent": one(arrays["agent_code"]), "declarant": one(arrays["declarant_id"]),
               "vehicle": pc.fill_null(arrays["vehicle_ids"], pa.scalar([], lists)), "warehouse": one(arrays["warehouse"]),
               "partner": one(arrays["partner_key"])}
    return pa.table({c: columns[c] for c in COLUMNS}, schema=_schema())


@functools.cache
def _schema() -> pa.Schema:
    """Return the schema of the copy's rows without ``seq`` (``as_table``'s types)."""
    return as_table({c: [] for c in COLUMNS}).schema


def as_columns(table: pa.Table) -> dict[str, list]:
    """Return the ``COLUMNS`` of ``table`` as lists."""
    return {c: table.column(c).to_pylist() for c in COLUMNS}


def summary(table: pa.Table) -> tuple:
    """Return what ``check`` compares of a month's rows (``as_table``): declarations,
    compliant, discrepancies, random selections, HS codes and the sum of ``value_usd``."""
    import pyarrow.compute as pc

    def count(column: str, value: str) -> int:
        return int(pc.sum(pc.equal(table.column(column), value)).as_py() or 0)

    return (table.num_rows, count("inspection_result", "compliant"), count("inspection_result", "discrepancy"),
            count("selection", "random"), int(pc.sum(pc.list_value_length(table.column("hs_codes"))).as_py() or 0),
            float(pc.sum(table.column("value_usd")).as_py() or 0.0))


def checksum(columns: Mapping[str, Sequence]) -> str:
    """Return a checksum of the rows of ``columns`` whatever their order (parties sorted,
    numbers as floats)."""
    def cell(name: str, value: Any) -> Any:
        if name in NUMBERS:
            return None if value is None else float(value)
        return sorted(value) if name in PARTIES else value

    n = len(columns["declaration_no"])
    rows = sorted(json.dumps([cell(c, columns[c][i]) for c in COLUMNS], ensure_ascii=False) for i in range(n))
    h = hashlib.blake2b(digest_size=8)
    for row in rows:
        h.update(row.encode())
    return h.hexdigest()


def graph_month(store: Store, window: Mapping[str, str]) -> dict[str, list]:
    """Read the declarations registered in ``window`` (``from`` and ``until``, ISO dates,
    both included) from the graph as columns (``COLUMNS``; parties as lists). Cost: two
    reads; 6,000-8,000 declarations/s on 2 cores."""
    names, got = store.rows("selectivity_declarations", window)
    # Column lists, not a dict per row: a million rows of 25 fields would hold GBs.
    read = dict(zip(names, zip(*got))) if got else {name: () for name in names}
    del got
    columns = {name: list(read[name]) for name in COLUMNS if name not in PARTIES}
    row_of = {did: i for i, did in enumerate(read["id"])}
    for party in PARTIES:
        columns[party] = [[] for _ in row_of]
    _, links = store.rows("selectivity_parties", window)
    for did, link, party in links:
        i = row_of.get(did)
        if i is not None and link in LINKS:
            columns[LINKS[link]][i].append(party)
    return columns


def graph_summary(store: Store, window: Mapping[str, str]) -> tuple:
    """Return ``summary`` of the graph's declarations registered in ``window``, computed
    by the store: one aggregating read."""
    r = store.query("columnar_summary", window)[0]
    return (r["declarations"], r["compliant"], r["discrepancy"], r["random"], r["hs_codes"], float(r["value_usd"] or 0.0))


def row_of_record(key: str, params: Mapping[str, Any]) -> tuple:
    """Return the copy's row (``COLUMNS``, in order) of a validated declaration
    (``Record.key`` and ``params``)."""
    props, get = params["props"], params["props"].get
    partners = [p["key"] for p in params.get("partners", ())]
    return (key, props["registered_at"], params["trader"], *[get(c) for c in _FROM_PROPS],  # then PARTIES, in order
            params["agents"], params["declarants"], params["vehicles"], params["warehouses"], partners)


def months(since: date, until: date) -> list[str]:
    """Return the months (``YYYY-MM``) from ``since`` to ``until``."""
    return [first.isoformat()[:7] for first, _ in month_ranges(since, until)]


def whole_month(month: str) -> dict[str, str]:
    """Return the read bounds (``from``, ``until``) of the whole calendar ``month`` (``YYYY-MM``)."""
    year, number = int(month[:4]), int(month[5:7])
    return {"from": f"{month}-01", "until": date(year, number, calendar.monthrange(year, number)[1]).isoformat()}


class ColumnarCopy:
    """The copy in ``directory`` (``Settings.columnar_dir``). Rows are added with ``add``
    and written by ``flush``; ``read`` gives a month, checked against the graph first."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._held: dict[str, list[pa.Table]] = {}  # month -> tables of rows (as_table, with seq)

    # Writing
    def add(self, rows: Iterable[tuple], seq: int | None = None) -> None:
        """Hold ``rows`` (tuples of ``COLUMNS``), written to the graph at ``seq`` (ns,
        default now); a month is written out once it holds FLUSH_ROWS, the largest one
        past HELD_ROWS. Held as Arrow tables, one per batch and month: as Python tuples
        the held rows took about 2.4 kB each (a bulk load's peak RSS 930 MB against
        630 MB at 250,000 declarations)."""
        seq = time.time_ns() if seq is None else seq
        by_month: dict[str, list[tuple]] = {}
        for row in rows:
            by_month.setdefault(row[1][:7], []).append(row)
        for month, held in by_month.items():
            self._held.setdefault(month, []).append(as_table({**dict(zip(COLUMNS, zip(*held))), "seq": [seq] * len(held)}))
        self._written_out()

    def add_table(self, table: pa.Table, seq: int | None = None) -> None:
        """Hold the rows of ``table`` (``table_of_columns``) as ``add`` holds rows."""
        import pyarrow as pa
        import pyarrow.compute as pc

        seq = time.time_ns() if seq is None else seq
        table = table.append_column("seq", pa.array([seq] * table.num_rows, pa.int64()))
        month_of = pc.utf8_slice_codeunits(table.column("registered_at"), 0, 7)
        for month in pc.unique(month_of).to_pylist():
            self._held.setdefault(month, []).append(table.filter(pc.equal(month_of, month)))
        self._written_out()

    def _written_out(self) -> None:
        """Write out each month that holds FLUSH_ROWS, and the largest past HELD_ROWS."""
        for month in [m for m, held in self._held.items() if _rows(held) >= FLUSH_ROWS]:
            self._write(month, self._held.pop(month))
        if sum(_rows(h) for h in self._held.values()) >= HELD_ROWS:
            month = max(self._held, key=lambda m: _rows(self._held[m]))
            self._write(month, self._held.pop(month))

    def flush(self) -> None:
        """Write out every row held."""
        for month in sorted(self._held):
            self._write(month, self._held.pop(month))

    def patch(self, declaration_no: str, registered_on: str, inspection_result: str) -> None:
        """Record a new inspection result of a stored declaration (registered on
        ``registered_on``, an ISO date), as the graph now holds it."""
        folder = self.directory / registered_on[:7]
        private_dir(folder, 3)
        line = json.dumps({"seq": time.time_ns(), "declaration_no": declaration_no, "inspection_result": inspection_result})
        fd = os.open(folder / f"outcomes-{os.getpid()}.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())  # one write: appends from several processes do not interleave
        finally:
            os.close(fd)

    def clear(self) -> None:
        """Forget every month (before a bulk load, whose graph starts empty)."""
        self._held.clear()
        for folder in self._folders():
            for path in folder.iterdir():
                path.unlink()
            folder.rmdir()

    def _write(self, month: str, tables: list[pa.Table]) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        folder = self.directory / month
        private_dir(folder, 3)
        table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        write_parquet(table, folder / f"{pc.max(table.column('seq')).as_py():020d}-{os.getpid()}-{table.num_rows}.parquet")

    # Reading
    def _folders(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir() if p.is_dir() and len(p.name) == 7)

    def files(self, month: str) -> list[Path]:
        """Return the parts and patch journals of ``month``."""
        folder = self.directory / month
        return sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []

    def stored_months(self) -> list[str]:
        """Return the months the copy holds."""
        return [p.name for p in self._folders()]

    def table(self, month: str, files: Sequence[Path] | None = None) -> pa.Table:
        """Return the rows of ``month`` (from ``files``, default every one) as a table
        (``as_table``, without ``seq``): each declaration's latest row with the patches
        written after it."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        files = self.files(month) if files is None else files
        parts = [pq.read_table(p) for p in files if p.suffix == ".parquet"]
        if not parts:
            return as_table({c: [] for c in COLUMNS})
        table = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        keys, seqs = table.column("declaration_no").to_pylist(), table.column("seq").to_pylist()
        latest: dict[str, int] = {}
        for i, (key, seq) in enumerate(zip(keys, seqs)):
            j = latest.get(key)
            if j is None or seq >= seqs[j]:
                latest[key] = i
        if len(latest) < len(seqs):
            keep = sorted(latest.values())
            table, seqs = table.take(keep), [seqs[i] for i in keep]
            latest = {keys[i]: n for n, i in enumerate(keep)}
        patches = []
        for path in (p for p in files if p.suffix == ".jsonl"):
            with open(path, encoding="utf-8") as journal:
                patches += [json.loads(line) for line in journal if line.endswith("\n")]  # a torn last line is skipped
        if patches:
            results = table.column("inspection_result").to_pylist()
            for p in sorted(patches, key=lambda p: p["seq"]):
                i = latest.get(p["declaration_no"])
                if i is not None and p["seq"] > seqs[i]:
                    results[i] = p["inspection_result"]
            table = table.set_column(table.schema.get_field_index("inspection_result"), "inspection_result",
                                     pa.array(results, pa.string()))
        return table.select(list(COLUMNS))

    def month(self, month: str, files: Sequence[Path] | None = None) -> dict[str, list]:
        """Return the rows of ``month`` as columns of lists (see ``table``)."""
        return as_columns(self.table(month, files))

    def read(self, store: Store, month: str) -> tuple[pa.Table, bool]:
        """Return ``month`` as a table and whether it came from the copy: checked against
        the graph (``graph_summary``), else read from the graph and replaced (``repair``)."""
        files = self.files(month)
        table = self.table(month, files)
        if MonthCheck(month, summary(table), graph_summary(store, whole_month(month))).fresh:
            return table, True
        return self.repair(store, month, files), False

    def repair(self, store: Store, month: str, files: Sequence[Path] | None = None) -> pa.Table:
        """Read ``month`` from the graph, make it the copy's only rows, and return them as
        a table. Only the ``files`` listed before the graph was read (default: now) are
        dropped: what was written since stays, and counts over it."""
        files = self.files(month) if files is None else files
        seq = time.time_ns()
        columns = graph_month(store, whole_month(month))
        rows = len(columns["declaration_no"])
        if rows:
            self._write(month, [as_table({**{c: columns[c] for c in COLUMNS}, "seq": [seq] * rows})])  # add's column order
        for path in files:
            path.unlink(missing_ok=True)
        if not rows and not self.files(month) and (self.directory / month).is_dir():
            (self.directory / month).rmdir()  # a month the graph does not hold
        return as_table({c: columns[c] for c in COLUMNS})

    def check(self, store: Store, since: date | None = None, until: date | None = None, *, full: bool = False) -> list[MonthCheck]:
        """Compare the copy with the graph month by month from ``since`` to ``until``
        (default: every month either holds); ``full`` also compares row checksums, which
        reads the graph. Cost: an aggregating read per month (``full``: a graph read)."""
        wanted = months(since, until) if since and until else sorted({*self.stored_months(), *graph_months(store)})
        out = []
        for month in wanted:
            mine = self.table(month)
            if full:
                theirs = as_table(graph_month(store, whole_month(month)))
                out.append(MonthCheck(month, summary(mine), summary(theirs), checksum(as_columns(mine)), checksum(as_columns(theirs))))
            else:
                out.append(MonthCheck(month, summary(mine), graph_summary(store, whole_month(month))))
        return out


def _rows(tables: Sequence[pa.Table]) -> int:
    return sum(t.num_rows for t in tables)


def graph_months(store: Store) -> list[str]:
    """Return the months from the graph's first declaration to its last."""
    r = store.query("columnar_months")[0]
    if not r["first"]:
        return []
    return months(date.fromisoformat(r["first"]), date.fromisoformat(r["last"]))
