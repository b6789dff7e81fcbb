"""Validation: a row of the contract in, a record for the graph out, or a reason why not.

``validate(kind, values)`` checks every field against ``riskgraph.model.FEEDS``,
normalises it (NFC text, E.164 phones, address keys, ...) and returns a ``Record``: the
natural key, the parameters the kind's write query expects, and data-quality warnings
(a tax code that is not a valid MST is a warning, never a rejection). A field that breaks
the contract raises ``Rejected`` naming the field and the reason.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from riskgraph import model
from riskgraph.dates import VIETNAM
from riskgraph.ingest import normalize

MAX_TEXT = 65_536  # characters in a free-text field
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$")
_DECIMAL = re.compile(r"^\d+(\.\d+)?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_HS = re.compile(r"^\d{6,10}$")
DECLARATION_NO = re.compile(r"^\d{12}$")  # a VNACCS number; others are a warning
TAX_CODE_FIELDS = frozenset({"tax_code", "trader_tax_code", "owner_tax_code", "operator_tax_code", "warehouse"})


class Rejected(ValueError):
    """The row breaks the contract at ``field`` for ``reason``."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Record:
    key: str  # natural key as one string (composite keys joined by '|')
    params: dict[str, Any]  # one element of the write query's $rows
    digest: str  # hash of the normalised row: equal rows, equal digests
    warnings: tuple[tuple[str, str], ...] = ()  # (field, reason)


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Cc but tab, LF, CR


def _control(text: str, allow_newlines: bool) -> str | None:
    found = (_CONTROL_IN_TEXT if allow_newlines else _CONTROL).search(text)
    if found:
        return f"control character U+{ord(found.group()):04X}"
    found = normalize.BIDI_CONTROLS.search(text)
    return f"bidirectional control character U+{ord(found.group()):04X} (it can make displayed text lie)" if found else None


def _identifier(value: str) -> str:
    value = normalize.nfc(value)
    if not 1 <= len(value) <= 64:
        raise ValueError(f"identifier must be 1-64 characters, not {len(value)}")
    if problem := _control(value, False):
        raise ValueError(f"{problem} in an identifier")
    return value


def _text(value: str) -> str:
    value = normalize.nfc(value)
    if len(value) > MAX_TEXT:
        raise ValueError(f"text of {len(value):,} characters; the limit is {MAX_TEXT:,}")
    if problem := _control(value, True):
        raise ValueError(problem)
    return value


def _date(value: str) -> str:
    if not _DATE.match(value):
        raise ValueError(f"{value!r} is not a date of the form YYYY-MM-DD")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None


def _timestamp(value: str) -> datetime:
    if not _TIMESTAMP.match(value):
        raise ValueError(f"{value!r} is not an ISO 8601 timestamp (2025-03-17T08:15:00+07:00)")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date and time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM)).astimezone(VIETNAM)


def _decimal(value: str) -> float:
    if not _DECIMAL.match(value):
        raise ValueError(f"{value!r} is not a non-negative decimal number without thousands separators")
    return float(value)


def _percent(value: str) -> float:
    number = _decimal(value)
    if number > 100:
        raise ValueError(f"{value} is over 100 per cent")
    return number


def _country(value: str) -> str:
    code = value.strip().upper()
    if not _COUNTRY.match(code):
        raise ValueError(f"{value!r} is not an ISO 3166 alpha-2 country code")
    return code


def _hs(value: str) -> str:
    code = re.sub(r"[.\s]", "", value)
    if not _HS.match(code):
        raise ValueError(f"HS code {value!r} is not 6 to 10 digits")
    return code


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


_SCALARS = {
    model.ID: _identifier,
    model.TEXT: _text,
    model.DATE: _date,
    model.TIMESTAMP: _timestamp,
    model.DECIMAL: _decimal,
    model.PERCENT: _percent,
    model.COUNTRY: _country,
}
_LISTS = {
    model.ID_LIST: _identifier,
    model.PHONE_LIST: normalize.phone,
    model.EMAIL_LIST: normalize.email,
    model.BANK_LIST: normalize.bank_account,
    model.HS_LIST: _hs,
}


