"""Request limits and malformed requests: each is refused with a 4xx (or a GraphQL error)
and a clear code, before anything runs, and never with a 5xx."""

from __future__ import annotations

import json

import pytest
from graphql import get_introspection_query, parse

from riskgraph.api import limits
from riskgraph.api.schema import schema
from tests.api.conftest import assert_clean, codes

ENTERPRISE = "0309757719"


def _refused(response, code: str, status: int = 200) -> dict:
    """The request got ``status`` and exactly the error ``code``, and no data at all."""
    assert response.status_code == status, response.text
    answer = response.json()
    assert_clean(answer)
    assert codes(answer) and set(codes(answer)) == {code}, answer
    assert "data" not in answer or answer["data"] is None
    return answer


def _raw(api, body: bytes, content_type: str = "application/json", role: str = "admin", **headers):
    return api.client.post("/graphql", content=body, headers={"content-type": content_type, "Authorization": f"Bearer {api.keys[role]}", **headers})


# --- depth -----------------------------------------------------------------------------------


def _nested(names: list[str], leaf: str = "x") -> str:
    out = leaf
    for name in reversed(names):
        out = f"{name} {{ {out} }}"
    return out


def test_depth_is_counted_through_fragments_and_inline_fragments():
    deep = parse("{ a { ...F } } fragment F on T { b { ... on U { c { d { e { ...G } } } } } } fragment G on V { f { g { h { i { j { k } } } } } }")
    refused = limits.check(schema._schema, deep, limits.shape(schema._schema, deep), {}, "admin", None)
    assert [e.extensions["code"] for e in refused] == ["QUERY_TOO_DEEP"] and "11 levels" in refused[0].message
    ten = parse("{ a { ...F } } fragment F on T { b { ... on U { c { d { e { ...G } } } } } } fragment G on V { f { g { h { i { j } } } } }")
    assert limits.check(schema._schema, ten, limits.shape(schema._schema, ten), {}, "admin", None) == []


def test_a_depth_bomb_is_refused_without_a_5xx(api):
    """The schema is at most 6 levels deep, so a deeper query names fields that do not
    exist (or introspection, below): refused either way, before anything runs."""
    query = ("query { ...A } fragment A on Query { keyTargets(kind: ENTERPRISE) { edges { ... on EntityEdge { node { ...B } } } } } "
             "fragment B on Entity { risk { ... on Risk { paths { " + _nested([f"n{i}" for i in range(8)]) + " } } } }")
    response = api.post(query)
    assert response.status_code in (200, 400)
    answer = response.json()
    assert_clean(answer)
    assert codes(answer) and set(codes(answer)) <= {"QUERY_TOO_DEEP", "GRAPHQL_VALIDATION_FAILED"} and answer.get("data") is None


@pytest.mark.parametrize("query", [
    "{ __schema { types { ...T } } } fragment T on __Type { fields { type { ...U } } } fragment U on __Type { fields { type { fields { name } } } }",
    "{ __schema { types { fields { type { ... on __Type { fields { type { ... on __Type { fields { type { fields { name } } } } } } } } } } } }",
    "{ __type(name: \"Entity\") { fields { type { fields { type { fields { type { interfaces { fields { name } } } } } } } } } }",
])
def test_an_introspection_bomb_is_refused(api, query):
    _refused(api.post(query, role="clearance"), "GRAPHQL_VALIDATION_FAILED", 400)


def test_the_explorers_introspection_query_is_allowed_to_every_role(api):
    answer = api.data(get_introspection_query(descriptions=True), role="clearance")
    assert {"Query", "Mutation", "Entity"} <= {t["name"] for t in answer["__schema"]["types"]}


# --- aliases, sizes, cost ---------------------------------------------------------------------


