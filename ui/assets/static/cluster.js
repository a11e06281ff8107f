import {api, h, fmt, bar} from './app.js';

const statusEl = document.getElementById('status');
const agents = document.querySelector('#agents tbody');
const deployments = document.getElementById('deployments');
const queue = document.getElementById('queue');

function tasks(list) {
  if (!list.length) return h('span', {class: 'muted'}, 'none');
  return h('ul', {class: 'tasks'}, list.map(t => h('li', {dataset: {app: t.appId, state: t.state}},
    `${t.appId} `, h('span', {class: 'task-state'}, t.state.replace(/^TASK_/, '').toLowerCase() + (t.healthy ? ', healthy' : '')))));
}

async function load() {
  const {ok, body} = await api('/api/cluster');
  if (!ok) { statusEl.textContent = body.error; return; }
  const taskCount = body.agents.reduce((n, a) => n + a.taskList.length, 0) + body.unplaced.length;
  statusEl.textContent = (body.warnings ?? []).join('; ') ||
    `${body.agents.length} agent(s), ${taskCount} task(s), ${body.deployments.length} deployment(s), ${body.queue.length} app(s) waiting.`;
  const rows = body.agents.map(a => h('tr', {dataset: {agent: a.id}},
    h('th', {scope: 'row'}, a.hostname, h('br'), h('span', {class: 'muted'}, a.id)),
    h('td', {}, bar('CPUs', a.used.cpus, a.total.cpus)),
    h('td', {}, bar('Memory', a.used.mem, a.total.mem)),
    h('td', {}, bar('Disk', a.used.disk, a.total.disk)),
    h('td', {}, tasks(a.taskList))));
  if (body.unplaced.length) {
    rows.push(h('tr', {dataset: {agent: ''}}, h('th', {scope: 'row'}, 'Other agents'), h('td', {colspan: 3}, 'resources not reported by this Marathon'), h('td', {}, tasks(body.unplaced))));
  }
  if (!rows.length) rows.push(h('tr', {}, h('td', {colspan: 5}, 'No agents reported.')));
  agents.replaceChildren(...rows);
  deployments.replaceChildren(...(body.deployments.length ? body.deployments.map(d => h('li', {},
    `${d.id}: step ${d.currentStep} of ${d.totalSteps}, `,
    (d.currentActions ?? []).map(a => `${a.action} ${a.app}`).join(', ') || (d.affectedApps ?? []).join(', '))) : [h('li', {class: 'muted'}, 'No deployments in progress.')]));
  queue.replaceChildren(...(body.queue.length ? body.queue.map(q => h('li', {dataset: {app: q.appId}},
    `${q.appId}: ${q.count} task(s) waiting, each needing ${fmt(q.cpus)} CPUs, ${fmt(q.mem)} MiB memory, ${fmt(q.disk)} MiB disk` +
    (q.delaySeconds > 0 ? ` (launch delayed ${fmt(q.delaySeconds)} s)` : ''))) : [h('li', {class: 'muted'}, 'Nothing is waiting for resources.')]));
}
load();
setInterval(load, 3000);
