"""Variants of a synthetic world: the same world with one thing a detector could lean on
taken away (or made harder), for the ranking-quality benchmark (bench/quality.py).

``derive(world, variant, outdir, seed)`` reads a world written by
``riskgraph.synthetic.world.generate`` and writes the variant's feed files and its
``ground_truth.json`` to ``outdir``, deterministically from ``seed``. Every variant
keeps the feed valid for ingest (contract 1.1 with the 1.2 addition
``declarations.selection``) and its ground truth right for grading: scheme members,
cut-off and the violations after it are recomputed from the files written. ``VARIANTS``
names them. Cost of each: one or two streamed passes over declarations.csv, the
smaller files in memory.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

__all__ = ["VARIANTS", "derive"]

VARIANTS: dict[str, str] = {
    "base": "the world unchanged",
    "declarations_only": "no registers: declarations, violations and intel only",
    "no_inspection_outcomes": "every declaration's channel, inspection result and selection blanked",
    "no_goods_attributes": "declarations without HS code, description, origin, value, tax, procedure, masses, quantity",
    "no_member_history": "scheme members without violations, intel or inspection outcomes before the cut-off",
    "late_sanctions": "every violation decided 6-18 months later; those past the world's end dropped",
    "more_random_violators": "about as many again honest enterprises with a random violation",
    "fewer_random_violators": "the violations of half the random violators dropped",
    "honest_hubs": "scheme members file through the honest hub agents, declarants, trucks, containers, warehouses",
}
REGISTERS = ("enterprises", "persons", "roles", "agents", "vehicles")
FEED_KINDS = (*REGISTERS, "declarations", "violations", "intel")
OUTCOME_FIELDS = ("channel", "inspection_result", "selection")
# The declaration fields selectivity profiles are built on: goods, origin, procedure, value.
GOODS_FIELDS = ("origin_country", "hs_codes", "goods_description", "value_usd", "tax_vnd", "procedure_code",
                "tax_treatment", "duty_rate_pct", "net_mass_kg", "gross_mass_kg", "quantity", "quantity_unit")
LATE_DAYS = (183, 548)  # about 6 to 18 months
ADDED_ID = "VPHC-X"  # prefix of the violations more_random_violators adds


def derive(world: Path, variant: str, outdir: Path, seed: int) -> Path:
    """Write variant ``variant`` of the world in ``world`` to ``outdir`` and return ``outdir``.

    ``ground_truth.json`` is written last, so its presence marks a finished variant.
    Raises ValueError for a name not in VARIANTS. Cost: linear in the feed's size.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; one of {', '.join(VARIANTS)}")
    world, outdir = Path(world), Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    truth = read_truth(world)
    rng = random.Random(f"{variant}:{seed}")
    truth = _TRANSFORMS[variant](world, outdir, truth, rng)
    truth["variant"] = {"name": variant, "seed": seed, "description": VARIANTS[variant]}
    write_truth(outdir, truth)
    return outdir


# -- reading and writing feed files --------------------------------------------------------


def read_truth(directory: Path) -> dict:
    """Return the ground truth of the world or variant in ``directory``."""
    return json.loads((directory / "ground_truth.json").read_text(encoding="utf-8"))


def write_truth(directory: Path, truth: dict) -> None:
    """Write ``ground_truth.json`` as ``generate`` does (sorted keys, indent 1, UTF-8)."""
    (directory / "ground_truth.json").write_text(json.dumps(truth, sort_keys=True, indent=1, ensure_ascii=False) + "\n",
                                                 encoding="utf-8")


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Return the header and the rows (as dicts of text) of one CSV file, all in memory."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or ()), list(reader)


