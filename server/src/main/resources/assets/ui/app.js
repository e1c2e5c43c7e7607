// Graft's web UI: the operations list, one operation (plan, step grid and timeline, live output,
// decisions) and its audit trail. Plain ES modules served by the Graft server; no build step.
// Routes (in the URL's hash, so the server serves one page):
//   #/?state=S&cluster=C   operations list
//   #/op/<id>              one operation (ids contain slashes: cluster/<name>/<kind>/<requestId>)
//   #/audit/<id>           its audit trail
//   #/login                sign in with a bearer token

import {ApiError, onUnauthorized, setToken, token, whoami, info} from './api.js';
import {h, replace} from './dom.js';
import * as list from './list.js';
import * as operation from './operation.js';
import * as audit from './audit.js';
import * as login from './login.js';

const app = document.getElementById('app');
const whoEl = document.getElementById('who');
const noticeEl = document.getElementById('notice');

/** Who is signed in ({name, role, anonymous, canAct}) and what this server says of itself. */
const session = {who: null, info: null};
let unmount = null;

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

/** A line at the top of the page: what an action did, or why it was refused. */
export function notice(text, kind = 'info') {
  replace(noticeEl, text ? h('div', {class: `notice notice-${kind}`, role: 'status'}, text,
    h('button', {class: 'link', 'aria-label': 'dismiss', onclick: () => notice(null)}, '×')) : null);
}

function parse() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query] = raw.split('?');
  const params = new URLSearchParams(query || '');
  if (path.startsWith('/op/')) return {view: operation, id: decodeURIComponent(path.slice(4)), params};
  if (path.startsWith('/audit/')) return {view: audit, id: decodeURIComponent(path.slice(7)), params};
  if (path === '/login') return {view: login, params};
  return {view: list, params};
}

function renderWho() {
  const w = session.who;
  if (!w) {
    replace(whoEl);
    return;
  }
  replace(whoEl,
    h('span', {class: 'who', dataset: {role: w.role}, title: w.anonymous
      ? 'This server lets requests without a token act with this role (graft dev).' : null},
      w.anonymous ? `anonymous ${w.role} (no sign-in needed here)` : `${w.name} · ${w.role}`),
    token() ? h('button', {class: 'link', id: 'signout', onclick: signOut}, 'Sign out')
      : h('a', {href: '#/login', id: 'signin'}, 'Sign in with a token'));
}

function signOut() {
  setToken(null);
  session.who = null;
  notice(null);
  navigate('#/login');
}

/** Asks the server who we are; false when a sign-in is needed. */
export async function refreshSession() {
  try {
    session.who = await whoami();
  } catch (e) {
    session.who = null;
    if (e instanceof ApiError && e.status === 401) {
      renderWho();
      return false;
    }
    throw e;
  }
  if (!session.info) {
    try {
      session.info = await info();
    } catch {
      session.info = {};
    }
  }
  renderWho();
  return true;
}

/** Set when a notice must survive the next route change (it explains why the page changed). */
let keepNotice = false;

async function route() {
  if (!keepNotice) notice(null);
  keepNotice = false;
  if (unmount) {
    unmount();
    unmount = null;
  }
  const r = parse();
  const wanted = location.hash;
  if (r.view !== login && !session.who) {
    let ok;
    try {
      ok = await refreshSession();
    } catch (e) {
      replace(app, h('p', {class: 'error'}, `The server did not answer: ${e.message}`));
      return;
    }
    if (!ok) {
      const back = wanted && wanted !== '#/login' ? wanted : '#/';
      sessionStorage.setItem('graft.after-login', back);
      navigate('#/login');
      return;
    }
  }
  replace(app);
  const ctx = {session, params: r.params, id: r.id, navigate, notice, refreshSession};
  unmount = r.view.mount(app, ctx) || null;
}

// A token that worked and stops working (revoked, server reconfigured): back to the sign-in.
// Before a session exists, route() itself sends the user there.
onUnauthorized(() => {
  if (!session.who || parse().view === login) return;
  setToken(null);
  session.who = null;
  notice('The server no longer accepts this token: sign in again.', 'error');
  keepNotice = true;
  navigate('#/login');
});

window.addEventListener('hashchange', route);
route();
