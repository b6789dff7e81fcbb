"""API keys: created, listed and revoked by admins; only a hash of each is stored.

A key reads ``rg_<key id>_<secret>``: the id finds the stored record, the secret (32
random bytes) is checked against its SHA-256. A slow password hash is not needed: the
secret is random, not chosen by a person, so it cannot be guessed from its hash. The
full key is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from riskgraph.api.access import ROLES
from riskgraph.dates import now
from riskgraph.errors import ConfigError
from riskgraph.graph.store import Store
from riskgraph.ingest.normalize import BIDI_CONTROLS

_KEY = re.compile(r"^rg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
CACHE_SECONDS = 4.0  # a revoked key stops working within this long on every server; the docs promise 5 s
UNASSIGNED = "unassigned"  # the unit of a key made without one (every key made before keys had units)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id and name, its role, and the unit (đơn vị) it works for."""

    key_id: str
    name: str
    role: str
    unit: str = UNASSIGNED


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    name: str
    role: str
    key: str  # the full key: shown once, never stored
    unit: str = UNASSIGNED


def create(store: Store, role: str, name: str, by: str = "cli", unit: str | None = None) -> IssuedKey:
    """Create a key for ``role`` named ``name``, working for ``unit`` (a team or office, e.g.
    "Phòng QLRR HCM"; ``UNASSIGNED`` when not given); return it (the only time it is shown)."""
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    name, unit = _label("name", name), _label("unit", unit or UNASSIGNED)
    store.ensure_schema()
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    store.query("apikey_create", {"key_id": key_id, "name": name, "role": role, "unit": unit, "hash": _hash(secret), "now": now(),
                                  "by": by}, write=True)
    return IssuedKey(key_id, name, role, f"rg_{key_id}_{secret}", unit)


def _label(field: str, text: str) -> str:
    text = text.strip()
    if not 1 <= len(text) <= 100 or any(ord(c) < 32 for c in text) or BIDI_CONTROLS.search(text):
        raise ConfigError(f"a key {field} must be 1-100 printable characters, with no bidirectional control character")
    return text


def listed(store: Store) -> list[dict]:
    """Return every key (id, name, role, unit, created, revoked), never its hash; a key made
    without a unit reads as ``UNASSIGNED``."""
    return [_with_unit(r) for r in store.query("apikey_list")]


def revoke(store: Store, key_id: str) -> dict | None:
    """Revoke key ``key_id``; return it as ``listed`` does, or None if unknown."""
    rows = store.query("apikey_revoke", {"key_id": key_id, "now": now()}, write=True)
    return _with_unit(rows[0]) if rows else None


def _with_unit(record: dict) -> dict:
    return {**record, "unit": record["unit"] or UNASSIGNED}


class Keys:
    """Authenticates presented keys, remembering stored records for ``CACHE_SECONDS`` of
    ``clock`` (seconds, never going back)."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic):
        self._store = store
        self._clock = clock
        self._seen: dict[str, tuple[float, dict | None]] = {}
        self._lock = threading.Lock()

    def authenticate(self, presented: str | None) -> Principal | None:
        """Return who holds ``presented``, or None for a missing, malformed, unknown or
        revoked key. Cost: a dictionary lookup, a store read every CACHE_SECONDS per key."""
        fresh, principal = self.remembered(presented)
        if fresh:
            return principal
        key_id = _KEY.match(presented or "").group(1)
        # Stamped when the read starts, not when it ends: a read that waited or ran long
        # must not stretch how long a key revoked meanwhile keeps working.
        asked = self._clock()
        rows = self._store.query("apikey_find", {"key_id": key_id})
        with self._lock:
            if len(self._seen) > 10_000:  # unknown ids sent in bulk must not grow memory
                self._seen.clear()
            self._seen[key_id] = (asked, rows[0] if rows else None)
        return self.remembered(presented)[1]

    def remembered(self, presented: str | None) -> tuple[bool, Principal | None]:
        """Return (known without the store, who holds ``presented``): (False, None) when the
        store must be asked. Cost: a dictionary lookup and a hash; no store access."""
        match = _KEY.match(presented or "")
        if not match:
            return True, None
        key_id, secret = match.groups()
        with self._lock:
            seen = self._seen.get(key_id)
        if seen is None or self._clock() - seen[0] >= CACHE_SECONDS:
            return False, None
        record = seen[1]
        if record is None or record.get("revoked_at") or not hmac.compare_digest(record["hash"], _hash(secret)):
            return True, None
        return True, Principal(key_id, record["name"], record["role"], record.get("unit") or UNASSIGNED)

    def forget(self, key_id: str) -> None:
        """Drop a key from the cache (it was just revoked here)."""
        with self._lock:
            self._seen.pop(key_id, None)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_id_of(presented: str | None) -> str:
    """Return the key id of a presented key when it has the form of one, else ``""``: what
    the audit log keeps of a refused key (never its secret)."""
    match = _KEY.match(presented or "")
    return match.group(1) if match else ""
