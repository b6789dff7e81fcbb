"""The learned selectivity model: a declaration's probability of a discrepancy.

``train(store, as_of)`` reads the declarations registered in the ``history_months``
before ``as_of``, labels those with a known outcome (an inspection result, or a
violation decided by ``as_of`` that cites them), describes every declaration with
``features.history`` and the graph scores of its parties, and fits a LightGBM model
(gradient-boosted trees; see docs/selectivity.md for why LightGBM).

Selection bias: targeted inspections see mostly risky declarations, so a model fitted
on them alone learns the targeting as much as the fraud. Each labelled declaration is
weighted by the inverse of its propensity, the probability that a declaration like it
was inspected, itself learned from every declaration of the window (inspected or not).
Random-selection inspections (``selection = random``) fall where targeting rarely
looks, get low propensities and so large weights: they speak for the green traffic.
Weights are clipped at ``MAX_WEIGHT`` so that a handful of rows cannot rule the fit.

Graph scores enter with a monotone constraint: a higher score never lowers the
probability.

Validation is time-ordered: the model learns on the earlier 80% of the labelled
declarations and stops early on the (weighted) log loss of the latest 20%: a proper
scoring rule, steadier than average precision on a few hundred positives.

Graph scores are point-in-time: a declaration is described with the scores of an
analysis as of a cut date before it (cuts every ``graph_every_months`` through the
window), so that a violation decided on the declaration cannot raise its own trader's
score. The model, its tables and metrics are saved as a versioned artefact
(``save``/``load``/``newest``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TextIO

import numpy as np

from riskgraph.algorithms import features as F
from riskgraph.algorithms import profiles, results
from riskgraph.algorithms.backtest import _auc, average_precision
from riskgraph.algorithms.projection import _months_before, forget
from riskgraph.errors import QueryError
from riskgraph.graph.store import Store
from riskgraph.ingest.validate import VIETNAM
from riskgraph.memory import cyclic_gc_paused

FORMAT = 1
MIN_DISCREPANCIES = 200
MIN_CATEGORY = 10  # a code seen fewer times in training reads as unknown
MAX_WEIGHT = 20.0
PROPENSITY_SAMPLE = 400_000
PARAMS = {
    "objective": "binary", "learning_rate": 0.03, "num_leaves": 31, "min_data_in_leaf": 200,
    "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
    "cat_smooth": 20, "cat_l2": 10, "max_cat_to_onehot": 8, "min_data_per_group": 50,
    "metric": "binary_logloss", "num_threads": 2, "verbose": -1, "seed": 7, "deterministic": True,
    "force_row_wise": True,
}
MAX_ROUNDS = 1500
PATIENCE = 60
GRAPH_KIND = {"trader": "enterprise", "agent": "agent", "declarant": "person", "vehicle": "vehicle", "warehouse": "enterprise"}


class NotEnoughLabels(QueryError):
    """Too few discrepancies in the window to learn from."""


@dataclass
class Model:
    """A trained selectivity model and everything needed to use it without retraining."""

    version: str
    since: date
    until: date
    trained_at: str
    features: tuple[str, ...]
    vocab: dict[str, list[str]]
    booster: object  # lightgbm.Booster
    tables: F.Tables
    thresholds: list[float]  # permilles of the probability over the window's last months
    metrics: dict
    profiles: list[dict] = field(default_factory=list)
    _codes: dict[str, dict[str, int]] | None = field(default=None, repr=False)

    @property
    def graph(self) -> bool:
        return any(f in F.GRAPH for f in self.features)

    def matrix(self, d: F.Declarations, numeric: Mapping[str, np.ndarray], graph: Mapping[str, np.ndarray] | None) -> np.ndarray:
        """Return the model's input matrix (float32, one row per declaration). Unknown or
        rare codes become missing values, which the trees route like unseen ones."""
        if self._codes is None:
            self._codes = {name: {v: i for i, v in enumerate(codes)} for name, codes in self.vocab.items()}
        cols = []
        for name in self.features:
            if name in F.CATEGORICAL:
                index = self._codes[name]
                cols.append(np.array([index.get(v, np.nan) for v in d.text[name].tolist()], dtype=np.float32))
            elif name in F.GRAPH:
                cols.append(np.asarray(graph[name] if graph else np.zeros(len(d)), dtype=np.float32))
            else:
                cols.append(np.asarray(numeric[name], dtype=np.float32))
        return np.column_stack(cols) if cols else np.zeros((len(d), 0), np.float32)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Return P(discrepancy) per row. Cost: O(rows x trees x depth)."""
        return self.booster.predict(x, num_threads=1) if len(x) else np.zeros(0)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Return SHAP values (log-odds) per row and feature, the bias last (TreeSHAP).
        Cost: about 1 ms per row per thread for 150 trees; two threads from 64 rows."""
        return self.booster.predict(x, pred_contrib=True, num_threads=2 if len(x) >= 64 else 1)


def describe(d: F.Declarations, store: Store, cuts: list[date], *, history_months: int = 36,
             progress: TextIO | None = None) -> dict[str, np.ndarray]:
    """Return the graph scores of each declaration's parties (``graph_<party>``, the
    largest of several): from an in-process analysis as of the latest cut before the
    declaration's day (an analysis as of a day knows that whole day: its declarations'
    results and its decisions), the first cut for those before every cut. Cost: one
    analysis per cut; ``progress`` gets a line per cut."""
    from riskgraph.algorithms.analysis import NETWORK_GAIN, analyze

    out = {name: np.zeros(len(d)) for name in F.GRAPH}
    edges = np.array([_seconds_of(c + timedelta(days=1)) for c in cuts])
    which = np.maximum(np.searchsorted(edges, d.time, side="right") - 1, 0)
    reads: dict = {}  # the cuts share every page and month they have in common
    for k, cut in enumerate(cuts):
        rows = np.flatnonzero(which == k)
        if not len(rows):
            continue
        t = time.perf_counter()
        forget(reads, cut, history_months=history_months)
        a = analyze(store, cut, history_months=history_months, reads=reads, paths=False)
        _say(progress, f"graph scores as of {cut} for {len(rows):,} declarations ({k + 1} of {len(cuts)}): "
                       f"{time.perf_counter() - t:.1f} s")
        index = a.projection._index
        for p in F.GRAPH_PARTIES:
            ids = d.party_ids[p]
            row = np.fromiter((i for i in rows.tolist() for _ in ids[i]), dtype=np.int64)
            pid = np.fromiter((x for i in rows.tolist() for x in ids[i]), dtype=np.int64, count=len(row))
            node = np.where(pid < len(index), index[np.minimum(pid, len(index) - 1)], -1)
            known = node >= 0
            np.maximum.at(out[f"graph_{p}"], row[known], a.score[node[known]])
            if p == "trader":
                ranked = np.zeros(len(a.score))
                for n in a.networks:
                    ranked[list(n.members)] = suspicious(n.rank)
                out["graph_trader_network"][row[known]] = 1 - np.exp(-NETWORK_GAIN * a.network[node[known]])
                out["graph_trader_suspicious"][row[known]] = ranked[node[known]]
    return out


def suspicious(rank: int) -> float:
    """Return the feature value of membership of the suspicious network ranked ``rank``
    (1 is the riskiest; 0 for none)."""
    from riskgraph.algorithms.analysis import TOP_NETWORKS

    return 0.0 if rank <= 0 else 1 - (rank - 1) / TOP_NETWORKS


def party_keys(d: F.Declarations, rows: list[int] | None = None) -> list[str]:
    """Return the "kind:id" of the scored parties of ``d`` (of ``rows`` only, if given)."""
    rows = range(len(d)) if rows is None else rows
    return sorted({f"{GRAPH_KIND[p]}:{k}" for p in F.GRAPH_PARTIES for i in rows for k in d.parties[p][i] if k})


def stored_scores(store: Store, d: F.Declarations) -> dict[str, np.ndarray]:
    """Return the graph scores of the parties of ``d`` from the current analysis (the
    features ``describe`` gives in training). Cost: one read per 2,000 parties."""
    rows = results.scores(store, party_keys(d))
    out = {}
    for p in F.GRAPH_PARTIES:
        kind = GRAPH_KIND[p]
        out[f"graph_{p}"] = np.array([max((rows[f"{kind}:{k}"]["score"] for k in ks if f"{kind}:{k}" in rows), default=0.0)
                                      for ks in d.parties[p]], dtype=float)
    traders = [rows.get(f"enterprise:{ks[0]}") if ks else None for ks in d.parties["trader"]]
    out["graph_trader_network"] = np.array([r["network"] or 0.0 if r else 0.0 for r in traders], dtype=float)
    out["graph_trader_suspicious"] = np.array([suspicious(r["network_rank"] or 0) if r else 0.0 for r in traders], dtype=float)
    return out


def violations_by_trader(store: Store, until: date) -> dict[str, list[float]]:
    """Return, per trader tax code, the sorted times of the violations decided against it
    up to ``until`` (at the end of the decision day)."""
    out: dict[str, list[float]] = {}
    for r in store.query("analysis_violations", {"until": until.isoformat()}):
        if r["label"] == "Enterprise" and r["subject"]:
            out.setdefault(r["subject"], []).append(_seconds_of(date.fromisoformat(r["decided_on"][:10])) + 86399)
    return {k: sorted(v) for k, v in out.items()}


@dataclass
class Window:
    """The training data as of a date: declarations, violations by trader, graph scores."""

    since: date
    until: date
    declarations: F.Declarations
    violations: dict[str, list[float]]
    graph: dict[str, np.ndarray] | None
    seconds: dict[str, float]


def window(store: Store, as_of: date, *, history_months: int = 24, graph: bool = True,
           graph_every_months: int = 6, progress: TextIO | None = None) -> Window:
    """Read the ``history_months`` before ``as_of`` with point-in-time graph scores (an
    analysis every ``graph_every_months``), or none if not ``graph``. Cost: 6,000-8,000
    declarations/s read, plus one analysis per cut; ``progress`` gets a line per step."""
    since = _months_before(as_of, history_months)
    t = time.perf_counter()
    with cyclic_gc_paused():  # millions of small rows: the collector would rescan them (read 49 -> 17 s a year)
        d = F.from_store(store, since, as_of)
    enough_labels(d, since, as_of)  # before the analyses, which cost minutes on a large graph
    violations = violations_by_trader(store, as_of)
    read = time.perf_counter() - t
    _say(progress, f"read {len(d):,} declarations from {since} to {as_of}, {int(d.labelled.sum()):,} with an outcome: "
                   f"{read:.1f} s")
    t = time.perf_counter()
    # The day before each cut: the first analysis ends before the window's first day.
    cuts = [_months_before(as_of, m) - timedelta(days=1) for m in range(history_months, 0, -graph_every_months)]
    scores = describe(d, store, cuts, progress=progress) if graph and len(d) else None
    return Window(since, as_of, d, violations, scores, {"read": read, "graph": time.perf_counter() - t})


def train(store: Store, as_of: date, *, history_months: int = 24, graph: bool = True, graph_every_months: int = 6,
          ipw: bool = True, progress: TextIO | None = None) -> Model:
    """Train on the window ``history_months`` before ``as_of`` and return the model
    (``progress`` gets a line per step of reading and graph scores).

    Raises NotEnoughLabels with fewer than MIN_DISCREPANCIES positives in the window."""
    w = window(store, as_of, history_months=history_months, graph=graph, graph_every_months=graph_every_months,
               progress=progress)
    model = fit(w.declarations, w.violations, w.graph, since=w.since, until=w.until, ipw=ipw)
    model.metrics["seconds"] = {**{k: round(v, 2) for k, v in w.seconds.items()}, **model.metrics["seconds"]}
    return model


def fit(d: F.Declarations, violations: Mapping[str, list[float]], graph: Mapping[str, np.ndarray] | None, *,
        since: date, until: date, ipw: bool = True, features: tuple[str, ...] | None = None) -> Model:
    """Fit the model on ``d`` (the window's declarations in time order) and return it.

    ``graph`` holds point-in-time graph scores (``describe``), or None for a model
    without them. Raises NotEnoughLabels below MIN_DISCREPANCIES positives."""
    import lightgbm as lgb

    timings: dict[str, float] = {}
    positives = enough_labels(d, since, until)
    t = time.perf_counter()
    with cyclic_gc_paused():
        numeric, tables = F.history(d, violations)
    names = features or tuple(f for f in F.FEATURES if graph is not None or f not in F.GRAPH)
    vocab = {}
    for name in names:
        if name in F.CATEGORICAL:
            seen = Counter(d.text[name].tolist())
            vocab[name] = sorted(c for c, n in seen.items() if c and n >= MIN_CATEGORY)
    model = Model("", since, until, datetime.now(timezone.utc).isoformat(timespec="seconds"), names, vocab, None,
                  tables, [], {"seconds": {}})
    x_all = model.matrix(d, numeric, graph)
    timings["features"] = time.perf_counter() - t
    categorical = [i for i, n in enumerate(names) if n in F.CATEGORICAL]

    t = time.perf_counter()
    labelled = np.flatnonzero(d.labelled)
    weight = propensity_weights(x_all, d, labelled, names, categorical) if ipw else np.ones(len(labelled))
    timings["propensity"] = time.perf_counter() - t

    t = time.perf_counter()
    y = d.positive[labelled].astype(float)
    cut = int(len(labelled) * 0.8)
    train_rows, valid_rows = labelled[:cut], labelled[cut:]
    # A riskier party never makes a declaration less risky: the constraint keeps the
    # trees from fitting noise in the graph scores (backtest AP 0.270 against 0.258
    # without it, mean of three 10,000-enterprise worlds).
    params = {**PARAMS, "monotone_constraints": [int(n in F.GRAPH) for n in names]}
    train_set = lgb.Dataset(x_all[train_rows], y[:cut], weight=weight[:cut], feature_name=list(names),
                            categorical_feature=categorical, free_raw_data=True)
    valid_set = lgb.Dataset(x_all[valid_rows], y[cut:], weight=weight[cut:], reference=train_set)
    booster = lgb.train(params, train_set, MAX_ROUNDS, valid_sets=[valid_set], valid_names=["valid"],
                        callbacks=[lgb.early_stopping(PATIENCE, verbose=False)])
    model.booster = booster
    timings["fit"] = time.perf_counter() - t

    # Channel thresholds and profiles from the window's last quarter of declarations.
    t = time.perf_counter()
    recent = np.flatnonzero(d.time >= d.time[-1] - 91 * 86400) if len(d) else np.zeros(0, int)
    p_recent = model.probability(x_all[recent])
    from riskgraph.algorithms.assess import score_quantiles  # assess imports this module

    model.thresholds = score_quantiles(p_recent)
    p_valid = model.probability(x_all[valid_rows])
    model.profiles = profiles.learned(d, recent, p_recent)
    timings["profiles"] = time.perf_counter() - t
    model.metrics = {
        "declarations": len(d), "labelled": len(labelled), "positives": positives,
        "random_inspections": int((d.random & d.inspected).sum()),
        "train": cut, "valid": len(valid_rows), "best_iteration": booster.best_iteration,
        "valid_average_precision": average_precision(p_valid, y[cut:].astype(bool)), "valid_auc": _auc(p_valid, y[cut:].astype(bool)),
        "valid_base_rate": float(y[cut:].mean()) if len(valid_rows) else 0.0,
        "ipw": ipw, "weight_max": float(weight.max()) if len(weight) else 0.0,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }
    digest = hashlib.blake2b(booster.model_to_string().encode(), digest_size=4).hexdigest()
    model.version = f"sel-{until.isoformat()}-{digest}"
    return model


def enough_labels(d: F.Declarations, since: date, until: date) -> int:
    """Return the number of positives in ``d``; raise NotEnoughLabels below MIN_DISCREPANCIES."""
    positives = int((d.labelled & d.positive).sum())
    if positives < MIN_DISCREPANCIES:
        raise NotEnoughLabels(f"{positives} declarations with a discrepancy or violation from {since} to {until}; "
                              f"the selectivity model needs at least {MIN_DISCREPANCIES}")
    return positives


def propensity_weights(x: np.ndarray, d: F.Declarations, labelled: np.ndarray, names: tuple[str, ...],
                       categorical: list[int]) -> np.ndarray:
    """Return the inverse-propensity weight of each ``labelled`` row, normalised to mean 1.

    The propensity is P(inspected | features) from a small tree model fitted on a sample
    of every declaration (graph and history features included: targeting uses them)."""
    import lightgbm as lgb

    rng = np.random.default_rng(11)
    rows = np.arange(len(d)) if len(d) <= PROPENSITY_SAMPLE else np.sort(rng.choice(len(d), PROPENSITY_SAMPLE, replace=False))
    target = d.inspected[rows].astype(float)
    if target.min() == target.max():
        return np.ones(len(labelled))
    params = {**PARAMS, "num_leaves": 31, "learning_rate": 0.1}
    ds = lgb.Dataset(x[rows], target, feature_name=list(names), categorical_feature=categorical)
    booster = lgb.train(params, ds, 80)
    e = booster.predict(x[labelled], num_threads=2)
    w = 1.0 / np.clip(e, 1.0 / MAX_WEIGHT, 1.0)
    return w / w.mean()


# -- the artefact ------------------------------------------------------------------------

def save(model: Model, models_dir: Path) -> Path:
    """Write the model to ``models_dir/<version>/`` (model.txt, tables.json.gz, meta.json,
    profiles.csv) and return that directory. Written to a temporary name first, then
    renamed, so a reader never sees half a model."""
    final = models_dir / model.version
    tmp = models_dir / f".{model.version}.tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    model.booster.save_model(str(tmp / "model.txt"))
    t = model.tables
    with gzip.open(tmp / "tables.json.gz", "wt", encoding="utf-8") as f:
        json.dump({"p0": t.p0, "counts": t.counts, "norms": t.norms, "violations": t.violations, "until": t.until}, f)
    meta = {
        "format": FORMAT, "version": model.version, "since": model.since.isoformat(), "until": model.until.isoformat(),
        "trained_at": model.trained_at, "features": list(model.features), "vocab": model.vocab,
        "thresholds": model.thresholds, "metrics": model.metrics,
    }
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    profiles.write_csv(model.profiles, tmp / "profiles.csv")
    if final.exists():  # the same version again: swap, so a reader finds one whole model
        import shutil

        old = models_dir / f".{model.version}.old"
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old)
    else:
        tmp.rename(final)
    return final


def load(path: Path) -> Model:
    """Load the model saved in directory ``path``."""
    import lightgbm as lgb

    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        with gzip.open(path / "tables.json.gz", "rt", encoding="utf-8") as f:
            t = json.load(f)
        booster = lgb.Booster(model_file=str(path / "model.txt"))
    except (OSError, ValueError, lgb.basic.LightGBMError) as e:
        raise QueryError(f"{path}: not a readable selectivity model ({e})") from None
    if meta.get("format") != FORMAT:
        raise QueryError(f"{path}: model format {meta.get('format')}, this riskgraph reads format {FORMAT}; retrain it")
    tables = F.Tables(t["p0"], {k: {x: tuple(v) for x, v in c.items()} for k, c in t["counts"].items()},
                      {k: tuple(v) for k, v in t["norms"].items()}, t["violations"], t["until"])
    return Model(meta["version"], date.fromisoformat(meta["since"]), date.fromisoformat(meta["until"]),
                 meta["trained_at"], tuple(meta["features"]), meta["vocab"], booster, tables, meta["thresholds"],
                 meta["metrics"], profiles.read_csv(path / "profiles.csv"))


def catalogue(models_dir: Path) -> list[dict]:
    """Return the meta of every saved model, oldest training window first."""
    out = []
    for meta in sorted(models_dir.glob("sel-*/meta.json")) if models_dir.is_dir() else ():
        try:
            m = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise QueryError(f"{meta}: not a readable model description ({e}); retrain or remove {meta.parent}") from None
        out.append({**m, "path": str(meta.parent)})
    return sorted(out, key=lambda m: (m["until"], m["trained_at"]))


def newest_path(models_dir: Path, as_of: date | str) -> Path | None:
    """Return the directory of the newest model whose training window ends on or before
    ``as_of`` (the latest trained among those ending last), or None."""
    day = as_of if isinstance(as_of, str) else as_of.isoformat()
    fitting = [m for m in catalogue(models_dir) if m["until"] <= day[:10]]
    return Path(fitting[-1]["path"]) if fitting else None


def newest(models_dir: Path, as_of: date | str) -> Model | None:
    """Return the newest model whose training window ends on or before ``as_of``, or None."""
    path = newest_path(models_dir, as_of)
    return load(path) if path else None


# -- small helpers -----------------------------------------------------------------------

def _say(progress: TextIO | None, line: str) -> None:
    if progress is not None:
        print(f"train: {line}", file=progress, flush=True)


def _seconds_of(day: date) -> float:
    """Return the start of ``day`` in Vietnam (UTC+7), in seconds since the epoch."""
    return datetime(day.year, day.month, day.day, tzinfo=VIETNAM).timestamp()
