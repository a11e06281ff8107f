import {api, h, debounce} from './app.js';

const input = document.getElementById('search');
const list = document.getElementById('packages');
const count = document.getElementById('count');

function card(p) {
  // A placeholder icon: the repositories' icons are remote URLs, and the
  // dashboard loads nothing from other sites.
  const icon = h('span', {class: 'icon', 'aria-hidden': 'true'}, p.name.slice(0, 1));
  return h('li', {class: 'card' + (p.selected ? ' selected' : ''), dataset: {package: p.name}},
    h('a', {href: `/packages/${encodeURIComponent(p.name)}`, 'aria-label': `${p.name}: ${p.description}`},
      icon,
      h('span', {class: 'name'}, p.name),
      p.selected ? h('span', {class: 'badge'}, 'selected') : null,
      h('span', {class: 'desc'}, p.description),
      h('span', {class: 'tags'}, (p.tags ?? []).map(t => h('span', {class: 'tag'}, t))),
      h('span', {class: 'versions'}, (p.versions ?? []).map(v => v.version).join(', '))));
}

let seq = 0;
async function search() {
  const q = input.value.trim();
  const mine = ++seq;
  const url = new URL(location.href);
  if (q) url.searchParams.set('q', q); else url.searchParams.delete('q');
  history.replaceState(null, '', url);
  const {ok, body} = await api(`/api/packages?q=${encodeURIComponent(q)}`);
  if (mine !== seq) return; // a newer search is on its way
  if (!ok) {
    count.textContent = `Search failed: ${body.error}`;
    return;
  }
  list.replaceChildren(...body.packages.map(card));
  document.getElementById('warnings').replaceChildren(...(body.warnings ?? []).map(w => h('li', {}, `Repository problem: ${w}`)));
  count.textContent = `${body.packages.length} package(s)`;
}

input.value = new URLSearchParams(location.search).get('q') ?? '';
input.addEventListener('input', debounce(search, 150));
input.form.addEventListener('submit', e => { e.preventDefault(); search(); });
if (input.value) search();
