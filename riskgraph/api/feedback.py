"""What the API writes: intelligence reports, inspection results and the violations they
find (the feedback loop), watchlist entries, and officers' tips (tin báo) and their outcomes.

Each write is validated exactly as the ingest contract validates a feed row, recorded as
an ``IngestRun`` (feed ``api:<operation>``, who submitted it) for provenance, and raises
the subject's score at once (provisionally, see ``risk.raise_risk``) so that the next
clearance decision sees it without waiting for a re-analysis.

A write that timed out may still have been stored, so each can be retried safely: with an
idempotency key (or, for intel and violations, the caller's own record id) a retry by the
same API key with the same content stores nothing new, raises no score again and answers
as the first call did; the stored record keeps a hash of the request that made it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import secrets
from datetime import date, datetime
from typing import Any

from riskgraph.api import risk
from riskgraph.channels.policy import LANES
from riskgraph.dates import VIETNAM
from riskgraph.entities.factors import CREDIBILITY_WEIGHT, FACTORS, RELIABILITY_WEIGHT, SEVERITY_WEIGHT, VIOLATION_KIND_WEIGHT
from riskgraph.errors import RiskgraphError
from riskgraph.graph.store import Store
from riskgraph.ingest.columnar import ColumnarCopy
from riskgraph.ingest.validate import Rejected, validate

log = logging.getLogger("riskgraph.api")

WEIGHT = {f.name: f.weight for f in FACTORS}


class InvalidInput(RiskgraphError):
    """An API input failed validation; the message names the field and why."""


class UnknownDeclaration(InvalidInput):
    """A write names a declaration the store does not hold (or holds only as cited by a violation)."""


class OutcomeConflict(InvalidInput):
    """A tip's outcome changed since the caller read it: another officer recorded one first."""


def submit_intel(store: Store, values: dict[str, Any], who: Any, key: str | None = None) -> dict:
    """Validate and store one intelligence report, then raise its subject's score.

    Returns the report id (given, derived from the idempotency ``key``, or generated), the
    subject and whether the call was a repeat of an earlier one (nothing written). Cost:
    with an id or key, two indexed reads more than without. Raises InvalidInput.
    """
    key = checked_key(key)
    if key is not None and values.get("report_id"):
        raise InvalidInput("idempotencyKey: give reportId or idempotencyKey, not both: a report id already makes a retry safe")
    given = values.get("report_id") or (key and derived_id(who, "submitIntel", key, "API-K-"))
    record = _valid("intel", {**values, "report_id": given or f"API-{datetime.now(VIETNAM):%Y%m%d}-{secrets.token_hex(4)}"})
    p = record.params["props"]
    subject = (p["subject_kind"], p["subject_id"])
    digest = _digest(who, "submitIntel", values)
    earlier = _earlier(store, "intel_request", record.key, digest, key) if given else None
    if _repeats(earlier, digest):
        return {"report_id": record.key, "subject": subject, "repeat": True}
    p.update(submitted_by=who.name, request_hash=digest)
    with _run(store, "submitIntel", who) as run:
        store.write("upsert_intel", [record.params], run)
    if given and earlier is None and not _created(store, "intel_request", record.key, run):
        # a copy of this request, sent to another server process, stored the report first
        return {"report_id": record.key, "subject": subject, "repeat": True}
    strength = WEIGHT["intel"] * risk.saturate(RELIABILITY_WEIGHT[p["reliability"]] * CREDIBILITY_WEIGHT[p["credibility"]])
    risk.raise_risk(store, p["subject_kind"], p["subject_id"], strength, {
        "factor": "intel", "detail": f"report {record.key} graded {p['grade']}, received {p['received_on']}, submitted by {who.name}"})
    return {"report_id": record.key, "subject": subject, "repeat": False}


