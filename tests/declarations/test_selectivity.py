"""The learned selectivity model on the small world: training, the saved artefact, the
newest model as of a date, reasons, and channel assessments with and without a model.

The small world has about 120 discrepancies in five years, fewer than the model asks
for (MIN_DISCREPANCIES), so these tests lower the threshold and train on four years."""

from __future__ import annotations

import io
import math
from datetime import date

import numpy as np
import pytest

from riskgraph import declarations as S
from riskgraph.channels import LANES, Assessor, Policy
from riskgraph.dates import months_before
from riskgraph.declarations import features as F
from riskgraph.declarations import profiles, training
from riskgraph.declarations import reasons as declaration_reasons
from riskgraph.entities import results
from riskgraph.entities.analysis import analyze
from riskgraph.entities.results import save as save_analysis
from riskgraph.errors import QueryError
from riskgraph.graph import open_store
from riskgraph.ingest.declaration_file import read_declarations as read
from tests.conftest import SMALL_WORLD

AS_OF = date(2025, 12, 31)
EARLIER = date(2024, 12, 31)


@pytest.fixture(scope="module")
def trained(world_settings, tmp_path_factory):
    """Models trained once for the module: with graph scores, and an earlier one without
    (twice); the first and the earlier one saved in a models directory. The current
    analysis is as of AS_OF."""
    models = tmp_path_factory.mktemp("models")
    store = open_store(world_settings)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(training, "MIN_DISCREPANCIES", 10)
            graph = S.train(store, AS_OF, history_months=48)
            earlier = S.train(store, EARLIER, history_months=36, graph=False)
            again = S.train(store, EARLIER, history_months=36, graph=False)
        save_analysis(store, analyze(store, AS_OF))
    finally:
        store.close()
    paths = {"graph": S.save(graph, models), "earlier": S.save(earlier, models)}
    return {"graph": graph, "again": again, "earlier": earlier, "dir": models, "paths": paths}


def _recent(store, model: S.Model, graph: bool = True):
    """The last quarter of declarations, described as a clearance system would: frozen tables."""
    d = F.from_store(store, date(2025, 10, 1), AS_OF)
    numeric, _ = F.history(d, {}, frozen=model.tables)
    scores = S.stored_scores(store, d) if graph else None
    stored = results.scores(store, S.party_keys(d), reasons=True) if graph else {}
    return d, numeric, scores, stored


def test_train_returns_a_versioned_model_of_its_window(trained):
    m = trained["graph"]
    assert m.version.startswith(f"sel-{AS_OF.isoformat()}-") and (m.since, m.until) == (date(2021, 12, 1), AS_OF)
    assert m.graph and set(F.GRAPH) <= set(m.features) and m.features[: len(F.CATEGORICAL)] == F.CATEGORICAL
    metrics = m.metrics
    assert metrics["positives"] >= 10 and metrics["labelled"] > metrics["positives"] and metrics["declarations"] > metrics["labelled"]
    assert metrics["train"] + metrics["valid"] == metrics["labelled"] and 0 <= metrics["valid_auc"] <= 1
    assert len(m.thresholds) == 1001 and m.thresholds == sorted(m.thresholds) and 0 <= m.thresholds[0] <= m.thresholds[-1] <= 1
    assert all(0 <= r["learned_risk"] <= 1 and r["declarations"] >= profiles.MIN_SUPPORT for r in m.profiles)


def test_a_model_without_graph_scores_has_no_graph_feature(trained):
    plain = trained["earlier"]
    assert not plain.graph and not any(f.startswith("graph_") for f in plain.features)
    assert set(plain.features) == set(F.FEATURES) - set(F.GRAPH)


def test_training_twice_gives_the_same_model(trained):
    plain, again = trained["earlier"], trained["again"]
    assert plain.version == again.version and plain.booster.model_to_string() == again.booster.model_to_string()
    assert plain.thresholds == again.thresholds and plain.vocab == again.vocab


