// The list pages: sign-in, search, key targets, suspicious networks.

import {ApiError, gql, saveKey, whoami, forgetKey} from './api.js';
import {BANDS, KINDS, band, downloadCsv, entityLink, h, message, number, score, table} from './ui.js';

const ENTITY = 'kind id name status province risk { score band reasons { factor contribution detail } }';

export function signIn(view, {navigate, onSignedIn}) {
  const input = h('input', {id: 'key-input', type: 'password', autocomplete: 'off', spellcheck: 'false',
    'aria-label': 'API key', 'aria-describedby': 'key-help', placeholder: 'rg_…', required: true});
  const status = h('div', {id: 'key-message', 'aria-live': 'polite'});
  const form = h('form', {class: 'signin', 'aria-labelledby': 'signin-title', onsubmit: async (event) => {
    event.preventDefault();
    const key = input.value.trim().replace(/^bearer\s+/i, '');
    status.replaceChildren();
    if (!/^rg_[A-Za-z0-9_-]{8,}$/.test(key)) {
      status.append(message('That is not an API key: a key starts with rg_ (ask an administrator for one).'));
      return;
    }
    saveKey(key);
    try {
      const me = await whoami();
      onSignedIn(me);
      navigate(me.readable.has('Query.search') ? '#/search' : '#/denied');
    } catch (e) {
      forgetKey();
      status.append(message(e instanceof ApiError ? e.advice : String(e)));
    }
  }},
  h('h1', {id: 'signin-title'}, 'Sign in to the riskgraph workbench'),
  h('label', {for: 'key-input'}, 'API key'),
  input,
  h('p', {id: 'key-help', class: 'muted'},
    'Paste the key an administrator gave you. It is kept for this tab only: closing the tab forgets it.'),
  h('button', {type: 'submit'}, 'Sign in'),
  status);
  view.replaceChildren(form);
  input.focus();
}

export function denied(view, {me}) {
  view.replaceChildren(h('section', {class: 'page'},
    h('h1', {}, 'Nothing here for your role'),
    message(`The ${me.role} role may read entity risk and channel advice only (for clearance systems): `
      + 'search, key targets, networks and dossiers are withheld for your role.', 'warning')));
}

export async function search(view, {params, navigate}) {
  const text = params.get('q') || '';
  const input = h('input', {id: 'search-input', type: 'search', value: text, 'aria-label': 'Search entities',
    placeholder: 'name (with or without diacritics), tax code, ID, plate, container, phone, e-mail'});
  const kind = h('select', {id: 'search-kind', 'aria-label': 'Kind of entity'},
    h('option', {value: ''}, 'every kind'), KINDS.map((k) => h('option', {value: k, selected: params.get('kind') === k}, k)));
  const results = h('div', {id: 'search-results', 'aria-live': 'polite'});
  const form = h('form', {class: 'searchbar', role: 'search', onsubmit: (event) => {
    event.preventDefault();
    const q = new URLSearchParams({q: input.value.trim()});
    if (kind.value) q.set('kind', kind.value);
    navigate('#/search?' + q);
  }}, input, kind, h('button', {type: 'submit'}, 'Search'));
  view.replaceChildren(h('section', {class: 'page'}, h('h1', {}, 'Search'), form, results));
  input.focus();
  if (text.trim().length < 2) {
    results.append(h('p', {class: 'muted'}, 'Type at least two characters: "long thinh" finds "Long Thịnh".'));
    return;
  }
  const kinds = params.get('kind') ? [params.get('kind').toUpperCase()] : null;
  let data;
  try {
    data = await gql(`query($text: String!, $kinds: [EntityKind!]) { search(text: $text, kinds: $kinds, first: 50) {
      matched entity { ${ENTITY} } } }`, {text: text.trim(), kinds});
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 'SEARCH_NOT_READY') throw e;
    results.append(message(e.advice));  // the form stays: the officer searches again in a moment
    return;
  }
  if (!data.search.length) {
    results.append(h('p', {}, `Nothing matches "${text}".`));
    return;
  }
  results.append(table(`${data.search.length} hit${data.search.length === 1 ? '' : 's'} for "${text}"`, [
    {label: 'Kind', cell: (r) => r.entity.kind.toLowerCase()},
    {label: 'Name', cell: (r) => entityLink(r.entity.kind, r.entity.id, r.entity.name)},
    {label: 'Id', cell: (r) => r.entity.id},
    {label: 'Matched', cell: (r) => r.matched},
    {label: 'Province', cell: (r) => r.entity.province || ''},
    {label: 'Score', cell: (r) => score(r.entity.risk.score)},
    {label: 'Band', cell: (r) => band(r.entity.risk.band)},
    {label: 'Chart', cell: (r) => h('a', {href: `#/chart?start=${r.entity.kind.toLowerCase()}:${encodeURIComponent(r.entity.id)}`,
      'aria-label': `open ${r.entity.name || r.entity.id} in the link chart`}, 'chart')},
  ], data.search));
}

