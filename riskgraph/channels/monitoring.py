"""Alerts of online monitoring (trực ban trực tuyến): what a duty officer watching the
declarations in clearance should look at, and why, in a sentence each.

Pure rules over what the queue knows of one declaration (``Queued``), the trader's own
earlier trade (``History``) and what the graph says of its parties; nothing here reads
the store. ``alerts`` returns them in the order of ``KINDS``.

Thresholds are stated where they are defined, each with the reason for its value; none is
fitted to a world:

* the trader or a vehicle is a key target when its band is one of
  ``KEY_TARGET_BANDS``, the top 5% of its kind in the current analysis (the bands the
  key-target list shows);
* a score jumps when the trader's score rose by ``JUMP_POINTS`` since its previous
  queued declaration, or the declaration scores ``JUMP_RATIO`` times the trader's usual
  (median) declaration score and at least ``JUMP_POINTS`` above it;
* a value is unusual when its modified z-score (Iglewicz and Hoaglin) against the trader's
  earlier values, on a log scale, is ``VALUE_Z`` or more;
* an HS chapter, gate, origin or partner is new when the trader has ``MIN_HISTORY``
  earlier declarations and none of them had it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median

KINDS = ("watched", "key_target", "profile_hit", "score_jump", "unusual_value", "new_goods", "new_route", "new_partner")
KEY_TARGET_BANDS = ("critical", "high")
# Agents and declarants file for many traders, and the few in the top bands file a large
# share of all traffic (two thirds of a week's declarations on the demo world): their band
# says little of one declaration. A watched agent or declarant still alerts.
INTERMEDIARIES = ("agent:", "person:")
# 0.2 on the 0-1 score: as much as the whole "medium" band spans in a typical analysis,
# and far above the drift of a provisional raise from one low-grade intel report.
JUMP_POINTS = 0.2
JUMP_RATIO = 3.0  # three times the usual: a change of kind, not the noise of one trader's declarations
# 3.5 is Iglewicz and Hoaglin's cut for outliers by the modified z-score (0.6745 (x - median) / MAD).
VALUE_Z = 3.5
# A MAD floor of log(1.25): a trader whose declarations all carry about the same value is
# not flagged for one 25% off it.
VALUE_MAD_FLOOR = math.log(1.25)
# With n earlier declarations none of which had X, the 95% upper bound of X's share of the
# trader's trade is about 3/n (the rule of three): at 10, under 30%, so X is not part of
# the trader's usual business. Fewer than that, and every declaration of a new trader would alert.
MIN_HISTORY = 10
MIN_SCORES = 5  # earlier declaration scores needed for a "usual" score: the median of 5 is past one outlier


@dataclass(frozen=True)
class Alert:
    kind: str  # one of KINDS
    sentence: str  # what the officer reads


@dataclass(frozen=True)
class Queued:
    """A declaration in the queue: what its alerts are decided on."""

    declaration_no: str
    trader: str  # tax code
    parties: tuple[str, ...] = ()  # "kind:id" of every party, the trader first
    hs_chapter: str = ""  # first two digits of its first HS code
    border_gate: str = ""
    origin_country: str = ""
    partner: str = ""  # partner key
    value_usd: float | None = None
    score: float | None = None  # its assessment's, when it was assessed
    trader_score: float | None = None  # the trader's score now
    hits: tuple[tuple[str, int, str, str], ...] = ()  # (profile id, version, lane, reason)


@dataclass(frozen=True)
class History:
    """The trader's earlier declarations and queued assessments, oldest to newest or in any order."""

    values: tuple[float, ...] = ()
    chapters: frozenset[str] = frozenset()
    gates: frozenset[str] = frozenset()
    origins: frozenset[str] = frozenset()
    partners: frozenset[str] = frozenset()
    declarations: int = 0  # how many the sets above were read from
    scores: tuple[float, ...] = ()  # assessment scores of its earlier queued declarations
    trader_score: float | None = None  # the trader's score at its previous queued declaration


