"""Tests of the synthetic customs world (riskgraph.synthetic): format, identifiers, truth."""

from __future__ import annotations

import csv
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from riskgraph.ingest import normalize
from riskgraph.synthetic import WorldSummary, generate
from riskgraph.synthetic.identifiers import (
    Mint,
    container_check_digit,
    imo_check_digit,
    write_address,
    write_bank,
    write_email,
    write_phone,
)
from riskgraph.synthetic.population import Calendar, Population, WorldRandom
from riskgraph.synthetic.trade import RANDOM_SHARE
from riskgraph.synthetic.vocabulary import PROVINCES
from riskgraph.synthetic.world import FIELDS

REPO = Path(__file__).resolve().parents[2]
SMALL_WORLD = REPO / "riskgraph" / "synthetic" / "small_world"
FILES = (*(f"{kind}.csv" for kind in FIELDS), "ground_truth.json")

# The ingest contract 1.1 with riskgraph's additions (docs/contract-additions.md), field by
# field; "*" marks a required field.
CONTRACT = {
    "enterprises": "tax_code* name* address province phone email bank_accounts registered_on status activities",
    "persons": "person_id* full_name* birth_date nationality address phone email",
    "roles": "person_id* tax_code* role* since until share_pct",
    "agents": "agent_code* tax_code* licence_no valid_until",
    "vehicles": "vehicle_id* kind* owner_tax_code operator_tax_code country",
    "declarations": "declaration_no* direction* registered_at* office_code border_gate trader_tax_code* agent_code"
                    " declarant_id partner_name partner_country origin_country vehicle_ids warehouse hs_codes"
                    " goods_description value_usd tax_vnd procedure_code transport_mode tax_treatment"
                    " duty_rate_pct payment_method net_mass_kg gross_mass_kg quantity quantity_unit channel"
                    " inspection_result selection",
    "violations": "violation_id* subject_kind* subject_id* declaration_no kind* decided_on* severity penalty_vnd"
                  " back_tax_vnd detected_by",
    "intel": "report_id* received_on* source_kind reliability* credibility* subject_kind* subject_id* summary",
}
# Fields riskgraph adds to the shared contract, documented in docs/contract-additions.md.
ADDITIONS = {"declarations": ["selection"]}
SUBJECTS = {"enterprise", "person", "agent", "vehicle"}
ENUMS = {
    ("enterprises", "status"): {"active", "suspended", "dissolved", "absconded"},
    ("enterprises", "activities"): {"importer", "exporter", "customs_agent", "duty_free", "port_operator",
                                    "warehouse", "bonded_warehouse", "carrier"},
    ("roles", "role"): {"legal_representative", "director", "shareholder", "chief_accountant", "employee",
                        "declarant"},
    ("vehicles", "kind"): {"truck", "container", "vessel", "aircraft", "rail"},
    ("declarations", "direction"): {"import", "export", "transit"},
    ("declarations", "transport_mode"): {"sea", "air", "road", "rail", "inland_waterway", "post", "multimodal",
                                         "other"},
    ("declarations", "channel"): {"green", "yellow", "red"},
    ("declarations", "inspection_result"): {"none", "compliant", "discrepancy"},
    ("declarations", "selection"): {"targeted", "random"},
    ("violations", "subject_kind"): SUBJECTS,
    ("violations", "kind"): {"smuggling", "undervaluation", "misclassification", "origin_fraud",
                             "prohibited_goods", "document_fraud", "transit_diversion", "other"},
    ("violations", "severity"): {"administrative", "criminal"},
    ("violations", "detected_by"): {"inspection", "scanning", "post_clearance_audit", "tip", "online_monitoring",
                                    "other"},
    ("intel", "source_kind"): {"hotline", "foreign_customs", "partner_agency", "internal_system", "informant",
                               "open_source"},
    ("intel", "reliability"): set("ABCDEF"),
    ("intel", "credibility"): set("123456"),
    ("intel", "subject_kind"): SUBJECTS,
}
DATES = {"enterprises": ("registered_on",), "persons": ("birth_date",), "roles": ("since", "until"),
         "agents": ("valid_until",), "violations": ("decided_on",), "intel": ("received_on",)}


