"""Officers' risk profiles on the small world: versions, validity, activity, and how the
assessor lays their hits over the model (both paths), with the red cap."""

from __future__ import annotations

from datetime import date

import pytest

from riskgraph import declarations as S
from riskgraph.channels import Assessment, Assessor, Policy
from riskgraph.channels import profiles as P
from riskgraph.declarations import training
from riskgraph.entities.analysis import analyze
from riskgraph.entities.results import save as save_analysis
from riskgraph.errors import InvalidCriteria
from riskgraph.graph import open_store
from riskgraph.ingest.declaration_file import read_declarations as read
from tests.conftest import SMALL_WORLD

AS_OF = date(2025, 12, 31)


@pytest.fixture(scope="module")
def analysed(world_settings):
    store = open_store(world_settings)
    try:
        save_analysis(store, analyze(store, AS_OF))
    finally:
        store.close()
    return world_settings


@pytest.fixture
def clean(analysed):
    """The analysed world with every profile left by an earlier test deactivated."""
    store = open_store(analysed)
    for p in P.listed(store):
        if p.active:
            P.edit(store, p.profile_id, p.version, {"active": False}, "tests", "clean slate")
    yield store
    store.close()


def sample(n: int = 300) -> list[dict]:
    return next(iter(read(SMALL_WORLD / "declarations.csv")))[-n:]


def values(criteria: str, lane: str = "red", **kw) -> dict:
    return {"owner_unit": "Phòng QLRR", "criteria": criteria, "reason": f"reason of {criteria}", "instructions": "check the goods",
            "lane": lane, "valid_from": "2020-01-01", **kw}


def test_every_edit_is_a_version_kept_and_a_stale_edit_is_refused(clean):
    p, repeat = P.create(clean, values("hs in 8708"), "officer a", "RP-V1", requester="k1")
    assert (p.version, p.active, p.valid_to, repeat) == (1, True, None, False)
    assert P.create(clean, values("hs in 8708"), "officer a", "RP-V1", requester="k1") == (p, True)  # a retry
    with pytest.raises(P.InvalidProfile, match="taken"):
        P.create(clean, values("hs in 0808"), "officer b", "RP-V1", requester="k2")
    q, _ = P.edit(clean, "RP-V1", 1, {"lane": "yellow", "valid_to": "2026-06-30"}, "officer b", "narrower", requester="k2")
    assert (q.version, q.lane, q.valid_to, q.criteria, q.edited_by) == (2, "yellow", "2026-06-30", "hs in 8708", "officer b")
    assert P.edit(clean, "RP-V1", 1, {"lane": "yellow", "valid_to": "2026-06-30"}, "officer b", "narrower", requester="k2")[1]
    with pytest.raises(P.InvalidProfile, match="edited since version 1"):
        P.edit(clean, "RP-V1", 1, {"lane": "green"}, "officer c", "mine")
    r, _ = P.edit(clean, "RP-V1", 2, {"active": False}, "officer c", "no longer needed")
    versions = P.history(clean, "RP-V1")
    assert [(v.version, v.lane, v.active, v.note) for v in versions] == [
        (1, "red", True, "created"), (2, "yellow", True, "narrower"), (3, "yellow", False, "no longer needed")]
    assert P.get(clean, "RP-V1") == r == versions[-1]
    assert P.edit(clean, "RP-V1", 3, {"valid_to": None}, "officer b", "open-ended again")[0].valid_to is None


def test_bad_fields_are_refused_before_anything_is_stored(clean):
    with pytest.raises(InvalidCriteria, match="column 7"):
        P.create(clean, values("hs in 84x"), "officer", "RP-BAD")
    for bad, match in ((values("hs in 84", lane="purple"), "lane"), (values("hs in 84", valid_to="2019-01-01"), "valid_to"),
                       (values("hs in 84", valid_from="soon"), "valid_from"), ({**values("hs in 84"), "reason": ""}, "reason")):
        with pytest.raises(P.InvalidProfile, match=match):
            P.create(clean, bad, "officer", "RP-BAD")
    with pytest.raises(P.InvalidProfile, match="profile_id"):
        P.create(clean, values("hs in 84"), "officer", "bad id!")
    assert P.get(clean, "RP-BAD") is None


def _no(rows: list[dict], key: str) -> dict:
    return next(r for r in rows if r["key"] == key)


def test_overlapping_profiles_both_hit_and_the_stricter_lane_wins(clean):
    rows = sample()
    d = rows[-1]
    hs = d["props"]["hs_codes"][0]
    P.create(clean, values(f"hs in {hs[:4]}", lane="yellow"), "officer", "RP-O1")
    P.create(clean, values(f'hs in {hs[:2]} and origin = "{d["props"]["origin_country"]}"', lane="red"), "officer", "RP-O2")
    plain = Assessor(clean, Policy(profile_cap=1.0))
    a = plain.assess([d])[0]
    assert {h.profile_id for h in a.hits} == {"RP-O1", "RP-O2"}
    assert a.channel == "red"
    profile_reasons = [t for part, _, t in a.reasons if part == "profile"]
    assert len(profile_reasons) == 2 and any("RP-O1" in t and "asks for yellow" in t for t in profile_reasons)
    assert {h.lane for h in a.hits} == {"yellow", "red"} and all(h.instructions == "check the goods" for h in a.hits)
    # A declaration of other goods meets neither.
    other = next(r for r in rows if not any(c.startswith(hs[:2]) for c in r["props"]["hs_codes"]))
    assert plain.assess([other])[0].hits == ()


