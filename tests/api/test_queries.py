"""What the read operations answer on the small world: risk, channel advice, key targets,
networks, search, dossiers, paths, neighbourhoods, health."""

from __future__ import annotations

import csv
import math

import pytest

from riskgraph.declarations import training
from riskgraph.entities.analysis import MODEL_VERSION as ANALYSIS_VERSION
from riskgraph.ingest.normalize import fold
from tests.api.conftest import CUTOFF, assert_clean, codes
from tests.conftest import SMALL_WORLD

ENTERPRISE, OTHER, WITH_INTEL = "0309757719", "0358652243", "0230028137"
MODEL_VERSION = f"{ANALYSIS_VERSION}-priors"  # the small world holds too few labels to learn a ranker
RISK = "risk { score band asOf modelVersion own network provisional reasons { factor contribution detail } paths { nodes relationships contribution } }"


def _rows(feed: str) -> list[dict]:
    with open(SMALL_WORLD / f"{feed}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- entity risk -------------------------------------------------------------------------


def test_entity_risk_of_known_and_unknown_entities_in_the_order_asked(api):
    refs = [{"kind": "ENTERPRISE", "id": ENTERPRISE}, {"kind": "PERSON", "id": "999999999999"}, {"kind": "VEHICLE", "id": "MSCU5244367"},
            {"kind": "ENTERPRISE", "id": ENTERPRISE}]
    found = api.data(f"query($r: [EntityRef!]!) {{ entityRisk(refs: $r) {{ kind id known {RISK} }} }}", {"r": refs}, "clearance")["entityRisk"]
    assert [(e["kind"], e["id"]) for e in found] == [(r["kind"], r["id"]) for r in refs]
    known, unknown, vehicle, again = found
    assert known["known"] and vehicle["known"] and not unknown["known"] and again == known
    assert 0.7 <= known["risk"]["score"] <= 1 and known["risk"]["band"] in ("HIGH", "CRITICAL")
    assert known["risk"]["reasons"] and known["risk"]["reasons"][0]["contribution"] > 0 and known["risk"]["provisional"] is False
    assert unknown["risk"]["score"] == 0 and unknown["risk"]["band"] == "LOW" and unknown["risk"]["reasons"] == []
    for e in found:  # every answer says which analysis it comes from
        assert (e["risk"]["asOf"], e["risk"]["modelVersion"]) == (CUTOFF.isoformat(), MODEL_VERSION)


def test_entity_risk_agrees_with_the_key_target_list(api):
    top = api.data("{ keyTargets(kind: ENTERPRISE, first: 3) { edges { node { id risk { score band } } } } }", role="officer")["keyTargets"]["edges"]
    refs = [{"kind": "ENTERPRISE", "id": e["node"]["id"]} for e in top]
    risks = api.data("query($r: [EntityRef!]!) { entityRisk(refs: $r) { risk { score band } } }", {"r": refs}, "clearance")["entityRisk"]
    assert [r["risk"] for r in risks] == [e["node"]["risk"] for e in top]


def test_entity_of_a_known_and_an_unknown_id(api):
    found = api.data(f'{{ entity(kind: ENTERPRISE, id: "{ENTERPRISE}") {{ kind id known name status province registeredOn activities byReference {RISK} }} }}',
                     role="officer")["entity"]
    assert found["name"] == "Công ty Cổ phần Dệt may Long Thịnh" and found["known"] and not found["byReference"]
    assert found["risk"]["asOf"] == CUTOFF.isoformat()
    assert api.data('{ entity(kind: AGENT, id: "DL999999") { id } }', role="officer") == {"entity": None}


# --- assess a declaration ------------------------------------------------------------------

ASSESS = "query($i: DeclarationInput!) { assessDeclaration(input: $i) { declarationNo channel score random asOf modelVersion reasons { factor contribution detail } } }"
DECLARATION = {"declarationNo": "109999000001", "direction": "import", "registeredAt": "2024-06-30T10:00:00+07:00", "traderTaxCode": OTHER,
               "agentCode": "DL020008", "hsCodes": ["03061721"], "valueUsd": 12000.5, "originCountry": "CN", "partnerCountry": "CN",
               "netMassKg": 1000, "quantity": 1000, "quantityUnit": "KGM", "vehicleIds": ["MSCU5244367"]}


def test_assess_a_valid_declaration(api):
    nodes = api.nodes()
    a = api.data(ASSESS, {"i": DECLARATION}, "clearance")["assessDeclaration"]
    assert a["declarationNo"] == "109999000001" and a["channel"] in ("GREEN", "BLUE", "YELLOW", "RED") and 0 <= a["score"] <= 1
    assert (a["asOf"], a["modelVersion"]) == (CUTOFF.isoformat(), MODEL_VERSION)
    assert a["reasons"][0]["factor"] == "trader" and OTHER in a["reasons"][0]["detail"]
    plain = api.data(ASSESS, {"i": {**DECLARATION, "traderTaxCode": "0100000000", "agentCode": None, "vehicleIds": None}}, "clearance")["assessDeclaration"]
    assert plain["score"] < a["score"]
    assert api.nodes() == nodes  # nothing is written


@pytest.mark.parametrize("change, field", [
    ({"registeredAt": "yesterday"}, "registered_at"),
    ({"registeredAt": "2024-02-30T10:00:00+07:00"}, "registered_at"),
    ({"hsCodes": ["12"]}, "hs_codes"),
    ({"direction": "sideways"}, "direction"),
    ({"valueUsd": -5}, "value_usd"),
    ({"declarationNo": ""}, "declaration_no"),
    ({"originCountry": "China"}, "origin_country"),
])
def test_assess_an_invalid_declaration_names_the_field(api, change, field):
    answer = api.gql(ASSESS, {"i": {**DECLARATION, **change}}, "clearance")
    assert codes(answer) == ["BAD_USER_INPUT"] and answer["data"] is None
    assert answer["errors"][0]["message"].startswith(f"{field}:")


def test_assess_without_a_required_field_is_refused_before_it_runs(api):
    incomplete = {k: v for k, v in DECLARATION.items() if k != "traderTaxCode"}
    response = api.post(ASSESS, {"i": incomplete}, "clearance")
    assert response.status_code < 500 and "traderTaxCode" in response.json()["errors"][0]["message"]


ASSESS_BASIS = "query($i: DeclarationInput!) { assessDeclaration(input: $i) { declarationNo channel score probability basis modelVersion } }"


def test_assess_without_a_selectivity_model_says_it_used_the_graph_and_profile_score(api):
    a = api.data(ASSESS_BASIS, {"i": DECLARATION}, "clearance")["assessDeclaration"]
    assert a["probability"] is None and a["modelVersion"] == MODEL_VERSION
    assert a["basis"].startswith("graph and profile score") and CUTOFF.isoformat() in a["basis"] and "riskgraph train" in a["basis"]


def test_assess_with_a_selectivity_model_gives_its_probability(api, tmp_path):
    from datetime import date

    from riskgraph import declarations as selectivity
    from riskgraph.api.app import create_app
    from tests.api.conftest import Api, TestClient

    with pytest.MonkeyPatch.context() as mp:  # the small world has too few discrepancies for the real threshold
        mp.setattr(training, "MIN_DISCREPANCIES", 10)
        model = selectivity.train(api.store, date(2024, 6, 30), history_months=36, graph=False)
    selectivity.save(model, tmp_path / "models")
    with TestClient(create_app(api.store, models_dir=tmp_path / "models"), raise_server_exceptions=False) as client:
        served = Api(api.settings, api.store, client, api.keys, api.names)
        a = served.data(ASSESS_BASIS, {"i": DECLARATION}, "clearance")["assessDeclaration"]
        again = served.data(ASSESS_BASIS, {"i": DECLARATION}, "clearance")["assessDeclaration"]
    assert a["basis"] == "model" and 0 <= a["probability"] <= 1 and a["score"] == pytest.approx(a["probability"], abs=1e-4)
    assert a["modelVersion"] == f"{MODEL_VERSION}+{model.version}" and a["channel"] in ("GREEN", "BLUE", "YELLOW", "RED")
    assert again == a


def test_concurrent_first_assessments_build_the_assessor_once(api, monkeypatch):
    import asyncio

    from riskgraph.api import services as shared

    real, built = shared.Assessor, []

    def counting(*args):
        built.append(args)
        return real(*args)

    monkeypatch.setattr(shared, "Assessor", counting)
    services = shared.Services(api.store, timeout=5.0)

    async def many(n: int) -> list:
        return await asyncio.gather(*(services.assessor() for _ in range(n)))

    try:
        found = asyncio.run(many(8))
    finally:
        services.close()
    assert len(built) == 1 and all(a is found[0] for a in found)


# --- key targets and networks ------------------------------------------------------------

PAGE = "query($after: String, $first: Int!) { keyTargets(kind: ENTERPRISE, first: $first, after: $after) { totalCount edges { cursor node { id risk { score } } } pageInfo { hasNextPage endCursor } } }"


def test_key_target_pages_cover_the_list_once_in_order(api):
    whole = api.data(PAGE, {"first": 500}, "officer")["keyTargets"]
    total = whole["totalCount"]
    assert 50 < total == len(whole["edges"]) <= 500 and not whole["pageInfo"]["hasNextPage"]
    seen, after, pages = [], None, 0
    while True:
        page = api.data(PAGE, {"first": 40, "after": after}, "officer")["keyTargets"]
        pages += 1
        assert page["totalCount"] == total and len(page["edges"]) <= 40
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        seen += [e["node"]["id"] for e in page["edges"]]
        assert page["pageInfo"]["hasNextPage"] == (len(seen) < total)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == -(-total // 40) and len(seen) == len(set(seen)) == total
    assert seen == [e["node"]["id"] for e in whole["edges"]]
    scores = [e["node"]["risk"]["score"] for e in whole["edges"]]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0


def test_key_targets_filter_by_score_province_and_band(api):
    risky = api.data("{ keyTargets(kind: ENTERPRISE, minScore: 0.7, first: 500) { totalCount edges { node { risk { score band } } } } }", role="officer")["keyTargets"]
    assert 0 < risky["totalCount"] == len(risky["edges"]) and all(e["node"]["risk"]["score"] >= 0.7 for e in risky["edges"])
    local = api.data('{ keyTargets(kind: ENTERPRISE, province: "Hải Phòng", first: 500) { totalCount edges { node { province } } } }', role="officer")["keyTargets"]
    assert local["totalCount"] > 0 and {e["node"]["province"] for e in local["edges"]} == {"Hải Phòng"}
    for band in ("CRITICAL", "HIGH", "LOW"):
        banded = api.data(f"{{ keyTargets(kind: ENTERPRISE, band: {band}, first: 500) {{ totalCount edges {{ node {{ risk {{ band }} }} }} }} }}",
                          role="officer")["keyTargets"]
        assert 0 < banded["totalCount"] == len(banded["edges"]) and {e["node"]["risk"]["band"] for e in banded["edges"]} == {band}
    whole = api.data("{ keyTargets(kind: ENTERPRISE, first: 1) { totalCount } }", role="officer")["keyTargets"]["totalCount"]
    counts = [api.data(f"{{ keyTargets(kind: ENTERPRISE, band: {b}, first: 1) {{ totalCount }} }}", role="officer")["keyTargets"]["totalCount"]
              for b in ("LOW", "MEDIUM", "HIGH", "CRITICAL")]
    assert sum(counts) == whole
    people = api.data("{ keyTargets(kind: PERSON, first: 5) { edges { node { kind } } } }", role="officer")["keyTargets"]["edges"]
    assert people and {e["node"]["kind"] for e in people} == {"PERSON"}


@pytest.mark.parametrize("after", ["nonsense", "", "AAAA", "bm90LWEtY3Vyc29y"])
def test_a_cursor_the_api_did_not_issue_is_refused(api, after):
    answer = api.gql(PAGE, {"first": 5, "after": after}, "officer")
    assert codes(answer) in (["BAD_USER_INPUT"], ["STALE_CURSOR"]) and answer["data"] is None


def test_suspicious_networks_by_rank_with_their_members(api):
    q = "query($after: String) { suspiciousNetworks(first: 5, after: $after) { totalCount edges { cursor node { rank score size riskyMembers riskyShare why glue members { kind id name risk { score } } } } pageInfo { hasNextPage endCursor } } }"
    first = api.data(q, role="officer")["suspiciousNetworks"]
    second = api.data(q, {"after": first["pageInfo"]["endCursor"]}, "officer")["suspiciousNetworks"]
    assert first["totalCount"] == second["totalCount"] > 5 and first["pageInfo"]["hasNextPage"]
    nets = [e["node"] for e in first["edges"] + second["edges"]]
    assert [n["rank"] for n in nets] == list(range(1, 11))
    top = nets[0]
    assert top["members"] and len(top["members"]) <= top["size"] and top["glue"] and top["why"]
    assert top["riskyMembers"] <= top["size"] and 0 < top["riskyShare"] <= 1
    assert {ENTERPRISE, OTHER} <= {m["id"] for m in top["members"]}
    member_scores = [m["risk"]["score"] for m in top["members"]]
    assert member_scores == sorted(member_scores, reverse=True)


def test_network_members_are_read_once_per_request_and_only_when_asked_for(api, monkeypatch):
    from riskgraph.api import risk
    calls = []
    entities = risk.entities
    monkeypatch.setattr(risk, "entities", lambda store, refs, current: calls.append(len(refs)) or entities(store, refs, current))
    q = "{ suspiciousNetworks(first: 5) { edges { node { rank size %s } } } }"
    api.data(q % "", role="officer")
    assert calls == []
    pages = api.data(q % "members { kind id }", role="officer")["suspiciousNetworks"]["edges"]
    assert len(calls) == 1 and all(0 < len(e["node"]["members"]) <= e["node"]["size"] for e in pages)
    top = pages[0]["node"]
    member = next(m["id"] for m in top["members"] if m["kind"] == "ENTERPRISE")
    d = api.data('query($id: String!) { dossier(kind: ENTERPRISE, id: $id) { suspiciousNetwork { rank members { kind id } } } }', {"id": member}, "officer")
    assert d["dossier"]["suspiciousNetwork"] == {"rank": top["rank"], "members": top["members"]}


# --- search --------------------------------------------------------------------------------

SEARCH = "query($t: String!, $k: [EntityKind!]) { search(text: $t, kinds: $k) { matched entity { kind id name } } }"


def _search(api, text, kinds=None):
    return [(h["entity"]["kind"], h["entity"]["id"], h["matched"]) for h in api.data(SEARCH, {"t": text, "k": kinds}, "officer")["search"]]


def test_search_a_name_without_diacritics(api):
    name = next(r["name"] for r in _rows("enterprises") if r["tax_code"] == ENTERPRISE)
    folded = fold(name)
    assert folded != name.lower() and folded == "cong ty co phan det may long thinh"
    assert _search(api, folded)[0] == ("ENTERPRISE", ENTERPRISE, "name")
    assert ("ENTERPRISE", ENTERPRISE, "name") in _search(api, "det may long thi")  # the last word unfinished
    assert ("PERSON", "027069151984", "name") in _search(api, "pham quang hung", ["PERSON"])


def test_search_by_tax_code_phone_plate_and_container(api):
    assert _search(api, ENTERPRISE)[0] == ("ENTERPRISE", ENTERPRISE, "tax code")
    stored = next(r["phone"] for r in _rows("persons") if r["person_id"] == "027069151984")
    assert stored == "0834.562.053"
    for written in ("083 456 2053", "+84 834 562 053", "84834562053"):
        assert ("PERSON", "027069151984", "phone or e-mail") in _search(api, written), written
    assert _search(api, "61c 11571") == [("VEHICLE", "61C-115.71", "plate or number")]
    assert _search(api, "mscu 524436-7") == [("VEHICLE", "MSCU5244367", "plate or number")]


def test_search_keeps_to_the_kinds_asked_and_finds_nothing_for_nothing(api):
    assert all(kind == "PERSON" for kind, _, _ in _search(api, "nguyen", ["PERSON"]))
    assert _search(api, "nguyen", ["VEHICLE"]) == []
    assert _search(api, "zzzz qqqq") == []
    assert codes(api.gql(SEARCH, {"t": "x"}, "officer")) == ["BAD_USER_INPUT"]


# --- dossier -------------------------------------------------------------------------------

DOSSIER = """query($id: String!) { dossier(kind: ENTERPRISE, id: $id) {
  entity { id name status risk { score } }
  watchlist { entryId }
  roles { relationship role since until sharePct otherKind otherId otherName }
  identifiers { kind value text holderCount holders { kind id name } }
  trade { since declarations valueUsd truncated parts { key count valueUsd } byMonth { key count } channels { key count }
          inspections { key count } hsCodes { key count } partners { key count } gates { key count } }
  violations { violationId kind decidedOn severity penaltyVnd backTaxVnd detectedBy declarations }
  intel { reportId receivedOn grade reliability credibility sourceKind summary }
  community suspiciousNetwork { rank }
  neighbours { entity { kind id risk { score } } links weight } } }"""


def test_dossier_of_an_enterprise(api):
    d = api.data(DOSSIER, {"id": WITH_INTEL}, "investigator")["dossier"]
    assert d["entity"]["name"] == "Công ty TNHH Đầu tư và Thương mại Phú Vượng"
    people = {(r["otherId"], r["role"], r["since"]) for r in d["roles"]}
    assert people == {(r["person_id"], r["role"], r["since"]) for r in _rows("roles") if r["tax_code"] == WITH_INTEL}
    assert all(r["otherKind"] == "PERSON" and r["otherName"] for r in d["roles"])
    assert next(r["sharePct"] for r in d["roles"] if r["role"] == "shareholder") == 100

    shared = [i for i in d["identifiers"] if i["holderCount"] > 0]
    assert shared and all(len(i["holders"]) == min(i["holderCount"], 20) for i in d["identifiers"])
    assert {"address", "phone"} <= {i["kind"] for i in d["identifiers"]}

    trade = d["trade"]
    mine = [r for r in _rows("declarations") if WITH_INTEL in (r["trader_tax_code"], r["warehouse"]) and r["registered_at"][:10] >= trade["since"]]
    assert trade["declarations"] == len(mine) > 0 and not trade["truncated"]
    assert trade["valueUsd"] == pytest.approx(sum(float(r["value_usd"]) for r in mine), abs=0.05)
    assert sum(c["count"] for c in trade["byMonth"]) == sum(c["count"] for c in trade["parts"]) == len(mine)

    expected = [r for r in _rows("violations") if r["subject_id"] == WITH_INTEL]
    assert {v["violationId"] for v in d["violations"]} == {r["violation_id"] for r in expected}
    assert d["violations"][0]["declarations"] == [expected[0]["declaration_no"]]

    intel = {r["report_id"]: r for r in _rows("intel") if r["subject_id"] == WITH_INTEL}
    assert {i["reportId"]: i["grade"] for i in d["intel"]} == {k: r["reliability"] + r["credibility"] for k, r in intel.items()}
    assert all(i["summary"] == intel[i["reportId"]]["summary"] and i["sourceKind"] == intel[i["reportId"]]["source_kind"] for i in d["intel"])

    assert d["suspiciousNetwork"]["rank"] >= 1 and d["community"] is not None
    assert d["neighbours"] and all(n["links"] and n["weight"] >= 1 for n in d["neighbours"])
    scores = [n["entity"]["risk"]["score"] for n in d["neighbours"]]
    assert scores == sorted(scores, reverse=True)


def test_dossier_names_who_else_declares_an_identifier(api):
    d = api.data(DOSSIER, {"id": ENTERPRISE}, "investigator")["dossier"]
    accounts = [i for i in d["identifiers"] if i["kind"] == "bank_account"]
    assert any(("ENTERPRISE", OTHER) in {(h["kind"], h["id"]) for h in i["holders"]} for i in accounts)


def test_dossier_of_an_unknown_entity_is_null(api):
    assert api.data('{ dossier(kind: VEHICLE, id: "NOPE0000000") { entity { id } } }', role="officer") == {"dossier": None}


# --- links ---------------------------------------------------------------------------------

CONNECTION = """query($a: String!, $b: String!, $hops: Int) { connection(from: {kind: ENTERPRISE, id: $a}, to: {kind: ENTERPRISE, id: $b}, maxHops: $hops) {
  found paths { length nodes { nodeId label key name score band } edges { source target type facts } } } }"""


TRADE_LINKS = {"FILED_BY_AGENT", "FILED_BY_DECLARANT", "CARRIED_BY", "STORED_AT", "WITH_PARTNER"}


def test_connection_between_two_linked_enterprises_with_the_facts_of_each_hop(api):
    c = api.data(CONNECTION, {"a": ENTERPRISE, "b": OTHER}, "investigator")["connection"]
    assert c["found"] and c["paths"]
    for path in c["paths"]:
        nodes = path["nodes"]
        assert (nodes[0]["key"], nodes[-1]["key"]) == (ENTERPRISE, OTHER)
        assert path["length"] == len(path["edges"]) == len(nodes) - 1 == min(p["length"] for p in c["paths"])
        for hop, edge in enumerate(path["edges"]):
            assert {edge["source"], edge["target"]} == {nodes[hop]["nodeId"], nodes[hop + 1]["nodeId"]}
            if edge["type"] == "TRADE":  # declarations collapsed: how many, when, through which link
                facts = edge["facts"]
                assert facts["declarations"] >= 1 and facts["first"] <= facts["last"] and facts["link"] in TRADE_LINKS
            else:
                assert edge["type"] and edge["facts"].get("source_run", 0) >= 1  # provenance at least
        assert nodes[0]["score"] > 0 and nodes[0]["band"] in ("HIGH", "CRITICAL")
    assert any(n["label"] == "BankAccount" for p in c["paths"] for n in p["nodes"])


def test_connection_to_oneself_an_unknown_entity_and_too_many_hops(api):
    assert api.data(CONNECTION, {"a": ENTERPRISE, "b": ENTERPRISE}, "investigator")["connection"] == {"found": True, "paths": []}
    assert api.data(CONNECTION, {"a": ENTERPRISE, "b": "0000000001"}, "investigator") == {"connection": None}
    assert codes(api.gql(CONNECTION, {"a": ENTERPRISE, "b": OTHER, "hops": 7}, "investigator")) == ["BAD_USER_INPUT"]


NEIGHBOURHOOD = "query($d: Int!, $l: Int!) { neighbourhood(kind: ENTERPRISE, id: \"%s\", depth: $d, limit: $l) { truncated nodes { nodeId label key score } edges { source target type facts } } }" % ENTERPRISE


def test_neighbourhood_respects_depth_and_limit(api):
    one = api.data(NEIGHBOURHOOD, {"d": 1, "l": 500}, "investigator")["neighbourhood"]
    start = one["nodes"][0]
    assert start["key"] == ENTERPRISE and not one["truncated"]
    ids = {n["nodeId"] for n in one["nodes"]}
    assert len(ids) == len(one["nodes"]) > 5
    assert all(start["nodeId"] in (e["source"], e["target"]) for e in one["edges"])  # one hop: every edge touches the start
    assert ids == {start["nodeId"]} | {e["source"] for e in one["edges"]} | {e["target"] for e in one["edges"]}

    two = api.data(NEIGHBOURHOOD, {"d": 2, "l": 500}, "investigator")["neighbourhood"]
    assert ids < {n["nodeId"] for n in two["nodes"]}
    assert all({e["source"], e["target"]} <= {n["nodeId"] for n in two["nodes"]} for e in two["edges"])

    small = api.data(NEIGHBOURHOOD, {"d": 2, "l": 7}, "investigator")["neighbourhood"]
    assert len(small["nodes"]) == 7 and small["truncated"]
    assert all({e["source"], e["target"]} <= {n["nodeId"] for n in small["nodes"]} for e in small["edges"])


WALK = """query($links: [LinkGroup!], $hub: Int) {
  connection(from: {kind: ENTERPRISE, id: "%s"}, to: {kind: ENTERPRISE, id: "%s"}, maxHops: 4, links: $links, hubLimit: $hub) {
    found complete paths { nodes { nodeId label } edges { type facts } } hubs { links node { nodeId label } } }
  neighbourhood(kind: ENTERPRISE, id: "%s", depth: 2, limit: 500, links: $links, hubLimit: $hub) {
    truncated nodes { nodeId label } edges { source target type facts } hubs { links node { nodeId label } } } }""" % (ENTERPRISE, OTHER, ENTERPRISE)
GROUP_TYPES = {"PEOPLE": {"HOLDS_ROLE"}, "IDENTIFIERS": {"HAS_PHONE", "HAS_EMAIL", "LOCATED_AT", "HAS_ACCOUNT"},
               "AGENTS": {"REGISTERED_AS"}, "VEHICLES": {"OWNED_BY", "OPERATED_BY"}, "CASES": {"AGAINST", "ABOUT"}}


@pytest.mark.parametrize("group", sorted(GROUP_TYPES))
def test_a_walk_follows_only_the_link_groups_asked_for(api, group):
    found = api.data(WALK, {"links": [group]}, "investigator")
    edges = [e for p in found["connection"]["paths"] for e in p["edges"]] + found["neighbourhood"]["edges"]
    trade = {"PEOPLE": {"FILED_BY_DECLARANT"}, "AGENTS": {"FILED_BY_AGENT"}, "VEHICLES": {"CARRIED_BY"}}.get(group, set())
    for e in edges:
        assert e["type"] in GROUP_TYPES[group] or (e["type"] == "TRADE" and e["facts"]["link"] in trade), e


def test_declarations_are_walked_only_when_asked_for(api):
    default = api.data(WALK, {}, "investigator")
    labels = {n["label"] for n in default["neighbourhood"]["nodes"]}
    assert "Declaration" not in labels and any(e["type"] == "TRADE" for e in default["neighbourhood"]["edges"])
    raw = api.data(WALK, {"links": ["DECLARATIONS"]}, "investigator")
    assert "Declaration" in {n["label"] for n in raw["neighbourhood"]["nodes"]}
    assert not any(e["type"] == "TRADE" for e in raw["neighbourhood"]["edges"])


def test_hubs_are_listed_and_not_expanded(api):
    found = api.data(WALK, {"hub": 3}, "investigator")
    area = found["neighbourhood"]
    hubs = {h["node"]["nodeId"]: h["links"] for h in area["hubs"]}
    assert hubs and all(links > 3 for links in hubs.values())
    start = area["nodes"][0]["nodeId"]
    assert start not in hubs  # the entity asked for is always opened
    # a hub's own links beyond the start's are not read: no edge joins a hub to a node the start does not reach
    first = {e["source"] for e in area["edges"] if start in (e["source"], e["target"])} | \
            {e["target"] for e in area["edges"] if start in (e["source"], e["target"])}
    for e in area["edges"]:
        for end, other in ((e["source"], e["target"]), (e["target"], e["source"])):
            if end in hubs:
                assert other in first or other == start, e
    met = {h["node"]["nodeId"] for h in found["connection"]["hubs"]}
    assert met and all(h["links"] > 3 for h in found["connection"]["hubs"])
    for path in found["connection"]["paths"]:  # no path through a hub
        assert not {n["nodeId"] for n in path["nodes"][1:-1]} & met, path


@pytest.mark.parametrize("variables", [{"links": []}, {"hub": 0}, {"hub": 100_000}])
def test_a_walk_with_bad_links_or_hub_limit_is_refused(api, variables):
    assert "BAD_USER_INPUT" in codes(api.gql(WALK, variables, "investigator"))


@pytest.mark.parametrize("depth, limit", [(0, 10), (4, 10), (1, 501), (1, -1)])
def test_neighbourhood_out_of_range_is_refused(api, depth, limit):
    answer = api.gql(NEIGHBOURHOOD, {"d": depth, "l": limit}, "investigator")
    assert codes(answer) == ["BAD_USER_INPUT"] and not (answer.get("data") or {}).get("neighbourhood")


# --- health and explorer ---------------------------------------------------------------------


def test_healthz_names_the_current_analysis(api):
    response = api.client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["store"] is True
    assert (body["modelVersion"], body["asOf"]) == (MODEL_VERSION, CUTOFF.isoformat())
    assert body["analysisId"].startswith(CUTOFF.isoformat())
    assert response.headers["cache-control"] == "no-store"


def test_get_graphql_is_the_explorer_not_an_execution(api):
    keys = len(api.store.query("apikey_list"))
    for url in ("/graphql", "/graphql?query=%7BapiKeys%7BkeyId%7D%7D", "/graphql?query=mutation%7BcreateApiKey(role:%22admin%22,name:%22x%22)%7Bkey%7D%7D"):
        response = api.client.get(url, headers={"Authorization": f"Bearer {api.keys['admin']}"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        assert "<html" in response.text and "keyId" not in response.text and '"data"' not in response.text
    assert len(api.store.query("apikey_list")) == keys
    assert api.client.get("/graphql/explorer/graphiql.min.js").status_code == 200
    assert api.client.get("/graphql/explorer/..%2F..%2Fsettings.py").status_code == 404


NODE_NEIGHBOURHOOD = "query($n: ID) { neighbourhood(nodeId: $n, depth: 1, limit: 50) { nodes { nodeId label key } edges { source target type } } }"


def test_a_chart_node_that_is_no_entity_opens_by_its_node_id(api):
    around = api.data(NEIGHBOURHOOD, {"d": 1, "l": 500}, "investigator")["neighbourhood"]
    phone = next(n for n in around["nodes"] if n["label"] in ("Phone", "Address", "Email", "BankAccount"))
    found = api.data(NODE_NEIGHBOURHOOD, {"n": phone["nodeId"]}, "investigator")["neighbourhood"]
    assert found["nodes"][0] == {k: phone[k] for k in ("nodeId", "label", "key")} and ENTERPRISE in {n["key"] for n in found["nodes"]}


def test_node_ids_reach_no_record_of_riskgraph_itself(api):
    from falkordb import FalkorDB

    raw = FalkorDB(unix_socket_path=api.store.info().location).select_graph(api.settings.graph)
    key_node = raw.ro_query("MATCH (k:ApiKey) RETURN id(k) LIMIT 1").result_set[0][0]
    assert api.data(NODE_NEIGHBOURHOOD, {"n": str(key_node)}, "investigator") == {"neighbourhood": None}
    assert api.data(NODE_NEIGHBOURHOOD, {"n": "999999999"}, "investigator") == {"neighbourhood": None}
    for bad in ('nodeId: "x1"', f'nodeId: "1", kind: ENTERPRISE, id: "{ENTERPRISE}"', "depth: 1"):
        assert codes(api.gql(f"{{ neighbourhood({bad}) {{ truncated }} }}", role="investigator")) == ["BAD_USER_INPUT"]


AUDIT_PLAN = """query($p: String!, $s: Float!) { auditPlan(period: $p, share: $s, first: 3) {
  since until share greenDeclarations selected basis
  declarations { rank declarationNo registeredOn trader score stakeVnd atRiskVnd priority reasons { factor contribution detail } }
  enterprises { rank taxCode name selected atRiskVnd score band } } }"""


def test_audit_plan_for_officers_picks_at_least_its_share_of_green_declarations(api):
    plan = api.data(AUDIT_PLAN, {"p": "2024-04-01..2024-06-30", "s": 0.05}, "officer")["auditPlan"]
    assert (plan["since"], plan["until"], plan["share"]) == ("2024-04-01", "2024-06-30", 0.05)
    green, selected = plan["greenDeclarations"], plan["selected"]
    assert green > 50 and selected == math.ceil(green * 0.05) and len(plan["declarations"]) == 3
    assert [d["rank"] for d in plan["declarations"]] == [1, 2, 3]
    assert all("2024-04-01" <= d["registeredOn"] <= "2024-06-30" for d in plan["declarations"])
    assert [d["priority"] for d in plan["declarations"]] == sorted((d["priority"] for d in plan["declarations"]), reverse=True)
    assert plan["enterprises"] and plan["enterprises"][0]["rank"] == 1
    assert all(e["band"] in (None, "LOW", "MEDIUM", "HIGH", "CRITICAL") for e in plan["enterprises"])


def test_audit_plan_refuses_clearance_bad_periods_and_shares(api):
    assert codes(api.gql(AUDIT_PLAN, {"p": "2024-Q2", "s": 0.01}, "clearance")) == ["FORBIDDEN"]
    for period, share, says in (("2024-Q5", 0.01, "is not a period"), ("2024", 0.01, "at most a quarter"),
                                ("2024-Q2", 0.0, "share: must be more than 0"), ("2024-Q2", 1.5, "share: must be more than 0")):
        answer = api.gql(AUDIT_PLAN, {"p": period, "s": share}, "officer")
        assert codes(answer) == ["BAD_USER_INPUT"] and says in answer["errors"][0]["message"], answer
        assert_clean(answer)
