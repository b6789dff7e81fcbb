"""Output of the commands: key-target lists, suspicious networks, analysis summaries and
channel recommendations as tables, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict

from riskgraph.channels import Assessment
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


def csv_bytes(rows: list[dict], columns: list[str]) -> bytes:
    """Return ``rows`` as CSV with a header row and every value whole, in UTF-8 with a
    byte-order mark: without the mark Excel reads the file in the ANSI code page and
    Vietnamese names turn to mojibake. Bytes, so the console's encoding cannot change them."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().rstrip("\n").encode("utf-8-sig")


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
             "; ".join(f"{p} +{c:.2f} {d}".strip() for p, c, d in a.reasons)])
        echo(buffer.getvalue())
