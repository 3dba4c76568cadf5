// The messenger page (seed 003): my chats newest first with unread counts, a chat's history (older pages on
// demand), sending with a client_message_id so a retried send is never a duplicate, live messages, edits,
// deletions, reactions, read receipts and typing from the user channel (/ws/user), replies quoting the message they
// answer, attachments, catching up after a reconnect by seq; a search over my chats whose results open the chat at the
// message found.
// Signs in like the account page: the access token lives in memory, the HttpOnly refresh cookie renews it.
// Attachments: the file picker uploads each file (the raw bytes, POST .../attachments?name=), the send names them;
// images show inline, audio and video with a player, other files as a download link with name and size, all through
// the signed URL each attachment carries (an <img> cannot send the Bearer token).
// Every name and message is set as text, never as markup.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { token: null, me: null, refreshTimer: null, socket: null, conversations: new Map(), friends: [],
    open: null, messages: new Map(), oldest: null, newest: 0, readBy: new Map(), replyTo: null, typing: new Map(), typedAt: 0, pending: [] };
  window.chorusMessages = state;

  function showError(message) {
    $('error').textContent = message || '';
    $('error').hidden = !message;
  }

  async function api(method, path, body, auth = true) {
    const headers = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && state.token) headers.authorization = `Bearer ${state.token}`;
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
    if (!r.ok) {
      const err = new Error(json && json.error ? json.error.message : `HTTP ${r.status}`);
      err.status = r.status;
      throw err;
    }
    return json;
  }

  const withLock = (fn) => (navigator.locks ? navigator.locks.request('chorus-refresh', fn) : fn());

  async function refresh() {
    return withLock(async () => {
      try {
        const pair = await api('POST', '/api/v1/auth/refresh', undefined, false);
        state.token = pair.access_token;
        state.me = pair.user;
        clearTimeout(state.refreshTimer);
        const inMs = Math.max(5, Math.min(pair.expires_in - 60, pair.expires_in / 2)) * 1000;
        state.refreshTimer = setTimeout(async () => { if (!(await refresh())) location.reload(); }, inMs);
        return true;
      } catch (e) {
        return false;
      }
    });
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function button(label, action, cls = 'secondary') {
    const b = el('button', label, cls);
    b.type = 'button';
    b.onclick = (ev) => { ev.stopPropagation(); showError(''); action().catch((e) => showError(e.message)); };
    return b;
  }

  const memberName = (c, userId) => {
    const m = (c.members || []).find((x) => x.user.id === userId);
    return m ? nameOf(m.user) : 'someone';
  };
  const nameOf = (user) => user.display_name || (user.disabled ? 'disabled account' : user.id);
  const titleOf = (c) => {
    if (c.type === 'group') return c.title;
    const other = (c.members || []).find((m) => m.user.id !== state.me.id);
    return other ? nameOf(other.user) : 'just you';
  };

  // ---- chats

  async function loadConversations() {
    const r = await api('GET', '/api/v1/conversations?limit=200');
    state.conversations = new Map(r.conversations.map((c) => [c.id, c]));
    renderConversations();
  }

  function renderConversations() {
    const list = $('conversations');
    list.replaceChildren();
    for (const c of state.conversations.values()) {
      const li = el('li');
      li.dataset.id = c.id;
      if (state.open && state.open.id === c.id) li.classList.add('open');
      const last = c.last_message;
      li.append(el('span', titleOf(c), 'title'),
        el('span', last ? (last.deleted ? 'message deleted' : preview(last)) : '', 'preview'));
      if (c.unread_count > 0 && !(state.open && state.open.id === c.id)) li.append(el('span', c.unread_count, 'unread'));
      li.onclick = () => openConversation(c.id).catch((e) => showError(e.message));
      list.append(li);
    }
  }

  async function loadFriends() {
    const r = await api('GET', '/api/v1/friends');
    const list = $('friends');
    list.replaceChildren();
    for (const f of r.friends) {
      const li = el('li');
      li.dataset.id = f.user.id;
      const pick = el('input');
      pick.type = 'checkbox';
      pick.value = f.user.id;
      li.append(pick, el('span', f.user.display_name, 'name'), el('span', ` @${f.user.username}`, 'note'),
        button('Message', async () => {
          const c = await api('POST', '/api/v1/conversations', { type: 'direct', user_id: f.user.id });
          await loadConversations();
          await openConversation(c.id);
        }));
      list.append(li);
    }
  }

  // ---- one chat

  async function openConversation(id) {
    const c = await api('GET', `/api/v1/conversations/${id}`);
    state.open = c;
    // uploads belong to the conversation they were made in
    state.pending = [];
    renderPending();
    state.messages = new Map();
    state.oldest = null;
    state.newest = 0;
    state.readBy = new Map((c.members || []).filter((m) => m.user.id !== state.me.id).map((m) => [m.user.id, m.last_read_seq || 0]));
    cancelReply();
    for (const uid of [...state.typing.keys()]) showTyping(uid, false);
    $('conversation').hidden = false;
    $('conversation').dataset.id = id;
    $('conversation-title').textContent = titleOf(c);
    $('conversation-members').textContent = (c.members || []).map((m) => nameOf(m.user) + (m.role === 'owner' ? ' (owner)' : '')).join(', ');
    $('message-list').replaceChildren();
    await loadOlder();
    renderConversations();
    $('message-text').focus();
  }

  async function loadOlder() {
    const c = state.open;
    const before = state.oldest ? `&before_seq=${state.oldest}` : '';
    const r = await api('GET', `/api/v1/conversations/${c.id}/messages?limit=50${before}`);
    // newest first from the server: shown oldest first
    const page = r.messages.slice().sort((a, b) => a.seq - b.seq);
    for (const m of page.reverse()) put(m, true);
    $('older').hidden = !r.has_more;
    await markRead();
  }

  async function catchUp() {
    const c = state.open;
    if (!c) return;
    for (;;) {
      const r = await api('GET', `/api/v1/conversations/${c.id}/messages?after_seq=${state.newest}&limit=200`);
      for (const m of r.messages) put(m, false);
      if (!r.has_more) break;
    }
    await markRead();
  }

  function put(m, atTop) {
    if (!state.open || m.conversation_id !== state.open.id) return;
    const list = $('message-list');
    const li = el('li');
    li.dataset.id = m.id;
    li.dataset.seq = m.seq;
    if (m.sender_id === state.me.id) li.classList.add('mine');
    if (m.deleted) li.classList.add('deleted');
    if (m.reply_to && !m.deleted) {
      const q = el('blockquote', null, 'quote');
      q.dataset.replyTo = m.reply_to.id;
      q.append(el('span', memberName(state.open, m.reply_to.sender_id), 'quote-author'),
        el('span', m.reply_to.deleted ? 'message deleted' : m.reply_to.text, 'quote-text'));
      li.append(q);
    }
    li.append(el('span', memberName(state.open, m.sender_id), 'author'));
    if (m.deleted || m.text !== null) li.append(el('span', m.deleted ? 'message deleted' : m.text, 'text'));
    if (!m.deleted && m.attachments && m.attachments.length) li.append(attachmentsOf(m));
    if (m.edited_at && !m.deleted) li.append(el('span', '(edited)', 'edited'));
    if (!m.deleted) li.append(reactions(m));
    if (!m.deleted) li.append(button('Reply', async () => replyTo(m), 'secondary reply'));
    if (m.sender_id === state.me.id && !m.deleted) {
      li.append(button('Delete', () => api('DELETE', `/api/v1/conversations/${m.conversation_id}/messages/${m.id}`), 'secondary delete'));
    }
    const old = state.messages.get(m.id);
    state.messages.set(m.id, m);
    if (old) {
      list.querySelector(`li[data-id="${CSS.escape(m.id)}"]`).replaceWith(li);
    } else if (atTop) {
      list.prepend(li);
    } else {
      // keep seq order if a live event overtook a fetched page
      const after = [...list.children].find((x) => Number(x.dataset.seq) > m.seq);
      list.insertBefore(li, after || null);
      li.scrollIntoView({ block: 'nearest' });
    }
    state.oldest = state.oldest === null ? m.seq : Math.min(state.oldest, m.seq);
    state.newest = Math.max(state.newest, m.seq);
    renderSeen();
  }

  // ---- reactions: a chip per emoji (mine highlighted; a click gives or takes back mine) and a small palette

  const PALETTE = ['👍', '❤️', '😂', '😮', '😢', '🎉'];

  function react(m, emoji, add) {
    return api(add ? 'PUT' : 'DELETE', `/api/v1/conversations/${m.conversation_id}/messages/${m.id}/reactions/${encodeURIComponent(emoji)}`)
      .then((updated) => put(updated, false));
  }

  function reactions(m) {
    const box = el('span', null, 'reactions');
    for (const r of m.reactions || []) {
      const mine = r.user_ids.includes(state.me.id);
      const chip = button(`${r.emoji} ${r.count}`, () => react(m, r.emoji, !mine), mine ? 'chip mine' : 'chip');
      chip.dataset.emoji = r.emoji;
      chip.title = r.user_ids.map((id) => memberName(state.open, id)).join(', ');
      box.append(chip);
    }
    const palette = el('span', null, 'palette');
    palette.hidden = true;
    for (const e of PALETTE) {
      const b = button(e, () => react(m, e, true), 'pick');
      b.dataset.emoji = e;
      palette.append(b);
    }
    box.append(button('☺+', async () => { palette.hidden = !palette.hidden; }, 'secondary add-reaction'), palette);
    return box;
  }

  // a reply's quote shows the answered message as it is now: an edit or a deletion of it re-renders its replies
  function requote(changed) {
    for (const m of [...state.messages.values()]) {
      if (m.reply_to && m.reply_to.id === changed.id) {
        put({ ...m, reply_to: { ...m.reply_to, text: changed.deleted ? null : [...changed.text].slice(0, 200).join(''), deleted: changed.deleted } }, false);
      }
    }
  }

  function replyTo(m) {
    state.replyTo = m;
    $('reply-author').textContent = memberName(state.open, m.sender_id);
    $('reply-text').textContent = m.text;
    $('replying').hidden = false;
    $('message-text').focus();
  }

  function cancelReply() {
    state.replyTo = null;
    $('replying').hidden = true;
  }

  // ---- typing: sent at most every 2 s while the user types; shown for 5 s or until that member's message

  function typed() {
    const c = state.open;
    if (!c || Date.now() - state.typedAt < 2000) return;
    state.typedAt = Date.now();
    api('POST', `/api/v1/conversations/${c.id}/typing`).catch(() => {});
  }

  function showTyping(userId, on) {
    clearTimeout(state.typing.get(userId));
    if (on) state.typing.set(userId, setTimeout(() => showTyping(userId, false), 5000));
    else state.typing.delete(userId);
    const names = [...state.typing.keys()].map((id) => memberName(state.open, id));
    $('typing').textContent = names.length === 0 ? '' : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`;
  }

  // "seen" under my newest message every other member has read
  function renderSeen() {
    document.querySelectorAll('#message-list .seen').forEach((x) => x.remove());
    if (!state.open || state.readBy.size === 0) return;
    const readUpTo = Math.min(...state.readBy.values());
    const mine = [...state.messages.values()].filter((m) => m.sender_id === state.me.id && m.seq <= readUpTo);
    if (!mine.length) return;
    const last = mine.reduce((a, b) => (a.seq > b.seq ? a : b));
    const li = document.querySelector(`#message-list li[data-id="${CSS.escape(last.id)}"]`);
    if (li) li.append(el('span', 'seen', 'seen'));
  }

  async function markRead() {
    const c = state.open;
    if (!c || state.newest === 0 || document.hidden) return;
    await api('POST', `/api/v1/conversations/${c.id}/read`, { seq: state.newest });
    const known = state.conversations.get(c.id);
    if (known) known.unread_count = 0;
  }

  // ---- attachments

  function size(n) {
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
  }

  function preview(m) {
    if (m.text !== null && m.text !== undefined) return m.text;
    const a = (m.attachments || [])[0];
    return a ? `📎 ${a.name}` : '';
  }

  // each attachment by its type; the URL is the signed one (no header needed), names and sizes as text
  function attachmentsOf(m) {
    const box = el('div', undefined, 'attachments');
    for (const a of m.attachments) {
      const item = el('div', undefined, 'attachment');
      const type = a.content_type || '';
      if (a.url && /^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(type)) {
        const link = el('a');
        link.href = a.url;
        link.target = '_blank';
        link.rel = 'noopener';
        const img = el('img', undefined, 'thumb');
        img.src = a.url;
        img.alt = a.name;
        img.loading = 'lazy';
        link.append(img);
        item.append(link);
      } else if (a.url && /^(audio|video)\//.test(type)) {
        const player = el(type.startsWith('audio/') ? 'audio' : 'video');
        player.controls = true;
        player.preload = 'metadata';
        player.src = a.url;
        item.append(player, el('span', `${a.name} (${size(a.size)})`, 'file-meta'));
      } else {
        const link = el('a', a.name, 'file');
        if (a.url) link.href = a.url;
        link.download = a.name;
        item.append(link, el('span', ` (${size(a.size)})`, 'file-meta'));
      }
      box.append(item);
    }
    return box;
  }

  function renderPending() {
    const list = $('pending');
    list.replaceChildren();
    state.pending.forEach((p, i) => {
      const li = el('li', `${p.name} (${size(p.size)})${p.id ? '' : ' — uploading…'}`);
      li.append(button('×', () => { state.pending.splice(i, 1); renderPending(); }));
      list.append(li);
    });
  }

  // uploads now, so the send only names the ids; the picked files are sent with the next message
  async function upload(file) {
    const c = state.open;
    const p = { name: file.name, size: file.size, id: null };
    state.pending.push(p);
    renderPending();
    try {
      const r = await fetch(`/api/v1/conversations/${c.id}/attachments?name=${encodeURIComponent(file.name)}`, {
        method: 'POST', body: file, credentials: 'same-origin',
        headers: { authorization: `Bearer ${state.token}`, 'content-type': file.type || 'application/octet-stream' } });
      const json = await r.json().catch(() => null);
      if (!r.ok) throw new Error(json && json.error ? `${file.name}: ${json.error.message}` : `${file.name}: HTTP ${r.status}`);
      p.id = json.id;
    } catch (e) {
      state.pending.splice(state.pending.indexOf(p), 1);
      throw e;
    } finally {
      renderPending();
    }
  }

  async function send(text) {
    const c = state.open;
    const ids = state.pending.filter((p) => p.id).map((p) => p.id);
    const body = { client_message_id: crypto.randomUUID() };
    if (text.trim()) body.text = text;
    if (ids.length) body.attachment_ids = ids;
    if (state.replyTo) body.reply_to = state.replyTo.id;
    let m;
    try {
      m = await api('POST', `/api/v1/conversations/${c.id}/messages`, body);
    } catch (e) {
      if (e.status) throw e;
      // the network failed, not the server: the same client_message_id makes the retry safe
      m = await api('POST', `/api/v1/conversations/${c.id}/messages`, body);
    }
    state.pending = [];
    renderPending();
    put(m, false);
    cancelReply();
  }

  // ---- search over my messages (GET /api/v1/conversations/search): matches newest first, a page at a time

  // the text with the answer's highlights ([start, end) in UTF-16 units) as <mark>s, every piece set as text
  function marked(text, highlights) {
    const span = el('span', undefined, 'text');
    let at = 0;
    for (const [from, to] of highlights || []) {
      if (from < at || to > text.length) continue;
      span.append(document.createTextNode(text.slice(at, from)), el('mark', text.slice(from, to)));
      at = to;
    }
    span.append(document.createTextNode(text.slice(at)));
    return span;
  }

  async function searchMessages(more) {
    const q = $('message-search').value.trim();
    const list = $('message-search-results');
    if (!more) {
      list.replaceChildren();
      state.searchNext = null;
      state.searchQuery = q;
    }
    if (!state.searchQuery) {
      list.hidden = true;
      $('message-search-more').hidden = true;
      $('message-search-note').hidden = true;
      return;
    }
    const before = more && state.searchNext ? `&before=${encodeURIComponent(state.searchNext)}` : '';
    const r = await api('GET', `/api/v1/conversations/search?q=${encodeURIComponent(state.searchQuery)}&limit=20${before}`);
    for (const hit of r.results) {
      const c = hit.conversation;
      const li = el('li');
      li.dataset.conversation = c.id;
      li.dataset.seq = hit.message.seq;
      const name = c.type === 'group' ? c.title : (c.peer ? nameOf(c.peer) : 'just you');
      li.append(el('span', name, 'title'), el('span', nameOf(hit.sender), 'author'),
        el('time', new Date(hit.message.created_at).toLocaleString(), 'time'), marked(hit.message.text, hit.highlights));
      li.onclick = () => openAt(c.id, hit.message.id, hit.message.seq).catch((e) => showError(e.message));
      list.append(li);
    }
    state.searchNext = r.next_before;
    list.hidden = list.children.length === 0;
    $('message-search-note').textContent = list.children.length === 0 ? 'No message matches.' : '';
    $('message-search-note').hidden = list.children.length !== 0;
    $('message-search-more').hidden = !r.next_before;
  }

  // opens a chat and loads older pages until the found message is shown (a few pages at most), then points at it
  async function openAt(conversationId, messageId, seq) {
    await openConversation(conversationId);
    for (let pages = 0; pages < 20 && !state.messages.has(messageId) && !$('older').hidden && state.oldest > seq; pages++) {
      await loadOlder();
    }
    const li = document.querySelector(`#message-list li[data-id="${CSS.escape(messageId)}"]`);
    if (li) {
      li.classList.add('found');
      li.scrollIntoView({ block: 'center' });
    }
  }

  // ---- live events (the user channel)

  function onEvent(ev) {
    const open = state.open && ev.conversation_id === state.open.id;
    if (ev.type === 'message') {
      const known = state.conversations.get(ev.conversation_id);
      if (open) {
        put(ev.message, false);
        if (state.typing.has(ev.message.sender_id)) showTyping(ev.message.sender_id, false);
        markRead().catch((e) => showError(e.message));
      }
      if (known) {
        known.last_message = ev.message;
        if (!open && ev.message.sender_id !== state.me.id) known.unread_count = (known.unread_count || 0) + 1;
        state.conversations.delete(known.id);
        state.conversations = new Map([[known.id, known], ...state.conversations]);
        renderConversations();
      } else {
        loadConversations().catch((e) => showError(e.message));
      }
    } else if (ev.type === 'message_edited' || ev.type === 'message_deleted') {
      if (open && state.messages.has(ev.message.id)) put(ev.message, false);
      if (open) requote(ev.message);
      if (open && ev.message.deleted && state.replyTo && state.replyTo.id === ev.message.id) cancelReply();
      loadConversations().catch((e) => showError(e.message));
    } else if (ev.type === 'read') {
      if (open && ev.user_id !== state.me.id) {
        state.readBy.set(ev.user_id, Math.max(state.readBy.get(ev.user_id) || 0, ev.seq));
        renderSeen();
      } else if (ev.user_id === state.me.id) {
        const known = state.conversations.get(ev.conversation_id);
        if (known && known.unread_count) { known.unread_count = 0; renderConversations(); }
      }
    } else if (ev.type === 'reaction') {
      const known = open && state.messages.get(ev.message_id);
      if (known) put({ ...known, reactions: ev.reactions }, false);
    } else if (ev.type === 'typing') {
      if (open && ev.user_id !== state.me.id) showTyping(ev.user_id, true);
    } else if (ev.type === 'conversation') {
      loadConversations().then(() => {
        if (open && !state.conversations.has(ev.conversation_id)) {
          state.open = null;
          $('conversation').hidden = true;
        } else if (open) {
          return api('GET', `/api/v1/conversations/${ev.conversation_id}`).then((c) => {
            state.open = c;
            $('conversation-title').textContent = titleOf(c);
          });
        }
        return null;
      }).catch((e) => showError(e.message));
    }
  }

  function connect() {
    if (state.socket) state.socket.close();
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/user?token=${encodeURIComponent(state.token)}`);
    state.socket = ws;
    let reconnect = false;
    ws.onopen = () => {
      document.body.dataset.live = '1';
      // what was sent while the socket was away
      if (state.reconnecting) Promise.all([loadConversations(), catchUp()]).catch((e) => showError(e.message));
      state.reconnecting = false;
    };
    ws.onmessage = (m) => {
      let ev;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      onEvent(ev);
    };
    ws.onclose = (c) => {
      if (state.socket !== ws || reconnect) return;
      reconnect = true;
      delete document.body.dataset.live;
      state.reconnecting = true;
      if (c.code === 4403) { showError('This account was disabled.'); return; }
      setTimeout(async () => { if (state.socket === ws && (await refresh())) connect(); }, 2000);
    };
  }

  // ---- wiring

  $('message-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = $('message-text').value;
    if (state.pending.some((p) => !p.id)) { showError('wait for the uploads to finish'); return; }
    if ((!text.trim() && !state.pending.length) || !state.open) return;
    showError('');
    send(text).then(() => { $('message-text').value = ''; }, (e) => showError(e.message));
  });
  $('message-text').addEventListener('input', typed);
  $('reply-cancel').addEventListener('click', cancelReply);
  $('message-files').addEventListener('change', (ev) => {
    const files = [...ev.target.files];
    ev.target.value = '';
    if (!state.open) return;
    showError('');
    if (state.pending.length + files.length > 10) { showError('at most 10 attachments per message'); return; }
    Promise.all(files.map((f) => upload(f))).catch((e) => showError(e.message));
  });
  $('message-search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    showError('');
    searchMessages(false).catch((e) => showError(e.message));
  });
  $('message-search-more').addEventListener('click', () => searchMessages(true).catch((e) => showError(e.message)));
  $('older').addEventListener('click', () => loadOlder().catch((e) => showError(e.message)));
  $('group-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    showError('');
    const ids = [...document.querySelectorAll('#friends input[type=checkbox]:checked')].map((x) => x.value);
    api('POST', '/api/v1/conversations', { type: 'group', title: $('group-title').value, user_ids: ids })
      .then(async (c) => { $('group-title').value = ''; await loadConversations(); await openConversation(c.id); })
      .catch((e) => showError(e.message));
  });
  document.addEventListener('visibilitychange', () => markRead().catch(() => {}));

  (async () => {
    if (await refresh()) {
      $('inbox').hidden = false;
      connect();
      try { await Promise.all([loadConversations(), loadFriends()]); } catch (e) { showError(e.message); }
    } else {
      $('signed-out').hidden = false;
    }
    document.body.dataset.ready = '1';
  })();
})();
