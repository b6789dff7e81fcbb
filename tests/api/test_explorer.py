import re
from collections.abc import Iterator

import pytest

from riskgraph.api import explorer
from tests.api.conftest import CHROMIUM, http_server, playwright_api


def test_page_loads_only_its_own_assets():
    html = explorer.page()
    sources = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]*)"', html)
    assert sorted(s for s in sources if s != "data:,") == sorted(f"/graphql/explorer/{name}" for name in explorer.ASSETS)
    assert not re.search(r'<(?:script|link)\b[^>]*\b(?:src|href)="(?:https?:)?//', html, re.I)
    assert not re.search(r"@import|\bon[a-z]+=", html, re.I)
    # The key is asked for, kept for the tab only, and never a placeholder sent as one.
    assert "sessionStorage" in html and "localStorage" not in html and "PASTE-YOUR-API-KEY" not in html


@pytest.mark.parametrize("name", sorted(explorer.ASSETS))
def test_every_asset_is_shipped(name):
    assert explorer.asset(name)


@pytest.mark.parametrize("name", ["../../settings.py", "nope.js", "index.html", "LICENSES.md", ""])
def test_unknown_names_are_refused(name):
    assert explorer.asset(name) is None


@pytest.fixture
def server(api) -> Iterator[str]:
    """A real HTTP server over the session's store, for a browser: its base address."""
    with http_server(api.store) as address:
        yield address


def test_the_explorer_asks_for_a_key_first_and_keeps_it_for_the_tab(api, server, tmp_path):
    sync_api = playwright_api()
    key = api.keys["officer"]
    posts, statuses, errors = [], [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("request", lambda r: r.method == "POST" and posts.append(r.headers.get("authorization")))
            page.on("response", lambda r: statuses.append((r.status, r.url)))
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))

            page.goto(f"{server}/graphql")
            page.wait_for_selector("#key-input")
            page.fill("#key-input", "Bearer PASTE-YOUR-API-KEY")
            page.click("text=Use this key")
            assert "not an API key" in page.inner_text("#key-message")
            assert posts == []  # nothing sent before a real key is entered

            with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/graphql")) as schema_read:
                page.fill("#key-input", key)
                page.click("text=Use this key")
            assert schema_read.value.status == 200 and "__schema" in schema_read.value.json()["data"]

            with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/graphql")) as after_reload:
                page.reload()
            assert after_reload.value.status == 200 and "__schema" in after_reload.value.json()["data"]
            assert page.evaluate("sessionStorage.getItem('riskgraph.apiKey')") == key
            assert page.is_hidden("#key-form") and page.is_visible("text=Forget key")
            page.wait_for_selector(".graphiql-container .CodeMirror")
            page.screenshot(path=str(tmp_path / "explorer.png"))

            sent = len(posts)
            page.click("text=Forget key")
            assert page.evaluate("sessionStorage.getItem('riskgraph.apiKey')") is None
            page.reload()
            page.wait_for_selector("#key-input")
            page.screenshot(path=str(tmp_path / "explorer-forgotten.png"))
            assert len(posts) == sent  # forgotten: nothing sent after the reload
        finally:
            browser.close()
    assert posts and set(posts) == {f"Bearer {key}"}
    assert not [s for s in statuses if s[0] >= 400], statuses
    assert errors == []
