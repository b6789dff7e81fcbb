"""The workbench in a real browser (Debian's chromium through Playwright): sign-in, every
page, a search, role restrictions and an officer action, over one server for the module.
Any console error or failed request (status >= 400) fails a test, except those it provokes.
A screenshot of each page (1280x800) is written to the test's tmp dir for a reviewer."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from riskgraph.api import workbench
from tests.api.conftest import CHROMIUM, http_server, playwright_api

ENTERPRISE = "0309757719"  # Công ty Cổ phần Dệt may Long Thịnh
WITH_INTEL = "0230028137"  # three intel reports
SHOTS: dict[str, str] = {}
VENDORED = ("cytoscape.esm.min.js",)  # checked by checksum, not by the rules for our own modules
# Controls a screen reader could not name: no label, aria-label or text of their own.
UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href]')]
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
  .map(el => el.outerHTML.slice(0, 120))"""  # page -> screenshot path, printed at the end of the module


def test_the_page_loads_only_its_own_assets():
    html = workbench.page()
    sources = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]*)"', html)
    assert sorted(s for s in sources if s != "data:,") == ["/workbench/app.js", "/workbench/style.css"]
    assert not re.search(r"https?://|@import|\bon[a-z]+=|<script>|<style", html, re.I)
    modules = {name: workbench.asset(name) for name in workbench.ASSETS if name.endswith(".js") and name not in VENDORED}
    for name, text in modules.items():
        assert text, name
        imported = re.findall(rb"""from '\./([a-z]+\.js)'|import\('\./([a-z]+\.js)'\)""", text)
        assert {a or b for a, b in imported} <= {n.encode() for n in workbench.ASSETS}, name
        assert b"localStorage" not in text, name
        # Nothing from elsewhere: the one address is the SVG namespace, which is never fetched.
        assert not re.search(rb"https?://", text.replace(b"'http://www.w3.org/2000/svg'", b"")), name
        # The API and its alert stream, nothing else.
        assert set(re.findall(rb"fetch\(([^,)]*)", text)) <= {b"'/graphql'", b"'/alerts/stream?' + filters"}, name


def test_the_vendored_library_is_the_one_its_licence_file_names():
    licences = (Path(workbench.__file__).parent / "workbench" / "LICENSES.md").read_text(encoding="utf-8")
    for name in VENDORED:
        assert name in licences and hashlib.sha256(workbench.asset(name)).hexdigest() in licences, name


@pytest.mark.parametrize("name", ["../schema.py", "nope.js", "index.html", "LICENSES.md", "", "chart.js.map"])
def test_unknown_names_are_refused(name):
    assert workbench.asset(name) is None


