"""The declaration stream: months of customs declarations drawn from the traders' lines.

Declarations are generated one calendar month at a time, in order of registration,
and written as they are made: only the month being written is held in memory, as
columns (numpy arrays, one entry per declaration). Each declaration passes
selectivity (phân luồng): its channel depends on the goods' risk, on the violations
decided against the trader *so far*, on whether a profile notices its fraud and on the
trader's age; an inspection (yellow: documents, red: physical) finds a discrepancy
mostly where there is fraud. A small share (``RANDOM_SHARE``) of the declarations the
score would clear green is inspected anyway, chosen at random whatever its risk, and
marked ``selection=random``: the unbiased sample of compliance measurement; every other
inspection is ``targeted``. Findings turn into decided violations some weeks later,
and the traders' histories grow as the stream goes on. ``PlannedViolation`` lets the
schemes decide violations in advance.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from riskgraph.dates import month_ranges

from .identifiers import shout
from .population import Enterprise, Population
from .vocabulary import CAPACITY_KG, EXEMPT_PROCEDURES, FTAS, MISUSED_PROCEDURES

DECLARATION_FIELDS = (
    "declaration_no", "direction", "registered_at", "office_code", "border_gate", "trader_tax_code",
    "agent_code", "declarant_id", "partner_name", "partner_country", "origin_country", "vehicle_ids",
    "warehouse", "hs_codes", "goods_description", "value_usd", "tax_vnd", "procedure_code",
    "transport_mode", "tax_treatment", "duty_rate_pct", "payment_method", "net_mass_kg",
    "gross_mass_kg", "quantity", "quantity_unit", "channel", "inspection_result", "selection",
)

FRAUD_KINDS = ("undervaluation", "preference_misuse", "procedure_misuse", "misclassification")
_UNDERVALUED, _PREFERENCE, _PROCEDURE, _MISCLASSIFIED = range(4)  # indexes into FRAUD_KINDS
# By fraud kind: the violation a finding becomes, how often a selectivity profile notices
# it, and how often a document (yellow) or physical (red) inspection finds it. Honest
# declarations have discrepancies too, rarely.
_VIOLATION_OF = ("undervaluation", "origin_fraud", "document_fraud", "misclassification")
VIOLATION_OF = dict(zip(FRAUD_KINDS, _VIOLATION_OF))
_VISIBLE = (0.35, 0.5, 0.5, 0.25)
_FOUND = ((0.2, 0.35), (0.45, 0.5), (0.4, 0.6), (0.25, 0.7))
_HONEST_FOUND = (0.01, 0.03)
_HONEST_VIOLATIONS = ("other", "document_fraud", "misclassification")
# P(green) and P(green or yellow) by selectivity score 0..6.
_GREEN = np.array((0.76, 0.68, 0.56, 0.44, 0.32, 0.22, 0.15))
_YELLOW = np.array((0.975, 0.945, 0.89, 0.82, 0.72, 0.62, 0.54))
_CHANNELS = np.array(("green", "yellow", "red"), dtype=object)
_RESULTS = np.array(("none", "compliant", "discrepancy"), dtype=object)
# Random selection for compliance measurement: this share of the declarations the score
# would send green is inspected anyway, yellow (80%) or red (20%), whatever its risk.
RANDOM_SHARE = 0.03
_RANDOM_YELLOW = 0.8
_SELECTIONS = np.array(("", "targeted", "random"), dtype=object)  # by 0 green, 1 targeted, 2 random
_BORDER = ("inspection", "scanning")
# Hours at which declarations are registered: office hours, some evening, little at night.
_HOURS = np.array([1, 1, 1, 1, 1, 2, 4, 10, 14, 15, 14, 11, 6, 10, 14, 14, 12, 9, 6, 4, 3, 2, 2, 1], float)
_PREFIX = {"import": "10", "export": "30", "transit": "50"}  # VNACCS numbers: 10... import, 30... export
_NEVER = 10**9
# How many containers a declaration lists, by transport mode, from a uniform draw.
_BOXES = {
    "sea": lambda u: 1 + int(u * 3),
    "rail": lambda u: 1 + (u < 0.3),
    "inland_waterway": lambda u: 1 + (u < 0.3),
    "multimodal": lambda u: 1 + (u < 0.3),
    "road": lambda u: int(u < 0.3),
    "air": lambda u: 0,
    "post": lambda u: 0,
}


@dataclass(frozen=True)
class PlannedViolation:
    """A violation decided in advance. Caught at the border (``detected_by`` inspection or
    scanning) it makes the ``trader``'s first declaration from the month of ``found_on`` on
    red with a discrepancy, and is decided weeks later. Otherwise (an audit, a tip) it is
    decided on ``decided_on`` and cites the trader's first declaration in that month, else
    its latest before."""

    subject_kind: str
    subject_id: str
    trader: Enterprise
    found_on: date
    kind: str
    detected_by: str = "inspection"
    decided_on: date | None = None
    severity: str = "administrative"


@dataclass(frozen=True, slots=True)
class Violation:
    """A decided violation, as violations.csv writes it (without its id)."""

    subject_kind: str
    subject_id: str
    declaration_no: str
    kind: str
    decided_on: date
    severity: str
    penalty_vnd: int
    back_tax_vnd: int
    detected_by: str


@dataclass(frozen=True)
class Trade:
    """What the stream wrote: the number of declarations, the violations decided, the
    fraudulent declarations as ``(declaration_no, fraud kind)`` and the number of
    declarations inspected by random selection."""

    declarations: int
    violations: list[Violation]
    fraud: list[tuple[str, str]]
    random_selected: int = 0


def _misclaimed_fta(origin: str) -> str:
    """Return a preference code whose agreement does not admit goods of ``origin``."""
    return next(code for code, members in FTAS if origin not in members)


def _vehicles(carriers: tuple[str, ...], boxes: tuple[str, ...], mode: str, u: float, v: float, w: float) -> str:
    """Return the ``;`` list of one vessel, truck, flight or wagon and its containers."""
    vehicles = [carriers[int(u * len(carriers))]] if carriers else []
    if boxes:
        pick = int(w * len(boxes))
        vehicles += [boxes[(pick + j * 7919) % len(boxes)] for j in range(_BOXES[mode](v))]
    return ";".join(vehicles)


def _violation(subject_kind: str, subject_id: str, declaration_no: str, kind: str, decided_on: date,
               detected_by: str, severity: str, evaded_vnd: float, u: float) -> Violation:
    """Return a violation whose back tax is about the evaded tax and whose fine follows it."""
    back_tax = round(evaded_vnd * (0.5 + u), -3)
    penalty = round(max(2_000_000 + 18_000_000 * u, back_tax * (0.5 + 0.5 * u)), -3)
    if severity == "criminal":
        penalty *= 3
    return Violation(subject_kind, subject_id, declaration_no, kind, decided_on, severity,
                     int(penalty), int(back_tax), detected_by)


class _Lines:
    """All traders' trade lines as columns (one entry per line), to draw declarations in bulk.

    ``cum`` holds ``trader + cumulative share`` of each line, so that
    ``searchsorted(cum, trader + u)`` draws one of a trader's lines by weight.
    """

    def __init__(self, traders: list[Enterprise], start: date) -> None:
        lines, cum = [], []
        for t, ent in enumerate(traders):
            total = sum(line.weight for line in ent.lines)
            share = 0.0
            for line in ent.lines:
                share += line.weight / total
                lines.append(line)
                cum.append(t + share)
            cum[-1] = t + 1.0
        self.cum = np.array(cum)

        def num(get, dtype=float):
            return np.array([get(line) for line in lines], dtype=dtype)

        def text(get):
            return num(get, object)

        def tuples(get):  # filled one by one: numpy would make equal-length tuples a 2-D array
            out = np.empty(len(lines), dtype=object)
            for k, line in enumerate(lines):
                out[k] = get(line)
            return out

        fraud = [FRAUD_KINDS.index(line.fraud) if line.fraud else -1 for line in lines]
        self.fraud = np.array(fraud)
        self.fraud_day = num(lambda ln: (ln.fraud_from - start).days if ln.fraud else _NEVER, np.int64)
        self.fraud_rate = num(lambda ln: ln.fraud_rate)
        self.visible = np.array([_VISIBLE[k] if k >= 0 else 0.0 for k in fraud])
        self.found = np.array([_FOUND[k] if k >= 0 else _HONEST_FOUND for k in fraud])
        self.lot = num(lambda ln: ln.lot)
        self.max_qty = num(lambda ln: CAPACITY_KG.get(ln.office.mode, np.inf) / ln.goods.unit_mass)
        self.unit_value = num(lambda ln: ln.unit_value)
        self.unit_mass = num(lambda ln: ln.goods.unit_mass)
        self.duty = num(lambda ln: ln.duty)
        self.fraud_duty = num(lambda ln: ln.goods.misdeclared_as[2] if ln.fraud == "misclassification"
                              else ln.goods.preferential or 0.0 if ln.fraud == "preference_misuse" else 0.0)
        self.sct = num(lambda ln: ln.goods.sct)
        self.vat = num(lambda ln: ln.goods.vat)
        self.risk = num(lambda ln: ln.goods.risk, np.int64)
        self.imports = num(lambda ln: ln.direction == "import", bool)
        self.exempt = num(lambda ln: ln.procedure in EXEMPT_PROCEDURES, bool)
        self.prefix = text(lambda ln: _PREFIX[ln.direction])
        self.direction = text(lambda ln: ln.direction)
        self.office = text(lambda ln: ln.office.code)
        self.gate = text(lambda ln: ln.office.gate)
        self.mode = text(lambda ln: ln.office.mode)
        self.agent = text(lambda ln: ln.agent_code)
        self.declarants = tuples(lambda ln: ln.declarants)
        self.partner = text(lambda ln: ln.partner.name)
        self.shouted = text(lambda ln: shout(ln.partner.name))
        self.partner_country = text(lambda ln: ln.partner.country)
        self.origin = text(lambda ln: ln.origin)
        self.carriers = tuples(lambda ln: ln.carriers)
        self.boxes = tuples(lambda ln: ln.boxes)
        self.warehouse = text(lambda ln: ln.warehouse)
        self.hs = text(lambda ln: ln.goods.hs)
        self.description = text(lambda ln: ln.goods.description)
        self.misdeclared = tuples(lambda ln: ln.goods.misdeclared_as)
        self.procedure = text(lambda ln: ln.procedure)
        self.treatment = text(lambda ln: ln.treatment)
        self.misclaimed = text(lambda ln: _misclaimed_fta(ln.origin))
        self.duty_text = text(lambda ln: "" if ln.direction == "transit" else f"{ln.duty:g}")
        self.payment = text(lambda ln: ln.payment)
        self.unit = text(lambda ln: ln.goods.unit)


class _Stream:
    """The state of the stream between months: each trader's rate, violation history and
    latest declaration, the planned violations still to place, the violations decided."""

    def __init__(self, pop: Population, total: float, plans: list[PlannedViolation], seed: int) -> None:
        self.rng = rng = np.random.default_rng(seed)
        self.cal = cal = pop.cal
        self.traders = traders = [e for e in pop.enterprises if e.lines]
        self.lines = _Lines(traders, cal.start)
        self.tax_codes = np.array([e.tax_code for e in traders], dtype=object)
        n_days = cal.day(cal.end) + 1
        self.lo = np.array([max(0, cal.day(e.registered_on)) for e in traders])
        self.hi = np.array([min(n_days, cal.day(e.closed_on)) if e.closed_on else n_days for e in traders])
        volume = np.array([e.volume for e in traders])
        self.rate = total * volume / volume.sum() / np.maximum(self.hi - self.lo, 1)  # per day
        self.born = np.array([cal.day(e.registered_on) for e in traders])
        self.sanctioned = np.array([cal.day(e.sanctioned_from) if e.sanctioned_from else -_NEVER for e in traders])
        self.known = np.zeros(len(traders), np.int64)  # violations decided against each trader so far
        self.last = [("", 0.0)] * len(traders)  # each trader's latest declaration: number, tax
        self.iso = [(cal.start + timedelta(days=d)).isoformat() for d in range(n_days)]
        self.clock = [f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+07:00" for s in range(86400)]
        self.months = [(first, last + timedelta(days=1)) for first, last in month_ranges(cal.start, cal.end)]
        self.month_of = {(first.year, first.month): m for m, (first, _) in enumerate(self.months)}
        # VND per USD drifts from about 23,100 to 25,400 over the period.
        self.fx = np.linspace(23100, 25400, len(self.months)) * rng.lognormal(0, 0.005, len(self.months))
        index = {id(e): t for t, e in enumerate(traders)}
        self.pending: dict[int, dict[int, list[PlannedViolation]]] = {}
        for plan in plans:
            self._queue(self.month_of[(plan.found_on.year, plan.found_on.month)], index[id(plan.trader)], plan)
        self.due: dict[int, list[int]] = {}  # month -> traders with a violation decided the month before
        self.violations: list[Violation] = []
        self.fraud: list[tuple[str, str]] = []
        self.random_selected = 0
        self.counter = int(rng.integers(1_000_000_000, 2_000_000_000))

    def _queue(self, month: int, trader: int, plan: PlannedViolation) -> None:
        self.pending.setdefault(month, {}).setdefault(trader, []).append(plan)

    def _decide(self, trader: int, violation: Violation) -> None:
        self.violations.append(violation)
        if violation.subject_kind == "enterprise":
            m = self.month_of[(violation.decided_on.year, violation.decided_on.month)]
            self.due.setdefault(m + 1, []).append(trader)

    def _planned(self, trader: int, plan: PlannedViolation, declaration_no: str, day: int, tax_vnd: float,
                 u: float) -> None:
        """Decide ``plan``, found on ``day``, citing a declaration."""
        cal = self.cal
        decided = plan.decided_on or cal.start + timedelta(days=day + 15 + int(u * 75))
        evaded = 0.0 if plan.kind == "other" else 0.8 * tax_vnd
        self._decide(trader, _violation(plan.subject_kind, plan.subject_id, declaration_no, plan.kind,
                                        min(decided, cal.end), plan.detected_by, plan.severity, evaded, u))

    def month(self, m: int):
        """Return the rows of month ``m`` (an iterable of tuples in DECLARATION_FIELDS order),
        deciding the violations found in it."""
        rng, cal, L = self.rng, self.cal, self.lines
        first, nxt = self.months[m]
        for t in self.due.pop(m, ()):
            self.known[t] += 1
        a = np.maximum(self.lo, cal.day(first))
        span = np.clip(np.minimum(self.hi, cal.day(nxt)) - a, 0, None)
        who = np.repeat(np.arange(len(self.traders)), rng.poisson(self.rate * span))
        n = len(who)
        day = a[who] + (rng.random(n) * span[who]).astype(np.int64)
        sec = rng.choice(24, n, p=_HOURS / _HOURS.sum()) * 3600 + rng.integers(0, 3600, n)
        order = np.lexsort((sec, day))
        who, day, sec = who[order], day[order], sec[order]
        u = rng.random((17, n))  # u[k]: the k-th uniform draw of every declaration
        size, price, heft = rng.lognormal(0, 0.5, n), rng.lognormal(0, 0.1, n), rng.lognormal(0, 0.05, n)

        li = np.searchsorted(L.cum, who + u[0], side="right")
        numbers = self.counter + np.cumsum(1 + (u[1] * 3).astype(np.int64))  # gaps: other offices' numbers
        self.counter = int(numbers[-1]) if n else self.counter
        fraud = L.fraud[li]
        cheat = (L.fraud_day[li] <= day) & (u[2] < L.fraud_rate[li])
        qty = np.maximum(1, np.rint(np.minimum(L.lot[li] * size, L.max_qty[li]))).astype(np.int64)
        unit_value = L.unit_value[li] * price
        under = cheat & (fraud == _UNDERVALUED)
        unit_value[under] *= 0.3 + 0.3 * u[3][under]  # declared at 30-60% of the honest price
        duty = np.where(cheat & (fraud != _UNDERVALUED), L.fraud_duty[li], L.duty[li])
        exempt = L.exempt[li] | (cheat & (fraud == _PROCEDURE))
        value = qty * unit_value
        levy = (1 + duty / 100) * (1 + L.sct[li] / 100) * (1 + L.vat[li] / 100) - 1  # duty, SCT, VAT on top
        tax = np.where(L.imports[li], np.where(exempt, 0.0, value * levy), value * duty / 100)
        tax_vnd = np.rint(tax * self.fx[m]).astype(np.int64)
        net = qty * L.unit_mass[li] * heft

        known = self.known[who]
        score = (L.risk[li] + 2 * (known > 0) + (known >= 3) + (day - self.born[who] < 180)
                 + 2 * (cheat & (u[4] < L.visible[li])))
        score = np.minimum(score, 6)
        channel = (u[5] >= _GREEN[score]).astype(np.int64) + (u[5] >= _YELLOW[score])
        # Random selection, independent of the score: u[16] / RANDOM_SHARE is uniform again
        # below RANDOM_SHARE, so it also picks yellow or red.
        chance = (channel == 0) & (u[16] < RANDOM_SHARE)
        channel[chance] = np.where(u[16][chance] < RANDOM_SHARE * _RANDOM_YELLOW, 1, 2)
        found = L.found[li, np.maximum(channel - 1, 0)]
        result = np.where(channel == 0, 0, 1 + (u[6] < found))

        no = [p + str(x) for p, x in zip(L.prefix[li].tolist(), numbers.tolist())]
        planned: dict[int, tuple[int, PlannedViolation]] = {}  # row -> trader, plan
        leftovers = []
        for t, plans in self.pending.pop(m, {}).items():
            rows = np.flatnonzero(who == t).tolist()
            for plan, i in zip(plans, rows):
                planned[i] = (t, plan)
                if plan.detected_by in _BORDER:
                    channel[i], result[i], chance[i] = 2, 2, False
            leftovers += [(t, plan) for plan in plans[len(rows):]]

        hs, description = L.hs[li].tolist(), L.description[li].tolist()
        procedure, treatment, duty_text = L.procedure[li].tolist(), L.treatment[li].tolist(), L.duty_text[li].tolist()
        for i in np.flatnonzero(cheat).tolist():
            k = int(fraud[i])
            if k == _PREFERENCE:
                treatment[i], duty_text[i] = L.misclaimed[li[i]], f"{duty[i]:g}"
            elif k == _PROCEDURE:
                procedure[i], duty_text[i] = MISUSED_PROCEDURES[int(u[3][i] * 3)], "0"
            elif k == _MISCLASSIFIED:
                hs[i], description[i], _ = L.misdeclared[li[i]]
                duty_text[i] = f"{duty[i]:g}"
            self.fraud.append((no[i], FRAUD_KINDS[k]))

        for i, (t, plan) in planned.items():
            self._planned(t, plan, no[i], int(day[i]), float(tax_vnd[i]), float(u[13][i]))
        end_day = cal.day(cal.end)
        emergent = (result == 2) & (day >= self.sanctioned[who]) & (u[13] < np.where(cheat, 0.6, 0.25))
        for i in np.flatnonzero(emergent).tolist():
            decided = int(day[i]) + 15 + int(u[14][i] * 75)
            if i in planned or decided > end_day:
                continue
            k = int(fraud[i]) if cheat[i] else -1
            severity = "criminal" if k >= 0 and value[i] > 200_000 and u[15][i] < 0.3 else "administrative"
            self._decide(int(who[i]), _violation(
                "enterprise", self.tax_codes[who[i]], no[i],
                _VIOLATION_OF[k] if k >= 0 else _HONEST_VIOLATIONS[int(u[15][i] * 3)],
                cal.start + timedelta(days=decided),
                "scanning" if channel[i] == 2 and u[14][i] < 0.25 else "inspection",
                severity, float(tax_vnd[i]) if k >= 0 else 0.0, float(u[14][i])))

        if n:  # each trader's latest declaration: its last row this month
            traders, back = np.unique(who[::-1], return_index=True)
            for t, i in zip(traders.tolist(), (n - 1 - back).tolist()):
                self.last[t] = (no[i], float(tax_vnd[i]))
        for t, plan in leftovers:  # planned for a trader that filed nothing (more) this month
            if plan.detected_by in _BORDER and m + 1 < len(self.months) and self.hi[t] > cal.day(nxt):
                self._queue(m + 1, t, plan)  # wait for its next declaration to catch it
            else:
                latest, latest_tax = self.last[t]
                self._planned(t, plan, latest, cal.day(plan.found_on), latest_tax, 0.5)

        selection = np.where(chance, 2, np.minimum(channel, 1))
        self.random_selected += int(chance.sum())
        iso, clock = self.iso, self.clock
        return zip(
            no, L.direction[li].tolist(), [iso[d] + clock[s] for d, s in zip(day.tolist(), sec.tolist())],
            L.office[li].tolist(), L.gate[li].tolist(), self.tax_codes[who].tolist(), L.agent[li].tolist(),
            [pool[int(x * len(pool))] if pool else "" for pool, x in zip(L.declarants[li].tolist(), u[7].tolist())],
            np.where(u[8] < 0.25, L.shouted[li], L.partner[li]).tolist(),
            L.partner_country[li].tolist(), L.origin[li].tolist(),
            [_vehicles(*args) for args in zip(L.carriers[li].tolist(), L.boxes[li].tolist(), L.mode[li].tolist(),
                                               u[9].tolist(), u[10].tolist(), u[11].tolist())],
            L.warehouse[li].tolist(), hs, description, [f"{v:.2f}" for v in value.tolist()], tax_vnd.tolist(),
            procedure, L.mode[li].tolist(), treatment, duty_text, L.payment[li].tolist(),
            [f"{x:.1f}" for x in net.tolist()], [f"{x:.1f}" for x in (net * (1.03 + 0.15 * u[12])).tolist()],
            qty.tolist(), L.unit[li].tolist(), _CHANNELS[channel].tolist(), _RESULTS[result].tolist(),
            _SELECTIONS[selection].tolist(),
        ), n


def write_declarations(path: Path, pop: Population, total: float, plans: list[PlannedViolation],
                       seed: int) -> Trade:
    """Write declarations.csv of about ``total`` declarations; return what was written.

    Each trader's expected count is ``total`` times its share of all traders' volume,
    spread evenly over the days it trades (registered, not yet closed).
    """
    stream = _Stream(pop, total, plans, seed)
    written = 0
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(DECLARATION_FIELDS)
        for m in range(len(stream.months)):
            rows, n = stream.month(m)
            writer.writerows(rows)
            written += n
    return Trade(written, stream.violations, stream.fraud, stream.random_selected)
