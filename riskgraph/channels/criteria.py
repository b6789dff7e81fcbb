"""Risk profile criteria (tiêu chí hồ sơ rủi ro): a small language officers write, parsed by
hand and compiled to a predicate; never evaluated as code.

    hs in 8471, 8517* and origin in CN, HK and value_usd >= 10000
    procedure = E31 and not (gate in 01B1, 02CI) or unit_value < 0.5
    trader is watchlisted or agent band >= high or trader is new within 30 days
    trader is closed and tax_treatment in FTA, EXEMPT

Conditions, joined with ``and``, ``or``, ``not`` and parentheses (``not`` binds tightest,
then ``and``, then ``or``):

* ``hs in P, Q`` or ``hs startswith P, Q``: an HS code of the declaration starts with one
  of the digit prefixes (a trailing ``*`` may be written; it means the same);
* ``FIELD in A, B``, ``FIELD = A``, ``FIELD != A`` for ``origin``, ``partner`` (country),
  ``procedure``, ``gate``, ``office``, ``tax_treatment``, ``direction``, ``transport``;
  values are words or quoted text, compared without regard to case;
* ``NUMBER_FIELD OP N`` with OP one of ``< <= > >= = !=`` for ``value_usd``,
  ``unit_value`` (USD per net kilogram), ``net_mass_kg``, ``duty_rate``, ``tax_vnd``;
  a declaration without the figure does not meet the condition;
* party facts, for ``trader``, ``agent``, ``declarant`` or ``vehicle`` (any one of the
  declaration's): ``PARTY is watchlisted`` (an open watchlist entry), ``PARTY is
  key_target`` (band high or critical in the current analysis, or watchlisted),
  ``PARTY band OP BAND`` or ``PARTY band in BAND, BAND`` (low < medium < high < critical);
  and for the trader alone ``trader is new`` (its first declaration within 90 days, or
  ``within N days``) and ``trader is closed`` (dissolved, suspended or absconded, yet
  declaring: đã giải thể, tạm ngừng, bỏ trốn mà vẫn khai báo).

A text that does not parse raises InvalidCriteria with the column and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import reduce

from riskgraph.errors import InvalidCriteria

MAX_LENGTH = 4000
TEXT_FIELDS = {"origin": "origin_country", "partner": "partner_country", "procedure": "procedure_code", "gate": "border_gate",
               "office": "office_code", "tax_treatment": "tax_treatment", "direction": "direction", "transport": "transport_mode"}
NUMBER_FIELDS = ("value_usd", "unit_value", "net_mass_kg", "duty_rate", "tax_vnd")
NUMBER_PROPS = {"duty_rate": "duty_rate_pct"}
PARTIES = ("trader", "agent", "declarant", "vehicle")
PARTY_KINDS = {"trader": "enterprise", "agent": "agent", "declarant": "person", "vehicle": "vehicle"}
BAND_ORDER = ("low", "medium", "high", "critical")
KEY_TARGET_BANDS = frozenset({"high", "critical"})
NEW_DAYS = 90
CLOSED = frozenset({"dissolved", "suspended", "absconded"})
COMPARE = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__, "=": float.__eq__, "!=": float.__ne__}
_TOKEN = re.compile(r"""\s*(?:(?P<op><=|>=|!=|[<>=(),])|(?P<quoted>"[^"]*"|'[^']*')|(?P<number>-?\d+(?:\.\d+)?(?![\w*.]))"""
                    r"""|(?P<word>[\w.\-/]+\*?))""", re.UNICODE)

# What a compiled criterion needs beyond the declaration itself, read once per batch.
SCORES, WATCHLIST, HISTORY, STATUS = "scores", "watchlist", "history", "status"


@dataclass(frozen=True)
class Facts:
    """What the graph knows of a batch's parties: score rows (with ``band``) by
    "kind:id", the entities with an open watchlist entry, each trader's first declaration
    (ISO date; a trader absent has never declared) and the closed enterprises' tax codes."""

    scores: dict = field(default_factory=dict)
    watched: frozenset = frozenset()
    first_declared: dict = field(default_factory=dict)
    closed: frozenset = frozenset()


