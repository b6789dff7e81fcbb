"""What the API writes: intelligence reports, inspection results and the violations they
find (the feedback loop), and watchlist entries.

Each write is validated exactly as the ingest contract validates a feed row, recorded as
an ``IngestRun`` (feed ``api:<operation>``, who submitted it) for provenance, and raises
the subject's score at once (provisionally, see ``risk.raise_risk``) so that the next
clearance decision sees it without waiting for a re-analysis.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from riskgraph.api import risk
from riskgraph.dates import VIETNAM
from riskgraph.entities.factors import CREDIBILITY_WEIGHT, FACTORS, RELIABILITY_WEIGHT, SEVERITY_WEIGHT, VIOLATION_KIND_WEIGHT
from riskgraph.errors import RiskgraphError
from riskgraph.graph.store import Store
from riskgraph.ingest.validate import Rejected, validate

WEIGHT = {f.name: f.weight for f in FACTORS}


class InvalidInput(RiskgraphError):
    """An API input failed validation; the message names the field and why."""


def submit_intel(store: Store, values: dict[str, Any], who: Any) -> dict:
    """Validate and store one intelligence report, then raise its subject's score.

    Returns the report id (generated when not given) and the subject. Raises InvalidInput.
    """
    values = {**values, "report_id": values.get("report_id") or f"API-{datetime.now(VIETNAM):%Y%m%d}-{secrets.token_hex(4)}"}
    record = _valid("intel", values)
    record.params["props"]["submitted_by"] = who.name
    with _run(store, "submitIntel", who) as run:
        store.write("upsert_intel", [record.params], run)
    p = record.params["props"]
    strength = WEIGHT["intel"] * risk.saturate(RELIABILITY_WEIGHT[p["reliability"]] * CREDIBILITY_WEIGHT[p["credibility"]])
    risk.raise_risk(store, p["subject_kind"], p["subject_id"], strength, {
        "factor": "intel", "detail": f"report {record.key} graded {p['grade']}, received {p['received_on']}, submitted by {who.name}"})
    return {"report_id": record.key, "subject": (p["subject_kind"], p["subject_id"])}


def record_inspection(store: Store, declaration_no: str, result: str, inspected_on: str | None, violation: dict | None,
                      who: Any) -> dict | None:
    """Record an inspection result on a stored declaration and, if given, the violation it
    found (its subject defaults to the declaration's trader). Returns what was recorded,
    or None if the declaration is unknown. Raises InvalidInput."""
    day = inspected_on or datetime.now(VIETNAM).date().isoformat()
    try:
        date.fromisoformat(day)
    except ValueError:
        raise InvalidInput(f"inspectedOn: {day[:40]!r} is not a date (YYYY-MM-DD)") from None
    if violation is not None and result != "discrepancy":
        raise InvalidInput("violation: a violation can only be recorded with the result discrepancy")
    if not 1 <= len(declaration_no) <= 64 or any(ord(c) < 32 for c in declaration_no):
        raise InvalidInput("declarationNo: a declaration number is 1-64 printable characters")
    values = None
    if violation is not None:
        values = {**violation, "declaration_no": declaration_no}
        values.setdefault("subject_kind", "enterprise")
        # Every field but the default subject (the trader, read below) is checked before anything is written.
        _valid("violations", {**values, "subject_id": values.get("subject_id") or "0000000000"})
    if not store.query("declarations_existing", {"keys": [declaration_no]}):
        return None  # nothing to record, and no run to record it in
    with _run(store, "recordInspectionResult", who) as run:
        rows = store.query("declaration_inspected", {"declaration_no": declaration_no, "result": result, "inspected_on": day, **run},
                           write=True)
        if not rows:
            return None
        subject = None
        if values is not None:
            if not values.get("subject_id"):
                values["subject_id"] = rows[0]["trader"]
            record = _valid("violations", values)
            store.write("upsert_violations", [record.params], run)
            p = record.params["props"]
            strength = WEIGHT["violations"] * risk.saturate(VIOLATION_KIND_WEIGHT.get(p["kind"], 0.5)
                                                            * SEVERITY_WEIGHT.get(p.get("severity"), 1.0))
            risk.raise_risk(store, p["subject_kind"], p["subject_id"], strength, {
                "factor": "violations",
                "detail": f"violation {record.key} ({p['kind']}) decided {p['decided_on']} on declaration {declaration_no}"})
            subject = (p["subject_kind"], p["subject_id"])
    return {"declaration_no": declaration_no, "violation_id": violation and violation["violation_id"], "subject": subject}


def add_watchlist(store: Store, entity: str, reason: str, who: Any) -> str:
    """Put ``entity`` ("kind:id") on the watchlist; return the entry id."""
    entry_id = f"W-{datetime.now(VIETNAM):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    store.query("watchlist_add", {"entry_id": entry_id, "entity": entity, "reason": _reason(reason), "owner": who.name, "now": _now()},
                write=True)
    return entry_id


def remove_watchlist(store: Store, entity: str, reason: str, who: Any) -> int:
    """Close the open watchlist entries of ``entity``; return how many were closed."""
    rows = store.query("watchlist_remove", {"entity": entity, "reason": _reason(reason), "owner": who.name, "now": _now()}, write=True)
    return rows[0]["removed"] if rows else 0


def _reason(text: str) -> str:
    text = (text or "").strip()
    if not 3 <= len(text) <= 2000:
        raise InvalidInput("reason: give a reason of 3 to 2,000 characters")
    return text


def _valid(kind: str, values: dict[str, Any]):
    try:
        return validate(kind, {k: v for k, v in values.items() if v is not None})
    except Rejected as e:
        raise InvalidInput(f"{e.field}: {e.reason}") from None


class _run:
    """Record an API write as an ingest run: provenance for every node it touches."""

    def __init__(self, store: Store, operation: str, who: Any):
        self.store, self.operation, self.who = store, operation, who

    def __enter__(self) -> dict:
        self.run_id = self.store.query("run_next_id")[0]["run_id"]
        self.now = _now()
        self.store.query("run_start", {"run_id": self.run_id, "props": {
            "feed": f"api:{self.operation}", "checksum": f"api-{self.run_id}", "started_at": self.now,
            "submitted_by": self.who.name, "key_id": self.who.key_id, "files": []}}, write=True)
        return {"run": self.run_id, "now": self.now}

    def __exit__(self, kind, *_):
        if kind is None:
            self.store.query("run_finish", {"run_id": self.run_id, "props": {"finished_at": _now()}}, write=True)


def _now() -> str:
    return datetime.now(VIETNAM).isoformat(timespec="seconds")
