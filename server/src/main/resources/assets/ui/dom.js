// DOM helpers. Everything the API returns reaches the page as text: h() sets attributes with
// setAttribute and children as text nodes, never through innerHTML, so a node name or an error
// message such as `<img src=x onerror=…>` is shown as those characters and never parsed as HTML.

/** Creates an element: h('a', {href: '#/', class: 'x', onclick: fn}, 'text', child, [more]). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'style') Object.assign(el.style, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value' || k === 'checked' || k === 'selected') el[k] = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  add(el, children);
  return el;
}

/** Appends children (nodes, strings, numbers, nested arrays; null and false are skipped). */
export function add(el, children) {
  for (const c of [children].flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return add(el, children);
}

/** Only http(s) links leave the page (a configured URL is still checked before it becomes an href). */
export function safeHttpUrl(url) {
  try {
    const u = new URL(url, location.href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** 2025-06-01 10:15:00 in the browser's time zone; '' for null. */
export function fmtTime(ms) {
  if (ms === null || ms === undefined) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** 10:15:00.123 */
export function fmtClock(ms) {
  if (ms === null || ms === undefined) return '';
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** 850 ms, 4.2 s, 3 m 05 s, 2 h 01 m. */
export function fmtDuration(ms) {
  if (ms === null || ms === undefined || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} m`;
}

/** "3 s ago", "2 m ago". */
export function fmtAgo(ms, now = Date.now()) {
  if (ms === null || ms === undefined) return '';
  return `${fmtDuration(Math.max(0, now - ms))} ago`;
}

/** A state badge: <span class="badge st-needs-attention">needs-attention</span>. */
export function badge(state) {
  const s = state || 'unknown';
  return h('span', {class: `badge st-${s}`, dataset: {state: s}}, s);
}
