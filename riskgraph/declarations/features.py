"""Declaration features for the selectivity model (mô hình phân luồng học máy).

A ``Declarations`` holds declarations as columns, in order of registration, from the
store (``from_store``) or from validated feed rows (``from_records``). ``history``
turns it into the model's inputs:

- the declaration's own attributes: goods (HS at 4, 6 and 8 digits), countries,
  procedure, transport mode, tax treatment, payment method, office, gate, duty rate,
  value, masses, quantity, log unit value, hour, weekday and month;
- smoothed discrepancy rates of its trader, agent, declarant, partner, vehicles,
  warehouse and office, and of its HS x origin, HS x procedure and tax treatment x
  origin profiles: ``(discrepancies + M p0) / (inspections + M)`` with ``p0`` the
  overall rate, so that a key seen twice does not read as 0% or 100%;
- the gap between its log unit value and the norm (mean log unit value) of the same
  HS code and origin, else the same HS code;
- the graph risk scores of its parties (``graph_*``), given by the caller, with the
  network part of its trader's score and the rank of the trader's suspicious network.

Nothing leaks: when training, every rate and norm is counted only over declarations
registered strictly before the one described (a running count in time order), and only
inspection results count (a violation decided later is not known at clearance). The
counts at the end of the training data become ``Tables``, frozen with the model:
declarations assessed later are described from them, as a clearance system would.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TextIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from riskgraph.dates import month_bounds
from riskgraph.graph import Store
from riskgraph.ingest import columnar
from riskgraph.ingest.columnar import ColumnarCopy

# Categorical inputs: name -> how a declaration's text gives it.
CATEGORICAL = (
    "hs4", "hs6", "hs8", "origin_country", "partner_country", "procedure_code", "transport_mode",
    "tax_treatment", "payment_method", "office_code", "border_gate", "direction", "quantity_unit",
)
_TEXT = columnar.TEXT
_NUMBERS = columnar.NUMBERS
# Parties whose history is counted, and the parties the graph scores.
PARTIES = ("trader", "agent", "declarant", "partner", "vehicle", "warehouse")
GRAPH_PARTIES = ("trader", "agent", "declarant", "vehicle", "warehouse")
PROFILES = {  # profile -> the text columns its key joins
    "hs_origin": ("hs6", "origin_country"),
    "hs_procedure": ("hs4", "procedure_code"),
    "treatment_origin": ("tax_treatment", "origin_country"),
    "office": ("office_code",),
}
RATES = tuple(f"rate_{p}" for p in (*PARTIES, *PROFILES))
NUMERIC = (
    "duty_rate_pct", "log_value", "log_net_mass", "log_gross_mass", "gross_net_ratio", "log_quantity",
    "log_unit_value", "unit_value_gap", "log_tax", "tax_per_value", "hs_count", "vehicle_count",
    "has_agent", "hour", "weekday", "month",
    "trader_inspections", "trader_declarations", "trader_days", "trader_violations",
    *RATES,
)
# The graph scores of the parties, and of the trader also the part its network brings
# and how high its suspicious network ranks (1 for the first, falling to 0 past the last).
GRAPH = (*(f"graph_{p}" for p in GRAPH_PARTIES), "graph_trader_network", "graph_trader_suspicious")
FEATURES = CATEGORICAL + NUMERIC + GRAPH
SMOOTHING = 10.0  # M: pseudo-inspections at the overall rate
NORM_MIN = 3  # declarations before a unit-value norm is trusted


@dataclass(frozen=True, eq=False)
class Keys:
    """The keys of one kind of party (agents, vehicles, ...) of each declaration, flat:
    declaration ``i`` names ``flat[start[i]:start[i + 1]]``. ``keys[i]`` is that list.
    Flat arrays, not a list per declaration: 16 million small lists held 1.1 GB of Python
    objects in a 2.7-million-declaration window."""

    start: np.ndarray  # int64, one more than the declarations
    flat: np.ndarray  # object: the keys, declaration after declaration

    @classmethod
    def concat(cls, parts: Sequence[Keys]) -> Keys:
        """Return the declarations of ``parts``, one after the other."""
        shifts = np.cumsum([0] + [len(p.flat) for p in parts[:-1]])
        start = np.concatenate([[0], *(p.start[1:] + s for p, s in zip(parts, shifts))]).astype(np.int64)
        return cls(start, np.concatenate([p.flat for p in parts]) if parts else np.empty(0, object))

    def __len__(self) -> int:
        return len(self.start) - 1

    def __getitem__(self, i: int) -> list[str]:
        return self.flat[self.start[i]:self.start[i + 1]].tolist()

    def __iter__(self) -> Iterator[list[str]]:
        flat = self.flat.tolist()
        bounds = self.start.tolist()
        return (flat[a:b] for a, b in zip(bounds, bounds[1:]))

    def counts(self) -> np.ndarray:
        """Return the number of keys of each declaration."""
        return np.diff(self.start)

    def owners(self) -> np.ndarray:
        """Return the declaration of each key of ``flat``."""
        return np.repeat(np.arange(len(self)), self.counts())

    def first(self) -> list:
        """Return each declaration's first key ("" without one)."""
        padded = np.append(self.flat, np.array([""], dtype=object))
        return np.where(self.counts() > 0, padded[self.start[:-1]], "").tolist()

    def take(self, rows: np.ndarray) -> Keys:
        """Return the keys of the declarations at ``rows`` (an index array), in that order."""
        counts = self.counts()[rows]
        start = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(counts, out=start[1:])
        at = np.repeat(self.start[:-1][rows] - start[:-1], counts) + np.arange(int(start[-1]))
        return Keys(start, self.flat[at])