@dataclass(frozen=True)
class Criteria:
    """Parsed criteria: the text, what facts they read (``SCORES``...), and ``test``, the
    predicate over a validated declaration record and the batch's Facts."""

    text: str
    needs: frozenset
    test: Callable[[dict, Facts], bool]
    # A necessary condition, to test the criteria only on the declarations that can meet
    # them: ("hs", prefixes) one of which an HS code starts with, or (prop, values) the
    # field (upper-cased) is one of; None when the criteria have no such bound.
    bound: tuple[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class _Token:
    kind: str  # op, quoted, number, word, end
    text: str
    column: int


def tokens(text: str) -> list[_Token]:
    """Return the tokens of ``text`` and an end token. Raises InvalidCriteria."""
    out, at = [], 0
    while at < len(text):
        m = _TOKEN.match(text, at)
        if m is None or m.end() == at:
            if not text[at:].strip():
                break
            column = at + len(text[at:]) - len(text[at:].lstrip()) + 1
            raise InvalidCriteria(f"unexpected character {text[column - 1]!r}", column, "a field, a value or an operator")
        kind = m.lastgroup
        start = m.start(kind)
        value = m.group(kind)
        out.append(_Token(kind, value[1:-1] if kind == "quoted" else value, start + 1))
        at = m.end()
    out.append(_Token("end", "", len(text) + 1))
    return out


def parse(text: str) -> Criteria:
    """Return the compiled criteria of ``text``. Cost: linear in its length. Raises
    InvalidCriteria (with the column and what was expected) when it does not parse."""
    if not text or not text.strip():
        raise InvalidCriteria("the criteria are empty", 1, "a condition such as `hs in 8471`")
    if len(text) > MAX_LENGTH:
        raise InvalidCriteria(f"the criteria are longer than {MAX_LENGTH:,} characters", MAX_LENGTH + 1, "shorter criteria")
    parser = _Parser(tokens(text))
    test, bound = parser.disjunction()
    parser.expect_end()
    return Criteria(text.strip(), frozenset(parser.needs), test, None if bound is None else (bound[0], tuple(sorted(bound[1]))))


class _Parser:
    """Recursive descent over the tokens; each rule returns a predicate and its bound (see
    ``Criteria.bound``), so that a batch tests a profile only on the declarations that can
    meet it. Conjunctions nest as ``a and b`` closures: no generator per test."""

    def __init__(self, toks: list[_Token]):
        self.toks, self.i, self.needs = toks, 0, set()

    @property
    def tok(self) -> _Token:
        return self.toks[self.i]

    def word(self, *words: str) -> bool:
        """Consume the current token if it is one of ``words`` (case-insensitive)."""
        if self.tok.kind == "word" and self.tok.text.lower() in words:
            self.i += 1
            return True
        return False

    def fail(self, expected: str):
        t = self.tok
        found = "end of the criteria" if t.kind == "end" else repr(t.text)
        raise InvalidCriteria(f"unexpected {found}", t.column, expected)

    def expect_end(self) -> None:
        if self.tok.kind != "end":
            self.fail("`and`, `or` or the end of the criteria")

    def disjunction(self):
        parts = [self.conjunction()]
        while self.word("or"):
            parts.append(self.conjunction())
        if len(parts) == 1:
            return parts[0]
        bounds = [g for _, g in parts]
        same = all(g is not None and g[0] == bounds[0][0] for g in bounds)
        bound = (bounds[0][0], frozenset().union(*(g[1] for g in bounds))) if same else None
        return reduce(_either, [t for t, _ in parts]), bound

    def conjunction(self):
        parts = [self.negation()]
        while self.word("and"):
            parts.append(self.negation())
        if len(parts) == 1:
            return parts[0]
        # HS bounds first: they are the narrowest on most traffic (an origin may be half of it)
        bound = min((g for _, g in parts if g is not None), key=lambda g: (g[0] != "hs", len(g[1])), default=None)
        return reduce(_both, [t for t, _ in parts]), bound

    def negation(self):
        if self.word("not"):
            inner, _ = self.negation()
            return (lambda d, f: not inner(d, f)), None
        if self.tok.kind == "op" and self.tok.text == "(":
            self.i += 1
            inner = self.disjunction()
            if not (self.tok.kind == "op" and self.tok.text == ")"):
                self.fail("`)`")
            self.i += 1
            return inner
        return self.condition()

    def condition(self):
        t = self.tok
        name = t.text.lower() if t.kind == "word" else ""
        fields = ", ".join(("hs", *TEXT_FIELDS, *NUMBER_FIELDS, *PARTIES))
        if name not in {"hs", *TEXT_FIELDS, *NUMBER_FIELDS, *PARTIES}:
            self.fail(f"a condition: one of {fields}, `not` or `(`")
        self.i += 1
        if name == "hs":
            return self.hs()
        if name in TEXT_FIELDS:
            return self.text_field(TEXT_FIELDS[name])
        if name in NUMBER_FIELDS:
            return self.number_field(name), None
        return self.party(name), None

    def values(self, what: str, check: Callable[[_Token], str | None] | None = None) -> list[str]:
        """Read ``V, V, ...``; ``check`` returns the value of a token, or None if it is not one."""
        out = []
        while True:
            t = self.tok
            # After `=`, `in` or a comma a value is due, so a country code that reads as a
            # keyword (IN for India, IS for Iceland) is taken as the value it must be.
            value = check(t) if check else (t.text if t.kind in ("word", "quoted", "number") else None)
            if value is None:
                self.fail(what)
            out.append(value)
            self.i += 1
            if not (self.tok.kind == "op" and self.tok.text == ","):
                return out
            self.i += 1

    def hs(self):
        if not self.word("in", "startswith"):
            self.fail("`in` or `startswith` after hs")

        def prefix(t: _Token) -> str | None:
            digits = t.text.rstrip("*")
            ok = t.kind in ("word", "number") and digits.isdigit() and 2 <= len(digits) <= 10 and t.text.count("*") <= 1
            return digits if ok else None

        prefixes = tuple(self.values("an HS code prefix of 2 to 10 digits, e.g. 8471 or 8517*", prefix))
        return (lambda d, f: any(code.startswith(prefixes) for code in d["props"].get("hs_codes") or ())), ("hs", frozenset(prefixes))

    def text_field(self, prop: str):
        t = self.tok
        if self.word("in"):
            wanted = frozenset(v.upper() for v in self.values("a value, e.g. CN or \"A11\""))
            return (lambda d, f: (d["props"].get(prop) or "").upper() in wanted), (prop, wanted)
        if t.kind == "op" and t.text in ("=", "!="):
            self.i += 1
            value = self.values("a value, e.g. CN or \"A11\"")
            if len(value) > 1:
                raise InvalidCriteria("`=` takes one value", self.toks[self.i - 2].column, "`in` for a list of values")
            one, equal = value[0].upper(), t.text == "="
            return (lambda d, f: ((d["props"].get(prop) or "").upper() == one) == equal), ((prop, frozenset({one})) if equal else None)
        self.fail("`in`, `=` or `!=`")

    def number_field(self, name: str):
        t = self.tok
        if not (t.kind == "op" and t.text in COMPARE):
            self.fail(f"a comparison (<, <=, >, >=, =, !=) after {name}")
        self.i += 1
        n = self.tok
        if n.kind != "number":
            self.fail("a number, e.g. 10000 or 2.5")
        self.i += 1
        op, bound = COMPARE[t.text], float(n.text)
        if name == "unit_value":
            def figure(d):
                value, mass = d["props"].get("value_usd"), d["props"].get("net_mass_kg")
                return value / mass if value is not None and mass else None
        else:
            prop = NUMBER_PROPS.get(name, name)

            def figure(d):
                return d["props"].get(prop)

        def test(d, f):
            x = figure(d)
            return x is not None and op(float(x), bound)

        return test

    def party(self, part: str):
        kind = PARTY_KINDS[part]
        keys = _party_keys(part)
        if self.word("band"):
            t = self.tok
            self.needs.add(SCORES)
            if self.word("in"):
                wanted = frozenset(self.values("a band: low, medium, high or critical",
                                               lambda x: x.text.lower() if x.text.lower() in BAND_ORDER else None))
            elif t.kind == "op" and t.text in COMPARE:
                self.i += 1
                b = self.tok
                if b.text.lower() not in BAND_ORDER:
                    self.fail("a band: low, medium, high or critical")
                self.i += 1
                op, rank = COMPARE[t.text], float(BAND_ORDER.index(b.text.lower()))
                wanted = frozenset(x for x in BAND_ORDER if op(float(BAND_ORDER.index(x)), rank))
            else:
                self.fail("`in` or a comparison after band")
            return lambda d, f: any((f.scores.get(f"{kind}:{k}") or {}).get("band", "low") in wanted for k in keys(d))
        if not self.word("is"):
            self.fail(f"`is` or `band` after {part}")
        t = self.tok
        if self.word("watchlisted"):
            self.needs.add(WATCHLIST)
            return lambda d, f: any(f"{kind}:{k}" in f.watched for k in keys(d))
        if self.word("key_target"):
            self.needs.update((SCORES, WATCHLIST))

            def key_target(d, f):
                return any(f"{kind}:{k}" in f.watched or (f.scores.get(f"{kind}:{k}") or {}).get("band") in KEY_TARGET_BANDS
                           for k in keys(d))

            return key_target
        if part == "trader" and self.word("new"):
            days = NEW_DAYS
            if self.word("within"):
                n = self.tok
                if n.kind != "number" or not n.text.isdigit() or not 1 <= int(n.text) <= 3650:
                    self.fail("a number of days from 1 to 3650")
                self.i += 1
                days = int(n.text)
                if not self.word("days"):
                    self.fail("`days`")
            self.needs.add(HISTORY)

            def new(d, f):
                first = f.first_declared.get(d["trader"])
                return first is None or (date.fromisoformat(d["props"]["registered_on"]) - date.fromisoformat(first)).days <= days

            return new
        if part == "trader" and self.word("closed"):
            self.needs.add(STATUS)
            return lambda d, f: d["trader"] in f.closed
        self.fail("watchlisted, key_target" + (", new or closed" if part == "trader" else ""))


def _both(a, b):
    return lambda d, f: a(d, f) and b(d, f)


def _either(a, b):
    return lambda d, f: a(d, f) or b(d, f)


def _party_keys(part: str) -> Callable[[dict], list[str]]:
    if part == "trader":
        return lambda d: [d["trader"]]
    return lambda d: d[f"{part}s"]


def entities(declarations: list[dict], parts: tuple[str, ...] = PARTIES) -> list[str]:
    """Return the "kind:id" of every party of ``parts`` the declarations name, sorted."""
    return sorted({f"{PARTY_KINDS[p]}:{k}" for d in declarations for p in parts for k in _party_keys(p)(d)})
