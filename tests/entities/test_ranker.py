"""The entity ranker on the committed small world: labels as of their dates, the fallback
to the priors below the label thresholds, and a learned ranker's scores and reasons."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from riskgraph.entities import features, ranker
from riskgraph.entities.analysis import analyze
from riskgraph.entities.factors import FACTORS
from riskgraph.entities.projection import project
from riskgraph.errors import QueryError

CUTOFF = date(2024, 7, 1)


def test_labels_are_the_violations_decided_inside_the_window_only(world):
    p = project(world, date(2023, 7, 1))
    positive = ranker.labels(world, p, date(2023, 7, 1), date(2024, 7, 1))
    decided = world.query("analysis_violations", {"until": "2024-07-01"})
    inside = {r["node"] for r in decided if r["decided_on"][:10] > "2023-07-01"}
    ids = np.asarray(p.store_id)
    assert set(ids[positive].tolist()) == inside & set(ids.tolist())
    assert positive.sum() > 0


def test_too_few_labels_fall_back_to_the_priors_and_say_why(world):
    fitted = ranker.fit(world, CUTOFF)
    s = fitted.summary
    assert all(cut < CUTOFF.isoformat() for cut in s["cuts"]) and s["cuts"] == sorted(s["cuts"])
    if sum(s["positives"]) < ranker.MIN_POSITIVES or s["positives"][-1] < ranker.MIN_VALID_POSITIVES:
        assert fitted.kind == "priors" and fitted.booster is None and "needs" in s["why"]
    analysis = analyze(world, CUTOFF, ranker=fitted)
    assert analysis.model_version.endswith("-" + fitted.kind)
    if fitted.kind == "priors":
        assert np.allclose(analysis.score, features.describe(analysis.projection).prior)


@pytest.fixture(scope="module")
def learned(world_settings):
    """A ranker fitted with the label thresholds lowered to what the small world holds."""
    from riskgraph.graph import open_store

    store = open_store(world_settings)
    saved = ranker.MIN_POSITIVES, ranker.MIN_VALID_POSITIVES
    ranker.MIN_POSITIVES, ranker.MIN_VALID_POSITIVES = 20, 5
    try:
        fitted = ranker.fit(store, CUTOFF)
        yield fitted, analyze(store, CUTOFF, ranker=fitted)
    finally:
        ranker.MIN_POSITIVES, ranker.MIN_VALID_POSITIVES = saved
        store.close()


def test_the_ranker_keeps_the_learned_model_only_if_it_beats_the_priors_on_the_newest_cut(learned):
    fitted, _ = learned
    ap = fitted.summary["valid_average_precision"]
    assert fitted.kind == ("learned" if ap["learned"] >= ap["priors"] else "priors")
    assert fitted.summary["valid_cut"] == fitted.summary["cuts"][-1]


def test_scores_are_probabilities_and_explain_themselves(learned):
    fitted, analysis = learned
    entities = analysis.entities()
    scores = analysis.score[entities]
    assert ((scores >= 0) & (scores <= 1)).all()
    top = entities[np.argsort(-scores)][:20]
    names = {f.name for f in FACTORS} | {"network"}
    for i in top.tolist():
        reasons = analysis.reasons(i)
        assert reasons and all(r.factor in names for r in reasons)
        assert sum(r.contribution for r in reasons) <= analysis.score[i] + 1e-9
    if fitted.kind == "learned":
        assert analysis.shares and all(abs(sum(s.values()) - 1) < 1e-9 for s in analysis.shares.values())


def test_the_propagation_alpha_is_chosen_on_the_newest_cut(learned):
    fitted, _ = learned
    tried = {float(a): ap for a, ap in fitted.summary["alphas"].items()}
    assert set(tried) == set(ranker.ALPHAS)
    assert fitted.summary["alpha"] == max(tried, key=tried.get)
    if fitted.kind == "learned":
        assert fitted.alpha == fitted.summary["alpha"]


def test_a_saved_ranker_serves_later_analyses_only(learned, world, tmp_path):
    """Saved as of the cut-off, it scores as fitted; it serves an analysis up to
    FRESH_MONTHS later, and none before its date (it has seen labels after it)."""
    fitted, analysis = learned
    path = ranker.save(fitted, tmp_path, CUTOFF)
    again = ranker.newest(tmp_path, CUTOFF)
    assert again.kind == fitted.kind and again.alpha == fitted.alpha and again.summary["saved"] == str(path)
    assert np.allclose(analyze(world, CUTOFF, ranker=again).score, analysis.score)
    assert ranker.newest(tmp_path, date(2024, 12, 31)) is not None
    assert ranker.newest(tmp_path, date(2024, 6, 30)) is None
    assert ranker.newest(tmp_path, date(2025, 6, 30)) is None  # more than FRESH_MONTHS later


def test_an_unreadable_ranker_says_what_to_do(tmp_path):
    (tmp_path / "ranker-2024-07-01").mkdir()
    (tmp_path / "ranker-2024-07-01" / "meta.json").write_text("{", encoding="utf-8")
    with pytest.raises(QueryError, match="fit-ranker"):
        ranker.newest(tmp_path, CUTOFF)
