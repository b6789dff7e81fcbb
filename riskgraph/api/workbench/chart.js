// The link chart (sơ đồ liên kết): entities and what links them, from the API's
// neighbourhood and connection walks, drawn with Cytoscape.js (vendored, see LICENSES.md).
//
// mount(element, {gql, navigate}, params) opens it from
//   {start: {kind, id}}            an entity (a dossier, a search hit)
//   {from: {kind, id}, to: {...}}  the paths between two entities
//   {network: RANK}                the members of a suspicious network
// ("kind:id" strings are taken too) and returns the function that closes it.
// Double-click (or Enter) expands a node; hubs stay collapsed until asked.
import cytoscape from "./cytoscape.esm.min.js";

const KINDS = { Enterprise: "ENTERPRISE", Person: "PERSON", Agent: "AGENT", Vehicle: "VEHICLE" };
const COLOURS = {
  Enterprise: "#2f6fb0", Person: "#7b4ea3", Agent: "#1f8a70", Vehicle: "#b36b00", Declaration: "#7a7a7a",
  Partner: "#4c8c2b", Phone: "#a33b5c", Email: "#a33b5c", Address: "#a33b5c", BankAccount: "#a33b5c",
  Violation: "#b22222", Intel: "#5a5a9a",
};
const SHAPES = {
  Enterprise: "round-rectangle", Person: "ellipse", Agent: "diamond", Vehicle: "triangle", Declaration: "rectangle",
  Partner: "hexagon", Violation: "octagon", Intel: "star",
};
const BANDS = { CRITICAL: "#d7191c", HIGH: "#f07c00", MEDIUM: "#e6c200", LOW: "#9a9a9a" };
const LINKS = {  // edge colour by what the link is
  HOLDS_ROLE: "#7b4ea3", REGISTERED_AS: "#1f8a70", OWNED_BY: "#b36b00", OPERATED_BY: "#b36b00",
  HAS_PHONE: "#a33b5c", HAS_EMAIL: "#a33b5c", LOCATED_AT: "#a33b5c", HAS_ACCOUNT: "#a33b5c",
  TRADE: "#4c8c2b", AGAINST: "#b22222", ABOUT: "#5a5a9a",
};
const CYTOSCAPE_SHEET = "__________cytoscape_stylesheet";
const EXPAND_LIMIT = 100;  // nodes one expansion adds at most
const MAX_NODES = 2500;  // beyond this the chart asks the investigator to hide or start again
const LAYOUT_COSE_UP_TO = 400;  // nodes; above, a concentric layout by degree (linear time)
const NETWORK_MEMBERS = 40;  // members of a network whose neighbourhoods are drawn
// Dates of what a link records (a role held, declarations traded); first_seen and last_seen
// are when a load saw it, not when it happened, and do not count.
const DATE_FACTS = [["since", "until"], ["first", "last"]];

const NODE_FIELDS = "nodeId label key name score band";
const AREA = `truncated nodes { ${NODE_FIELDS} } edges { source target type facts } hubs { links node { ${NODE_FIELDS} } }`;
const BY_ENTITY = `query($k: EntityKind!, $id: String!, $limit: Int!, $hub: Int!) {
  neighbourhood(kind: $k, id: $id, depth: 1, limit: $limit, hubLimit: $hub) { ${AREA} } }`;
const BY_NODE = `query($n: ID!, $limit: Int!, $hub: Int!) {
  neighbourhood(nodeId: $n, depth: 1, limit: $limit, hubLimit: $hub) { ${AREA} } }`;
const PATHS = `query($a: EntityRef!, $b: EntityRef!, $hops: Int!) { connection(from: $a, to: $b, maxHops: $hops) {
  found complete paths { length nodes { ${NODE_FIELDS} } edges { source target type facts } } hubs { links node { ${NODE_FIELDS} } } } }`;
const NETWORKS = `query($n: Int!) { suspiciousNetworks(first: $n) { edges { node { rank size why glue
  members { kind id name risk { score band } } } } } }`;

