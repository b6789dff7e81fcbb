"""Normalisation of identifiers, so that equal things become one node.

Two enterprises that wrote the same phone as ``0901.234.567`` and ``+84 90 123 4567``
share a phone; two that wrote ``12 Nguyễn Huệ, P. Bến Nghé, Q.1, TP.HCM`` and
``12 nguyen hue phuong ben nghe quan 1 tp hcm`` share an address. Every function here
is pure, costs O(len(text)) and either returns the canonical form or raises
``ValueError`` with a sentence a data clerk can act on.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "BIDI_CONTROLS",
    "nfc",
    "fold",
    "phone",
    "email",
    "address_key",
    "bank_account",
    "tax_code_check_digit",
    "tax_code_problem",
    "partner_key",
]

# MST check digit (mã số thuế): weights of the nine leading digits, mod 11.
_MST_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_MST = re.compile(r"^(\d{10})(?:-(\d{3}))?$")


# Bidirectional controls (marks, embeddings, overrides, isolates): U+202E turns "exe.cod"
# into "doc.exe" on screen, so a name holding one can make a table or the workbench lie.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC with surrounding white space removed.

    Vietnamese text arrives both precomposed and decomposed (``ệ`` as one code point or
    as ``e`` + two combining marks); NFC makes equal names compare equal.
    """
    return unicodedata.normalize("NFC", text).strip()


@lru_cache(maxsize=65_536)  # names and addresses repeat across a feed; bounded memory
def fold(text: str) -> str:
    """Return a lower-case, diacritics-free, single-spaced form of ``text`` for matching.

    ``Đ``/``đ`` has no decomposition in Unicode and is mapped to ``d`` by hand.
    """
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def tax_code_check_digit(first_nine: str) -> str | None:
    """Return the MST check digit for nine leading digits, or None if none is valid.

    The digit is ``10 - (sum of weighted digits mod 11)``; when that is 10 no tax
    code can be issued with these nine digits.
    """
    total = sum(w * int(d) for w, d in zip(_MST_WEIGHTS, first_nine))
    digit = 10 - total % 11
    return None if digit == 10 else str(digit % 10)


@lru_cache(maxsize=65_536)
def tax_code_problem(code: str) -> str | None:
    """Return why ``code`` is not a well-formed Vietnamese MST, or None if it is.

    Not a reason to reject a row: foreign and legacy feeds use other identifiers.
    """
    m = _MST.match(code)
    if not m:
        return "not a Vietnamese tax code (10 digits or 10 digits-3 digit branch)"
    digits, branch = m.groups()
    if digits[2:9] == "0000000":
        return "serial part of the tax code is all zeros"
    if branch == "000":
        return "branch number 000 is not issued"
    if tax_code_check_digit(digits[:9]) != digits[9]:
        return "tax code check digit does not match"
    return None


_PHONE_SEPARATORS = re.compile(r"[\s.\-()/]")


@lru_cache(maxsize=65_536)
def phone(text: str) -> str:
    """Return ``text`` as an E.164 number (``+84901234567``).

    Accepts the forms Vietnamese feeds use: ``0901 234 567``, ``0901.234.567``,
    ``(028) 3822-1234``, ``84901234567``, ``+84 90 123 4567``, ``0084...``; and foreign
    numbers written with ``+`` or ``00``. Raises ValueError for anything else.
    """
    raw = _PHONE_SEPARATORS.sub("", text)
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+"):
        digits = raw[1:]
    elif raw.startswith("84") and len(raw) in (11, 12):
        digits = raw
    elif raw.startswith("0"):
        digits = "84" + raw[1:]
    else:
        raise ValueError(f"phone {text!r} has no country or trunk prefix (+84 or 0)")
    if not digits.isdigit() or not digits.isascii():
        raise ValueError(f"phone {text!r} has characters other than digits and separators")
    if digits.startswith("84"):
        national = digits[2:]
        if national.startswith("0"):
            national = national[1:]  # +84 (0)90..., a common way of writing it
        if len(national) not in (9, 10):
            raise ValueError(f"phone {text!r} is not 9 or 10 digits after +84")
        return "+84" + national
    if not 8 <= len(digits) <= 15:
        raise ValueError(f"phone {text!r} is not 8 to 15 digits long")
    return "+" + digits


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email(text: str) -> str:
    """Return ``text`` lower-cased and trimmed; raises ValueError if it is no address."""
    value = nfc(text).lower()
    if not _EMAIL.match(value):
        raise ValueError(f"email {text!r} is not an address of the form name@domain")
    return value


# Abbreviations in Vietnamese addresses: whole words of the folded text ("tp hcm" also
# written "tphcm"), the longer first. No expansion holds an abbreviation, so one pass
# over the text replaces what rule after rule would (16 passes cost 40 % of validating a
# person, whose addresses are mostly unique: no cache helps).
_ADDRESS_ABBREVIATIONS = {
    "tp hcm": "thanh pho ho chi minh",
    "hcm": "ho chi minh",
    "hn": "ha noi",
    "tp": "thanh pho",
    "tx": "thi xa",
    "tt": "thi tran",
    "kcn": "khu cong nghiep",
    "kcx": "khu che xuat",
    "ccn": "cum cong nghiep",
    "kdc": "khu dan cu",
    "p": "phuong",
    "q": "quan",
    "h": "huyen",
    "x": "xa",
    "d": "duong",
    "so": "",
}
_EXPANSIONS = {abbreviation.replace(" ", ""): expansion for abbreviation, expansion in _ADDRESS_ABBREVIATIONS.items()}
_ABBREVIATION = re.compile(r"\b(?:" + "|".join(a.replace(" ", r"\s*") for a in _ADDRESS_ABBREVIATIONS) + r")\b")


def _expanded(found: re.Match) -> str:
    return _EXPANSIONS["".join(found.group().split())]


@lru_cache(maxsize=65_536)
def address_key(text: str) -> str:
    """Return the matching key of a free-text address.

    Case, diacritics, punctuation and the usual abbreviations (P., Q., TP., KCN, ...)
    do not change the key; ``số 12`` and ``12`` are the same house. Raises ValueError
    for an address with no letters or digits.
    """
    key = " ".join(_ABBREVIATION.sub(_expanded, fold(text)).split())
    if not key:
        raise ValueError(f"address {text!r} has no letters or digits")
    return key


_BANK = re.compile(r"^([A-Za-z0-9]{2,15})\s*:\s*([A-Za-z0-9 .\-]{4,40})$")


def bank_account(text: str) -> str:
    """Return ``BANKCODE:ACCOUNTNO`` upper-cased with spaces, dots and dashes stripped."""
    m = _BANK.match(nfc(text))
    if not m:
        raise ValueError(f"bank account {text!r} is not of the form BANKCODE:ACCOUNTNO")
    number = re.sub(r"[\s.\-]", "", m.group(2)).upper()
    return f"{m.group(1).upper()}:{number}"


def partner_key(name: str, country: str | None) -> str:
    """Return the key of a foreign partner: folded name plus country (``acme co ltd|CN``).

    Legal-form suffixes are kept: ``ACME Ltd`` and ``ACME Inc`` may be different firms.
    """
    return f"{fold(name)}|{(country or '').upper()}"
