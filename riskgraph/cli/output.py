"""Output of the commands: key-target lists, suspicious networks, analysis summaries,
lane recommendations, post-clearance audit plans and the monitoring queue as tables, CSV
or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict

from riskgraph.api.monitor import Item
from riskgraph.channels import LANES, Assessment
from riskgraph.channels.audit_plan import Plan
from riskgraph.entities import Analysis


def network_text(r: dict, members: int = 10) -> str:
    """Return a suspicious network in three lines: rank and score, why, its first ``members``."""
    shown = ", ".join(f"{m} ({s:.2f})" for m, s in list(zip(r["members"], r["member_scores"]))[:members])
    more = f" and {r['size'] - members} more" if r["size"] > members else ""
    return (f"#{r['rank']:<3} lift {r['score']:.1f}  {r['size']} members, {r['risky_members']} on record ({r['risky_share']:.0%})\n"
            f"     why: {r['why']}\n     members: {shown}{more}")


def summary(analysis: Analysis, analysis_id: str, seconds: float) -> str:
    """Return what an analysis found, in a few lines."""
    entities = analysis.entities()
    bands: dict[str, int] = {}
    for b in analysis.band[entities].tolist():
        bands[b] = bands.get(b, 0) + 1
    r = analysis.ranker
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in analysis.timings.items())
    return (f"analysis {analysis_id} as of {analysis.as_of} ({analysis.model_version}): "
            f"{len(entities):,} entities scored in {seconds:.1f} s ({timings})\n"
            f"bands: " + ", ".join(f"{bands.get(b, 0):,} {b}" for b in ("critical", "high", "medium", "low"))
            + f"; {len(analysis.networks)} suspicious networks\n"
            f"ranker: {r.get('ranker', 'priors')} ({r.get('why', '')})")


# One row per member, so that a spreadsheet can sort, filter and look members up.
NETWORK_COLUMNS = ["rank", "score", "size", "risky_members", "risky_share", "why", "member", "member_name", "member_score"]


def network_members(networks: list[dict]) -> list[dict]:
    """Return one row per member of each network (from ``entities.networks``), the
    network's own fields repeated, for a CSV export in NETWORK_COLUMNS."""
    return [{**r, "member": m, "member_name": name, "member_score": s}
            for r in networks for m, name, s in zip(r["members"], r["member_names"], r["member_scores"])]


def csv_bytes(rows: list[dict], columns: list[str], header: bool = True) -> bytes:
    """Return ``rows`` as CSV with a header row and every value whole, in UTF-8 with a
    byte-order mark: without the mark Excel reads the file in the ANSI code page and
    Vietnamese names turn to mojibake. Bytes, so the console's encoding cannot change them.
    Without ``header``, the rows only, with no mark: more lines of an export begun."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().rstrip("\n").encode("utf-8-sig" if header else "utf-8")


def emit(rows: list[dict], fmt: str, columns: list[str], echo: Callable[[str | bytes], None]) -> None:
    """Print ``rows`` as a table (long values cut to fit), CSV (see csv_bytes) or JSON
    (JSON keeps every field)."""
    if fmt == "json":
        echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        echo(csv_bytes(rows, columns))
    elif "entity" in columns:  # a key-target list
        for r in rows:
            echo(f"{r.get('rank', ''):>4}  {r['entity']:<28} {r.get('name', '')[:40]:<40} {r['score']:.2f} {r['band']:<8} "
                 f"{r.get('reason', '')[:110]}")
    else:
        cells = [[("" if r.get(c) is None else str(r.get(c)))[:80] for c in columns] for r in rows]
        widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
        for row in [columns, *cells]:
            echo("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


def reasons_text(reasons: Iterable[tuple[str, float, str]]) -> str:
    """Return an assessment's reasons on one line: "part +contribution detail; ..."."""
    return "; ".join(f"{p} +{c:.2f} {d}".strip() for p, c, d in reasons)


def emit_assessments(assessments: Iterable[Assessment], fmt: str, echo: Callable[[str], None]) -> None:
    """Print channel recommendations as CSV (one line each, streamed) or a JSON array."""
    if fmt == "json":
        echo(json.dumps([{"declaration_no": a.declaration_no, "channel": a.channel, "score": a.score, "random": a.random,
                          "probability": a.probability, "basis": a.basis,
                          "reasons": [{"part": p, "contribution": c, "detail": d} for p, c, d in a.reasons],
                          "profiles": [asdict(h) for h in a.hits]} for a in assessments],
                        ensure_ascii=False, indent=1))
        return
    echo("declaration_no,channel,score,random,probability,reasons")
    for a in assessments:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(
            [a.declaration_no, a.channel, a.score, "yes" if a.random else "no", "" if a.probability is None else a.probability,
             reasons_text(a.reasons)])
        echo(buffer.getvalue())


