// The audit trail of one operation, read from Temporal's histories: who submitted it, every step
// attempt with its input (references only: paths and names, never secrets), its result or
// failure and how many attempts it took, every operator decision with who and when, and each
// workflow's start and end. Exports as JSON; links each workflow to the Temporal UI when the
// server names one.

import {ApiError, history, operation} from './api.js';
import {badge, fmtClock, fmtDuration, fmtTime, h, replace} from './dom.js';
import {measure} from './perf.js';
import {temporalLink} from './temporal.js';

/** Entries drawn per task (see draw). */
const CHUNK = 300;

const KINDS = {
  all: () => true,
  activity: (e) => e.kind === 'activity',
  failures: (e) => e.kind === 'activity' && e.outcome !== 'completed',
  decision: (e) => e.kind === 'decision' || e.kind === 'signal' || e.kind === 'submitted',
  workflow: (e) => e.kind === 'started' || e.kind === 'ended',
};

export function mount(root, ctx) {
  const id = ctx.id;
  let entries = [];
  let op = null;
  let blobUrl = null;
  const kindSel = h('select', {id: 'audit-kind', onchange: draw},
    h('option', {value: 'all'}, 'everything'),
    h('option', {value: 'activity'}, 'step attempts'),
    h('option', {value: 'failures'}, 'failures only'),
    h('option', {value: 'decision'}, 'decisions and submissions'),
    h('option', {value: 'workflow'}, 'workflow starts and ends'));
  const nodeIn = h('input', {type: 'search', id: 'audit-node', placeholder: 'node', size: 12, oninput: draw});
  const exportLink = h('a', {id: 'export-json', class: 'button', href: '#', download: `graft-audit-${id.replace(/\//g, '_')}.json`,
    'aria-disabled': 'true', onclick: (ev) => {
      if (!blobUrl) ev.preventDefault();
    }}, 'Export JSON');
  const status = h('span', {class: 'muted', id: 'audit-status'}, 'loading…');
  const summary = h('p', {id: 'audit-summary'});
  const list = h('ol', {class: 'audit', id: 'audit'});
  const head = h('div');
  root.append(h('section', {class: 'audit-view'},
    h('p', {class: 'crumbs'}, h('a', {href: '#/'}, '← Operations'), ' · ',
      h('a', {href: `#/op/${id}`, id: 'op-link'}, 'the operation'), ' ', status),
    head,
    h('div', {class: 'toolbar'}, h('label', null, 'Show ', kindSel), h('label', null, 'Node ', nodeIn),
      h('button', {id: 'audit-refresh', onclick: load}, 'Refresh'), exportLink),
    summary, list));

  function rel(workflowId) {
    if (!workflowId) return '';
    if (workflowId === id) return 'operation';
    if (workflowId.startsWith(`${id}/`)) return workflowId.slice(id.length + 1);
    return workflowId; // the cluster workflow (submissions)
  }

  function text(e) {
    switch (e.kind) {
      case 'submitted':
        return [h('strong', null, e.actor || '?'), ` submitted the operation (${e.detail || ''})`];
      case 'started':
        return [`${rel(e.workflowId)} started (${e.detail})`, e.actor ? ` for ${e.actor}` : ''];
      case 'ended':
        return [`${rel(e.workflowId)} ended `, badge(e.outcome), e.detail ? `: ${e.detail}` : ''];
      case 'activity': {
        const tries = e.attempt ? ` (attempt ${e.attempt})` : '';
        const took = e.startedAtMillis && e.endedAtMillis ? ` in ${fmtDuration(e.endedAtMillis - e.startedAtMillis)}` : '';
        return [e.node ? h('strong', null, e.node) : null, e.node ? ' · ' : '', `${e.step} `,
          h('span', {class: `outcome outcome-${e.outcome}`}, e.outcome), tries, took,
          e.detail ? h('span', {class: e.outcome === 'completed' ? '' : 'step-error'}, `: ${e.detail}`) : ''];
      }
      case 'decision':
        return [h('strong', null, e.actor || '?'), ` decided `, h('strong', {class: 'decision'}, e.decision || '?'),
          e.stepId ? ` on ${e.stepId}` : '', e.node ? ` (node ${e.node})` : ` (${rel(e.workflowId)})`,
          e.reason ? ` — “${e.reason}”` : ''];
      case 'signal':
        return [`signal ${e.detail}`, e.actor ? ` from ${e.actor}` : '', ` to ${rel(e.workflowId)}`];
      default:
        return [e.kind, ' ', e.detail || ''];
    }
  }

  function item(e) {
    const link = e.kind === 'started' ? temporalLink(ctx.session.info, e.workflowId, e.runId) : null;
    const input = e.input ? h('details', {class: 'input'}, h('summary', null, 'input')) : null;
    if (input) {
      // Pretty-printed when opened: a 200-node trail has a few thousand inputs.
      input.addEventListener('toggle', () => {
        if (input.open && input.childElementCount === 1) {
          input.append(h('pre', {class: 'output'}, JSON.stringify(e.input, null, 2)));
        }
      }, {once: false});
    }
    return h('li', {class: `entry kind-${e.kind}${e.outcome && e.outcome !== 'completed' && e.kind === 'activity' ? ' failed' : ''}`,
      dataset: {kind: e.kind, node: e.node || '', decision: e.decision || ''}},
      h('time', {datetime: new Date(e.atMillis).toISOString(), title: fmtTime(e.atMillis)}, fmtClock(e.atMillis)),
      h('span', {class: `kind`}, e.kind),
      h('span', {class: 'what'}, text(e)),
      e.identity ? h('span', {class: 'muted identity'}, ` via ${e.identity}`) : null,
      link ? [' ', h('a', {href: link, target: '_blank', rel: 'noopener noreferrer', class: 'temporal-link'}, 'Temporal UI')] : null,
      // What a failed attempt printed, kept for every attempt (not only the last one).
      e.output ? h('details', {class: 'input attempt-output'}, h('summary', null, 'output'),
        h('pre', {class: 'output'}, e.output)) : null,
      input);
  }

  let drawing = 0; // a newer draw (filter changed) stops an older one between chunks

  /**
   * Draws the entries in chunks of CHUNK, one task each, so that a 200-node trail (thousands of
   * entries) never blocks the page for long: the first chunk shows at once, the rest follow.
   */
  function draw() {
    const keep = KINDS[kindSel.value] || KINDS.all;
    const node = nodeIn.value.trim();
    const shown = entries.filter((e) => keep(e) && (!node || (e.node || '').includes(node)));
    const gen = ++drawing;
    const t0 = performance.now();
    let day = null;
    let i = 0;
    list.replaceChildren();
    list.dataset.complete = 'false';
    const chunk = () => {
      if (gen !== drawing) return;
      measure('audit', i === 0 ? 'first-chunk' : 'chunk', {entries: Math.min(CHUNK, shown.length - i)}, () => {
        const frag = document.createDocumentFragment();
        for (const end = Math.min(shown.length, i + CHUNK); i < end; i++) {
          const e = shown[i];
          const d = fmtTime(e.atMillis).slice(0, 10);
          if (d !== day) frag.append(h('li', {class: 'day'}, (day = d)));
          frag.append(item(e));
        }
        list.append(frag);
      });
      if (i < shown.length) {
        setTimeout(chunk, 0);
      } else {
        list.dataset.complete = 'true';
        window.__graftPerf.renders.push({view: 'audit', kind: 'all', entries: shown.length,
          scriptMs: Math.round(performance.now() - t0), frameMs: null});
      }
    };
    chunk();
  }

  function drawHead() {
    const link = op ? temporalLink(ctx.session.info, id, op.runId) : null;
    const acts = entries.filter((e) => e.kind === 'activity');
    const failed = acts.filter((e) => e.outcome !== 'completed');
    const decisions = entries.filter((e) => e.kind === 'decision');
    replace(head, h('h1', null, `Audit trail · ${id}`, op ? [' ', badge(op.state)] : null),
      link ? h('p', null, h('a', {href: link, target: '_blank', rel: 'noopener noreferrer', id: 'temporal-link'},
        'Open this execution in the Temporal UI')) : null);
    replace(summary, `${entries.length} entries: ${acts.length} step runs (${failed.length} failed or timed out), ` +
      `${decisions.length} operator decision${decisions.length === 1 ? '' : 's'}` +
      (decisions.length ? ` by ${[...new Set(decisions.map((e) => e.actor))].join(', ')}` : '') + '.');
  }

  function exportJson(data) {
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    const doc = {
      operation: id,
      exportedAtMillis: Date.now(),
      exportedBy: ctx.session.who ? ctx.session.who.name : null,
      state: op ? op.state : null,
      runId: op ? op.runId : null,
      entries: data.entries,
    };
    blobUrl = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], {type: 'application/json'}));
    exportLink.href = blobUrl;
    exportLink.removeAttribute('aria-disabled');
  }

  async function load() {
    status.textContent = 'loading…';
    try {
      const [data, detail] = await Promise.all([history(id), operation(id).catch(() => null)]);
      entries = data.entries || [];
      op = detail;
      drawHead();
      draw();
      exportJson(data);
      status.textContent = (data.source === 'archive'
        ? `from the audit archive (Temporal no longer has this operation) · checksum chain ${data.archive && data.archive.intact ? 'intact' : 'BROKEN: ' + ((data.archive && data.archive.problems) || []).join('; ')} · `
        : '') + `read ${new Date().toLocaleTimeString()}` +
        (op && !['done', 'failed', 'aborted'].includes(op.state) ? ' · the operation is still running: Refresh for more' : '');
    } catch (e) {
      status.textContent = '';
      replace(head, h('h1', null, `Audit trail · ${id}`),
        h('p', {class: 'error'}, e instanceof ApiError ? e.message : `The server did not answer: ${e.message}`));
    }
  }

  load();
  return () => {
    if (blobUrl) URL.revokeObjectURL(blobUrl);
  };
}