def _coerce(field: model.Field, raw: Any) -> str:
    """Return a JSON value as the text a CSV cell would hold, or reject its type."""
    if isinstance(raw, list):
        if field.type not in _LISTS and field.type != model.ENUM_LIST:
            raise Rejected(field.name, "a list where one value is expected")
        return ";".join(_coerce(field, item) for item in raw if item is not None)
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise Rejected(field.name, f"expected {field.type}, got a JSON {type(raw).__name__}")
    if isinstance(raw, str):
        return raw
    if field.type not in (model.DECIMAL, model.PERCENT, model.ID, model.TEXT):
        raise Rejected(field.name, f"expected {field.type}, got a number")
    if raw != raw or raw in (float("inf"), float("-inf")):
        raise Rejected(field.name, "not a finite number")
    return repr(raw) if isinstance(raw, float) else str(raw)


def _converter(field: model.Field):
    """Return the function that turns one non-empty cell of ``field`` into its value."""
    if field.type in _SCALARS:
        return _SCALARS[field.type]
    if field.type == model.ENUM:
        return lambda text: _choice(field, text)
    if field.type == model.ENUM_LIST:
        return lambda text: [_choice(field, part) for part in _split(text)] or None
    convert = _LISTS[field.type]
    return lambda text: list(dict.fromkeys(convert(part) for part in _split(text))) or None


def _choice(field: model.Field, text: str) -> str:
    for choice in field.choices:
        if text.lower() == choice.lower():
            return choice
    raise ValueError(f"{text!r} is not one of {', '.join(field.choices)}")


# Per feed, (field, converter) once, so that a row costs one call per non-empty cell.
_CHECKS = {feed.kind: tuple((f, _converter(f)) for f in feed.fields) for feed in model.FEEDS}


def validate(kind: str, values: dict[str, Any]) -> Record:
    """Return the Record for one row of feed ``kind``; raises Rejected.

    Cost: O(row length).
    """
    feed = model.FEED_BY_KIND[kind]
    clean: dict[str, Any] = {}
    for field, convert in _CHECKS[kind]:
        raw = values.get(field.name)
        value = None
        if raw is not None:
            text = (raw if raw.__class__ is str else _coerce(field, raw)).strip()
            if text:
                try:
                    value = convert(text)
                except ValueError as e:
                    raise Rejected(field.name, str(e)) from None
        if value is None and field.required:
            raise Rejected(field.name, "required field is empty")
        clean[field.name] = value
    warnings = tuple(_warnings(clean))
    params = _BUILDERS[kind](clean)
    key = "|".join("" if clean[k] is None else str(clean[k]) for k in feed.key)
    # repr is deterministic here: the builders make dicts in a fixed order.
    digest = hashlib.blake2b(repr(params).encode(), digest_size=12).hexdigest()
    return Record(key, params, digest, warnings)


def outcome(kind: str, values: dict[str, Any]) -> Record | tuple[str, str]:
    """Return the row's Record, or the field and reason it is rejected for."""
    try:
        return validate(kind, values)
    except Rejected as e:
        return e.field, e.reason


def _warnings(clean: dict[str, Any]):
    for name in TAX_CODE_FIELDS & clean.keys():
        if clean[name] is not None and (problem := normalize.tax_code_problem(clean[name])):
            yield name, problem
    number = clean.get("declaration_no")
    if number is not None and not DECLARATION_NO.match(number):
        yield "declaration_no", "not a 12-digit VNACCS declaration number"


def _props(clean: dict[str, Any], *names: str) -> dict[str, Any]:
    """Return the named non-empty fields: a partial feed never erases what is known."""
    return {n: clean[n] for n in names if clean.get(n) is not None}


def _contacts(clean: dict[str, Any]) -> dict[str, Any]:
    address = clean.get("address")
    addresses = []
    if address:
        try:
            addresses = [{"key": normalize.address_key(address), "text": address}]
        except ValueError as e:
            raise Rejected("address", str(e)) from None
    return {"phones": clean.get("phone") or [], "emails": clean.get("email") or [], "addresses": addresses}


def _enterprise(c: dict[str, Any]) -> dict[str, Any]:
    props = _props(c, "name", "address", "province", "registered_on", "status", "activities")
    props["name_folded"] = normalize.fold(c["name"])
    return {"key": c["tax_code"], "props": props, **_contacts(c), "accounts": c.get("bank_accounts") or []}


