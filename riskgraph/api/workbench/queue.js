// The monitoring queue (trực ban trực tuyến): declarations in clearance with their alerts,
// newest first, filtered by office, gate, lane and alert kind; alerts of new assessments
// arrive live from the alert stream and go on top.

import {ApiError, follow, gql} from './api.js';
import {entityLink, h, message, score} from './ui.js';

const PAGE = 25;
const RETRY_MS = 5000;  // a cut stream is opened again after this long
const LANES = ['green', 'blue', 'yellow', 'red'];  // least to most strict, as riskgraph.channels.policy.LANES
const KINDS = ['watched', 'key_target', 'profile_hit', 'score_jump', 'unusual_value', 'new_goods', 'new_route', 'new_partner'];
const QUEUE = `query($first: Int!, $after: String, $office: String, $gate: String, $lane: Channel, $kinds: [AlertKind!]) {
  monitoringQueue(first: $first, after: $after, office: $office, gate: $gate, lane: $lane, alertKinds: $kinds) {
    edges { node { declarationNo at source office gate trader lane score basis hits { profileId } alerts { kind sentence } } }
    pageInfo { hasNextPage endCursor } } }`;

function label(kind) {
  return kind.toLowerCase().replace(/_/g, ' ');
}

function row(item, live) {
  return h('tr', {class: live ? 'live' : null, 'data-declaration': item.declarationNo},
    h('td', {}, item.at.replace('T', ' ').slice(0, 19)),
    h('td', {}, item.declarationNo),
    h('td', {}, item.source.toLowerCase()),
    h('td', {}, item.office || ''),
    h('td', {}, item.gate || ''),
    h('td', {}, entityLink('enterprise', item.trader)),
    h('td', {}, item.lane ? h('span', {class: 'lane lane-' + item.lane.toLowerCase()}, item.lane.toLowerCase()) : ''),
    h('td', {class: 'num'}, item.score === null ? '' : score(item.score)),
    h('td', {}, item.alerts.length ? h('ul', {class: 'alerts'}, item.alerts.map((a) =>
      h('li', {}, h('span', {class: 'alert-kind'}, label(a.kind)), ' ', a.sentence))) : h('span', {class: 'muted'}, 'none')));
}

export async function queue(view, {params, navigate}) {
  const field = (name, text, example) => h('label', {}, text + ' ',
    h('input', {name, value: params.get(name) || '', 'aria-label': text, placeholder: example}));
  const choice = (name, text, values) => h('label', {}, text + ' ', h('select', {name, 'aria-label': text},
    h('option', {value: ''}, 'any'), values.map((v) => h('option', {value: v, selected: params.get(name) === v}, label(v)))));
  const filters = h('form', {class: 'filters', 'aria-label': 'Filters', onsubmit: (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    for (const [name, value] of new FormData(event.target)) if (value.trim()) q.set(name, value.trim());
    navigate('#/queue?' + q);
  }}, field('office', 'Office', '02CI'), field('gate', 'Gate', 'Cửa khẩu Lao Bảo'), choice('lane', 'Lane', LANES),
  choice('kind', 'Alert', KINDS), h('button', {type: 'submit'}, 'Apply'));
  const status = h('p', {id: 'queue-live', class: 'muted', role: 'status', 'aria-live': 'polite'}, 'Live alerts: connecting…');
  const body = h('tbody', {});
  const list = h('table', {id: 'queue'}, h('caption', {}, 'Declarations in clearance, newest first'),
    h('thead', {}, h('tr', {}, ['Time', 'Declaration', 'Source', 'Office', 'Gate', 'Trader', 'Lane', 'Score', 'Alerts']
      .map((c) => h('th', {scope: 'col'}, c)))), body);
  const pager = h('div', {class: 'pager'});
  view.replaceChildren(h('section', {class: 'page'}, h('h1', {}, 'Monitoring queue'), filters, status, list, pager));

  const wanted = {office: params.get('office') || null, gate: params.get('gate') || null, lane: params.get('lane') || null,
    kind: params.get('kind') || null};
  const data = (await gql(QUEUE, {first: PAGE, after: params.get('after'), office: wanted.office, gate: wanted.gate,
    lane: wanted.lane && wanted.lane.toUpperCase(), kinds: wanted.kind ? [wanted.kind.toUpperCase()] : null})).monitoringQueue;
  body.append(...data.edges.map((e) => row(e.node, false)));
  if (!data.edges.length) body.append(h('tr', {}, h('td', {colspan: 9, class: 'muted'}, 'Nothing in the queue for these filters.')));
  if (data.pageInfo.hasNextPage) {
    const q = new URLSearchParams(params);
    q.set('after', data.pageInfo.endCursor);
    pager.append(h('a', {href: '#/queue?' + q, class: 'button'}, 'Older'));
  }
  if (params.get('after')) {  // an older page: live alerts belong on the newest
    status.textContent = 'Older declarations: live alerts show on the first page.';
    return () => {};
  }

  const stop = new AbortController();
  const stream = new URLSearchParams(Object.entries(wanted).filter(([, v]) => v));
  let live = 0;
  const listen = async () => {
    while (!stop.signal.aborted) {
      try {
        status.textContent = 'Live alerts: on';
        await follow(stream, (name, item) => {
          if (name === 'dropped') {
            status.textContent = item.message;
            return;
          }
          body.prepend(row(item, true));
          live += 1;
          status.textContent = `Live alerts: on · ${live} new · ${item.declarationNo}: ${item.alerts[0].sentence}`;
        }, stop.signal);
      } catch (e) {
        status.replaceChildren(message(e instanceof ApiError ? e.advice : String(e), 'warning'));
        if (e instanceof ApiError && e.code === 'FORBIDDEN') return;
      }
      if (!stop.signal.aborted) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  };
  listen();
  return () => stop.abort();
}
