"""Ranking quality over several generated worlds and their variants: the model against
the baselines and an oracle, and how pure its networks are.

    .venv/bin/python bench/quality.py [--enterprises 20000] [--seeds 1 2 3] [--horizon 12]
                                      [--variants base no_member_history ...] [--fresh]

For each seed: generate the world once (bench/out/quality/world-N-SEED), derive each
variant of it (riskgraph.synthetic.variants: bench/out/quality/variant-N-SEED-NAME) and
load each into its own store (bench/out/quality/data-N-SEED-NAME), each step skipped
when already done, so that a second run only re-grades. ``--fresh`` derives and loads
the variants again (the base worlds are kept). Then backtest as of the cut-off with the
ground truth: the model, the BASELINES and the oracle (the planted scheme member
enterprises first, then everyone by own history); and the purity of the model's top 10
networks: the share of their enterprises that are planted scheme members, against the
share among all enterprises.

Prints one line per variant and seed, then per variant the mean and standard deviation
over the seeds of every metric of every ranking, and a markdown table per variant for
docs/benchmarks.md; writes bench/out/quality.json and each run's report directory
(bench/out/quality/report-N-SEED-NAME).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from riskgraph.evaluation import BASELINES  # noqa: E402
from riskgraph.evaluation import entity_backtest as backtest  # noqa: E402
from riskgraph.evaluation.baselines import own_history  # noqa: E402
from riskgraph.graph import open_store  # noqa: E402
from riskgraph.ingest.pipeline import ingest  # noqa: E402
from riskgraph.model import NODE_KINDS  # noqa: E402
from riskgraph.settings import load  # noqa: E402
from riskgraph.synthetic import generate  # noqa: E402
from riskgraph.synthetic.variants import VARIANTS, derive, member_enterprises, read_truth  # noqa: E402

OUT = Path(__file__).parent / "out" / "quality"
ORACLE = "oracle (planted members first)"
TOP_NETWORKS = 10
ENTERPRISE = NODE_KINDS.index("enterprise")
TABLE = (("AP", "average_precision"), ("recall@5% no history", "recall_at_5_no_history"), ("lift@5%", "lift_at_5"))


# -- worlds, variants, stores -----------------------------------------------------------


def world_of(enterprises: int, seed: int) -> Path:
    """Return the base world of ``seed``, generating it unless it is there already."""
    world = OUT / f"world-{enterprises}-{seed}"
    if not (world / "ground_truth.json").exists():
        print(f"generating {world.name}", flush=True)
        generate(world, enterprises, seed)
    return world


def variant_of(world: Path, name: str, tag: str, seed: int, fresh: bool) -> Path:
    """Return variant ``name`` of ``world``, derived unless it is there already (or ``fresh``).

    A variant derived anew gets a new, empty store: loading it over an older one would
    keep what the older one had and the new one dropped.
    """
    feed, data = OUT / f"variant-{tag}-{name}", OUT / f"data-{tag}-{name}"
    if fresh or not (feed / "ground_truth.json").exists():
        shutil.rmtree(feed, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)
        derive(world, name, feed, seed)
    return feed


def oracle(truth: dict) -> Callable:
    """Return a baseline that knows the answer: the planted scheme member enterprises
    score 1 plus their own history (scaled below 1), everyone else their own history
    alone. The ceiling a ranking of the schemes could reach."""
    planted = member_enterprises(truth)

    def score(analysis) -> np.ndarray:
        own = np.maximum(own_history(analysis), 0.0)
        out = own / (own.max() + 1.0) if own.size else own
        p = analysis.projection
        for i in p.enterprise:
            if p.key[i] in planted:
                out[i] += 1.0
        return out

    return score


def network_purity(analysis, truth: dict, top: int = TOP_NETWORKS) -> dict:
    """Return how many networks the analysis found and, for the ``top`` riskiest, the
    share of their enterprise members that are planted scheme members (overall and per
    network), against that share among all enterprises (``base_rate``)."""
    p, planted = analysis.projection, member_enterprises(truth)
    base_rate = sum(p.key[i] in planted for i in p.enterprise) / max(1, len(p.enterprise))
    per = []
    for network in sorted(analysis.networks, key=lambda n: n.rank)[:top]:
        members = [m for m in network.members if p.kind[m] == ENTERPRISE]
        hits = sum(p.key[m] in planted for m in members)
        per.append({"rank": network.rank, "enterprises": len(members), "planted": hits,
                    "purity": hits / len(members) if members else 0.0})
    enterprises = sum(n["enterprises"] for n in per)
    purity = sum(n["planted"] for n in per) / enterprises if enterprises else 0.0
    return {"count": len(analysis.networks), "purity": purity, "base_rate": base_rate,
            "lift": purity / base_rate if base_rate else 0.0, "top": per}


def grade(feed: Path, data: Path, horizon: int, report_dir: Path) -> dict:
    """Load ``feed`` into the store in ``data`` (skipped when loaded already), backtest it
    as of its cut-off and return the run's results; write its report to ``report_dir``."""
    truth = read_truth(feed)
    settings = load(env={}, data_dir=data)
    store = open_store(settings)
    try:
        loaded = ingest(store, feed, settings.runs_dir)
        store.ensure_schema()
        baselines = {**BASELINES, ORACLE: oracle(truth)}
        report, analysis, graded = backtest.run(store, date.fromisoformat(truth["cutoff"]), horizon, baselines=baselines,
                                                truth=truth)
        networks = network_purity(analysis, truth)
    finally:
        store.close()
    if loaded.rejected:
        print(f"WARNING: {feed.name}: {loaded.rejected} rows rejected (see {loaded.out_dir})", flush=True)
    backtest.write(report, graded, report_dir)
    return {"ingest": loaded.status, "rejected": loaded.rejected, "population": report.population,
            "positives": report.positives, "positives_no_history": report.positives_no_history,
            "metrics": {name: vars(m) for name, m in report.metrics.items()}, "schemes": report.schemes,
            "networks": networks, "ranker": analysis.ranker, "seconds": report.seconds}