def _person(c: dict[str, Any]) -> dict[str, Any]:
    props = _props(c, "full_name", "birth_date", "nationality", "address")
    props["name_folded"] = normalize.fold(c["full_name"])
    return {"key": c["person_id"], "props": props, **_contacts(c)}


def _role(c: dict[str, Any]) -> dict[str, Any]:
    if c["since"] and c["until"] and c["until"] < c["since"]:
        raise Rejected("until", f"role ends ({c['until']}) before it starts ({c['since']})")
    if c["share_pct"] is not None and c["role"] != "shareholder":
        raise Rejected("share_pct", f"a share is given for role {c['role']}; only shareholders hold shares")
    return {
        "person_id": c["person_id"],
        "tax_code": c["tax_code"],
        "key": f"{c['role']}|{c['since'] or ''}",
        "props": _props(c, "role", "since", "until", "share_pct"),
    }


def _agent(c: dict[str, Any]) -> dict[str, Any]:
    return {"key": c["agent_code"], "tax_code": c["tax_code"], "props": _props(c, "licence_no", "valid_until")}


def _vehicle(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": c["vehicle_id"],
        "props": _props(c, "kind", "country"),
        "owners": [c["owner_tax_code"]] if c["owner_tax_code"] else [],
        "operators": [c["operator_tax_code"]] if c["operator_tax_code"] else [],
    }


_DECLARATION_PROPS = tuple(
    f.name
    for f in model.FEED_BY_KIND["declarations"].fields
    if f.name not in {"declaration_no", "registered_at", "trader_tax_code", "agent_code", "declarant_id", "vehicle_ids", "warehouse"}
)


DECLARATION_PROPERTIES = (*_DECLARATION_PROPS, "registered_at", "registered_on")


def _declaration(c: dict[str, Any]) -> dict[str, Any]:
    if c["net_mass_kg"] is not None and c["gross_mass_kg"] is not None and c["net_mass_kg"] > c["gross_mass_kg"]:
        raise Rejected("net_mass_kg", f"net mass {c['net_mass_kg']} kg exceeds gross mass {c['gross_mass_kg']} kg")
    moment: datetime = c["registered_at"]
    props = _props(c, *_DECLARATION_PROPS)
    props["registered_at"] = moment.isoformat()
    props["registered_on"] = moment.date().isoformat()
    partner = c["partner_name"]
    return {
        "key": c["declaration_no"],
        "props": props,
        "trader": c["trader_tax_code"],
        "agents": [c["agent_code"]] if c["agent_code"] else [],
        "declarants": [c["declarant_id"]] if c["declarant_id"] else [],
        "vehicles": c["vehicle_ids"] or [],
        "warehouses": [c["warehouse"]] if c["warehouse"] else [],
        "partners": [{"key": normalize.partner_key(partner, c["partner_country"]), "name": partner,
                      "country": c["partner_country"]}] if partner else [],
    }


def _subject(c: dict[str, Any]) -> dict[str, Any]:
    return {"subject_kind": c["subject_kind"], "subject_id": c["subject_id"]}


def _violation(c: dict[str, Any]) -> dict[str, Any]:
    props = _props(c, "kind", "decided_on", "severity", "penalty_vnd", "back_tax_vnd", "detected_by", "subject_kind", "subject_id",
                   "declaration_no")
    return {"key": c["violation_id"], "props": props, **_subject(c), "declarations": [c["declaration_no"]] if c["declaration_no"] else []}


def _intel(c: dict[str, Any]) -> dict[str, Any]:
    props = _props(c, "received_on", "source_kind", "reliability", "credibility", "subject_kind", "subject_id", "summary")
    props["grade"] = c["reliability"] + c["credibility"]  # Admiralty code, e.g. B2
    return {"key": c["report_id"], "props": props, **_subject(c)}


_BUILDERS = {
    "enterprises": _enterprise,
    "persons": _person,
    "roles": _role,
    "agents": _agent,
    "vehicles": _vehicle,
    "declarations": _declaration,
    "violations": _violation,
    "intel": _intel,
}