def fields(kind: str) -> list[str]:
    return [f.rstrip("*") for f in CONTRACT[kind].split()]


def read(world: Path, kind: str) -> list[dict[str, str]]:
    with open(world / f"{kind}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def fresh(tmp_path_factory) -> tuple[Path, WorldSummary]:
    out = tmp_path_factory.mktemp("fresh")
    return out, generate(out, 300, seed=7)


@pytest.fixture(scope="session")
def world(fresh) -> Path:
    return fresh[0]


@pytest.fixture(scope="session")
def rows(world) -> dict[str, list[dict[str, str]]]:
    return {kind: read(world, kind) for kind in FIELDS}


@pytest.fixture(scope="session")
def truth(world) -> dict:
    return json.loads((world / "ground_truth.json").read_text(encoding="utf-8"))


def test_the_committed_small_world_is_what_generate_writes(fresh):
    out, summary = fresh
    assert summary.seed == 7 and summary.cutoff == date(2024, 7, 1)
    for name in FILES:
        assert (SMALL_WORLD / name).read_bytes() == (out / name).read_bytes(), (
            f"{name} is stale: regenerate with generate(Path('{SMALL_WORLD.relative_to(REPO)}'), 300, seed=7)")


def test_the_small_world_is_small(fresh):
    out, summary = fresh
    assert sum((out / name).stat().st_size for name in FILES) < 2_000_000
    assert 2000 < summary.counts["declarations"] < 5000
    assert summary.counts["enterprises"] == 300


def test_same_arguments_give_the_same_bytes_in_any_process(tmp_path):
    generate(tmp_path / "a", 120, seed=3)
    generate(tmp_path / "b", 120, seed=3)
    script = "import sys; from pathlib import Path; from riskgraph.synthetic import generate; " \
             "generate(Path(sys.argv[1]), 120, seed=3)"
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "c")], check=True, env=env, cwd=REPO)
    for name in FILES:
        a = (tmp_path / "a" / name).read_bytes()
        assert a == (tmp_path / "b" / name).read_bytes() == (tmp_path / "c" / name).read_bytes(), name


def test_different_seeds_plant_different_schemes(tmp_path):
    def parameters(seed):
        generate(tmp_path / str(seed), 120, seed=seed)
        truth = json.loads((tmp_path / str(seed) / "ground_truth.json").read_text(encoding="utf-8"))
        return [(s["kind"], s["parameters"]) for s in truth["schemes"]]

    assert parameters(1) != parameters(2)


def test_the_contract_copy_in_this_test_matches_the_contract():
    candidates = [REPO.parent / "shared" / "contract" / "ingest.md", Path("/work/shared/contract/ingest.md")]
    doc = next((p for p in candidates if p.exists()), None)
    if doc is None:
        pytest.skip("the ingest contract is not beside the repository")
    text = doc.read_text(encoding="utf-8")
    parsed, kind = {}, None
    for line in text.splitlines():
        if line.startswith("### "):
            kind = line[4:].strip()
        elif kind in CONTRACT and line.startswith("| ") and not line.startswith(("| field", "|---")):
            parsed.setdefault(kind, []).extend(f.strip() for f in line.split("|")[1].split(","))
    for kind, spec in CONTRACT.items():
        missing = [f for f in spec.split() if f not in parsed[kind] and f not in ADDITIONS.get(kind, ())]
        assert missing in ([], ["quantity_unit"]), (kind, missing)  # quantity_unit is named in prose
    assert "quantity_unit" in text


def test_additions_to_the_contract_are_documented():
    doc = (REPO / "docs" / "contract-additions.md").read_text(encoding="utf-8")
    for kind, names in ADDITIONS.items():
        for name in names:
            assert f"`{kind}.{name}`" in doc and f"| {name} |" in doc, (kind, name)


