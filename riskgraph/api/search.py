"""Search entities by name, with or without Vietnamese diacritics, by tax code, person id,
agent code, plate or container number in any spacing, and by phone in any format.

Names and keys are held in an in-process index, built from the store on first use and
rebuilt when older than ``REFRESH_SECONDS``; phones and e-mails are looked up in the store.
A name matches when every word of the query is a word of the name, the last one possibly
unfinished: "cong ty long thinh", "Long Thịnh", "nguyen van" all find "Nguyễn Văn Thịnh...".
"""

from __future__ import annotations

import bisect
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from riskgraph.graph.store import Store
from riskgraph.ingest.normalize import email, fold, phone
from riskgraph.memory import settle

REFRESH_SECONDS = 300.0
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


def key_form(text: str) -> str:
    """Return the form keys are compared in: letters and digits only, upper case."""
    return _NOT_ALNUM.sub("", text).upper()


@dataclass(frozen=True)
class Hit:
    kind: str
    key: str
    matched: str


class Index:
    """Names and keys of every entity. Build cost: one read of every entity's name."""

    def __init__(self, store: Store):
        self._store = store
        self._built = -REFRESH_SECONDS
        self._lock = threading.Lock()
        self._entries: list[tuple[str, str, tuple[str, ...]]] = []
        self._by_word: dict[str, list[int]] = {}
        self._words: list[str] = []
        self._by_key: dict[str, list[int]] = {}

    def warm(self) -> None:
        """Build the index now if it is missing or old (at a million declarations, 10 s:
        the server does it at start-up, so that no search request pays for it)."""
        self._ensure()

    def _ensure(self) -> None:
        with self._lock:
            if time.monotonic() - self._built < REFRESH_SECONDS:
                return
            entries, by_word, by_key = [], defaultdict(list), defaultdict(list)
            for row in self._store.query("search_names"):
                i = len(entries)
                words = tuple(fold(row["name"] or "").split())
                entries.append((row["kind"], row["key"], words))
                for w in set(words):
                    by_word[w].append(i)
                by_key[key_form(row["key"])].append(i)
            self._entries, self._by_word, self._by_key = entries, dict(by_word), dict(by_key)
            self._words = sorted(by_word)
            self._built = time.monotonic()
            settle()  # millions of small objects, kept until the next rebuild

    def search(self, text: str, kinds: set[str], first: int) -> list[Hit]:
        """Return up to ``first`` hits of ``kinds`` for ``text``: keys, then phones and
        e-mails, then names (fewest extra words first). Cost: a set intersection per word."""
        self._ensure()
        hits: dict[tuple[str, str], Hit] = {}

        def add(kind: str, key: str, matched: str) -> None:
            if kind in kinds and (kind, key) not in hits and len(hits) < first:
                hits[(kind, key)] = Hit(kind, key, matched)

        compact = key_form(text)
        for i in self._by_key.get(compact, ()) if compact else ():
            kind, key, _ = self._entries[i]
            add(kind, key, {"enterprise": "tax code", "person": "person id", "agent": "agent code", "vehicle": "plate or number"}[kind])
        for label, key in self._contacts(text, first):
            add({"Enterprise": "enterprise", "Person": "person"}[label], key, "phone or e-mail")
        for i in self._names(fold(text).split())[: first * 4]:
            kind, key, _ = self._entries[i]
            add(kind, key, "name")
        return list(hits.values())

    def _contacts(self, text: str, first: int) -> list[tuple[str, str]]:
        values = []
        for normal in (phone, email):
            try:
                values.append(normal(text))
            except ValueError:
                pass
        return [(r["label"], r["id"]) for v in values for r in self._store.query("search_phone", {"value": v, "limit": first})]

    def _names(self, words: list[str]) -> list[int]:
        if not words:
            return []
        *whole, last = words
        if len(last) < 2:  # a one-letter prefix would match most of the index
            whole, last = words, None
        matched: set[int] | None = None
        for w in whole:
            found = set(self._by_word.get(w, ()))
            matched = found if matched is None else matched & found
            if not matched:
                return []
        if last is None:
            return sorted(matched or (), key=lambda i: (len(self._entries[i][2]) - len(words), self._entries[i][2]))
        start = bisect.bisect_left(self._words, last)
        prefixed: set[int] = set()
        for w in self._words[start:]:
            if not w.startswith(last):
                break
            prefixed.update(self._by_word[w])
        matched = prefixed if matched is None else matched & prefixed
        return sorted(matched, key=lambda i: (len(self._entries[i][2]) - len(words), self._entries[i][2]))
