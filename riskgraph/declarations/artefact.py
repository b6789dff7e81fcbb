"""The selectivity model as an artefact: what a trained model is, and how it is kept.

A ``Model`` holds the booster, the frozen count tables and vocabularies its features
need, the channel thresholds and the learned profiles: everything needed to assess
declarations without retraining. ``save`` writes it to ``models_dir/<version>/``
(whole or not at all), ``load`` reads it back, ``newest`` finds the model an analysis
as of a date should use.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from riskgraph.declarations import features as F
from riskgraph.declarations import profiles
from riskgraph.errors import QueryError

FORMAT = 1


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
        # Filled column by column: stacking a list of columns held the matrix twice.
        x = np.empty((len(d), len(self.features)), np.float32)
        for j, name in enumerate(self.features):
            if name in F.CATEGORICAL:
                index = self._codes[name]
                x[:, j] = [index.get(v, np.nan) for v in d.text[name].tolist()]
            elif name in F.GRAPH:
                x[:, j] = graph[name] if graph else 0.0
            else:
                x[:, j] = numeric[name]
        return x

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Return P(discrepancy) per row. Cost: O(rows x trees x depth)."""
        return self.booster.predict(x, num_threads=1) if len(x) else np.zeros(0)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Return SHAP values (log-odds) per row and feature, the bias last (TreeSHAP).
        Cost: about 1 ms per row per thread for 150 trees; two threads from 64 rows."""
        return self.booster.predict(x, pred_contrib=True, num_threads=2 if len(x) >= 64 else 1)



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