def test_headers_follow_the_contract(world):
    for kind in CONTRACT:
        assert list(FIELDS[kind]) == fields(kind)
        with open(world / f"{kind}.csv", newline="", encoding="utf-8") as f:
            assert next(csv.reader(f)) == fields(kind)


def test_required_fields_are_filled(rows):
    for kind, spec in CONTRACT.items():
        required = [f.rstrip("*") for f in spec.split() if f.endswith("*")]
        assert rows[kind], kind
        for row in rows[kind]:
            assert all(row[f] for f in required), (kind, row)
            assert all(len(row[f]) <= 64 for f in required if f.endswith(("_id", "_code", "_no"))), row


def test_enumerations_hold(rows):
    for (kind, field), allowed in ENUMS.items():
        values = {v for row in rows[kind] for v in row[field].split(";") if row[field]}
        assert values <= allowed, (kind, field, values - allowed)
    shares = Counter(r["channel"] for r in rows["declarations"])
    total = sum(shares.values())
    assert 0.52 < shares["green"] / total < 0.70
    assert 0.22 < shares["yellow"] / total < 0.38
    assert 0.05 < shares["red"] / total < 0.13
    for row in rows["declarations"]:
        assert (row["channel"] == "green") == (row["inspection_result"] == "none"), row


def test_a_few_green_declarations_are_inspected_by_random_selection(rows, truth):
    declarations = rows["declarations"]
    picked = [r for r in declarations if r["selection"] == "random"]
    assert 0.01 < len(picked) / len(declarations) < 0.05
    assert len(picked) == truth["random_selected_declarations"]
    # Of the declarations the score would have sent green (green now, or random), about RANDOM_SHARE.
    eligible = [r for r in declarations if r["channel"] == "green" or r["selection"] == "random"]
    assert 0.5 * RANDOM_SHARE < len(picked) / len(eligible) < 1.5 * RANDOM_SHARE
    for row in picked:
        assert row["channel"] in ("yellow", "red") and row["inspection_result"] != "none", row
    channels = Counter(r["channel"] for r in picked)
    assert channels["yellow"] > channels["red"] > 0  # 80 % yellow, 20 % red
    for row in declarations:  # every yellow or red declaration says why, no green one does
        assert (row["selection"] == "") == (row["channel"] == "green"), row


def test_random_selection_is_independent_of_risk(tmp_path):
    """The fraud share among random selections is that of the traffic they are drawn from
    (the declarations the score would send green), whereas targeted ones find more. A world
    larger than the small one, for a few hundred random selections."""
    generate(tmp_path, 3000, seed=11)
    declarations = read(tmp_path, "declarations")
    truth = json.loads((tmp_path / "ground_truth.json").read_text(encoding="utf-8"))
    fraud = {d["declaration_no"] for d in truth["declaration_fraud"]}

    def fraud_share(selected):
        rs = [r for r in declarations if selected(r)]
        return sum(r["declaration_no"] in fraud for r in rs) / len(rs), len(rs)

    picked, n = fraud_share(lambda r: r["selection"] == "random")
    eligible, _ = fraud_share(lambda r: r["selection"] in ("random", ""))
    targeted, _ = fraud_share(lambda r: r["selection"] == "targeted")
    overall = len(fraud) / len(declarations)
    assert n > 300
    assert abs(picked - eligible) < 0.5 * eligible, (picked, eligible)
    assert abs(picked - overall) < 0.5 * overall, (picked, overall)
    assert targeted > 1.5 * eligible, (targeted, eligible)  # targeting is biased; random selection is not


def test_dates_and_timestamps_parse(rows, truth):
    start, end = date.fromisoformat(truth["start"]), date.fromisoformat(truth["end"])
    for kind, names in DATES.items():
        for row in rows[kind]:
            for name in names:
                if row[name]:
                    date.fromisoformat(row[name])
    for row in rows["declarations"]:
        stamp = datetime.fromisoformat(row["registered_at"])
        assert row["registered_at"].endswith("+07:00") and start <= stamp.date() <= end
    for row in rows["violations"]:
        assert start <= date.fromisoformat(row["decided_on"]) <= end