@dataclass
class Declarations:
    """Declarations as columns, in order of registration.

    ``text`` holds the categorical columns, ``number`` the amounts (NaN when absent),
    ``parties`` the keys of each party kind per declaration (``Keys``). ``labelled`` marks declarations whose outcome is
    known: inspected, or cited by a decided violation; ``positive`` those found wrong.
    """

    key: np.ndarray
    time: np.ndarray  # seconds since the epoch
    text: dict[str, np.ndarray]
    number: dict[str, np.ndarray]
    parties: dict[str, Keys]
    inspected: np.ndarray
    discrepancy: np.ndarray
    random: np.ndarray
    cited: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.cited is None:
            self.cited = np.zeros(len(self.key), dtype=bool)

    def __len__(self) -> int:
        return len(self.key)

    @property
    def labelled(self) -> np.ndarray:
        return self.inspected | self.cited

    @property
    def positive(self) -> np.ndarray:
        return self.discrepancy | self.cited

    def take(self, rows: np.ndarray) -> Declarations:
        """Return the declarations at ``rows`` (an index or boolean array), in that order."""
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows
        return Declarations(
            self.key[rows], self.time[rows], {k: v[rows] for k, v in self.text.items()},
            {k: v[rows] for k, v in self.number.items()}, {k: v.take(rows) for k, v in self.parties.items()},
            self.inspected[rows], self.discrepancy[rows], self.random[rows], self.cited[rows])

    @classmethod
    def concat(cls, parts: Sequence[Declarations]) -> Declarations:
        """Return the declarations of ``parts``, one after the other."""
        def joined(get) -> np.ndarray:
            return np.concatenate([get(p) for p in parts])

        first = parts[0]
        return Declarations(
            joined(lambda p: p.key), joined(lambda p: p.time), {k: joined(lambda p: p.text[k]) for k in first.text},
            {k: joined(lambda p: p.number[k]) for k in first.number},
            {k: Keys.concat([p.parties[k] for p in parts]) for k in first.parties},
            joined(lambda p: p.inspected), joined(lambda p: p.discrepancy), joined(lambda p: p.random), joined(lambda p: p.cited))


@dataclass
class Tables:
    """Counts frozen at the end of the training data: per key of each party and profile,
    (inspections, discrepancies, declarations, first seen); unit-value sums per HS x
    origin and HS; decided violations per trader; the overall rate ``p0``."""

    p0: float
    counts: dict[str, dict[str, tuple[float, float, float, float]]]
    norms: dict[str, tuple[float, float]]  # "hs6|origin" or "hs6" -> (declarations, sum of log unit value)
    violations: dict[str, int]
    until: float  # time of the last declaration counted


def from_records(records: Iterable[Mapping], *, sort: bool = True) -> Declarations:
    """Return declarations from validated feed rows (``Record.params`` of the declarations
    feed: key, props, trader, agents, declarants, vehicles, warehouses, partners), sorted
    by registration unless not ``sort``. Cost: O(n)."""
    rows = [columnar.row_of_record(r["key"], r) for r in records]
    d = _columns({c: list(v) for c, v in zip(columnar.COLUMNS, zip(*rows))} if rows else {c: [] for c in columnar.COLUMNS}, {},
                 sort_parties=False)
    return d.take(_by_time(d)) if sort else d


