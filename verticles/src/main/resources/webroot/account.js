// Account pages (issue 16): sign-up, sign-in, profile, friends with online dots.
// The access token lives only in memory; the refresh token is the HttpOnly cookie the server sets
// (scripts cannot read it, so an injected script cannot steal a long-lived session). On load the page
// asks /api/v1/auth/refresh, which rotates the cookie: the session survives a reload. Tabs serialise
// their refreshes with a Web Lock, as two tabs presenting the same refresh token would look like theft.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { token: null, me: null, refreshTimer: null, socket: null, friends: new Map() };
  window.chorusAccount = state;

  function showError(message) {
    $('error').textContent = message;
    $('error').hidden = !message;
  }

  async function api(method, path, body, auth = true) {
    const headers = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && state.token) headers.authorization = `Bearer ${state.token}`;
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    const text = await r.text();
    const json = text ? JSON.parse(text) : null;
    if (!r.ok) {
      const err = new Error(json && json.error ? json.error.message : `HTTP ${r.status}`);
      err.status = r.status;
      throw err;
    }
    return json;
  }

  function withLock(fn) {
    return navigator.locks ? navigator.locks.request('chorus-refresh', fn) : fn();
  }

  async function refresh() {
    return withLock(async () => {
      try {
        return accept(await api('POST', '/api/v1/auth/refresh', undefined, false));
      } catch (e) {
        return false;
      }
    });
  }

  function accept(pair) {
    state.token = pair.access_token;
    state.me = pair.user;
    clearTimeout(state.refreshTimer);
    // renew a minute before expiry (or at half-life for short tokens)
    const inMs = Math.max(5, Math.min(pair.expires_in - 60, pair.expires_in / 2)) * 1000;
    state.refreshTimer = setTimeout(async () => { if (!(await refresh())) signedOut(); }, inMs);
    return true;
  }

  function signedOut() {
    state.token = null;
    state.me = null;
    clearTimeout(state.refreshTimer);
    if (state.socket) state.socket.close();
    state.socket = null;
    $('signed-in').hidden = true;
    $('signed-out').hidden = false;
  }

  async function signedIn() {
    $('signed-out').hidden = true;
    $('signed-in').hidden = false;
    $('me-username').textContent = state.me.username;
    $('me-roles').textContent = (state.me.roles || []).filter((r) => r !== 'user').join(', ');
    $('profile-display').value = state.me.display_name;
    $('profile-bio').value = state.me.bio || '';
    connect();
    await Promise.all([loadFriends(), loadRequests()]);
  }

  function connect() {
    if (state.socket) state.socket.close();
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/user?token=${encodeURIComponent(state.token)}`);
    state.socket = ws;
    ws.onmessage = (m) => {
      const e = JSON.parse(m.data);
      if (e.type === 'presence') {
        const f = state.friends.get(e.user_id);
        if (f) {
          f.status = e.status;
          f.last_seen = e.last_seen;
          renderFriends();
        }
      } else if (e.type === 'friend_request') {
        loadRequests();
      } else if (e.type === 'friend_accepted') {
        loadFriends();
        loadRequests();
      }
    };
    ws.onclose = (c) => {
      if (state.socket !== ws) return;
      state.socket = null;
      if (c.code === 4403) { showError('This account was disabled.'); signedOut(); return; }
      // reconnect with a fresh token while signed in
      if (state.token) setTimeout(async () => { if (state.token && (await refresh())) connect(); }, 2000);
    };
  }

  function userLine(user, extra) {
    const li = document.createElement('li');
    li.dataset.id = user.id;
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = user.display_name;      // text, never markup
    const handle = document.createElement('span');
    handle.className = 'note';
    handle.textContent = ` @${user.username}`;
    if (extra) li.append(extra);
    li.append(name, handle);
    return li;
  }

  function renderFriends() {
    const list = $('friends');
    list.replaceChildren();
    for (const f of state.friends.values()) {
      const dot = document.createElement('span');
      dot.className = `dot ${f.status}`;
      dot.title = f.status;
      const li = userLine(f.user, dot);
      li.classList.add(f.status);
      if (f.status === 'offline' && f.last_seen) {
        const seen = document.createElement('span');
        seen.className = 'last-seen';
        seen.textContent = `last seen ${new Date(f.last_seen).toLocaleString()}`;
        li.append(seen);
      }
      const remove = button('Remove', async () => { await api('DELETE', `/api/v1/friends/${f.user.id}`); loadFriends(); });
      li.append(remove);
      list.append(li);
    }
  }

  function button(label, action) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'secondary';
    b.textContent = label;
    b.onclick = () => action().catch((e) => showError(e.message));
    return b;
  }

  async function loadFriends() {
    const r = await api('GET', '/api/v1/friends');
    state.friends = new Map(r.friends.map((f) => [f.user.id, f]));
    renderFriends();
  }

  async function loadRequests() {
    const r = await api('GET', '/api/v1/friends/requests');
    const list = $('requests');
    list.replaceChildren();
    for (const u of r.incoming) {
      const li = userLine(u);
      li.classList.add('incoming');
      li.append(button('Accept', async () => { await api('POST', `/api/v1/friends/requests/${u.id}/accept`); loadFriends(); loadRequests(); }),
        button('Decline', async () => { await api('POST', `/api/v1/friends/requests/${u.id}/decline`); loadRequests(); }));
      list.append(li);
    }
    for (const u of r.outgoing) {
      const li = userLine(u);
      li.classList.add('outgoing');
      li.append(document.createTextNode(' (asked)'));
      list.append(li);
    }
  }

  function form(id, handler) {
    $(id).addEventListener('submit', (ev) => {
      ev.preventDefault();
      showError('');
      handler().catch((e) => showError(e.message));
    });
  }

  form('signin-form', async () => {
    accept(await api('POST', '/api/v1/auth/login', { username: $('signin-username').value, password: $('signin-password').value }, false));
    $('signin-password').value = '';
    await signedIn();
  });
  form('signup-form', async () => {
    const body = { username: $('signup-username').value, password: $('signup-password').value };
    if ($('signup-display').value.trim()) body.display_name = $('signup-display').value;
    accept(await api('POST', '/api/v1/auth/register', body, false));
    $('signup-password').value = '';
    await signedIn();
  });
  form('profile-form', async () => {
    state.me = await api('PATCH', '/api/v1/users/me', { display_name: $('profile-display').value, bio: $('profile-bio').value });
    $('profile-saved').hidden = false;
  });
  form('search-form', async () => {
    const r = await api('GET', `/api/v1/users?q=${encodeURIComponent($('search-q').value)}`);
    const list = $('search-results');
    list.replaceChildren();
    for (const u of r.users.filter((x) => x.id !== state.me.id)) {
      const li = userLine(u);
      li.append(button('Add friend', async () => {
        const res = await api('POST', '/api/v1/friends/requests', { user_id: u.id });
        li.lastChild.replaceWith(document.createTextNode(res.status === 'accepted' ? ' (friends)' : ' (asked)'));
        loadRequests();
        loadFriends();
      }));
      list.append(li);
    }
  });
  $('signout').onclick = async () => {
    try { await api('POST', '/api/v1/auth/logout'); } catch (e) { /* signed out either way */ }
    signedOut();
  };

  (async () => {
    if (await refresh()) {
      await signedIn();
    } else {
      signedOut();
    }
    document.body.dataset.ready = '1';
  })().catch((e) => { showError(e.message); document.body.dataset.ready = '1'; });
})();
