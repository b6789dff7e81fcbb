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
score. Each cut's scores are kept as a snapshot (``entities.snapshots``) when a
directory is given: a later train reads them instead of analysing again. The model, its tables and metrics are saved as a versioned artefact
(``artefact.py``).
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TextIO

import numpy as np

from riskgraph.dates import day_start, months_before
from riskgraph.declarations import features as F
from riskgraph.declarations import profiles
from riskgraph.declarations.artefact import Model
from riskgraph.declarations.graph_features import describe, say
from riskgraph.errors import QueryError
from riskgraph.graph import Store
from riskgraph.ingest.columnar import ColumnarCopy
from riskgraph.memory import cyclic_gc_paused
from riskgraph.ranking import average_precision, roc_auc, score_quantiles

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


class NotEnoughLabels(QueryError):
    """Too few discrepancies in the window to learn from."""


def violations_by_trader(store: Store, until: date) -> dict[str, list[float]]:
    """Return, per trader tax code, the sorted times of the violations decided against it
    up to ``until`` (at the end of the decision day)."""
    out: dict[str, list[float]] = {}
    for r in store.query("analysis_violations", {"until": until.isoformat()}):
        if r["label"] == "Enterprise" and r["subject"]:
            out.setdefault(r["subject"], []).append(day_start(date.fromisoformat(r["decided_on"][:10])) + 86399)
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
           graph_every_months: int = 6, snapshots: Path | None = None, copy: ColumnarCopy | None = None,
           progress: TextIO | None = None) -> Window:
    """Read the ``history_months`` before ``as_of`` (from the columnar ``copy`` where it
    is fresh, see ``features.from_store``) with point-in-time graph scores (an analysis
    every ``graph_every_months``, kept in and read from ``snapshots`` if given: see
    ``describe``), or none if not ``graph``. Cost: 6,000-8,000 declarations/s read from
    the graph, several times that from the copy, plus one analysis per cut not yet kept;
    ``progress`` gets a line per step."""
    since = months_before(as_of, history_months)
    t = time.perf_counter()
    with cyclic_gc_paused():  # millions of small rows: the collector would rescan them (read 49 -> 17 s a year)
        d = F.from_store(store, since, as_of, copy=copy, progress=progress)
    enough_labels(d, since, as_of)  # before the analyses, which cost minutes on a large graph
    violations = violations_by_trader(store, as_of)
    read = time.perf_counter() - t
    say(progress, f"read {len(d):,} declarations from {since} to {as_of}, {int(d.labelled.sum()):,} with an outcome: "
                   f"{read:.1f} s")
    t = time.perf_counter()
    # The day before each cut: the first analysis ends before the window's first day.
    cuts = [months_before(as_of, m) - timedelta(days=1) for m in range(history_months, 0, -graph_every_months)]
    scores = describe(d, store, cuts, snapshots=snapshots, progress=progress) if graph and len(d) else None
    return Window(since, as_of, d, violations, scores, {"read": read, "graph": time.perf_counter() - t})


def train(store: Store, as_of: date, *, history_months: int = 24, graph: bool = True, graph_every_months: int = 6,
          ipw: bool = True, snapshots: Path | None = None, copy: ColumnarCopy | None = None,
          progress: TextIO | None = None) -> Model:
    """Train on the window ``history_months`` before ``as_of`` and return the model
    (``snapshots``: where the cuts' graph scores are kept; ``copy``: the columnar copy
    the declarations are read from; see ``window``; ``progress`` gets a line per step of
    reading and graph scores).

    Raises NotEnoughLabels with fewer than MIN_DISCREPANCIES positives in the window."""
    w = window(store, as_of, history_months=history_months, graph=graph, graph_every_months=graph_every_months,
               snapshots=snapshots, copy=copy, progress=progress)
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
    del numeric  # in the matrix now, at half the size (float32)
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
    model.thresholds = score_quantiles(p_recent)
    p_valid = model.probability(x_all[valid_rows])
    model.profiles = profiles.learned(d, recent, p_recent)
    timings["profiles"] = time.perf_counter() - t
    model.metrics = {
        "declarations": len(d), "labelled": len(labelled), "positives": positives,
        "random_inspections": int((d.random & d.inspected).sum()),
        "train": cut, "valid": len(valid_rows), "best_iteration": booster.best_iteration,
        "valid_average_precision": average_precision(p_valid, y[cut:].astype(bool)), "valid_auc": roc_auc(p_valid, y[cut:].astype(bool)),
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
