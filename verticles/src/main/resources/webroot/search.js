// The search box every page carries (issue 19): as-you-type suggestions from GET /api/v1/search/suggest
// (debounced; a newer keystroke aborts the request in flight, so a slow stale answer never replaces a
// fresh one), arrow keys / Enter / Escape, and Enter on the text opens search.html?q=. Signed-in callers
// send their access token (owners see their own pending items): the page's own token when the page
// keeps one (library, account, messages), else one renewed from the refresh cookie under the pages' shared Web
// Lock. Every name is set as text, never as markup. window.chorusSearch is shared with search-page.js.
'use strict';
(() => {
  const DEBOUNCE_MS = 150;
  let own = null;   // {token, until} renewed here; false: not signed in

  const lock = (fn) => (navigator.locks ? navigator.locks.request('chorus-refresh', fn) : fn());

  async function token() {
    const page = window.chorusLibrary || window.chorusAccount || window.chorusMessages;
    if (page) return page.token || null;
    if (own === false) return null;
    if (own && own.until > Date.now()) return own.token;
    return lock(async () => {
      try {
        const r = await fetch('/api/v1/auth/refresh', { method: 'POST', credentials: 'same-origin' });
        if (!r.ok) { own = false; return null; }
        const pair = await r.json();
        own = { token: pair.access_token, until: Date.now() + Math.max(5, pair.expires_in - 30) * 1000, user: pair.user };
        return own.token;
      } catch (e) {
        own = false;
        return null;
      }
    });
  }

  /** GET with the caller's token; a refused token (expired meanwhile) is renewed once. */
  async function get(path, signal, retried) {
    const t = await token();
    const r = await fetch(path, { headers: t ? { authorization: `Bearer ${t}` } : {}, signal, credentials: 'same-origin' });
    if (r.status === 401 && !retried && own) { own = null; return get(path, signal, true); }
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new Error(body && body.error ? body.error.message : `HTTP ${r.status}`);
    return body;
  }

  async function post(path, json) {
    const t = await token();
    const headers = { 'content-type': 'application/json' };
    if (t) headers.authorization = `Bearer ${t}`;
    const r = await fetch(path, { method: 'POST', headers, body: JSON.stringify(json), credentials: 'same-origin' });
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new Error(body && body.error ? body.error.message : `HTTP ${r.status}`);
    return body;
  }

  /** Where a found thing lives: albums and artists in the library, everything else on the results page. */
  function link(type, item, text) {
    if (type === 'albums') return `library.html#album=${encodeURIComponent(item.id)}`;
    if (type === 'artists') return `library.html#artist=${encodeURIComponent(item.name || text)}`;
    // a suggestion's label ("artist — title") may be 513 characters, one over the query's limit (512 code points)
    return `search.html?${new URLSearchParams({ q: Array.from(text).slice(0, 512).join(''), types: type })}`;
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  window.chorusSearch = { token, get, post, link, el, signedIn: () => !!(own && own.token) };

  // ---- the box

  const form = el('form', null, 'search-box');
  form.setAttribute('role', 'search');
  form.action = 'search.html';
  form.method = 'get';
  const input = el('input');
  input.type = 'search';
  input.name = 'q';
  input.id = 'search-box';
  input.placeholder = 'Search tracks, albums, artists, people…';
  input.autocomplete = 'off';
  input.maxLength = 512;
  input.setAttribute('aria-label', 'Search');
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-controls', 'search-suggest');
  input.setAttribute('aria-expanded', 'false');
  const list = el('ul', null, 'search-suggest');
  list.id = 'search-suggest';
  list.setAttribute('role', 'listbox');
  list.hidden = true;
  form.append(input, list);
  (document.querySelector('header') || document.body).append(form);
  const current = new URLSearchParams(location.search).get('q');
  if (current && location.pathname.endsWith('/search.html')) input.value = current;

  let timer = null;
  let inflight = null;
  let active = -1;
  let items = [];

  function close() {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    items = [];
    active = -1;
  }

  function mark(i) {
    active = i;
    [...list.children].forEach((li, k) => li.setAttribute('aria-selected', String(k === i)));
    if (i >= 0) input.setAttribute('aria-activedescendant', list.children[i].id);
    else input.removeAttribute('aria-activedescendant');
  }

  function render(suggestions) {
    list.replaceChildren();
    items = suggestions;
    active = -1;
    suggestions.forEach((s, i) => {
      const li = el('li', null, 'search-suggestion');
      li.id = `search-suggestion-${i}`;
      li.setAttribute('role', 'option');
      li.dataset.type = s.type;
      li.dataset.id = s.id;
      li.append(el('span', s.text, 'text'), el('span', s.type.replace(/s$/, ''), 'kind'));
      li.addEventListener('mousedown', (e) => { e.preventDefault(); go(i); });
      list.append(li);
    });
    list.hidden = suggestions.length === 0;
    input.setAttribute('aria-expanded', String(suggestions.length > 0));
    document.body.dataset.suggestions = String(suggestions.length);
  }

  function go(i) {
    const s = items[i];
    if (!s) return;
    location.href = link(s.type, { id: s.id, name: s.text }, s.text);
  }

  async function suggest(q) {
    if (inflight) inflight.abort();
    const ctl = new AbortController();
    inflight = ctl;
    try {
      const r = await get(`/api/v1/search/suggest?${new URLSearchParams({ q })}`, ctl.signal);
      if (inflight !== ctl) return;   // a newer request owns the list
      render(r.suggestions || []);
      document.body.dataset.suggestFor = q;
    } catch (e) {
      if (e.name !== 'AbortError' && inflight === ctl) close();
    } finally {
      if (inflight === ctl) inflight = null;
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { if (inflight) inflight.abort(); close(); return; }
    timer = setTimeout(() => suggest(q), DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && items.length) { e.preventDefault(); mark((active + 1) % items.length); }
    else if (e.key === 'ArrowUp' && items.length) { e.preventDefault(); mark(active <= 0 ? items.length - 1 : active - 1); }
    else if (e.key === 'Escape') { close(); }
    else if (e.key === 'Enter' && active >= 0) { e.preventDefault(); go(active); }
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
  form.addEventListener('submit', (e) => {
    if (!input.value.trim()) e.preventDefault();
  });
})();
