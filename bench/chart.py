"""Link-chart benchmark: how long the workbench's chart takes to draw and lay out a graph of
the size officers meet, in Debian's chromium.

    PYTHONPATH=. .venv/bin/python bench/chart.py [--data-dir bench/out/demo] [--nodes 2000 --edges 5000]
                                                 [--repeat 3] [--out bench/out/chart.json]

Starts ``riskgraph serve`` on the data directory (any store: the chart is fed here, not read
from it), opens the workbench in headless chromium at 1280x800, mounts the chart on a
random graph of ``--nodes`` nodes and ``--edges`` links (kinds, bands and link types drawn
as the API gives them, link dates over five years), and measures in the page: adding the
elements, the layout (``Chart.layout``), and the frames of a zoom and a pan once laid out
(a frame is the time between two ``requestAnimationFrame`` callbacks). Prints and writes
the figures with the date, machine and command.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from api import OUT, create_key, free_port, revoke_key, start_server, stop_server, wait_healthy  # noqa: E402

MEASURE = """async ([nodes, edges, seed]) => {
  const { mount } = await import('/workbench/chart.js');
  const host = document.createElement('div');
  document.body.replaceChildren(host);
  await mount(host, { gql: async () => ({}) }, {});
  const chart = host.riskgraphChart;
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const labels = ['Enterprise', 'Enterprise', 'Person', 'Agent', 'Vehicle', 'Phone', 'Address', 'Partner'];
  const bands = ['LOW', 'LOW', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
  const types = ['HOLDS_ROLE', 'HAS_PHONE', 'LOCATED_AT', 'TRADE', 'OWNED_BY', 'REGISTERED_AS'];
  const area = { nodes: [], edges: [], hubs: [], truncated: false };
  for (let i = 0; i < nodes; i++) {
    const label = labels[Math.floor(random() * labels.length)];
    const entity = ['Enterprise', 'Person', 'Agent', 'Vehicle'].includes(label);
    area.nodes.push({ nodeId: String(i), label, key: `K${i}`, name: `Công ty ${i}`, score: entity ? random() : null,
                      band: entity ? bands[Math.floor(random() * bands.length)] : null });
  }
  for (let j = 0; j < edges; j++) {
    const a = Math.floor(random() * nodes), b = (a + 1 + Math.floor(random() * (nodes - 1))) % nodes;
    const year = 2021 + Math.floor(random() * 5), m = String(1 + Math.floor(random() * 12)).padStart(2, '0');
    area.edges.push({ source: String(a), target: String(b), type: types[j % types.length],
                      facts: { first: `${year}-${m}-01`, last: `${year + 1}-${m}-01`, declarations: 1 + Math.floor(random() * 50), key: String(j) } });
  }
  const t0 = performance.now();
  chart.add(area, null);
  const added = performance.now() - t0;
  const layout = chart.layout();
  const frames = async (n, move) => {
    const out = [];
    let last = performance.now();
    for (let k = 0; k < n; k++) {
      move(k);
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const now = performance.now();
      out.push(now - last);
      last = now;
    }
    return out.sort((x, y) => x - y);
  };
  await frames(3, () => {});
  const zoom = await frames(20, (k) => chart.cy.zoom({ level: 0.5 + k * 0.05, renderedPosition: { x: 640, y: 300 } }));
  const pan = await frames(20, () => chart.cy.panBy({ x: 15, y: 5 }));
  const select = performance.now();
  chart.cy.nodes().slice(0, 50).select();
  await new Promise((resolve) => requestAnimationFrame(resolve));
  return { nodes: chart.cy.nodes().length, edges: chart.cy.edges().length, add_ms: added, layout_ms: layout,
           zoom_frame_p50_ms: zoom[10], zoom_frame_max_ms: zoom[19], pan_frame_p50_ms: pan[10], pan_frame_max_ms: pan[19],
           select_50_ms: performance.now() - select };
}"""


def first_pages(page, port: int, key: str) -> dict[str, float]:
    """Return how long the workbench's pages take to be ready, in ms: the sign-in page from
    a cold load, then (signed in) search, the enterprise key targets, a dossier of the
    riskiest enterprise and its link chart, each from the moment it is asked for."""
    base = f"http://127.0.0.1:{port}/"
    out = {}
    t0 = time.perf_counter()
    page.goto(base)
    page.wait_for_selector("#key-input")
    out["sign-in (cold)"] = (time.perf_counter() - t0) * 1000
    page.fill("#key-input", key)
    t0 = time.perf_counter()
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("#search-input")
    out["search, after signing in"] = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    page.goto(base + "#/targets/enterprise")
    page.wait_for_selector("#targets-table tbody tr")
    out["key targets"] = (time.perf_counter() - t0) * 1000
    first = page.get_attribute("#targets-table tbody tr a[href^='#/dossier/']", "href")
    t0 = time.perf_counter()
    page.goto(base + first)
    page.wait_for_selector(".dossier h1")
    out["dossier"] = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    _, _, kind, entity = first.split("/", 3)
    page.goto(f"{base}#/chart?start={kind}:{entity}")
    page.wait_for_function("() => { const s = document.querySelector('.chart-status');"
                           " return s && /nodes added/.test(s.textContent); }")
    out["link chart"] = (time.perf_counter() - t0) * 1000
    return {k: round(v) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=OUT / "demo")
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--edges", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT / "chart.json")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = start_server(args.data_dir, port, OUT / "chart-server.log")
    runs, errors, pages = [], [], {}
    key = None
    try:
        wait_healthy(server, port, 300)
        key = create_key(args.data_dir, "investigator")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            for i in range(args.repeat):
                page.goto(f"http://127.0.0.1:{port}/")
                runs.append(page.evaluate(MEASURE, [args.nodes, args.edges, i + 1]))
                print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in runs[-1].items()}), file=sys.stderr)
            page.screenshot(path=str(OUT / "chart.png"))
            pages = first_pages(browser.new_page(viewport={"width": 1280, "height": 800}), port, key)
            browser.close()
    finally:
        if key:
            revoke_key(args.data_dir, key)
        stop_server(server, 60)
    out = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}, Debian chromium",
        "command": " ".join(["bench/chart.py", *sys.argv[1:]]),
        "runs": [{k: round(v, 1) if isinstance(v, float) else v for k, v in r.items()} for r in runs],
        "pages_ms": pages,
        "console_errors": errors,
        "at": time.strftime("%H:%M"),
    }
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False))
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
