"""Interpreter settings shared by the generator, the ingest, the analysis and the API
server: when the garbage collector runs, how often threads take turns."""

from __future__ import annotations

import contextlib
import gc
import sys


@contextlib.contextmanager
def cyclic_gc_paused():
    """Pause the cyclic garbage collector for the block.

    Generating a world or reading a projection makes millions of small acyclic objects
    (rows, tuples), which the collector would otherwise rescan again and again as the
    heap grows: measured, it more than doubled the read of a 100,000-enterprise graph.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def full_collections_paused():
    """Pause the collector's full collections (of its oldest generation) for the block;
    the young generations are still collected.

    For a pass of unbounded length, such as loading a feed: what lives on (the bulk
    graph's keys, the columnar copy's rows) is rescanned by every full collection,
    which took a third of a bulk load's main process (measured: 119 full collections,
    0 objects freed); cycles among short-lived objects are still freed by the young
    collections, so memory stays bounded. (CPython up to 3.13: the third threshold
    gates full collections.)
    """
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, 1_000_000_000)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, full)


@contextlib.contextmanager
def switch_interval(seconds: float):
    """Let threads take turns holding the interpreter lock every ``seconds`` for the block
    (CPython's default is 5 ms), then restore the interval.

    For a process whose threads mostly wait on pipes and sockets beside one that computes:
    each wake-up waits for the computing thread to yield the lock, and a block of
    validated rows (about 500 kB pickled) crossing a 64 kB pipe wakes its reader some
    eight times. Measured on a bulk load with one validating worker: 6 % less wall time
    at 0.5 ms, in 5 of 6 interleaved pairs (docs/scaling.md). A lone thread never yields.
    """
    before = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def settle() -> None:
    """Collect garbage once, then exempt every live object from later collections.

    A server holds a large heap that lives as long as it does (imports, the selectivity
    model and its tables, the search index). A full collection rescans all of it with
    the GIL held, every request waiting: 110-140 ms for an API process holding a model,
    measured on a 2-core machine. Frozen, later collections scan only what was allocated
    since. Call after building such structures; objects replaced since are still freed
    by reference counting, and any cycles among them at the next call. Cost: one full
    collection.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