def test_save_then_load_gives_the_same_probabilities(world, trained):
    model = trained["graph"]
    loaded = S.load(trained["paths"]["graph"])
    assert (loaded.version, loaded.since, loaded.until, loaded.features) == (model.version, model.since, model.until, model.features)
    assert loaded.vocab == model.vocab and loaded.thresholds == model.thresholds and loaded.profiles == model.profiles
    assert loaded.tables.p0 == model.tables.p0 and loaded.tables.counts == model.tables.counts
    assert loaded.tables.norms == model.tables.norms and loaded.tables.violations == model.tables.violations
    d, numeric, graph, _ = _recent(world, model)
    x = model.matrix(d, numeric, graph)
    assert len(x) > 100
    assert np.array_equal(loaded.probability(loaded.matrix(d, numeric, graph)), model.probability(x))


def test_an_unreadable_model_directory_is_a_clear_error(trained, tmp_path):
    (tmp_path / "sel-2025-01-01-broken").mkdir()
    with pytest.raises(QueryError, match="not a readable selectivity model"):
        S.load(tmp_path / "sel-2025-01-01-broken")


def test_newest_is_the_latest_window_ending_on_or_before_the_date(trained):
    models = trained["dir"]
    assert [m["version"] for m in S.catalogue(models)] == [trained["earlier"].version, trained["graph"].version]
    assert S.newest(models, AS_OF).version == trained["graph"].version
    assert S.newest(models, "2026-03-01T10:00:00+07:00").version == trained["graph"].version
    assert S.newest_path(models, date(2025, 12, 30)) == trained["paths"]["earlier"]
    assert S.newest(models, EARLIER).version == trained["earlier"].version
    assert S.newest(models, date(2024, 12, 30)) is None and S.newest_path(models, date(2021, 1, 1)) is None
    assert S.newest(models.parent / "no-such-dir", AS_OF) is None


def test_too_few_discrepancies_is_refused_with_the_count(world):
    since = months_before(AS_OF, 24)
    d = F.from_store(world, since, AS_OF)
    positives = int((d.labelled & d.positive).sum())
    assert 0 < positives < S.MIN_DISCREPANCIES == 200
    with pytest.raises(S.NotEnoughLabels) as e:
        S.train(world, AS_OF, graph=False)
    assert str(positives) in str(e.value) and "200" in str(e.value)


def test_contributions_add_up_to_the_log_odds_and_reasons_to_at_most_the_probability(world, trained):
    model = trained["graph"]
    d, numeric, graph, stored = _recent(world, model)
    x = model.matrix(d, numeric, graph)
    p = model.probability(x)
    contributions = model.contributions(x)
    assert contributions.shape == (len(d), len(model.features) + 1)
    assert contributions.sum(axis=1) == pytest.approx(np.log(p / (1 - p)), abs=1e-6)
    with_reasons = 0
    for i in range(len(d)):
        why = declaration_reasons.reasons(float(p[i]), contributions[i], model.features, d, i, numeric, model.tables.p0, stored)
        assert len(why) <= declaration_reasons.TOP
        assert sum(share for _, share, _ in why) <= p[i] + 3e-4  # each share rounded to 4 places
        for name, share, text in why:
            assert name in model.features and share >= 0 and isinstance(text, str) and text.strip()
        assert [s for _, s, _ in why] == sorted((s for _, s, _ in why), reverse=True)
        with_reasons += bool(why)
    assert with_reasons > len(d) // 2


