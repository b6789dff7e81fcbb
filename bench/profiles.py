"""Benchmarks of officers' risk profiles (issue 19) on the demo world.

    python bench/profiles.py speed [--data-dir bench/out/demo] [--profiles 200] [--declarations 20000] [--singles 1000]
                                   [--rounds 3]
        ``Assessor.assess`` with 0 and with ``--profiles`` active profiles in the same run (after a
        warm-up, ``--rounds`` rounds of each, alternated; medians reported), over
        the demo world's last declarations: declarations/s in batches of 2,000 and single-
        declaration p50/p99 (ms), in process. The profiles are compiled in memory (nothing is
        written to the store): the model's suggested lines first, then criteria on goods,
        origin, value, unit value, procedure, tax treatment and party facts (bands, watchlist,
        new and closed traders), red and yellow.

    python bench/profiles.py backtest [--as-of 2024-12-31] [--horizon 12] [--top 10 20 50]
        The declaration backtest's held-out declarations (``riskgraph backtest --declarations``):
        precision at a 5% inspection budget of the model alone, and of the model with the
        ``--top`` lines it suggests adopted, in the lane ``profile adopt`` gives them and
        forced to red (red hits first, capped at ``Policy.profile_cap`` of the declarations, the
        riskiest by the model; a yellow hit leaves the red lane as it was).

Each command prints its figures and writes them as JSON under bench/out/.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

from riskgraph import declarations as S  # noqa: E402
from riskgraph.channels import Assessor, Policy  # noqa: E402
from riskgraph.channels import profiles as P  # noqa: E402
from riskgraph.channels.effectiveness import stored_records  # noqa: E402
from riskgraph.dates import add_months  # noqa: E402
from riskgraph.declarations import features as F  # noqa: E402
from riskgraph.graph import open_store  # noqa: E402
from riskgraph.ingest.declaration_file import read_declarations  # noqa: E402
from riskgraph.ranking import precision_at  # noqa: E402
from riskgraph.settings import load  # noqa: E402

CHAPTERS = ("08", "22", "17", "64", "84", "85", "87", "39", "61", "62", "94", "72", "30", "33", "40", "73", "90", "95", "44", "48")
ORIGINS = ("CN", "HK", "TH", "KR", "JP", "US", "DE", "IN", "MY", "ID")
OTHERS = (  # party facts, procedures and values, most of them on a goods chapter as officers write them
    "trader band >= high and hs in {ch}", "agent is watchlisted or declarant is watchlisted",
    "trader is new within 30 days and value_usd > 50000 and hs in {ch}", "trader is closed", "vehicle is key_target and hs in {ch}",
    "procedure in E31, E21 and tax_treatment != MFN and hs in {ch}", "origin in {o}, {o2} and not procedure = A11 and unit_value < 0.5",
    "trader is key_target and origin = {o} and hs in {ch}", "gate = \"Cửa khẩu Hữu Nghị\" and hs in {ch}",
    "value_usd >= 500000 and duty_rate > 10",
)


def made_profiles(model, n: int) -> list[P.RiskProfile]:
    """Return ``n`` active profiles: the model's suggested lines first, then the other shapes."""
    texts = [P.suggestion(r) for r in model.profiles[: n // 2]]
    i = 0
    while len(texts) < n:
        ch, o, o2 = CHAPTERS[i % len(CHAPTERS)], ORIGINS[i % len(ORIGINS)], ORIGINS[(i + 3) % len(ORIGINS)]
        shape = i % 4
        if shape == 0:
            texts.append(f"hs in {ch} and origin in {o}, {o2} and unit_value < {0.5 + i % 7}")
        elif shape == 1:
            texts.append(f"hs startswith {ch}{i % 10}, {ch}{(i + 5) % 10} and value_usd > {10000 * (1 + i % 9)}")
        else:
            texts.append(OTHERS[i % len(OTHERS)].format(ch=ch, o=o, o2=o2))
        i += 1
    return [P.RiskProfile(f"BENCH-{k:03d}", 1, "bench", P.C.parse(t).text, f"bench profile {k}", "", "red" if k % 3 == 0 else "yellow",
                          "2020-01-01", None, True) for k, t in enumerate(texts)]


def _time(assessor: Assessor, rows: list[dict], singles: int) -> dict:
    t = time.perf_counter()
    out = []
    for i in range(0, len(rows), 2000):
        out += assessor.assess(rows[i : i + 2000])
    rate = len(rows) / (time.perf_counter() - t)
    took = []
    for r in rows[-singles:]:
        t = time.perf_counter()
        assessor.assess([r])
        took.append((time.perf_counter() - t) * 1000)
    return {"batch_per_s": round(rate), "single_p50_ms": round(float(np.percentile(took, 50)), 2),
            "single_p99_ms": round(float(np.percentile(took, 99)), 2), "hits": sum(len(a.hits) for a in out),
            "declarations_hit": sum(1 for a in out if a.hits), "red": sum(a.channel == "red" for a in out)}


def speed(args) -> None:
    settings = load(env={}, data_dir=Path(args.data_dir))
    rows = [r for b in read_declarations(Path(args.data_dir) / "demo-world" / "declarations.csv") for r in b][-args.declarations :]
    s = open_store(settings)
    try:
        assessor = Assessor(s, Policy(), settings.models_dir)
        chosen = made_profiles(assessor.model, args.profiles)
        t = time.perf_counter()
        loaded = P.Profiles.load(s, chosen)
        compile_s = time.perf_counter() - t
        none = P.Profiles.load(s, [])
        assessor.profiles = loaded
        assessor.assess(rows[:2000])  # warm-up: the store's caches, the model's first prediction
        runs: dict[str, list[dict]] = {"baseline": [], "profiles": []}
        for _ in range(args.rounds):  # alternated, so that the load of a shared machine falls on both alike
            for label, chosen_set in (("baseline", none), ("profiles", loaded)):
                assessor.profiles, assessor.cap = chosen_set, P.Cap(Policy().profile_cap)
                runs[label].append(_time(assessor, rows, args.singles))
                print(label, runs[label][-1], flush=True)
    finally:
        s.close()
    median = {label: {k: float(np.median([r[k] for r in rs])) for k in rs[0]} for label, rs in runs.items()}
    figures = {"data_dir": args.data_dir, "model": assessor.model.version if assessor.model else None, "declarations": len(rows),
               "profiles": args.profiles, "compile_and_load_s": round(compile_s, 3), "runs": runs, "median": median}
    print(json.dumps(figures, indent=1))
    (OUT / "profiles-speed.json").write_text(json.dumps(figures, indent=1))


def backtest(args) -> None:
    settings = load(env={}, data_dir=Path(args.data_dir))
    as_of = date.fromisoformat(args.as_of)
    end = add_months(as_of, args.horizon)
    s = open_store(settings)
    try:
        w = S.window(s, as_of, history_months=args.history_months)
        model = S.fit(w.declarations, w.violations, w.graph, since=w.since, until=as_of)
        test = F.from_store(s, as_of + timedelta(days=1), end)
        test = test.take(test.labelled)
        numeric, _ = F.history(test, w.violations, frozen=model.tables)
        score = model.probability(model.matrix(test, numeric, S.describe(test, s, [as_of])))
        records = {r["key"]: r for r in stored_records(s, as_of + timedelta(days=1), end)[0]}
        graded = [records[k] for k in test.key]
        positive = np.asarray(test.positive, dtype=bool)
        lines = P.suggestions(model, args.min_support)
        out = {"as_of": args.as_of, "horizon_months": args.horizon, "model": model.version, "graded": len(graded),
               "positives": int(positive.sum()), "model_precision_at_5": round(precision_at(score, positive, 0.05), 4),
               "suggested": len(lines), "adopted": []}
        cap = math.ceil(Policy().profile_cap * len(graded))
        for top in args.top:
            for lane in (P.SUGGESTED_LANE, "red"):  # as `profile adopt` adopts them, then forced to red
                chosen = [P.RiskProfile(f"S{i}", 1, "bench", r["criteria"], "suggested", "", lane, "2000-01-01", None, True)
                          for i, r in enumerate(lines[:top])]
                profiles = P.Profiles.load(s, chosen)
                found = profiles.hits(graded, profiles.facts(s, graded))
                hit = np.array([bool(h) for h in found])
                red = np.array([any(h.lane == "red" for h in hs) for hs in found])
                promoted = np.flatnonzero(red)[np.argsort(-score[red], kind="stable")][:cap]
                combined = score.copy()
                combined[promoted] += 1.0  # red hits go first, the riskiest by the model up to the cap
                out["adopted"].append({"top": top, "lane": lane, "declarations_hit": int(hit.sum()),
                                       "sent_red": len(promoted),
                                       "hit_precision": round(float(positive[hit].mean()), 4) if hit.any() else None,
                                       "precision_at_5": round(precision_at(combined, positive, 0.05), 4)})
                print(out["adopted"][-1], flush=True)
    finally:
        s.close()
    print(json.dumps(out, indent=1))
    (OUT / "profiles-backtest.json").write_text(json.dumps(out, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sp = sub.add_parser("speed")
    sp.add_argument("--data-dir", default=str(OUT / "demo"))
    sp.add_argument("--profiles", type=int, default=200)
    sp.add_argument("--declarations", type=int, default=20_000)
    sp.add_argument("--singles", type=int, default=1000)
    sp.add_argument("--rounds", type=int, default=3)
    bt = sub.add_parser("backtest")
    bt.add_argument("--data-dir", default=str(OUT / "demo"))
    bt.add_argument("--as-of", default="2024-12-31")
    bt.add_argument("--horizon", type=int, default=12)
    bt.add_argument("--history-months", type=int, default=24)
    bt.add_argument("--min-support", type=int, default=20)
    bt.add_argument("--top", type=int, nargs="+", default=[10, 20, 50])
    args = parser.parse_args()
    {"speed": speed, "backtest": backtest}[args.command](args)


if __name__ == "__main__":
    main()
