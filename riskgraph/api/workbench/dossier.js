// The dossier (hồ sơ) of one entity, and its timeline, both from one dossier read.

import {gql, may} from './api.js';
import {actions} from './actions.js';
import {band, bars, entityLink, h, number, score, table, withheld} from './ui.js';

function dossierQuery() {
  // Intel text and source kind are for investigators: an officer's request leaves them out,
  // or the API would refuse the whole request.
  const intel = ['reportId receivedOn grade reliability credibility',
    may('IntelReport.sourceKind') ? 'sourceKind' : '', may('IntelReport.summary') ? 'summary' : ''].join(' ');
  const counts = '{ key count valueUsd }';
  return `query($kind: EntityKind!, $id: String!) { dossier(kind: $kind, id: $id) {
    entity { kind id known name status province registeredOn activities nationality vehicleKind country byReference
      risk { score band asOf modelVersion own network provisional reasons { factor contribution detail }
        paths { nodes relationships contribution } } }
    watchlist { entryId reason owner addedAt removedAt removedBy removalReason }
    roles { relationship role since until sharePct otherKind otherId otherName }
    identifiers { kind value text holderCount holders { kind id name } }
    trade { since declarations valueUsd truncated parts ${counts} byMonth ${counts} channels ${counts}
      inspections ${counts} hsCodes ${counts} partners ${counts} gates ${counts} }
    violations { violationId kind decidedOn severity penaltyVnd backTaxVnd detectedBy declarations }
    intel { ${intel} }
    community suspiciousNetwork { rank size riskyShare why }
    neighbours { entity { kind id name risk { band } } links weight } } }`;
}

async function read(kind, id) {
  return (await gql(dossierQuery(), {kind: kind.toUpperCase(), id})).dossier;
}

function notFound(view, kind, id) {
  view.replaceChildren(h('section', {class: 'page'}, h('h1', {}, 'No such entity'),
    h('p', {}, `The store holds no ${kind} ${id}, and nothing names it.`)));
}

function facts(pairs) {
  return h('dl', {class: 'facts'}, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) =>
    [h('dt', {}, k), h('dd', {}, v)]));
}

function section(title, ...content) {
  const id = 'sec-' + title.toLowerCase().replace(/[^a-z]+/g, '-');
  return h('section', {class: 'block', 'aria-labelledby': id}, h('h2', {id}, title), ...content);
}

function pathText(path) {
  const parts = [];
  path.nodes.forEach((node, i) => {
    parts.push(node);
    if (i < path.relationships.length) parts.push(` —${path.relationships[i]}→ `);
  });
  return parts.join('');
}