def test_more_than_30_aliases_are_refused(api):
    ok = "{ " + " ".join(f"a{i}: entityRisk(refs: []) {{ id }}" for i in range(30)) + " }"
    assert api.data(ok, role="clearance")["a29"] == []
    bomb = "{ " + " ".join(f"a{i}: entityRisk(refs: []) {{ id }}" for i in range(31)) + " }"
    assert "31 aliases" in _refused(api.post(bomb, role="clearance"), "TOO_MANY_ALIASES")["errors"][0]["message"]
    through_a_fragment = "{ ...F ...F } fragment F on Query { " + " ".join(f"a{i}: entityRisk(refs: []) {{ i: id }}" for i in range(8)) + " }"
    _refused(api.post(through_a_fragment, role="clearance"), "TOO_MANY_ALIASES")


def test_1001_refs_are_refused_1000_are_answered(api):
    refs = [{"kind": "ENTERPRISE", "id": f"{i:010d}"} for i in range(1001)]
    query = "query($r: [EntityRef!]!) { entityRisk(refs: $r) { id known } }"
    _refused(api.post(query, {"r": refs}, role="clearance"), "BAD_USER_INPUT")
    inline = "{ entityRisk(refs: [" + ", ".join(f'{{kind: ENTERPRISE, id: "{r["id"]}"}}' for r in refs) + "]) { id } }"
    _refused(api.post(inline, role="clearance"), "BAD_USER_INPUT")
    assert len(api.data(query, {"r": refs[:1000]}, "clearance")["entityRisk"]) == 1000


@pytest.mark.parametrize("query", [
    "{ keyTargets(kind: ENTERPRISE, first: 100000) { totalCount } }",
    "{ keyTargets(kind: ENTERPRISE, first: 501) { totalCount } }",
    "{ keyTargets(kind: ENTERPRISE, first: -1) { totalCount } }",
    "{ suspiciousNetworks(first: 100000) { totalCount } }",
    "{ search(text: \"nguyen\", first: 100000) { matched } }",
    "{ watchlist(first: 100000) { totalCount } }",
])
def test_a_page_over_500_is_refused(api, query):
    _refused(api.post(query, role="officer"), "BAD_USER_INPUT")


def test_a_page_size_in_a_variable_is_checked_too(api):
    _refused(api.post("query($n: Int!) { keyTargets(kind: ENTERPRISE, first: $n) { totalCount } }", {"n": 100000}, role="officer"), "BAD_USER_INPUT")
    _refused(api.post('query($n: Int!) { auditLog(first: $n) { entryId } }', {"n": 501}), "BAD_USER_INPUT")


ENTITY = "id name status province registeredOn activities nationality vehicleKind country byReference known risk { score band own network provisional asOf modelVersion reasons { factor contribution detail } paths { nodes relationships contribution } }"


def test_a_costly_query_is_refused(api):
    query = ("{ keyTargets(kind: ENTERPRISE, first: 500) { totalCount edges { cursor node { %s } } } "
             "suspiciousNetworks(first: 500) { edges { node { rank why glue members { %s } } } } }" % (ENTITY, ENTITY))
    answer = _refused(api.post(query, role="officer"), "QUERY_TOO_COSTLY")
    assert "25,000" in answer["errors"][0]["message"]


@pytest.mark.parametrize("query, variables", [
    ("{ suspiciousNetworks(first: 50) { edges { node { members { %s } } } } }" % ENTITY, None),  # members: lists with no size argument
    ("{ a: suspiciousNetworks { edges { node { members { %s } } } } b: suspiciousNetworks(after: null) { edges { node { members { %s } } } } }" % (ENTITY, ENTITY), None),
    ("query($n: Int = 500) { a: keyTargets(kind: ENTERPRISE, first: $n) { edges { node { %s } } } "
     "b: keyTargets(kind: PERSON, first: $n) { edges { node { %s } } } }" % (ENTITY, ENTITY), None),  # a variable's default
    ("query($n: Int) { a: keyTargets(kind: ENTERPRISE, first: $n) { edges { node { %s } } } "
     "b: keyTargets(kind: PERSON, first: $n) { edges { node { %s } } } }" % (ENTITY, ENTITY), {"n": 500}),
])
def test_list_sizes_are_counted_however_they_are_given(api, query, variables):
    _refused(api.post(query, variables, role="officer"), "QUERY_TOO_COSTLY")


