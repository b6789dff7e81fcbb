import re

import pytest

from riskgraph.api import explorer


def test_page_loads_only_its_own_assets():
    html = explorer.page()
    sources = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]*)"', html)
    assert sorted(sources) == sorted(f"/graphql/explorer/{name}" for name in explorer.ASSETS)
    assert not re.search(r'<(?:script|link)\b[^>]*\b(?:src|href)="(?:https?:)?//', html, re.I)
    assert not re.search(r"@import|\bon[a-z]+=", html, re.I)
    assert "isHeadersEditorEnabled: true" in html and "PASTE-YOUR-API-KEY" in html


@pytest.mark.parametrize("name", sorted(explorer.ASSETS))
def test_every_asset_is_shipped(name):
    assert explorer.asset(name)


@pytest.mark.parametrize("name", ["../../settings.py", "nope.js", "index.html", "LICENSES.md", ""])
def test_unknown_names_are_refused(name):
    assert explorer.asset(name) is None