def from_store(store: Store, since: date, until: date, *, cited_until: date | None = None,
               copy: ColumnarCopy | None = None, progress: TextIO | None = None) -> Declarations:
    """Read the declarations registered from ``since`` to ``until`` (both included), a
    month at a time, with the violations decided up to ``cited_until`` (default
    ``until``) that cite them. With ``copy``, each month comes from the columnar copy
    once checked against the graph, else from the graph, and then replaces the copy's
    month (``ColumnarCopy.read``); ``progress`` gets a line naming the months read from
    the graph. Each month is made columns (arrays) as it is read, so that a window is
    never held as Python lists. Cost: from the graph two reads per month, 6,000-8,000
    declarations/s on 2 cores; from the copy one aggregating read per month and the
    Parquet files."""
    canon: dict[str, str] = {}  # one string per distinct code or key: rows repeat a few thousand of them
    parts, from_graph = [], []
    for window in month_bounds(since, until):
        if copy is None:
            month = columnar.as_table(columnar.graph_month(store, window))
        else:
            month, fresh = copy.read(store, window["from"][:7])
            if not fresh:
                from_graph.append(window["from"][:7])
        day = pc.utf8_slice_codeunits(month.column("registered_at"), 0, 10)
        inside = pc.and_(pc.greater_equal(day, window["from"]), pc.less_equal(day, window["until"]))
        if not pc.all(inside).as_py():  # the copy holds whole months
            month = month.filter(inside)
        # Parties sorted: the graph returns a declaration's links in no set order.
        parts.append(_columns({c: month.column(c) for c in columnar.COLUMNS}, canon, sort_parties=True))
        del month
    if from_graph and progress is not None:
        print(f"columnar copy: {len(from_graph)} months read from the graph and kept ({', '.join(from_graph)})", file=progress, flush=True)
    d = Declarations.concat(parts) if parts else _columns({c: [] for c in columnar.COLUMNS}, canon, sort_parties=True)
    del parts
    cited = {r["declaration_no"] for r in store.query("selectivity_violations", {"until": (cited_until or until).isoformat()})}
    d.cited = np.array([k in cited for k in d.key.tolist()], dtype=bool)
    return d.take(_by_time(d))


def _by_time(d: Declarations) -> np.ndarray:
    return np.argsort(d.time, kind="stable")


Column = list | pa.Array | pa.ChunkedArray  # a column of rows: lists for a few, Arrow for a month


def _columns(columns: Mapping[str, Column], canon: dict[str, str], *, sort_parties: bool) -> Declarations:
    """Return the declarations of ``columns`` (``columnar.COLUMNS``: lists, or the
    columns of a ``columnar.as_table`` table) in their order, codes and keys replaced by
    their first copy in ``canon``, each declaration's parties sorted if
    ``sort_parties``. Arrow columns are decoded column by column, each distinct code once."""
    n = len(columns["declaration_no"])
    text = {name: _decoded(columns[name], canon, "") for name in _TEXT}
    hs_keys = _keys(columns["hs_codes"], canon)
    codes, firsts = _factorize(hs_keys.first())  # the first HS code of each declaration, "" for none
    for digits in (4, 6, 8):
        text[f"hs{digits}"] = np.array([canon.setdefault(h[:digits], h[:digits]) if len(h) >= digits else "" for h in firsts],
                                       dtype=object)[codes]
    number = {name: _numbers(columns[name]) for name in _NUMBERS}
    number["hs_count"] = np.maximum(hs_keys.counts(), 1).astype(float)  # no code reads as one unknown line
    result = _decoded(columns["inspection_result"], canon, "none")
    parties = {"trader": Keys(np.arange(n + 1, dtype=np.int64), _decoded(columns["trader"], canon, None)),
               **{p: _keys(columns[p], canon, sort=sort_parties) for p in PARTIES[1:]}}
    return Declarations(
        key=np.array(_listed(columns["declaration_no"]), dtype=object),
        time=np.array([_seconds(t) for t in _listed(columns["registered_at"])], dtype=float),
        text=text, number=number, parties=parties,
        inspected=(result == "compliant") | (result == "discrepancy"),
        discrepancy=result == "discrepancy",
        random=_decoded(columns["selection"], canon, "") == "random",
    )


