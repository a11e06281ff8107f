// Shared helpers of the dashboard's pages.

const token = document.querySelector('meta[name="universe-token"]')?.content ?? '';

// api calls the JSON API; POSTs carry the per-process token. It resolves
// to {status, body} and rejects only when the server cannot be reached.
export async function api(path, {method = 'GET', body} = {}) {
  const init = {method, headers: {Accept: 'application/json'}};
  if (method !== 'GET') {
    init.headers['Content-Type'] = 'application/json';
    init.headers['X-Universe-Token'] = token;
    init.body = JSON.stringify(body ?? {});
  }
  const resp = await fetch(path, init);
  let data = null;
  try {
    data = await resp.json();
  } catch {
    data = {error: `${resp.status} ${resp.statusText}`};
  }
  return {status: resp.status, ok: resp.ok, body: data};
}

// h builds an element: h('a', {href: '/x', class: 'c'}, 'text', child...).
export function h(tag, attrs = {}, ...children) {
  const svg = ['svg', 'g', 'rect', 'line', 'text', 'title', 'desc', 'path', 'marker', 'defs'].includes(tag);
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// fmt formats a number for people: at most two decimals.
export function fmt(n) {
  return Number.isFinite(n) ? String(Math.round(n * 100) / 100) : '';
}

// debounce delays f until calls stop for ms.
export function debounce(f, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => f(...args), ms);
  };
}

// bar is a meter of used out of total, with its numbers as text.
export function bar(label, used, total) {
  const pct = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  return h('div', {class: 'bar-cell'},
    h('meter', {min: 0, max: total || 1, value: used, 'aria-label': `${label} used`, title: `${fmt(used)} of ${fmt(total)}`}),
    h('span', {class: 'bar-text'}, `${fmt(used)} used, ${fmt(total - used)} free of ${fmt(total)}`),
    h('span', {class: 'pct', 'aria-hidden': 'true'}, ` (${Math.round(pct)}%)`));
}
