"""Variants of a synthetic world (riskgraph.synthetic.variants): each variant's defining
property, a ground truth that still grades, determinism, and a clean ingest."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from riskgraph.ingest.pipeline import ingest
from riskgraph.synthetic import generate
from riskgraph.synthetic.variants import (
    GOODS_FIELDS,
    OUTCOME_FIELDS,
    REGISTERS,
    VARIANTS,
    derive,
    member_enterprises,
    read_truth,
    scheme_members,
)

FEED = ("enterprises", "persons", "roles", "agents", "vehicles", "declarations", "violations", "intel")
SEED = 5


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate(out, 200, seed=11)
    return out


@pytest.fixture(scope="module")
def variants(world, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("variants")
    return {name: derive(world, name, root / name, SEED) for name in VARIANTS}


def read(directory: Path, kind: str) -> list[dict[str, str]]:
    with open(directory / f"{kind}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def subjects(violations: list[dict[str, str]]) -> set[str]:
    return {v["subject_id"] for v in violations if v["subject_kind"] == "enterprise"}


def test_every_variant_is_named_and_described():
    assert {"base", "declarations_only", "no_inspection_outcomes", "no_goods_attributes", "no_member_history",
            "late_sanctions", "more_random_violators", "fewer_random_violators", "honest_hubs"} <= set(VARIANTS)
    assert all(text and "\n" not in text for text in VARIANTS.values())


def test_an_unknown_variant_is_refused(world, tmp_path):
    with pytest.raises(ValueError, match="unknown variant"):
        derive(world, "no_such_thing", tmp_path, 1)


def test_base_is_the_world_byte_for_byte(world, variants):
    for kind in FEED:
        assert (variants["base"] / f"{kind}.csv").read_bytes() == (world / f"{kind}.csv").read_bytes()
    truth = read_truth(variants["base"])
    assert truth.pop("variant")["name"] == "base"
    assert truth == read_truth(world)


@pytest.mark.parametrize("name", ["late_sanctions", "more_random_violators", "honest_hubs"])
def test_a_variant_is_the_same_for_the_same_seed_and_not_for_another(world, variants, tmp_path, name):
    again = derive(world, name, tmp_path / "again", SEED)
    other = derive(world, name, tmp_path / "other", SEED + 1)
    files = [p.name for p in variants[name].iterdir()]
    assert all((again / f).read_bytes() == (variants[name] / f).read_bytes() for f in files)
    assert any((other / f).read_bytes() != (variants[name] / f).read_bytes() for f in files if f != "ground_truth.json")


@pytest.mark.parametrize("name", list(VARIANTS))
def test_the_ground_truth_matches_the_files(world, variants, name):
    truth, original = read_truth(variants[name]), read_truth(world)
    violations, intel = read(variants[name], "violations"), read(variants[name], "intel")
    assert truth["cutoff"] == original["cutoff"] and truth["end"] == original["end"]
    assert [s["members"] for s in truth["schemes"]] == [s["members"] for s in original["schemes"]]
    assert set(truth["violations_after_cutoff"]) == {v["violation_id"] for v in violations if v["decided_on"] >= truth["cutoff"]}
    assert all(v["decided_on"] <= truth["end"] for v in violations)
    assert set(truth["true_tips"]) | set(truth["noise_tips"]) <= {r["report_id"] for r in intel}
    after = {(v["subject_kind"], v["subject_id"]) for v in violations if v["decided_on"] >= truth["cutoff"]}
    for scheme in truth["schemes"]:
        keys = [(m["kind"], m["id"]) for m in scheme["members"]]
        assert scheme["observed"]["members_sanctioned_after_cutoff"] == sum(k in after for k in keys)
    assert {r["id"] for r in truth["random_violators"]} <= subjects(violations)
    assert truth["variant"] == {"name": name, "seed": SEED, "description": VARIANTS[name]}


def test_declarations_only_has_no_register(world, variants):
    out = variants["declarations_only"]
    assert sorted(p.name for p in out.glob("*.csv")) == ["declarations.csv", "intel.csv", "violations.csv"]
    assert all(not (out / f"{kind}.csv").exists() for kind in REGISTERS)
    assert (out / "declarations.csv").read_bytes() == (world / "declarations.csv").read_bytes()


def test_no_inspection_outcomes_blanks_channel_result_and_selection_only(world, variants):
    before, after = read(world, "declarations"), read(variants["no_inspection_outcomes"], "declarations")
    assert any(row["inspection_result"] == "discrepancy" for row in before)
    assert len(after) == len(before)
    for old, new in zip(before, after):
        assert all(new[f] == "" for f in OUTCOME_FIELDS)
        assert {k: v for k, v in new.items() if k not in OUTCOME_FIELDS} == {k: v for k, v in old.items() if k not in OUTCOME_FIELDS}
    assert read_truth(variants["no_inspection_outcomes"])["random_selected_declarations"] == 0


def test_no_goods_attributes_keeps_only_what_is_not_about_the_goods(world, variants):
    before, after = read(world, "declarations"), read(variants["no_goods_attributes"], "declarations")
    assert len(after) == len(before)
    for old, new in zip(before, after):
        assert all(new[f] == "" for f in GOODS_FIELDS)
        assert all(new[f] for f in ("declaration_no", "direction", "registered_at", "trader_tax_code"))
        assert new["channel"] == old["channel"] and new["agent_code"] == old["agent_code"]


def test_no_member_history_leaves_members_nothing_before_the_cutoff(world, variants):
    truth = read_truth(world)
    cutoff, members, traders = truth["cutoff"], scheme_members(truth), member_enterprises(truth)
    early = lambda v: (v["subject_kind"], v["subject_id"]) in members and v["decided_on"] < cutoff  # noqa: E731
    assert any(early(v) for v in read(world, "violations"))  # else the test would prove nothing
    out = variants["no_member_history"]
    violations = read(out, "violations")
    assert not any(early(v) for v in violations)
    assert not any((r["subject_kind"], r["subject_id"]) in members and r["received_on"] < cutoff for r in read(out, "intel"))
    later = lambda vs: sorted(v["violation_id"] for v in vs if v["decided_on"] >= cutoff)  # noqa: E731
    assert later(violations) == later(read(world, "violations"))  # the labels stay
    assert len(violations) == len(read(world, "violations")) - sum(early(v) for v in read(world, "violations"))
    for row in read(out, "declarations"):
        if row["trader_tax_code"] in traders and row["registered_at"][:10] < cutoff:
            assert all(row[f] == "" for f in OUTCOME_FIELDS)
    assert all(s["observed"]["members_sanctioned_before_cutoff"] == 0 for s in read_truth(out)["schemes"])


def test_late_sanctions_decides_every_violation_6_to_18_months_later(world, variants):
    truth = read_truth(world)
    original = {v["violation_id"]: v for v in read(world, "violations")}
    late = read(variants["late_sanctions"], "violations")
    assert 0 < len(late) < len(original)  # some pushed past the end
    for v in late:
        days = (date.fromisoformat(v["decided_on"]) - date.fromisoformat(original[v["violation_id"]]["decided_on"])).days
        assert 183 <= days <= 548 and v["decided_on"] <= truth["end"]
        assert {k: x for k, x in v.items() if k != "decided_on"} == {k: x for k, x in original[v["violation_id"]].items()
                                                                    if k != "decided_on"}


def test_more_random_violators_adds_as_many_honest_violators_as_there_were(world, variants):
    truth, out = read_truth(world), variants["more_random_violators"]
    randoms = {r["id"] for r in truth["random_violators"]}
    before, after = read(world, "violations"), read(out, "violations")
    added = [v for v in after if v["violation_id"] not in {b["violation_id"] for b in before}]
    new = subjects(added)
    assert len(new) == len(added) == len(randoms)
    assert not new & (subjects(before) | member_enterprises(truth) | {h["id"] for h in truth["honest_hubs"]})
    assert {v["kind"] for v in added} <= {v["kind"] for v in before}
    assert {v["severity"] for v in added} <= {v["severity"] for v in before}
    assert len({v["violation_id"] for v in after}) == len(after)
    assert {r["id"] for r in read_truth(out)["random_violators"] if r["why"] == "variant"} == new
    traded = {}
    for row in read(out, "declarations"):
        traded[row["declaration_no"]] = row
    for v in added:  # each cites a declaration of its trader, decided after it
        cited = traded[v["declaration_no"]]
        assert cited["trader_tax_code"] == v["subject_id"] and cited["registered_at"][:10] <= v["decided_on"]
        if v["detected_by"] in ("inspection", "scanning"):
            assert cited["inspection_result"] == "discrepancy"


def test_fewer_random_violators_drops_half_of_them_and_nothing_else(world, variants):
    truth, out = read_truth(world), variants["fewer_random_violators"]
    randoms = {r["id"] for r in truth["random_violators"]} - member_enterprises(truth)
    assert len(randoms) >= 2
    before, after = read(world, "violations"), read(out, "violations")
    gone = randoms - subjects(after)
    assert len(gone) == len(randoms) // 2
    assert [v for v in before if v["subject_id"] not in gone] == after
    assert {r["id"] for r in read_truth(out)["random_violators"]} == randoms - gone


def test_honest_hubs_files_scheme_members_through_the_honest_hubs(world, variants):
    truth = read_truth(world)
    traders = member_enterprises(truth)
    hub_agents = {h["id"] for h in truth["honest_hubs"] if h["role"] == "big_customs_agent"}
    ring_vehicles = {i for k, i in scheme_members(truth, "vehicle")}
    ring_agents = {i for k, i in scheme_members(truth, "agent")}
    agent_firm = {a["agent_code"]: a["tax_code"] for a in read(world, "agents")}
    staff = {(r["person_id"], r["tax_code"]) for r in read(world, "roles") if r["role"] == "declarant"}
    before, after = read(world, "declarations"), read(variants["honest_hubs"], "declarations")
    members_before = [r for r in before if r["trader_tax_code"] in traders]
    assert any(set(r["vehicle_ids"].split(";")) & ring_vehicles for r in members_before)
    assert any(r["agent_code"] in ring_agents for r in members_before)
    assert len(after) == len(before)
    changed = 0
    for old, new in zip(before, after):
        if new["trader_tax_code"] not in traders:
            assert new == old
            continue
        changed += 1
        assert new["agent_code"] in hub_agents
        assert (new["declarant_id"], agent_firm[new["agent_code"]]) in staff
        assert not set(new["vehicle_ids"].split(";")) & ring_vehicles
        assert len(new["vehicle_ids"].split(";")) == len(old["vehicle_ids"].split(";"))
        assert new["warehouse"] not in traders
        assert {k: new[k] for k in GOODS_FIELDS} == {k: old[k] for k in GOODS_FIELDS}
    assert changed == len(members_before) > 0


@pytest.mark.parametrize("name", ["declarations_only", "no_goods_attributes", "no_member_history", "honest_hubs",
                                  "more_random_violators"])
def test_a_variant_ingests_without_a_rejected_row(store, variants, tmp_path, name):
    report = ingest(store, variants[name], tmp_path / "runs")
    assert report.status == "loaded" and report.rejected == 0
    assert report.loaded == sum(len(read(variants[name], f.kind)) for f in report.files)
    assert "ground_truth.json" in report.ignored