def _listed(column: Column) -> list:
    return column if isinstance(column, list) else column.to_pylist()


def _numbers(column: Column) -> np.ndarray:
    """Return a column of amounts as float64, NaN where absent."""
    if isinstance(column, list):
        return np.array([math.nan if v is None else float(v) for v in column], dtype=float)
    return _whole(column).to_numpy(zero_copy_only=False).astype(float)


def _decoded(column: Column, canon: dict[str, str], missing: str | None) -> np.ndarray:
    """Return a column of text as an object array, ``missing`` for a null or empty
    value. An Arrow column is dictionary-encoded, so each distinct value is decoded
    (and made canonical) once; a list, a few rows, is read as it is: each Arrow call
    costs tens of microseconds, which an assessment of one declaration would feel."""
    if isinstance(column, list):
        return np.array([canon.setdefault(v, v) if v else missing for v in column], dtype=object)
    encoded = pc.dictionary_encode(_whole(column))
    names = [canon.setdefault(v, v) if v else missing for v in encoded.dictionary.to_pylist()]
    lookup = np.array([*names, missing], dtype=object)
    return lookup[encoded.indices.fill_null(len(names)).to_numpy(zero_copy_only=False)]


def _keys(column: Column, canon: dict[str, str], *, sort: bool = False) -> Keys:
    """Return a column of lists of text as ``Keys`` (a null list holds none, a null key
    reads ""), each declaration's keys sorted if ``sort``."""
    if isinstance(column, list):
        counts = np.fromiter((len(ks or ()) for ks in column), dtype=np.int64, count=len(column))
        flat = _decoded([k for ks in column for k in ks or ()], canon, "")
    else:
        lists = _whole(column)
        counts = pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        flat = _decoded(pc.list_flatten(lists), canon, "")
    start = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    if sort and len(flat):
        owner = np.repeat(np.arange(len(counts)), counts)
        _, rank = np.unique(flat, return_inverse=True)  # in the order Python sorts text
        flat = flat[np.lexsort((rank, owner))]
    return Keys(start, flat)