const PAGE = 25;
const TARGETS = `query($kind: EntityKind!, $first: Int!, $after: String, $minScore: Float!, $province: String, $band: Band) {
  keyTargets(kind: $kind, first: $first, after: $after, minScore: $minScore, province: $province, band: $band) {
    totalCount edges { cursor node { ${ENTITY} } } pageInfo { hasNextPage endCursor } } }`;
const COLUMNS = [
  {key: 'name', label: 'Name', value: (e) => e.name || e.id},
  {key: 'id', label: 'Id', value: (e) => e.id},
  {key: 'province', label: 'Province', value: (e) => e.province || ''},
  {key: 'status', label: 'Status', value: (e) => e.status || ''},
  {key: 'score', label: 'Score', value: (e) => e.risk.score},
  {key: 'band', label: 'Band', value: (e) => BANDS.length - BANDS.indexOf(e.risk.band.toLowerCase())},
  {key: 'reason', label: 'First reason', value: (e) => (e.risk.reasons[0] || {}).detail || ''},
];

function variables(kind, params, after = null, first = PAGE) {
  return {kind: kind.toUpperCase(), first, after, minScore: Number(params.get('min') || 0),
    province: params.get('province') || null, band: params.get('band') ? params.get('band').toUpperCase() : null};
}

export async function targets(view, {params, navigate, kind}) {
  const filters = h('form', {class: 'filters', 'aria-label': 'Filters', onsubmit: (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    for (const [name, value] of new FormData(event.target)) if (value) q.set(name, value);
    navigate(`#/targets/${kind}?` + q);
  }},
  h('label', {}, 'Band ', h('select', {name: 'band', 'aria-label': 'Band'}, h('option', {value: ''}, 'any'),
    BANDS.map((b) => h('option', {value: b, selected: params.get('band') === b}, b)))),
  kind === 'enterprise' ? h('label', {}, 'Province ', h('input', {name: 'province', value: params.get('province') || '',
    'aria-label': 'Province', placeholder: 'Hải Phòng'})) : null,
  h('label', {}, 'Min score ', h('input', {name: 'min', type: 'number', step: '0.01', min: '0', max: '1',
    value: params.get('min') || '', 'aria-label': 'Minimum score'})),
  params.get('sort') ? h('input', {type: 'hidden', name: 'sort', value: params.get('sort')}) : null,
  h('button', {type: 'submit'}, 'Apply'));
  const tabs = h('nav', {class: 'tabs', 'aria-label': 'Kind of key target'}, KINDS.map((k) =>
    h('a', {href: `#/targets/${k}`, 'aria-current': k === kind ? 'page' : null}, k)));
  const body = h('div', {id: 'targets'});
  view.replaceChildren(h('section', {class: 'page'}, h('h1', {}, `Key targets: ${kind}`), tabs, filters, body));

  const after = params.get('after');
  const data = (await gql(TARGETS, variables(kind, params, after))).keyTargets;
  const rows = data.edges.map((e) => e.node);
  const [sortKey, direction] = (params.get('sort') || 'score:desc').split(':');
  const column = COLUMNS.find((c) => c.key === sortKey) || COLUMNS[4];
  rows.sort((a, b) => {
    const x = column.value(a), y = column.value(b);
    const order = typeof x === 'number' ? x - y : String(x).localeCompare(String(y), 'vi');
    return direction === 'asc' ? order : -order;
  });
  const start = Number(params.get('from') || 0);
  const link = (changes) => {
    const q = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) value === null ? q.delete(name) : q.set(name, value);
    return `#/targets/${kind}?` + q;
  };
  const header = COLUMNS.map((c) => {
    const sorted = c.key === column.key;
    const next = sorted && direction === 'desc' ? 'asc' : 'desc';
    return h('th', {scope: 'col', 'aria-sort': sorted ? (direction === 'asc' ? 'ascending' : 'descending') : 'none'},
      h('a', {href: link({sort: `${c.key}:${next}`}), 'aria-label': `sort by ${c.label}, ${next === 'asc' ? 'ascending' : 'descending'}`},
        c.label, sorted ? (direction === 'asc' ? ' ▲' : ' ▼') : ''));
  });
  body.append(
    h('p', {class: 'summary'}, `${number(data.totalCount)} ${kind} key targets match; rows ${start + 1}–${start + rows.length}, `
      + 'riskiest first; a column header sorts this page.'),
    h('table', {id: 'targets-table'},
      h('caption', {class: 'visually-hidden'}, `Key targets: ${kind}`),
      h('thead', {}, h('tr', {}, header)),
      h('tbody', {}, rows.map((e) => h('tr', {},
        h('td', {}, entityLink(e.kind, e.id, e.name)), h('td', {}, e.id), h('td', {}, e.province || ''),
        h('td', {}, e.status || ''), h('td', {class: 'num'}, score(e.risk.score)), h('td', {}, band(e.risk.band)),
        h('td', {class: 'reason'}, (e.risk.reasons[0] || {}).detail || ''))))),
    h('div', {class: 'pager'},
      start > 0 ? h('a', {href: link({after: null, from: null}), class: 'button'}, '⏮ First page') : null,
      data.pageInfo.hasNextPage ? h('a', {href: link({after: data.pageInfo.endCursor, from: start + rows.length}), class: 'button',
        id: 'next-page'}, 'Next page ⏭') : null,
      h('button', {type: 'button', id: 'export-csv', onclick: (event) => exportTargets(event.target, kind, params, data.totalCount)},
        'Export CSV')));
}

