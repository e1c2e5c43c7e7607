// The step model shared by the operation page and its grid: which steps belong to which node and
// column, and what an operator may decide on a step that waits.

export const STEP_STATES = ['pending', 'running', 'succeeded', 'already-satisfied', 'failed',
  'needs-attention', 'skipped'];

export const GLYPH = {
  'pending': '·', 'running': '▶', 'succeeded': '✓', 'already-satisfied': '=', 'failed': '✗',
  'needs-attention': '!', 'skipped': '»',
};

export const GROUP_TITLE = {
  op: 'operation (pre-checks, gates, joins)',
  node: 'node join',
  etcd: 'etcd member',
  routing: 'pod routing',
};

/** "reach/n3" on node n3 → "reach"; "prechecks" → "prechecks". */
export function baseId(step) {
  const n = step.node;
  if (n && step.id.endsWith(`/${n}`)) return step.id.slice(0, -(n.length + 1));
  return step.id;
}

/**
 * Every step of the operation and its children, flattened: {step, group, child, node, col}.
 * group is "op" for the operation's own steps, else the child's kind (node, etcd, routing).
 */
export function flatten(d) {
  const out = [];
  for (const s of d.steps || []) {
    out.push({step: s, group: 'op', child: null, node: s.node || null, col: `op:${baseId(s)}`});
  }
  for (const c of d.children || []) {
    const group = (c.key || '').split('/')[0] || 'child';
    for (const s of c.steps || []) {
      const node = s.node || c.node || null;
      out.push({step: {...s, node}, group, child: c, node, col: `${group}:${baseId({...s, node})}`});
    }
  }
  return out;
}

/**
 * Where a decision on this step goes: a node's child gets ?node=; the operation's own steps and
 * the routing child's are found by their step id alone.
 */
export function target(f) {
  if (f.child && f.child.node && (f.group === 'node' || f.group === 'etcd')) {
    return {node: f.child.node, stepId: f.step.id};
  }
  return {stepId: f.step.id};
}

/** The decisions an operator can take on a waiting step. */
export function choices(f) {
  if (f.step.state !== 'needs-attention') return [];
  if (f.step.kind === 'gate') return ['approve', 'abort'];
  return f.step.skippable ? ['retry', 'skip', 'abort'] : ['retry', 'abort'];
}

export function duration(s, now = Date.now()) {
  if (!s.startedAtMillis) return null;
  return (s.endedAtMillis || now) - s.startedAtMillis;
}