def record_inspection(store: Store, declaration_no: str, result: str, inspected_on: str | None, violation: dict | None,
                      who: Any, copy: ColumnarCopy | None = None) -> dict | None:
    """Record an inspection result on a stored declaration and, if given, the violation it
    found (its subject defaults to the declaration's trader). Returns what was recorded and
    whether it repeats an earlier call (the violation id is the idempotency key: the same
    caller sending the same request again writes nothing and raises no score), or None if
    the declaration is unknown. Raises InvalidInput."""
    day = inspected_on or datetime.now(VIETNAM).date().isoformat()
    try:
        date.fromisoformat(day)
    except ValueError:
        raise InvalidInput(f"inspectedOn: {day[:40]!r} is not a date (YYYY-MM-DD)") from None
    if violation is not None and result != "discrepancy":
        raise InvalidInput("violation: a violation can only be recorded with the result discrepancy")
    _declaration_no(declaration_no)
    values = None
    if violation is not None:
        values = {**violation, "declaration_no": declaration_no}
        values.setdefault("subject_kind", "enterprise")
        # Every field but the default subject (the trader, read below) is checked before anything is written.
        _valid("violations", {**values, "subject_id": values.get("subject_id") or "0000000000"})
        digest = _digest(who, "recordInspectionResult", [declaration_no, result, inspected_on, violation])
        earlier = _earlier(store, "violation_request", violation["violation_id"], digest, None)
        if _repeats(earlier, digest):
            return {"declaration_no": declaration_no, "violation_id": violation["violation_id"],
                    "subject": (earlier["subject_kind"], earlier["subject_id"]), "repeat": True}
    if not store.query("declarations_existing", {"keys": [declaration_no]}):
        return None  # nothing to record, and no run to record it in
    with _run(store, "recordInspectionResult", who) as run:
        rows = store.query("declaration_inspected", {"declaration_no": declaration_no, "result": result, "inspected_on": day, **run},
                           write=True)
        if not rows:
            return None
        if copy is not None:
            try:
                copy.patch(declaration_no, rows[0]["registered_on"], result)
            except OSError as e:  # the graph has it: the copy's check finds the month stale and reads it again
                log.warning("columnar copy not told of the result on %s: %s", declaration_no, e)
        subject = None
        if values is not None:
            if not values.get("subject_id"):
                values["subject_id"] = rows[0]["trader"]
            record = _valid("violations", values)
            record.params["props"]["request_hash"] = digest
            store.write("upsert_violations", [record.params], run)
            p = record.params["props"]
            subject = (p["subject_kind"], p["subject_id"])
            if earlier is None and not _created(store, "violation_request", record.key, run):
                # a copy of this request, sent to another server process, stored the violation first
                return {"declaration_no": declaration_no, "violation_id": record.key, "subject": subject, "repeat": True}
            strength = WEIGHT["violations"] * risk.saturate(VIOLATION_KIND_WEIGHT.get(p["kind"], 0.5)
                                                            * SEVERITY_WEIGHT.get(p.get("severity"), 1.0))
            risk.raise_risk(store, p["subject_kind"], p["subject_id"], strength, {
                "factor": "violations",
                "detail": f"violation {record.key} ({p['kind']}) decided {p['decided_on']} on declaration {declaration_no}"})
    return {"declaration_no": declaration_no, "violation_id": violation and violation["violation_id"], "subject": subject, "repeat": False}


def add_watchlist(store: Store, entity: str, reason: str, who: Any, key: str | None = None) -> dict:
    """Put ``entity`` ("kind:id") on the watchlist; return the entry id and whether the call
    repeats an earlier one with the same idempotency ``key`` (nothing written). Cost: one
    write, and with a key one indexed read. Raises InvalidInput."""
    key, reason = checked_key(key), _reason(reason)
    digest = _digest(who, "addWatchlist", [entity, reason])
    if key is None:
        entry_id = f"W-{datetime.now(VIETNAM):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    else:
        entry_id = derived_id(who, "addWatchlist", key, "W-K-")
        if _repeats(_earlier(store, "watchlist_request", entry_id, digest, key), digest):
            return {"entry_id": entry_id, "repeat": True}
    stored = store.query("watchlist_add", {"entry_id": entry_id, "entity": entity, "reason": reason, "owner": who.name, "now": _now(),
                                           "request_hash": digest}, write=True)
    if key is not None and stored[0]["request_hash"] != digest:  # another request with this key reached another process first
        raise _reused(key)
    return {"entry_id": entry_id, "repeat": False}