const EXPORT_LIMIT = 5000;

// Every row of the filtered list (up to EXPORT_LIMIT), page by page, as a CSV download.
async function exportTargets(button, kind, params, total) {
  button.disabled = true;
  button.textContent = 'Exporting…';
  try {
    const rows = [];
    let after = null;
    while (rows.length < Math.min(total, EXPORT_LIMIT)) {
      const page = (await gql(TARGETS, variables(kind, params, after, 500))).keyTargets;
      rows.push(...page.edges.map((e) => e.node));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    downloadCsv(`key-targets-${kind}.csv`, ['rank', 'kind', 'id', 'name', 'province', 'status', 'score', 'band', 'reason'],
      rows.slice(0, EXPORT_LIMIT).map((e, i) => [i + 1, kind, e.id, e.name, e.province, e.status, e.risk.score,
        e.risk.band.toLowerCase(), e.risk.reasons.map((r) => `${r.factor} +${r.contribution.toFixed(2)}: ${r.detail}`).join('; ')]));
    button.textContent = total > EXPORT_LIMIT ? `Exported the first ${EXPORT_LIMIT}` : `Exported ${rows.length} rows`;
  } finally {
    button.disabled = false;
  }
}

export async function networks(view, {params}) {
  const after = params.get('after');
  const data = (await gql(`query($after: String) { suspiciousNetworks(first: 20, after: $after) { totalCount
    edges { node { rank score size riskyMembers riskyShare why glue members { kind id name risk { band } } } }
    pageInfo { hasNextPage endCursor } } }`, {after})).suspiciousNetworks;
  const rows = data.edges.map((e) => e.node);
  view.replaceChildren(h('section', {class: 'page'},
    h('h1', {}, 'Suspicious networks'),
    h('p', {class: 'summary'}, `${number(data.totalCount)} networks, by how much more risk they hold than as many entities on average.`),
    table('Suspicious networks', [
      {label: 'Rank', cell: (n) => n.rank},
      {label: 'Lift', cell: (n) => n.score.toFixed(1)},
      {label: 'Size', cell: (n) => n.size},
      {label: 'Risky', cell: (n) => h('span', {class: 'nowrap'}, `${n.riskyMembers} (${Math.round(n.riskyShare * 100)} %)`)},
      {label: 'Held together by', cell: (n) => h('ul', {class: 'plain'}, n.glue.slice(0, 4).map((g) => h('li', {}, glueLink(g, n.members))))},
      {label: 'Why', cell: (n) => h('span', {class: 'reason'}, n.why)},
      {label: 'Members', cls: 'members', cell: (n) => h('ul', {class: 'plain'}, n.members.slice(0, 5).map((m) =>
        h('li', {}, band(m.risk.band), ' ', entityLink(m.kind, m.id, m.name))),
        n.members.length > 5 ? h('li', {class: 'muted'}, `and ${n.size - 5} more`) : null)},
      {label: 'Chart', cls: 'nowrap', cell: (n) => h('a', {href: `#/chart?network=${n.rank}`, 'aria-label': `open network ${n.rank} in the link chart`},
        'open in chart')},
    ], rows, {hideCaption: true}),
    data.pageInfo.hasNextPage ? h('div', {class: 'pager'}, h('a', {class: 'button',
      href: '#/networks?' + new URLSearchParams({after: data.pageInfo.endCursor})}, 'Next networks ⏭')) : null));
}

// A glue label (kind:id) as a link to its dossier, named when it is a member.
function glueLink(glue, members) {
  const [kind, ...rest] = glue.split(':');
  const id = rest.join(':');
  const member = members.find((m) => m.kind.toLowerCase() === kind && m.id === id);
  return KINDS.includes(kind) ? entityLink(kind, id, member && member.name ? `${member.name} (${kind})` : glue) : glue;
}
