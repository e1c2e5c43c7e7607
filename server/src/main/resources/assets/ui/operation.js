// One operation: its state and plan, the operation's own steps, a grid of every step on every node
// (colour = state, with attempts and durations) beside a Gantt-like timeline, the live output of
// the steps running now, and, for operators, the steps that wait for a decision with their error
// and the choices (approve, retry, skip, abort; abort asks for a confirmation first).
//
// It refreshes every 2 s. A 200-node operation has 200 rows of a dozen cells: each refresh updates
// only the cells whose step changed and moves the timeline bars, instead of rebuilding the grid.

import {ApiError, decide, operation} from './api.js';
import {add, badge, fmtAgo, fmtDuration, fmtTime, h, replace} from './dom.js';
import {measure} from './perf.js';
import {poller, REFRESH_MS} from './poll.js';
import {GLYPH, GROUP_TITLE, choices, duration, flatten, target} from './steps.js';
import {temporalLink} from './temporal.js';

const TERMINAL = new Set(['done', 'failed', 'aborted']);
const TAIL_LINES = 200;

export function mount(root, ctx) {
  const id = ctx.id;
  const canAct = () => !!(ctx.session.who && ctx.session.who.canAct);
  const el = {
    head: h('div', {class: 'op-head', id: 'op-head'}),
    attention: h('section', {class: 'attention', id: 'attention', hidden: true}),
    live: h('section', {class: 'live', id: 'live', hidden: true}),
    result: h('section', {class: 'result', id: 'result', hidden: true}),
    opSteps: h('section', {class: 'op-steps', id: 'op-steps'}),
    gridWrap: h('div', {class: 'grid-wrap'}),
    detail: h('section', {class: 'step-detail', id: 'step-detail', hidden: true}),
    plan: h('details', {class: 'plan', id: 'plan'}),
    next: h('details', {class: 'next', id: 'next'}),
    status: h('span', {class: 'muted', id: 'op-status'}),
  };
  const dialog = abortDialog();
  root.append(h('section', {class: 'operation', dataset: {id}},
    h('p', {class: 'crumbs'}, h('a', {href: '#/', id: 'back'}, '← Operations'), ' ', el.status),
    el.head, el.attention, el.result, el.live, el.opSteps,
    h('h2', null, 'Steps by node'),
    h('p', {class: 'legend'}, Object.entries(GLYPH).map(([s, g]) =>
      h('span', {class: `cell st-${s}`, title: s}, g, ' ', s))),
    el.gridWrap, el.detail, el.plan, el.next),
    dialog.el);

  let d = null; // the latest detail
  let grid = null; // the grid's DOM and index, kept across refreshes
  let selected = null; // {node, col} of the cell whose details are open
  let planShown = false;
  const tails = new Map(); // live output lines per activity attempt

  // ---- header, result, next commands -------------------------------------------------------

  function renderHead() {
    const link = temporalLink(ctx.session.info, id, d.runId);
    const start = d.startedAtMillis;
    const end = d.endedAtMillis;
    replace(el.head,
      h('h1', null, d.id, ' ', badge(d.state)),
      h('dl', {class: 'facts'},
        fact('kind', d.kind), fact('cluster', d.cluster),
        fact('phase', d.phase ? d.phase.toLowerCase().replace(/_/g, '-') : (TERMINAL.has(d.state) ? 'ended' : '')),
        fact('started by', d.requestedBy), fact('submitted', fmtTime(d.submittedAtMillis)),
        fact('started', fmtTime(start)), fact('ended', fmtTime(end)),
        fact('duration', start ? fmtDuration((end || Date.now()) - start) + (end ? '' : ' so far') : '')),
      d.message ? h('p', {class: 'message', id: 'op-message'}, d.message) : null,
      h('p', {class: 'links'},
        h('a', {href: `#/audit/${id}`, id: 'audit-link'}, 'Audit trail'),
        link ? [' · ', h('a', {href: link, target: '_blank', rel: 'noopener noreferrer', id: 'temporal-link'},
          'Open in Temporal UI')] : null,
        canAct() && !TERMINAL.has(d.state) && (d.plan || d.upgrade || d.removal)
          ? [' · ', h('button', {class: 'danger', id: 'abort-operation',
            onclick: () => confirmAbort({}, `the whole operation ${id}`)}, 'Abort operation…')] : null));
  }

  function fact(k, v) {
    return v ? [h('dt', null, k), h('dd', null, v)] : null;
  }

  function renderResult() {
    const r = d.result;
    el.result.hidden = !r;
    if (!r) return;
    const t = r.total || {};
    replace(el.result, h('h2', null, 'Result'),
      h('p', null, badge(r.outcome), ' ', r.message),
      h('p', {class: 'muted'}, `steps: ${t.succeeded || 0} succeeded, ${t.alreadySatisfied || 0} already satisfied, ` +
        `${t.skipped || 0} skipped, ${t.failed || 0} failed · took ${fmtDuration(r.durationMillis)}`));
  }

  function renderNext() {
    const next = d.next || [];
    replace(el.next, h('summary', null, `CLI equivalents (${next.length})`),
      next.length ? h('pre', null, next.join('\n')) : h('p', {class: 'muted'}, 'Nothing waits for a decision.'));
  }

  // ---- steps that wait for a decision --------------------------------------------------------

  // Panels with a reason field are rebuilt only when what they show changed, so a refresh never
  // wipes what an operator is typing.
  let attentionSig = null;
  let detailSig = null;

  function renderAttention(flat) {
    const waiting = flat.filter((f) => f.step.state === 'needs-attention');
    const sig = JSON.stringify([canAct(), TERMINAL.has(d.state), waiting.map((f) => [f.node, f.step])]);
    if (sig === attentionSig) return;
    attentionSig = sig;
    el.attention.hidden = waiting.length === 0;
    if (!waiting.length) {
      replace(el.attention);
      return;
    }
    replace(el.attention,
      h('h2', null, `Waiting for a decision (${waiting.length})`),
      canAct() ? null : h('p', {class: 'muted', id: 'viewer-note'},
        'You can watch this operation; an operator decides (approve, retry, skip, abort).'),
      waiting.map((f) => stepCard(f, true)));
  }

  function where(f) {
    return f.node ? `${f.node}` : f.group === 'op' ? 'operation' : f.group;
  }

  /** One step in full: state, times, error, output, past decisions, and the choices. */
  function stepCard(f, compact) {
    const s = f.step;
    const dur = duration(s);
    return h('article', {class: `step-card st-${s.state}`, dataset: {node: f.node || '', step: s.id, state: s.state}},
      h('h3', null, badge(s.state), ' ', h('span', {class: 'where'}, where(f)), ' · ', s.name,
        h('span', {class: 'muted'}, ` (${f.group === 'op' ? '' : `${f.child ? f.child.key : f.group}: `}${s.id})`)),
      h('p', {class: 'muted'},
        `${s.attempts} attempt${s.attempts === 1 ? '' : 's'}`,
        s.startedAtMillis ? ` · started ${fmtTime(s.startedAtMillis)}` : '',
        s.endedAtMillis ? ` · ended ${fmtTime(s.endedAtMillis)}` : '',
        dur !== null ? ` · ${fmtDuration(dur)}` : '',
        s.errorType ? ` · ${s.errorType}` : ''),
      s.error ? h('p', {class: 'step-error'}, s.error) : null,
      s.summary && !compact ? h('p', null, s.summary) : null,
      s.outputTail ? h('details', {open: compact ? null : true},
        h('summary', null, 'output (tail)'), h('pre', {class: 'output'}, s.outputTail)) : null,
      attemptList(s),
      (s.actions || []).length ? h('ul', {class: 'actions-taken'}, s.actions.map((a) =>
        h('li', null, `${a.decision} by ${a.actor} at ${fmtTime(a.atMillis)}${a.reason ? ` — ${a.reason}` : ''}`))) : null,
      canAct() && !TERMINAL.has(d.state) ? decisionButtons(f) : null);
  }

  /** Every attempt Graft recorded, oldest first: the root cause of attempt 1 stays visible. */
  function attemptList(s) {
    const tries = s.attemptHistory || [];
    if (tries.length < 2 && !(tries.length === 1 && tries[0].error)) return null;
    return h('details', {class: 'attempts', open: true},
      h('summary', null, `attempts (${tries.length})`),
      h('ol', {class: 'attempt-list'}, tries.map((a) => h('li', {value: a.number, dataset: {outcome: a.outcome}},
        badge(a.outcome), ' ',
        a.startedAtMillis ? fmtTime(a.startedAtMillis) : '',
        a.startedAtMillis && a.endedAtMillis ? ` · ${fmtDuration(a.endedAtMillis - a.startedAtMillis)}` : '',
        a.errorType ? ` · ${a.errorType}` : '',
        a.retriedBy ? h('span', {class: 'muted'}, ` · retried by ${a.retriedBy}`) : '',
        a.error ? h('div', {class: 'step-error'}, a.error) : null,
        a.outputTail ? h('details', null, h('summary', null, 'output'), h('pre', {class: 'output'}, a.outputTail)) : null))));
  }

  function decisionButtons(f) {
    const opts = choices(f);
    if (!opts.length) return null;
    const reason = h('input', {type: 'text', class: 'reason', placeholder: 'reason (optional)', size: 30});
    const t = target(f);
    const nodeAbort = t.node ? {node: t.node} : {};
    return h('div', {class: 'decide'}, reason, opts.map((a) => h('button', {
      class: a === 'abort' ? 'danger' : a === 'skip' ? '' : 'primary',
      dataset: {action: a, node: f.node || '', step: f.step.id},
      onclick: () => a === 'abort'
        ? confirmAbort(nodeAbort, t.node ? `the join of node ${t.node}` : `the whole operation ${id}`, reason.value)
        : act(a, t, reason.value),
    }, a === 'abort' ? (t.node ? `Abort ${t.node}…` : 'Abort operation…') : a[0].toUpperCase() + a.slice(1))));
  }

  async function act(action, t, reason) {
    try {
      const r = await decide(id, action, {...t, reason: reason || undefined});
      const a = r.action || {};
      ctx.notice(`${action} recorded${a.stepId ? ` on ${a.stepId}` : ''}${t.node ? ` (${t.node})` : ''} by ${a.actor || 'you'}.`, 'ok');
    } catch (e) {
      ctx.notice(`${action} was not accepted: ${e.message}`, 'error');
    }
    await refresh.now();
  }

  function abortDialog() {
    const what = h('strong', {id: 'confirm-abort-what'});
    const reason = h('input', {type: 'text', id: 'confirm-abort-reason', placeholder: 'reason (optional)', size: 40});
    const yes = h('button', {class: 'danger', id: 'confirm-abort-yes', value: 'abort'}, 'Abort');
    const no = h('button', {id: 'confirm-abort-no', value: 'keep', autofocus: true}, 'Keep it running');
    const dlg = h('dialog', {id: 'confirm-abort', class: 'confirm'},
      h('form', {method: 'dialog'},
        h('h2', null, 'Abort?'),
        h('p', null, 'Abort ', what, '? Running joins are cancelled and undo what they did ',
          '(kubeadm reset, the Node object deleted), in reverse order. Nodes that finished joining stay.'),
        h('p', null, reason), h('p', {class: 'buttons'}, no, ' ', yes)));
    return {el: dlg, what, reason};
  }

  function confirmAbort(t, label, reason) {
    dialog.what.textContent = label;
    dialog.reason.value = reason || '';
    dialog.el.returnValue = '';
    dialog.el.onclose = () => {
      if (dialog.el.returnValue === 'abort') act('abort', t, dialog.reason.value);
      else ctx.notice('Nothing was aborted.', 'info');
    };
    dialog.el.showModal();
  }

  // ---- live output ---------------------------------------------------------------------------

  function renderLive() {
    const live = d.live || [];
    const now = Date.now();
    const seen = new Set();
    for (const a of live) {
      const key = `${a.workflowId}|${a.activityId}|${a.attempt}`;
      seen.add(key);
      let t = tails.get(key);
      if (!t) tails.set(key, (t = []));
      if (a.heartbeat && t[t.length - 1] !== a.heartbeat) {
        t.push(a.heartbeat);
        if (t.length > TAIL_LINES) t.shift();
      }
    }
    for (const k of tails.keys()) if (!seen.has(k)) tails.delete(k);
    el.live.hidden = live.length === 0;
    if (!live.length) {
      replace(el.live);
      return;
    }
    replace(el.live, h('h2', null, `Running now (${live.length})`),
      live.map((a) => {
        const lines = tails.get(`${a.workflowId}|${a.activityId}|${a.attempt}`) || [];
        const retrying = a.state === 'scheduled' && a.attempt > 1;
        const doing = a.state === 'started' ? 'running'
          : retrying ? 'waiting to retry' : a.state === 'scheduled' ? 'waiting for a worker' : a.state;
        return h('article', {class: 'live-activity', dataset: {node: a.node || '', activity: a.activity}},
          h('h3', null, a.node ? `${a.node} · ` : '', a.activity,
            h('span', {class: 'muted'}, ` attempt ${a.attempt}${a.maximumAttempts ? ` of ${a.maximumAttempts}` : ''} · ${doing}`,
              a.lastStartedAtMillis ? ` · started ${fmtAgo(a.lastStartedAtMillis, now)}` : '',
              a.lastHeartbeatAtMillis ? ` · last output ${fmtAgo(a.lastHeartbeatAtMillis, now)}` : '')),
          a.lastFailure ? h('p', {class: 'step-error'}, `${retrying ? 'retrying after: ' : 'last failure: '}${a.lastFailure}`) : null,
          h('pre', {class: 'output live-tail'}, lines.length ? lines.join('\n') : '(no output yet)'));
      }));
  }

  // ---- the operation's own steps (those of no node) ------------------------------------------

  function renderOpSteps(flat) {
    const rows = flat.filter((f) => !f.node);
    replace(el.opSteps, h('h2', null, 'Operation steps'),
      rows.length ? h('table', {class: 'steps'},
        h('thead', null, h('tr', null, ['step', 'where', 'state', 'attempts', 'started', 'duration', 'summary or error']
          .map((c) => h('th', null, c)))),
        h('tbody', null, rows.map((f) => h('tr', {dataset: {step: f.step.id, state: f.step.state}},
          h('td', {title: f.step.id}, f.step.name),
          h('td', null, f.group === 'op' ? 'operation' : f.group),
          h('td', null, badge(f.step.state)),
          h('td', {class: 'num'}, f.step.attempts),
          h('td', null, fmtTime(f.step.startedAtMillis)),
          h('td', {class: 'num'}, fmtDuration(duration(f.step))),
          h('td', {class: f.step.error ? 'step-error' : ''}, f.step.error || f.step.summary || '')))))
        : h('p', {class: 'muted'}, 'None yet.'));
  }

  // ---- the grid: one row per node, one column per step, and a timeline ----------------------

  function nodeOrder(flat) {
    const order = [];
    const seen = new Set();
    const planned = d.removal ? removalOrder(d.removal)
      : d.plan ? (d.plan.additions || []).map((a) => a.name) : upgradeOrder(d.upgrade);
    for (const name of planned) {
      if (!seen.has(name)) order.push(name), seen.add(name);
    }
    for (const f of flat) {
      if (f.node && !seen.has(f.node)) order.push(f.node), seen.add(f.node);
    }
    return order;
  }

  function columnsOf(flat) {
    const cols = [];
    const seen = new Set();
    for (const f of flat) {
      if (!f.node || seen.has(f.col)) continue;
      seen.add(f.col);
      cols.push({key: f.col, group: f.group, label: f.col.slice(f.col.indexOf(':') + 1), title: f.step.name});
    }
    // Grouped as they first appear: operation, node join, etcd, routing.
    const groups = [...new Set(cols.map((c) => c.group))];
    return groups.flatMap((g) => cols.filter((c) => c.group === g));
  }

  function buildGrid(cols, nodes) {
    const groups = [];
    for (const c of cols) {
      const g = groups[groups.length - 1];
      if (g && g.group === c.group) g.span++;
      else groups.push({group: c.group, span: 1});
    }
    const axis = h('div', {class: 'axis'});
    const tbody = h('tbody');
    // Fixed column widths (colgroup + table-layout: fixed): the browser lays out a 200-row grid
    // without measuring every cell's content first.
    const table = h('table', {class: 'grid', id: 'grid', style: {minWidth: `${12 + 4 * cols.length + 24}rem`}},
      h('colgroup', null, h('col', {class: 'c-node'}), cols.map(() => h('col', {class: 'c-cell'})),
        h('col', {class: 'c-tl'})),
      h('thead', null,
        h('tr', {class: 'groups'}, h('th', {rowspan: 2, class: 'node'}, `node (${nodes.length})`),
          groups.map((g) => h('th', {colspan: g.span, class: `grp grp-${g.group}`, title: groupTitle(g.group)},
            groupTitle(g.group))),
          h('th', {rowspan: 2, class: 'timeline'}, 'timeline', axis)),
        h('tr', {class: 'cols'}, cols.map((c) => h('th', {title: c.title, class: `grp-${c.group}`}, c.label)))),
      tbody);
    table.addEventListener('click', (ev) => {
      const td = ev.target.closest('td.cell');
      if (!td) return;
      selected = {node: td.parentElement.dataset.node, col: td.dataset.col};
      renderDetail();
      el.detail.scrollIntoView({block: 'nearest'});
    });
    const g = {table, tbody, axis, cols, colKeys: cols.map((c) => c.key).join('\n'), rows: new Map(), scale: null};
    for (const n of nodes) addRow(g, n);
    replace(el.gridWrap, table);
    return g;
  }

  function addRow(g, node) {
    const cells = new Map();
    // An upgrade changes every node it lists, a removal every node it removes (and a replacement's
    // new one): none of them is merely "existing".
    const added = !!d.upgrade || (!!d.removal && removalOrder(d.removal).includes(node))
      || ((d.plan && d.plan.additions) || []).some((a) => a.name === node);
    const tr = h('tr', {dataset: {node}, class: added ? '' : 'existing'},
      h('th', {class: 'node', scope: 'row', title: added ? null : 'already in the cluster (its routes are updated)'},
        node, added ? null : h('span', {class: 'muted'}, ' (existing)')));
    for (const c of g.cols) {
      const td = h('td', {class: 'cell st-none', dataset: {col: c.key, state: ''}});
      cells.set(c.key, {td, sig: ''});
      tr.append(td);
    }
    const bar = h('div', {class: 'bar'});
    tr.append(h('td', {class: 'tl'}, bar));
    g.tbody.append(tr);
    g.rows.set(node, {tr, cells, bar, segs: new Map()}); // segs: col -> {el, sig}
  }

  function renderGrid(flat) {
    const nodes = nodeOrder(flat);
    const cols = columnsOf(flat);
    const full = !grid || grid.colKeys !== cols.map((c) => c.key).join('\n');
    return measure('operation', full ? 'full' : 'update', {nodes: nodes.length, cells: nodes.length * cols.length}, () => {
      if (full) grid = buildGrid(cols, nodes);
      for (const n of nodes) if (!grid.rows.has(n)) addRow(grid, n);
      const live = new Set((d.live || []).map((a) => a.node).filter(Boolean));
      const now = Date.now();
      let t0 = d.startedAtMillis || Infinity;
      let t1 = d.endedAtMillis || now;
      for (const f of flat) {
        if (f.node && f.step.startedAtMillis) t0 = Math.min(t0, f.step.startedAtMillis);
        if (f.node && f.step.endedAtMillis && d.endedAtMillis) t1 = Math.max(t1, f.step.endedAtMillis);
      }
      if (!isFinite(t0)) t0 = now;
      // The timeline's scale: exact once the operation ended; while it runs, it reaches ahead of
      // now (half as far again as has elapsed), so most refreshes move only the running steps'
      // bars instead of every bar of every node.
      const ended = !!d.endedAtMillis;
      let sc = grid.scale;
      if (!sc || sc.t0 !== t0 || (ended ? sc.t0 + sc.span !== t1 : t1 > sc.t0 + sc.span) || sc.ended !== ended) {
        sc = grid.scale = {t0, ended, span: ended ? Math.max(1, t1 - t0) : Math.max(10_000, (t1 - t0) * 1.5)};
      }
      const span = sc.span;
      const scaleKey = `${sc.t0}|${sc.span}`;
      let changed = 0;
      for (const f of flat) {
        if (!f.node) continue;
        const row = grid.rows.get(f.node);
        const cell = row && row.cells.get(f.col);
        if (!cell) continue;
        const s = f.step;
        const isLive = s.state === 'running' && live.has(f.node);
        const sig = `${s.state}|${s.attempts}|${s.startedAtMillis}|${s.endedAtMillis}|${isLive}|${s.error || ''}`;
        if (cell.sig !== sig) {
          changed++;
          cell.sig = sig;
          const td = cell.td;
          td.className = `cell st-${s.state}${isLive ? ' live' : ''}`;
          td.dataset.state = s.state;
          td.textContent = `${GLYPH[s.state] || '?'}${s.attempts > 1 ? s.attempts : ''}`;
          const dur = duration(s, now);
          td.title = `${f.node} · ${s.name} (${s.id}) · ${s.state} · ${s.attempts} attempt${s.attempts === 1 ? '' : 's'}` +
            (dur !== null ? ` · ${fmtDuration(dur)}` : '') + (s.error ? `\n${s.error}` : s.summary ? `\n${s.summary}` : '');
        }
        // The timeline: one segment per step that started, placed on [t0, t1].
        if (s.startedAtMillis) {
          let seg = row.segs.get(f.col);
          if (!seg) {
            seg = {el: h('span', {class: 'seg'}), sig: ''};
            row.bar.append(seg.el);
            row.segs.set(f.col, seg);
          }
          const end = s.endedAtMillis || now;
          const segSig = `${scaleKey}|${s.startedAtMillis}|${end}|${s.state}`;
          if (seg.sig !== segSig) {
            seg.sig = segSig;
            seg.el.className = `seg st-${s.state}`;
            seg.el.style.left = `${((s.startedAtMillis - sc.t0) / span) * 100}%`;
            seg.el.style.width = `${Math.max(0.4, ((end - s.startedAtMillis) / span) * 100)}%`;
            seg.el.title = `${s.name}: ${fmtTime(s.startedAtMillis)} → ${s.endedAtMillis ? fmtTime(s.endedAtMillis) : 'now'} (${fmtDuration(end - s.startedAtMillis)})`;
          }
        }
      }
      grid.axis.textContent = `${fmtTime(sc.t0).slice(11)} → ${ended ? fmtTime(t1).slice(11) : `now (scale ${fmtDuration(span)})`}` +
        (ended ? ` (${fmtDuration(span)})` : '');
      return changed;
    });
  }

  function renderDetail() {
    if (!selected || !d) {
      el.detail.hidden = true;
      detailSig = null;
      return;
    }
    const f = flatten(d).find((x) => x.node === selected.node && x.col === selected.col);
    el.detail.hidden = !f;
    const sig = JSON.stringify([selected, canAct(), TERMINAL.has(d.state), f && f.step]);
    if (sig === detailSig) return;
    detailSig = sig;
    if (f) {
      replace(el.detail, h('h2', null, 'Step', h('button', {class: 'link close', onclick: () => {
        selected = null;
        renderDetail();
      }}, 'close')), stepCard(f, false));
    }
  }

  // ---- the plan -------------------------------------------------------------------------------

  function groupTitle(group) {
    if (d.upgrade && group === 'node') return 'node upgrade';
    if (d.upgrade && group === 'op') return 'operation (pre-checks, snapshot, gates)';
    return GROUP_TITLE[group] || group;
  }

  // An upgrade's plan: from → to, control planes one at a time, worker batches, warnings.
  function renderUpgradePlan() {
    const u = d.upgrade;
    if (!u || planShown) return;
    planShown = true;
    const cps = u.controlPlanes || [];
    const batches = u.workerBatches || [];
    const workers = batches.reduce((n, b) => n + b.length, 0);
    const who = (n) => `${n.node.name}${n.atTarget ? ` (already at ${u.to})` : ` (kubelet ${n.kubeletVersion})`}`;
    const msgs = (title, list, cls) => list && list.length ? [h('h3', null, title),
      h('ul', {class: cls}, list.map((m) => h('li', null, `${m.node ? `${m.node}: ` : ''}${m.message} [${m.code}]`)))] : null;
    replace(el.plan, h('summary', null,
      `Upgrade plan: ${u.cluster} ${u.from} → ${u.to}, ${cps.length} control plane${cps.length === 1 ? '' : 's'}` +
      ` and ${workers} worker${workers === 1 ? '' : 's'}`),
    h('div', {id: 'upgrade-plan'},
      h('ol', {class: 'phases'},
        h('li', null, h('strong', null, 'Pre-checks'), ' on every node and the cluster'),
        h('li', null, h('strong', null, 'etcd snapshot'), ` on ${u.snapshotNode || '(none: see the warnings)'}`),
        h('li', null, h('strong', null, 'Control planes'), ' one at a time: ',
          cps.map((n, i) => [i ? ', ' : '', who(n), n.first ? ' — kubeadm upgrade apply' : ''])),
        batches.length ? h('li', null, h('strong', null, 'Workers'),
          ` ${workers}, up to ${u.maxUnavailable} at once`,
          h('ol', {class: 'batches'}, batches.map((b) => h('li', null, b.map(who).join(', '))))) : null,
        h('li', null, h('strong', null, 'Verification'), `: every node Ready at ${u.to}`)),
      msgs('Warnings', u.warnings, 'warnings'),
      msgs('Refusals', u.refusals, 'refusals')));
    el.plan.open = cps.length + workers <= 20;
  }

  // A removal's (or replacement's) plan: the nodes in order with their steps, etcd's quorum
  // projection member by member, the leader move, orphans and the other warnings.
  function renderRemovalPlan() {
    const r = d.removal;
    if (planShown) return;
    planShown = true;
    const nodes = r.nodes || [];
    const msgs = (title, list, cls) => list && list.length ? [h('h3', null, title),
      h('ul', {class: cls}, list.map((m) => h('li', null, `${m.node ? `${m.node}: ` : ''}${m.message} [${m.code}]`)))] : null;
    const what = (n) => [
      r.unreachable ? 'cordon (pods left named)' : 'cordon and drain',
      n.leader ? 'move etcd leadership' : null,
      n.memberId ? `remove etcd member ${n.memberId} by id` : null,
      n.controlPlane || n.memberId ? "drop it from the staying kube-apiservers' --etcd-servers" : null,
      r.unreachable ? null : 'kubeadm reset -f',
      'delete the Node, drop its pod routes, revoke its bootstrap tokens'].filter((x) => x).join(', ');
    const addStep = (when) => r.replaceWith ? h('li', null, h('strong', null, `Add control plane ${r.replaceWith}`),
      ` ${when} (the expansion's steps: pre-checks, etcd gate, join, routes, verification)`) : null;
    const orphans = (r.warnings || []).filter((w) => (w.code || '').startsWith('orphan-'));
    replace(el.plan, h('summary', null, r.replaceWith
      ? `Replacement plan: ${r.cluster}: ${nodes.map((n) => n.node.name).join(', ')} → ${r.replaceWith}`
      : `Removal plan: ${nodes.length} node${nodes.length === 1 ? '' : 's'} from ${r.cluster}` +
        (orphans.length ? `, ${orphans.length} orphan${orphans.length === 1 ? '' : 's'} found` : '')),
    h('div', {id: 'removal-plan'},
      h('ol', {class: 'phases'},
        h('li', null, h('strong', null, 'Pre-checks'), ": etcd's quorum projection on a fresh read, the Nodes, orphans ",
          r.cleanOrphans ? '(removed after approve/orphans)' : '(reported only)'),
        r.addFirst ? addStep('first') : null,
        nodes.length ? h('li', null, h('strong', null, 'Nodes'), ' one at a time',
          h('ol', {class: 'batches'}, nodes.map((n) => h('li', {dataset: {node: n.node.name}},
            h('strong', null, n.node.name), ` (${n.controlPlane ? 'control plane' : 'worker'}` +
            `${n.memberId ? `, etcd member ${n.memberId}${n.leader ? ', the leader' : ''}` : ''}): ${what(n)}`)))) : null,
        r.addFirst ? null : addStep('once the old one is gone'),
        h('li', null, h('strong', null, 'Verification'), ': etcd healthy without the removed members; their Nodes gone')),
      (r.quorum || []).length ? [h('h3', null, 'etcd quorum projection'),
        h('ul', {class: 'quorum'}, r.quorum.map((q) => h('li', {class: q.allowed ? '' : 'refused'}, q.message)))] : null,
      r.leaderMove ? h('p', {id: 'leader-move'}, h('strong', null, 'Leader: '), r.leaderMove) : null,
      msgs('Warnings', r.warnings, 'warnings'),
      msgs('Refusals', r.refusals, 'refusals')));
    el.plan.open = nodes.length <= 20;
  }

  function renderPlan() {
    if (d.removal) {
      renderRemovalPlan();
      return;
    }
    const p = d.plan;
    if (!p && d.upgrade) {
      renderUpgradePlan();
      return;
    }
    if (!p || planShown) return;
    planShown = true;
    const adds = p.additions || [];
    const body = h('div');
    replace(el.plan, h('summary', null,
      `Plan: ${adds.length} node${adds.length === 1 ? '' : 's'} to add to ${p.clusterName} ` +
      `(${(p.existingNodes || []).length} there), etcd ${p.etcdMembersBefore} → ${p.etcdMembersAfter} members`), body);
    // Drawn when opened: a 200-node plan lists every node and step.
    const draw = () => {
      if (body.childElementCount) return;
      drawPlan(body, p);
    };
    el.plan.addEventListener('toggle', draw);
    if (adds.length <= 20) {
      el.plan.open = true;
      draw();
    }
  }

  function drawPlan(body, p) {
    const msgs = (title, list, cls) => list && list.length ? [h('h3', null, title),
      h('ul', {class: cls}, list.map((m) => h('li', null, typeof m === 'string' ? m
        : `${m.node ? `${m.node}: ` : ''}${m.message} [${m.code}]`)))] : null;
    add(body, [
      h('table', {class: 'plan-nodes'},
        h('thead', null, h('tr', null, ['node', 'address', 'roles', 'pod CIDR'].map((c) => h('th', null, c)))),
        h('tbody', null, (p.additions || []).map((a) => h('tr', null,
          h('td', null, a.name), h('td', null, a.address), h('td', null, (a.roles || []).join(', ')),
          h('td', null, a.podCidr ? `${a.podCidr}${a.podCidrAllocated ? '' : ' (recorded)'}` : ''))))),
      h('h3', null, 'Phases'),
      h('ol', {class: 'phases'}, (p.phases || []).map((ph) => h('li', null,
        h('strong', null, ph.title || ph.kind),
        ph.parallelism > 1 ? ` (up to ${ph.parallelism} at once)` : '',
        `: ${(ph.steps || []).length} step${(ph.steps || []).length === 1 ? '' : 's'}`,
        (ph.steps || []).length ? h('details', null, h('summary', null, 'steps'),
          h('ul', null, ph.steps.map((s) => h('li', null, s.node ? `${s.node}: ` : '', s.description || s.action,
            (s.checks || []).length ? h('span', {class: 'muted'}, ` — checks: ${s.checks.join('; ')}`) : null)))) : null))),
      msgs('Warnings', p.warnings, 'warnings'),
      msgs('Notes', p.notes, 'notes'),
      (p.existingNodes || []).length ? h('p', {class: 'muted'}, `Existing nodes: ${p.existingNodes.join(', ')}`) : null]);
  }

  // ---- refresh ----------------------------------------------------------------------------------

  function render() {
    const flat = flatten(d);
    renderHead();
    renderResult();
    renderAttention(flat);
    renderLive();
    renderOpSteps(flat);
    renderGrid(flat);
    renderDetail();
    renderPlan();
    renderNext();
  }

  const refresh = poller(async () => {
    try {
      d = await operation(id);
      el.status.textContent = `refreshed ${new Date().toLocaleTimeString()}` +
        (TERMINAL.has(d.state) ? ' · ended: no longer refreshing' : ` · every ${REFRESH_MS / 1000} s`);
      el.status.classList.remove('error');
      measure('operation-page', 'all', {nodes: (d.children || []).length}, render);
      if (TERMINAL.has(d.state)) refresh.stop();
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        replace(el.head, h('h1', null, id), h('p', {class: 'error'}, e.message));
        refresh.stop();
        return;
      }
      el.status.textContent = `refresh failed: ${e.message}`;
      el.status.classList.add('error');
    }
  }, REFRESH_MS);

  return () => {
    refresh.stop();
    if (dialog.el.open) dialog.el.close();
  };
}

/** A removal plan's nodes in the order it takes them; a replacement's new node first or last. */
function removalOrder(r) {
  const names = (r.nodes || []).map((n) => n.node.name);
  if (!r.replaceWith) return names;
  return r.addFirst ? [r.replaceWith, ...names] : [...names, r.replaceWith];
}

/** An upgrade plan's nodes in the order it takes them: control planes, then batch by batch. */
function upgradeOrder(u) {
  if (!u) return [];
  return [...(u.controlPlanes || []), ...(u.workerBatches || []).flat()].map((n) => n.node.name);
}
