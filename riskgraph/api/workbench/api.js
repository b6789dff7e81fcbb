// The one way the workbench talks to the API: POST /graphql with the tab's key.
// chart.js imports gql from here, so every page shares its errors and its key.

const KEY = 'riskgraph.apiKey';  // sessionStorage: the key lives as long as the tab, never on disk

export class ApiError extends Error {
  // code: UNAUTHENTICATED, FORBIDDEN, TIMEOUT, NETWORK, or the API's extensions.code
  constructor(code, message) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }

  // What the user is told: a sentence they can act on.
  get advice() {
    if (this.code === 'FORBIDDEN') return 'Your role may not see this (' + this.message + ').';
    if (this.code === 'TIMEOUT') return 'The API stopped this request: ' + this.message + '.';
    if (this.code === 'UNAUTHENTICATED') return 'Your key was refused: sign in again with a valid key.';
    return this.message;
  }
}

export function savedKey() {
  return sessionStorage.getItem(KEY);
}

export function saveKey(key) {
  sessionStorage.setItem(KEY, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY);
  me = null;
}

let unauthenticated = () => {};

// Called by the shell: what to do when the API refuses the key (back to sign-in).
export function onUnauthenticated(handler) {
  unauthenticated = handler;
}

// Run one GraphQL operation; return its data, or throw ApiError for the first error.
export async function gql(query, variables = {}) {
  const key = savedKey();
  if (!key) {
    unauthenticated();
    throw new ApiError('UNAUTHENTICATED', 'no key for this tab');
  }
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + key},
      body: JSON.stringify({query, variables}),
    });
  } catch (e) {
    throw new ApiError('NETWORK', 'the API does not answer: is `riskgraph serve` running?');
  }
  let answer;
  try {
    answer = await response.json();
  } catch (e) {
    throw new ApiError('HTTP_' + response.status, 'the API answered ' + response.status + ' without a GraphQL answer');
  }
  const error = (answer.errors || [])[0];
  if (error) {
    const code = (error.extensions || {}).code || 'ERROR';
    if (code === 'UNAUTHENTICATED') {
      forgetKey();
      unauthenticated();
    }
    throw new ApiError(code, error.message);
  }
  return answer.data;
}

let me = null;

// The caller's name, role and readable restricted fields, read once per sign-in.
export async function whoami() {
  if (!me) {
    const data = await gql('{ me { name role readable } }');
    me = {...data.me, readable: new Set(data.me.readable)};
  }
  return me;
}

// Whether the signed-in role may read the restricted field Type.field (see access.FIELDS).
export function may(coordinate) {
  return me !== null && me.readable.has(coordinate);
}

// Follow the alert stream (server-sent events read through fetch, so that the key goes in
// the Authorization header: EventSource cannot send one). Calls onEvent(name, data) for
// each event until the stream ends or signal aborts; throws ApiError if it is refused.
export async function follow(filters, onEvent, signal) {
  const key = savedKey();
  let response;
  try {
    response = await fetch('/alerts/stream?' + filters, {headers: {'Authorization': 'Bearer ' + key}, signal});
  } catch (e) {
    if (signal.aborted) return;
    throw new ApiError('NETWORK', 'the alert stream does not answer: is `riskgraph serve` running?');
  }
  if (!response.ok) {
    const error = ((await response.json().catch(() => ({}))).errors || [])[0] || {};
    throw new ApiError((error.extensions || {}).code || 'HTTP_' + response.status, error.message || 'the stream was refused');
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const {value, done} = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = 'message', data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) name = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (data) onEvent(name, JSON.parse(data));
      }
    }
  } catch (e) {
    if (!signal.aborted) throw new ApiError('NETWORK', 'the alert stream was cut: ' + e.message);
  }
}