# -- summaries ---------------------------------------------------------------------------


def spread(values) -> dict[str, float]:
    """Return the mean and sample standard deviation (0 for one value) of ``values``."""
    a = np.asarray(list(values), dtype=float)
    return {"mean": round(float(a.mean()), 3), "sd": round(float(a.std(ddof=1)), 3) if len(a) > 1 else 0.0}


def summarise(runs: list[dict]) -> dict:
    """Return the mean and sd over ``runs`` (one variant's seeds) of every metric of every
    ranking, of the positives, and of the network count and purity."""
    names = runs[0]["metrics"]
    return {
        "positives": spread(r["positives"] for r in runs),
        "positives_no_history": spread(r["positives_no_history"] for r in runs),
        "metrics": {name: {k: spread(r["metrics"][name][k] for r in runs) for k in names[name]} for name in names},
        "networks": {k: spread(r["networks"][k] for r in runs) for k in ("count", "purity", "base_rate", "lift")},
    }


def shown(s: dict[str, float], digits: int = 3) -> str:
    """Return ``mean ± sd`` (the mean alone when sd is 0)."""
    return f"{s['mean']:.{digits}f} ± {s['sd']:.{digits}f}" if s["sd"] else f"{s['mean']:.{digits}f}"


def table(name: str, summary: dict, seeds: list[int], enterprises: int, horizon: int) -> str:
    """Return the markdown table of one variant, for docs/benchmarks.md."""
    n = summary["networks"]
    lines = [f"#### `{name}`: {VARIANTS[name]}", "",
             f"{enterprises:,} enterprises, seeds {', '.join(map(str, seeds))}, {horizon}-month horizon; "
             f"positives {shown(summary['positives'], 1)}, {shown(summary['positives_no_history'], 1)} with no history. "
             f"Top-{TOP_NETWORKS} purity: share of planted scheme members among the enterprises of the model's "
             f"{TOP_NETWORKS} riskiest networks (base rate {shown(n['base_rate'])}).", "",
             "| ranking | " + " | ".join(h for h, _ in TABLE) + " | networks | top-10 purity |",
             "|---" * (len(TABLE) + 3) + "|"]
    for ranking, metrics in summary["metrics"].items():
        extra = [shown(n["count"], 0), shown(n["purity"])] if ranking == "model" else ["", ""]
        digits = {"lift_at_5": 1}
        lines.append(f"| {ranking} | " + " | ".join([shown(metrics[k], digits.get(k, 3)) for _, k in TABLE] + extra) + " |")
    return "\n".join(lines) + "\n"


def printed(name: str, summary: dict) -> str:
    """Return the plain lines of one variant's summary: every metric of every ranking."""
    lines = [f"\n{name}: positives {shown(summary['positives'], 1)}"]
    for ranking, metrics in summary["metrics"].items():
        lines.append(f"  {ranking:32s} " + "  ".join(f"{k} {shown(v)}" for k, v in metrics.items()))
    lines.append("  networks " + "  ".join(f"{k} {shown(v)}" for k, v in summary["networks"].items()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--horizon", type=int, default=12)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS), metavar="NAME",
                        help=f"variants to grade (default all): {', '.join(VARIANTS)}")
    parser.add_argument("--fresh", action="store_true", help="derive and load the variants again")
    args = parser.parse_args()
    runs: dict[str, dict[int, dict]] = {name: {} for name in args.variants}
    for seed in args.seeds:
        world = world_of(args.enterprises, seed)
        for name in args.variants:
            tag = f"{args.enterprises}-{seed}"
            feed = variant_of(world, name, tag, seed, args.fresh)
            run = runs[name][seed] = grade(feed, OUT / f"data-{tag}-{name}", args.horizon, OUT / f"report-{tag}-{name}")
            m, n = run["metrics"]["model"], run["networks"]
            print(f"{name:24s} seed {seed}: {run['positives']} positives, model AP {m['average_precision']:.3f} "
                  f"recall@5% no history {m['recall_at_5_no_history']:.3f}; {n['count']} networks, "
                  f"top-{TOP_NETWORKS} purity {n['purity']:.3f} (base {n['base_rate']:.3f}); ranker {run['ranker'].get('ranker')}; "
                  f"ingest {run['ingest']}", flush=True)
    summary = {name: summarise([runs[name][s] for s in args.seeds]) for name in args.variants}
    print(f"\nmean (sd) over seeds {args.seeds}, {args.enterprises:,} enterprises, {args.horizon}-month horizon")
    for name in args.variants:
        print(printed(name, summary[name]))
    tables = {name: table(name, summary[name], args.seeds, args.enterprises, args.horizon) for name in args.variants}
    print("\n" + "\n".join(tables.values()), flush=True)
    out = {"date": date.today().isoformat(), "command": " ".join(["bench/quality.py", *sys.argv[1:]]),
           "enterprises": args.enterprises, "seeds": args.seeds, "horizon": args.horizon,
           "variants": {name: VARIANTS[name] for name in args.variants},
           "runs": runs, "summary": summary, "tables": tables}
    (OUT.parent / "quality.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
