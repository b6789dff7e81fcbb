import gc
import sys
import weakref

import pytest

from riskgraph.memory import full_collections_paused, switch_interval


class Node:
    pass


def test_full_collections_are_paused_in_the_block_and_restored_after():
    before = gc.get_threshold()
    with full_collections_paused():
        young, middle, full = gc.get_threshold()
        assert (young, middle) == before[:2]
        assert full > 10**8
    assert gc.get_threshold() == before


def test_the_thresholds_come_back_after_an_error():
    before = gc.get_threshold()
    with pytest.raises(ValueError), full_collections_paused():
        raise ValueError("stop")
    assert gc.get_threshold() == before


def test_a_short_lived_cycle_is_still_freed_by_a_young_collection():
    with full_collections_paused():
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        gc.collect(0)
        assert gone() is None


def test_the_switch_interval_is_set_in_the_block_and_restored_after_an_error():
    before = sys.getswitchinterval()
    with pytest.raises(ValueError), switch_interval(0.0005):
        assert sys.getswitchinterval() == pytest.approx(0.0005)
        raise ValueError("stop")
    assert sys.getswitchinterval() == before