def remove_watchlist(store: Store, entity: str, reason: str, who: Any) -> int:
    """Close the open watchlist entries of ``entity``; return how many were closed."""
    rows = store.query("watchlist_remove", {"entity": entity, "reason": _reason(reason), "owner": who.name, "now": _now()}, write=True)
    return rows[0]["removed"] if rows else 0


def raise_tip(store: Store, declaration_no: str, lane: str, reason: str, who: Any, key: str | None = None) -> dict:
    """Raise a tip (tin báo) on a stored declaration, asking for ``lane`` (one of LANES)
    with a reason; the tip carries the caller's key name (the officer) and unit. Returns
    the tip id and whether the call repeats an earlier one with the same idempotency
    ``key`` (nothing written). Cost: one write, and with a key one indexed read. Raises
    InvalidInput; UnknownDeclaration when the declaration is not stored."""
    key, reason = checked_key(key), _reason(reason)
    declaration_no = _declaration_no(declaration_no)
    if lane not in LANES:
        raise InvalidInput(f"lane: {str(lane)[:20]!r} is not one of {', '.join(LANES)}")
    digest = _digest(who, "raiseTip", [declaration_no, lane, reason])
    if key is None:
        tip_id = f"TIP-{datetime.now(VIETNAM):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    else:
        tip_id = derived_id(who, "raiseTip", key, "TIP-K-")
        if _repeats(_earlier(store, "tip_find", tip_id, digest, key), digest):
            return {"tip_id": tip_id, "repeat": True}
    now = datetime.now(VIETNAM)
    stored = store.query("tip_raise", {"declaration_no": declaration_no, "tip_id": tip_id, "now": now.isoformat(timespec="seconds"),
                                       "props": {"declaration_no": declaration_no, "lane": lane, "reason": reason, "officer": who.name,
                                                 "unit": who.unit, "key_id": who.key_id, "raised_at": now.isoformat(timespec="seconds"),
                                                 "raised_on": now.date().isoformat(), "request_hash": digest}}, write=True)
    if not stored:
        raise UnknownDeclaration(f"declarationNo: no declaration {declaration_no!r} is stored; a tip is raised on a declaration "
                                 "the store holds (loaded by riskgraph ingest): check the number")
    if key is not None and stored[0]["request_hash"] != digest:  # another request with this key reached another process first
        raise _reused(key)
    return {"tip_id": tip_id, "repeat": False}


