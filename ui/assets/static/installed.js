import {api, h} from './app.js';

const tbody = document.querySelector('#installed tbody');
const statusEl = document.getElementById('status');
const dialog = document.getElementById('confirm');
const dlgTitle = document.getElementById('confirm-h');
const dlgBody = document.getElementById('confirm-body');
const okBtn = document.getElementById('confirm-ok');
const cancelBtn = document.getElementById('confirm-cancel');
let onConfirm = null;

// ask opens the confirmation dialog; ok runs when the user confirms.
function ask(title, body, okText, ok) {
  dlgTitle.textContent = title;
  dlgBody.replaceChildren(...body);
  okBtn.textContent = okText;
  okBtn.disabled = false;
  onConfirm = ok;
  dialog.showModal();
}
okBtn.addEventListener('click', async () => {
  okBtn.disabled = true;
  const f = onConfirm;
  onConfirm = null;
  if (f) await f();
  dialog.close();
  load();
});
cancelBtn.addEventListener('click', () => { onConfirm = null; dialog.close(); });

async function uninstall(p) {
  statusEl.textContent = `Checking what uninstalling ${p.name} removes…`;
  const {ok, status, body} = await api(`/api/installed/${encodeURIComponent(p.name)}/uninstall`, {method: 'POST', body: {appId: p.appId, dryRun: true}});
  let cascade = false;
  let plan = body;
  if (status === 409 && body.dependents) {
    cascade = true;
    const again = await api(`/api/installed/${encodeURIComponent(p.name)}/uninstall`, {method: 'POST', body: {appId: p.appId, dryRun: true, cascade: true}});
    if (!again.ok) { statusEl.textContent = again.body.error; return; }
    plan = again.body;
  } else if (!ok) {
    statusEl.textContent = body.error;
    return;
  }
  statusEl.textContent = '';
  const list = h('ul', {}, (plan.remove ?? []).map(r => h('li', {}, `${r.name} ${r.version} (${r.appId})`)));
  const body2 = [h('p', {}, `These will be removed, in this order:`), list];
  if (cascade) {
    body2.unshift(h('p', {class: 'warn', role: 'alert'}, `Warning: ${body.dependents.join(', ')} depend(s) on ${p.name} and will be uninstalled with it.`));
  }
  ask(`Uninstall ${p.name}?`, body2, 'Confirm uninstall', async () => {
    statusEl.textContent = `Uninstalling ${p.name}…`;
    const res = await api(`/api/installed/${encodeURIComponent(p.name)}/uninstall`, {method: 'POST', body: {appId: p.appId, cascade}});
    if (!res.ok) { statusEl.textContent = `Uninstalling ${p.name} failed: ${res.body.error}`; return; }
    const notes = (res.body.removed ?? []).filter(r => r.postUninstallNotes).map(r => `${r.name}: ${r.postUninstallNotes}`);
    statusEl.textContent = `Uninstalled ${(res.body.removed ?? []).map(r => r.name).join(', ')}.` + (notes.length ? ' ' + notes.join(' ') : '');
  });
}

