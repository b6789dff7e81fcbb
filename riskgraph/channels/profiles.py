"""Risk profiles written by officers (hồ sơ rủi ro do cán bộ xây dựng): criteria, the lane
they ask for, the reason the clearance officer sees and the instructions the examining
officer follows, a validity window and an active flag.

Every edit is a new version: the ``RiskProfile`` node holds the newest, and each version is
kept as a ``RiskProfileVersion`` that is never changed or deleted. An edit names the version
it was made from; one made from an older version (another officer edited since) is refused,
so no edit is lost. A request carries a hash of who sent what (``request_hash``): the same
request again (a retry after a timeout) stores nothing new and answers as the first did.

``Profiles`` compiles the active profiles once, and ``apply`` lays their hits over the
model's lanes: the stricter lane wins, each hit is a reason of its own, and profile hits
may send at most ``Policy.profile_cap`` of the declarations assessed to red (the rest go
to yellow, saying so), so that a misconfigured profile cannot flood the red lane.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
import threading
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timezone

from riskgraph.channels import criteria as C
from riskgraph.channels.policy import LANES, stricter
from riskgraph.entities import scores as stored_scores
from riskgraph.errors import ConfigError
from riskgraph.graph import Store

PROFILE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
EDITABLE = ("owner_unit", "criteria", "reason", "instructions", "lane", "valid_from", "valid_to", "active")


@dataclass(frozen=True)
class ProfileHit:
    """An officer-authored risk profile (hồ sơ rủi ro) whose criteria the declaration meets."""

    profile_id: str
    version: int
    lane: str  # the lane the profile asks for (``LANES``)
    reason: str  # shown to the clearance officer
    instructions: str = ""  # for the examining officer


class InvalidProfile(ConfigError):
    """A risk profile's field cannot be used; the message names the field and why."""


@dataclass(frozen=True)
class RiskProfile:
    """One version of an officer-authored risk profile."""

    profile_id: str
    version: int
    owner_unit: str  # đơn vị chủ trì, e.g. "Phòng QLRR Cục HQ TP.HCM"
    criteria: str
    reason: str  # shown to the clearance officer
    instructions: str  # for the examining officer
    lane: str  # one of LANES
    valid_from: str  # ISO date, included
    valid_to: str | None  # ISO date, included; None: open-ended
    active: bool
    edited_by: str = ""
    edited_at: str = ""
    note: str = ""  # why this version was made
    request_hash: str = ""

    def valid_on(self, day: str) -> bool:
        """Return whether the profile is active and in force on ``day`` (ISO date)."""
        return self.active and self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def checked(values: dict) -> dict:
    """Return the editable fields of ``values`` checked and normalised. Raises
    InvalidProfile or InvalidCriteria (with the column)."""
    out = {}
    for name, low, high in (("owner_unit", 1, 200), ("reason", 3, 2000), ("instructions", 0, 2000)):
        text = str(values.get(name) or "").strip()
        if not low <= len(text) <= high or not text.replace("\n", " ").isprintable():
            raise InvalidProfile(f"{name}: give {low} to {high:,} printable characters")
        out[name] = text
    out["criteria"] = C.parse(str(values.get("criteria") or "")).text
    if values.get("lane") not in LANES:
        raise InvalidProfile(f"lane: one of {', '.join(LANES)}, not {values.get('lane')!r}")
    out["lane"] = values["lane"]
    for name in ("valid_from", "valid_to"):
        day = values.get(name)
        if day is None and name == "valid_to":
            out[name] = None
            continue
        try:
            out[name] = date.fromisoformat(str(day)).isoformat()
        except ValueError:
            raise InvalidProfile(f"{name}: {str(day)[:40]!r} is not a date (YYYY-MM-DD)") from None
    if out["valid_to"] is not None and out["valid_to"] < out["valid_from"]:
        raise InvalidProfile(f"valid_to: {out['valid_to']} is before valid_from {out['valid_from']}")
    out["active"] = bool(values.get("active", True))
    return out


def get(store: Store, profile_id: str) -> RiskProfile | None:
    """Return the newest version of a profile, or None. Cost: one indexed read."""
    rows = store.query("profile_get", {"profile_id": profile_id})
    return _profile(rows[0]) if rows else None


def listed(store: Store) -> list[RiskProfile]:
    """Return every profile as its newest version stands, by id. Cost: one scan of the profiles."""
    return [_profile(r) for r in store.query("profile_list")]


def history(store: Store, profile_id: str) -> list[RiskProfile]:
    """Return every version of a profile, oldest first (none if it is unknown)."""
    return [_profile(r) for r in store.query("profile_versions", {"profile_id": profile_id})]


