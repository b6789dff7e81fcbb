"""The alert rules of online monitoring on tiny inputs, store-free."""

from __future__ import annotations

from riskgraph.channels.monitoring import MIN_HISTORY, MIN_SCORES, History, Queued, alerts, history

TRADER = "enterprise:0101"


def usual(n: int = MIN_HISTORY, value: float = 10_000.0) -> list[dict]:
    """n earlier declarations of one kind: chapter 61 through Cát Lái, from CN, to one partner."""
    return [{"value_usd": value * (1 + 0.1 * (i % 3)), "hs_chapter": "61", "border_gate": "Cát Lái", "origin_country": "CN",
             "partner": "acme|CN"} for i in range(n)]


def queued(**kw) -> Queued:
    base = {"declaration_no": "D1", "trader": "0101", "parties": (TRADER, "agent:A1"), "hs_chapter": "61", "border_gate": "Cát Lái",
            "origin_country": "CN", "partner": "acme|CN", "value_usd": 11_000.0}
    return Queued(**{**base, **kw})


def kinds(found) -> list[str]:
    return [a.kind for a in found]


def test_a_usual_declaration_raises_nothing():
    assert alerts(queued(), history(usual()), {}, {}) == ()


def test_watched_and_key_target_parties_are_named_with_the_reason():
    found = alerts(queued(), History(), {"agent:A1": "tip from the Lạng Sơn unit"}, {TRADER: "critical", "agent:A1": "medium"})
    assert kinds(found) == ["watched", "key_target"]
    assert "agent A1 is on the watchlist: tip from the Lạng Sơn unit" in found[0].sentence
    assert "the trader 0101" in found[1].sentence and "critical" in found[1].sentence
    assert alerts(queued(), History(), {}, {TRADER: "medium"}) == ()
    assert alerts(queued(), History(), {}, {"agent:A1": "critical"}) == ()  # an agent's band: a share of all traffic
    assert kinds(alerts(queued(parties=(TRADER, "vehicle:51C-123.45")), History(), {}, {"vehicle:51C-123.45": "high"})) == [
        "key_target"]


def test_each_profile_hit_is_an_alert():
    found = alerts(queued(hits=(("P-1", 2, "red", "cotton from CN under-declared"),)), History(), {}, {})
    assert kinds(found) == ["profile_hit"] and "P-1 (version 2) asks for the red lane" in found[0].sentence


def test_a_trader_score_that_rose_since_its_previous_declaration_jumps():
    assert kinds(alerts(queued(trader_score=0.7), History(trader_score=0.3), {}, {})) == ["score_jump"]
    assert alerts(queued(trader_score=0.4), History(trader_score=0.3), {}, {}) == ()  # 0.1: within the noise
    assert alerts(queued(trader_score=0.7), History(), {}, {}) == ()  # nothing to compare with


def test_a_declaration_far_above_the_traders_usual_score_jumps():
    past = History(scores=(0.05,) * MIN_SCORES)
    found = alerts(queued(score=0.6), past, {}, {})
    assert kinds(found) == ["score_jump"] and "usually 0.05" in found[0].sentence
    assert alerts(queued(score=0.12), past, {}, {}) == ()  # more than 3 times, but not 0.2 above
    assert alerts(queued(score=0.6), History(scores=(0.05,) * (MIN_SCORES - 1)), {}, {}) == ()  # too few to know the usual


def test_a_value_far_from_the_traders_own_is_unusual_either_way():
    found = alerts(queued(value_usd=400_000.0), history(usual()), {}, {})
    assert kinds(found) == ["unusual_value"] and "times the trader's usual" in found[0].sentence
    assert kinds(alerts(queued(value_usd=300.0), history(usual()), {}, {})) == ["unusual_value"]
    assert alerts(queued(value_usd=400_000.0), history(usual(MIN_HISTORY - 1)), {}, {}) == ()


def test_a_trader_with_one_value_is_not_flagged_for_a_small_change():
    same = history([{**r, "value_usd": 1000.0} for r in usual(20)])
    assert alerts(queued(value_usd=1300.0), same, {}, {}) == ()
    assert kinds(alerts(queued(value_usd=5000.0), same, {}, {})) == ["unusual_value"]


def test_new_goods_route_and_partner_need_a_history_of_their_own():
    odd = queued(hs_chapter="24", border_gate="Hữu Nghị", origin_country="LA", partner="other|LA")
    found = alerts(odd, history(usual()), {}, {})
    assert kinds(found) == ["new_goods", "new_route", "new_route", "new_partner"]
    assert f"none of the trader's {MIN_HISTORY} earlier declarations" in found[0].sentence
    assert "other (LA)" in found[3].sentence
    assert alerts(odd, history(usual(MIN_HISTORY - 1)), {}, {}) == ()  # a new trader: everything is new


def test_history_skips_missing_fields():
    h = history([{"value_usd": None, "hs_chapter": "", "border_gate": "G"}, {"value_usd": 5.0}])
    assert h.values == (5.0,) and h.gates == frozenset({"G"}) and h.chapters == frozenset() and h.declarations == 2
