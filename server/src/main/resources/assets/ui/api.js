// The REST API, with the bearer token the user signed in with. The token lives in sessionStorage:
// it is gone when the tab closes, and other sites cannot read it.

import {recordFetch} from './perf.js';

const TOKEN_KEY = 'graft.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(t) {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, body, text) {
    super((body && (body.error || body.message)) || text || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** Listeners told when the server answers 401 (token missing, wrong or revoked). */
const unauthorized = new Set();
export function onUnauthorized(fn) {
  unauthorized.add(fn);
}

export async function api(path, {method = 'GET', body, signal} = {}) {
  const headers = {Accept: 'application/json'};
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  // Every POST says application/json, with a body or without (decisions): the server refuses a
  // POST that a page on another site could send without a CORS preflight.
  if (body !== undefined || method !== 'GET') headers['Content-Type'] = 'application/json';
  const t0 = performance.now();
  const r = await fetch(`/api/v1${path}`, {
    method, headers, signal, cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  recordFetch(`${method} ${path.split('?')[0]}`, performance.now() - t0, text.length);
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!r.ok) {
    const e = new ApiError(r.status, json, text);
    if (r.status === 401) unauthorized.forEach((fn) => fn(e));
    throw e;
  }
  return json;
}

const ID = /^cluster\/[^/]+\/[^/]+\/[^/]+$/;

/** An operation id as it goes into a path: unencoded slashes (see docs/operations.md), each segment encoded. */
export function opPath(id) {
  if (!ID.test(id)) throw new Error(`not an operation id: ${id}`);
  return `/operations/${id.split('/').map(encodeURIComponent).join('/')}`;
}

export const whoami = () => api('/whoami');
export const info = () => api('/info');
export const operations = () => api('/operations');
export const operation = (id) => api(opPath(id));
export const history = (id) => api(`${opPath(id)}/history`);

/** approve | retry | skip | abort, on a node's child (node) and step (stepId), with a reason. */
export function decide(id, action, {node, stepId, reason} = {}) {
  const q = new URLSearchParams();
  if (node) q.set('node', node);
  if (stepId) q.set('stepId', stepId);
  if (reason) q.set('reason', reason);
  const qs = q.toString();
  return api(`${opPath(id)}/${action}${qs ? `?${qs}` : ''}`, {method: 'POST'});
}