def test_omitted_page_sizes_count_at_their_defaults(api):
    def charts(limit: str) -> str:
        return "{ " + " ".join(f'n{i}: neighbourhood(kind: ENTERPRISE, id: "{ENTERPRISE}"{limit}) {{ truncated nodes {{ nodeId label key name score band }} '
                               'edges { source target type facts } }' for i in range(30)) + " }"
    _refused(api.post(charts(", limit: 100"), role="investigator"), "QUERY_TOO_COSTLY")
    _refused(api.post(charts(""), role="investigator"), "QUERY_TOO_COSTLY")  # limit: 100 when not given


def _doubling(levels: int) -> str:
    """A query whose fragments each spread the one before twice: 2**levels fields in ~45 bytes a level."""
    fragments = ["fragment F0 on EntityRisk { id known }"] + [f"fragment F{i} on EntityRisk {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)]
    return "{ entityRisk(refs: []) { ...F%d } } %s" % (levels - 1, " ".join(fragments))


@pytest.mark.parametrize("levels", [22, 40])
def test_fragments_that_double_are_refused_before_validation(api, monkeypatch, levels):
    def not_reached(*_):
        raise AssertionError("validation ran on a query the expansion check refuses")

    monkeypatch.setattr("riskgraph.api.services.validate", not_reached)
    answer = _refused(api.post(_doubling(levels), role="officer"), "QUERY_TOO_COSTLY", 400)
    assert "once its fragment spreads are expanded" in answer["errors"][0]["message"]


def test_the_expansion_check_counts_fields_with_their_fragments_expanded():
    assert limits.expansion(parse(_doubling(14))) == []  # 16,384 fields: left to the cost check
    assert codes({"errors": [e.formatted for e in limits.expansion(parse(_doubling(15)))]}) == ["QUERY_TOO_COSTLY"]  # 32,768
    # A cycle is validation's to report: counted once round, it neither loops nor refuses.
    assert limits.expansion(parse("{ entityRisk(refs: []) { ...A } } fragment A on EntityRisk { id ...B } fragment B on EntityRisk { known ...A }")) == []
    # A chain of 2,000 fragments is counted without recursion (Python's limit is 1,000 frames).
    chain = " ".join(f"fragment C{i} on EntityRisk {{ id ...C{i + 1} }}" for i in range(1999))
    assert limits.expansion(parse("{ entityRisk(refs: []) { ...C0 } } %s fragment C1999 on EntityRisk { id }" % chain)) == []


def test_everyday_queries_stay_well_under_the_cost_limit():
    for query in (
        "{ keyTargets(kind: ENTERPRISE, first: 100) { totalCount edges { node { id name risk { score band reasons { factor contribution detail } } } } } }",
        "{ suspiciousNetworks { edges { node { rank score why members { id name risk { score band } } } } } }",
        "query($r: [EntityRef!]!) { entityRisk(refs: $r) { id known risk { score band reasons { factor contribution } } } }",
        get_introspection_query(descriptions=True),
    ):
        refs = {"r": [{"kind": "ENTERPRISE", "id": str(i)} for i in range(1000)]}
        document = parse(query)
        found = limits.shape(schema._schema, document)
        assert limits.check(schema._schema, document, found, refs, "clearance" if "entityRisk" in query else "officer", None) == [], query


# --- the HTTP envelope ----------------------------------------------------------------------


def test_a_body_over_1_mb_gets_413(api):
    body = json.dumps({"query": "{ __typename }", "variables": {"pad": "x" * (limits.MAX_BODY + 1)}}).encode()
    _refused(_raw(api, body), "BODY_TOO_LARGE", 413)


def test_a_streamed_body_over_1_mb_gets_413(api):
    def chunks():
        yield b'{"query": "{ __typename }", "variables": {"pad": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}}'

    response = api.client.post("/graphql", content=chunks(), headers={"content-type": "application/json", "Authorization": f"Bearer {api.keys['admin']}"})
    _refused(response, "BODY_TOO_LARGE", 413)


@pytest.mark.parametrize("body, content_type", [
    (b'{"query": ', "application/json"),
    (b"", "application/json"),
    (b"null", "application/json"),
    (b'"{ __typename }"', "application/json"),
    (b'[{"query": "{ __typename }"}]', "application/json"),
    (b'{"variables": {}}', "application/json"),
    (b'{"query": 5}', "application/json"),
    (b'{"query": "   "}', "application/json"),
    (b'{"query": "{ __typename }", "variables": "x"}', "application/json"),
    (b'{"query": "{ __typename }", "variables": [1]}', "application/json"),
    (b'{"query": "{ __typename }", "operationName": 3}', "application/json"),
    (b"query=%7B__typename%7D", "application/x-www-form-urlencoded"),
    (b"{ __typename }", "application/graphql"),
    (b"{ __typename }", "text/plain"),
    (b"\xff\xfe\x00{", "application/json"),
    (b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}", "application/json"),
    (b'{"query": "{ __typename }", "variables": {"a": ' + b'{"b": ' * 50_000 + b"1" + b"}" * 50_000 + b"}}", "application/json"),
], ids=lambda v: repr(v)[:30] if isinstance(v, bytes) else v)
def test_a_malformed_request_gets_400(api, body, content_type):
    _refused(_raw(api, body, content_type), "BAD_REQUEST", 400)


@pytest.mark.parametrize("query, code", [
    ("{ entity(", "GRAPHQL_PARSE_FAILED"),
    ("{ nosuchfield }", "GRAPHQL_VALIDATION_FAILED"),
    ("{ entity(kind: SHIP, id: \"x\") { id } }", "GRAPHQL_VALIDATION_FAILED"),
    ("{ " + "__typename " * 20_001 + "}", "GRAPHQL_PARSE_FAILED"),
    ("{" + "a{" * 3000 + "b" + "}" * 3001, "GRAPHQL_PARSE_FAILED"),
])
def test_a_query_that_does_not_parse_or_validate_gets_400(api, query, code):
    _refused(api.post(query), code, 400)


def test_operation_names_are_checked(api):
    two = 'query A { entityRisk(refs: []) { id } } query B { entityRisk(refs: [{kind: AGENT, id: "DL020008"}]) { known } }'
    headers = {"Authorization": f"Bearer {api.keys['clearance']}"}
    for name, data in (("A", {"entityRisk": []}), ("B", {"entityRisk": [{"known": True}]})):
        response = api.client.post("/graphql", json={"query": two, "operationName": name}, headers=headers)
        assert response.status_code == 200 and response.json() == {"data": data}
    for name in ("C", None):
        response = api.client.post("/graphql", json={"query": two, "operationName": name}, headers=headers)
        assert response.status_code < 500 and codes(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]
        assert_clean(response.json())
        assert response.json().get("data") is None


def test_unknown_paths_get_404_and_other_methods_405(api):
    headers = {"Authorization": f"Bearer {api.keys['admin']}"}
    for path in ("/index.html", "/graphq", "/api/graphql", "/healthz/x", "/graphql/explorer/", "/workbench/", "/workbench/x.js"):
        response = api.client.get(path, headers=headers)
        assert response.status_code == 404 and codes(response.json()) == ["NOT_FOUND"], path
    for method in ("PUT", "DELETE", "PATCH"):
        response = api.client.request(method, "/graphql", headers=headers, json={"query": "{ __typename }"})
        assert response.status_code == 405 and codes(response.json()) == ["METHOD_NOT_ALLOWED"], method
    assert api.client.post("/healthz").status_code == 405


def test_every_answer_carries_the_security_headers(api):
    for response in (api.post("{ entityRisk(refs: []) { id } }", role="clearance"), api.post("{ x }", role=None), api.client.get("/healthz"),
                     _raw(api, b"nope")):
        assert response.headers["x-content-type-options"] == "nosniff" and response.headers["cache-control"] == "no-store"
        assert response.headers["content-type"].startswith("application/json")