export async function dossier(view, {kind, id, me, refresh}) {
  if (!may('Query.dossier')) {
    view.replaceChildren(h('section', {class: 'page'}, h('h1', {}, 'Dossier'), withheld(`Dossiers (${me.role} key)`)));
    return;
  }
  const d = await read(kind, id);
  if (!d) return notFound(view, kind, id);
  const e = d.entity, r = e.risk, t = d.trade;
  const chartStart = `${e.kind.toLowerCase()}:${encodeURIComponent(e.id)}`;
  const open = d.watchlist.filter((w) => !w.removedAt);
  view.replaceChildren(h('article', {class: 'page dossier'},
    h('header', {class: 'dossier-head'},
      h('h1', {}, e.name || e.id, ' ', band(r.band)),
      h('p', {class: 'muted'}, `${e.kind.toLowerCase()} ${e.id}`, e.byReference ? ' — named by declarations or reports, absent from every register' : ''),
      h('nav', {class: 'actions no-print', 'aria-label': 'Dossier views'},
        h('a', {class: 'button', href: `#/chart?start=${chartStart}`}, 'Open link chart'),
        h('a', {class: 'button', href: `#/timeline/${e.kind.toLowerCase()}/${encodeURIComponent(e.id)}`}, 'Timeline'),
        h('button', {type: 'button', onclick: () => window.print(), 'aria-label': 'Print this dossier or save it as PDF'}, 'Print / PDF'))),
    h('div', {class: 'columns'},
      section('Identity and status', facts([
        ['Status', e.status], ['Province', e.province], ['Registered', e.registeredOn], ['Nationality', e.nationality],
        ['Vehicle', e.vehicleKind], ['Country', e.country], ['Activities', e.activities.join(', ')],
        ['Community', d.community],
        ['Suspicious network', d.suspiciousNetwork ? h('span', {}, `#${d.suspiciousNetwork.rank}: ${d.suspiciousNetwork.size} members, `
          + `${Math.round(d.suspiciousNetwork.riskyShare * 100)} % risky — `, h('a', {href: `#/chart?network=${d.suspiciousNetwork.rank}`},
          'open in chart')) : null],
      ])),
      section('Score',
        h('p', {class: 'score-line'}, h('strong', {}, score(r.score)), ' ', band(r.band),
          ` own ${score(r.own)}, over links ${score(r.network)}`, r.provisional ? ' — provisional: raised by evidence since the analysis' : '',
          r.asOf ? ` (analysis of ${r.asOf})` : ''),
        r.reasons.length ? h('ol', {class: 'reasons'}, r.reasons.map((x) => h('li', {},
          h('span', {class: 'contribution'}, '+' + x.contribution.toFixed(3)), ' ', h('strong', {}, x.factor), ': ', x.detail))) :
          h('p', {class: 'muted'}, 'No reasons: the low band is not explained.'),
        r.paths.length ? [h('h3', {}, 'Paths to risky entities'), h('ul', {class: 'paths'}, r.paths.map((p) =>
          h('li', {}, h('span', {class: 'contribution'}, '+' + p.contribution.toFixed(3)), ' ', pathText(p))))] : null),
      section('Watchlist',
        open.length ? h('ul', {}, open.map((w) => h('li', {}, `On the watchlist since ${w.addedAt.slice(0, 10)} (${w.owner}): ${w.reason}`)))
          : h('p', {id: 'watch-state'}, 'Not on the watchlist.'),
        d.watchlist.filter((w) => w.removedAt).map((w) => h('p', {class: 'muted'},
          `Was listed ${w.addedAt.slice(0, 10)}–${w.removedAt.slice(0, 10)} by ${w.owner} (removed by ${w.removedBy}: ${w.removalReason})`)))),
    section('Roles over time', d.roles.length ? table('Roles', [
      {label: 'Relationship', cell: (x) => x.relationship.toLowerCase().replace(/_/g, ' ')},
      {label: 'Role', cell: (x) => (x.role || '').replace(/_/g, ' ')},
      {label: 'With', cell: (x) => entityLink(x.otherKind, x.otherId, x.otherName)},
      {label: 'Since', cell: (x) => x.since || ''},
      {label: 'Until', cell: (x) => x.until || 'now'},
      {label: 'Share', cell: (x) => x.sharePct === null ? '' : x.sharePct + ' %'},
    ], d.roles) : h('p', {class: 'muted'}, 'No roles.')),
    section('Identifiers and who else holds them', d.identifiers.length ? table('Identifiers', [
      {label: 'Kind', cell: (x) => x.kind},
      {label: 'Value', cell: (x) => x.text || x.value},
      {label: 'Others', cell: (x) => x.holderCount},
      {label: 'Also held by', cell: (x) => h('span', {}, x.holders.slice(0, 6).map((o, i) =>
        [i ? ', ' : '', entityLink(o.kind, o.id, o.name)]), x.holderCount > 6 ? ` and ${x.holderCount - 6} more` : '')},
    ], d.identifiers) : h('p', {class: 'muted'}, 'No identifiers.')),
    section('Trade', h('p', {}, `${number(t.declarations)} declaration${t.declarations === 1 ? '' : 's'} worth ${number(Math.round(t.valueUsd))} USD since ${t.since}`,
      t.parts.length ? ` (as ${t.parts.map((p) => `${p.key} ${p.count}`).join(', ')})` : '',
      t.truncated ? '; only the latest declarations were summarised.' : '.'),
    h('div', {class: 'charts'},
      bars('Declarations by month', t.byMonth, {limit: 36}),
      bars('Channels', t.channels), bars('Inspections', t.inspections), bars('HS codes', t.hsCodes),
      bars('Partners', t.partners), bars('Border gates', t.gates))),
    section('Violations', d.violations.length ? table('Violations', [
      {label: 'Decided', cell: (v) => v.decidedOn}, {label: 'Kind', cell: (v) => v.kind}, {label: 'Severity', cell: (v) => v.severity || ''},
      {label: 'Penalty VND', cell: (v) => number(v.penaltyVnd)}, {label: 'Back tax VND', cell: (v) => number(v.backTaxVnd)},
      {label: 'Found by', cell: (v) => v.detectedBy || ''}, {label: 'Declarations', cell: (v) => v.declarations.join(', ')},
    ], d.violations) : h('p', {class: 'muted'}, 'No decided violations.')),
    section('Intelligence', d.intel.length ? h('p', {class: 'muted'}, 'Admiralty grade: source reliability A (reliable) to F, '
      + 'credibility 1 (confirmed) to 6.') : null, d.intel.length ? table('Intelligence reports', [
      {label: 'Received', cell: (x) => x.receivedOn}, {label: 'Grade', cell: (x) => h('span', {class: 'grade'}, x.grade)},
      {label: 'Source', cell: (x) => may('IntelReport.sourceKind') ? (x.sourceKind || '') : h('span', {class: 'withheld'}, 'withheld for your role')},
      {label: 'Summary', cell: (x) => may('IntelReport.summary') ? (x.summary || '') : h('span', {class: 'withheld'}, 'withheld for your role')},
    ], d.intel) : h('p', {class: 'muted'}, 'No intelligence reports.')),
    section('Neighbours', d.neighbours.length ? table('Neighbours', [
      {label: 'Entity', cell: (n) => entityLink(n.entity.kind, n.entity.id, n.entity.name)},
      {label: 'Band', cell: (n) => band(n.entity.risk.band)},
      {label: 'Links', cell: (n) => n.links.join(', ')}, {label: 'Weight', cell: (n) => n.weight},
    ], d.neighbours.slice(0, 25)) : h('p', {class: 'muted'}, 'No neighbours.')),
    actions(e, open, refresh)));
}

