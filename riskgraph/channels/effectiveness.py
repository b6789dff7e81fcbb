"""Effectiveness of risk profiles (hiệu quả hồ sơ rủi ro) from the inspection outcomes in the graph.

Over the declarations registered in a period, each profile's criteria are applied as at
clearance (the version stored now, in force on each declaration's day): its hits, how many
of them were inspected, how many were found wrong (an inspection discrepancy, or a decided
violation citing the declaration), its hit rate (found wrong / inspected) and the revenue
recovered (back tax and penalty of those violations, VND).

A profile is listed for review when it never hit, or when its hit rate is below the
model's at the same inspection count: the hit rate of the same number of inspected
declarations of the period that the assessor (without profiles) scored riskiest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from riskgraph.channels.profiles import Profiles, RiskProfile
from riskgraph.graph import Store

LINKS = {"FILED_BY_AGENT": "agents", "FILED_BY_DECLARANT": "declarants", "CARRIED_BY": "vehicles", "STORED_AT": "warehouses"}


@dataclass(frozen=True)
class Effectiveness:
    profile_id: str
    version: int
    lane: str
    hits: int
    inspected: int
    found_wrong: int
    hit_rate: float | None  # found wrong / inspected
    revenue_vnd: float  # back tax and penalty of the violations citing its hits
    model_hit_rate: float | None  # the model's at the same inspection count
    review: str  # why it is listed for review; "" if it is not


def stored_records(store: Store, since: date, until: date) -> tuple[list[dict], dict[str, dict]]:
    """Return the declarations registered from ``since`` to ``until`` as validated records
    (``Record.params``: what ``Assessor.assess`` takes) and their outcome by number:
    inspected, wrong, revenue. Cost: three reads over the period's declarations."""
    period = {"from": since.isoformat(), "until": until.isoformat()}
    rows = store.query("selectivity_declarations", period)
    linked: dict[int, dict[str, list]] = {}
    for r in store.query("selectivity_parties", period):
        if r["link"] in LINKS:
            linked.setdefault(r["id"], {}).setdefault(LINKS[r["link"]], []).append(r["party"])
    revenue: dict[str, float] = {}
    for v in store.query("profile_outcomes", period):
        revenue[v["declaration_no"]] = revenue.get(v["declaration_no"], 0.0) + (v["back_tax_vnd"] or 0) + (v["penalty_vnd"] or 0)
    records, outcomes = [], {}
    for r in rows:
        parties = linked.get(r["id"], {})
        props = {k: v for k, v in r.items() if k not in ("id", "declaration_no", "trader") and v is not None}
        props["registered_on"] = r["registered_at"][:10]
        records.append({"key": r["declaration_no"], "props": props, "trader": r["trader"],
                        **{part: parties.get(part, []) for part in LINKS.values()}})
        cited = r["declaration_no"] in revenue
        outcomes[r["declaration_no"]] = {
            "inspected": r["inspection_result"] in ("compliant", "discrepancy") or cited,
            "wrong": r["inspection_result"] == "discrepancy" or cited, "revenue": revenue.get(r["declaration_no"], 0.0)}
    return records, outcomes


def effectiveness(store: Store, profiles: list[RiskProfile], records: list[dict], outcomes: dict[str, dict],
                  model_scores: dict[str, float]) -> list[Effectiveness]:
    """Return each profile's effectiveness over ``records`` (see ``stored_records``), the
    model's hit rate at the same inspection count from ``model_scores`` (by declaration
    number). Cost: the profiles' criteria over every record, and their party facts."""
    compiled = Profiles.load(store, [replace(p, active=True) for p in profiles])  # what an inactive one would have hit
    facts = compiled.facts(store, records)
    hits = compiled.hits(records, facts)
    found: dict[str, list[str]] = {p.profile_id: [] for p in profiles}
    for d, hit in zip(records, hits):
        for h in hit:
            found[h.profile_id].append(d["key"])
    ranked = sorted((k for k, o in outcomes.items() if o["inspected"] and k in model_scores), key=lambda k: -model_scores[k])
    out = []
    for p in profiles:
        keys = found[p.profile_id]
        inspected = [k for k in keys if outcomes[k]["inspected"]]
        wrong = [k for k in inspected if outcomes[k]["wrong"]]
        rate = len(wrong) / len(inspected) if inspected else None
        top = ranked[:len(inspected)]
        model_rate = sum(outcomes[k]["wrong"] for k in top) / len(top) if top else None
        review = ("never hit in the period" if not keys else "no hit was inspected" if not inspected
                  else f"hit rate {rate:.0%} below the model's {model_rate:.0%} at {len(inspected)} inspections"
                  if model_rate is not None and rate < model_rate else "")
        out.append(Effectiveness(p.profile_id, p.version, p.lane, len(keys), len(inspected), len(wrong),
                                 None if rate is None else round(rate, 4), sum(outcomes[k]["revenue"] for k in wrong),
                                 None if model_rate is None else round(model_rate, 4), review))
    return out