def _whole(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Return ``column`` as one array (the chunks of a table column joined)."""
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def history(d: Declarations, violations: Mapping[str, list[float]], frozen: Tables | None = None) -> tuple[dict[str, np.ndarray], Tables]:
    """Return the numeric and rate features of ``d`` and the tables counted through it.

    With ``frozen`` (the tables of a trained model), every declaration is described from
    those counts and the tables returned are ``frozen`` itself; without, from the
    declarations of ``d`` before it. ``violations`` maps a trader's tax code to the times
    of the violations decided against it. Cost: O(n log n) over declarations and parties.
    """
    n = len(d)
    out = _own(d)
    inspected = d.inspected.astype(float)
    found = d.discrepancy.astype(float)
    if frozen is None:
        labelled = inspected.sum()
        p0 = float(found.sum() / labelled) if labelled else 0.0
        tables = Tables(p0, {}, {}, {}, float(d.time.max()) if n else 0.0)
    else:
        tables, p0 = frozen, frozen.p0
    stats = np.stack([inspected, found, np.ones(n), d.time], axis=1)
    for name in (*PARTIES, *PROFILES):  # one kind at a time: each holds arrays the length of its keys
        row, codes, keys = _keyed(d, name)
        prior = _prior(n, row, codes, keys, stats, tables.counts, name, frozen is not None, p0)
        rate = (prior[:, 1] + SMOOTHING * p0) / (prior[:, 0] + SMOOTHING)
        rate[np.isnan(prior[:, 0])] = np.nan
        out[f"rate_{name}"] = rate
        if name == "trader":
            out["trader_inspections"] = np.log1p(prior[:, 0])
            out["trader_declarations"] = np.log1p(prior[:, 2])
            seen = prior[:, 3]
            out["trader_days"] = np.where(np.isfinite(seen), (d.time - seen) / 86400, 0.0)
    out["unit_value_gap"] = _gap(d, out["log_unit_value"], tables, frozen is not None)
    traders = d.parties["trader"].first()
    if frozen is None:
        out["trader_violations"] = _earlier(traders, d.time, violations)
        # Known after the training data: those decided by the end (Vietnam time) of its last day.
        day_end = (math.floor((tables.until + 7 * 3600) / 86400) + 1) * 86400 - 7 * 3600
        tables.violations.update({t: int(np.searchsorted(times, day_end, side="left"))
                                  for t, times in violations.items()})
    else:
        out["trader_violations"] = np.array([tables.violations.get(t, 0) for t in traders], dtype=float)
    return out, tables


def _earlier(traders: list[str], time: np.ndarray, violations: Mapping[str, list[float]]) -> np.ndarray:
    """Return, per declaration, how many violations against its trader were decided
    before its time. Cost: O((n + v) log(n + v))."""
    codes, uniq = _factorize(traders)
    code_of = {t: i for i, t in enumerate(uniq)}
    v_code = np.array([code_of[t] for t, times in violations.items() if t in code_of for _ in times], dtype=np.int64)
    v_time = np.array([x for t, times in violations.items() if t in code_of for x in times], dtype=float)
    if not len(v_code):
        return np.zeros(len(traders))
    # One sorted axis: trader code, then whole seconds within it (a span of 1e10 s is 300 years).
    origin = min(float(time.min()), float(v_time.min()))
    span = np.int64(10**10)
    marks = np.sort(v_code * span + np.floor(v_time - origin).astype(np.int64))
    at = codes * span + np.floor(time - origin).astype(np.int64)
    return (np.searchsorted(marks, at, side="left") - np.searchsorted(marks, codes * span, side="left")).astype(float)


def _own(d: Declarations) -> dict[str, np.ndarray]:
    """Return the features of each declaration read off itself alone."""
    num = d.number
    with np.errstate(divide="ignore", invalid="ignore"):
        value, net, gross, qty, tax = num["value_usd"], num["net_mass_kg"], num["gross_mass_kg"], num["quantity"], num["tax_vnd"]
        unit = np.where((value > 0) & (net > 0), np.log(value / net), np.nan)
        local = d.time + 7 * 3600  # Vietnam time: hours of the working day
        out = {
            "duty_rate_pct": num["duty_rate_pct"],
            "log_value": np.log1p(np.maximum(value, 0)),
            "log_net_mass": np.log1p(np.maximum(net, 0)),
            "log_gross_mass": np.log1p(np.maximum(gross, 0)),
            "gross_net_ratio": np.where(net > 0, gross / net, np.nan),
            "log_quantity": np.log1p(np.maximum(qty, 0)),
            "log_unit_value": unit,
            "log_tax": np.log1p(np.maximum(tax, 0)),
            "tax_per_value": np.where(value > 0, tax / value, np.nan),
            "hs_count": num["hs_count"],
            "vehicle_count": d.parties["vehicle"].counts().astype(float),
            "has_agent": (d.parties["agent"].counts() > 0).astype(float),
            "hour": (local % 86400) // 3600,
            "weekday": (local // 86400 + 3) % 7,  # 1970-01-01 was a Thursday
            "month": (local.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12 + 1).astype(float),
        }
    return out


def _keyed(d: Declarations, name: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Return the keys of kind ``name`` (a party or a profile) of ``d``: (declaration of
    each, its code, the key of each code). A profile's key joins its columns with "|"
    ("851713|CN"); a declaration without one of them has none."""
    if name in PROFILES:
        columns = PROFILES[name]
        row = np.flatnonzero(np.logical_and.reduce([d.text[c] != "" for c in columns]))
        codes, keys = _joined(*(d.text[c][row] for c in columns))
        return row, codes, keys
    parties = d.parties[name]
    row, flat = parties.owners(), parties.flat.tolist()
    if not all(flat):  # a key left empty names no one
        named = np.fromiter(map(bool, flat), dtype=bool, count=len(flat))
        row, flat = row[named], [k for k in flat if k]
    codes, keys = _factorize(flat)
    return row, codes, keys


def _prior(n: int, row: np.ndarray, codes: np.ndarray, keys: list[str], stats: np.ndarray, counts: dict, name: str,
           frozen: bool, p0: float = 0.0) -> np.ndarray:
    """Return, per declaration (of ``n``), the counts (inspections, discrepancies,
    declarations, first seen) of its key(s) before it (declarations registered at the
    same moment do not count), the largest smoothed rate's counts when it has several
    keys (vehicles), NaN when it has none. Declaration ``row[j]`` has key ``keys[codes[j]]``.
    Updates ``counts[name]`` unless ``frozen``."""
    out = np.full((n, 4), np.nan)
    if not len(row):
        counts.setdefault(name, {})
        return out
    if frozen:
        table = counts.get(name, {})
        got = np.array([table.get(k, (0.0, 0.0, 0.0, np.inf)) for k in keys], dtype=float).reshape(-1, 4)[codes]
    else:
        order = np.argsort(codes, kind="stable")  # rows are in time order: stable keeps it within a key
        c, v = codes[order], stats[row[order]]
        cum = np.cumsum(v[:, :3], axis=0)
        start = np.r_[0, np.flatnonzero(np.diff(c)) + 1]
        size = np.diff(np.r_[start, len(c)])
        base = np.repeat(cum[start] - v[start, :3], size, axis=0)
        prior = cum - v[:, :3] - base
        # Ties (same key, same moment): each reads the counts before the first of them.
        tie = np.r_[False, (np.diff(c) == 0) & (np.diff(v[:, 3]) == 0)]
        if tie.any():
            prior = prior[np.maximum.accumulate(np.where(tie, 0, np.arange(len(c))))]
        firsts = np.repeat(v[start, 3], size)
        got = np.empty((len(row), 4))
        got[order, :3] = prior
        got[order, 3] = np.where(prior[:, 2] > 0, firsts, np.inf)
        ends = start + size - 1
        counts[name] = {keys[c[e]]: (*(cum[e] - base[e]).tolist(), float(v[s, 3]))  # this key's totals only
                        for s, e in zip(start.tolist(), ends.tolist())}
    if not (np.diff(row) == 0).any():  # one key per declaration (rows come in order)
        out[row] = got
        return out
    # Several keys on one declaration (its vehicles): keep the riskiest.
    rate = (got[:, 1] + SMOOTHING * p0) / (got[:, 0] + SMOOTHING)  # as history rates it
    best = np.full(n, -1.0)
    np.maximum.at(best, row, rate)
    pick = rate >= best[row]
    out[row[pick]] = got[pick]
    return out


def _gap(d: Declarations, unit: np.ndarray, tables: Tables, frozen: bool) -> np.ndarray:
    """Return the log unit value minus the norm of the same HS x origin (else HS), from
    declarations before each one; NaN without a norm."""
    hs6, origin = d.text["hs6"], d.text["origin_country"]
    valid = np.isfinite(unit)
    norm = {}
    for level, columns in {"fine": (hs6, origin), "coarse": (hs6,)}.items():
        codes, uniq = _joined(*columns)
        if frozen:
            got = np.array([tables.norms.get(f"{level}|{x}", (0.0, 0.0)) for x in uniq], dtype=float).reshape(-1, 2)[codes]
            cnt, total = got[:, 0], got[:, 1]
        else:
            cnt, total = np.zeros(len(hs6)), np.zeros(len(hs6))
            order = np.argsort(codes, kind="stable")
            c = codes[order]
            one, val = valid[order].astype(float), np.where(valid, unit, 0.0)[order]
            cs1, csv = np.cumsum(one), np.cumsum(val)
            start = np.r_[0, np.flatnonzero(np.diff(c)) + 1] if len(c) else np.zeros(0, int)
            size = np.diff(np.r_[start, len(c)])
            b1 = np.repeat(cs1[start] - one[start], size)
            bv = np.repeat(csv[start] - val[start], size)
            cnt[order], total[order] = cs1 - one - b1, csv - val - bv
            for s, z in zip(start.tolist(), size.tolist()):
                e = s + z - 1
                tables.norms[f"{level}|{uniq[c[e]]}"] = (float(cs1[e] - cs1[s] + one[s]), float(csv[e] - csv[s] + val[s]))
        norm[level] = np.where(cnt >= NORM_MIN, total / np.maximum(cnt, 1), np.nan)
    best = np.where(np.isfinite(norm["fine"]), norm["fine"], norm["coarse"])
    return unit - best


def _factorize(values: list) -> tuple[np.ndarray, list]:
    index: dict = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values))
    return codes, list(index)


def _joined(*columns: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Return ``_factorize`` of the rows' values of ``columns`` joined by "|", without a
    string per row: codes are combined column by column and only distinct keys joined."""
    codes, keys = _factorize(columns[0].tolist())
    for column in columns[1:]:
        more, names = _factorize(column.tolist())
        codes, pairs = _factorize((codes * len(names) + more).tolist())
        keys = [f"{keys[c // len(names)]}|{names[c % len(names)]}" for c in pairs]
    return codes, keys


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()
