// Links to the Temporal UI, when the server's config names one (temporal.uiUrl).

import {safeHttpUrl} from './dom.js';

/** The Temporal UI page of one execution (its latest run when runId is unknown), or null. */
export function temporalLink(info, workflowId, runId) {
  const base = info && info.temporalUiUrl ? safeHttpUrl(info.temporalUiUrl) : null;
  if (!base || !workflowId) return null;
  const ns = encodeURIComponent(info.temporalNamespace || 'default');
  const root = base.replace(/\/+$/, '');
  if (runId) {
    return `${root}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
  }
  const query = encodeURIComponent(`WorkflowId="${workflowId}"`);
  return `${root}/namespaces/${ns}/workflows?query=${query}`;
}
