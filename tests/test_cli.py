"""The riskgraph command end to end: generate, demo without serving, store commands."""

from __future__ import annotations

import os
import subprocess
import sys

BOM = "\ufeff"  # what Excel needs to read a CSV file as UTF-8


def _csv_lines(text: str) -> list[str]:
    """The lines of a CSV export, which must start with the byte-order mark."""
    assert text.startswith(BOM), text[:20]
    return text.removeprefix(BOM).splitlines()


def _run(data_dir, *args, timeout=300):
    env = {**os.environ, "RISKGRAPH_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "riskgraph.cli", *args], env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_demo_no_serve_finishes_and_reports(tmp_path):
    done = _run(tmp_path / "data", "demo", "--enterprises", "60", "--seed", "3", "--no-serve")
    assert done.returncode == 0, done.stderr
    assert "0 rows rejected" not in done.stdout and "run 1 loaded" in done.stdout
    assert "Declaration" in done.stdout and str((tmp_path / "data").resolve()) in done.stdout
    runs = _run(tmp_path / "data", "runs")
    assert runs.returncode == 0 and "finished" in runs.stdout
    stopped = _run(tmp_path / "data", "store", "stop")
    assert stopped.returncode == 0


def test_generate_is_deterministic(tmp_path):
    for name in ("a", "b"):
        assert _run(tmp_path, "generate", str(tmp_path / name), "--enterprises", "60", "--seed", "5").returncode == 0
    for f in sorted((tmp_path / "a").iterdir()):
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes(), f.name


def test_too_small_a_world_is_refused_by_the_cli(tmp_path):
    done = _run(tmp_path, "generate", str(tmp_path / "w"), "--enterprises", "5")
    assert done.returncode == 2 and "50" in done.stderr


def test_analyze_key_targets_networks_assess_and_backtest_from_the_command_line(tmp_path):
    import json

    from tests.conftest import SMALL_WORLD

    data = tmp_path / "data"
    try:
        assert _run(data, *["ingest", str(SMALL_WORLD)]).returncode == 0
        result = _run(data, *["analyze", "--as-of", "2024-07-01"])
        assert result.returncode == 0, result.stderr
        assert "entities scored" in result.stdout and "suspicious networks" in result.stdout
        targets = _run(data, *["key-targets", "--kind", "enterprise", "--top", "5", "--format", "json"])
        rows = json.loads(targets.stdout)
        assert len(rows) == 5 and rows[0]["reasons"]
        csv_all = _run(data, *["key-targets", "--kind", "agent", "--all", "--format", "csv"]).stdout.removeprefix(BOM).splitlines()
        assert csv_all[0] == "entity,score,band" and len(csv_all) > 2
        nets = json.loads(_run(data, *["networks", "--top", "3", "--format", "json"]).stdout)
        assert nets and nets[0]["rank"] == 1
        assessed = _run(data, *["assess", str(SMALL_WORLD / "declarations.csv")])
        assert assessed.returncode == 0
        lines = assessed.stdout.splitlines()
        assert lines[0] == "declaration_no,channel,score,random,probability,reasons" and len(lines) == 2941
        bad = _run(data, *["assess", str(tmp_path / "missing.csv")])
        assert bad.returncode == 1 and "missing.csv" in bad.stderr
        out = tmp_path / "bt"
        bt = _run(data, *["backtest", "--as-of", "2024-07-01", "--horizon", "12m", "--out", str(out),
                   "--truth", str(SMALL_WORLD / "ground_truth.json")])
        assert bt.returncode == 0, bt.stderr
        assert "own history only" in bt.stdout and (out / "gains.png").exists()
        assert _run(data, *["backtest", "--as-of", "2024-07-01", "--horizon", "soon"]).returncode == 2
    finally:
        _run(data, "store", "stop")


# --- the selectivity model: train, profiles, backtest --declarations, assess ---------------
# In process (click's CliRunner), so that the small world's too few discrepancies can be
# allowed for by lowering the threshold; the world is loaded once into a data directory
# of the module's own, held open by a keeper connection.

import json  # noqa: E402

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from riskgraph.channels import LANES  # noqa: E402
from riskgraph.declarations import training  # noqa: E402

PROFILE_HEADER = "hs6,origin_country,procedure_code,learned_risk,declarations,inspections,discrepancies,discrepancy_rate"
PNG = b"\x89PNG\r\n\x1a\n"


def _invoke(data_dir, *args):
    from riskgraph.cli import main

    env = {"RISKGRAPH_DATA_DIR": None, "RISKGRAPH_GRAPH": "riskgraph", "RISKGRAPH_STORE": "falkordb", "RISKGRAPH_FALKORDB_URL": None}
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def cli_world(tmp_path_factory):
    """The small world loaded and analysed as of 2025-12-31 in a data directory of its own."""
    from datetime import date

    from riskgraph.entities.analysis import analyze
    from riskgraph.entities.results import save
    from riskgraph.graph import open_store
    from riskgraph.graph.embedded import stop
    from riskgraph.ingest.columnar import ColumnarCopy
    from riskgraph.ingest.pipeline import ingest
    from riskgraph.settings import load
    from tests.conftest import SMALL_WORLD

    data = tmp_path_factory.mktemp("cli") / "data"
    settings = load(env={}, data_dir=data, graph="riskgraph")
    keeper = open_store(settings)
    try:
        ingest(keeper, SMALL_WORLD, settings.runs_dir, copy=ColumnarCopy(settings.columnar_dir))
        keeper.ensure_schema()
        save(keeper, analyze(keeper, date(2025, 12, 31)))
        yield data
    finally:
        keeper.close()
        stop((data / "falkordb").resolve())


@pytest.fixture(scope="module")
def cli_trained(cli_world):
    """`riskgraph train` with the threshold lowered for the small world."""

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(training, "MIN_DISCREPANCIES", 10)
        return _invoke(cli_world, "train", "--as-of", "2025-12-31", "--history-months", "48")


def test_train_with_too_few_discrepancies_fails_with_the_count(cli_world):
    done = _invoke(cli_world, "train", "--as-of", "2025-11-30", "--no-graph")
    assert done.exit_code == 1 and done.stdout == ""
    assert done.stderr.startswith("riskgraph: ") and "declarations with a discrepancy or violation" in done.stderr
    assert "needs at least 200" in done.stderr and "Traceback" not in done.stderr
    assert not list((cli_world / "models").glob("sel-2025-11-30*"))


def test_columnar_check_names_a_stale_month_and_rebuild_makes_it_fresh(cli_world):
    import shutil

    done = _invoke(cli_world, "columnar", "check")
    assert done.exit_code == 0 and done.stdout.startswith("60 of 60 months fresh"), done.stdout
    shutil.rmtree(cli_world / "columnar" / "riskgraph" / "2024-03")  # a month lost from the copy
    done = _invoke(cli_world, "columnar", "check")
    assert done.exit_code == 1 and done.stdout.startswith("2024-03: copy 0 declarations, graph "), done.stdout
    assert "59 of 60 months fresh" in done.stdout and "riskgraph columnar rebuild --stale" in done.stdout
    done = _invoke(cli_world, "columnar", "rebuild", "--stale")
    assert done.exit_code == 0 and done.stdout.startswith("rebuilt 1 month ("), done.stdout
    assert _invoke(cli_world, "columnar", "check", "--full").stdout.startswith("60 of 60 months fresh")


def test_profiles_without_a_model_says_to_train_one(tmp_path, cli_world):
    for data, as_of in ((tmp_path / "empty", "2025-12-31"), (cli_world, "2021-06-30")):
        done = _invoke(data, "profiles", "--as-of", as_of, "--format", "csv")
        assert done.exit_code == 1 and "riskgraph train" in done.stderr and f"no selectivity model trained up to {as_of}" in done.stderr
        assert done.stdout == ""


def test_train_stores_a_model_and_profiles_lists_its_lines(cli_world, cli_trained):
    assert cli_trained.exit_code == 0, cli_trained.stderr
    lines = cli_trained.stdout.splitlines()
    assert lines[0].startswith("model sel-2025-12-31-") and "trained on 2021-12-01 to 2025-12-31" in lines[0]
    assert "with an outcome" in lines[1] and "average precision" in lines[2] and "no graph scores" not in lines[1]
    version = lines[0].split()[1].rstrip(":")
    assert lines[-1] == f"stored in {cli_world / 'models' / version}" and (cli_world / "models" / version / "meta.json").is_file()

    from riskgraph import declarations as selectivity

    csv_out = _invoke(cli_world, "profiles", "--as-of", "2025-12-31", "--format", "csv", "--top", "5")
    assert csv_out.exit_code == 0, csv_out.stderr
    rows = _csv_lines(csv_out.stdout)
    assert rows[0] == PROFILE_HEADER
    stored = selectivity.load(cli_world / "models" / version).profiles
    listed = [r for r in stored if r["declarations"] >= 20]  # --min-support 20 by default
    assert len(rows) == 1 + min(5, len(listed))  # the small world's last quarter may have no line of 20 declarations
    risks = [float(r.split(",")[3]) for r in rows[1:]]
    assert risks == sorted(risks, reverse=True) and all(0 <= r <= 1 for r in risks)
    table = _invoke(cli_world, "profiles", "--as-of", "2026-01-15")
    assert table.exit_code == 0 and table.stdout.splitlines()[0].startswith(f"model {version} (trained on 2021-12-01 to 2025-12-31)")


def test_profiles_keeps_to_min_support_and_top(cli_world, cli_trained, tmp_path):
    import shutil

    from riskgraph.declarations import profiles

    version = cli_trained.stdout.split()[1].rstrip(":")
    copy = tmp_path / "data" / "models" / version
    shutil.copytree(cli_world / "models" / version, copy)
    lines = [{"hs6": "851713", "origin_country": "CN", "procedure_code": "A11", "learned_risk": 0.4, "declarations": 25,
              "inspections": 10, "discrepancies": 4, "discrepancy_rate": 0.4},
             {"hs6": "080810", "origin_country": "TH", "procedure_code": "A12", "learned_risk": 0.3, "declarations": 60,
              "inspections": 12, "discrepancies": 2, "discrepancy_rate": 0.1667},
             {"hs6": "870899", "origin_country": "CN", "procedure_code": "A12", "learned_risk": 0.1, "declarations": 90,
              "inspections": 0, "discrepancies": 0, "discrepancy_rate": None}]
    profiles.write_csv(lines, copy / "profiles.csv")
    every = _csv_lines(_invoke(tmp_path / "data", "profiles", "--as-of", "2025-12-31", "--format", "csv").stdout)
    assert every == [PROFILE_HEADER, "851713,CN,A11,0.4,25,10,4,0.4", "080810,TH,A12,0.3,60,12,2,0.1667", "870899,CN,A12,0.1,90,0,0,"]
    top = _invoke(tmp_path / "data", "profiles", "--as-of", "2025-12-31", "--format", "csv", "--min-support", "30", "--top", "1")
    assert _csv_lines(top.stdout) == [PROFILE_HEADER, "080810,TH,A12,0.3,60,12,2,0.1667"]
    table = _invoke(tmp_path / "data", "profiles", "--as-of", "2025-12-31").stdout.splitlines()
    assert table[1].split() == list(profiles.FIELDS) and table[2].split()[:4] == ["851713", "CN", "A11", "0.4"]


def test_assess_says_which_basis_it_used(cli_world, cli_trained, tmp_path):
    from tests.conftest import SMALL_WORLD

    assert cli_trained.exit_code == 0, cli_trained.stderr
    version = cli_trained.stdout.split()[1].rstrip(":")
    lines = (SMALL_WORLD / "declarations.csv").read_text(encoding="utf-8").splitlines()
    feed = tmp_path / "declarations.csv"
    feed.write_text("\n".join(lines[:1] + lines[-20:]) + "\n", encoding="utf-8")
    done = _invoke(cli_world, "assess", str(feed), "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert done.stderr.splitlines()[0] == f"assess: selectivity model {version}"
    assert done.stderr.splitlines()[1].startswith("assess: 20 declarations: ") and " blue" in done.stderr
    out = json.loads(done.stdout)
    assert len(out) == 20 and all(a["basis"] == "model" and 0 <= a["probability"] <= 1 for a in out)
    assert all(a["channel"] in LANES for a in out)


def test_audit_plan_writes_at_least_its_share_of_the_periods_green_declarations(cli_world, tmp_path):
    import csv
    import io
    import math

    from riskgraph.cli.output import AUDIT_COLUMNS
    from tests.conftest import SMALL_WORLD

    rows = list(csv.DictReader((SMALL_WORLD / "declarations.csv").open(encoding="utf-8")))
    green = {r["declaration_no"] for r in rows if r["channel"] == "green" and r["registered_at"].startswith("2025")}
    out = tmp_path / "plan.csv"
    done = _invoke(cli_world, "audit-plan", "--period", "2025", "--share", "0.02", "--out", str(out))
    assert done.exit_code == 0, done.stderr
    k = math.ceil(len(green) * 0.02)
    assert done.stdout.startswith(f"audit plan 2025-01-01 to 2025-12-31: {k} of {len(green):,} green-lane declarations")
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    plan = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(plan[0]) == AUDIT_COLUMNS and len(plan) == k
    assert {r["declaration_no"] for r in plan} <= green and [int(r["rank"]) for r in plan] == list(range(1, k + 1))
    assert all(r["reasons"] for r in plan)
    bad = _invoke(cli_world, "audit-plan", "--period", "2025-Q5")
    assert bad.exit_code == 1 and "is not a period: give 2026-Q1 (a quarter)" in bad.stderr


def test_backtest_declarations_writes_its_report_and_charts(cli_world, tmp_path):

    out = tmp_path / "bt"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(training, "MIN_DISCREPANCIES", 10)
        done = _invoke(cli_world, "backtest", "--declarations", "--as-of", "2024-06-30", "--history-months", "24", "--out", str(out))
    assert done.exit_code == 0, done.stderr
    assert "# Declaration selectivity backtest as of 2024-06-30" in done.stdout and "registered in the 6 months after" in done.stdout
    for name in ("model", "entity_history", "hs_origin_rate", "model_without_graph"):
        assert f"| {name} | " in done.stdout
    assert (out / "report.json").is_file() and (out / "report.md").is_file()
    for png in ("precision_recall.png", "metrics.png"):
        assert (out / png).read_bytes()[:8] == PNG and str(out / png) in done.stdout


def test_fit_ranker_saves_a_ranker_that_analyze_then_uses(cli_world):
    fitted = _invoke(cli_world, "fit-ranker", "--as-of", "2025-12-31")
    assert fitted.exit_code == 0 and "ranker as of 2025-12-31:" in fitted.stdout and "saved to" in fitted.stdout
    assert (cli_world / "models" / "ranker-2025-12-31" / "meta.json").is_file()
    used = _invoke(cli_world, "analyze", "--as-of", "2026-01-15")
    assert used.exit_code == 0 and "\nranker: " in used.stdout
    priors = _invoke(cli_world, "analyze", "--as-of", "2025-12-31", "--ranker", "priors")
    assert "ranker: priors (asked for)" in priors.stdout and "graph-2.0-priors" in priors.stdout


def _small_world_names() -> dict[str, str]:
    import csv

    from tests.conftest import SMALL_WORLD

    with open(SMALL_WORLD / "enterprises.csv", newline="", encoding="utf-8") as handle:
        return {f"enterprise:{r['tax_code']}": r["name"] for r in csv.DictReader(handle)}


def test_key_targets_csv_opens_in_excel_with_every_name_whole(cli_world):
    import csv

    names = _small_world_names()
    done = _invoke(cli_world, "key-targets", "--kind", "enterprise", "--top", str(len(names)), "--format", "csv")
    assert done.exit_code == 0, done.stderr
    assert done.stdout_bytes.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    rows = list(csv.DictReader(_csv_lines(done.stdout)))
    assert list(rows[0]) == ["rank", "entity", "name", "score", "band", "reason"]
    known = [r for r in rows if r["entity"] in names]  # a trader only declarations name has no name
    assert len(known) > 100 and all(r["name"] == names[r["entity"]] for r in known)
    long = [r for r in known if len(r["name"]) > 40]
    assert any("Chi nhánh Công ty Cổ phần Thương mại Dịch vụ Xuất nhập khẩu" in r["name"] for r in long)
    # The table still cuts a name to its 40-character column.
    table = _invoke(cli_world, "key-targets", "--kind", "enterprise", "--top", str(len(names))).stdout
    assert not table.startswith(BOM) and names[long[0]["entity"]] not in table and names[long[0]["entity"]][:40] in table


def test_networks_csv_has_one_row_per_member(cli_world):
    import csv

    names = _small_world_names()
    nets = json.loads(_invoke(cli_world, "networks", "--top", "5", "--format", "json").stdout)
    done = _invoke(cli_world, "networks", "--top", "5", "--format", "csv")
    assert done.exit_code == 0, done.stderr
    rows = list(csv.DictReader(_csv_lines(done.stdout)))
    assert list(rows[0]) == ["rank", "score", "size", "risky_members", "risky_share", "why", "member", "member_name", "member_score"]
    assert [(int(r["rank"]), r["member"]) for r in rows] == [(n["rank"], m) for n in nets for m in n["members"]]
    assert all(r["why"] == nets[int(r["rank"]) - 1]["why"] for r in rows)
    known = [r for r in rows if r["member"] in names]
    assert known and all(r["member_name"] == names[r["member"]] for r in known)


def _tour() -> list[str]:
    """The command lines of the README's five-minute tour, comments dropped."""
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Five-minute tour", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("   #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_the_tour_writes_the_declarations_file_it_assesses(cli_world, tmp_path, monkeypatch):
    import shlex

    from tests.conftest import SMALL_WORLD

    tour = _tour()
    assess = next(i for i, line in enumerate(tour) if " assess " in line)
    args = shlex.split(tour[assess])[1:]  # assess FILE OPTIONS
    writer = [line for line in tour[:assess] if line.endswith(f"> {args[1]}")]
    assert writer, f"no tour line before `assess` writes {args[1]}"
    # The writing line run as it stands, on the small world in place of the demo's.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "demo-world").symlink_to(SMALL_WORLD)
    assert subprocess.run(["sh", "-c", writer[0]], timeout=30).returncode == 0
    done = _invoke(cli_world, *args)
    assert done.exit_code == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("declaration_no,channel,") and len(lines) == 1 + 500
    assert {line.split(",")[1] for line in lines[1:]} <= set(LANES)


def test_ingest_refuses_another_world_unless_merged(settings, tmp_path):
    from riskgraph.cli import main
    from riskgraph.cli.common import opened
    from riskgraph.graph.digest import graph_digest
    from riskgraph.synthetic import generate
    from tests.conftest import SMALL_WORLD

    def ingest(*args):
        env = {"RISKGRAPH_GRAPH": settings.graph, "RISKGRAPH_STORE": "falkordb", "RISKGRAPH_FALKORDB_URL": None}
        return CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), "ingest", *args], env=env, catch_exceptions=False)

    other = tmp_path / "other"
    generate(other, 60, 5)
    assert ingest(str(SMALL_WORLD)).exit_code == 0
    with opened(settings) as s:
        before = graph_digest(s)
    refused = ingest(str(other))
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr.startswith(f"riskgraph: {other.resolve()} looks like another world") and "--merge" in refused.stderr
    with opened(settings) as s:
        assert graph_digest(s) == before
    assert ingest(str(SMALL_WORLD)).exit_code == 0  # the same world again: loaded already, not refused
    assert ingest("--merge", str(other)).exit_code == 0
    with opened(settings) as s:
        assert [(r["run_id"], r["status"]) for r in s.query("runs_list", {"limit": 10})] == [(2, "finished"), (1, "finished")]