def test_only_active_profiles_in_force_on_the_day_hit(clean):
    d = sample()[-1]
    day = d["props"]["registered_on"]
    hs = d["props"]["hs_codes"][0][:4]
    P.create(clean, values(f"hs in {hs}", valid_from="2099-01-01"), "officer", "RP-FUTURE")
    P.create(clean, values(f"hs in {hs}", valid_to="2020-12-31"), "officer", "RP-PAST")
    P.create(clean, values(f"hs in {hs}", valid_from=day, valid_to=day), "officer", "RP-TODAY")
    off, _ = P.create(clean, values(f"hs in {hs}"), "officer", "RP-OFF")
    P.edit(clean, "RP-OFF", off.version, {"active": False}, "officer", "paused")
    assert [h.profile_id for h in Assessor(clean, Policy(profile_cap=1.0)).assess([d])[0].hits] == ["RP-TODAY"]


def test_the_cap_sends_red_hits_past_it_to_yellow_saying_so(clean):
    rows = sample(200)
    plain = {a.declaration_no: a.channel for a in Assessor(clean, Policy()).assess(rows)}  # no profile active yet
    P.create(clean, values('not origin = "ZZ"'), "officer", "RP-FLOOD")  # a misconfigured profile: everything
    assessor = Assessor(clean, Policy(profile_cap=0.05))
    out = assessor.assess(rows)
    assert all([h.profile_id for h in a.hits] == ["RP-FLOOD"] for a in out)

    def capped(a):
        return any("their cap" in t for part, _, t in a.reasons if part == "profile")

    raised = [a for a in out if a.channel == "red" and plain[a.declaration_no] != "red"]
    assert len(raised) == 10 and not any(capped(a) for a in raised)  # 5% of 200
    held = [a for a in out if capped(a)]
    assert len(held) == sum(1 for c in plain.values() if c != "red") - 10 and all(a.channel == "yellow" for a in held)
    assert min(a.score for a in raised) >= max(a.score for a in held)  # the riskiest go red
    # Over the assessor's life: 20 more declarations may send one more to red.
    more = assessor.assess(sample(400)[:20])
    assert sum(1 for a in more if a.channel == "red" and not capped(a)) <= 1 + sum(1 for a in more if a.score >= assessor.thresholds["red"])
    # A measure over cleared declarations (an audit plan, effectiveness) caps within its
    # batch and leaves clearance's count alone.
    before = (assessor.cap.assessed, assessor.cap.sent)
    measured = assessor.assess(rows, clearance=False)
    assert (assessor.cap.assessed, assessor.cap.sent) == before
    assert sum(1 for a in measured if capped(a)) == len(held)
    assert assessor.scores(rows) == {a.declaration_no: a.score for a in out}
    assert (assessor.cap.assessed, assessor.cap.sent) == before


def _assessed(no: str, channel: str, score: float, random: bool = False) -> Assessment:
    return Assessment(no, channel, score, random, ())


def _hit(lane: str) -> P.ProfileHit:
    return P.ProfileHit(f"RP-{lane}", 1, lane, f"asks {lane}")


def test_a_drawn_declaration_a_profile_lifts_stays_in_the_random_sample():
    out = P.apply([_assessed("1", "yellow", 0.1, random=True), _assessed("2", "green", 0.1, random=True),
                   _assessed("3", "green", 0.1)], [[_hit("red")], [], [_hit("yellow")]], P.Cap(1.0))
    assert [(a.channel, a.random) for a in out] == [("red", True), ("green", True), ("yellow", False)]


def test_a_blue_hit_lifts_green_to_blue_and_never_lowers_a_lane():
    out = P.apply([_assessed("1", "green", 0.1), _assessed("2", "yellow", 0.1), _assessed("3", "red", 0.9)],
                  [[_hit("blue")], [_hit("blue")], [_hit("blue"), _hit("green")]], P.Cap(0.0))
    assert [a.channel for a in out] == ["blue", "yellow", "red"]
    assert all(a.reasons[0][0] == "profile" for a in out)


def test_the_cap_counts_over_batches_and_the_riskiest_go_red():
    cap = P.Cap(0.25)
    first = P.apply([_assessed(str(i), "green", i / 10) for i in range(4)], [[_hit("red")]] * 4, cap)
    assert [a.channel for a in first] == ["yellow", "yellow", "yellow", "red"]  # one of four: the riskiest
    # Already red by risk, a hit takes nothing from the cap: two of eight so far, one more.
    second = P.apply([_assessed("r", "red", 0.9)] + [_assessed(str(i), "blue", i / 10) for i in range(4, 7)],
                     [[_hit("red")]] * 4, cap)
    assert [a.channel for a in second] == ["red", "yellow", "yellow", "red"]
    assert (cap.assessed, cap.sent) == (8, 2)


