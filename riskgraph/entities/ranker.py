"""The entity ranker, learned from the store's own history by as-of backtests inside it.

``fit(store, as_of)`` projects the store as of ``CUTS`` earlier dates ``T`` (every
``STEP_MONTHS`` months, the newest ``HORIZON_MONTHS`` before ``as_of``), describes
every entity as known at ``T`` (``features.describe``) and labels it positive if a
violation against it was decided, or a discrepancy found on one of its declarations,
in ``(T, T + HORIZON_MONTHS]``; nothing dated after ``as_of`` is read. A LightGBM
model learns on the older cuts and stops early on the newest (time-ordered
validation, log loss), once for each propagation ``alpha`` of ``ALPHAS`` (the share
of risk each hop passes on in the four-hop features); the alpha whose model does best
on the newest cut is kept, and its model refitted on every cut with the rounds found.
Its output is the probability of such a finding within ``HORIZON_MONTHS``.

Why boosted stumps (two leaves per tree): they make an additive model, one monotone
shape per feature, that an officer can be shown feature by feature; deeper trees did
better on the newest training cut and worse at the as-of date, on average over the
generated worlds of the sweep (they learn interactions of the history that do not
carry over: docs/benchmarks.md).
Why boosting rather than a regularised logistic model: the inputs are counts and
masses with long tails whose effect is not linear, which trees take unscaled, and
monotone constraints (more risk mass never lowers the score) keep every shape
defensible.

Fitting costs a description of the store per cut: on a large store, ``riskgraph
fit-ranker`` fits and saves it as a separate step (``save``), and ``analyze`` then uses
the newest saved ranker fitted on or before its as-of date and at most ``FRESH_MONTHS``
earlier (``newest``), fitting one itself only when there is none.

The learned model is kept only if it earns it: with fewer than ``MIN_POSITIVES``
labelled entities over the cuts, fewer than ``MIN_VALID_POSITIVES`` in the newest one,
or a validation average precision below that of the priors, the ranker falls back to
the priors (the hand-set weights of ``factors`` and ``propagation``), and says so.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from riskgraph.dates import add_months, months_before
from riskgraph.entities import features, propagation
from riskgraph.entities.projection import Projection, forget, project
from riskgraph.errors import QueryError
from riskgraph.graph import Store
from riskgraph.memory import cyclic_gc_paused
from riskgraph.ranking import average_precision

HORIZON_MONTHS = 12
CUTS = 4
STEP_MONTHS = 3
MIN_POSITIVES = 60
MIN_VALID_POSITIVES = 15
ALPHAS = (0.5, 0.8)  # the share of risk a hop passes on in the four-hop features, chosen by backtest
MAX_NEGATIVES_PER_CUT = 200_000  # more are sampled (and weighted up): the fit's memory stays bounded
FRESH_MONTHS = 6  # a saved ranker serves analyses up to this long after its as-of date
MAX_ROUNDS = 800
PATIENCE = 30
PARAMS = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 2, "min_data_in_leaf": 200, "feature_fraction": 0.8,
    "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0, "verbosity": -1, "seed": 1, "deterministic": True,
    "num_threads": 2,
}


@dataclass(frozen=True)
class Ranker:
    """How entities are scored: ``kind`` "learned" (``booster``) or "priors"; ``summary``
    says why, on which cuts and labels, and how each did on the newest cut."""

    kind: str
    booster: object | None = None  # lightgbm.Booster
    summary: dict = field(default_factory=dict)
    alpha: float = propagation.ALPHA  # the propagation of the four-hop features

    def describe(self, p: Projection) -> features.Described:
        """Return the description of ``p`` this ranker reads."""
        return features.describe(p, self.alpha)

    def score(self, described: features.Described) -> np.ndarray:
        """Return the score of every node. Cost: O(nodes x trees x depth) when learned."""
        if self.booster is None:
            return described.prior
        score = np.zeros(len(described.prior))
        score[described.rows] = self.booster.predict(described.matrix, num_threads=2)
        return score

    def contributions(self, described: features.Described, nodes: np.ndarray) -> np.ndarray:
        """Return the log-odds contribution of every feature to the score of the entity
        nodes ``nodes`` (rows), the bias last (TreeSHAP). Learned rankers only."""
        if not len(nodes):
            return np.zeros((0, len(features.FEATURES) + 1))
        return self.booster.predict(described.matrix[described.positions(nodes)], pred_contrib=True, num_threads=2)


PRIORS = Ranker("priors", summary={"ranker": "priors", "why": "asked for"})
RANKER_PREFIX = "ranker-"


def fit(store: Store, as_of: date, *, history_months: int = 36, reads: dict | None = None, now: Projection | None = None,
        progress: Callable[[str], None] | None = None) -> Ranker:
    """Return the ranker learned from ``store`` as of ``as_of`` (see the module), or the
    priors when the history cannot support one. ``reads`` (see projection.project) is
    shared with the cuts; ``now``, the projection as of ``as_of`` if the caller has it,
    gives the discrepancies found since the cuts (else it is projected here).

    Cost: one projection and description per cut (the store's pages and months are
    read once when ``reads`` is given) and a LightGBM fit on the entities of every cut.
    """
    reads = {} if reads is None else reads
    say = progress or (lambda _: None)
    started = time.monotonic()
    cuts = [months_before(as_of, HORIZON_MONTHS + k * STEP_MONTHS) for k in reversed(range(CUTS))]
    xs: dict[float, list[np.ndarray]] = {}  # feature rows of every cut, by propagation alpha
    ys, ws, priors = [], [], []
    rng = np.random.default_rng(0)
    with cyclic_gc_paused():
        now = now or project(store, as_of, history_months=history_months, reads=reads)
        d = now.declarations
        found = d["discrepancy"].astype(bool) if len(d.get("trader", ())) else np.zeros(0, bool)
        discrepant = (np.asarray(now.store_id, dtype=np.int64)[d["trader"][found]] if found.any() else np.zeros(0, np.int64),
                      d["day"][found] if found.any() else np.zeros(0, np.int64))
        del now, d
        for cut in cuts:
            forget(reads, cut, history_months=history_months)
            p = project(store, cut, history_months=history_months, reads=reads)
            described = features.describe(p)
            rows = np.arange(len(described.rows))  # positions in the matrix: every entity
            until = min(add_months(cut, HORIZON_MONTHS), as_of)
            positive = labels(store, p, cut, until)
            ids, day = discrepant
            inside = (day > (cut - as_of).days) & (day <= (until - as_of).days)
            nodes = p.known(ids[inside])
            positive[nodes[nodes >= 0]] = True
            positive = positive[described.rows]
            weight = np.ones(len(rows))
            negatives = np.flatnonzero(~positive)
            if len(negatives) > MAX_NEGATIVES_PER_CUT:
                dropped = rng.choice(negatives, len(negatives) - MAX_NEGATIVES_PER_CUT, replace=False)
                keep = np.ones(len(rows), dtype=bool)
                keep[dropped] = False
                weight[~positive] = len(negatives) / MAX_NEGATIVES_PER_CUT
                rows, positive, weight = rows[keep], positive[keep], weight[keep]
            for alpha in ALPHAS:  # describe propagated at the default alpha already
                matrix = described.matrix if alpha == propagation.ALPHA else features.at_alpha(described, alpha)
                xs.setdefault(alpha, []).append(matrix[rows])
            ys.append(positive)
            ws.append(weight)
            priors.append(described.prior[described.rows][rows])
            say(f"ranker cut {cut}: {len(rows):,} entities, {int(positive.sum()):,} with a violation decided or a discrepancy "
                f"found in the next {HORIZON_MONTHS} months")
            del p, described
    summary = {"cuts": [c.isoformat() for c in cuts], "horizon_months": HORIZON_MONTHS,
               "positives": [int(y.sum()) for y in ys], "entities": [len(y) for y in ys]}
    total, newest = sum(summary["positives"]), summary["positives"][-1]
    if total < MIN_POSITIVES or newest < MIN_VALID_POSITIVES:
        why = (f"{total} labelled entities over the cuts (needs {MIN_POSITIVES}), {newest} in the newest "
               f"(needs {MIN_VALID_POSITIVES})")
        return Ranker("priors", summary={**summary, "ranker": "priors", "why": why})
    tried = {}
    for alpha, x in xs.items():
        booster, rounds = _train(x[:-1], ys[:-1], ws[:-1], (x[-1], ys[-1], ws[-1]))
        tried[alpha] = (average_precision(booster.predict(x[-1], num_threads=2), ys[-1]), rounds)
    alpha = max(tried, key=lambda a: tried[a][0])
    learned_ap, rounds = tried[alpha]
    prior_ap = average_precision(priors[-1], ys[-1])
    summary.update(valid_cut=cuts[-1].isoformat(), valid_average_precision={"learned": round(learned_ap, 4),
                                                                            "priors": round(prior_ap, 4)}, rounds=rounds,
                   alpha=alpha, alphas={str(a): round(ap, 4) for a, (ap, _) in tried.items()})
    if learned_ap < prior_ap:
        return Ranker("priors", summary={**summary, "ranker": "priors",
                                          "why": f"learned AP {learned_ap:.3f} below the priors' {prior_ap:.3f} on the newest cut"})
    booster, _ = _train(xs[alpha], ys, ws, None, rounds)
    summary.update(ranker="learned", why=f"learned AP {learned_ap:.3f} against the priors' {prior_ap:.3f} on the newest cut",
                   seconds=round(time.monotonic() - started, 1))
    return Ranker("learned", booster, summary, alpha)


def labels(store: Store, p: Projection, since: date, until: date) -> np.ndarray:
    """Return, per node of ``p``, whether a violation against it was decided in ``(since, until]``."""
    positive = np.zeros(p.size, dtype=bool)
    rows = [r for r in store.query("analysis_violations", {"until": until.isoformat()}) if r["decided_on"][:10] > since.isoformat()]
    nodes = p.known([r["node"] for r in rows])
    positive[nodes[nodes >= 0]] = True
    return positive


def _train(xs, ys, ws, valid, rounds: int | None = None):
    """Fit on the stacked ``xs``; stop early on ``valid`` (x, y, w), else run ``rounds``.
    Return the booster and the rounds it kept."""
    import lightgbm as lgb

    params = {**PARAMS, "monotone_constraints": list(features.MONOTONE)}
    kind = [features.COLUMN["profile:kind"]]
    train = lgb.Dataset(np.vstack(xs), np.concatenate(ys).astype(float), weight=np.concatenate(ws),
                        feature_name=[n.replace(":", "__") for n in features.FEATURES], categorical_feature=kind, free_raw_data=True)
    if valid is None:
        return lgb.train(params, train, rounds), rounds
    x, y, w = valid
    valid_set = lgb.Dataset(x, y.astype(float), weight=w, reference=train)
    booster = lgb.train(params, train, MAX_ROUNDS, valid_sets=[valid_set], valid_names=["valid"],
                        callbacks=[lgb.early_stopping(PATIENCE, verbose=False)])
    return booster, max(1, booster.best_iteration)


def save(fitted: Ranker, models_dir: Path, as_of: date) -> Path:
    """Write ``fitted`` to ``models_dir/ranker-<as_of>/`` (model.txt, meta.json) and return
    that directory; written under a temporary name, then renamed, so a reader never sees
    half a ranker."""
    final = models_dir / f"{RANKER_PREFIX}{as_of.isoformat()}"
    tmp = models_dir / f".{final.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if fitted.booster is not None:
        fitted.booster.save_model(str(tmp / "model.txt"))
    meta = {"kind": fitted.kind, "as_of": as_of.isoformat(), "features": list(features.FEATURES), "alpha": fitted.alpha,
            "summary": fitted.summary}
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return final


def load(path: Path) -> Ranker:
    """Return the ranker saved in directory ``path``; QueryError if it is unreadable or was
    fitted on other features than this riskgraph computes."""
    import lightgbm as lgb

    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        booster = lgb.Booster(model_file=str(path / "model.txt")) if meta["kind"] == "learned" else None
    except (OSError, ValueError, KeyError, lgb.basic.LightGBMError) as e:
        raise QueryError(f"{path}: not a readable entity ranker ({e}); run `riskgraph fit-ranker` again") from None
    if meta.get("features") != list(features.FEATURES):
        raise QueryError(f"{path}: fitted on other features than this riskgraph computes; run `riskgraph fit-ranker` again")
    return Ranker(meta["kind"], booster, {**meta["summary"], "saved": str(path)}, meta.get("alpha", propagation.ALPHA))


def newest(models_dir: Path, as_of: date) -> Ranker | None:
    """Return the newest saved ranker fitted on or before ``as_of`` and no more than
    FRESH_MONTHS before it (a later one has seen labels after ``as_of``), or None."""
    if not models_dir.is_dir():
        return None
    oldest = months_before(as_of, FRESH_MONTHS).isoformat()
    fitted = sorted(d for d in models_dir.glob(f"{RANKER_PREFIX}*") if oldest <= d.name[len(RANKER_PREFIX):] <= as_of.isoformat())
    return load(fitted[-1]) if fitted else None
