import {api, h} from './app.js';

const root = document.getElementById('install');
const id = root.dataset.id;
const statusEl = document.getElementById('status');
const tbody = document.querySelector('#progress tbody');
const log = document.getElementById('log');
const rows = new Map();

const states = {
  waiting: 'Waiting', deploying: 'Deploying', healthy: 'Healthy', failed: 'Failed', reused: 'Already installed',
  removing: 'Removing', removed: 'Removed', cancelled: 'Cancelled',
};

function row(name) {
  let r = rows.get(name);
  if (!r) {
    const tr = h('tr', {dataset: {package: name, state: 'waiting'}});
    r = {tr, cells: {}};
    for (const k of ['wave', 'name', 'version', 'appId', 'state', 'running', 'healthy', 'wanted']) {
      r.cells[k] = h(k === 'name' ? 'th' : 'td', k === 'name' ? {scope: 'row'} : {class: 'c-' + k}, k === 'name' ? name : '');
      tr.append(r.cells[k]);
    }
    tbody.append(tr);
    rows.set(name, r);
  }
  return r;
}

function setState(name, state) {
  const r = row(name);
  if (state === 'created') state = 'deploying';
  r.tr.dataset.state = state;
  r.cells.state.textContent = states[state] ?? state;
  if (state === 'removed') {
    r.cells.running.textContent = '0';
    r.cells.healthy.textContent = '0';
  }
}

function addLog(text, cls) {
  log.append(h('li', {class: cls}, text));
}

function onPlan(plan) {
  for (const p of plan.packages) {
    const r = row(p.name);
    r.cells.wave.textContent = p.action === 'reuse' ? '—' : String(p.wave + 1);
    r.cells.version.textContent = p.version;
    r.cells.appId.textContent = p.appId;
    let wanted = 0;
    for (const a of p.apps ?? []) wanted += a.instances;
    r.cells.wanted.textContent = String(wanted);
    r.cells.running.textContent = r.cells.running.textContent || '0';
    r.cells.healthy.textContent = r.cells.healthy.textContent || '0';
    if (r.tr.dataset.state === 'waiting') setState(p.name, p.action === 'reuse' ? 'reused' : 'waiting');
  }
  statusEl.textContent = `Installing ${plan.packages.filter(p => p.action === 'install').length} package(s) in ${plan.waves} wave(s)…`;
}

function onEvent(e) {
  const time = new Date(e.time).toLocaleTimeString();
  switch (e.type) {
    case 'package':
      setState(e.package, e.state);
      addLog(`${time} ${e.package} ${e.version}: ${e.state === 'created' ? 'Created on Marathon' : states[e.state] ?? e.state}${e.message ? ' — ' + e.message : ''}`, 'state-' + e.state);
      break;
    case 'progress': {
      const r = row(e.package);
      r.cells.running.textContent = String(e.running);
      r.cells.healthy.textContent = String(e.healthy);
      r.cells.wanted.textContent = String(e.wanted);
      break;
    }
    case 'rollback':
      if (e.package) setState(e.package, e.state);
      addLog(`${time} rollback: ${e.appId} ${e.state}`, 'rollback');
      statusEl.textContent = 'The install failed; rolling back what it created…';
      break;
    case 'warning':
      addLog(`${time} warning: ${e.message}`, 'warning');
      break;
    case 'done':
      addLog(`${time} done: ${e.state}${e.message ? ' — ' + e.message : ''}`, 'done');
      break;
  }
}

const verdicts = {
  'succeeded': 'Installed.', 'already-installed': 'Already installed; nothing to do.',
  'rolled-back': 'The install failed and was rolled back; what existed before is untouched.',
  'halted': 'The install failed and was halted; it is left as it is.', 'failed': 'The install failed.',
};

function onResult(st) {
  const res = st.result;
  root.dataset.status = res?.status ?? 'failed';
  statusEl.textContent = verdicts[res?.status] ?? `The install ended: ${res?.status ?? 'failed'}.`;
  document.getElementById('failure')?.remove();
  if (st.error) statusEl.after(h('p', {id: 'failure', class: 'failure'}, st.error));
  for (const p of res?.packages ?? []) {
    if (p.state === 'removed' || p.state === 'failed' || p.state === 'healthy') setState(p.name, p.state);
  }
  for (const a of res?.advice ?? []) addLog(a, 'advice');
  const notes = (res?.packages ?? []).filter(p => p.action === 'install' && p.postInstallNotes && res.status === 'succeeded');
  if (notes.length) {
    document.getElementById('notes').replaceChildren(...notes.map(p => h('div', {class: 'note'}, h('h3', {}, `${p.name} ${p.version}`), h('p', {}, p.postInstallNotes))));
    document.getElementById('notes-section').hidden = false;
  }
  document.getElementById('links')?.remove();
  root.append(h('p', {id: 'links'}, h('a', {href: '/installed'}, 'See the installed services'), ' · ', h('a', {href: '/cluster'}, 'See the cluster')));
}

const src = new EventSource(`/api/installs/${encodeURIComponent(id)}/events`);
src.addEventListener('plan', m => onPlan(JSON.parse(m.data)));
src.addEventListener('message', m => onEvent(JSON.parse(m.data)));
src.addEventListener('result', m => { src.close(); onResult(JSON.parse(m.data)); });
src.addEventListener('error', async () => {
  if (src.readyState === EventSource.CLOSED) {
    const {ok, body} = await api(`/api/installs/${encodeURIComponent(id)}`);
    statusEl.textContent = ok ? statusEl.textContent : `Lost the install's progress: ${body.error}`;
  }
});
