import {api, h, fmt, debounce} from './app.js';

const root = document.getElementById('package');
const name = root.dataset.name;
const versionSel = document.getElementById('version');
const form = document.getElementById('options');
const formStatus = document.getElementById('form-status');
const preview = document.getElementById('preview');
const planEl = document.getElementById('plan');
const installBtn = document.getElementById('install');
const installStatus = document.getElementById('install-status');

let detail = null;   // the package version and its form model
let errorCount = 0;  // errors of the last render
let rendering = 0;   // renders in flight

// controlId turns a JSON pointer into an element id.
const controlId = p => 'opt' + p.replace(/[^A-Za-z0-9_-]/g, c => '_' + c.charCodeAt(0).toString(16));

function choiceText(json) {
  try {
    const v = JSON.parse(json);
    return typeof v === 'string' ? v : json;
  } catch {
    return json;
  }
}

// control builds the input of a leaf field.
function control(f, describedBy) {
  const common = {id: controlId(f.pointer), name: f.pointer, 'aria-describedby': describedBy, 'data-kind': f.kind,
    required: f.required && f.kind !== 'checkbox'};
  switch (f.kind) {
    case 'checkbox':
      return h('input', {...common, type: 'checkbox', value: 'true', checked: f.value === 'true'});
    case 'select': {
      const sel = h('select', common);
      if (!f.required || !f.hasDefault) sel.append(h('option', {value: ''}, '(none)'));
      for (const c of f.choices) sel.append(h('option', {value: c, selected: c === f.value}, choiceText(c)));
      if (f.hasDefault) sel.value = f.value;
      return sel;
    }
    case 'integer':
    case 'number':
      return h('input', {...common, type: 'number', inputmode: f.kind === 'integer' ? 'numeric' : 'decimal',
        step: f.kind === 'integer' ? '1' : 'any', min: f.minimum, max: f.maximum, value: f.value});
    case 'password':
      return h('input', {...common, type: 'password', autocomplete: 'off', value: f.value,
        placeholder: f.hasDefault ? '' : '(default kept when empty)'});
    case 'json':
      return h('textarea', {...common, rows: Math.min(8, Math.max(2, f.value.split('\n').length)), spellcheck: 'false', class: 'json'}, f.value);
    default:
      return h('input', {...common, type: 'text', value: f.value, autocomplete: 'off', spellcheck: 'false'});
  }
}

// field builds a fieldset for a group, or a labelled control with its
// hint and its error slot.
function field(f) {
  if (f.kind === 'group') {
    return h('fieldset', {'data-pointer': f.pointer},
      h('legend', {}, f.label, f.required ? h('span', {class: 'req'}, ' (required)') : null),
      f.description ? h('p', {class: 'hint'}, f.description) : null,
      f.fields.map(field));
  }
  const id = controlId(f.pointer);
  const hintId = id + '-hint';
  const errId = id + '-error';
  const described = (f.description ? hintId + ' ' : '') + errId;
  const label = h('label', {for: id}, f.label, f.required ? h('span', {class: 'req'}, ' (required)') : null);
  const ctl = control(f, described);
  const kindNote = f.kind === 'json' ? ' (JSON)' : '';
  return h('div', {class: 'field field-' + f.kind, 'data-pointer': f.pointer},
    f.kind === 'checkbox' ? h('div', {class: 'check'}, ctl, label) : [label, ctl],
    f.description || kindNote ? h('p', {class: 'hint', id: hintId}, f.description + kindNote) : null,
    h('p', {class: 'error', id: errId, role: 'alert'}));
}

// values reads the form: each control's text by its JSON pointer.
function values() {
  const out = {};
  for (const el of form.querySelectorAll('[name^="/"]')) {
    out[el.name] = el.type === 'checkbox' ? String(el.checked) : el.value;
  }
  return out;
}

function clearErrors() {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.error')) el.textContent = '';
  document.getElementById('form-errors')?.remove();
}