def lane_summary(counts: Mapping[tuple[str, bool], int]) -> str:
    """Return how many declarations each lane took, and how many of them at random, from
    counts by (lane, drawn at random)."""
    def line(lane: str) -> str:
        drawn = counts.get((lane, True), 0)
        return f"{counts.get((lane, False), 0) + drawn:,} {lane}" + (f" ({drawn:,} at random)" if drawn else "")
    return f"{sum(counts.values()):,} declarations: " + ", ".join(line(lane) for lane in reversed(LANES))


# One row per selected declaration, its enterprise's totals repeated, so that a spreadsheet
# can sort and filter by either.
AUDIT_COLUMNS = ["rank", "declaration_no", "registered_on", "trader", "trader_name", "office_code", "hs_code",
                 "score", "probability", "tax_vnd", "value_usd", "stake_vnd", "at_risk_vnd", "priority", "reasons",
                 "trader_rank", "trader_selected", "trader_at_risk_vnd", "trader_score", "trader_band"]


def audit_rows(plan: Plan) -> list[dict]:
    """Return the rows of a post-clearance audit plan for a CSV export in AUDIT_COLUMNS."""
    by_trader = {e.trader: e for e in plan.enterprises}
    rows = []
    for p in plan.picks:
        c, e = p.candidate, by_trader[p.candidate.trader]
        rows.append({"rank": p.rank, "declaration_no": c.declaration_no, "registered_on": c.registered_on, "trader": c.trader,
                     "trader_name": c.trader_name, "office_code": c.office_code, "hs_code": c.hs_code, "score": c.score,
                     "probability": c.probability, "tax_vnd": c.tax_vnd, "value_usd": c.value_usd,
                     "stake_vnd": round(p.stake_vnd), "at_risk_vnd": round(p.at_risk_vnd), "priority": round(p.priority, 4),
                     "reasons": reasons_text(p.reasons),
                     "trader_rank": e.rank, "trader_selected": e.selected, "trader_at_risk_vnd": round(e.at_risk_vnd),
                     "trader_score": e.score, "trader_band": e.band})
    return rows


def audit_text(plan: Plan, top: int) -> list[str]:
    """Return a post-clearance audit plan as lines: what was selected, the first ``top``
    enterprises and declarations."""
    lines = [f"audit plan {plan.since} to {plan.until}: {len(plan.picks):,} of {plan.green:,} green-lane declarations "
             f"({len(plan.picks) / max(1, plan.green):.2%}, plan minimum {plan.share:.2%}) from {len(plan.enterprises):,} "
             f"enterprises; revenue at risk {sum(p.at_risk_vnd for p in plan.picks):,.0f} VND of "
             f"{sum(p.stake_vnd for p in plan.picks):,.0f} at stake",
             f"scored on: {plan.basis}", "", "enterprises (most revenue at risk first):"]
    for e in plan.enterprises[:top]:
        risk = f"{e.score:.2f} {e.band}" if e.score is not None else "not scored"
        lines.append(f"{e.rank:>4}  {e.trader:<12} {e.name[:40]:<40} {e.selected:>3} decl.  at risk {e.at_risk_vnd:>15,.0f} VND  "
                     f"entity risk {risk}")
    lines += ["", "declarations (by risk weighted by revenue at stake):"]
    for p in plan.picks[:top]:
        c = p.candidate
        lines.append(f"{p.rank:>4}  {c.declaration_no} {c.registered_on} {c.trader:<12} HS {c.hs_code:<8} score {c.score:.3f}  "
                     f"at risk {p.at_risk_vnd:>13,.0f} of {p.stake_vnd:>15,.0f} VND  {reasons_text(p.reasons)[:100]}")
    return lines


# One row per queued declaration; its alerts' kinds, their sentences and its profile hits
# each in one cell, "; " between them.
QUEUE_COLUMNS = ["at", "source", "declaration_no", "office_code", "border_gate", "trader", "lane", "score", "basis",
                 "alert_kinds", "alerts", "profile_hits"]


def queue_rows(items: Iterable[Item]) -> list[dict]:
    """Return monitoring queue items as rows for a CSV export in QUEUE_COLUMNS."""
    return [{"at": i.at, "source": i.source, "declaration_no": i.declaration_no, "office_code": i.office_code,
             "border_gate": i.border_gate, "trader": i.trader, "lane": i.lane, "score": i.score, "basis": i.basis,
             "alert_kinds": "; ".join(a.kind for a in i.alerts), "alerts": "; ".join(a.sentence for a in i.alerts),
             "profile_hits": "; ".join(f"{h['profile_id']} v{h['version']} {h['lane']}: {h['reason']}" for h in i.hits)}
            for i in items]


def queue_text(item: Item) -> list[str]:
    """Return a monitoring queue item as lines: when, source, declaration, office, gate,
    trader, lane and score; then one line per alert, its kind and its sentence."""
    score = "" if item.score is None else f"{item.score:.3f}"
    lines = [f"{item.at:<29} {item.source:<8} {item.declaration_no:<14} {item.office_code or '':<6} "
             f"{(item.border_gate or '')[:28]:<28} {item.trader:<12} {item.lane or '':<6} {score}".rstrip()]
    return lines + [f"    {a.kind:<13} {a.sentence}" for a in item.alerts]