def test_the_page_and_its_assets_carry_a_strict_policy(api):
    page = api.client.get("/")
    assert page.status_code == 200 and "riskgraph workbench" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "unsafe" not in page.headers["content-security-policy"]
    script = api.client.get("/workbench/api.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "export async function gql" in script.text and script.headers["content-security-policy"] == workbench.CSP
    assert api.client.get("/workbench/settings.py").status_code == 404


@pytest.fixture(scope="module")
def server(own_api) -> Iterator[str]:
    with http_server(own_api.store) as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    sync_api = playwright_api()
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@dataclass
class Tab:
    """A page of the browser, with what went wrong in it: console errors, responses >= 400."""

    page: object
    base: str
    shots: object
    errors: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    posts: list = field(default_factory=list)

    def open(self, hash_: str, ready: str) -> None:
        self.page.goto(f"{self.base}/{hash_}")
        self.page.wait_for_selector(ready)

    def sign_in(self, key: str) -> None:
        self.open("#/signin", "#key-input")
        self.page.fill("#key-input", key)
        self.page.click("button:has-text('Sign in')")
        self.page.wait_for_selector("#sign-out")

    def shot(self, name: str, full_page: bool = False) -> None:
        """Save a screenshot of the page, once it shows no sign of a value drawn wrong."""
        text = self.page.inner_text("body")
        for wrong in ("[object ", "undefined", "NaN", "null"):
            assert wrong not in text, (name, wrong, text[:2000])
        assert self.page.evaluate(UNLABELLED) == [], name
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        SHOTS[name] = str(path)

    def body(self) -> str:
        return self.page.inner_text("#view")


@pytest.fixture
def tab(browser, server, tmp_path) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    t = Tab(page, server, tmp_path)
    page.on("console", lambda m: m.type == "error" and t.errors.append(m.text))
    page.on("pageerror", lambda e: t.errors.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and t.failed.append((r.status, r.url)))
    page.on("request", lambda r: r.method == "POST" and t.posts.append(r.post_data or ""))
    try:
        yield t
    finally:
        context.close()
    assert t.errors == [], t.errors
    assert t.failed == [], t.failed


def test_sign_in_refuses_what_is_not_a_key_and_keeps_the_key_for_the_tab(tab, own_api):
    tab.open("", "#key-input")
    assert "kept for this tab only" in tab.body()
    tab.page.fill("#key-input", "PASTE-YOUR-KEY")
    tab.page.click("button:has-text('Sign in')")
    assert "not an API key" in tab.page.inner_text("#key-message") and tab.posts == []
    tab.shot("signin")
    # A key of the right shape that the API does not know: its 401 is provoked here.
    tab.page.fill("#key-input", "rg_000000000000_" + "x" * 32)
    tab.page.click("button:has-text('Sign in')")
    tab.page.wait_for_selector("#key-message .message")
    assert "sign in again" in tab.page.inner_text("#key-message")
    assert [s for s, _ in tab.failed] == [401] and len(tab.errors) == 1 and "401" in tab.errors[0]
    tab.failed.clear()
    tab.errors.clear()

    tab.page.fill("#key-input", own_api.keys["officer"])
    tab.page.click("button:has-text('Sign in')")
    tab.page.wait_for_selector("#search-input")
    assert tab.page.evaluate("sessionStorage.getItem('riskgraph.apiKey')") == own_api.keys["officer"]
    assert f"{own_api.names['officer']} · officer" in tab.page.inner_text("#who")
    tab.page.reload()
    tab.page.wait_for_selector("#search-input")  # still signed in after a reload: same tab
    tab.page.click("#sign-out")
    tab.page.wait_for_selector("#key-input")
    assert tab.page.evaluate("sessionStorage.getItem('riskgraph.apiKey')") is None


def test_search_without_diacritics_finds_the_name_and_opens_its_dossier(tab, own_api):
    tab.sign_in(own_api.keys["officer"])
    tab.page.fill("#search-input", "long thinh")
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_selector("#search-results table")
    text = tab.page.inner_text("#search-results")
    assert "Long Thịnh" in text and ENTERPRISE in text
    row = tab.page.locator("#search-results tr", has_text=ENTERPRISE)
    assert re.search(r"\b0\.\d{3}\b", row.inner_text()) and row.locator(".band").count() == 1
    tab.shot("search")
    tab.page.fill("#search-input", ENTERPRISE)  # a tax code
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_selector(f"#search-results tr:has-text('{ENTERPRISE}')")
    tab.page.click(f"#search-results a[href='#/dossier/enterprise/{ENTERPRISE}']")
    tab.page.wait_for_selector(".dossier h1")
    assert "Long Thịnh" in tab.page.inner_text(".dossier h1")


def test_a_search_while_the_index_is_built_says_so_and_keeps_the_form(tab, own_api):
    left = [1]  # the first search is answered as a server just started would answer it

    def answer(route):
        if left[0] and "search(" in (route.request.post_data or ""):
            left[0] -= 1
            route.fulfill(status=200, content_type="application/json", body=json.dumps({"data": None, "errors": [{
                "message": "the search index is still being built after a start (3 s so far); search again in a few seconds",
                "extensions": {"code": "SEARCH_NOT_READY"}}]}))
        else:
            route.continue_()

    tab.sign_in(own_api.keys["officer"])
    tab.page.route("**/graphql", answer)
    tab.page.fill("#search-input", "long thinh")
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_selector("#search-results .message.error")
    assert "search again in a few seconds" in tab.page.inner_text("#search-results")
    assert tab.page.input_value("#search-input") == "long thinh"  # the form is still there
    tab.shot("search-not-ready")
    tab.page.click("button:has-text('Search')")
    tab.page.wait_for_selector("#search-results table")
    assert "Long Thịnh" in tab.page.inner_text("#search-results")


def test_the_keyboard_alone_signs_in_searches_and_opens_a_dossier(tab, own_api):
    tab.open("", "#key-input")
    assert tab.page.evaluate("document.activeElement.id") == "key-input"  # the form takes the focus
    tab.page.keyboard.type(own_api.keys["officer"])
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_selector("#search-input")
    assert tab.page.evaluate("document.activeElement.id") == "search-input"
    tab.page.keyboard.type("Long Thịnh")
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_selector("#search-results table")
    for _ in range(30):  # Tab through the page to the first hit's link
        tab.page.keyboard.press("Tab")
        if tab.page.evaluate("(document.activeElement.getAttribute('href') || '').startsWith('#/dossier/')"):
            break
    outline = tab.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # focus is visible
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_selector(".dossier h1")
    assert ENTERPRISE in tab.body()


def test_key_targets_filter_sort_page_and_export(tab, own_api):
    tab.sign_in(own_api.keys["officer"])
    tab.open("#/targets/enterprise?band=high", "#targets-table")
    bands = tab.page.locator("#targets-table tbody .band").all_inner_texts()
    total = own_api.data("{ keyTargets(kind: ENTERPRISE, band: HIGH) { totalCount } }", role="officer")["keyTargets"]["totalCount"]
    assert bands and {b.lower() for b in bands} == {"high"} and len(bands) == min(25, total)
    assert f"{total} enterprise key targets match" in tab.body()
    scores = [float(s) for s in tab.page.locator("#targets-table tbody td.num").all_inner_texts()]
    assert scores == sorted(scores, reverse=True)

    tab.page.click("th a:has-text('Name')")  # sort this page by name, then the other way
    tab.page.wait_for_selector("th[aria-sort='descending'] a:has-text('Name')")
    tab.page.click("th a:has-text('Name')")
    tab.page.wait_for_selector("th[aria-sort='ascending'] a:has-text('Name')")
    assert tab.page.locator("#targets-table tbody tr").count() == len(bands)
    assert tab.page.evaluate("""() => { const n = [...document.querySelectorAll('#targets-table tbody tr td:first-child')]
        .map(td => td.innerText); return n.every((x, i) => i === 0 || n[i - 1].localeCompare(x, 'vi') <= 0); }""")

    tab.open("#/targets/enterprise", "#next-page")
    first_page = tab.page.locator("#targets-table tbody tr td:nth-child(2)").all_inner_texts()
    tab.page.click("#next-page")
    tab.page.wait_for_selector("text=rows 26–50")
    second_page = tab.page.locator("#targets-table tbody tr td:nth-child(2)").all_inner_texts()
    assert len(second_page) == 25 and not set(first_page) & set(second_page)
    tab.shot("targets")

    tab.open("#/targets/enterprise?band=critical", "#export-csv")
    with tab.page.expect_download() as download:
        tab.page.click("#export-csv")
    raw = open(download.value.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
    critical = own_api.data("{ keyTargets(kind: ENTERPRISE, band: CRITICAL) { totalCount } }", role="officer")["keyTargets"]["totalCount"]
    assert rows[0][:8] == ["rank", "kind", "id", "name", "province", "status", "score", "band"]
    assert len(rows) == 1 + critical and {r[7] for r in rows[1:]} == {"critical"}

    tab.open("#/targets/person", "#targets-table")
    assert "Key targets: person" in tab.body() and tab.page.locator("#targets-table tbody tr").count() > 0


def test_suspicious_networks_with_a_chart_link_for_each(tab, own_api):
    tab.sign_in(own_api.keys["officer"])
    tab.open("#/networks", "table")
    rows = tab.page.locator("tbody tr")
    assert rows.count() > 0
    assert tab.page.locator("tbody tr:first-child a:has-text('open in chart')").get_attribute("href") == "#/chart?network=1"
    assert "%" in rows.first.inner_text()
    tab.shot("networks")


def test_an_officer_reads_the_dossier_without_intel_text_and_can_print_it(tab, own_api):
    tab.sign_in(own_api.keys["officer"])
    tab.open(f"#/dossier/enterprise/{WITH_INTEL}", ".dossier")
    body = tab.body()
    for heading in ("Identity and status", "Score", "Watchlist", "Roles over time", "Identifiers and who else holds them", "Trade",
                    "Violations", "Intelligence", "Neighbours", "Actions"):
        assert heading in body, heading
    assert "withheld for your role" in tab.page.inner_text("section[aria-labelledby=sec-intelligence] table")
    assert not any("summary" in p for p in tab.posts)  # the request left out what the role may not read
    assert tab.page.locator("figure.chart svg").count() >= 5
    assert tab.page.get_attribute("a:has-text('Open link chart')", "href") == f"#/chart?start=enterprise:{WITH_INTEL}"
    tab.shot("dossier")
    tab.shot("dossier-full", full_page=True)
    tab.page.emulate_media(media="print")
    assert tab.page.locator(".top").is_hidden() and tab.page.locator("#sec-actions").is_hidden()
    tab.shot("dossier-print")
    tab.page.pdf(path=str(tab.shots / "dossier.pdf"))
    tab.page.emulate_media(media="screen")


def test_the_timeline_lists_the_dossier_events_oldest_first(tab, own_api):
    tab.sign_in(own_api.keys["investigator"])
    tab.open(f"#/timeline/enterprise/{WITH_INTEL}", "#timeline")
    dates = tab.page.locator("#timeline time").all_inner_texts()
    kinds = set(tab.page.locator("#timeline .what").all_inner_texts())
    assert dates == sorted(dates) and {"registered", "declarations", "intel"} <= kinds
    tab.shot("timeline")


def test_a_clearance_key_sees_no_dossier_and_is_told_so(tab, own_api):
    tab.sign_in(own_api.keys["clearance"])
    assert "withheld for your role" in tab.body() and tab.page.locator("#nav a").count() == 0
    tab.shot("clearance")
    before = len(tab.posts)
    tab.open(f"#/dossier/enterprise/{ENTERPRISE}", ".withheld")
    assert "Dossiers (clearance key): withheld for your role" in tab.body()
    assert all("dossier" not in p for p in tab.posts[before:])
    # Asked anyway (a search typed into the address bar): the API's refusal is shown.
    tab.open("#/search?q=long+thinh", ".message")
    assert "Your role may not see this" in tab.body()
    tab.shot("clearance-dossier")


def test_an_admin_puts_an_entity_on_the_watchlist_with_the_api_checking_the_reason(tab, own_api):
    tab.sign_in(own_api.keys["admin"])
    tab.open(f"#/dossier/enterprise/{ENTERPRISE}", "#watch-state")
    form = tab.page.locator("form.action", has_text="Add to watchlist")
    form.locator("button").click()  # no reason: the API refuses, with its message
    form.locator(".message").wait_for()
    refusal = form.locator(".message").inner_text()
    assert "reason" in refusal.lower()
    form.locator("input[name='reason']").fill("shares a bank account with a ring of shell importers")
    form.locator("button").click()
    tab.page.wait_for_selector("text=Added to the watchlist")
    assert "On the watchlist since" in tab.body() and "shares a bank account" in tab.body()
    tab.shot("watchlist-added")
    audited = own_api.data('{ auditLog(first: 5, operation: "addWatchlist") { outcome arguments } }')["auditLog"]
    assert [a["outcome"] for a in audited[:2]] == ["ok", "rejected"] and ENTERPRISE in audited[0]["arguments"]

    inspection = tab.page.locator("form.action", has_text="Record inspection result")
    inspection.locator("input[name='declarationNo']").fill("109999999999")
    inspection.locator("button").click()
    tab.page.wait_for_selector("text=No declaration 109999999999 is stored: nothing was recorded.")
    inspection = tab.page.locator("form.action", has_text="Record inspection result")
    inspection.locator("input[name='declarationNo']").fill("101445708915")
    inspection.locator("input[name='inspectedOn']").fill("2024-06-30")
    inspection.locator("button").click()
    tab.page.wait_for_selector("text=Recorded compliant on declaration 101445708915.")
    audited = own_api.data('{ auditLog(first: 2, operation: "recordInspectionResult") { outcome resultSize } }')["auditLog"]
    assert [(a["outcome"], a["resultSize"]) for a in audited] == [("ok", 1), ("ok", 0)]


def test_the_queue_lists_alerts_filters_by_office_and_shows_a_live_alert(tab, own_api, server):
    tab.sign_in(own_api.keys["officer"])
    tab.page.click("#nav a:has-text('Queue')")
    tab.page.wait_for_selector("#queue tbody tr td")
    first = tab.page.locator("#queue tbody tr").first.locator("td")
    office = first.nth(3).inner_text()
    tab.page.fill("input[name='office']", office)  # the keyboard alone: type, then Enter submits the filters
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_function(f"() => location.hash.includes('office={office}')")
    # the page shown before Enter may still be on screen, live too: wait for the filtered one
    tab.page.wait_for_function(
        "(office) => { const cells = [...document.querySelectorAll('#queue tbody tr td:nth-child(4)')];"
        " return cells.length > 0 && cells.every(td => td.textContent === office); }", arg=office)
    tab.page.wait_for_selector("#queue-live:has-text('Live alerts: on')")
    assert tab.page.locator("#queue .alert-kind").count() >= 1  # the small world's key targets file here too
    answer = httpx.post(f"{server}/graphql", headers={"Authorization": f"Bearer {own_api.keys['clearance']}"}, json={
        "query": "query($i: DeclarationInput!) { assessDeclaration(input: $i) { channel } }",
        "variables": {"i": {"declarationNo": "109990000100", "direction": "import", "registeredAt": "2026-01-05T10:00:00+07:00",
                            "traderTaxCode": ENTERPRISE, "officeCode": office, "borderGate": "Cửa khẩu Lao Bảo",
                            "hsCodes": ["24022090"], "originCountry": "LA", "valueUsd": 2500000.0}}})
    assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    live = tab.page.locator("#queue tr.live[data-declaration='109990000100']")
    live.wait_for()
    assert "HS chapter 24" in live.inner_text() and "1 new" in tab.page.inner_text("#queue-live")
    assert tab.page.locator("#queue tbody tr").first.get_attribute("data-declaration") == "109990000100"
    tab.shot("queue")
    tab.page.click("#nav a:has-text('Search')")  # leaving the page closes its stream
    tab.page.wait_for_selector("#search-input")


def test_a_queue_left_before_it_loaded_leaves_no_stream_open(tab, own_api):
    tab.sign_in(own_api.keys["officer"])
    opened, ended = [], []
    tab.page.on("request", lambda r: "/alerts/stream" in r.url and opened.append(r.url))
    tab.page.on("requestfailed", lambda r: "/alerts/stream" in r.url and ended.append(r.url))
    tab.page.on("requestfinished", lambda r: "/alerts/stream" in r.url and ended.append(r.url))
    with tab.page.expect_response(lambda r: "monitoringQueue" in (r.request.post_data or "")):
        # the queue is asked for, then the user moves on before its answer is drawn
        tab.page.evaluate("() => { location.hash = '#/queue'; setTimeout(() => { location.hash = '#/search'; }, 0); }")
    tab.page.wait_for_selector("#search-input")
    tab.page.wait_for_timeout(500)  # room for a stream the superseded page would open
    assert len(opened) == len(ended), (opened, ended)


def test_zz_screenshots_were_written():
    """Lists where the screenshots are (run with -s to see them)."""
    for name, path in sorted(SHOTS.items()):
        print(f"screenshot {name}: {path}")
    assert not SHOTS or all(path.endswith(".png") for path in SHOTS.values())


# --- the link chart ---------------------------------------------------------------------------

OTHER = "0358652243"  # linked to ENTERPRISE (tests/api/test_queries.py)


def _chart(tab) -> dict:
    return tab.page.evaluate("""() => { const c = document.querySelector('#chart').riskgraphChart;
      return { nodes: c.cy.nodes().length, edges: c.cy.edges().length, hubs: c.cy.$('node.hub').length,
               path: c.cy.$('edge.path').length, hidden: c.cy.$('.hidden').length, shown: c.cy.edges().not('.hidden, .out-of-time').length,
               status: document.querySelector('.chart-status').textContent }; }""")


def _chart_ready(tab) -> None:
    tab.page.wait_for_function("() => { const s = document.querySelector('.chart-status');"
                               " return s && s.textContent && !/\\.\\.\\.$/.test(s.textContent); }")


def test_the_chart_opens_from_a_dossier_and_expands_a_node(tab, own_api):
    tab.sign_in(own_api.keys["investigator"])
    tab.open(f"#/dossier/enterprise/{ENTERPRISE}", ".dossier h1")
    tab.page.click("a:has-text('Open link chart')")
    tab.page.wait_for_selector("#chart canvas")
    _chart_ready(tab)
    first = _chart(tab)
    assert first["nodes"] > 5 and first["edges"] >= first["nodes"] - 1, first
    tab.shot("chart")
    # Choose a node other than the start with the keyboard, and expand it (E).
    tab.page.focus(".chart-canvas")
    tab.page.keyboard.press("ArrowRight")
    tab.page.keyboard.press("ArrowRight")
    tab.page.keyboard.press("e")
    tab.page.wait_for_function(f"() => document.querySelector('#chart').riskgraphChart.cy.nodes().length > {first['nodes']}")
    _chart_ready(tab)
    assert "nodes added" in _chart(tab)["status"]
    assert tab.page.inner_text(".chart-details h3")  # the panel names the chosen node
    tab.page.wait_for_timeout(400)  # the view has finished moving to the node (links are hidden while it moves)
    tab.shot("chart-expanded")


def test_the_chart_shows_and_highlights_the_paths_between_two_entities(tab, own_api):
    tab.sign_in(own_api.keys["investigator"])
    tab.open(f"#/chart?from=enterprise:{ENTERPRISE}&to=enterprise:{OTHER}", "#chart canvas")
    _chart_ready(tab)
    found = _chart(tab)
    assert found["path"] >= 2 and "shortest paths of" in found["status"], found
    tab.shot("chart-path")


def test_the_chart_filters_links_by_date_hides_and_exports(tab, own_api):
    tab.sign_in(own_api.keys["investigator"])
    tab.open(f"#/chart?start=enterprise:{ENTERPRISE}", "#chart canvas")
    _chart_ready(tab)
    everything = _chart(tab)["shown"]
    tab.page.evaluate("""() => { const c = document.querySelector('#chart').riskgraphChart;
      c.from.value = c.from.max; c.filterDates(); }""")  # only the latest month's links
    assert _chart(tab)["shown"] < everything
    tab.page.evaluate("""() => { const c = document.querySelector('#chart').riskgraphChart;
      c.from.value = '0'; c.filterDates(); c.cy.$(':selected').unselect(); c.cy.nodes()[1].select(); }""")
    tab.page.click("button:has-text('Hide')")
    assert _chart(tab)["hidden"] == 1
    tab.page.click("button:has-text('Show all')")
    assert _chart(tab)["hidden"] == 0
    with tab.page.expect_download() as got:
        tab.page.click("button:has-text('JSON')")
    exported = got.value.path().read_text(encoding="utf-8")
    assert '"nodes"' in exported and ENTERPRISE in exported
    with tab.page.expect_download() as png:
        tab.page.click("button:has-text('PNG')")
    assert png.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_chart_of_a_suspicious_network(tab, own_api):
    tab.sign_in(own_api.keys["investigator"])
    tab.open("#/chart?network=1", "#chart canvas")
    tab.page.wait_for_function("() => /^Network 1:/.test(document.querySelector('.chart-status').textContent)",
                               timeout=30_000)
    members = tab.page.evaluate("() => document.querySelector('#chart').riskgraphChart.cy.$('node.member').length")
    assert members >= 2
    tab.shot("chart-network")


def test_an_officer_cannot_open_the_chart_and_is_told(tab, own_api):
    tab.sign_in(own_api.keys["officer"])
    tab.open(f"#/chart?start=enterprise:{ENTERPRISE}", ".chart-status")
    tab.page.wait_for_function("() => document.querySelector('.chart-status').textContent.length > 0")
    _chart_ready(tab)
    assert "may not" in _chart(tab)["status"].lower() or "role" in _chart(tab)["status"].lower()