def test_profile_commands_write_versions_audit_them_and_suggest_learned_lines(cli_world, cli_trained):
    made = _invoke(cli_world, "profile", "create", "RP-CLI", "--criteria", "hs in 0808 and origin = CN", "--reason", "apples",
                   "--lane", "red", "--owner-unit", "QLRR", "--valid-from", "2020-01-01", "--by", "officer.a")
    assert made.exit_code == 0 and made.stdout.startswith("RP-CLI version 1 (active, lane red")
    bad = _invoke(cli_world, "profile", "create", "RP-CLI2", "--criteria", "hs in 08x", "--reason", "bad", "--lane", "red",
                  "--owner-unit", "QLRR")
    assert bad.exit_code == 1 and "column 7" in bad.stderr and "HS code prefix" in bad.stderr
    assert _invoke(cli_world, "profile", "edit", "RP-CLI", "--lane", "yellow", "--note", "fewer seizures", "--by", "b").exit_code == 0
    assert _invoke(cli_world, "profile", "deactivate", "RP-CLI", "--note", "season over", "--by", "c").exit_code == 0
    history = json.loads(_invoke(cli_world, "profile", "history", "RP-CLI", "--format", "json").stdout)
    assert [(v["version"], v["lane"], v["active"], v["edited_by"]) for v in history] == [
        (1, "red", True, "officer.a"), (2, "yellow", True, "b"), (3, "yellow", False, "c")]
    audit = json.loads(_invoke(cli_world, "audit", "--format", "json", "--key-name", "cli:officer.a").stdout)
    assert [(e["operation"], e["outcome"]) for e in audit] == [("createRiskProfile", "ok")]
    assert [e["outcome"] for e in json.loads(_invoke(cli_world, "audit", "--format", "json").stdout)
            if e["operation"] == "createRiskProfile"][0] == "rejected"  # the bad criteria, newest first
    suggested = json.loads(_invoke(cli_world, "profile", "suggest", "--as-of", "2025-12-31", "--min-support", "1", "--format", "json").stdout)
    assert suggested and suggested[0]["criteria"].startswith(f"hs in {suggested[0]['hs6']} and origin = ")
    adopted = _invoke(cli_world, "profile", "adopt", "1", "--as-of", "2025-12-31", "--min-support", "1", "--owner-unit", "QLRR")
    assert adopted.exit_code == 0 and adopted.stdout.startswith(f"LEARNED-{suggested[0]['hs6']}-")
    listed = json.loads(_invoke(cli_world, "profile", "list", "--format", "json").stdout)
    assert {p["profile_id"]: p["active"] for p in listed}["RP-CLI"] is False
    effect = json.loads(_invoke(cli_world, "profile", "effectiveness", "--from", "2025-01-01", "--until", "2025-12-31",
                                "--format", "json").stdout)
    assert {r["profile_id"] for r in effect} == {p["profile_id"] for p in listed} and all(r["hits"] >= r["inspected"] for r in effect)