def test_reason_texts_read_as_an_officer_would_say_them():
    rows = [{"key": f"10000000000{i}", "trader": "0100109106", "agents": ["DL010004"], "declarants": [], "vehicles": [],
             "warehouses": [], "props": {"registered_at": f"2024-01-0{i + 1}T09:00:00+07:00", "hs_codes": ["85171300"],
                                         "origin_country": "CN", "value_usd": 1000.0 * (i + 1), "net_mass_kg": 10.0,
                                         "inspection_result": "discrepancy" if i % 2 else "compliant"}} for i in range(5)]
    d = F.from_records(rows)
    numeric, tables = F.history(d, {})
    say = lambda name, i=4: declaration_reasons.text(name, d, i, numeric, tables.p0, {})  # noqa: E731
    assert say("unit_value_gap").startswith("HS 851713 from CN at ") and say("unit_value_gap").endswith("of the usual unit value")
    assert say("unit_value_gap", 0).startswith("unit value 100.00 USD/kg, with no usual value")
    assert say("rate_trader").startswith("trader 0100109106: discrepancies in ") and "x the average" in say("rate_trader")
    assert say("rate_agent").startswith("agent DL010004: ") and say("rate_declarant") == "no declarant named on the declaration"
    assert say("rate_office").endswith(": no inspection history")
    assert say("origin_country") == "origin CN" and say("procedure_code") == "procedure not stated"
    assert say("graph_trader") == "trader not scored by the network analysis"
    assert say("trader_declarations") == "trader filed 4 declarations before"


def _sample() -> list[dict]:
    return next(iter(read(SMALL_WORLD / "declarations.csv")))[-300:]


def test_assess_with_a_model_gives_its_probability_and_channel(world, trained):
    assessor = Assessor(world, Policy(), trained["dir"])
    assert assessor.model.version == trained["graph"].version and assessor.basis == "model"
    assert assessor.model_version.endswith("+" + trained["graph"].version)
    out = assessor.assess(_sample())
    assert len(out) == 300
    # 300 declarations fill the quotas exactly (Policy.fills): 5% red, 15% yellow, 1% blue.
    assert [sum(a.channel == lane for a in out) for lane in ("red", "yellow", "blue")] == [15, 45, 3]
    # One at a time, each is placed on the thresholds: red from the model's score for the riskiest 5%.
    for a, alone in zip(out[:40], (assessor.assess([r])[0] for r in _sample()[:40])):
        assert alone.probability == a.probability
        assert (alone.channel == "red") == (a.probability >= assessor.thresholds["red"])
    for a in out:
        assert a.basis == "model" and 0 <= a.probability <= 1 and a.score == pytest.approx(a.probability, abs=1e-4)
        assert a.channel in LANES
        assert sum(c for _, c, _ in a.reasons) <= a.probability + 3e-4
        assert all(part in trained["graph"].features and detail for part, _, detail in a.reasons)
    assert "green" in {a.channel for a in out}
    # The red share is the model's (a few percent of declarations): look for it in a larger sample.
    assert "red" in {a.channel for a in assessor.assess(next(iter(read(SMALL_WORLD / "declarations.csv")))[-3000:])}
    assert [a.declaration_no for a in out] == [r["key"] for r in _sample()]
    # The same declarations again: the same answer.
    assert assessor.assess(_sample()) == out


def test_assess_without_a_model_says_why_it_falls_back(world, trained, tmp_path):
    for models_dir in (None, tmp_path):
        assessor = Assessor(world, Policy(), models_dir)
        assert assessor.model is None
        out = assessor.assess(_sample()[:50])
        for a in out:
            assert a.basis.startswith("graph and profile score") and AS_OF.isoformat() in a.basis and "riskgraph train" in a.basis
            assert a.probability is None and a.channel in LANES and 0 <= a.score <= 1
        assert not math.isnan(sum(a.score for a in out))


def test_assess_uses_the_newest_model_up_to_the_analysis(world, trained, tmp_path):
    S.save(trained["earlier"], tmp_path)  # a window ending a year before the analysis, without graph scores
    assessor = Assessor(world, Policy(), tmp_path)
    assert assessor.basis == "model" and assessor.model.version == trained["earlier"].version and not assessor.model.graph
    out = assessor.assess(_sample()[:50])
    assert all(a.basis == "model" and 0 <= a.probability <= 1 for a in out)


