from pathlib import Path

import pytest

from riskgraph.errors import ConfigError
from riskgraph.settings import load


def test_environment_then_overrides():
    s = load(env={"RISKGRAPH_DATA_DIR": "/srv/rg", "RISKGRAPH_BATCH_SIZE": "500"}, batch_size=None)
    assert s.data_dir == Path("/srv/rg") and s.batch_size == 500 and s.store == "falkordb"
    assert load(env={"RISKGRAPH_DATA_DIR": "/srv/rg"}, data_dir=Path("x")).data_dir == Path("x")


@pytest.mark.parametrize(
    "env, message",
    [
        ({"RISKGRAPH_STORE": "oracle"}, "choose one of"),
        ({"RISKGRAPH_STORE": "neo4j"}, "RISKGRAPH_NEO4J_URI"),
        ({"RISKGRAPH_BATCH_SIZE": "many"}, "whole number"),
        ({"RISKGRAPH_BATCH_SIZE": "0"}, "positive"),
        ({"RISKGRAPH_QUERY_TIMEOUT": "-1"}, "0 \\(no limit\\) or a positive"),
    ],
)
def test_bad_settings_say_what_to_fix(env, message):
    with pytest.raises(ConfigError, match=message):
        load(env=env)


def test_the_query_timeout_from_the_environment_or_the_cli():
    assert load(env={}).query_timeout == 0
    assert load(env={"RISKGRAPH_QUERY_TIMEOUT": "30"}).query_timeout == 30
    assert load(env={"RISKGRAPH_QUERY_TIMEOUT": "30"}, query_timeout=5).query_timeout == 5