def test_identifiers_are_well_formed(rows):
    for row in rows["enterprises"]:
        assert normalize.tax_code_problem(row["tax_code"]) is None, row["tax_code"]
    codes = [r["tax_code"] for r in rows["enterprises"]]
    assert len(set(codes)) == len(codes)
    assert any("-" in c for c in codes), "some enterprises are branches"
    for row in rows["declarations"]:
        assert normalize.tax_code_problem(row["trader_tax_code"]) is None
    numbers = [r["declaration_no"] for r in rows["declarations"]]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"\d{12}", n) for n in numbers)
    for row in rows["vehicles"]:
        vid, kind = row["vehicle_id"], row["kind"]
        if kind == "container":
            assert re.fullmatch(r"[A-Z]{3}U\d{7}", vid) and container_check_digit(vid[:10]) == vid[10]
        elif kind == "vessel":
            assert re.fullmatch(r"IMO\d{7}", vid) and imo_check_digit(vid[3:9]) == vid[9]
        elif kind == "truck":
            assert re.fullmatch(r"\d\dC-\d{3}\.\d\d", vid)
    for row in rows["persons"]:
        if row["nationality"] == "VN":
            assert re.fullmatch(r"\d{12}", row["person_id"])
    for row in rows["enterprises"] + rows["persons"]:
        for phone in filter(None, row["phone"].split(";")):
            normalize.phone(phone)
        for email in filter(None, row["email"].split(";")):
            normalize.email(email)
    for row in rows["enterprises"]:
        for account in row["bank_accounts"].split(";"):
            normalize.bank_account(account)
        normalize.address_key(row["address"])


def test_references_resolve_except_the_planted_unknowns(rows, truth):
    enterprises = {r["tax_code"] for r in rows["enterprises"]}
    persons = {r["person_id"] for r in rows["persons"]}
    vehicles = {r["vehicle_id"] for r in rows["vehicles"]}
    agents = {r["agent_code"] for r in rows["agents"]}
    assert {r["tax_code"] for r in rows["agents"]} <= enterprises
    assert {r["tax_code"] for r in rows["roles"]} <= enterprises
    assert {r["person_id"] for r in rows["roles"]} <= persons
    ghosts = {(m["kind"], m["id"]) for s in truth["schemes"] for m in s["members"] + s["hubs"]
              if m.get("known_only_by_reference")}
    unknown = set()
    for row in rows["declarations"]:
        assert not row["agent_code"] or row["agent_code"] in agents
        assert not row["warehouse"] or row["warehouse"] in enterprises
        if row["trader_tax_code"] not in enterprises:
            unknown.add(("enterprise", row["trader_tax_code"]))
        if row["declarant_id"] and row["declarant_id"] not in persons:
            unknown.add(("person", row["declarant_id"]))
        unknown.update(("vehicle", v) for v in row["vehicle_ids"].split(";") if v and v not in vehicles)
    assert unknown == ghosts
    assert ghosts, "seed 7 plants some entities known only by reference"


def test_every_scheme_member_is_in_the_feed(rows, truth):
    known = {
        "enterprise": ({r["tax_code"] for r in rows["enterprises"]}
                       | {r["trader_tax_code"] for r in rows["declarations"]}),
        "person": {r["person_id"] for r in rows["persons"]} | {r["declarant_id"] for r in rows["declarations"]},
        "agent": {r["agent_code"] for r in rows["agents"]},
        "vehicle": {v for r in rows["declarations"] for v in r["vehicle_ids"].split(";")},
    }
    assert {s["kind"] for s in truth["schemes"]} == {"phoenix", "nominee", "agent_ring", "shared_logistics"}
    for scheme in truth["schemes"]:
        assert scheme["members"]
        for member in scheme["members"]:
            assert member["id"] in known[member["kind"]], (scheme["id"], member)
    for hub in truth["honest_hubs"]:
        if hub["kind"] in known:
            assert hub["id"] in known[hub["kind"]] | {r["tax_code"] for r in rows["enterprises"]}, hub


