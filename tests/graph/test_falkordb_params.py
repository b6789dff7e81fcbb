"""The CYPHER parameter header: the falkordb client's text, faster, and pre-written values."""

import pytest
from falkordb.helpers import stringify_param_value

from riskgraph.graph.falkordb_params import Literal, header, literal

VALUES = [
    None, True, False, 0, -7, 2**63 - 1, 0.1, 232323.68, 1e-7, 1e22, "", "plain", 'a "quoted" word', "back\\slash \\\"",
    "Sân bay quốc tế Tân Sơn Nhất", "tab\tand\nnewline", "emoji 🚢", b"bytes", b"", [], ["24022090", None, 1.5],
    ("a", 2), {"key": "v", "n": None, "nested": {"list": [{"x": 1}], "empty": {}}}, {1: "int key"}, {b"raw": "bytes key"},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_value_is_written_as_the_falkordb_client_writes_it(value):
    assert literal(value) == stringify_param_value(value)


def test_a_header_declares_every_parameter_as_the_client_does():
    from falkordb.graph import Graph

    params = {"run": 3, "now": "2026-12-07T18:00:00+07:00", "rows": [{"key": "1", "props": {"a": [1, 2]}}]}
    assert header(params) == Graph._build_params_header(None, params)


def test_a_value_written_out_before_is_sent_as_it_is():
    rows = [{"key": "1", "tags": ["a"]}, {"key": "2", "tags": []}]
    ahead = [Literal(literal(r)) for r in rows]
    assert literal({"rows": ahead}) == literal({"rows": rows})
    assert literal("plain text") != literal(Literal("plain text"))  # a str is quoted, a Literal is not


@pytest.mark.parametrize("bad", [{"": 1}, {"a`b": 1}])
def test_a_key_cypher_cannot_name_is_refused_with_the_key(bad):
    with pytest.raises(ValueError, match="parameter name or map key"):
        literal(bad)
    with pytest.raises(ValueError, match="parameter name or map key"):
        header(bad)
