"""A synthetic Vietnamese customs world, written as an ingest feed (contract 1.1 with the
riskgraph addition 1.2, declarations.selection: docs/contract-additions.md).

``generate(outdir, enterprises, seed)`` writes ``enterprises.csv``, ``persons.csv``,
``roles.csv``, ``agents.csv``, ``vehicles.csv``, ``declarations.csv``,
``violations.csv``, ``intel.csv`` and ``ground_truth.json``: an honest population with
its hubs (ports, national carriers, big agents, business centres, big traders), planted
fraud schemes (see riskgraph.synthetic.schemes), and noise. The same arguments always
give byte-identical files: every draw comes from a ``random.Random(seed)`` (see
``WorldRandom``) or ``numpy.random.default_rng(seed)``, in a fixed order.
"""

from __future__ import annotations

import csv
import json
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from riskgraph.memory import cyclic_gc_paused

from .identifiers import write_address, write_bank, write_email, write_phone
from .population import Calendar, Population, WorldRandom
from .schemes import Planter
from .trade import DECLARATION_FIELDS, Trade, write_declarations
from .vocabulary import IMPORT_GOODS, OFFICES

__all__ = ["FIELDS", "WorldSummary", "generate"]

# The columns of every file, in the order of the ingest contract.
FIELDS: dict[str, tuple[str, ...]] = {
    "enterprises": ("tax_code", "name", "address", "province", "phone", "email", "bank_accounts",
                    "registered_on", "status", "activities"),
    "persons": ("person_id", "full_name", "birth_date", "nationality", "address", "phone", "email"),
    "roles": ("person_id", "tax_code", "role", "since", "until", "share_pct"),
    "agents": ("agent_code", "tax_code", "licence_no", "valid_until"),
    "vehicles": ("vehicle_id", "kind", "owner_tax_code", "operator_tax_code", "country"),
    "declarations": DECLARATION_FIELDS,
    "violations": ("violation_id", "subject_kind", "subject_id", "declaration_no", "kind", "decided_on",
                   "severity", "penalty_vnd", "back_tax_vnd", "detected_by"),
    "intel": ("report_id", "received_on", "source_kind", "reliability", "credibility", "subject_kind",
              "subject_id", "summary"),
}
DECLARATIONS_PER_ENTERPRISE = 10
BIG_TRADER_SHARE = 0.09  # of all declarations, filed by the few big traders together


@dataclass(frozen=True)
class WorldSummary:
    """What ``generate`` wrote: rows per file kind, the seed and the as-of cut-off."""

    outdir: Path
    counts: dict[str, int]
    seed: int
    cutoff: date


def generate(outdir: Path, enterprises: int, seed: int, *, start: date = date(2021, 1, 1),
             years: int = 5) -> WorldSummary:
    """Write a world of about ``enterprises`` enterprises and ~10 declarations per enterprise
    on average (skewed: a few big traders file thousands), deterministically from ``seed``,
    covering ``years`` years from ``start``; return its summary.

    Declarations are streamed to disk a month at a time; everything else (one object per
    enterprise, person, vehicle, violation) is held in memory. Raises ValueError for fewer
    than 50 enterprises, too few to hold the hubs and one scheme of each kind.
    """
    if enterprises < 50:
        raise ValueError(f"a world needs at least 50 enterprises, not {enterprises}")
    with cyclic_gc_paused():
        return _generate(Path(outdir), enterprises, seed, Calendar.of(start, years))


