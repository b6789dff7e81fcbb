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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TextIO

import numpy as np

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
_READ = (*_TEXT, *_NUMBERS, "hs_codes", "registered_at", *columnar.OUTCOME)
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

@dataclass
class Declarations:
    """Declarations as columns, in order of registration.

    ``text`` holds the categorical columns, ``number`` the amounts (NaN when absent),
    ``parties`` the keys of each party kind per declaration (a list each). ``labelled`` marks declarations whose outcome is
    known: inspected, or cited by a decided violation; ``positive`` those found wrong.
    """

    key: np.ndarray
    time: np.ndarray  # seconds since the epoch
    text: dict[str, np.ndarray]
    number: dict[str, np.ndarray]
    parties: dict[str, list[list[str]]]
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
        pick = rows.tolist()
        return Declarations(
            self.key[rows], self.time[rows], {k: v[rows] for k, v in self.text.items()},
            {k: v[rows] for k, v in self.number.items()}, {k: [v[i] for i in pick] for k, v in self.parties.items()},
            self.inspected[rows], self.discrepancy[rows], self.random[rows], self.cited[rows])


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
    records = list(records)
    props = [r["props"] for r in records]
    parties = {
        "trader": [[r["trader"]] for r in records], "agent": [list(r["agents"]) for r in records],
        "declarant": [list(r["declarants"]) for r in records], "vehicle": [list(r["vehicles"]) for r in records],
        "warehouse": [list(r["warehouses"]) for r in records],
        "partner": [[x["key"] for x in r.get("partners", ())] for r in records],
    }
    return _columns([r["key"] for r in records], {name: [p.get(name) for p in props] for name in _READ}, parties, sort=sort)


def from_store(store: Store, since: date, until: date, *, cited_until: date | None = None,
               copy: ColumnarCopy | None = None, progress: TextIO | None = None) -> Declarations:
    """Read the declarations registered from ``since`` to ``until`` (both included), a
    month at a time, with the violations decided up to ``cited_until`` (default
    ``until``) that cite them. With ``copy``, each month comes from the columnar copy
    once checked against the graph, else from the graph, and then replaces the copy's
    month (``ColumnarCopy.read``); ``progress`` gets a line naming the months read from
    the graph. Cost: from the graph two reads per month, 6,000-8,000 declarations/s on 2
    cores; from the copy one aggregating read per month and the Parquet files."""
    keys: list[str] = []
    columns: dict[str, list] = {name: [] for name in _READ}
    parties: dict[str, list[list[str]]] = {p: [] for p in PARTIES}
    canon: dict[str, str] = {}  # one string per distinct code or key: rows repeat a few thousand of them
    from_graph = []
    for window in month_bounds(since, until):
        if copy is None:
            month = columnar.graph_month(store, window)
        else:
            month, fresh = copy.read(store, window["from"][:7])
            if not fresh:
                from_graph.append(window["from"][:7])
        inside = [i for i, at in enumerate(month["registered_at"]) if window["from"] <= at[:10] <= window["until"]]
        if len(inside) < len(month["registered_at"]):  # the copy holds whole months
            month = {name: [values[i] for i in inside] for name, values in month.items()}
        keys.extend(month["declaration_no"])
        for name in _READ:
            columns[name].extend([canon.setdefault(v, v) for v in month[name]] if name in _TEXT else month[name])
        parties["trader"].extend([canon.setdefault(t, t)] for t in month["trader"])
        for p in PARTIES[1:]:
            # Sorted: the graph returns a declaration's links in no set order.
            parties[p].extend(sorted(canon.setdefault(k, k) for k in found) for found in month[p])
    if from_graph and progress is not None:
        print(f"columnar copy: {len(from_graph)} months read from the graph and kept ({', '.join(from_graph)})", file=progress, flush=True)
    cited = {r["declaration_no"] for r in store.query("selectivity_violations", {"until": (cited_until or until).isoformat()})}
    return _columns(keys, columns, parties, cited)