def test_shared_identifiers_meet_only_after_normalisation(rows, truth):
    keys = {"phone": normalize.phone, "email": normalize.email, "bank_account": normalize.bank_account}
    written: dict[tuple[str, str], set[str]] = {}
    for row in rows["enterprises"]:
        written.setdefault(("address", normalize.address_key(row["address"])), set()).add(row["address"])
        for kind, column in (("phone", "phone"), ("email", "email"), ("bank_account", "bank_accounts")):
            for value in filter(None, row[column].split(";")):
                written.setdefault((kind, keys[kind](value)), set()).add(value)
    hubs = [h for s in truth["schemes"] for h in s["hubs"] if h["kind"] in ("phone", "address", "bank_account")]
    hubs += [h for h in truth["honest_hubs"] if h["kind"] == "address"]
    assert hubs
    forms = []
    for hub in hubs:
        assert (hub["kind"], hub["id"]) in written, hub
        forms.append(len(written[(hub["kind"], hub["id"])]))
    assert max(forms) >= 3, "shared identifiers are written in several forms"


def test_the_backtest_has_something_only_the_network_can_find(rows, truth):
    cutoff = date.fromisoformat(truth["cutoff"])
    after = {r["violation_id"] for r in rows["violations"] if date.fromisoformat(r["decided_on"]) >= cutoff}
    assert set(truth["violations_after_cutoff"]) == after
    before = {(r["subject_kind"], r["subject_id"]) for r in rows["violations"]
              if date.fromisoformat(r["decided_on"]) < cutoff}
    for scheme in truth["schemes"]:
        assert scheme["observed"]["members_sanctioned_after_cutoff"] > 0, scheme["id"]
        clean = [m for m in scheme["members"] if (m["kind"], m["id"]) not in before]
        assert clean, scheme["id"]
    fraud = {d["declaration_no"]: d["kind"] for d in truth["declaration_fraud"]}
    assert set(fraud.values()) >= {"undervaluation", "misclassification"}
    inspected = [r for r in rows["declarations"] if r["inspection_result"] != "none"]
    rate = lambda rs: sum(r["inspection_result"] == "discrepancy" for r in rs) / len(rs)  # noqa: E731
    assert rate([r for r in inspected if r["declaration_no"] in fraud]) > 3 * rate(
        [r for r in inspected if r["declaration_no"] not in fraud])
    assert truth["true_tips"] and truth["noise_tips"]


def test_surface_forms_normalise_to_one_key():
    rng, mint = random.Random(5), Mint(random.Random(6))
    pop = Population(WorldRandom(7), Calendar.of(date(2021, 1, 1), 5))
    for province in PROVINCES:
        for address in (pop.address(province), pop.address(province, park=True),
                        pop.address(province, building="Tầng 5, Tòa nhà Pax Sky")):
            forms = {write_address(rng, address) for _ in range(40)}
            assert len(forms) >= 3 and len({normalize.address_key(f) for f in forms}) == 1, forms
        for number in (mint.mobile(), mint.landline(province)):
            forms = {write_phone(rng, number) for _ in range(40)}
            assert len(forms) >= 3 and {normalize.phone(f) for f in forms} == {normalize.phone(number)}, forms
    account = mint.bank_account()
    forms = {write_bank(rng, account) for _ in range(40)}
    assert len(forms) >= 3 and {normalize.bank_account(f) for f in forms} == {f"{account[0]}:{account[1]}"}
    forms = {write_email(rng, "minhphat.xnk@gmail.com") for _ in range(40)}
    assert len(forms) == 3 and {normalize.email(f) for f in forms} == {"minhphat.xnk@gmail.com"}


def test_tiny_worlds_are_refused(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, 10, seed=1)