def stream_rows(path: Path) -> Iterator[dict[str, str]]:
    """Yield the rows of one CSV file as dicts of text, one at a time."""
    with open(path, newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def write_rows(path: Path, header: list[str], rows) -> int:
    """Write ``rows`` (dicts) under ``header``; return the number written."""
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def header_of(path: Path) -> list[str]:
    """Return the header row of one CSV file."""
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def copy_files(world: Path, outdir: Path, kinds) -> None:
    """Copy the feed files of ``kinds`` unchanged (bytes as they are)."""
    for kind in kinds:
        shutil.copyfile(world / f"{kind}.csv", outdir / f"{kind}.csv")


def rewrite_declarations(world: Path, outdir: Path, change: Callable[[dict[str, str]], None]) -> int:
    """Stream declarations.csv to ``outdir``, letting ``change`` edit each row in place;
    return the number of rows declared by random selection in what was written."""
    path = world / "declarations.csv"
    randoms = 0

    def rows():
        nonlocal randoms
        for row in stream_rows(path):
            change(row)
            randoms += row.get("selection") == "random"
            yield row

    write_rows(outdir / "declarations.csv", header_of(path), rows())
    return randoms


def day_of(row: dict[str, str]) -> str:
    """Return the ISO date a declaration was registered on (its local date)."""
    return row["registered_at"][:10]


# -- the ground truth --------------------------------------------------------------------


def scheme_members(truth: dict, kind: str | None = None) -> set[tuple[str, str]]:
    """Return ``(kind, id)`` of every planted scheme member (of ``kind`` only, if given)."""
    return {(m["kind"], m["id"]) for s in truth["schemes"] for m in s["members"] if kind in (None, m["kind"])}


def member_enterprises(truth: dict) -> set[str]:
    """Return the tax codes of the planted scheme member enterprises."""
    return {i for _, i in scheme_members(truth, "enterprise")}


def regrade(truth: dict, violations: list[dict[str, str]], intel: list[dict[str, str]] | None = None) -> dict:
    """Return ``truth`` updated to the violations (and intel reports) a variant keeps:
    the violations after the cut-off, each scheme's observed sanctions, the true and
    noise tips still present, the random violators still violated."""
    cutoff = truth["cutoff"]
    before = {(v["subject_kind"], v["subject_id"]) for v in violations if v["decided_on"] < cutoff}
    after = {(v["subject_kind"], v["subject_id"]) for v in violations if v["decided_on"] >= cutoff}
    truth["violations_after_cutoff"] = sorted(v["violation_id"] for v in violations if v["decided_on"] >= cutoff)
    for scheme in truth["schemes"]:
        keys = [(m["kind"], m["id"]) for m in scheme["members"]]
        scheme["observed"] = {"members_sanctioned_before_cutoff": sum(k in before for k in keys),
                              "members_sanctioned_after_cutoff": sum(k in after for k in keys)}
    violated = before | after
    truth["random_violators"] = [r for r in truth["random_violators"] if (r["kind"], r["id"]) in violated]
    if intel is not None:
        kept = {r["report_id"] for r in intel}
        truth["true_tips"] = [t for t in truth["true_tips"] if t in kept]
        truth["noise_tips"] = [t for t in truth["noise_tips"] if t in kept]
    return truth


# -- the variants --------------------------------------------------------------------------


def base(world: Path, outdir: Path, truth: dict, rng: random.Random) -> dict:
    """Copy every feed file unchanged; return the truth unchanged."""
    copy_files(world, outdir, FEED_KINDS)
    return truth


def declarations_only(world: Path, outdir: Path, truth: dict, rng: random.Random) -> dict:
    """Copy declarations, violations and intel, no register; return the truth unchanged
    (the registers' entities load as known only by reference)."""
    copy_files(world, outdir, ("declarations", "violations", "intel"))
    for kind in REGISTERS:
        (outdir / f"{kind}.csv").unlink(missing_ok=True)
    return truth


def blank(fields) -> Callable[[dict[str, str]], None]:
    """Return a row change that empties ``fields``."""
    def change(row: dict[str, str]) -> None:
        for name in fields:
            row[name] = ""
    return change


def no_inspection_outcomes(world: Path, outdir: Path, truth: dict, rng: random.Random) -> dict:
    """Blank every declaration's channel, inspection result and selection."""
    copy_files(world, outdir, (*REGISTERS, "violations", "intel"))
    truth["random_selected_declarations"] = rewrite_declarations(world, outdir, blank(OUTCOME_FIELDS))
    return truth


def no_goods_attributes(world: Path, outdir: Path, truth: dict, rng: random.Random) -> dict:
    """Blank the goods, origin, procedure and value fields of every declaration (all
    optional in the contract); the parties, route, transport and outcome stay."""
    copy_files(world, outdir, (*REGISTERS, "violations", "intel"))
    rewrite_declarations(world, outdir, blank(GOODS_FIELDS))
    return truth


def no_member_history(world: Path, outdir: Path, truth: dict, rng: random.Random) -> dict:
    """Remove the scheme members' violations and intel reports dated before the cut-off,
    and blank the outcomes of their declarations registered before it."""
    cutoff, members = truth["cutoff"], scheme_members(truth)
    traders = member_enterprises(truth)
    copy_files(world, outdir, REGISTERS)
    header, violations = read_rows(world / "violations.csv")
    violations = [v for v in violations if v["decided_on"] >= cutoff or (v["subject_kind"], v["subject_id"]) not in members]
    write_rows(outdir / "violations.csv", header, violations)
    header, intel = read_rows(world / "intel.csv")
    intel = [r for r in intel if r["received_on"] >= cutoff or (r["subject_kind"], r["subject_id"]) not in members]
    write_rows(outdir / "intel.csv", header, intel)
    clear = blank(OUTCOME_FIELDS)

    def change(row: dict[str, str]) -> None:
        if row["trader_tax_code"] in traders and day_of(row) < cutoff:
            clear(row)

    truth["random_selected_declarations"] = rewrite_declarations(world, outdir, change)
    return regrade(truth, violations, intel)


def late_sanctions(world: Path, outdir: Path, truth: dict, rng: random.Random) -> dict:
    """Decide every violation 183-548 days (about 6-18 months) later; drop those then
    past the world's end."""
    end = truth["end"]
    copy_files(world, outdir, (*REGISTERS, "declarations", "intel"))
    header, violations = read_rows(world / "violations.csv")
    kept = []
    for v in violations:
        v["decided_on"] = (date.fromisoformat(v["decided_on"]) + timedelta(days=rng.randint(*LATE_DAYS))).isoformat()
        if v["decided_on"] <= end:
            kept.append(v)
    write_rows(outdir / "violations.csv", header, kept)
    return regrade(truth, kept)


def random_violator_ids(truth: dict) -> list[str]:
    """Return the tax codes of the world's random violators that are no scheme member, in order."""
    members = member_enterprises(truth)
    return list(dict.fromkeys(r["id"] for r in truth["random_violators"] if r["kind"] == "enterprise" and r["id"] not in members))


def honest_enterprises(world: Path, truth: dict, violations: list[dict[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """Return the honest traders (no scheme member or hub, no honest hub, no violation)
    with their declarations as ``(declaration_no, date)``, from one pass over declarations.csv."""
    excluded = member_enterprises(truth) | {h["id"] for h in truth["honest_hubs"] if h["kind"] == "enterprise"}
    excluded |= {h["id"] for s in truth["schemes"] for h in s["hubs"] if h["kind"] == "enterprise"}
    excluded |= {v["subject_id"] for v in violations if v["subject_kind"] == "enterprise"}
    out: dict[str, list[tuple[str, str]]] = {}
    for row in stream_rows(world / "declarations.csv"):
        if row["trader_tax_code"] not in excluded:
            out.setdefault(row["trader_tax_code"], []).append((row["declaration_no"], day_of(row)))
    return out


def more_random_violators(world: Path, outdir: Path, truth: dict, rng: random.Random) -> dict:
    """Give as many honest traders as the world has random violators one violation each,
    its kind, severity, amounts and detection copied from a random existing enterprise
    violation, decided 15-90 days after one of the trader's declarations drawn at random
    (so spread over the years as trade is); one found at the border makes that
    declaration red with a discrepancy."""
    end = truth["end"]
    copy_files(world, outdir, (*REGISTERS, "intel"))
    header, violations = read_rows(world / "violations.csv")
    members = member_enterprises(truth)
    templates = [v for v in violations if v["subject_kind"] == "enterprise" and v["subject_id"] not in members]
    templates = templates or [v for v in violations if v["subject_kind"] == "enterprise"]
    honest = honest_enterprises(world, truth, violations)
    chosen = rng.sample(sorted(honest), min(len(honest), len(random_violator_ids(truth))))
    caught: set[str] = set()
    seq: dict[str, int] = {}
    for tax_code in chosen:
        declaration_no, day = rng.choice(honest[tax_code])
        template = rng.choice(templates)
        decided = min((date.fromisoformat(day) + timedelta(days=rng.randint(15, 90))).isoformat(), end)
        year = decided[:4]
        seq[year] = seq.get(year, 0) + 1
        violations.append({**template, "violation_id": f"{ADDED_ID}-{year}-{seq[year]:06d}", "subject_id": tax_code,
                           "declaration_no": declaration_no, "decided_on": decided})
        truth["random_violators"].append({"kind": "enterprise", "id": tax_code, "why": "variant"})
        if template["detected_by"] in ("inspection", "scanning"):
            caught.add(declaration_no)
    violations.sort(key=lambda v: v["decided_on"])  # stable: the world's own keep their order
    write_rows(outdir / "violations.csv", header, violations)

    def change(row: dict[str, str]) -> None:
        if row["declaration_no"] in caught:
            row.update(channel="red", inspection_result="discrepancy", selection="targeted")

    truth["random_selected_declarations"] = rewrite_declarations(world, outdir, change)
    return regrade(truth, violations)


def fewer_random_violators(world: Path, outdir: Path, truth: dict, rng: random.Random) -> dict:
    """Drop every violation of half the random violators (never a scheme member's)."""
    ids = random_violator_ids(truth)
    dropped = set(rng.sample(ids, len(ids) // 2))
    copy_files(world, outdir, (*REGISTERS, "declarations", "intel"))
    header, violations = read_rows(world / "violations.csv")
    violations = [v for v in violations if not (v["subject_kind"] == "enterprise" and v["subject_id"] in dropped)]
    write_rows(outdir / "violations.csv", header, violations)
    return regrade(truth, violations)


def hub_parties(world: Path, truth: dict) -> dict[str, list[str] | dict[str, list[str]]]:
    """Return the honest hubs' parties a declaration can name: ``agents`` (big customs
    agents), ``declarants`` by agent (the persons with a declarant role at the agent's
    enterprise), ``trucks`` (the national carriers'), ``containers`` (the shipping lines'
    pool, operated by no enterprise) and ``warehouses`` (the port operators)."""
    hubs = {role: sorted(h["id"] for h in truth["honest_hubs"] if h["role"] == role)
            for role in ("big_customs_agent", "national_carrier", "port_operator")}
    agents = {a["agent_code"]: a["tax_code"] for a in stream_rows(world / "agents.csv")}
    staff: dict[str, list[str]] = {}
    for r in stream_rows(world / "roles.csv"):
        if r["role"] == "declarant":
            staff.setdefault(r["tax_code"], []).append(r["person_id"])
    carriers = set(hubs["national_carrier"])
    vehicles = list(stream_rows(world / "vehicles.csv"))
    return {
        "agents": hubs["big_customs_agent"],
        "declarants": {code: sorted(set(staff.get(agents.get(code, ""), ()))) for code in hubs["big_customs_agent"]},
        "trucks": sorted(v["vehicle_id"] for v in vehicles if v["kind"] == "truck" and v["operator_tax_code"] in carriers),
        "containers": sorted(v["vehicle_id"] for v in vehicles if v["kind"] == "container" and not v["operator_tax_code"]),
        "stations": sorted(v["vehicle_id"] for v in vehicles if v["kind"] in ("vessel", "aircraft", "rail")),
        "warehouses": hubs["port_operator"],
    }


def honest_hubs(world: Path, outdir: Path, truth: dict, rng: random.Random) -> dict:
    """Re-point every declaration of a scheme member enterprise to the honest hubs: one
    big customs agent per trader and one of its declarants per declaration; each truck
    (or unregistered vehicle) a national carrier's, each container one of the shipping
    lines' pool (vessels, flights and wagons are shared already); a warehouse that is a
    scheme member a port operator. The registers are unchanged."""
    parties = hub_parties(world, truth)
    traders = member_enterprises(truth)
    scheme_enterprises = traders | {h["id"] for s in truth["schemes"] for h in s["hubs"] if h["kind"] == "enterprise"}
    stations = set(parties["stations"])
    containers = set(parties["containers"])
    trucks = set(parties["trucks"])
    kinds = {v["vehicle_id"]: v["kind"] for v in stream_rows(world / "vehicles.csv")}
    assigned = {t: (rng.choice(parties["agents"]), rng.choice(parties["warehouses"])) for t in sorted(traders)}

    def vehicle(vid: str) -> str:
        if vid in stations or vid in containers or vid in trucks:
            return vid
        return rng.choice(parties["containers"] if kinds.get(vid) == "container" else parties["trucks"])

    def change(row: dict[str, str]) -> None:
        if row["trader_tax_code"] not in traders:
            return
        agent, warehouse = assigned[row["trader_tax_code"]]
        staff = parties["declarants"][agent]
        row["agent_code"], row["declarant_id"] = agent, rng.choice(staff) if staff else ""
        row["vehicle_ids"] = ";".join(vehicle(v) for v in row["vehicle_ids"].split(";") if v)
        if row["warehouse"] in scheme_enterprises:
            row["warehouse"] = warehouse

    copy_files(world, outdir, (*REGISTERS, "violations", "intel"))
    rewrite_declarations(world, outdir, change)
    return truth


_TRANSFORMS: dict[str, Callable[[Path, Path, dict, random.Random], dict]] = {
    "base": base,
    "declarations_only": declarations_only,
    "no_inspection_outcomes": no_inspection_outcomes,
    "no_goods_attributes": no_goods_attributes,
    "no_member_history": no_member_history,
    "late_sanctions": late_sanctions,
    "more_random_violators": more_random_violators,
    "fewer_random_violators": fewer_random_violators,
    "honest_hubs": honest_hubs,
}