// Every dated event of the dossier, oldest first: [date, what, detail].
function events(d) {
  const e = d.entity, out = [];
  if (e.registeredOn) out.push([e.registeredOn, 'registered', `${e.name || e.id} registered${e.province ? ' in ' + e.province : ''}`]);
  for (const r of d.roles) {
    const who = r.otherName || r.otherId, role = (r.role || r.relationship.toLowerCase()).replace(/_/g, ' ');
    if (r.since) out.push([r.since, 'role', `${role} — ${who} (from)`]);
    if (r.until) out.push([r.until, 'role ended', `${role} — ${who} (until)`]);
  }
  for (const m of d.trade.byMonth) out.push([m.key, 'declarations', `${m.count} declarations, ${number(Math.round(m.valueUsd))} USD`]);
  for (const v of d.violations) out.push([v.decidedOn, 'violation', `${v.kind}${v.severity ? ' (' + v.severity + ')' : ''}`
    + `${v.detectedBy ? ', found by ' + v.detectedBy : ''}${v.declarations.length ? ' on ' + v.declarations.join(', ') : ''}`]);
  for (const i of d.intel) out.push([i.receivedOn, 'intel', `report ${i.reportId} graded ${i.grade}${i.summary ? ': ' + i.summary : ''}`]);
  for (const w of d.watchlist) {
    out.push([w.addedAt.slice(0, 10), 'watchlist', `listed by ${w.owner}: ${w.reason}`]);
    if (w.removedAt) out.push([w.removedAt.slice(0, 10), 'watchlist', `removed by ${w.removedBy}: ${w.removalReason}`]);
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

export async function timeline(view, {kind, id, me}) {
  if (!may('Query.dossier')) {
    view.replaceChildren(h('section', {class: 'page'}, h('h1', {}, 'Timeline'), withheld(`Dossiers and timelines (${me.role} key)`)));
    return;
  }
  const d = await read(kind, id);
  if (!d) return notFound(view, kind, id);
  const list = events(d);
  const inspected = d.trade.inspections.map((c) => `${c.key} ${c.count}`).join(', ');
  view.replaceChildren(h('section', {class: 'page'},
    h('h1', {}, 'Timeline: ', entityLink(d.entity.kind, d.entity.id, d.entity.name)),
    h('p', {class: 'muted'}, `${list.length} events, oldest first. Inspections are counted, not dated, in the dossier`
      + (inspected ? `: ${inspected}.` : '.')),
    h('ol', {class: 'timeline', id: 'timeline'}, list.map(([when, what, detail]) =>
      h('li', {class: 'event event-' + what.replace(/\s+/g, '-')}, h('time', {datetime: when}, when), h('span', {class: 'what'}, what),
        h('span', {class: 'detail'}, detail))))));
}
