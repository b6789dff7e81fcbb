"""Risk profiles (hồ sơ rủi ro): the HS x origin x procedure lines the model finds riskiest.

Officers know selectivity as lists of risky goods lines ("high-fraud HS code lists").
``learned`` ranks each line (HS code at 6 digits, origin country, procedure code) seen
in the model's last quarter of training data by its mean predicted probability of a
discrepancy, with its support: declarations in that quarter, and inspections and
discrepancies over the whole training window.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from riskgraph.declarations.features import Declarations

MIN_SUPPORT = 5  # declarations in the quarter before a line is kept (`profiles --min-support` filters further)
KEEP = 1000
FIELDS = ("hs6", "origin_country", "procedure_code", "learned_risk", "declarations", "inspections",
          "discrepancies", "discrepancy_rate")


def learned(d: Declarations, rows: np.ndarray, probability: np.ndarray) -> list[dict]:
    """Return up to KEEP lines with at least MIN_SUPPORT declarations among ``rows``,
    riskiest first. ``probability`` is the model's output for ``rows``. Cost: O(n)."""
    key = lambda i: (d.text["hs6"][i], d.text["origin_country"][i], d.text["procedure_code"][i])  # noqa: E731
    lines: dict[tuple, list[float]] = {}
    for i, p in zip(rows.tolist(), probability.tolist()):
        acc = lines.setdefault(key(i), [0, 0.0, 0, 0])
        acc[0] += 1
        acc[1] += p
    for i in np.flatnonzero(d.inspected).tolist():
        acc = lines.get(key(i))
        if acc is not None:
            acc[2] += 1
            acc[3] += bool(d.discrepancy[i])
    out = [
        {"hs6": hs, "origin_country": origin, "procedure_code": procedure, "learned_risk": round(total / n, 4),
         "declarations": n, "inspections": inspected, "discrepancies": found,
         "discrepancy_rate": round(found / inspected, 4) if inspected else None}
        for (hs, origin, procedure), (n, total, inspected, found) in lines.items() if n >= MIN_SUPPORT
    ]
    out.sort(key=lambda r: (-r["learned_risk"], -r["declarations"], r["hs6"], r["origin_country"], r["procedure_code"]))
    return out[:KEEP]


def write_csv(lines: list[dict], path: Path) -> None:
    """Write ``lines`` as CSV with the FIELDS header."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows(lines)


def read_csv(path: Path) -> list[dict]:
    """Return the lines ``write_csv`` wrote, numbers as numbers (an absent file: none)."""
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["learned_risk"] = float(r["learned_risk"])
        for k in ("declarations", "inspections", "discrepancies"):
            r[k] = int(r[k])
        r["discrepancy_rate"] = float(r["discrepancy_rate"]) if r["discrepancy_rate"] else None
    return rows