def _generate(outdir: Path, enterprises: int, seed: int, cal: Calendar) -> WorldSummary:
    """Do the work of ``generate``."""
    outdir.mkdir(parents=True, exist_ok=True)
    rng = WorldRandom(seed)
    pop = Population(rng, cal)
    big = pop.build_infrastructure(enterprises)
    planter = Planter(pop, enterprises)
    planter.plant_schemes()
    _fill(pop, enterprises)
    _transit(pop)
    others = sum(e.volume for e in pop.enterprises if e.lines) - sum(e.volume for e in big)
    for ent in big:
        ent.volume = BIG_TRADER_SHARE / (1 - BIG_TRADER_SHARE) * others / len(big)
    bigs = {e.index for e in big}
    honest = [e for e in pop.enterprises if e.listed and e.index not in planter.members and e.index not in bigs
              and ("importer" in e.activities or "exporter" in e.activities)]
    planter.plant_noise(honest, pop.honest_hubs)

    trade = write_declarations(outdir / "declarations.csv", pop, DECLARATIONS_PER_ENTERPRISE * enterprises,
                               planter.plans, seed)
    violation_ids = _ids(trade.violations, lambda v: v.decided_on, "VPHC")
    tip_ids = _ids(planter.tips, lambda t: t.received_on, "TB")
    counts = {
        "enterprises": _write(outdir, "enterprises", _enterprise_rows(pop)),
        "persons": _write(outdir, "persons", _person_rows(pop)),
        "roles": _write(outdir, "roles", (
            (r.person_id, r.tax_code, r.role, r.since, r.until or "",
             "" if r.share_pct is None else f"{r.share_pct:g}") for r in pop.roles)),
        "agents": _write(outdir, "agents", (
            (a.agent_code, a.enterprise.tax_code, a.licence_no, a.valid_until) for a in pop.agents)),
        "vehicles": _write(outdir, "vehicles", (
            (v.vehicle_id, v.kind, v.owner_tax_code, v.operator_tax_code, v.country)
            for v in pop.vehicles if v.listed)),
        "declarations": trade.declarations,
        "violations": _write(outdir, "violations", (
            (vid, v.subject_kind, v.subject_id, v.declaration_no, v.kind, v.decided_on, v.severity,
             v.penalty_vnd, v.back_tax_vnd, v.detected_by) for vid, v in violation_ids)),
        "intel": _write(outdir, "intel", (
            (tid, t.received_on, t.source_kind, t.reliability, t.credibility, t.subject_kind, t.subject_id,
             t.summary) for tid, t in tip_ids)),
    }
    truth = _ground_truth(seed, enterprises, cal, pop, planter, trade, violation_ids, tip_ids)
    (outdir / "ground_truth.json").write_text(
        json.dumps(truth, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return WorldSummary(outdir, counts, seed, cal.cutoff)


def _fill(pop: Population, n: int) -> None:
    """Add ordinary traders, one in fifty a branch of one of them, until ``n`` are listed."""
    rng = pop.rng
    listed = sum(e.listed for e in pop.enterprises)
    parents, branches = [], {}
    while listed < n:
        if parents and rng.random() < 0.02:
            parent = rng.choice(parents)
            branches[parent.index] = branches.get(parent.index, 0) + 1
            pop.add_branch(parent, branches[parent.index])
        else:
            parents.append(pop.add_trader())
        listed += 1


def _transit(pop: Population) -> None:
    """Let national carriers (and one local carrier in ten) file transit declarations (quá cảnh)."""
    rng = pop.rng
    gates = [o for o in OFFICES if o.neighbour == "CN" and o.mode == "road"]
    national = {h["id"] for h in pop.honest_hubs if h["role"] == "national_carrier"}
    for ent in pop.enterprises:
        fleet = pop.fleets.get(ent.tax_code)
        if fleet and (ent.tax_code in national or rng.random() < 0.1):
            pop.line(ent, rng.choice(IMPORT_GOODS), office=rng.choice(gates), carriers=fleet, boxes=(),
                     transit=True)
            ent.volume = math.exp(rng.gauss(0.5, 0.8))


def _ids(items: list, when, prefix: str) -> list[tuple[str, object]]:
    """Return ``(id, item)`` in date order, numbered within each year: ``VPHC-2023-000042``."""
    seq: dict[int, int] = {}
    out = []
    for item in sorted(items, key=when):
        year = when(item).year
        seq[year] = seq.get(year, 0) + 1
        out.append((f"{prefix}-{year}-{seq[year]:06d}", item))
    return out


def _write(outdir: Path, kind: str, rows: Iterable[tuple]) -> int:
    """Write ``KIND.csv`` with the contract's header; return the number of rows."""
    count = 0
    with open(outdir / f"{kind}.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(FIELDS[kind])
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _enterprise_rows(pop: Population):
    rng = pop.rng
    for e in pop.enterprises:
        if e.listed:
            yield (e.tax_code, e.name, write_address(rng, e.address), e.province.label,
                   ";".join(write_phone(rng, p) for p in e.phones), ";".join(write_email(rng, m) for m in e.emails),
                   ";".join(write_bank(rng, b) for b in e.banks), e.registered_on, e.status, ";".join(e.activities))


def _person_rows(pop: Population):
    rng = pop.rng
    for p in pop.persons:
        if p.listed:
            name = unicodedata.normalize("NFD", p.full_name) if rng.random() < 0.03 else p.full_name
            yield (p.person_id, name, p.birth_date, p.nationality,
                   write_address(rng, p.address) if p.address else "",
                   ";".join(write_phone(rng, x) for x in p.phones), ";".join(write_email(rng, m) for m in p.emails))


def _ground_truth(seed: int, n: int, cal: Calendar, pop: Population, planter: Planter, trade: Trade,
                  violation_ids: list, tip_ids: list) -> dict:
    """Return the answer key: schemes with what was observed of them, hubs, noise, fraud."""
    sanctioned_before, sanctioned_after = set(), set()  # membership only
    for _, v in violation_ids:
        (sanctioned_before if v.decided_on < cal.cutoff else sanctioned_after).add((v.subject_kind, v.subject_id))
    schemes = []
    for s in planter.schemes:
        keys = [(m["kind"], m["id"]) for m in s.members]
        schemes.append({
            "id": s.id, "kind": s.kind, "parameters": s.parameters, "members": s.members, "hubs": s.hubs,
            "observed": {
                "members_sanctioned_before_cutoff": sum(k in sanctioned_before for k in keys),
                "members_sanctioned_after_cutoff": sum(k in sanctioned_after for k in keys),
            },
        })
    return {
        "seed": seed,
        "enterprises": n,
        "start": cal.start.isoformat(),
        "end": cal.end.isoformat(),
        "cutoff": cal.cutoff.isoformat(),
        "schemes": schemes,
        "honest_hubs": pop.honest_hubs,
        "random_violators": planter.random_violators,
        "violations_after_cutoff": [vid for vid, v in violation_ids if v.decided_on >= cal.cutoff],
        "declaration_fraud": [{"declaration_no": no, "kind": kind} for no, kind in trade.fraud],
        "random_selected_declarations": trade.random_selected,
        "true_tips": [tid for tid, t in tip_ids if t.true],
        "noise_tips": [tid for tid, t in tip_ids if not t.true],
    }
