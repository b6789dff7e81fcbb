// Officer actions the API has, on the dossier page: each form sends one mutation, shows the
// API's own message when it refuses, and reloads the dossier when it is stored. The API
// validates and audits each as it does for any client.

import {ApiError, gql, may} from './api.js';
import {h, message} from './ui.js';

let forms = 0;

// A form with labelled fields [{name, label, type?, options?, required?, value?}]; submit(values) -> what was stored.
function form(title, fields, submit, refresh) {
  const id = `action-${++forms}`;
  const status = h('div', {class: 'action-status', 'aria-live': 'polite'});
  const controls = fields.map((f) => {
    const fid = `${id}-${f.name}`;
    const control = f.options
      ? h('select', {id: fid, name: f.name}, f.options.map((o) => h('option', {value: o}, o)))
      : h(f.type === 'textarea' ? 'textarea' : 'input', {id: fid, name: f.name, type: f.type === 'textarea' ? null : (f.type || 'text'),
        required: f.required, value: f.value, placeholder: f.placeholder, rows: f.type === 'textarea' ? 3 : null});
    return h('div', {class: 'field'}, h('label', {for: fid}, f.label), control);
  });
  const el = h('form', {class: 'action', 'aria-labelledby': id, novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    status.replaceChildren();
    const button = el.querySelector('button');
    button.disabled = true;
    try {
      const values = Object.fromEntries(new FormData(el));
      refresh(await submit(values));  // the dossier is read again, with the text on top
    } catch (e) {
      status.append(message(e instanceof ApiError ? e.advice : String(e)));
    } finally {
      button.disabled = false;
    }
  }}, h('h3', {id}, title), controls, h('button', {type: 'submit'}, title), status);
  return el;
}

function ref(entity) {
  return {kind: entity.kind, id: entity.id};
}

export function actions(entity, openEntries, refresh) {
  const parts = [];
  if (may('Mutation.addWatchlist')) {
    parts.push(form('Add to watchlist', [{name: 'reason', label: 'Reason', required: true, placeholder: 'why it is a key target'}],
      async ({reason}) => {
        const data = await gql('mutation($ref: EntityRef!, $reason: String!) { addWatchlist(ref: $ref, reason: $reason) { entryId owner } }',
          {ref: ref(entity), reason});
        return `Added to the watchlist (entry ${data.addWatchlist.entryId}, owner ${data.addWatchlist.owner}).`;
      }, refresh));
    if (openEntries.length) {
      parts.push(form('Remove from watchlist', [{name: 'reason', label: 'Reason for removal', required: true}], async ({reason}) => {
        const data = await gql('mutation($ref: EntityRef!, $reason: String!) { removeWatchlist(ref: $ref, reason: $reason) }',
          {ref: ref(entity), reason});
        return `Closed ${data.removeWatchlist} watchlist entr${data.removeWatchlist === 1 ? 'y' : 'ies'}.`;
      }, refresh));
    }
  }
  if (may('Mutation.submitIntel')) {
    parts.push(form('Submit intelligence', [
      {name: 'receivedOn', label: 'Received on', type: 'date', required: true, value: new Date().toISOString().slice(0, 10)},
      {name: 'reliability', label: 'Source reliability (A–F)', options: ['A', 'B', 'C', 'D', 'E', 'F']},
      {name: 'credibility', label: 'Credibility (1–6)', options: ['1', '2', '3', '4', '5', '6']},
      {name: 'sourceKind', label: 'Source kind', placeholder: 'informant, partner agency…'},
      {name: 'summary', label: 'Summary', type: 'textarea', required: true},
    ], async (v) => {
      const input = {...v, subjectKind: entity.kind, subjectId: entity.id, sourceKind: v.sourceKind || null};
      const data = await gql('mutation($input: IntelInput!) { submitIntel(input: $input) { reportId subject { risk { score band } } } }',
        {input});
      const risk = data.submitIntel.subject.risk;
      return `Stored as report ${data.submitIntel.reportId}; the score is now ${risk.score.toFixed(3)} (${risk.band.toLowerCase()}).`;
    }, refresh));
  }
  if (may('Mutation.recordInspectionResult')) {
    parts.push(form('Record inspection result', [
      {name: 'declarationNo', label: 'Declaration number', required: true},
      {name: 'result', label: 'Result', options: ['COMPLIANT', 'DISCREPANCY']},
      {name: 'inspectedOn', label: 'Inspected on', type: 'date'},
    ], async (v) => {
      const data = await gql(`mutation($no: String!, $result: InspectionResult!, $on: String) {
        recordInspectionResult(declarationNo: $no, result: $result, inspectedOn: $on) { declarationNo result } }`,
      {no: v.declarationNo.trim(), result: v.result, on: v.inspectedOn || null});
      if (!data.recordInspectionResult) return `No declaration ${v.declarationNo.trim()} is stored: nothing was recorded.`;
      return `Recorded ${data.recordInspectionResult.result.toLowerCase()} on declaration ${data.recordInspectionResult.declarationNo}.`;
    }, refresh));
  }
  const missing = [];
  if (!may('Mutation.addWatchlist')) missing.push('watchlist changes and inspection results (admin)');
  if (!may('Mutation.submitIntel')) missing.push('submitting intelligence (investigator)');
  return h('section', {class: 'block no-print', 'aria-labelledby': 'sec-actions'}, h('h2', {id: 'sec-actions'}, 'Actions'),
    h('div', {class: 'action-grid'}, parts),
    missing.length ? h('p', {class: 'withheld'}, `${missing.join('; ')}: withheld for your role.`) : null);
}