def revision(store: Store) -> tuple[int, int]:
    """Return (profiles, versions): it changes with every edit. Cost: one scan of the profiles."""
    row = store.query("profile_revision")[0]
    return int(row["profiles"] or 0), int(row["versions"] or 0)


def new_id() -> str:
    """Return a fresh profile id: RP-<date>-<8 hex digits>."""
    return f"RP-{date.today():%Y%m%d}-{secrets.token_hex(4)}"


def create(store: Store, values: dict, by: str, profile_id: str, requester: str = "") -> tuple[RiskProfile, bool]:
    """Store version 1 of a new profile; return it and whether the call repeats an earlier
    identical one by the same ``requester`` (nothing written). Raises InvalidProfile if the
    id is taken by another profile, InvalidCriteria on bad criteria."""
    if not PROFILE_ID.match(profile_id or ""):
        raise InvalidProfile("profile_id: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    fields = checked(values)
    digest = _digest(requester, "create", profile_id, fields)
    stored = _write(store, profile_id, 1, fields, by, values.get("note") or "created", digest)
    if stored is not None:
        return stored, False
    found = get(store, profile_id)
    if found is not None and found.version == 1 and found.request_hash == digest:
        return found, True
    raise InvalidProfile(f"profile_id: {profile_id!r} is taken; edit it, or choose another id")


def edit(store: Store, profile_id: str, version: int, changes: dict, by: str, note: str, requester: str = "") -> tuple[RiskProfile, bool]:
    """Store the next version of a profile from ``version`` with ``changes`` (any of
    EDITABLE); return it and whether the call repeats an earlier identical one. Raises
    InvalidProfile if the profile is unknown or was edited since ``version``."""
    base = get(store, profile_id)
    if base is None:
        raise InvalidProfile(f"profile_id: no risk profile {profile_id!r}: see `riskgraph profile list`")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidProfile(f"{sorted(unknown)[0]}: not a field of a profile; the editable ones are {', '.join(EDITABLE)}")
    note = (note or "").strip()
    if not 3 <= len(note) <= 2000:
        raise InvalidProfile("note: say why in 3 to 2,000 characters")
    if version == base.version - 1 >= 1:  # the newest version may be this very request, retried
        earlier = history(store, profile_id)[version - 1]
        fields = checked({**{k: getattr(earlier, k) for k in EDITABLE}, **changes})
        if base.request_hash == _digest(requester, "edit", profile_id, [version, fields, note]):
            return base, True
    if version != base.version:
        raise InvalidProfile(f"version: {profile_id} was edited since version {version} (by {base.edited_by} at {base.edited_at}); "
                             f"it is at version {base.version}: edit from that one")
    fields = checked({**{k: getattr(base, k) for k in EDITABLE}, **changes})
    stored = _write(store, profile_id, version + 1, fields, by, note, _digest(requester, "edit", profile_id, [version, fields, note]))
    if stored is None:
        now = get(store, profile_id)
        raise InvalidProfile(f"version: {profile_id} was edited at the same moment by {now.edited_by}; it is at version "
                             f"{now.version}: edit from that one")
    return stored, False


def _write(store: Store, profile_id: str, version: int, fields: dict, by: str, note: str, digest: str) -> RiskProfile | None:
    props = {**fields, "edited_by": by, "edited_at": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
             "note": note, "request_hash": digest}
    props["valid_to"] = props["valid_to"] or ""  # open-ended: a null would leave an earlier end in place
    rows = store.query("profile_write", {"profile_id": profile_id, "version": version, "props": props}, write=True)
    return get(store, profile_id) if rows else None


def _digest(requester: str, operation: str, profile_id: str, content) -> str:
    return hashlib.sha256(json.dumps([requester, operation, profile_id, content], sort_keys=True, default=str).encode()).hexdigest()


def _profile(row: dict) -> RiskProfile:
    texts = {k: row.get(k) or "" for k in ("instructions", "note", "request_hash", "edited_by", "edited_at")}
    return RiskProfile(**{k: row.get(k) for k in RiskProfile.__dataclass_fields__ if k in row} | texts | {
        "active": bool(row.get("active")), "valid_to": row.get("valid_to") or None})


def as_dict(p: RiskProfile) -> dict:
    """Return the profile's fields for output (without the request hash)."""
    out = asdict(p)
    del out["request_hash"]
    return out


def _needs(compiled: list[tuple[RiskProfile, C.Criteria]]) -> frozenset:
    """Return what the compiled profiles read of the graph, together."""
    return frozenset().union(*(c.needs for _, c in compiled))


class Profiles:
    """The active profiles, compiled once; what they need of the graph, read per batch.

    ``hits`` tests a batch against them: a profile is tested only on declarations whose
    goods, origin, procedure... can meet it (``criteria.Criteria.bound``) and on the
    days it is in force. Build with ``Profiles.load(store)``."""

    def __init__(self, compiled: list[tuple[RiskProfile, C.Criteria]], first_declared: dict, closed: frozenset):
        self.compiled = compiled
        self.needs = _needs(compiled)
        self.first_declared, self.closed = first_declared, closed
        self.anywhere = [(p, c) for p, c in compiled if c.bound is None]
        self.by_value: dict[str, dict[str, list[int]]] = {}  # field (or "hs" for prefixes) -> value -> profiles
        for i, (_, c) in enumerate(compiled):
            if c.bound is not None:
                for value in c.bound[1]:
                    self.by_value.setdefault(c.bound[0], {}).setdefault(value, []).append(i)
        self.prefixes = self.by_value.pop("hs", {})
        self.lengths = sorted({len(k) for k in self.prefixes})

    @classmethod
    def load(cls, store: Store, chosen: list[RiskProfile] | None = None) -> Profiles:
        """Compile ``chosen`` profiles, by default the active ones in the store. Cost: one
        scan of the profiles, and with "new trader" or "closed" criteria one scan of the
        declarations."""
        compiled = [(p, C.parse(p.criteria)) for p in (listed(store) if chosen is None else chosen) if p.active]
        first, closed = {}, set()
        if _needs(compiled) & {C.HISTORY, C.STATUS}:
            for r in store.query("profile_first_declared"):
                first[r["trader"]] = r["first_declared"]
                if r["status"] in C.CLOSED:
                    closed.add(r["trader"])
        return cls(compiled, first, frozenset(closed))

    def __len__(self) -> int:
        return len(self.compiled)

    def facts(self, store: Store, declarations: list[dict], scores: dict | None = None) -> C.Facts:
        """Return what the profiles read of the batch's parties. ``scores``: score rows
        already read for them (by "kind:id"), to read none again. Cost: at most two reads."""
        if not self.needs & {C.SCORES, C.WATCHLIST}:
            return C.Facts(first_declared=self.first_declared, closed=self.closed)
        keys = C.entities(declarations)
        if C.SCORES in self.needs and scores is None:
            scores = stored_scores(store, keys)
        watched = frozenset()
        if C.WATCHLIST in self.needs:
            watched = frozenset(r["entity"] for r in store.query("profile_watched", {"entities": keys}))
        return C.Facts(scores=scores or {}, watched=watched, first_declared=self.first_declared, closed=self.closed)

    def hits(self, declarations: list[dict], facts: C.Facts) -> list[list[ProfileHit]]:
        """Return, per declaration, the hits of the profiles in force on its day."""
        out = []
        for d in declarations:
            day = d["props"]["registered_on"]
            props = d["props"]
            candidates = {i for code in props.get("hs_codes") or () for n in self.lengths for i in self.prefixes.get(code[:n], ())}
            for prop, index in self.by_value.items():
                candidates.update(index.get((props.get(prop) or "").upper(), ()))
            found = []
            for p, c in [*self.anywhere, *(self.compiled[i] for i in sorted(candidates))]:
                if p.valid_on(day) and c.test(d, facts):
                    found.append(ProfileHit(p.profile_id, p.version, p.lane, p.reason, p.instructions))
            out.append(found)
        return out


class Cap:
    """How many declarations profile hits alone may still send to red: at most ``share``
    of those assessed so far (rounded up, so the first one may), over the assessor's life.
    Shared by the API's request threads, hence the lock."""

    def __init__(self, share: float):
        self.share, self.assessed, self.sent = share, 0, 0
        self._lock = threading.Lock()

    def take(self, batch: int, wanted: int) -> int:
        """Count ``batch`` more declarations assessed and return how many of the ``wanted``
        red hits among them may go red (the ones taken count as sent)."""
        with self._lock:
            self.assessed += batch
            room = min(wanted, max(0, math.ceil(self.share * self.assessed - 1e-9) - self.sent))
            self.sent += room
            return room


def apply(assessments: list, hits: list[list[ProfileHit]], cap: Cap) -> list:
    """Return the assessments (``assessor.Assessment``) with the profiles' hits laid over: the stricter lane wins and
    each hit is a reason of its own; past the cap, a hit asking for red sends to yellow. A declaration drawn at random
    stays ``random`` when a hit lifts it, as when its risk does (``policy``): the random sample is drawn whatever the
    risk, and dropping the ones profiles lift would bias the compliance measured on it."""
    wants_red = sorted((i for i, (a, h) in enumerate(zip(assessments, hits)) if a.channel != "red" and any(x.lane == "red" for x in h)),
                       key=lambda i: -assessments[i].score)
    capped = set(wants_red[cap.take(len(assessments), len(wants_red)):])
    out = []
    for i, (a, found) in enumerate(zip(assessments, hits)):
        if not found:
            out.append(a)
            continue
        lane = a.channel
        for h in found:
            lane = stricter(lane, "yellow" if h.lane == "red" and i in capped else h.lane)
        reasons = tuple(("profile", 0.0, f"risk profile {h.profile_id} (version {h.version}) asks for {h.lane}: {h.reason}"
                         + (f"; sent to yellow: profiles have sent {cap.share:.0%} of declarations to red, their cap"
                            if h.lane == "red" and i in capped else "")) for h in found)
        out.append(replace(a, channel=lane, hits=tuple(found), reasons=reasons + a.reasons))
    return out


# The lane a learned line is adopted in unless the officer says otherwise. The lines are the
# model's own mean probabilities: they know nothing the model does not, so in red their hits
# would only take inspections from declarations the model ranks riskier (on the demo world's
# backtest the top 10 lines forced to red cut precision at 5% from 0.36 to 0.07,
# docs/benchmarks.md); in yellow they leave the red lane as the model fills it.
SUGGESTED_LANE = "yellow"
MIN_SUPPORT = 20  # declarations in the model's last quarter before a line is suggested, by default


def suggestions(model, min_support: int) -> list[dict]:
    """Return the learned HS x origin x procedure lines of a selectivity ``model``
    (riskgraph.declarations.profiles.learned) with at least ``min_support`` declarations,
    riskiest first, each with its rank and criteria text."""
    lines = (r for r in model.profiles if r["declarations"] >= min_support)
    return [{"rank": i, **r, "criteria": suggestion(r)} for i, r in enumerate(lines, start=1)]


def suggestion(line: dict) -> str:
    """Return the criteria text of a learned HS x origin x procedure line."""
    parts = [f"hs in {line['hs6']}"]
    if line.get("origin_country"):
        parts.append(f'origin = "{line["origin_country"]}"')
    if line.get("procedure_code"):
        parts.append(f'procedure = "{line["procedure_code"]}"')
    return " and ".join(parts)


def chosen(lines: list[dict], rank: int | None = None, hs6: str | None = None, origin: str | None = None,
           procedure: str | None = None) -> dict:
    """Return the suggestion of ``lines`` (as ``suggestions`` returns them) at ``rank``, or
    the one of the line ``hs6`` x ``origin`` x ``procedure`` (an empty origin or procedure
    names a line without one). Raises InvalidProfile naming what to give instead."""
    if (rank is None) == (hs6 is None):
        raise InvalidProfile("rank: name the suggestion either by its rank or by its hs6 (with its origin and procedure)")
    if rank is not None:
        if not 1 <= rank <= len(lines):
            raise InvalidProfile(f"rank: there are {len(lines)} suggestions; choose a rank from 1 to {len(lines)}" if lines
                                 else "rank: there are no suggestions with this minimum support")
        return lines[rank - 1]
    key = (hs6.strip(), (origin or "").strip().upper(), (procedure or "").strip().upper())
    for line in lines:
        if (line["hs6"], line["origin_country"] or "", line["procedure_code"] or "") == key:
            return line
    raise InvalidProfile(f"hs6: no suggestion for HS {key[0]} from {key[1] or 'any origin'} under {key[2] or 'any procedure'} "
                         "with this minimum support; see the suggestions for the lines there are")


def adoption(line: dict, owner_unit: str, lane: str = SUGGESTED_LANE, reason: str | None = None, valid_to: str | None = None,
             today: date | None = None) -> tuple[str, dict]:
    """Return the profile id a suggestion is adopted under by default
    (LEARNED-<hs6>-<origin>-<procedure>) and the values of its version 1 for ``create``:
    its criteria, in force from ``today``, with ``reason`` or one saying what the model
    learned of the line."""
    rate = "" if line["discrepancy_rate"] is None else f", {line['discrepancy_rate']:.0%} of {line['inspections']} inspections wrong"
    values = {"owner_unit": owner_unit, "criteria": line["criteria"], "lane": lane,
              "valid_from": (today or date.today()).isoformat(), "valid_to": valid_to, "active": True,
              "note": "adopted from the selectivity model's suggestion",
              "reason": reason or f"learned line HS {line['hs6']} from {line['origin_country'] or 'any origin'} under "
                                  f"{line['procedure_code'] or 'any procedure'}: "
                                  f"mean risk {line['learned_risk']:.0%}{rate}",
              "instructions": "check the declared goods, value and origin against the documents"}
    return "-".join(("LEARNED", line["hs6"], line["origin_country"] or "any", line["procedure_code"] or "any")), values
