// Sign in with the same bearer tokens as the CLI and the API (viewer or operator). The token is
// checked with GET /api/v1/whoami and kept in sessionStorage only.

import {ApiError, setToken, token} from './api.js';
import {h} from './dom.js';

export function mount(root, ctx) {
  const input = h('input', {type: 'password', id: 'token', name: 'token', autocomplete: 'off',
    placeholder: 'graft_…', size: 50, required: true});
  const error = h('p', {class: 'error', id: 'login-error', role: 'alert'});
  async function submit(ev) {
    ev.preventDefault();
    error.textContent = '';
    const before = token();
    setToken(input.value.trim());
    try {
      if (await ctx.refreshSession()) {
        const back = sessionStorage.getItem('graft.after-login') || '#/';
        sessionStorage.removeItem('graft.after-login');
        ctx.notice(null);
        ctx.navigate(back);
        return;
      }
      error.textContent = 'This token is not valid here.';
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.message : `The server did not answer: ${e.message}`;
    }
    setToken(before);
  }
  root.append(h('section', {class: 'login'},
    h('h1', null, 'Sign in'),
    h('p', null, 'Paste your Graft API token (',
      h('code', null, './graft token --name NAME --role viewer|operator'),
      ' mints one). Viewers watch and audit; operators also approve, retry, skip and abort.'),
    h('form', {onsubmit: submit},
      h('label', {for: 'token'}, 'Token '), input, ' ',
      h('button', {type: 'submit', id: 'login-submit'}, 'Sign in')),
    error,
    h('p', {class: 'muted'}, 'The token stays in this tab (sessionStorage) until you sign out or close it.')));
  input.focus();
}