def history(rows: Sequence[Mapping], scores: Sequence[float] = (), trader_score: float | None = None) -> History:
    """Return the History of earlier declaration ``rows`` (keys value_usd, hs_chapter,
    border_gate, origin_country, partner; missing ones are skipped). Cost: one pass."""
    def seen(key: str) -> frozenset[str]:
        return frozenset(r[key] for r in rows if r.get(key))
    return History(values=tuple(float(r["value_usd"]) for r in rows if r.get("value_usd")), chapters=seen("hs_chapter"),
                   gates=seen("border_gate"), origins=seen("origin_country"), partners=seen("partner"),
                   declarations=len(rows), scores=tuple(scores), trader_score=trader_score)


def alerts(d: Queued, past: History, watched: Mapping[str, str], bands: Mapping[str, str]) -> tuple[Alert, ...]:
    """Return the alerts on ``d``: ``watched`` maps a watched party ("kind:id") to the
    reason it was put on the watchlist, ``bands`` a party to its band now. Cost: one pass
    over the trader's earlier values."""
    found: list[Alert] = []
    for party in d.parties:
        if party in watched:
            found.append(Alert("watched", f"{_who(d, party)} is on the watchlist: {watched[party]}"))
    for party in d.parties:
        if bands.get(party) in KEY_TARGET_BANDS and not party.startswith(INTERMEDIARIES):
            found.append(Alert("key_target", f"{_who(d, party)} is a key target ({bands[party]} band of the current analysis)"))
    for profile, version, lane, reason in d.hits:
        found.append(Alert("profile_hit", f"risk profile {profile} (version {version}) asks for the {lane} lane: {reason}"))
    found.extend(_jumps(d, past))
    found.extend(_unusual(d, past))
    return tuple(found)


def _who(d: Queued, party: str) -> str:
    return f"the trader {d.trader}" if party == d.parties[0] else party.replace(":", " ", 1)


def _jumps(d: Queued, past: History) -> list[Alert]:
    found = []
    if d.trader_score is not None and past.trader_score is not None and d.trader_score - past.trader_score >= JUMP_POINTS:
        found.append(Alert("score_jump", f"the trader's score rose from {past.trader_score:.2f} to {d.trader_score:.2f} "
                                         "since its previous declaration in the queue"))
    if d.score is not None and len(past.scores) >= MIN_SCORES:
        usual = median(past.scores)
        if d.score >= JUMP_RATIO * usual and d.score - usual >= JUMP_POINTS:
            found.append(Alert("score_jump", f"scores {d.score:.2f}, the trader's declarations usually {usual:.2f} "
                                             f"(median of {len(past.scores)})"))
    return found


def _unusual(d: Queued, past: History) -> list[Alert]:
    found = []
    if d.value_usd and len(past.values) >= MIN_HISTORY:
        logs = [math.log(v) for v in past.values if v > 0]
        middle = median(logs)
        spread = max(median(abs(v - middle) for v in logs), VALUE_MAD_FLOOR)
        z = 0.6745 * (math.log(d.value_usd) - middle) / spread
        if abs(z) >= VALUE_Z:
            ratio = math.exp(math.log(d.value_usd) - middle)
            times = f"{ratio:.1f} times" if ratio >= 1 else f"1/{1 / ratio:.1f} of"
            found.append(Alert("unusual_value", f"declared {d.value_usd:,.0f} USD, {times} the trader's usual "
                                                f"{math.exp(middle):,.0f} USD (median of {len(logs)} earlier declarations)"))
    if past.declarations < MIN_HISTORY:
        return found
    n = past.declarations
    if d.hs_chapter and d.hs_chapter not in past.chapters:
        found.append(Alert("new_goods", f"HS chapter {d.hs_chapter}: none of the trader's {n} earlier declarations was of it"))
    if d.border_gate and d.border_gate not in past.gates:
        found.append(Alert("new_route", f"through {d.border_gate}: none of the trader's {n} earlier declarations was"))
    if d.origin_country and d.origin_country not in past.origins:
        found.append(Alert("new_route", f"goods from {d.origin_country}: none of the trader's {n} earlier declarations was"))
    if d.partner and d.partner not in past.partners:
        name, _, country = d.partner.rpartition("|")
        found.append(Alert("new_partner", f"partner {name} ({country}): new to the trader after {n} earlier declarations"))
    return found
