"""The audit log: every dossier, intel and path read and every mutation, appended to the
graph as an ``AuditEntry``. No query updates or deletes an entry.

Entry ids are time-ordered (``YYYYmmddTHHMMSS.ffffff-<random>``, UTC), so the newest come
first when sorted and a page can continue from the last id seen.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from riskgraph.graph.store import Store

MAX_ARGUMENTS = 4000  # characters of the arguments kept per entry


def entry(who: Any, operation: str, arguments: Mapping[str, Any], result_size: int, outcome: str = "ok") -> dict[str, Any]:
    """Return the entry of one call by ``who`` (a Principal), stamped now, for ``append_all``."""
    now = datetime.now(timezone.utc)
    text = json.dumps(arguments, ensure_ascii=False, sort_keys=True, default=str)
    if len(text) > MAX_ARGUMENTS:
        text = text[:MAX_ARGUMENTS] + "…"
    return {
        "entry_id": f"{now:%Y%m%dT%H%M%S.%f}-{secrets.token_hex(3)}", "at": now.astimezone().isoformat(timespec="milliseconds"),
        "key_id": who.key_id, "key_name": who.name, "role": who.role, "operation": operation, "arguments": text,
        "result_size": int(result_size), "outcome": outcome,
    }


def append_all(store: Store, rows: list[dict[str, Any]]) -> None:
    """Append entries made by ``entry``. Cost: one write per batch of the store's batch size."""
    store.write("audit_append", rows)


def entries(store: Store, *, limit: int = 100, key_name: str | None = None, operation: str | None = None,
            before: str | None = None) -> list[dict]:
    """Return up to ``limit`` entries, newest first, optionally of one key name or
    operation and older than entry ``before``. Cost: a scan of the log (no index on time)."""
    return store.query("audit_list", {"limit": limit, "key_name": key_name, "operation": operation, "before": before})