async function upgrade(p) {
  statusEl.textContent = `Looking up the versions of ${p.name}…`;
  const info = await api(`/api/packages/${encodeURIComponent(p.name)}`);
  if (!info.ok) { statusEl.textContent = info.body.error; return; }
  statusEl.textContent = '';
  const versions = [...new Set(info.body.versions.filter(v => !v.yanked).map(v => v.version))];
  const target = versions.find(v => v !== p.version) ?? p.version;
  const sel = h('select', {id: 'upgrade-version'}, versions.map(v => h('option', {value: v, selected: v === target}, v + (v === p.version ? ' (installed)' : ''))));
  const diff = h('pre', {class: 'diff', id: 'upgrade-diff', tabindex: 0});
  const msg = h('p', {role: 'status', 'aria-live': 'polite'});
  // Secret options universe stored redacted must be given again.
  const findField = (fs, ptr) => {
    for (const f of fs ?? []) {
      if (f.pointer === ptr) return f;
      const sub = findField(f.fields, ptr);
      if (sub) return sub;
    }
    return null;
  };
  const secretInputs = (p.secretOptions ?? []).map((ptr, i) => {
    const f = findField(info.body.form, ptr);
    const input = h('input', {type: 'password', id: `upgrade-secret-${i}`, autocomplete: 'off', 'data-pointer': ptr,
      'aria-describedby': 'upgrade-secrets-hint', oninput: () => previewSoon()});
    return {ptr, input, row: h('div', {class: 'setting'}, h('label', {for: `upgrade-secret-${i}`}, (f?.label ?? ptr) + ' (secret)'), input)};
  });
  const secretsBox = secretInputs.length ? h('fieldset', {class: 'install-settings'}, h('legend', {}, 'Secret options'),
    h('p', {class: 'hint', id: 'upgrade-secrets-hint'}, 'universe stores secrets redacted, so an upgrade needs them again.'),
    secretInputs.map(x => x.row)) : null;
  const secrets = () => Object.fromEntries(secretInputs.map(x => [x.ptr, x.input.value]));
  let timer;
  const previewSoon = () => { clearTimeout(timer); timer = setTimeout(preview, 300); };
  async function preview() {
    okBtn.disabled = true;
    diff.textContent = '';
    if (secretInputs.some(x => x.input.value === '')) {
      msg.textContent = 'Enter the secret options to see the changes.';
      return;
    }
    msg.textContent = 'Computing the changes…';
    const {ok, body} = await api(`/api/installed/${encodeURIComponent(p.name)}/upgrade`, {method: 'POST', body: {appId: p.appId, version: sel.value, secrets: secrets(), dryRun: true}});
    if (!ok) { msg.textContent = body.error; return; }
    msg.textContent = `${body.plan.from} → ${body.plan.to}: the Marathon JSON changes below.`;
    diff.replaceChildren(...body.plan.diff.split('\n').map(l => h('span', {class: l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : ''}, l + '\n')));
    okBtn.disabled = false;
  }
  sel.addEventListener('change', preview);
  ask(`Upgrade ${p.name}?`, [h('label', {for: 'upgrade-version'}, 'Version'), sel, secretsBox, msg, diff].filter(Boolean), 'Confirm upgrade', async () => {
    statusEl.textContent = `Upgrading ${p.name} to ${sel.value}…`;
    const res = await api(`/api/installed/${encodeURIComponent(p.name)}/upgrade`, {method: 'POST', body: {appId: p.appId, version: sel.value, secrets: secrets()}});
    statusEl.textContent = res.ok ? `Upgraded ${p.name} to ${sel.value}.` : `Upgrading ${p.name} failed: ${res.body.error}`;
  });
  preview();
}

let last = '';
async function load() {
  const {ok, body} = await api('/api/installed');
  if (!ok) { statusEl.textContent = body.error; return; }
  // Redraw only on a change, so a focused button keeps its focus.
  const text = JSON.stringify(body);
  if (text === last) return;
  last = text;
  if (!body.packages.length) {
    tbody.replaceChildren(h('tr', {}, h('td', {colspan: 8}, 'Nothing is installed. ', h('a', {href: '/'}, 'Browse the catalog'), '.')));
    return;
  }
  tbody.replaceChildren(...body.packages.map(p => h('tr', {dataset: {package: p.name, health: p.health}},
    h('th', {scope: 'row'}, h('a', {href: `/packages/${encodeURIComponent(p.name)}?version=${encodeURIComponent(p.version)}`}, p.name)), h('td', {}, p.version), h('td', {}, p.apps.join(', ') || p.appId),
    h('td', {class: 'c-running'}, `${p.running}/${p.instances}`), h('td', {class: 'c-healthy'}, `${p.healthy}/${p.instances}`),
    h('td', {}, p.dependsOn.join(', ') || '—'), h('td', {}, p.requiredBy.join(', ') || '—'),
    h('td', {class: 'row-actions'},
      h('button', {type: 'button', 'aria-label': `Upgrade ${p.name}`, onclick: () => upgrade(p)}, 'Upgrade'),
      h('button', {type: 'button', 'aria-label': `Uninstall ${p.name}`, onclick: () => uninstall(p)}, 'Uninstall')))));
}
load();
setInterval(() => { if (!dialog.open) load(); }, 5000);