# --- tips and the monitoring queue from the command line -----------------------------------

def _small_world_declarations() -> list[dict]:
    import csv

    from tests.conftest import SMALL_WORLD

    with open(SMALL_WORLD / "declarations.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_tips_raised_and_checked_from_the_command_line_are_audited_as_the_apis(cli_world):
    from datetime import datetime

    from riskgraph.dates import VIETNAM

    today = datetime.now(VIETNAM).date().isoformat()
    d = _small_world_declarations()[7]
    raise_tip = ["tips", "raise", d["declaration_no"], "--lane", "red", "--reason", "hóa đơn không khớp trị giá", "--by", "tip.an",
                 "--unit", "QLRR-CLI", "--idempotency-key", "k-1"]
    made = _invoke(cli_world, *raise_tip)
    assert made.exit_code == 0, made.output
    tip_id = made.stdout.split()[0]
    assert tip_id.startswith("TIP-K-") and f"lane {d['channel']} to red, officer cli:tip.an of QLRR-CLI" in made.stdout
    again = _invoke(cli_world, *raise_tip)
    assert again.exit_code == 0 and again.stdout.split()[0] == tip_id and "a repeat" in again.stdout
    unknown = _invoke(cli_world, "tips", "raise", "109999999999", "--lane", "red", "--reason", "no such one", "--by", "tip.an")
    assert unknown.exit_code == 1 and "no declaration '109999999999' is stored" in unknown.stderr

    def outcome(*args):
        return _invoke(cli_world, "tips", "outcome", tip_id, *args, "--by", "tip.binh", "--unit", "QLRR-CLI")

    first = outcome("--violation", "--back-tax", "4000000", "--fine", "1000000", "--note", "khai sai trị giá")
    assert first.exit_code == 0, first.output
    assert "outcome version 1: violation found, back tax 4,000,000 VND, fine 1,000,000 VND" in first.stdout
    assert "by cli:tip.binh" in first.stdout
    late = outcome("--no-violation")  # another officer's first outcome, on version 0: refused
    assert late.exit_code == 1 and f"tip {tip_id} has outcome version 1 (by cli:tip.binh" in late.stderr
    corrected = outcome("--violation", "--back-tax", "6000000", "--correcting", "1")
    assert corrected.exit_code == 0 and "outcome version 2" in corrected.stdout
    bad = outcome("--no-violation", "--back-tax", "5", "--correcting", "2")
    assert bad.exit_code == 1 and "only with a violation found" in bad.stderr
    assert outcome("--back-tax", "5").exit_code == 2  # --violation or --no-violation must be said

    listed = json.loads(_invoke(cli_world, "tips", "list", "--period", today, "--unit", "QLRR-CLI", "--format", "json").stdout)
    assert [(t["tip_id"], t["officer"], t["outcome_version"], t["back_tax_vnd"]) for t in listed] == [
        (tip_id, "cli:tip.an", 2, 6_000_000.0)]
    stats = _invoke(cli_world, "tips", "stats", "--period", today, "--format", "json")
    assert {r["unit"]: (r["raised"], r["checked"], r["found"], r["revenue_vnd"]) for r in json.loads(stats.stdout)}["QLRR-CLI"] == (
        1, 1, 1, 6_000_000.0)

    def audited(name):
        return [(e["operation"], e["outcome"]) for e in
                json.loads(_invoke(cli_world, "audit", "--format", "json", "--key-name", name).stdout)]

    assert audited("cli:tip.an") == [("raiseTip", "rejected"), ("raiseTip", "repeat"), ("raiseTip", "ok")]
    assert audited("cli:tip.binh") == [("recordTipOutcome", "rejected"), ("recordTipOutcome", "ok"), ("recordTipOutcome", "rejected"),
                                       ("recordTipOutcome", "ok")]


def _assessed_into_the_queue(data_dir, declaration_no: str) -> None:
    """Record an assessment in the queue, as the API does after answering assessDeclaration."""
    from datetime import datetime

    from riskgraph.api import monitor
    from riskgraph.channels import Assessor
    from riskgraph.dates import VIETNAM
    from riskgraph.graph import open_store
    from riskgraph.ingest.validate import validate
    from riskgraph.settings import load

    row = {**_small_world_declarations()[-1], "declaration_no": declaration_no,
           "registered_at": datetime.now(VIETNAM).isoformat(timespec="seconds"), "value_usd": "4000000"}
    store = open_store(load(env={}, data_dir=data_dir, graph="riskgraph"))
    try:
        params = validate("declarations", {k: v for k, v in row.items() if v}).params
        assessment = Assessor(store).assess([params])[0]
        monitor.record(store, [(params, assessment, "tests", datetime.now(VIETNAM).isoformat(timespec="milliseconds"))])
    finally:
        store.close()


def test_queue_lists_declarations_in_clearance_newest_first_with_their_alerts(cli_world):
    from riskgraph.cli.output import QUEUE_COLUMNS

    ingested = json.loads(_invoke(cli_world, "queue", "--first", "10", "--format", "json").stdout)
    assert len(ingested) == 10 and {i["source"] for i in ingested} == {"ingested"}
    assert [(i["at"], i["declaration_no"]) for i in ingested] == sorted(((i["at"], i["declaration_no"]) for i in ingested), reverse=True)
    office = ingested[0]["office_code"]
    of_office = json.loads(_invoke(cli_world, "queue", "--office", office, "--format", "json").stdout)
    assert of_office and {i["office_code"] for i in of_office} == {office}
    targeted = json.loads(_invoke(cli_world, "queue", "--alert", "key_target", "--first", "5", "--format", "json").stdout)
    assert targeted and all("key_target" in {a["kind"] for a in i["alerts"]} for i in targeted)
    nothing = _invoke(cli_world, "queue", "--source", "assessed")
    assert nothing.exit_code == 0 and nothing.stdout == "" and "no declaration in clearance" in nothing.stderr

    _assessed_into_the_queue(cli_world, "109900000042")
    assessed = json.loads(_invoke(cli_world, "queue", "--source", "assessed", "--format", "json").stdout)
    assert [(i["declaration_no"], i["source"]) for i in assessed] == [("109900000042", "assessed")]
    assert assessed[0]["score"] is not None and assessed[0]["lane"] in LANES
    assert "unusual_value" in {a["kind"] for a in assessed[0]["alerts"]}  # 4,000,000 USD, far above the trader's usual
    table = _invoke(cli_world, "queue", "--first", "3").stdout.splitlines()
    assert table[0].split()[1:3] == ["assessed", "109900000042"] and any(x.startswith("    unusual_value") for x in table)
    lines = _csv_lines(_invoke(cli_world, "queue", "--first", "3", "--format", "csv").stdout)
    assert lines[0] == ",".join(QUEUE_COLUMNS) and lines[1].split(",")[:3][1:] == ["assessed", "109900000042"]


def test_queue_follow_prints_each_entry_once_as_it_arrives(cli_world, monkeypatch):
    import time

    real, polls = time.sleep, []

    def poll(seconds):  # the queue's wait between reads, told apart by its length
        if seconds != 0.75:
            return real(seconds)
        polls.append(seconds)
        if len(polls) == 1:
            _assessed_into_the_queue(cli_world, "109900000043")
        else:
            raise KeyboardInterrupt  # Ctrl-C

    monkeypatch.setattr(time, "sleep", poll)
    done = _invoke(cli_world, "queue", "--follow", "--every", "0.75", "--first", "4", "--format", "json")
    assert done.exit_code == 0, done.output
    items = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(items) == 5 and items[-1]["declaration_no"] == "109900000043"  # four, then the new one
    assert [i["at"] for i in items[:4]] == sorted(i["at"] for i in items[:4])  # oldest first: the newest is last


def test_watch_shows_only_what_it_has_not_shown():
    from riskgraph.api.monitor import Item
    from riskgraph.cli.queue import watch

    a, b, c, d = (Item(n, f"2026-01-0{n}", "assessed", "02CI", "Lao Bảo", "0309757719", "green", 0.1, "model", (), ())
                  for n in "1234")
    pages = iter([[b, a], [b, a], [c, b, a], [d, c, b]])  # a falls off the page; nothing new on the second poll
    shown = []
    with pytest.raises(StopIteration):  # the pages run out
        watch(lambda: next(pages), 1.0, lambda items, first: shown.append(([i.declaration_no for i in items], first)), lambda s: None)
    assert shown == [(["1", "2"], True), (["3"], False), (["4"], False)]