def _columns(keys: list[str], columns: dict[str, list], parties: dict[str, list[list[str]]],
             cited: set[str] = frozenset(), *, sort: bool = True) -> Declarations:
    """Return the declarations of ``keys`` with their ``columns`` (field -> one value per
    declaration) and parties, in order of registration if ``sort``."""
    n = len(keys)
    moments = np.array([_seconds(t) for t in columns["registered_at"]], dtype=float)
    order = np.argsort(moments, kind="stable").tolist() if sort else list(range(n))

    def ordered(values: list) -> list:
        return [values[i] for i in order]

    text = {name: np.array([v or "" for v in ordered(columns[name])], dtype=object) for name in _TEXT}
    hs = [h or [""] for h in ordered(columns["hs_codes"])]
    first = [h[0] or "" for h in hs]
    for digits in (4, 6, 8):
        text[f"hs{digits}"] = np.array([h[:digits] if len(h) >= digits else "" for h in first], dtype=object)
    number = {name: np.array([_float(v) for v in ordered(columns[name])], dtype=float) for name in _NUMBERS}
    number["hs_count"] = np.array([len(h) for h in hs], dtype=float)
    result = np.array([v or "none" for v in ordered(columns["inspection_result"])], dtype=object)
    key = ordered(keys)
    return Declarations(
        key=np.array(key, dtype=object),
        time=moments[order],
        text=text, number=number,
        parties={name: ordered(v) for name, v in parties.items()},
        inspected=(result == "compliant") | (result == "discrepancy"),
        discrepancy=result == "discrepancy",
        random=np.array([v == "random" for v in ordered(columns["selection"])], dtype=bool),
        cited=np.array([k in cited for k in key], dtype=bool) if n else np.zeros(0, bool),
    )


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
    keyed = {p: _flatten(d.parties[p]) for p in PARTIES}
    for name, cols in PROFILES.items():
        stated = np.flatnonzero(np.logical_and.reduce([d.text[c] != "" for c in cols]))
        keyed[name] = (stated, _join(*(d.text[c][stated] for c in cols)).tolist())
    for name, (row, flat) in keyed.items():
        prior = _prior(n, row, flat, stats, tables.counts, name, frozen is not None, p0)
        rate = (prior[:, 1] + SMOOTHING * p0) / (prior[:, 0] + SMOOTHING)
        rate[np.isnan(prior[:, 0])] = np.nan
        out[f"rate_{name}"] = rate
        if name == "trader":
            out["trader_inspections"] = np.log1p(prior[:, 0])
            out["trader_declarations"] = np.log1p(prior[:, 2])
            seen = prior[:, 3]
            out["trader_days"] = np.where(np.isfinite(seen), (d.time - seen) / 86400, 0.0)
    out["unit_value_gap"] = _gap(d, out["log_unit_value"], tables, frozen is not None)
    traders = [k[0] if k else "" for k in d.parties["trader"]]
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
            "vehicle_count": np.array([len(v) for v in d.parties["vehicle"]], dtype=float),
            "has_agent": np.array([bool(a) for a in d.parties["agent"]], dtype=float),
            "hour": (local % 86400) // 3600,
            "weekday": (local // 86400 + 3) % 7,  # 1970-01-01 was a Thursday
            "month": (local.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12 + 1).astype(float),
        }
    return out


def _flatten(keys: list[list[str]]) -> tuple[np.ndarray, list[str]]:
    """Return (declaration of each key, the keys) of per-declaration key lists."""
    row = np.fromiter((i for i, ks in enumerate(keys) for k in ks if k), dtype=np.int64)
    return row, [k for ks in keys for k in ks if k]


def _prior(n: int, row: np.ndarray, flat: list[str], stats: np.ndarray, counts: dict, name: str, frozen: bool,
           p0: float = 0.0) -> np.ndarray:
    """Return, per declaration (of ``n``), the counts (inspections, discrepancies,
    declarations, first seen) of its key(s) before it (declarations registered at the
    same moment do not count), the largest smoothed rate's counts when it has several
    keys (vehicles), NaN when it has none. Declaration ``row[j]`` has key ``flat[j]``.
    Updates ``counts[name]`` unless ``frozen``."""
    out = np.full((n, 4), np.nan)
    if not len(row):
        counts.setdefault(name, {})
        return out
    if frozen:
        table = counts.get(name, {})
        got = np.array([table.get(k, (0.0, 0.0, 0.0, np.inf)) for k in flat], dtype=float)
    else:
        codes, uniq = _factorize(flat)
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
        counts[name] = {uniq[c[e]]: (*(cum[e] - base[e]).tolist(), float(v[s, 3]))  # this key's totals only
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
    keys = {"fine": _join(hs6, origin), "coarse": hs6}
    valid = np.isfinite(unit)
    norm = {}
    for level, k in keys.items():
        if frozen:
            got = np.array([tables.norms.get(f"{level}|{x}", (0.0, 0.0)) for x in k.tolist()], dtype=float).reshape(-1, 2)
            cnt, total = got[:, 0], got[:, 1]
        else:
            codes, uniq = _factorize(k.tolist())
            cnt, total = np.zeros(len(k)), np.zeros(len(k))
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


def _join(*columns: np.ndarray) -> np.ndarray:
    out = columns[0].astype(str)
    for c in columns[1:]:
        out = np.char.add(np.char.add(out, "|"), c.astype(str))
    return out.astype(object)


def _float(value) -> float:
    try:
        return float(value) if value is not None and value != "" else math.nan
    except (TypeError, ValueError):
        return math.nan


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()