def test_learned_profiles_rank_lines_with_enough_support_by_mean_probability(tmp_path):
    def row(i, hs, origin, result="none"):
        return {"key": f"1{i:011d}", "trader": "0100109106", "agents": [], "declarants": [], "vehicles": [], "warehouses": [],
                "props": {"registered_at": f"2024-01-01T{i // 60:02d}:{i % 60:02d}:00+07:00", "hs_codes": [hs],
                          "origin_country": origin, "procedure_code": "A11", "inspection_result": result}}

    rows = [row(i, "85171300", "CN", "discrepancy" if i < 3 else "compliant" if i < 5 else "none") for i in range(30)]
    rows += [row(30 + i, "08081000", "TH", "compliant" if i < 2 else "none") for i in range(25)]
    rows += [row(60 + i, "87089999", "CN") for i in range(profiles.MIN_SUPPORT - 1)]  # too few to list
    d = F.from_records(rows)
    p = np.where(d.text["hs6"] == "851713", 0.5, np.where(d.text["hs6"] == "080810", 0.7, 0.9))
    recent = np.flatnonzero(d.time >= d.time[5])  # the first five (all 851713 inspections) are before the quarter
    lines = profiles.learned(d, recent, p[recent])
    assert [(r["hs6"], r["origin_country"], r["procedure_code"]) for r in lines] == [("080810", "TH", "A11"), ("851713", "CN", "A11")]
    assert lines[0] == {"hs6": "080810", "origin_country": "TH", "procedure_code": "A11", "learned_risk": 0.7, "declarations": 25,
                        "inspections": 2, "discrepancies": 0, "discrepancy_rate": 0.0}
    # Support counts the quarter; inspections and discrepancies the whole window.
    assert (lines[1]["declarations"], lines[1]["inspections"], lines[1]["discrepancies"], lines[1]["discrepancy_rate"]) == (25, 5, 3, 0.6)
    profiles.write_csv(lines, tmp_path / "profiles.csv")
    assert profiles.read_csv(tmp_path / "profiles.csv") == lines and profiles.read_csv(tmp_path / "none.csv") == []


def test_graph_scores_in_training_come_from_an_analysis_before_the_declarations_day(monkeypatch):
    """An analysis as of a day knows that whole day (its declarations' results, its
    decisions): a declaration registered on a cut day must get the previous cut's scores,
    and the window's first analysis must end before the window starts."""
    from riskgraph.declarations import graph_features
    from riskgraph.entities.snapshots import Snapshot

    seen: list[date] = []

    def fake(store, as_of, history_months=36, directory=None, reads=None):
        seen.append(as_of)
        return Snapshot(np.array(["enterprise"], dtype=object), np.array(["0100109106"], dtype=object),
                        np.array([as_of.toordinal() / 1e6]), np.zeros(1), np.zeros(1, dtype=np.int32), {}), True

    monkeypatch.setattr(graph_features, "cut", fake)
    times = ["2023-12-01T00:30:00+07:00", "2024-05-31T23:00:00+07:00", "2024-06-01T08:00:00+07:00", "2024-06-02T08:00:00+07:00"]
    rows = [{"key": f"1{i:011d}", "trader": "0100109106", "agents": [], "declarants": [], "vehicles": [], "warehouses": [],
             "props": {"registered_at": t}} for i, t in enumerate(times)]
    d = F.from_records(rows)
    monkeypatch.setattr(F, "from_store", lambda store, since, until, **options: d)
    monkeypatch.setattr(training, "violations_by_trader", lambda store, until: {})
    monkeypatch.setattr(training, "enough_labels", lambda d, since, until: 0)
    progress = io.StringIO()
    w = S.window(None, date(2024, 12, 31), history_months=12, graph_every_months=6, progress=progress)
    assert w.since == date(2023, 12, 1)  # cuts on the first of 2023-12 and 2024-06
    lines = progress.getvalue().splitlines()  # one for the read, one per cut: a long training says where it is
    assert lines[0].startswith("train: read 4 declarations from 2023-12-01 to 2024-12-31")
    assert [line.split(" for ")[0] for line in lines[1:]] == ["train: graph scores as of 2023-11-30",
                                                              "train: graph scores as of 2024-05-31"]
    used = [date.fromordinal(round(x * 1e6)) for x in w.graph["graph_trader"].tolist()]
    registered = [date.fromisoformat(t[:10]) for t in times]
    assert all(u < r for u, r in zip(used, registered)), (used, registered)
    # Each reads the freshest analysis that ends before its day.
    assert used == [date(2023, 11, 30), date(2023, 11, 30), date(2024, 5, 31), date(2024, 5, 31)]


