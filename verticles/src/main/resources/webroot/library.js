// The music library page (issue 17): tracks, albums, artists, upload with a progress bar, an album
// page with its cover, a player with the track's waveform, the moderation queue for moderators, and
// "Identify" (issue 18: a few seconds from the microphone, recorded with MediaRecorder, named by the server),
// and "My Wave" (issue 18: the next tracks for me, played one after another, with like/dislike/skip).
// Signs in like the account page: the access token lives in memory, the HttpOnly refresh cookie
// renews it. Every name is set as text, never as markup.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { token: null, me: null, refreshTimer: null, socket: null, cursor: null, tracks: new Map(), album: null, playing: null, fromWave: false };
  window.chorusLibrary = state;

  function showError(message) {
    $('error').textContent = message || '';
    $('error').hidden = !message;
  }

  async function api(method, path, body, auth = true) {
    const headers = {};
    if (body !== undefined && !(body instanceof Blob) && !(body instanceof FormData)) headers['content-type'] = 'application/json';
    if (auth && state.token) headers.authorization = `Bearer ${state.token}`;
    const payload = body === undefined || body instanceof Blob || body instanceof FormData ? body : JSON.stringify(body);
    const r = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
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

  const isModerator = () => state.me && (state.me.roles || []).some((r) => r === 'moderator' || r === 'admin');

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function button(label, onClick, attrs = {}) {
    const b = el('button', label);
    b.type = 'button';
    Object.entries(attrs).forEach(([k, v]) => b.setAttribute(k, v));
    b.addEventListener('click', async () => {
      showError('');
      try { await onClick(); } catch (e) { showError(e.message); }
    });
    return b;
  }

  const duration = (ms) => (ms ? `${Math.floor(ms / 60000)}:${String(Math.round(ms / 1000) % 60).padStart(2, '0')}` : '');

  function trackItem(t, extra, playIt = () => play(t)) {
    state.tracks.set(t.id, t);
    const li = el('li');
    li.dataset.trackId = t.id;
    li.append(el('span', t.title, 'title'));
    if (t.artist && t.artist.name) li.append(el('span', ` — ${t.artist.name}`, 'muted'));
    if (t.duration_ms) li.append(el('span', ` (${duration(t.duration_ms)})`, 'muted'));
    if (t.status && t.status !== 'ready') li.append(el('span', t.status, `badge ${t.status}`));
    if (t.moderation && t.moderation !== 'approved') li.append(el('span', t.moderation, `badge ${t.moderation}`));
    if (t.status === 'failed' && t.failure_reason) li.append(el('span', ` ${t.failure_reason}`, 'muted'));
    li.append(button('Play', playIt, { 'data-action': 'play' }));
    if (extra) extra(li, t);
    return li;
  }

  // ---- tabs

  function show(tab) {
    document.querySelectorAll('.panel').forEach((p) => { p.hidden = true; });
    document.querySelectorAll('#tabs button').forEach((b) => b.classList.toggle('active', b.dataset.tab === tab));
    $(`panel-${tab}`).hidden = false;
    document.body.dataset.tab = tab;
    if (tab === 'tracks') return loadTracks(true);
    if (tab === 'albums') return loadAlbums();
    if (tab === 'artists') return loadArtists();
    if (tab === 'moderation') return loadModeration();
    if (tab === 'wave') return loadWave();
    return undefined;
  }

  // ---- tracks

  async function loadTracks(reset) {
    if (reset) {
      state.cursor = null;
      $('track-list').replaceChildren();
    }
    const q = new URLSearchParams({ limit: '50' });
    if ($('filter-artist').value.trim()) q.set('artist', $('filter-artist').value.trim());
    if ($('filter-album').value.trim()) q.set('album', $('filter-album').value.trim());
    if (state.cursor) q.set('cursor', state.cursor);
    const r = await api('GET', `/api/v1/tracks?${q}`);
    (r.tracks || []).forEach((t) => $('track-list').append(trackItem(t)));
    state.cursor = r.next_cursor || null;
    $('tracks-more').hidden = !state.cursor;
    document.body.dataset.tracks = String($('track-list').children.length);
  }

  // ---- albums

  async function loadAlbums() {
    const r = await api('GET', '/api/v1/albums?limit=100');
    const list = $('album-list');
    list.replaceChildren();
    (r.albums || []).forEach((a) => {
      const li = el('li');
      li.dataset.albumId = a.id;
      li.append(button(a.title, () => openAlbum(a.id), { 'data-action': 'open-album' }));
      if (a.artist && a.artist.name) li.append(el('span', ` — ${a.artist.name}`, 'muted'));
      if (a.moderation && a.moderation !== 'approved') li.append(el('span', a.moderation, `badge ${a.moderation}`));
      list.append(li);
    });
    document.body.dataset.albums = String(list.children.length);
  }

  async function openAlbum(id) {
    const r = await api('GET', `/api/v1/albums/${encodeURIComponent(id)}`);
    const a = r.album || r;
    state.album = a;
    document.querySelectorAll('.panel').forEach((p) => { p.hidden = true; });
    $('panel-album').hidden = false;
    document.body.dataset.tab = 'album';
    $('album-name').textContent = a.title;
    $('album-meta').textContent = [a.artist && a.artist.name, a.year].filter(Boolean).join(' · ');
    $('album-state').textContent = a.moderation && a.moderation !== 'approved' ? `moderation: ${a.moderation}` : '';
    const cover = $('album-cover');
    if (a.has_cover) {
      // an album not approved yet shows its cover to its owner only, and an <img> cannot send the token:
      // fetch it with the token and show the bytes
      const r = await fetch(`/api/v1/albums/${encodeURIComponent(a.id)}/cover?size=thumb`, { headers: { authorization: `Bearer ${state.token}` } });
      if (r.ok) {
        if (cover.src.startsWith('blob:')) URL.revokeObjectURL(cover.src);
        cover.src = URL.createObjectURL(await r.blob());
        cover.hidden = false;
      }
    } else {
      cover.hidden = true;
    }
    const list = $('album-tracks');
    list.replaceChildren();
    (a.tracks || []).forEach((t) => list.append(trackItem(t.track || t, (li, tr) => {
      li.append(button('Remove', async () => {
        await api('DELETE', `/api/v1/albums/${encodeURIComponent(a.id)}/tracks/${encodeURIComponent(tr.id)}`);
        await openAlbum(a.id);
      }));
    })));
    const mine = await api('GET', `/api/v1/tracks?owner=me&limit=100`);
    const select = $('album-add-track');
    select.replaceChildren();
    (mine.tracks || []).forEach((t) => { const o = el('option', t.title); o.value = t.id; select.append(o); });
    document.body.dataset.albumTracks = String(list.children.length);
  }

  /** Links from search results: #album=<id> opens the album, #artist=<name> lists the artist's tracks. */
  async function openLink() {
    const link = new URLSearchParams(location.hash.slice(1));
    if (link.get('album')) {
      await openAlbum(link.get('album'));
    } else if (link.get('artist')) {
      $('filter-artist').value = link.get('artist');
      $('filter-album').value = '';
      await show('tracks');
    }
  }

  // ---- artists

  async function loadArtists() {
    const r = await api('GET', '/api/v1/artists?limit=200');
    const list = $('artist-list');
    list.replaceChildren();
    (r.artists || []).forEach((a) => {
      const li = el('li');
      li.append(button(a.name, async () => {
        $('filter-artist').value = a.name;
        $('filter-album').value = '';
        await show('tracks');
      }));
      li.append(el('span', ` ${a.track_count || 0} tracks`, 'muted'));
      list.append(li);
    });
  }

  // ---- upload

  function upload(file, fields) {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      Object.entries(fields).forEach(([k, v]) => { if (v) form.append(k, v); });
      form.append('file', file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/v1/tracks');
      xhr.setRequestHeader('authorization', `Bearer ${state.token}`);
      const bar = $('upload-progress');
      bar.hidden = false;
      bar.value = 0;
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) {
          bar.value = e.loaded / e.total;
          document.body.dataset.uploadProgress = bar.value.toFixed(2);
        }
      };
      xhr.onload = () => {
        let json = null;
        try { json = JSON.parse(xhr.responseText); } catch (e) { json = null; }
        if (xhr.status >= 200 && xhr.status < 300) resolve(json);
        else reject(new Error(json && json.error ? json.error.message : `HTTP ${xhr.status}`));
      };
      xhr.onerror = () => reject(new Error('the upload failed (network)'));
      xhr.send(form);
    });
  }

  // ---- moderation

  // the queue, oldest first, a page at a time ("More" appends the next)
  async function loadModeration(fresh = true) {
    const cursor = fresh ? null : state.moderationCursor;
    const r = await api('GET', `/api/v1/moderation/queue?type=track${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const list = $('moderation-list');
    if (fresh) list.replaceChildren();
    state.moderationCursor = r.next_cursor || null;
    $('moderation-more').hidden = !state.moderationCursor;
    (r.items || r.tracks || []).forEach((item) => {
      const t = item.track || item;
      list.append(trackItem(t, (li) => {
        li.append(button('Approve', async () => { await decide(t.id, 'approve'); }, { 'data-action': 'approve' }));
        li.append(button('Reject', async () => {
          const reason = window.prompt('Reason for rejecting?', 'not suitable') || 'not suitable';
          await decide(t.id, 'reject', reason);
        }, { 'data-action': 'reject' }));
      }));
    });
    document.body.dataset.queue = String(list.children.length);
  }

  async function decide(id, decision, reason) {
    await api('POST', `/api/v1/moderation/tracks/${encodeURIComponent(id)}`, { decision, reason });
    await loadModeration();
  }

  // ---- identify by clip (issue 18): a few seconds from the microphone, POST /api/v1/identify

  const IDENTIFY_TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm', 'audio/mp4'];

  function record(seconds, onTick) {
    return navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } })
      .then((stream) => new Promise((resolve, reject) => {
        const type = IDENTIFY_TYPES.find((t) => window.MediaRecorder && MediaRecorder.isTypeSupported(t));
        const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
        const chunks = [];
        let left = seconds;
        const timer = setInterval(() => { left -= 1; onTick(Math.max(0, left)); }, 1000);
        const stopAll = () => { clearInterval(timer); stream.getTracks().forEach((t) => t.stop()); };
        recorder.ondataavailable = (e) => { if (e.data && e.data.size) chunks.push(e.data); };
        recorder.onerror = (e) => { stopAll(); reject(e.error || new Error('recording failed')); };
        recorder.onstop = () => { stopAll(); resolve(new Blob(chunks, { type: recorder.mimeType || type || 'application/octet-stream' })); };
        recorder.start(1000);
        onTick(left);
        setTimeout(() => { if (recorder.state !== 'inactive') recorder.stop(); }, seconds * 1000);
      }));
  }

  async function identify() {
    const start = $('identify-button');
    const status = $('identify-status');
    const list = $('identify-results');
    const seconds = Math.min(10, Math.max(5, Number($('identify-seconds').value) || 8));
    if (!navigator.mediaDevices || !window.MediaRecorder) throw new Error('this browser cannot record from a microphone');
    start.disabled = true;
    list.textContent = '';
    delete document.body.dataset.identifyMatch;
    document.body.dataset.identify = 'recording';
    try {
      const clip = await record(seconds, (left) => { status.textContent = `listening… ${left} s`; });
      document.body.dataset.identify = 'sending';
      document.body.dataset.identifyBytes = String(clip.size);
      status.textContent = 'identifying…';
      const r = await api('POST', '/api/v1/identify', clip);
      const matches = (r && r.matches) || [];
      if (!matches.length) {
        status.textContent = 'no match';
        document.body.dataset.identifyMatch = 'none';
      } else {
        status.textContent = matches.length === 1 ? 'found it' : `${matches.length} candidates, best first`;
        matches.forEach((m) => {
          const li = el('li');
          li.dataset.trackId = m.track_id;
          li.append(el('span', m.title, 'title'));
          if (m.artist) li.append(el('span', ` — ${m.artist}`, 'muted artist'));
          li.append(el('span', ` score ${m.score}`, 'badge score'));
          li.append(button('Play', () => play({ id: m.track_id }), { 'data-action': 'play' }));
          list.append(li);
        });
        document.body.dataset.identifyMatch = matches[0].track_id;
      }
      document.body.dataset.identify = 'done';
    } catch (e) {
      document.body.dataset.identify = 'error';
      status.textContent = '';
      throw e;
    } finally {
      start.disabled = false;
    }
  }

  // ---- My Wave: every answer is new (the server does not repeat what it served recently); a dislike or a
  // skip is stored before its answer, so the list that follows already leaves the track out

  const FEEDBACK = { like: 'Like', dislike: 'Dislike', skip: 'Skip' };

  async function loadWave() {
    const r = await api('GET', '/api/v1/wave?limit=20');
    const items = (r.tracks || []).map((t) => trackItem(t, (li) => {
      if (t.reason) li.append(el('span', t.reason, 'badge reason'));
      Object.entries(FEEDBACK).forEach(([event, label]) => li.append(button(label, () => feedback(t.id, event, li), { 'data-action': event })));
    }, () => play(t, true)));
    $('wave-list').replaceChildren(...items);
    $('wave-empty').hidden = items.length > 0;
    document.body.dataset.wave = String(items.length);
    document.body.dataset.waveLoads = String(Number(document.body.dataset.waveLoads || 0) + 1);
  }

  async function feedback(trackId, event, li) {
    await api('POST', '/api/v1/wave/feedback', { track_id: trackId, event });
    if (event === 'like' || event === 'finished') {
      const b = li && li.querySelector('button[data-action="like"]');
      if (b && event === 'like') { b.textContent = 'Liked'; b.disabled = true; }
      return;
    }
    if (state.playing && state.playing.id === trackId) $('audio').pause();
    await loadWave();
  }

  async function reportPlay() {
    if (!state.playing) return;
    const eventId = crypto.randomUUID ? crypto.randomUUID() : undefined;
    await api('POST', `/api/v1/tracks/${encodeURIComponent(state.playing.id)}/plays`, eventId ? { event_id: eventId } : {});
    document.body.dataset.playsReported = String(Number(document.body.dataset.playsReported || 0) + 1);
  }

  // a wave track that played to its end: the server hears "finished" and the next one starts
  async function waveEnded() {
    if (!state.fromWave || !state.playing) return;
    const id = state.playing.id;
    await feedback(id, 'finished', null);
    const items = [...$('wave-list').children];
    const at = items.findIndex((li) => li.dataset.trackId === id);
    const next = items[at + 1];
    if (next) await play(state.tracks.get(next.dataset.trackId), true);
  }

  // ---- player

  async function play(t, fromWave = false) {
    state.fromWave = fromWave;
    const fresh = await api('GET', `/api/v1/tracks/${encodeURIComponent(t.id)}`);
    const track = fresh.track || fresh;
    const format = track.status === 'ready' ? 'opus' : 'original';
    const signed = await api('POST', `/api/v1/tracks/${encodeURIComponent(t.id)}/stream-url?format=${format}`, { format });
    state.playing = track;
    $('player').hidden = false;
    $('player-title').textContent = track.title;
    $('player-artist').textContent = track.artist && track.artist.name ? track.artist.name : '';
    const audio = $('audio');
    // the page reports the play when the track ends (POST …/plays): the media element reads the file's tail to
    // find its duration and serves the end from its cache, so the server's count of responses cannot tell
    audio.src = `${signed.url}&count_play=false`;
    drawWaveform();
    try { await audio.play(); } catch (e) { /* autoplay may be refused; the controls remain */ }
    document.body.dataset.playing = track.id;
  }

  function drawWaveform() {
    const canvas = $('waveform');
    const ctx = canvas.getContext('2d');
    const peaks = (state.playing && state.playing.waveform) || [];
    const w = canvas.width;
    const h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    document.body.dataset.waveformBars = String(peaks.length);
    if (!peaks.length) return;
    const audio = $('audio');
    const played = audio.duration ? audio.currentTime / audio.duration : 0;
    const step = w / peaks.length;
    peaks.forEach((p, i) => {
      const bar = Math.max(1, p * h);
      ctx.fillStyle = i / peaks.length < played ? '#1971c2' : '#adb5bd';
      ctx.fillRect(i * step, (h - bar) / 2, Math.max(1, step - 0.5), bar);
    });
  }

  // ---- live status of my uploads (the user channel)

  function connect() {
    if (state.socket) state.socket.close();
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/user?token=${encodeURIComponent(state.token)}`);
    state.socket = ws;
    ws.onmessage = (m) => {
      let ev;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      if (ev.type !== 'track_status') return;
      const stage = ev.stage ? ` (${ev.stage}${ev.progress !== undefined ? ` ${Math.round(ev.progress * 100)}%` : ''})` : '';
      $('upload-status').textContent = `${ev.status}${stage}${ev.reason ? `: ${ev.reason}` : ''}`;
      document.body.dataset.lastStatus = ev.status;
      const li = document.querySelector(`li[data-track-id="${CSS.escape(ev.track_id)}"] .badge.processing`);
      if (li && ev.status !== 'processing') li.textContent = ev.status;
    };
    ws.onclose = () => { if (state.socket === ws) setTimeout(() => { if (state.token && state.socket === ws) connect(); }, 2000); };
  }

  // ---- wiring

  document.querySelectorAll('#tabs button').forEach((b) => b.addEventListener('click', async () => {
    showError('');
    try { await show(b.dataset.tab); } catch (e) { showError(e.message); }
  }));
  $('track-filter').addEventListener('submit', async (e) => {
    e.preventDefault();
    try { await loadTracks(true); } catch (err) { showError(err.message); }
  });
  $('tracks-more').addEventListener('click', () => loadTracks(false).catch((e) => showError(e.message)));
  $('moderation-more').addEventListener('click', () => loadModeration(false).catch((e) => showError(e.message)));
  $('album-create').addEventListener('submit', async (e) => {
    e.preventDefault();
    showError('');
    try {
      const body = { title: $('album-title').value.trim() };
      if ($('album-artist').value.trim()) body.artist = $('album-artist').value.trim();
      if ($('album-year').value) body.year = Number($('album-year').value);
      const r = await api('POST', '/api/v1/albums', body);
      $('album-title').value = '';
      await openAlbum((r.album || r).id);
    } catch (err) { showError(err.message); }
  });
  $('album-back').addEventListener('click', () => show('albums').catch((e) => showError(e.message)));
  $('album-add').addEventListener('submit', async (e) => {
    e.preventDefault();
    showError('');
    try {
      await api('POST', `/api/v1/albums/${encodeURIComponent(state.album.id)}/tracks`, { track_id: $('album-add-track').value });
      await openAlbum(state.album.id);
    } catch (err) { showError(err.message); }
  });
  $('album-cover-file').addEventListener('change', async () => {
    const file = $('album-cover-file').files[0];
    if (!file) return;
    showError('');
    try {
      await api('PUT', `/api/v1/albums/${encodeURIComponent(state.album.id)}/cover`, file);
      await openAlbum(state.album.id);
      document.body.dataset.coverUploaded = '1';
    } catch (err) { showError(err.message); }
  });
  $('upload-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    showError('');
    const file = $('upload-file').files[0];
    $('upload-button').disabled = true;
    $('upload-status').textContent = 'uploading…';
    try {
      const r = await upload(file, { title: $('upload-title').value.trim(), artist: $('upload-artist').value.trim(), album: $('upload-album').value.trim() });
      const t = r.track;
      document.body.dataset.uploaded = t.id;
      $('upload-status').textContent = r.duplicate ? `already in the library: ${t.title}` : `${t.status}: ${t.title}`;
    } catch (err) {
      showError(err.message);
      $('upload-status').textContent = '';
    } finally {
      $('upload-button').disabled = false;
    }
  });
  $('identify-button').addEventListener('click', async () => {
    showError('');
    try { await identify(); } catch (e) { showError(e.message || String(e)); }
  });
  $('audio').addEventListener('timeupdate', drawWaveform);
  $('audio').addEventListener('ended', () => reportPlay().then(waveEnded).catch((e) => showError(e.message)));
  $('wave-more').addEventListener('click', () => loadWave().catch((e) => showError(e.message)));
  $('waveform').addEventListener('click', (e) => {
    const audio = $('audio');
    if (!audio.duration) return;
    const rect = e.target.getBoundingClientRect();
    audio.currentTime = ((e.clientX - rect.left) / rect.width) * audio.duration;
  });

  (async () => {
    if (await refresh()) {
      $('tabs').hidden = false;
      $('tab-moderation').hidden = !isModerator();
      connect();
      try { await show('tracks'); await openLink(); } catch (e) { showError(e.message); }
      window.addEventListener('hashchange', () => openLink().catch((e) => showError(e.message)));
    } else {
      $('signed-out').hidden = false;
    }
    document.body.dataset.ready = '1';
  })();
})();
