"""Search entities by name, with or without Vietnamese diacritics, by tax code, person id,
agent code, plate or container number in any spacing, and by phone in any format.

Names and keys are held in an in-process index, built from the store in a thread of its
own (at start-up, or on first use) and checked in the background once older than
``REFRESH_SECONDS``: read again if a feed was loaded or entities were added meanwhile
(``search_names_version``); phones and e-mails are looked up in the store.
A name matches when every word of the query is a word of the name, the last one possibly
unfinished: "cong ty long thinh", "Long Thịnh", "nguyen van" all find "Nguyễn Văn Thịnh...".
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
import time
from collections import defaultdict
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace

from riskgraph.graph.store import Store
from riskgraph.ingest.normalize import email, fold, phone
from riskgraph.memory import settle

log = logging.getLogger("riskgraph.api")
REFRESH_SECONDS = 300.0
FIRST_WAIT_SECONDS = 5.0  # how long a search waits for the first build before it is told to come back
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


def key_form(text: str) -> str:
    """Return the form keys are compared in: letters and digits only, upper case."""
    return _NOT_ALNUM.sub("", text).upper()


@dataclass(frozen=True)
class Hit:
    kind: str
    key: str
    matched: str


class IndexBuilding(Exception):
    """No name index is ready yet: the first one is being built (at start-up, 20-35 s at
    2.7 million declarations)."""


@dataclass(frozen=True)
class _Names:
    """One build of the index, swapped in whole: a search reads one build throughout."""

    entries: list[tuple[str, str, tuple[str, ...]]]  # (kind, key, folded words)
    by_word: dict[str, list[int]]
    words: list[str]  # by_word's words, sorted (prefix search)
    by_key: dict[str, list[int]]
    built: float  # time.monotonic() when its read began
    version: tuple  # what search_names_version said then


class Index:
    """Names and keys of every entity. Build cost: one read of every entity's name; checking
    that nothing changed costs one query of a few counts.

    Builds run on ``executor`` (a thread of their own, with a store handle of its own),
    never on a request's thread: searches go on answering from the last build while the
    next one is made, and until the first one is ready a search waits at most
    ``first_wait`` seconds, then raises IndexBuilding.
    """

    def __init__(self, store: Store, executor: Executor, first_wait: float = FIRST_WAIT_SECONDS):
        self._store = store
        self._executor = executor
        self._first_wait = first_wait
        self._lock = threading.Lock()
        self._names: _Names | None = None
        self._building: Future | None = None
        self._started = 0.0
        self._closing = False

    def refresh(self) -> Future:
        """Start a build unless one is running; return the running build (its result: None).
        The server calls it at start-up, so that no search request waits for the first build."""
        with self._lock:
            if self._building is None or self._building.done():
                self._started = time.monotonic()
                self._building = self._executor.submit(self._build)
                self._building.add_done_callback(_failed)
            return self._building

    def close(self) -> None:
        """Make a build under way stop early (the server is stopping)."""
        self._closing = True

    def _build(self) -> None:
        started = time.monotonic()
        version = tuple(self._store.query("search_names_version")[0].values())
        if self._names is not None and self._names.version == version:
            # No feed run and no entity since the last read: the same names (1 ms at 2.7
            # million declarations, where reading them again costs 20-35 s).
            self._names = replace(self._names, built=started)
            return
        entries, by_word, by_key = [], defaultdict(list), defaultdict(list)
        for row in self._store.query("search_names"):
            if self._closing:
                return
            i = len(entries)
            words = tuple(fold(row["name"] or "").split())
            entries.append((row["kind"], row["key"], words))
            for w in set(words):
                by_word[w].append(i)
            by_key[key_form(row["key"])].append(i)
        self._names = _Names(entries, dict(by_word), sorted(by_word), dict(by_key), started, version)
        settle()  # millions of small objects, kept until the next rebuild

    def _ready(self) -> _Names:
        """Return the last build, starting the next one when it is older than REFRESH_SECONDS."""
        names = self._names
        if names is not None and time.monotonic() - names.built < REFRESH_SECONDS:
            return names
        building = self.refresh()
        if names is not None:
            return names  # the old build answers while the new one is made
        try:
            building.result(timeout=self._first_wait)
        except FutureTimeout:
            raise IndexBuilding(f"the search index is still being built after a start ({time.monotonic() - self._started:.0f} s "
                                "so far); search again in a few seconds") from None
        if self._names is None:  # the build stopped early: the server is stopping
            raise IndexBuilding("the server is stopping; search again in a few seconds")
        return self._names

    def search(self, store: Store, text: str, kinds: set[str], first: int) -> list[Hit]:
        """Return up to ``first`` hits of ``kinds`` for ``text``: keys, then phones and
        e-mails (read from ``store``, the caller's handle), then names (fewest extra words
        first). Raises IndexBuilding before the first build is ready. Cost: a set
        intersection per word."""
        names = self._ready()
        hits: dict[tuple[str, str], Hit] = {}

        def add(kind: str, key: str, matched: str) -> None:
            if kind in kinds and (kind, key) not in hits and len(hits) < first:
                hits[(kind, key)] = Hit(kind, key, matched)

        compact = key_form(text)
        for i in names.by_key.get(compact, ()) if compact else ():
            kind, key, _ = names.entries[i]
            add(kind, key, {"enterprise": "tax code", "person": "person id", "agent": "agent code", "vehicle": "plate or number"}[kind])
        for label, key in _contacts(store, text, first):
            add({"Enterprise": "enterprise", "Person": "person"}[label], key, "phone or e-mail")
        for i in _named(names, fold(text).split())[: first * 4]:
            kind, key, _ = names.entries[i]
            add(kind, key, "name")
        return list(hits.values())


def _failed(build: Future) -> None:
    if not build.cancelled() and build.exception() is not None:  # the next search starts another
        log.warning("the search index was not built: %s", build.exception())


def _contacts(store: Store, text: str, first: int) -> list[tuple[str, str]]:
    values = []
    for normal in (phone, email):
        try:
            values.append(normal(text))
        except ValueError:
            pass
    return [(r["label"], r["id"]) for v in values for r in store.query("search_phone", {"value": v, "limit": first})]


def _named(names: _Names, words: list[str]) -> list[int]:
    """Return the entries whose words hold every word of ``words``, the last one possibly as a prefix,
    fewest extra words first."""
    if not words:
        return []
    *whole, last = words
    if len(last) < 2:  # a one-letter prefix would match most of the index
        whole, last = words, None
    matched: set[int] | None = None
    for w in whole:
        found = set(names.by_word.get(w, ()))
        matched = found if matched is None else matched & found
        if not matched:
            return []
    if last is None:
        return sorted(matched or (), key=lambda i: (len(names.entries[i][2]) - len(words), names.entries[i][2]))
    start = bisect.bisect_left(names.words, last)
    prefixed: set[int] = set()
    for w in names.words[start:]:
        if not w.startswith(last):
            break
        prefixed.update(names.by_word[w])
    matched = prefixed if matched is None else matched & prefixed
    return sorted(matched, key=lambda i: (len(names.entries[i][2]) - len(words), names.entries[i][2]))