def test_party_facts_are_read_from_the_graph(clean):
    rows = sample()
    d = rows[-1]
    clean.query("watchlist_add", {"entry_id": "W-PROFILE-1", "entity": f"enterprise:{d['trader']}", "reason": "test", "owner": "tests",
                                  "now": "2025-12-31T00:00:00+07:00", "request_hash": "x"}, write=True)
    P.create(clean, values("trader is watchlisted", lane="yellow"), "officer", "RP-WATCH")
    P.create(clean, values("trader is new within 1 days"), "officer", "RP-NEW")
    out = Assessor(clean, Policy(profile_cap=1.0)).assess(rows)
    watched = [a for a, r in zip(out, rows) if r["trader"] == d["trader"]]
    assert watched and all("RP-WATCH" in {h.profile_id for h in a.hits} for a in watched)
    assert all("RP-WATCH" not in {h.profile_id for h in a.hits} for a, r in zip(out, rows) if r["trader"] != d["trader"])
    # the small world's last declarations are of traders who declared for years
    assert sum("RP-NEW" in {h.profile_id for h in a.hits} for a in out) < len(out) / 10


def test_the_model_path_applies_profiles_too(clean, analysed, tmp_path):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(training, "MIN_DISCREPANCIES", 10)
        model = S.train(clean, AS_OF, history_months=36)
    S.save(model, tmp_path)
    d = sample()[-1]
    P.create(clean, values(f"hs in {d['props']['hs_codes'][0][:6]}", lane="red"), "officer", "RP-MODEL")
    a = Assessor(clean, Policy(profile_cap=1.0), tmp_path).assess([d])[0]
    assert a.basis == "model" and a.channel == "red" and [h.profile_id for h in a.hits] == ["RP-MODEL"]
    assert a.reasons[0][0] == "profile" and "RP-MODEL" in a.reasons[0][2]


LINES = [  # as declarations.profiles.learned gives them, riskiest first
    {"hs6": "080810", "origin_country": "CN", "procedure_code": "A11", "learned_risk": 0.0636, "declarations": 24, "inspections": 81,
     "discrepancies": 7, "discrepancy_rate": 0.0864},
    {"hs6": "220830", "origin_country": "", "procedure_code": "A12", "learned_risk": 0.05, "declarations": 3, "inspections": 0,
     "discrepancies": 0, "discrepancy_rate": None},
]


class _Model:
    profiles = LINES


def test_a_suggestion_is_chosen_by_rank_or_by_its_line():
    lines = P.suggestions(_Model, 1)
    assert [s["rank"] for s in lines] == [1, 2] and lines[1]["criteria"] == 'hs in 220830 and procedure = "A12"'
    assert P.chosen(lines, rank=2) is lines[1]
    assert P.chosen(lines, hs6="080810", origin="cn", procedure="A11") is lines[0]
    assert P.chosen(lines, hs6="220830", procedure="A12") is lines[1]  # no origin: the line without one
    assert [s["rank"] for s in P.suggestions(_Model, 20)] == [1]


@pytest.mark.parametrize("asked, says", [
    ({"rank": 3}, "rank: there are 2 suggestions; choose a rank from 1 to 2"),
    ({"rank": 0}, "rank: there are 2"),
    ({}, "rank: name the suggestion either"),
    ({"rank": 1, "hs6": "080810"}, "rank: name the suggestion either"),
    ({"hs6": "080810", "origin": "TH"}, "hs6: no suggestion for HS 080810 from TH under any procedure"),
])
def test_a_bad_choice_names_what_to_give(asked, says):
    with pytest.raises(P.InvalidProfile, match=says):
        P.chosen(P.suggestions(_Model, 1), **asked)


def test_an_adoption_is_a_valid_profile_in_yellow_with_the_lines_figures():
    line = P.suggestions(_Model, 1)[0]
    profile_id, values = P.adoption(line, "Phòng QLRR", today=date(2026, 3, 1))
    assert profile_id == "LEARNED-080810-CN-A11" and P.PROFILE_ID.match(profile_id)
    assert (values["lane"], values["valid_from"], values["valid_to"], values["active"]) == ("yellow", "2026-03-01", None, True)
    assert values["reason"] == "learned line HS 080810 from CN under A11: mean risk 6%, 9% of 81 inspections wrong"
    assert P.checked(values)["criteria"] == line["criteria"]
    assert P.adoption(P.suggestions(_Model, 1)[1], "Phòng QLRR")[1]["reason"] == "learned line HS 220830 from any origin under A12: mean risk 5%"
    other_id, other = P.adoption(P.suggestions(_Model, 1)[1], "Phòng QLRR", "red", "seized at Cat Lai", "2026-12-31")
    assert other_id == "LEARNED-220830-any-A12" and (other["lane"], other["reason"], other["valid_to"]) == ("red", "seized at Cat Lai",
                                                                                                            "2026-12-31")
