// Small DOM helpers shared by the pages: elements, bands, bar charts, CSV, messages.

const SVG = 'http://www.w3.org/2000/svg';

// h('a', {href: '#/x', 'aria-label': 'y'}, 'text', child): an element; on* attributes become listeners.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const KINDS = ['enterprise', 'person', 'agent', 'vehicle'];
export const BANDS = ['critical', 'high', 'medium', 'low'];

export function band(value) {
  const name = String(value || 'low').toLowerCase();
  return h('span', {class: 'band band-' + name}, name);
}

export function score(value) {
  return Number(value || 0).toFixed(3);
}

const NUMBER = new Intl.NumberFormat('vi-VN');
export function number(value) {
  return value === null || value === undefined ? '' : NUMBER.format(value);
}

export function entityHref(kind, id) {
  return '#/dossier/' + kind.toLowerCase() + '/' + encodeURIComponent(id);
}

// A link to the dossier of kind:id (kind in either case).
export function entityLink(kind, id, name) {
  return h('a', {href: entityHref(kind, id)}, name || id);
}

// A horizontal bar chart of Count rows ({key, count, valueUsd}) as inline SVG.
export function bars(title, counts, {limit = 12, value = (c) => c.count, unit = ''} = {}) {
  const rows = counts.slice(0, limit);
  const figure = h('figure', {class: 'chart'}, h('figcaption', {}, title));
  if (!rows.length) {
    figure.append(h('p', {class: 'muted'}, 'none'));
    return figure;
  }
  const top = Math.max(...rows.map(value), 1);
  const line = 18, labelWidth = 130, width = 420;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${rows.length * line}`);
  svg.setAttribute('width', width);
  svg.setAttribute('height', rows.length * line);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title + ': ' + rows.map((r) => `${r.key} ${value(r)}`).join(', '));
  rows.forEach((r, i) => {
    const y = i * line;
    const barWidth = Math.max(1, (width - labelWidth - 70) * value(r) / top);
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', labelWidth - 6);
    label.setAttribute('y', y + 13);
    label.setAttribute('text-anchor', 'end');
    label.textContent = r.key.length > 20 ? r.key.slice(0, 19) + '…' : r.key;
    const rect = document.createElementNS(SVG, 'rect');
    rect.setAttribute('x', labelWidth);
    rect.setAttribute('y', y + 3);
    rect.setAttribute('width', barWidth);
    rect.setAttribute('height', line - 6);
    rect.setAttribute('class', 'bar');
    const amount = document.createElementNS(SVG, 'text');
    amount.setAttribute('x', labelWidth + barWidth + 4);
    amount.setAttribute('y', y + 13);
    amount.textContent = number(value(r)) + unit;
    const tip = document.createElementNS(SVG, 'title');
    tip.textContent = `${r.key}: ${r.count} declarations, ${number(Math.round(r.valueUsd))} USD`;
    rect.append(tip);
    svg.append(label, rect, amount);
  });
  figure.append(svg);
  return figure;
}

// A table: columns [{label, cell: (row) => node|text, cls?}], rows.
export function table(caption, columns, rows, {hideCaption = false} = {}) {
  return h('table', {},
    h('caption', {class: hideCaption ? 'visually-hidden' : null}, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', {scope: 'col', class: c.cls}, c.label)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => h('td', {class: c.cls}, c.cell(r)))))));
}

export function message(text, kind = 'error') {
  return h('p', {class: 'message ' + kind, role: kind === 'error' ? 'alert' : 'status'}, text);
}

// What a section says when the role may not read it.
export function withheld(what) {
  return h('p', {class: 'withheld'}, what + ': withheld for your role.');
}

function csvCell(value) {
  const text = value === null || value === undefined ? '' : String(value);
  // A spreadsheet runs a cell starting with = + - @ as a formula: quote it as text.
  const safe = typeof value !== 'number' && /^[=+\-@\t\r]/.test(text) ? "'" + text : text;
  return /[",\n\r]/.test(safe) ? '"' + safe.replace(/"/g, '""') + '"' : safe;
}

// Save rows as a CSV file (UTF-8 with a BOM, so Excel reads Vietnamese names as they are).
export function downloadCsv(filename, header, rows) {
  const text = [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
  const blob = new Blob(['\ufeff' + text], {type: 'text/csv;charset=utf-8'});
  const url = URL.createObjectURL(blob);
  const a = h('a', {href: url, download: filename});
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
