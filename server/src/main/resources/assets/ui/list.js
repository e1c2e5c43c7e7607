// The operations list: every operation of every cluster, newest first, with filters by state and
// cluster (kept in the URL, so a filtered list can be shared) and a refresh every 2 s.

import {operations} from './api.js';
import {badge, fmtDuration, fmtTime, h, replace} from './dom.js';
import {measure} from './perf.js';
import {poller, REFRESH_MS} from './poll.js';

const STATES = ['running', 'needs-attention', 'waiting-approval', 'queued', 'done', 'failed', 'aborted'];

export function mount(root, ctx) {
  const filter = {state: ctx.params.get('state') || '', cluster: ctx.params.get('cluster') || ''};
  const stateSel = h('select', {id: 'filter-state', onchange: () => setFilter('state', stateSel.value)},
    h('option', {value: ''}, 'every state'),
    STATES.map((s) => h('option', {value: s, selected: s === filter.state}, s)));
  const clusterSel = h('select', {id: 'filter-cluster', onchange: () => setFilter('cluster', clusterSel.value)},
    h('option', {value: ''}, 'every cluster'));
  const status = h('span', {class: 'muted', id: 'list-status'});
  const errors = h('div', {id: 'list-errors'});
  const tbody = h('tbody');
  const empty = h('p', {class: 'muted', id: 'list-empty', hidden: true});
  const rows = new Map(); // id -> {tr, sig}
  let last = null;

  function setFilter(key, value) {
    filter[key] = value;
    const q = new URLSearchParams();
    if (filter.state) q.set('state', filter.state);
    if (filter.cluster) q.set('cluster', filter.cluster);
    // Update the URL without re-mounting the view (replaceState fires no hashchange).
    history.replaceState(null, '', `#/${q.toString() ? `?${q}` : ''}`);
    if (last) render(last);
  }

  root.append(h('section', {class: 'list'},
    h('div', {class: 'toolbar'},
      h('h1', null, 'Operations'),
      h('label', null, 'State ', stateSel),
      h('label', null, 'Cluster ', clusterSel),
      status),
    errors,
    h('table', {class: 'ops', id: 'ops'},
      h('thead', null, h('tr', null,
        ['Operation', 'Kind', 'Cluster', 'State', 'Started by', 'Submitted', 'Started', 'Ended', 'Duration', 'Now']
          .map((c) => h('th', null, c)))),
      tbody),
    empty));

  function row(op) {
    const ended = op.endedAtMillis;
    const start = op.startedAtMillis;
    const dur = start ? (ended || Date.now()) - start : null;
    return h('tr', {dataset: {id: op.id, state: op.state || '', cluster: op.cluster || ''}, class: 'op-row'},
      h('td', null, h('a', {href: `#/op/${op.id}`, class: 'op-link'}, op.id)),
      h('td', null, op.kind),
      h('td', null, op.cluster),
      h('td', {class: 'state'}, badge(op.state)),
      h('td', null, op.requestedBy),
      h('td', null, fmtTime(op.submittedAtMillis)),
      h('td', null, fmtTime(start)),
      h('td', null, fmtTime(ended)),
      h('td', {class: 'num'}, dur === null ? '' : fmtDuration(dur) + (ended ? '' : ' so far')),
      h('td', {class: 'msg'}, op.message));
  }

  function render(data) {
    measure('list', rows.size ? 'update' : 'full', {rows: data.operations.length}, () => {
      const clusters = [...new Set(data.operations.map((o) => o.cluster).filter(Boolean))].sort();
      if (filter.cluster && !clusters.includes(filter.cluster)) clusters.push(filter.cluster);
      const have = [...clusterSel.options].slice(1).map((o) => o.value);
      if (have.join('\n') !== clusters.join('\n')) {
        replace(clusterSel, h('option', {value: ''}, 'every cluster'),
          clusters.map((c) => h('option', {value: c, selected: c === filter.cluster}, c)));
      }
      const shown = data.operations.filter((o) =>
        (!filter.state || o.state === filter.state) && (!filter.cluster || o.cluster === filter.cluster));
      // Keyed update: a row is rebuilt only when what it shows changed (running ones tick).
      const keep = new Set();
      let prev = null;
      for (const op of shown) {
        keep.add(op.id);
        const sig = JSON.stringify(op) + (op.endedAtMillis ? '' : Math.floor(Date.now() / 1000));
        let r = rows.get(op.id);
        if (!r || r.sig !== sig) {
          const tr = row(op);
          if (r) r.tr.replaceWith(tr);
          r = {tr, sig};
          rows.set(op.id, r);
        }
        const want = prev ? prev.nextSibling : tbody.firstChild;
        if (want !== r.tr) tbody.insertBefore(r.tr, want);
        prev = r.tr;
      }
      for (const [id, r] of rows) {
        if (!keep.has(id)) {
          r.tr.remove();
          rows.delete(id);
        }
      }
      empty.hidden = shown.length > 0;
      empty.textContent = data.operations.length === 0
        ? 'No operations yet. Submit one with ./graft expand -i inventory.ini (see docs/operations.md).'
        : 'No operation matches these filters.';
      replace(errors, (data.errors || []).map((e) => {
        const first = String(e.error || '').split('\n')[0];
        return h('p', {class: 'error', title: e.error}, `Could not read ${e.workflowId}: ` +
          (first.length > 200 ? `${first.slice(0, 200)}…` : first));
      }));
    });
  }

  const p = poller(async () => {
    try {
      last = await operations();
      render(last);
      status.textContent = `refreshed ${new Date().toLocaleTimeString()} · every ${REFRESH_MS / 1000} s`;
      status.classList.remove('error');
    } catch (e) {
      status.textContent = `refresh failed: ${e.message}`;
      status.classList.add('error');
    }
  }, REFRESH_MS);
  return () => p.stop();
}
