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


def append(store: Store, who: Any, operation: str, arguments: Mapping[str, Any], result_size: int, outcome: str = "ok") -> str:
    """Append one entry for ``who`` (a Principal); return its id. Cost: one write."""
    now = datetime.now(timezone.utc)
    entry_id = f"{now:%Y%m%dT%H%M%S.%f}-{secrets.token_hex(3)}"
    text = json.dumps(arguments, ensure_ascii=False, sort_keys=True, default=str)
    if len(text) > MAX_ARGUMENTS:
        text = text[:MAX_ARGUMENTS] + "…"
    store.query("audit_append", {
        "entry_id": entry_id, "at": now.astimezone().isoformat(timespec="milliseconds"), "key_id": who.key_id,
        "key_name": who.name, "role": who.role, "operation": operation, "arguments": text,
        "result_size": int(result_size), "outcome": outcome,
    }, write=True)
    return entry_id


def entries(store: Store, *, limit: int = 100, key_name: str | None = None, operation: str | None = None, before: str | None = None) -> list[dict]:
    """Return up to ``limit`` entries, newest first, optionally of one key name or
    operation and older than entry ``before``. Cost: a scan of the log (no index on time)."""
    return store.query("audit_list", {"limit": limit, "key_name": key_name, "operation": operation, "before": before})