def record_tip_outcome(store: Store, tip_id: str, violation_found: bool, back_tax_vnd: float, fine_vnd: float, note: str | None,
                       checked_on: str | None, who: Any, correcting: int = 0) -> dict:
    """Record what checking a tip found: a violation or not, the back tax (truy thu) and
    fine (phạt) in VND, a note. ``correcting`` is the version of the outcome this one
    replaces (0 for the first): of two outcomes recorded at once on the same version, one
    is stored and the other refused with OutcomeConflict, so a tip is never counted twice
    and no correction is lost; every version is kept. The same request sent again is a
    repeat (nothing written). Returns the tip id, the new version and whether it repeats.
    Cost: one write; one indexed read more when refused. Raises InvalidInput."""
    tip_id = (tip_id or "").strip()
    if not 1 <= len(tip_id) <= 64 or not tip_id.isprintable():
        raise InvalidInput("tipId: a tip id is 1-64 printable characters")
    if not isinstance(correcting, int) or correcting < 0:
        raise InvalidInput("correcting: the version of the outcome you correct, 0 or more (0 for the first outcome)")
    day = checked_on or datetime.now(VIETNAM).date().isoformat()
    try:
        date.fromisoformat(day)
    except ValueError:
        raise InvalidInput(f"checkedOn: {day[:40]!r} is not a date (YYYY-MM-DD)") from None
    for field, amount in (("backTaxVnd", back_tax_vnd), ("fineVnd", fine_vnd)):
        if not math.isfinite(amount) or amount < 0:
            raise InvalidInput(f"{field}: an amount in VND, 0 or more")
        if amount and not violation_found:
            raise InvalidInput(f"{field}: back tax and fines come only with a violation found; give 0, or violationFound: true")
    note = (note or "").strip() or None
    if note is not None and (len(note) > 2000 or not note.isprintable()):
        raise InvalidInput("note: at most 2,000 printable characters")
    content = [tip_id, correcting, bool(violation_found), float(back_tax_vnd), float(fine_vnd), note, day]
    digest = _digest(who, "recordTipOutcome", content)
    outcome = {"violation_found": bool(violation_found), "back_tax_vnd": float(back_tax_vnd), "fine_vnd": float(fine_vnd),
               "note": note, "checked_on": day, "checked_by": who.name, "checked_unit": who.unit, "checked_at": _now(),
               "outcome_hash": digest}
    stored = store.query("tip_outcome", {"tip_id": tip_id, "expected": correcting, "outcome": outcome, "now": outcome["checked_at"]},
                         write=True)
    if stored:
        return {"tip_id": tip_id, "version": stored[0]["version"], "repeat": False}
    found = store.query("tip_find", {"id": tip_id})
    if not found:
        raise InvalidInput(f"tipId: no tip {tip_id!r}; see the tips query for the ids of the period")
    tip = found[0]
    if tip["outcome_hash"] == digest and tip["outcome_version"] == correcting + 1:
        return {"tip_id": tip_id, "version": tip["outcome_version"], "repeat": True}
    current = tip["outcome_version"] or 0
    if current == 0:
        raise OutcomeConflict(f"correcting: tip {tip_id} has no outcome yet; send its first outcome with correcting: 0")
    raise OutcomeConflict(f"correcting: tip {tip_id} has outcome version {current} (by {tip['checked_by']}, {tip['checked_at']}), "
                          f"not {correcting}: read it again, and to change it send correcting: {current}")


def _declaration_no(text: str) -> str:
    if not 1 <= len(text or "") <= 64 or any(ord(c) < 32 for c in text):
        raise InvalidInput("declarationNo: a declaration number is 1-64 printable characters")
    return text


def checked_key(key: str | None) -> str | None:
    """Return an idempotency key as given, None for none. Raises InvalidInput if it is not 1-100 printable characters."""
    if key is not None and not (1 <= len(key) <= 100 and key.isprintable()):  # isprintable: no control, bidi or lone surrogate
        raise InvalidInput("idempotencyKey: an idempotency key is 1-100 printable characters, with no control or bidirectional "
                           "control character")
    return key


def derived_id(who: Any, operation: str, key: str, prefix: str) -> str:
    """Return the id of the record that ``key`` creates: the same on every retry by the same
    API key, distinct across API keys and operations (64 bits of a SHA-256)."""
    return prefix + hashlib.sha256(json.dumps([who.key_id, operation, key]).encode()).hexdigest()[:16]


def _digest(who: Any, operation: str, content: Any) -> str:
    """Return the SHA-256 of a request: the API key that sent it, the operation, the content."""
    return hashlib.sha256(json.dumps([who.key_id, operation, content], sort_keys=True, default=str).encode()).hexdigest()


def _earlier(store: Store, query: str, record_id: str, digest: str, key: str | None) -> dict | None:
    """Return what ``query`` reads of record ``record_id`` as stored before this call, None
    if it is not stored. Raises InvalidInput if the idempotency ``key`` made it for a
    request other than the one of ``digest``."""
    rows = store.query(query, {"id": record_id})
    if rows and key is not None and rows[0]["request_hash"] != digest:
        raise _reused(key)
    return rows[0] if rows else None


def _repeats(earlier: dict | None, digest: str) -> bool:
    """Return whether the record read by ``_earlier`` was stored by this same request."""
    return earlier is not None and earlier["request_hash"] == digest


def _created(store: Store, query: str, record_id: str, run: dict) -> bool:
    """Return whether ``run`` created record ``record_id`` (rather than another process
    writing the same record a moment before)."""
    return store.query(query, {"id": record_id})[0]["source_run"] == run["run"]


def _reused(key: str) -> InvalidInput:
    return InvalidInput(f"idempotencyKey: idempotency key {key!r} was used for a different request; send a new request with a new key")


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