// showErrors puts each error next to its control (or the nearest group's
// first control for an error about a group), the others above the form.
function showErrors(errors) {
  clearErrors();
  const general = [];
  for (const e of errors) {
    let p = e.pointer;
    let el = null;
    while (p && !(el = form.querySelector(`[name="${CSS.escape(p)}"]`))) {
      const fs = form.querySelector(`fieldset[data-pointer="${CSS.escape(p)}"]`);
      if (fs) { el = fs.querySelector('[name^="/"]'); break; }
      p = p.slice(0, p.lastIndexOf('/'));
    }
    if (!el) { general.push(e); continue; }
    el.setAttribute('aria-invalid', 'true');
    const slot = document.getElementById(el.id + '-error');
    const where = e.pointer !== el.name ? `${e.pointer}: ` : '';
    slot.textContent = slot.textContent ? `${slot.textContent}; ${where}${e.message}` : where + e.message;
  }
  if (general.length) {
    form.before(h('ul', {id: 'form-errors', class: 'errors', role: 'alert'},
      general.map(e => h('li', {}, e.pointer ? `${e.pointer}: ${e.message}` : e.message))));
  }
}

function planTable(plan) {
  const rows = plan.packages.map(p => {
    let cpus = 0, mem = 0, inst = 0;
    for (const a of p.apps ?? []) { cpus += a.cpus * a.instances; mem += a.mem * a.instances; inst += a.instances; }
    return h('tr', {dataset: {package: p.name, action: p.action}},
      h('td', {}, p.action === 'reuse' ? 'installed' : String(p.wave + 1)),
      h('th', {scope: 'row'}, p.name), h('td', {}, p.version), h('td', {}, p.appId),
      h('td', {}, fmt(cpus)), h('td', {}, fmt(mem)), h('td', {}, String(inst)),
      h('td', {}, (p.waitsFor ?? []).join(', ') || '—'));
  });
  return h('table', {class: 'plan'},
    h('caption', {}, `${plan.packages.filter(p => p.action === 'install').length} package(s) to install in ${plan.waves} wave(s)`),
    h('thead', {}, h('tr', {}, ['Wave', 'Package', 'Version', 'App id', 'CPUs', 'Mem (MiB)', 'Instances', 'Waits for'].map(t => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, rows));
}

// graph draws the dependency graph: one column per wave, an arrow from
// each package to each package it waits for; a list says the same in
// words.
function graph(nodes) {
  const fig = document.getElementById('deps');
  const waves = new Map();
  for (const n of nodes) {
    const w = n.wave < 0 ? 0 : n.wave;
    if (!waves.has(w)) waves.set(w, []);
    waves.get(w).push(n);
  }
  const colW = 170, rowH = 50, boxW = 140, boxH = 30;
  const cols = Math.max(1, waves.size);
  const rowsN = Math.max(1, ...[...waves.values()].map(l => l.length));
  const pos = new Map();
  [...waves.keys()].sort((a, b) => a - b).forEach((w, ci) => {
    waves.get(w).forEach((n, ri) => pos.set(n.name, {x: 10 + ci * colW, y: 10 + ri * rowH}));
  });
  const svg = h('svg', {role: 'img', 'aria-labelledby': 'deps-title deps-desc', width: cols * colW, height: rowsN * rowH + 10,
    viewBox: `0 0 ${cols * colW} ${rowsN * rowH + 10}`, class: 'graph'});
  const words = nodes.map(n => n.waitsFor?.length ? `${n.name} depends on ${n.waitsFor.join(', ')}` : `${n.name} depends on nothing`);
  svg.append(h('title', {id: 'deps-title'}, `Dependencies of ${name}: ${words.join('; ')}.`),
    h('desc', {id: 'deps-desc'}, 'Dependencies come first, in the columns to the left; an arrow points from a package to one it waits for.'));
  svg.append(h('defs', {}, h('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse'},
    h('path', {d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead'}))));
  for (const n of nodes) {
    for (const d of n.waitsFor ?? []) {
      const a = pos.get(n.name), b = pos.get(d);
      if (!a || !b) continue;
      svg.append(h('line', {x1: a.x, y1: a.y + boxH / 2, x2: b.x + boxW, y2: b.y + boxH / 2, class: 'edge', 'marker-end': 'url(#arrow)'}));
    }
  }
  for (const n of nodes) {
    const p = pos.get(n.name);
    svg.append(h('g', {class: 'node' + (n.name === name ? ' root' : '') + (n.action === 'reuse' ? ' reused' : '')},
      h('rect', {x: p.x, y: p.y, width: boxW, height: boxH, rx: 4}),
      h('text', {x: p.x + boxW / 2, y: p.y + boxH / 2 + 5, 'text-anchor': 'middle'}, n.name + (n.version ? ' ' + n.version : ''))));
  }
  fig.replaceChildren(svg, h('figcaption', {}, h('ul', {class: 'deps-text'}, words.map(w => h('li', {}, w)))));
}

function updateInstall() {
  installBtn.disabled = errorCount > 0 || rendering > 0 || !detail;
}

let seq = 0;
async function renderNow() {
  if (!detail) return;
  const mine = ++seq;
  rendering++;
  updateInstall();
  formStatus.textContent = 'Checking options…';
  let res;
  try {
    res = await api('/api/render', {method: 'POST', body: {package: name, version: detail.version, form: values()}});
  } finally {
    rendering--;
  }
  if (mine !== seq) { updateInstall(); return; }
  if (!res.ok) {
    errorCount = 1;
    showErrors([{pointer: '', message: res.body.error}]);
    formStatus.textContent = 'The options could not be checked.';
    updateInstall();
    return;
  }
  const r = res.body;
  errorCount = r.errors.length;
  showErrors(r.errors);
  formStatus.textContent = errorCount ? `${errorCount} problem(s) with the options.` : 'The options are valid.';
  if (r.definition) preview.textContent = JSON.stringify(r.definition, null, 2);
  else if (errorCount) preview.textContent = '(fix the options to see the Marathon JSON)';
  if (r.plan) {
    planEl.replaceChildren(h('div', {class: 'plan-wrap'}, planTable(r.plan)));
    graph(r.plan.packages);
  } else if (errorCount) {
    planEl.replaceChildren(h('p', {}, '(fix the options to see the plan)'));
  }
  updateInstall();
}
const renderSoon = debounce(renderNow, 250);

async function load(version) {
  const q = version ? `?version=${encodeURIComponent(version)}` : '';
  const {ok, body} = await api(`/api/packages/${encodeURIComponent(name)}${q}`);
  if (!ok) {
    formStatus.textContent = body.error;
    return;
  }
  detail = body;
  versionSel.replaceChildren(...body.versions.map(v => h('option', {value: v.version, selected: v.version === body.version},
    v.version + (v.yanked ? ' (yanked)' : '') + (body.versions.filter(x => x.version === v.version).length > 1 ? ` (${v.repository})` : ''))));
  versionSel.value = body.version;
  document.getElementById('description').textContent = body.description;
  const notes = document.getElementById('notes');
  notes.replaceChildren(...[
    body.yanked ? h('p', {class: 'warn'}, `This version is yanked${body.yankReason ? ': ' + body.yankReason : ''}.`) : null,
    body.tags.length ? h('p', {class: 'tags'}, body.tags.map(t => h('span', {class: 'tag'}, t))) : null,
    body.preInstallNotes ? h('div', {class: 'note'}, h('h3', {}, 'Before installing'), h('p', {}, body.preInstallNotes)) : null,
    body.postInstallNotes ? h('div', {class: 'note'}, h('h3', {}, 'After installing'), h('p', {}, body.postInstallNotes)) : null,
    h('p', {class: 'muted'}, `Release ${body.releaseVersion} from ${body.repository}` + (body.maintainer ? `, maintained by ${body.maintainer}` : '')),
  ].filter(Boolean));
  graph([{name: body.name, version: body.version, wave: body.dependencies.length ? 1 : 0,
    waitsFor: body.dependencies.map(d => d.name)}, ...body.dependencies.map(d => ({name: d.name, version: d.range, wave: 0}))]);
  form.replaceChildren(...body.form.map(field));
  if (!body.form.length) form.append(h('p', {}, 'This package has no options.'));
  renderNow();
}

form.addEventListener('input', renderSoon);
form.addEventListener('change', renderSoon);
form.addEventListener('submit', e => e.preventDefault());
versionSel.addEventListener('change', () => {
  const url = new URL(location.href);
  url.searchParams.set('version', versionSel.value);
  history.replaceState(null, '', url);
  load(versionSel.value);
});
installBtn.addEventListener('click', async () => {
  installBtn.disabled = true;
  installStatus.textContent = 'Starting the install…';
  const settings = {timeout: document.getElementById('timeout').value.trim(), onFailure: document.getElementById('on-failure').value};
  const {ok, status, body} = await api('/api/installs', {method: 'POST', body: {package: name, version: detail.version, form: values(), ...settings}});
  if (ok) {
    location.assign(`/installs/${encodeURIComponent(body.id)}`);
    return;
  }
  if (status === 422 && body.errors) {
    errorCount = body.errors.length;
    showErrors(body.errors);
  }
  installStatus.textContent = `The install did not start: ${body.error}`;
  updateInstall();
});
load(new URLSearchParams(location.search).get('version') ?? '');