export async function mount(element, { gql }, params) {
  if (!document.getElementById(CYTOSCAPE_SHEET)) {
    // Cytoscape adds an inline <style> unless an element of this id exists; the page's
    // policy refuses inline styles, so the chart's own sheet takes the id (and the rule).
    document.head.append(el("link", { rel: "stylesheet", href: "/workbench/chart.css", id: CYTOSCAPE_SHEET }));
  }
  element.replaceChildren();
  const chart = new Chart(element, gql);
  element.riskgraphChart = chart;  // for the browser tests and the chart benchmark
  try {
    if (params.from && params.to) await chart.paths(ref(params.from), ref(params.to));
    else if (params.network) await chart.network(Number(params.network));
    else if (params.start) await chart.open(ref(params.start));
    else chart.say("Open the chart from a dossier, a search hit, a network or two entities.");
  } catch (error) {
    chart.say(error.message, true);
  }
  return () => chart.cy.destroy();  // the page calls it when the investigator leaves the chart
}

function ref(given) {
  if (given && typeof given === "object") return { kind: String(given.kind).toUpperCase(), id: given.id };
  const [kind, ...rest] = String(given).split(":");
  return { kind: kind.toUpperCase(), id: rest.join(":") };
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "on") for (const [event, fn] of Object.entries(value)) node.addEventListener(event, fn);
    else if (name === "style") Object.assign(node.style, value);  // CSSOM, which the page's CSP allows
    else if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function download(name, href) {
  const link = el("a", { href, download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

function month(text) {
  return typeof text === "string" && /^\d{4}-\d{2}/.test(text) ? text.slice(0, 7) : null;
}

class Chart {
  constructor(element, gql) {
    this.gql = gql;
    this.hubs = new Map();  // node id -> links it has (not expanded)
    this.expanded = new Set();
    this.groups = 0;
    this.build(element);
  }

  build(element) {
    const button = (label, text, fn, key) =>
      el("button", { type: "button", "aria-label": label, title: key ? `${label} (${key})` : label, on: { click: fn } }, text);
    this.status = el("p", { class: "chart-status", role: "status", "aria-live": "polite" });
    this.from = el("input", { type: "range", min: "0", max: "0", value: "0", "aria-label": "links from month",
      on: { input: () => this.filterDates() } });
    this.to = el("input", { type: "range", min: "0", max: "0", value: "0", "aria-label": "links up to month",
      on: { input: () => this.filterDates() } });
    this.window = el("span", { class: "chart-window" });
    this.picker = el("select", { "aria-label": "select a node of the chart", on: { change: () => this.pick(this.picker.value) } });
    const toolbar = el("div", { class: "chart-toolbar", role: "toolbar", "aria-label": "link chart" },
      button("expand the selected nodes", "Expand", () => this.expandSelected(), "E"),
      button("pin the selected nodes where they are", "Pin", () => this.pin()),
      button("hide the selected nodes", "Hide", () => this.hide(), "Delete"),
      button("show every hidden node", "Show all", () => this.showAll()),
      button("group the selected nodes", "Group", () => this.group()),
      button("paths between the two selected entities", "Path", () => this.pathOfSelected()),
      button("lay the chart out again", "Layout", () => this.layout()),
      button("fit the chart to the window", "Fit", () => this.cy.fit(undefined, 30)),
      button("export the chart as a PNG image", "PNG", () => this.exportPng()),
      button("export the chart's nodes and links as JSON", "JSON", () => this.exportJson()),
      el("label", {}, "Links from ", this.from), el("label", {}, " to ", this.to), this.window, this.picker);
    this.canvas = el("div", { class: "chart-canvas", tabindex: "0", "aria-label": "link chart canvas: arrows select, E expands",
      style: { position: "relative" }, on: { keydown: (e) => this.key(e) } });
    this.details = el("aside", { class: "chart-details", "aria-label": "the selected node or link" });
    const legend = el("div", { class: "chart-legend", "aria-label": "legend" },
      ...Object.entries(COLOURS).map(([label, colour]) =>
        el("span", { class: "chart-legend-item" }, el("i", { style: { background: colour } }), label)),
      ...Object.entries(BANDS).map(([band, colour]) =>
        el("span", { class: "chart-legend-item" }, el("i", { style: { border: `3px solid ${colour}` } }), band.toLowerCase())),
      el("span", { class: "chart-legend-item" }, el("i", { class: "chart-legend-hub" }), "hub (not expanded)"));
    element.append(toolbar, this.status, el("div", { class: "chart-body" }, this.canvas, this.details), legend);
    this.cy = cytoscape({
      container: this.canvas,
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 4,
      textureOnViewport: true,  // keeps 2,000 nodes responsive while panning
      hideEdgesOnViewport: true,
      style: [
        { selector: "node", style: {
          "background-color": (n) => COLOURS[n.data("label")] || "#888", shape: (n) => SHAPES[n.data("label")] || "ellipse",
          label: "data(caption)", "font-size": 9, "text-valign": "bottom", "text-margin-y": 3, "text-wrap": "ellipsis",
          "text-max-width": 120, width: (n) => (KINDS[n.data("label")] ? 26 : 16), height: (n) => (KINDS[n.data("label")] ? 26 : 16),
          "border-width": (n) => (n.data("band") ? 4 : 0), "border-color": (n) => BANDS[n.data("band")] || "#9a9a9a",
          "min-zoomed-font-size": 7,
        } },
        { selector: "node.hub", style: { "border-style": "dashed", "border-width": 3, "border-color": "#333" } },
        { selector: "node.pinned", style: { "outline-width": 2, "outline-color": "#333" } },
        { selector: "node.member", style: { "underlay-color": "#d7191c", "underlay-opacity": 0.15, "underlay-padding": 8 } },
        { selector: "node:parent", style: { "background-opacity": 0.06, "border-width": 1, "border-color": "#666",
          label: "data(caption)", "text-valign": "top", shape: "round-rectangle" } },
        { selector: "node:selected", style: { "overlay-color": "#1565c0", "overlay-opacity": 0.25 } },
        { selector: "edge", style: {
          width: (e) => Math.min(6, 1 + Math.log10(1 + (e.data("facts")?.declarations || 0))),
          "line-color": (e) => LINKS[e.data("type")] || "#bbb", "curve-style": "haystack", opacity: 0.8,
        } },
        { selector: "edge.path", style: { width: 5, "line-color": "#1565c0", opacity: 1, "z-index": 10 } },
        { selector: "node.path", style: { "overlay-color": "#1565c0", "overlay-opacity": 0.2 } },
        { selector: ".hidden, .out-of-time", style: { display: "none" } },
      ],
    });
    this.cy.on("dbltap", "node", (e) => this.expand(e.target));
    this.cy.on("select unselect", () => this.describe());
    this.cy.on("tap", "edge", (e) => this.describeEdge(e.target));
  }

  say(text, error = false) {
    this.status.textContent = text;
    this.status.classList.toggle("error", error);
  }

  // -- reading ----------------------------------------------------------------------
  async open(entity) {
    this.say(`Reading the links of ${entity.kind.toLowerCase()} ${entity.id} ...`);
    const data = await this.gql(BY_ENTITY, { k: entity.kind, id: entity.id, limit: EXPAND_LIMIT, hub: 200 });
    if (!data.neighbourhood) throw new Error(`no ${entity.kind.toLowerCase()} ${entity.id} in the store`);
    const first = data.neighbourhood.nodes[0];
    this.add(data.neighbourhood, first.nodeId);
    this.layout();
    this.cy.$id(first.nodeId).select();
  }

  async expand(node) {
    if (!node || node.isParent()) return;
    const id = node.id();
    const hub = this.hubs.get(id);
    if (hub && !window.confirm(`${node.data("caption")} has ${hub.toLocaleString()} links. Show the first ${EXPAND_LIMIT}?`)) return;
    this.say(`Expanding ${node.data("caption")} ...`);
    const limit = { limit: EXPAND_LIMIT, hub: hub ? Math.min(5000, hub + 1) : 200 };
    const kind = KINDS[node.data("label")];
    const data = kind
      ? await this.gql(BY_ENTITY, { k: kind, id: node.data("key"), ...limit })
      : await this.gql(BY_NODE, { n: id, ...limit });
    if (!data.neighbourhood) return this.say(`${node.data("caption")} is no longer in the store`, true);
    this.hubs.delete(id);
    node.removeClass("hub");
    const added = this.add(data.neighbourhood, id);
    this.expanded.add(id);
    this.place(node, added);
  }

  expandSelected() {
    const nodes = this.cy.$("node:selected").filter((n) => !n.isParent());
    if (!nodes.length) return this.say("Select a node to expand (click it).");
    return nodes.reduce((done, n) => done.then(() => this.expand(n)), Promise.resolve()).catch((e) => this.say(e.message, true));
  }

  async paths(a, b) {
    this.say(`Searching the paths from ${a.id} to ${b.id} ...`);
    const data = await this.gql(PATHS, { a, b, hops: 4 });
    const found = data.connection;
    if (!found) throw new Error("one of the two entities is not in the store");
    this.cy.elements().removeClass("path");
    const added = [];
    for (const path of found.paths) {
      added.push(...this.add({ nodes: path.nodes, edges: path.edges, hubs: [] }, null));
      for (const n of path.nodes) this.cy.$id(n.nodeId).addClass("path");
      for (const e of path.edges) this.cy.$id(edgeId(e)).addClass("path");
    }
    for (const h of found.hubs) this.markHub(h);
    if (added.length) this.layout();
    const note = found.complete ? "" : " (the search stopped at its budget: a shorter path may exist)";
    const hubs = found.hubs.length ? `; ${found.hubs.length} hubs not walked through` : "";
    this.say(found.paths.length ? `${found.paths.length} shortest paths of ${found.paths[0].length} links${hubs}${note}`
      : `no path of up to 4 links${hubs}${note}`);
  }

  pathOfSelected() {
    const chosen = this.cy.$("node:selected").filter((n) => KINDS[n.data("label")]);
    if (chosen.length !== 2) return this.say("Select exactly two entities (Ctrl-click) to find the paths between them.");
    const [a, b] = chosen.map((n) => ({ kind: KINDS[n.data("label")], id: n.data("key") }));
    return this.paths(a, b).catch((e) => this.say(e.message, true));
  }

  async network(rank) {
    this.say(`Reading suspicious network ${rank} ...`);
    const data = await this.gql(NETWORKS, { n: rank });
    const edge = data.suspiciousNetworks.edges.find((e) => e.node.rank === rank);
    if (!edge) throw new Error(`no suspicious network ranked ${rank} in the current analysis`);
    const members = edge.node.members.slice(0, NETWORK_MEMBERS);
    for (const [i, m] of members.entries()) {
      this.say(`Network ${rank} (${edge.node.size} members, ${edge.node.why}): reading member ${i + 1} of ${members.length} ...`);
      const found = await this.gql(BY_ENTITY, { k: m.kind, id: m.id, limit: 40, hub: 200 });
      if (found.neighbourhood) {
        this.add(found.neighbourhood, found.neighbourhood.nodes[0].nodeId);
        this.cy.$id(found.neighbourhood.nodes[0].nodeId).addClass("member");
      }
    }
    this.layout();
    const more = edge.node.size > members.length ? ` (the first ${members.length} drawn)` : "";
    this.say(`Network ${rank}: ${edge.node.size} members${more}. ${edge.node.why}`);
  }

  // -- the graph ----------------------------------------------------------------------
  add(area, from) {
    const added = [];
    for (const n of area.nodes) {
      if (this.cy.$id(n.nodeId).nonempty()) continue;
      if (this.cy.nodes().length >= MAX_NODES) {
        this.say(`The chart holds ${MAX_NODES.toLocaleString()} nodes: hide some, or open a new chart.`, true);
        break;
      }
      added.push(this.cy.add({ group: "nodes", data: { id: n.nodeId, ...n, caption: n.name || n.key || n.label } }));
    }
    const edges = area.edges.filter((e) => this.cy.$id(e.source).nonempty() && this.cy.$id(e.target).nonempty()
      && this.cy.$id(edgeId(e)).empty());
    this.cy.add(edges.map((e) => ({ group: "edges", data: { id: edgeId(e), ...e } })));
    for (const h of area.hubs || []) this.markHub(h);
    this.refreshDates();
    this.refreshPicker();
    const hubs = (area.hubs || []).length;
    const cut = area.truncated ? " Only the nearest were read: expand again from a node further out." : "";
    this.say(`${added.length} nodes added (${this.cy.nodes().length} in the chart)` +
      (hubs ? `; ${hubs} hubs collapsed: double-click one to open it.` : ".") + cut);
    if (from) this.cy.$id(from).data("expanded", true);
    return added;
  }

  markHub(h) {
    if (this.expanded.has(h.node.nodeId)) return;
    this.hubs.set(h.node.nodeId, h.links);
    const node = this.cy.$id(h.node.nodeId);
    if (node.nonempty()) node.addClass("hub").data("caption", `${h.node.name || h.node.key || h.node.label} (${h.links} links)`);
  }

  place(centre, added) {
    // New neighbours in a ring around the node expanded: the rest of the chart stays where
    // the investigator left it.
    const at = centre.position();
    const radius = 60 + 6 * added.length;
    added.forEach((n, i) => {
      const angle = (2 * Math.PI * i) / Math.max(1, added.length);
      n.position({ x: at.x + radius * Math.cos(angle), y: at.y + radius * Math.sin(angle) });
    });
  }

  layout() {
    this.cy.resize();  // the canvas may have been sized after the chart was made
    const visible = this.cy.elements().not(".hidden, .out-of-time");
    const options = visible.nodes().length <= LAYOUT_COSE_UP_TO
      ? { name: "cose", animate: false, randomize: false, nodeRepulsion: () => 9000, idealEdgeLength: () => 70, numIter: 1500 }
      : { name: "concentric", animate: false, concentric: (n) => n.degree(), levelWidth: () => 4, minNodeSpacing: 6 };
    const started = performance.now();
    visible.layout({ ...options, fit: true, padding: 30 }).run();
    this.lastLayoutMs = performance.now() - started;
    return this.lastLayoutMs;
  }

  pin() {
    for (const n of this.cy.$("node:selected")) {
      if (n.locked()) n.unlock().removeClass("pinned");
      else n.lock().addClass("pinned");
    }
  }

  hide() {
    this.cy.$("node:selected").addClass("hidden").unselect();
    this.refreshPicker();
  }

  showAll() {
    this.cy.elements().removeClass("hidden");
    this.refreshPicker();
  }

  group() {
    const chosen = this.cy.$("node:selected").filter((n) => !n.isParent());
    if (chosen.length < 2) return this.say("Select two or more nodes (Ctrl-click) to group them.");
    const name = window.prompt("Name of the group", `Group ${++this.groups}`);
    if (!name) return undefined;
    const id = `group:${this.groups}:${Date.now()}`;
    this.cy.add({ group: "nodes", data: { id, caption: name, label: "Group" } });
    chosen.move({ parent: id });
    return this.say(`${chosen.length} nodes grouped as ${name}.`);
  }

  // -- time ---------------------------------------------------------------------------
  refreshDates() {
    const months = new Set();
    for (const e of this.cy.edges()) {
      for (const [start, end] of DATE_FACTS) {
        for (const value of [month(e.data("facts")?.[start]), month(e.data("facts")?.[end])]) if (value) months.add(value);
      }
    }
    this.months = [...months].sort();
    const top = String(Math.max(0, this.months.length - 1));
    const atEnd = this.to.value === this.to.max;
    this.from.max = top;
    this.to.max = top;
    if (atEnd) this.to.value = top;
    this.filterDates();
  }

  filterDates() {
    if (Number(this.from.value) > Number(this.to.value)) this.from.value = this.to.value;
    const lo = this.months[Number(this.from.value)];
    const hi = this.months[Number(this.to.value)];
    this.window.textContent = lo ? ` ${lo} – ${hi}` : " (no dated links)";
    this.cy.batch(() => {
      for (const e of this.cy.edges()) {
        const facts = e.data("facts") || {};
        // A role with no end date is held still; one with no start date is known only by its end.
        const span = DATE_FACTS.map(([s, t]) => [month(facts[s]), month(facts[t])]).find(([s, t]) => s || t);
        const out = lo && span && ((span[1] || "9999-12") < lo || (span[0] || "0000-01") > hi);
        e.toggleClass("out-of-time", Boolean(out));
      }
    });
  }

  // -- details, keyboard, export -----------------------------------------------------------
  describe() {
    const chosen = this.cy.$("node:selected");
    if (chosen.length !== 1) {
      this.details.replaceChildren(el("p", {}, chosen.length ? `${chosen.length} nodes selected` : "Click a node or a link."));
      return;
    }
    const n = chosen[0];
    const kind = KINDS[n.data("label")];
    const rows = [["kind", n.data("label")], ["key", n.data("key")], ["name", n.data("name")],
      ["score", n.data("score") == null ? null : n.data("score").toFixed(3)], ["band", n.data("band")?.toLowerCase()],
      ["links", this.hubs.has(n.id()) ? `${this.hubs.get(n.id())} (hub, not expanded)` : n.degree()]];
    this.details.replaceChildren(
      el("h3", {}, n.data("name") || n.data("key") || n.data("label")),
      el("dl", {}, ...rows.filter(([, v]) => v != null && v !== "").flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))])),
      el("button", { type: "button", on: { click: () => this.expand(n).catch((e) => this.say(e.message, true)) } }, "Expand"),
      kind ? el("a", { href: `#/dossier/${kind.toLowerCase()}/${encodeURIComponent(n.data("key"))}` }, " Open the dossier") : "");
  }

  describeEdge(edge) {
    const facts = Object.entries(edge.data("facts") || {});
    const ends = [edge.source(), edge.target()].map((n) => n.data("caption")).join(" – ");
    this.details.replaceChildren(el("h3", {}, edge.data("type")), el("p", {}, ends),
      el("dl", {}, ...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))])));
  }

  refreshPicker() {
    const nodes = this.cy.nodes().not(".hidden").filter((n) => !n.isParent());
    this.picker.replaceChildren(el("option", { value: "" }, `${nodes.length} nodes: choose one`),
      ...nodes.map((n) => el("option", { value: n.id() }, `${n.data("label")}: ${n.data("caption")}`)));
  }

  pick(id) {
    if (!id) return;
    this.cy.$(":selected").unselect();
    const node = this.cy.$id(id).select();
    this.cy.animate({ center: { eles: node } }, { duration: 200 });
  }

  key(event) {
    const selected = this.cy.$("node:selected");
    if (event.key === "e" || event.key === "E" || event.key === "Enter") {
      this.expandSelected();
    } else if (event.key === "Delete") {
      this.hide();
    } else if (event.key === "Escape") {
      this.cy.$(":selected").unselect();
    } else if (event.key.startsWith("Arrow")) {
      // next or previous node, in the order of the picker
      const nodes = this.cy.nodes().not(".hidden").filter((n) => !n.isParent());
      if (!nodes.length) return;
      const at = selected.length ? nodes.indexOf(selected[0]) : -1;
      const step = event.key === "ArrowRight" || event.key === "ArrowDown" ? 1 : -1;
      this.pick(nodes[(at + step + nodes.length) % nodes.length].id());
    } else {
      return;
    }
    event.preventDefault();
  }

  exportPng() {
    download("link-chart.png", this.cy.png({ full: true, scale: 2, bg: "#ffffff" }));
  }

  exportJson() {
    const nodes = this.cy.nodes().filter((n) => !n.isParent()).map((n) => ({ ...n.data(), position: n.position() }));
    const edges = this.cy.edges().map((e) => e.data());
    const blob = new Blob([JSON.stringify({ nodes, edges }, null, 1)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    download("link-chart.json", url);
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}

function edgeId(e) {
  const facts = e.facts || {};
  return `${e.source}|${e.type}|${e.target}|${facts.key || facts.link || ""}`;
}