def test_the_network_reason_gives_the_traders_network_risk_not_nan():
    # Reasons get the history features only (as assess passes them): the network part of
    # the trader's score comes from the stored analysis row.
    rows = [{"key": "100000000001", "trader": "0100109106", "agents": [], "declarants": [], "vehicles": [], "warehouses": [],
             "props": {"registered_at": "2024-01-01T09:00:00+07:00"}}]
    d = F.from_records(rows)
    numeric, tables = F.history(d, {})
    stored = {"enterprise:0100109106": {"entity": "enterprise:0100109106", "score": 0.5, "band": "high", "network": 0.42,
                                        "network_rank": 3, "reasons": "[]"}}
    text = declaration_reasons.text("graph_trader_network", d, 0, numeric, tables.p0, stored)
    assert text == "trader 0100109106: risk 0.42 reaching it through its network"


def test_an_unreadable_newest_model_leaves_assess_on_the_graph_score_and_says_why(world, trained, tmp_path):
    models = tmp_path / "models"
    S.save(trained["graph"], models)
    (models / trained["graph"].version / "meta.json").write_text("{not json", encoding="utf-8")
    assessor = Assessor(world, Policy(), models)
    assert assessor.model is None and "cannot be used" in assessor.basis and "meta.json" in assessor.basis
    batch = next(iter(read(SMALL_WORLD / "declarations.csv")))[:5]
    assert all(a.basis == assessor.basis and a.probability is None for a in assessor.assess(batch))


def test_saving_the_same_version_again_replaces_it_whole(trained, tmp_path):
    first = S.save(trained["graph"], tmp_path)
    again = S.save(trained["graph"], tmp_path)
    assert first == again and sorted(p.name for p in tmp_path.iterdir()) == [trained["graph"].version]
    assert S.load(again).version == trained["graph"].version


MINIMAL = ("declaration_no", "direction", "registered_at", "trader_tax_code", "origin_country", "hs_codes", "value_usd",
           "tax_vnd", "channel", "inspection_result")


def test_a_feed_of_declarations_alone_with_few_fields_trains_assesses_and_backtests(store, tmp_path):
    """What another administration's export mapped into the contract may be: declarations
    only (no registers, people, agents, vehicles, violations or selection marks), with few
    of the optional fields. Nothing may depend on what is missing."""
    import csv

    from riskgraph.evaluation import declaration_backtest as B
    from riskgraph.ingest.pipeline import ingest

    feed = tmp_path / "feed"
    feed.mkdir()
    with (SMALL_WORLD / "declarations.csv").open(newline="", encoding="utf-8") as f, \
         (feed / "declarations.csv").open("w", newline="", encoding="utf-8") as g:
        out = csv.DictWriter(g, MINIMAL)
        out.writeheader()
        for row in csv.DictReader(f):
            out.writerow({k: row[k] for k in MINIMAL})
    ingest(store, feed, tmp_path / "runs")
    save_analysis(store, analyze(store, AS_OF))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(training, "MIN_DISCREPANCIES", 10)
        model = S.train(store, EARLIER, history_months=36)
        report, _, _ = B.run(store, EARLIER, 12, history_months=36)
    assert model.metrics["labelled"] > 0 and "graph_trader" in model.features
    models = S.save(model, tmp_path / "models").parent
    rows = [r for batch in read(feed / "declarations.csv") for r in batch][-200:]
    assessed = Assessor(store, Policy(), models).assess(rows)
    assert {a.basis for a in assessed} == {"model"} and all(0 <= a.probability <= 1 for a in assessed)
    assert {a.channel for a in assessed} <= set(LANES) and any(a.channel != "green" for a in assessed)
    assert report.positives > 0 and report.random_graded == 0
    base = report.positives / report.graded
    assert report.metrics["model"].average_precision > base  # better than inspecting at random
