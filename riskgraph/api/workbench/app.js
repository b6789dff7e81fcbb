// The shell: sign-in state, navigation and the hash router. Each route renders into #view.

import {ApiError, forgetKey, gql, onUnauthenticated, savedKey, whoami} from './api.js';
import {dossier, timeline} from './dossier.js';
import {denied, networks, search, signIn, targets} from './pages.js';
import {queue} from './queue.js';
import {KINDS, h, message} from './ui.js';

const view = document.getElementById('view');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let flash = null;  // a message shown once, on top of the next page drawn
let unmount = null;  // what the chart's mount or the queue returned: called when the page changes
let drawing = 0;  // the render in progress: a page that finishes after a newer one began is cleaned up at once

export function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

// "#/chart?start=enterprise:0101" -> {path: ['chart'], params}
function route() {
  const [path, query] = (location.hash.replace(/^#\/?/, '') || 'search').split('?');
  return {path: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query || '')};
}

// What the chart is asked to show, from the hash query: start=kind:id, from=&to=, or network=RANK.
function chartParams(params) {
  const entity = (text) => {
    const at = (text || '').indexOf(':');
    return at > 0 ? {kind: text.slice(0, at), id: text.slice(at + 1)} : null;
  };
  if (params.has('network')) return {network: Number(params.get('network'))};
  if (params.has('from') && params.has('to')) return {from: entity(params.get('from')), to: entity(params.get('to'))};
  return {start: entity(params.get('start'))};
}

async function chart(element, params) {
  let module;
  try {
    module = await import('./chart.js');
  } catch (e) {
    throw new Error('the link chart (workbench/chart.js) could not be loaded: ' + e.message);
  }
  return module.mount(element, {gql, navigate}, chartParams(params));
}

function keep(done, render) {
  if (typeof done !== 'function') return;
  if (render === drawing) unmount = done;
  else done();  // the user moved on while this page loaded: its stream or chart must not live on unseen
}

function showNav(me) {
  const links = [['#/search', 'Search', 'Query.search'], ['#/targets/enterprise', 'Key targets', 'Query.keyTargets'],
    ['#/networks', 'Networks', 'Query.suspiciousNetworks'], ['#/queue', 'Queue', 'Query.monitoringQueue']];
  nav.replaceChildren(...links.filter(([, , c]) => me.readable.has(c)).map(([href, label]) => h('a', {href}, label)));
  who.replaceChildren(h('span', {}, `${me.name} · ${me.role}`),
    h('button', {type: 'button', id: 'sign-out', onclick: () => {
      forgetKey();
      navigate('#/signin');
    }}, 'Sign out'));
}

function markCurrent() {
  for (const a of nav.querySelectorAll('a')) {
    const here = location.hash.startsWith(a.getAttribute('href').split('/').slice(0, 2).join('/'));
    if (here) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function render() {
  const mine = ++drawing;
  if (unmount) {
    unmount();
    unmount = null;
  }
  const {path, params} = route();
  if (!savedKey() || path[0] === 'signin') {
    nav.replaceChildren();
    who.replaceChildren();
    forgetKey();
    signIn(view, {navigate, onSignedIn: showNav});
    if (flash) {
      view.firstChild.append(message(flash, 'warning'));
      flash = null;
    }
    return;
  }
  view.setAttribute('aria-busy', 'true');
  try {
    const me = await whoami();
    showNav(me);
    markCurrent();
    const context = {params, navigate, me, refresh: (text) => {
      flash = text;
      window.scrollTo(0, 0);  // the message of what was stored is on top
      render();
    }};
    const [page, a, b] = path;
    if (page === 'search') await search(view, context);
    else if (page === 'targets' && KINDS.includes(a)) await targets(view, {...context, kind: a});
    else if (page === 'networks') await networks(view, context);
    else if (page === 'queue') keep(await queue(view, context), mine);
    else if (page === 'dossier' && KINDS.includes(a) && b) await dossier(view, {...context, kind: a, id: b});
    else if (page === 'timeline' && KINDS.includes(a) && b) await timeline(view, {...context, kind: a, id: b});
    else if (page === 'chart') {
      const element = h('section', {class: 'page chart-page', id: 'chart', 'aria-label': 'Link chart'});
      view.replaceChildren(element);
      keep(await chart(element, params), mine);
    } else if (page === 'denied') denied(view, context);
    else view.replaceChildren(h('section', {class: 'page'}, h('h1', {}, 'No such page'), h('p', {}, h('a', {href: '#/search'}, 'Search'))));
    if (flash) {
      view.firstChild.prepend(message(flash, 'ok'));
      flash = null;
    }
  } catch (e) {
    if (e instanceof ApiError && e.code === 'UNAUTHENTICATED') return;  // already back at sign-in
    view.replaceChildren(h('section', {class: 'page'}, h('h1', {}, 'Could not show this page'),
      message(e instanceof ApiError ? e.advice : 'The page failed: ' + e.message)));
  } finally {
    view.removeAttribute('aria-busy');
    const heading = view.querySelector('h1');
    if (heading && !view.contains(document.activeElement)) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({preventScroll: true});
    }
  }
}

onUnauthenticated(() => {
  if (document.getElementById('key-input')) return;  // the sign-in form shows the refusal itself
  flash = 'Your key was refused (revoked, or not a key): sign in again.';
  navigate('#/signin');
});
document.querySelector('.skip').addEventListener('click', (event) => {
  event.preventDefault();  // the hash is the router's
  view.focus();
});
window.addEventListener('hashchange', render);
render();
