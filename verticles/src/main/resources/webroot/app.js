/*
 * Chorus listen-together page.
 *
 * - Create: POST /api/v1/listen/rooms {host_id, host_name, track_url} -> {room_id, token}.
 * - Presence: the seed WebSocket /ws?room_id&user_id&user_name[&token] joins the room (a new
 *   listener gets its participant token in room_info) and holds the participant's presence.
 * - Room events (play/pause/seek, user_joined/left, host_changed, track_changed) arrive through the
 *   SockJS event-bus bridge: registerHandler('client.room.<ID>', {token}). Events the WebSocket also
 *   carries are de-duplicated, so none is lost in the moment before the bridge registration is live.
 * - Host controls: bridge SEND client.room-control {room_id, action, position} with headers {token}.
 * - Clock: NTP-style over bridge SEND client.clock, several samples, the lowest-delay one kept.
 * - Track: the host sets or changes it with PUT /api/v1/rooms/:id/track {track_url} (Bearer token);
 *   every member gets track_changed. A room made without a track (REST, gRPC) shows a note, not an error.
 * - Chat: WS /ws/chat/:room?token=&after=<last seq seen> (history, then live events; a reconnect
 *   passes the last seq, so missed messages arrive once, then reads the newest page over REST for
 *   edits and deletions made meanwhile); messages are sent, edited and deleted
 *   over the REST chat API. Messages are kept by id, so a message never shows twice.
 * - A room made through REST/gRPC is opened as its host with /?room=<ID>#token=<participant token>.
 * - The <audio> element follows the room's playback state: position = position_ms +
 *   (server_now - updated_at) * rate. Host and listeners run the same code (see follow()):
 *   a start or seek aims at where the room will be when the element's media clock actually runs
 *   (its start-up latency, learned per page from its own starts); once the clock runs the start is
 *   checked and, if off, corrected once; filtered drift readings drive playbackRate nudges with
 *   hysteresis (start above DRIFT_START, stop near 0), without pitch preservation; only drift above
 *   SEEK_DRIFT seeks.
 *
 * User-provided text is only ever displayed through textContent.
 */
(function () {
  'use strict';

  var SEEK_DRIFT = 0.3;        // s: seek when further off than this
  var DRIFT_START = 0.012;     // s: start nudging when the filtered drift exceeds this...
  var DRIFT_STOP = 0.0025;     // s: ...and stop once it is back within this (hysteresis: no parking at an edge)
  var MAX_NUDGE = 0.05;        // playbackRate in [1 - MAX_NUDGE, 1 + MAX_NUDGE]
  var MIN_NUDGE = 0.005;       // a nudge never gets so small that it stalls short of DRIFT_STOP
  var NUDGE_HORIZON = 0.6;     // s: a nudge aims to close the gap in about this long
  var DRIFT_WINDOW = 5;        // readings in the median filter
  var START_LATENCY_DEFAULT = 0.12;   // s: until this page has measured its own element (see checkStart)
  var START_CHECK_TOLERANCE = 0.02;   // s: a start further off than this is corrected by a seek...
  var START_VERIFY_AFTER = 0.25;   // s of running before a start is verified
  var START_CORRECTIONS = 2;   // ...at most this many times in a row (a loaded machine can stall a start)
  var START_TIMEOUT_MS = 3000; // a start whose clock never runs is given up (autoplay refused, stalled)
  var SYNC_INTERVAL_MS = 100;
  var CLOCK_SAMPLES = 8;
  var CLOCK_RESYNC_MS = 30000;
  var WS_GRACE_MS = 300;       // see handleEvent

  var $ = function (id) { return document.getElementById(id); };
  var audio = $('player');

  var state = {
    roomId: null,
    userId: null,
    userName: '',
    token: null,
    hostId: null,
    users: new Map(),          // id -> {id, name, is_host}
    playback: null,            // {track_url, status, position_ms, updated_at, rate, version}
    clock: { offset: 0, delay: Infinity, samples: 0 },
    ws: null,
    eb: null,
    bridgeRegistered: false,
    seen: new Set(),
    leaving: false,
    seeking: false,            // the host drags the slider
    counts: { bridge: 0, ws: 0 },
    lastDrift: null,
    ready: false,
    sync: {
      // learned start-up latency (s) per kind of start: 'play' (from paused) and 'seek' (while playing)
      latency: { play: [], seek: [] },
      pending: null,           // {kind, at (performance.now ms), from (s), corrected}: a start waiting for the clock
      readings: [],            // [{drift (s), integral}] for the median filter
      integral: 0,             // ∫(playbackRate - 1) dt (s), to carry older readings forward to now
      integralAt: 0,
      correcting: 0,           // 0, or the sign of the drift being corrected
      filtered: null,
      starts: 0, corrections: 0, seeks: 0, nudges: 0,
      lastStart: null,         // {kind, latencyMs, aimedMs, errorMs, corrected}
      history: []              // the last starts, for tests and the benchmark
    },
    chat: {
      ws: null,
      messages: new Map(),     // id -> message, the room's chat as this page knows it
      lastSeq: 0,              // the cursor for the next reconnect
      connects: 0,
      synced: false,
      held: false,             // test hook: reconnects wait while true
      retry: null,
      editing: null            // id of the own message being edited
    }
  };
  // for tests and debugging: a read-only view of the state
  window.chorus = {
    get ready() { return state.ready; },
    get roomId() { return state.roomId; },
    get userId() { return state.userId; },
    get isHost() { return isHost(); },
    get clock() { return Object.assign({}, state.clock); },
    get playback() { return state.playback && Object.assign({}, state.playback); },
    get events() { return Object.assign({}, state.counts); },
    get drift() { return state.lastDrift; },
    get queue() { return (state.queue || []).slice(); },
    get readySent() { return state.readySent; },
    /** The sync algorithm's state: learned start-up latencies, corrections, the filtered drift. */
    get sync() {
      var y = state.sync;
      return {
        startLatencyMs: { play: Math.round(startLatency('play') * 1000), seek: Math.round(startLatency('seek') * 1000) },
        measured: { play: y.latency.play.length, seek: y.latency.seek.length },
        lastStart: y.lastStart && Object.assign({}, y.lastStart),
        history: y.history.slice(),
        filteredDriftMs: y.filtered === null ? null : y.filtered * 1000,
        correcting: y.correcting !== 0, pending: !!y.pending,
        starts: y.starts, corrections: y.corrections, seeks: y.seeks, nudges: y.nudges,
        rate: audio.playbackRate
      };
    },
    targetPosition: function () { return targetSeconds(); },
    get chat() {
      return { lastSeq: state.chat.lastSeq, connects: state.chat.connects, synced: state.chat.synced,
        open: !!(state.chat.ws && state.chat.ws.readyState === WebSocket.OPEN), count: state.chat.messages.size };
    },
    /** Test hook: drops the chat socket as a network loss would; it reconnects once resumeChat() is called. */
    dropChat: function () {
      state.chat.held = true;
      if (state.chat.ws) state.chat.ws.close(4000, 'dropped');
    },
    resumeChat: function () {
      state.chat.held = false;
      scheduleChat(0);
    }
  };

  // ---------- helpers ----------

  function randomId() {
    var b = new Uint8Array(8);
    crypto.getRandomValues(b);
    return 'u-' + Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  function userId() {
    var id = sessionStorage.getItem('chorus.user');
    if (!id) {
      id = randomId();
      sessionStorage.setItem('chorus.user', id);
    }
    return id;
  }

  function showError(message) {
    var el = $('error');
    el.textContent = message;
    el.hidden = !message;
  }

  function fmt(seconds) {
    if (!isFinite(seconds) || seconds < 0) return '–:––';
    var s = Math.floor(seconds);
    return Math.floor(s / 60) + ':' + ('0' + (s % 60)).slice(-2);
  }

  function isHost() {
    return state.userId !== null && state.userId === state.hostId;
  }

  /** A track URL the page may load: http(s) or same-origin relative; anything else is refused. */
  function safeTrackUrl(url) {
    if (typeof url !== 'string' || !url) return null;
    try {
      var u = new URL(url, location.href);
      return (u.protocol === 'http:' || u.protocol === 'https:') ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  // ---------- clock ----------

  function serverNow() {
    return Date.now() + state.clock.offset;
  }

  function clockSample() {
    return new Promise(function (resolve, reject) {
      var t0 = Date.now();
      try {
        state.eb.send('client.clock', { t0: t0 }, function (err, msg) {
          var t3 = Date.now();
          if (err) { reject(err); return; }
          var b = msg.body;
          resolve({ offset: ((b.t1 - t0) + (b.t2 - t3)) / 2, delay: (t3 - t0) - (b.t2 - b.t1) });
        });
      } catch (e) {
        reject(e);
      }
    });
  }

  function syncClock() {
    var best = null;
    var i = 0;
    function next() {
      if (i++ >= CLOCK_SAMPLES) {
        if (best) {
          state.clock = { offset: best.offset, delay: best.delay, samples: CLOCK_SAMPLES };
          $('clock').textContent = Math.round(best.offset) + ' ms (rtt ' + Math.round(best.delay) + ' ms)';
        }
        return Promise.resolve(best);
      }
      return clockSample().then(function (s) {
        if (!best || s.delay < best.delay) best = s;
        return new Promise(function (r) { setTimeout(r, 20); }).then(next);
      });
    }
    return next();
  }

  // ---------- playback ----------

  /** The room's position (s) now, or aheadMs from now. */
  function targetSeconds(aheadMs) {
    var p = state.playback;
    if (!p) return 0;
    var ms = p.position_ms;
    if (p.status === 'play') ms += (serverNow() + (aheadMs || 0) - p.updated_at) * (p.rate || 1);
    return Math.max(0, ms / 1000);
  }

  function applyPlayback(pb, version) {
    if (!pb) return;
    var v = typeof version === 'number' ? version : pb.version;
    if (state.playback && v < state.playback.version) return;   // an older event: ignore
    var oldUrl = state.playback && state.playback.track_url;
    state.playback = {
      track_url: pb.track_url, status: pb.status, position_ms: pb.position_ms,
      updated_at: pb.updated_at, rate: pb.rate || 1, version: v, track_version: pb.track_version
    };
    if (pb.track_url !== oldUrl || !audio.getAttribute('src')) {
      var url = safeTrackUrl(pb.track_url);
      if (url) {
        if (audio.src !== url) {
          audio.src = url;
          audio.load();
        }
        $('track-note').hidden = true;
      } else {
        audio.removeAttribute('src');
        renderTrackNote(pb.track_url ? 'This room\'s track URL cannot be played here.' : 'No track yet.');
      }
    }
    follow();
    reportReady();
  }

  // ---------- the shared queue and the ready wait ----------

  /** While the room waits for everyone to buffer a new track, says once per track that this page can play it. */
  function reportReady() {
    var p = state.playback;
    if (!p || p.status !== 'waiting' || typeof p.track_version !== 'number') return;
    if (state.readySent === p.track_version || audio.readyState < 3) return;   // HAVE_FUTURE_DATA
    state.readySent = p.track_version;
    sendRoom({ type: 'ready', track_version: p.track_version });
  }

  function onQueue(queue, version) {
    if (typeof version === 'number' && typeof state.queueVersion === 'number' && version < state.queueVersion) return;
    state.queueVersion = version;
    state.queue = Array.isArray(queue) ? queue : [];
    renderQueue();
  }

  function renderQueue() {
    var list = $('queue');
    var host = isHost();
    list.innerHTML = '';
    (state.queue || []).forEach(function (item, i) {
      var li = document.createElement('li');
      li.dataset.itemId = item.id;
      var name = document.createElement('span');
      name.textContent = item.title || item.track_url || item.track_id;
      li.appendChild(name);
      if (host) {
        [['↑', i - 1], ['↓', i + 1]].forEach(function (m) {
          if (m[1] < 0 || m[1] >= state.queue.length) return;
          var b = document.createElement('button');
          b.type = 'button';
          b.className = 'secondary';
          b.textContent = m[0];
          b.addEventListener('click', function () { sendRoom({ type: 'queue_move', item_id: item.id, position: m[1] }); });
          li.appendChild(b);
        });
        var rm = document.createElement('button');
        rm.type = 'button';
        rm.className = 'secondary';
        rm.dataset.action = 'queue-remove';
        rm.textContent = 'Remove';
        rm.addEventListener('click', function () { sendRoom({ type: 'queue_remove', item_id: item.id }); });
        li.appendChild(rm);
      }
      list.appendChild(li);
    });
    $('queue-count').textContent = String((state.queue || []).length);
    $('queue-form').hidden = !host;
    document.body.dataset.queue = String((state.queue || []).length);
  }

  function queueAdd() {
    var raw = $('queue-track').value.trim();
    var msg = { type: 'queue_add' };
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw)) msg.track_id = raw;
    else if (safeTrackUrl(raw)) msg.track_url = safeTrackUrl(raw);
    else { showError('Give an http(s) track URL, a path on this server or a library track id.'); return; }
    if ($('queue-title').value.trim()) msg.title = $('queue-title').value.trim();
    sendRoom(msg);
    $('queue-track').value = '';
    $('queue-title').value = '';
  }

  /** A room message (queue edits, skip, ready, host hand-over) over the bridge when it is open, else the WebSocket. */
  function sendRoom(msg) {
    if (state.eb && state.eb.state === EventBus.OPEN) {
      var body = Object.assign({ room_id: state.roomId }, msg);
      state.eb.send('client.room-control', body, { token: state.token }, function (err) {
        if (err) showError('Refused: ' + (err.message || err.failureType || 'error'));
      });
    } else if (state.ws && state.ws.readyState === WebSocket.OPEN) {
      state.ws.send(JSON.stringify(msg));
    } else {
      showError('Not connected.');
    }
  }

  function renderTrackNote(text) {
    var note = $('track-note');
    note.textContent = text + (isHost() ? ' Set one below.' : ' The host can set one.');
    note.hidden = false;
  }

  // ---------- following the room: start-up compensation, filtered drift, nudges with hysteresis ----------

  /** The element's start-up latency (s) for a kind of start: the median of the last ones measured. */
  function startLatency(kind) {
    var l = state.sync.latency[kind];
    if (!l.length && kind === 'seek') l = state.sync.latency.play;   // a first guess better than the default
    if (!l.length) return START_LATENCY_DEFAULT;
    var sorted = l.slice().sort(function (a, b) { return a - b; });
    return sorted[Math.floor(sorted.length / 2)];
  }

  /** Sets playbackRate, keeping ∫(rate - 1) dt up to date so older drift readings can be carried forward. */
  function setRate(rate) {
    var y = state.sync;
    var now = performance.now();
    y.integral += (now - y.integralAt) / 1000 * (audio.playbackRate - 1);
    y.integralAt = now;
    if (audio.playbackRate !== rate) audio.playbackRate = rate;
  }

  function integralNow() {
    var y = state.sync;
    return y.integral + (performance.now() - y.integralAt) / 1000 * (audio.playbackRate - 1);
  }

  function resetDrift() {
    state.sync.readings = [];
    state.sync.correcting = 0;
    state.sync.filtered = null;
  }

  /**
   * Moves the element to where the room will be once its media clock runs (now + the learned start-up
   * latency) and starts it; the clock check in checkStart() measures the real latency.
   */
  function startAt(kind, corrected) {
    var lead = startLatency(kind);
    var from = targetSeconds(lead * 1000);
    if (isFinite(audio.duration)) from = Math.min(from, audio.duration);
    setRate(1);
    resetDrift();
    state.sync.pending = { kind: kind, at: performance.now(), from: from, lead: lead, corrected: corrected || 0 };
    state.sync.starts++;
    if (kind === 'seek') state.sync.seeks++;
    audio.currentTime = from;
    if (audio.paused) {
      var started = audio.play();
      if (started && started.catch) {
        started.then(function () { $('unmute').hidden = true; }).catch(function (e) {
          if (e && e.name === 'NotAllowedError') $('unmute').hidden = false;
        });
      }
    }
    pollStart();
  }

  /** While a start waits for the clock, looks often (the 100 ms sync tick is too coarse to see it start). */
  function pollStart() {
    var pend = state.sync.pending;
    if (!pend) return;
    checkStart();
    if (state.sync.pending) setTimeout(pollStart, pend.latency === undefined ? 5 : 40);
  }

  /**
   * Verifies a start once its media clock has run START_VERIFY_AFTER (playing, not seeking, currentTime
   * that far past the start position): headless Chromium's currentTime moves at once after play() or a
   * seek, then falls back ~100 ms while its audio output starts, so the first movement is not when the
   * audio runs. A start aimed `lead` ahead that is off by `error` took lead - error: that is the
   * element's start-up latency, learned (median of the last 5) for the next starts of the same kind.
   * Further off than START_CHECK_TOLERANCE, the start is corrected by a seek aimed with the updated
   * latency (checked the same way, at most START_CORRECTIONS times in a row); closer than that but
   * not within DRIFT_STOP, nudging starts at once.
   */
  function checkStart() {
    var y = state.sync;
    var pend = y.pending;
    if (!pend) return;
    var now = performance.now();
    if (now - pend.at > START_TIMEOUT_MS) { y.pending = null; return; }
    if (audio.paused || audio.seeking || audio.readyState < 3) return;
    var ct = audio.currentTime;
    var ran = ct - pend.from;
    if (ran <= 0.002 || ran > 3) return;
    if (pend.latency === undefined) pend.latency = (now - ran * 1000 - pend.at) / 1000;   // first movement
    if (ran < START_VERIFY_AFTER) return;
    var error = ct - targetSeconds();
    y.pending = null;
    // aimed `lead` ahead and landed `error` off: the start really took lead - error
    var effective = pend.lead - error;
    if (effective >= 0 && effective < 1) {
      var l = y.latency[pend.kind];
      l.push(effective);
      if (l.length > 5) l.shift();
    }
    y.lastStart = { kind: pend.kind, firstMoveMs: Math.round(pend.latency * 1000), latencyMs: Math.round(effective * 1000),
      aimedMs: Math.round(pend.lead * 1000), errorMs: Math.round(error * 1000), corrected: pend.corrected };
    y.history.push(y.lastStart);
    if (y.history.length > 10) y.history.shift();
    if (Math.abs(error) > START_CHECK_TOLERANCE && pend.corrected < START_CORRECTIONS) {
      y.corrections++;
      startAt('seek', pend.corrected + 1);
    } else if (Math.abs(error) > DRIFT_STOP) {
      // what is left of a start (a start's latency varies by ±15 ms) is nudged away now, not left
      // parked below DRIFT_START
      y.correcting = error > 0 ? 1 : -1;
      y.nudges++;
    }
  }

  /**
   * One drift reading: currentTime minus the room's position. The filter is the median of the last
   * DRIFT_WINDOW readings, each carried forward to now by what the nudges changed since (∫(rate-1)dt),
   * so a nudge's own effect is not mistaken for noise and the filter does not lag behind it.
   */
  function readDrift(target) {
    var y = state.sync;
    var integral = integralNow();
    y.readings.push({ drift: audio.currentTime - target, integral: integral });
    if (y.readings.length > DRIFT_WINDOW) y.readings.shift();
    var carried = y.readings.map(function (r) { return r.drift + (integral - r.integral); })
      .sort(function (a, b) { return a - b; });
    y.filtered = y.readings.length >= 3 ? carried[Math.floor(carried.length / 2)] : null;
    return y.filtered;
  }

  /** Brings the audio element to the room's state: play/pause, compensated starts, seek on big drift, nudges on small. */
  function follow() {
    var p = state.playback;
    if (!p || !audio.getAttribute('src')) return;
    var target = targetSeconds();
    var duration = audio.duration;
    if (isFinite(duration) && target >= duration) target = duration;
    if (p.status !== 'play') {
      state.sync.pending = null;
      if (!audio.paused) audio.pause();
      setRate(1);
      resetDrift();
      if (!audio.seeking && Math.abs(audio.currentTime - target) > 0.05 && audio.readyState >= 1) {
        audio.currentTime = target;
      }
      state.lastDrift = null;
      return;
    }
    if (isFinite(duration) && target >= duration) {
      if (!audio.paused) audio.pause();
      return;
    }
    if (audio.readyState < 1) return;   // no metadata yet: follow() runs again on loadedmetadata
    if (state.sync.pending) {
      checkStart();
      // a start under way is left alone, unless the room moved far from where it aims (a new seek)
      var pend = state.sync.pending;
      if (pend && Math.abs(pend.from - targetSeconds(pend.at + pend.lead * 1000 - performance.now())) <= SEEK_DRIFT) return;
      state.sync.pending = null;
    }
    if (audio.paused) {
      startAt('play', 0);
      return;
    }
    if (audio.seeking) return;
    var instant = audio.currentTime - target;
    if (Math.abs(instant) > SEEK_DRIFT) {   // a seek in the room (or a stall): no nudge closes that
      state.lastDrift = instant;
      startAt('seek', 0);
      return;
    }
    var drift = readDrift(target);
    state.lastDrift = drift === null ? instant : drift;
    if (drift === null) return;
    var y = state.sync;
    if (!y.correcting && Math.abs(drift) > DRIFT_START) {
      y.correcting = drift > 0 ? 1 : -1;
      y.nudges++;
    }
    if (y.correcting && (Math.abs(drift) < DRIFT_STOP || drift * y.correcting < 0)) y.correcting = 0;
    if (y.correcting) {
      var nudge = Math.max(MIN_NUDGE, Math.min(MAX_NUDGE, Math.abs(drift) / NUDGE_HORIZON));
      setRate(1 - y.correcting * nudge);
    } else {
      setRate(1);
    }
  }

  function render() {
    var p = state.playback;
    var playing = p && p.status === 'play';
    var status = $('status');
    status.textContent = playing ? 'playing' : 'paused';
    status.className = 'status' + (playing ? ' playing' : '');
    var pos = targetSeconds();
    $('position').textContent = fmt(pos);
    $('duration').textContent = fmt(audio.duration);
    $('drift').textContent = state.lastDrift === null ? '–' : Math.round(state.lastDrift * 1000) + ' ms';
    var seek = $('seek');
    if (isFinite(audio.duration)) seek.max = String(audio.duration);
    if (!state.seeking) seek.value = String(pos);
    var host = isHost();
    $('host-controls').hidden = !host;
    $('track-form').hidden = !host;
    $('listener-note').hidden = host;
    $('role').textContent = host ? 'host' : 'listener';
  }

  function renderUsers() {
    var list = $('users');
    list.replaceChildren();
    state.users.forEach(function (u) {
      var li = document.createElement('li');
      li.dataset.userId = u.id;
      var name = document.createElement('span');
      name.className = 'name';
      name.textContent = u.name || u.id;
      li.appendChild(name);
      if (u.id === state.hostId) {
        var badge = document.createElement('span');
        badge.className = 'badge';
        badge.textContent = 'host';
        li.appendChild(badge);
      }
      if (u.id === state.userId) {
        li.className = 'me';
      } else if (isHost()) {
        // the host hands over the host role (transfer_host; host_changed comes back to every page)
        var hand = document.createElement('button');
        hand.type = 'button';
        hand.className = 'make-host';
        hand.textContent = 'make host';
        hand.addEventListener('click', function () { sendRoom({ type: 'transfer_host', user_id: u.id }); });
        li.appendChild(hand);
      }
      list.appendChild(li);
    });
    renderCount();
    render();
  }

  // big rooms (over ROOM_PRESENCE_EVENTS_MAX_USERS) list only some users and announce no joins:
  // every event's user_count is the number to show
  function renderCount() {
    $('user-count').textContent = String(typeof state.userCount === 'number' ? state.userCount : state.users.size);
  }

  // ---------- events ----------

  /**
   * Room events come through the bridge; the WebSocket carries the same events and is only the
   * safety net: while the bridge is open, a WebSocket event is applied after WS_GRACE_MS unless the
   * bridge delivered it first (so nothing is lost before the bridge registration is live).
   */
  function handleEvent(ev, source) {
    if (!ev || typeof ev.type !== 'string') return;
    if (ev.type === 'room_info') { onRoomInfo(ev); return; }
    if (ev.type === 'error') { showError(ev.message || ev.code || 'error'); return; }
    if (ev.type === 'pong' || ev.type === 'time') return;
    // chat events also come through the bridge registration; the chat socket (with its cursor) shows them
    if (ev.type.indexOf('message_') === 0 || ev.type === 'room_ended') return;
    var key = ev.type === 'queue' ? 'queue:' + ev.queue_version
      : ev.type + ':' + ev.version + ':' + (ev.user_id || '') + ':' + (ev.host_id || '');
    if (state.seen.has(key)) return;
    if (source === 'ws' && state.eb && state.eb.state === EventBus.OPEN) {
      setTimeout(function () { if (!state.seen.has(key)) applyEvent(ev, key, 'ws'); }, WS_GRACE_MS);
      return;
    }
    applyEvent(ev, key, source);
  }

  function applyEvent(ev, key, source) {
    if (state.seen.size > 1000) state.seen.clear();
    state.seen.add(key);
    state.counts[source] = (state.counts[source] || 0) + 1;
    state.counts[source + ':' + ev.type] = (state.counts[source + ':' + ev.type] || 0) + 1;
    if (typeof ev.user_count === 'number') {
      state.userCount = ev.user_count;
      renderCount();
    }
    switch (ev.type) {
      case 'user_joined':
        if (ev.user) state.users.set(ev.user.id, { id: ev.user.id, name: ev.user.name, is_host: !!ev.user.is_host });
        renderUsers();
        break;
      case 'user_left':
        state.users.delete(ev.user_id);
        renderUsers();
        break;
      case 'host_changed':
        state.hostId = ev.host_id;
        renderUsers();
        renderChat();
        renderQueue();
        break;
      case 'play':
      case 'pause':
      case 'seek':
      case 'track_changed':
        applyPlayback(ev.playback, ev.version);
        if (Array.isArray(ev.queue)) onQueue(ev.queue, ev.queue_version);
        render();
        break;
      case 'queue':
        onQueue(ev.queue, ev.queue_version);
        break;
      default:
        break;
    }
  }

  function onRoomInfo(info) {
    if (info.token) {
      state.token = info.token;
      sessionStorage.setItem('chorus.token.' + info.room_id, info.token);
    }
    state.roomId = info.room_id;
    // the server may give a joiner another id than the one proposed: it is who this page is now
    if (typeof info.you === 'string' && info.you && info.you !== state.userId) {
      state.userId = info.you;
      sessionStorage.setItem('chorus.user', info.you);
    }
    state.hostId = info.host_id;
    state.users = new Map();
    (info.users || []).forEach(function (u) { state.users.set(u.id, { id: u.id, name: u.name, is_host: !!u.is_host }); });
    state.userCount = typeof info.user_count === 'number' ? info.user_count : undefined;
    applyPlayback(info.playback, info.version);
    onQueue(info.queue || [], info.queue_version);
    showRoom();
    renderUsers();
    connectBridge();
    // back in the room after the server ended the bridge registration (see registerRoom): listen again
    if (state.eb && state.eb.state === EventBus.OPEN && !state.bridgeRegistered) registerRoom(state.eb);
    if (!state.chat.ws) connectChat();
  }

  // ---------- chat ----------

  function authHeaders() {
    return { 'content-type': 'application/json', authorization: 'Bearer ' + state.token };
  }

  function api(method, path, body) {
    return fetch('/api/v1/rooms/' + encodeURIComponent(state.roomId) + path, {
      method: method, headers: authHeaders(), body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 204) return null;
      return r.json().then(function (b) {
        if (!r.ok) throw new Error((b.error && b.error.message) || ('HTTP ' + r.status));
        return b;
      });
    });
  }

  function connectChat() {
    if (!state.roomId || !state.token || state.leaving) return;
    var q = new URLSearchParams({ token: state.token });
    if (state.chat.lastSeq > 0) q.set('after', String(state.chat.lastSeq));
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/chat/'
      + encodeURIComponent(state.roomId) + '?' + q.toString());
    state.chat.ws = ws;
    state.chat.synced = false;
    state.chat.connects++;
    $('chat-status').textContent = 'connecting…';
    ws.onmessage = function (e) {
      var ev;
      try { ev = JSON.parse(e.data); } catch (err) { return; }
      if (state.chat.ws === ws) onChatEvent(ev);
    };
    ws.onclose = function (e) {
      if (state.chat.ws !== ws) return;
      state.chat.ws = null;
      state.chat.synced = false;
      $('chat-status').textContent = 'offline';
      if (state.leaving || e.code === 4401 || e.code === 4404) return;   // a bad token or no room: retrying cannot help
      scheduleChat(e.code === 4403 ? 3000 : 1000);   // 4403: not (yet) a member again after a presence reconnect
    };
  }

  function scheduleChat(delay) {
    if (state.chat.retry) clearTimeout(state.chat.retry);
    state.chat.retry = setTimeout(function () {
      state.chat.retry = null;
      if (!state.chat.held && !state.chat.ws && !state.leaving && state.roomId) connectChat();
    }, delay);
  }

  function onChatEvent(ev) {
    switch (ev.type) {
      case 'message_created':
        putMessage(ev.message);
        break;
      case 'message_updated':
        if (ev.message && state.chat.messages.has(ev.message.id)) putMessage(ev.message);
        break;
      case 'message_deleted':
        state.chat.messages.delete(ev.message_id);
        renderChat();
        break;
      case 'synced':
        state.chat.synced = true;
        if (typeof ev.last_seq === 'number' && ev.last_seq > state.chat.lastSeq) state.chat.lastSeq = ev.last_seq;
        $('chat-status').textContent = '';
        if (state.chat.connects > 1) refreshChat();
        break;
      case 'room_ended':
        showError('The room has ended.');
        break;
      case 'error':
        showError('Chat: ' + (ev.message || ev.code));
        break;
      default:
        break;
    }
  }

  /**
   * After a reconnect: the socket replays only messages created while away, so the newest page is
   * read over REST to catch edits and deletions of messages this page already shows.
   */
  function refreshChat() {
    api('GET', '/chat/messages?limit=50').then(function (page) {
      var msgs = page.messages || [];
      if (!msgs.length) return;
      var from = page.has_more ? msgs[0].seq : 0;
      var to = msgs[msgs.length - 1].seq;
      var present = new Set(msgs.map(function (m) { return m.id; }));
      state.chat.messages.forEach(function (m, id) {
        if (m.seq >= from && m.seq <= to && !present.has(id)) state.chat.messages.delete(id);
      });
      msgs.forEach(function (m) { state.chat.messages.set(m.id, m); });
      renderChat();
    }).catch(function () { /* the live events still arrive; the next reconnect tries again */ });
  }

  function putMessage(m) {
    if (!m || typeof m.id !== 'string') return;
    state.chat.messages.set(m.id, m);
    if (typeof m.seq === 'number' && m.seq > state.chat.lastSeq) state.chat.lastSeq = m.seq;
    if (state.chat.messages.size > 500) {   // keep the page small: drop the oldest
      var oldest = sortedMessages()[0];
      state.chat.messages.delete(oldest.id);
    }
    renderChat();
  }

  function sortedMessages() {
    return Array.from(state.chat.messages.values()).sort(function (a, b) { return a.seq - b.seq; });
  }

  /** Rebuilds the list; user text only ever goes through textContent. */
  function renderChat() {
    var list = $('chat-messages');
    var atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    list.replaceChildren();
    sortedMessages().forEach(function (m) {
      var li = document.createElement('li');
      li.dataset.id = m.id;
      li.dataset.seq = String(m.seq);
      var system = m.message_type === 'system';
      if (system) li.className = 'system';
      if (m.participant_id === state.userId) li.className += ' mine';
      var author = document.createElement('span');
      author.className = 'author';
      author.textContent = system ? '' : (m.display_name || m.participant_id);
      var text = document.createElement('span');
      text.className = 'text';
      text.textContent = m.content;
      li.appendChild(author);
      li.appendChild(text);
      if (m.edited_at) {
        var ed = document.createElement('span');
        ed.className = 'edited';
        ed.textContent = '(edited)';
        li.appendChild(ed);
      }
      if (!system && m.participant_id === state.userId) li.appendChild(chatButton('edit', 'Edit', m));
      if (!system && (m.participant_id === state.userId || isHost())) li.appendChild(chatButton('delete', 'Delete', m));
      list.appendChild(li);
    });
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function chatButton(cls, label, m) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = cls;
    b.textContent = label;
    b.addEventListener('click', function () {
      if (cls === 'edit') {
        state.chat.editing = m.id;
        $('chat-input').value = m.content;
        $('chat-send').textContent = 'Save';
        $('chat-cancel').hidden = false;
        $('chat-input').focus();
      } else {
        api('DELETE', '/chat/messages/' + encodeURIComponent(m.id)).then(function () {
          state.chat.messages.delete(m.id);
          renderChat();
        }).catch(function (e) { showError('Could not delete: ' + e.message); });
      }
    });
    return b;
  }

  function stopEditing() {
    state.chat.editing = null;
    $('chat-input').value = '';
    $('chat-send').textContent = 'Send';
    $('chat-cancel').hidden = true;
  }

  function submitChat() {
    var content = $('chat-input').value;
    if (!content.trim()) return;
    var editing = state.chat.editing;
    var done = editing
      ? api('PUT', '/chat/messages/' + encodeURIComponent(editing), { content: content })
      : api('POST', '/chat/messages', { content: content });
    done.then(function (m) {
      if (!editing || state.chat.messages.has(m.id)) putMessage(m);
      if (state.chat.editing === editing) stopEditing();
      showError('');
    }).catch(function (e) { showError('Chat: ' + e.message); });
  }

  function setTrack() {
    var raw = $('track-url').value.trim();
    var url = safeTrackUrl(raw);
    if (!url) { showError('Give an http(s) track URL or a path on this server.'); return; }
    api('PUT', '/track', { track_url: url }).then(function () {
      showError('');
      $('track-url').value = '';
    }).catch(function (e) { showError('Could not set the track: ' + e.message); });
  }

  // ---------- transports ----------

  function connectSocket() {
    var q = new URLSearchParams({ room_id: state.roomId, user_id: state.userId, user_name: state.userName });
    if (state.token) q.set('token', state.token);
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws?' + q.toString());
    state.ws = ws;
    ws.onmessage = function (e) {
      var msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      handleEvent(msg, 'ws');
    };
    ws.onclose = function (e) {
      if (state.ws !== ws || state.leaving) return;
      if (e.code >= 4400 && e.code < 4500) {
        // refused (not found, full, bad token...): back to the lobby with the reason already shown
        leave(true);
        return;
      }
      setTimeout(function () { if (state.ws === ws && !state.leaving) connectSocket(); }, 1500);
    };
  }

  function connectBridge() {
    if (state.eb) return;
    var eb = new EventBus('/eventbus');
    state.eb = eb;
    eb.enableReconnect(true);
    eb.onerror = function (err) {
      // a REGISTER/SEND refused by the bridge ('rejected' by the token check, 'access_denied' if not permitted)
      if (err && (err.body === 'rejected' || err.body === 'access_denied')) showError('The server refused a room request (' + err.body + ').');
    };
    eb.onopen = function () {
      registerRoom(eb);
      syncClock().then(function () {
        state.ready = true;
        follow();
        render();
      }, function () {
        // the bridge refused the clock: assume the local clock, stay usable
        state.ready = true;
      });
    };
  }

  /**
   * Listens to the room's events. The server ends the registration when this participant leaves the
   * room (e.g. its /ws dropped: err 4030) or its token expires (4010); the next room_info (the /ws
   * reconnects and re-joins) registers again with the current token.
   */
  function registerRoom(eb) {
    var address = 'client.room.' + state.roomId;
    var onRoomEvent = function (err, msg) {
      if (err) {
        if (err.failureCode === 4030 || err.failureCode === 4010) {
          state.bridgeRegistered = false;
          eb.unregisterHandler(address, onRoomEvent);
          return;
        }
        showError(err.message || 'room events failed');
        return;
      }
      handleEvent(msg.body, 'bridge');
    };
    state.bridgeRegistered = true;
    eb.registerHandler(address, { token: state.token }, onRoomEvent);
  }

  function sendControl(action, position) {
    var body = { room_id: state.roomId, action: action };
    if (typeof position === 'number') body.position = position;
    if (state.eb && state.eb.state === EventBus.OPEN) {
      state.eb.send('client.room-control', body, { token: state.token }, function (err) {
        if (err) showError('Control refused: ' + (err.message || err.failureType || 'error'));
        else showError('');
      });
    } else if (state.ws && state.ws.readyState === WebSocket.OPEN) {
      var msg = { type: 'control', action: action };
      if (typeof position === 'number') msg.position = position;
      state.ws.send(JSON.stringify(msg));
    } else {
      showError('Not connected.');
    }
  }

  // ---------- lobby / room ----------

  function showRoom() {
    $('lobby').hidden = true;
    $('room').hidden = false;
    $('room-id').textContent = state.roomId;
    $('me').textContent = state.userName || state.userId;
    var link = new URL(location.pathname, location.href);
    link.searchParams.set('room', state.roomId);
    var a = $('share-link');
    a.href = link.href;
    a.textContent = link.href;
    history.replaceState(null, '', link.pathname + link.search);
  }

  function enter(roomId, token) {
    state.roomId = roomId;
    state.token = token || sessionStorage.getItem('chorus.token.' + roomId);
    state.leaving = false;
    showError('');
    connectSocket();
  }

  function createRoom() {
    // sent as an absolute URL (a path on this server becomes http(s)://this-host/path)
    var track = safeTrackUrl($('track').value.trim());
    if (!track) { showError('Give an http(s) track URL or a path on this server.'); return; }
    fetch('/api/v1/listen/rooms', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ host_id: state.userId, host_name: state.userName, track_url: track })
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error((body.error && body.error.message) || ('HTTP ' + r.status));
        return body;
      });
    }).then(function (body) {
      enter(body.room_id, body.token);
    }).catch(function (e) {
      showError('Could not create the room: ' + e.message);
    });
  }

  function leave(keepError) {
    state.leaving = true;
    if (state.ws) { var ws = state.ws; state.ws = null; ws.close(1000, 'leave'); }
    if (state.eb) { var eb = state.eb; state.eb = null; try { eb.close(); } catch (e) { /* already closed */ } }
    if (state.chat.ws) { var cws = state.chat.ws; state.chat.ws = null; cws.close(1000, 'leave'); }
    if (state.chat.retry) { clearTimeout(state.chat.retry); state.chat.retry = null; }
    state.chat.messages = new Map();
    state.chat.lastSeq = 0;
    stopEditing();
    renderChat();
    $('track-note').hidden = true;
    audio.pause();
    audio.removeAttribute('src');
    audio.load();
    state.playback = null;
    state.sync.pending = null;
    resetDrift();
    setRate(1);
    state.ready = false;
    state.users = new Map();
    state.seen.clear();
    $('room').hidden = true;
    $('lobby').hidden = false;
    if (!keepError) showError('');
    history.replaceState(null, '', location.pathname);
  }

  /** A participant token's payload ({r: room, p: participant, ...}); the server verifies the signature. */
  function tokenPayload(token) {
    try {
      var b64 = token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(b64 + '==='.slice((b64.length + 3) % 4)));
    } catch (e) {
      return null;
    }
  }

  function wire() {
    state.userId = userId();
    var params = new URLSearchParams(location.search);
    var fragment = new URLSearchParams(location.hash.slice(1));
    var given = fragment.get('token');
    var payload = given && tokenPayload(given);
    if (params.get('room')) $('room-code').value = params.get('room');
    $('name').value = sessionStorage.getItem('chorus.name') || '';

    $('lobby-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var action = e.submitter && e.submitter.dataset.action;
      state.userName = $('name').value.trim();
      if (!state.userName) { showError('Enter a display name.'); return; }
      sessionStorage.setItem('chorus.name', state.userName);
      if (action === 'join' || (!action && $('room-code').value.trim())) {
        var code = $('room-code').value.trim().toUpperCase();
        if (!/^[A-Z0-9]{4,32}$/.test(code)) { showError('A room code is 4-32 letters or digits.'); return; }
        enter(code, null);
      } else {
        createRoom();
      }
    });
    $('play').addEventListener('click', function () { sendControl('play'); });
    $('pause').addEventListener('click', function () { sendControl('pause'); });
    var seek = $('seek');
    seek.addEventListener('input', function () { state.seeking = true; $('position').textContent = fmt(Number(seek.value)); });
    seek.addEventListener('change', function () {
      state.seeking = false;
      sendControl('seek', Number(seek.value));
    });
    $('unmute').addEventListener('click', function () { audio.play().catch(function () {}); follow(); });
    $('leave').addEventListener('click', function () { leave(false); });
    // nudges change the speed a little; with the default pitch-preserving time-stretch Chromium's media
    // clock jumps back ~20 ms whenever playbackRate leaves 1, without it ~2 ms
    audio.preservesPitch = false;
    audio.webkitPreservesPitch = false;
    audio.mozPreservesPitch = false;
    audio.addEventListener('playing', checkStart);
    audio.addEventListener('loadedmetadata', function () { follow(); render(); });
    audio.addEventListener('canplay', follow);
    audio.addEventListener('canplay', reportReady);
    audio.addEventListener('canplaythrough', reportReady);
    $('queue-form').addEventListener('submit', function (e) { e.preventDefault(); queueAdd(); });
    $('skip').addEventListener('click', function () { sendRoom({ type: 'skip' }); });
    audio.addEventListener('ended', render);

    $('track-form').addEventListener('submit', function (e) { e.preventDefault(); setTrack(); });
    $('chat-form').addEventListener('submit', function (e) { e.preventDefault(); submitChat(); });
    $('chat-cancel').addEventListener('click', stopEditing);

    setInterval(function () { follow(); if (!$('room').hidden) render(); }, SYNC_INTERVAL_MS);
    setInterval(function () { if (state.eb && state.eb.state === EventBus.OPEN) syncClock().catch(function () {}); }, CLOCK_RESYNC_MS);

    // /?room=<ID>#token=<token>: open a room made through the REST or gRPC API as the token's participant
    if (payload && typeof payload.p === 'string' && typeof payload.r === 'string') {
      history.replaceState(null, '', location.pathname + location.search);   // the token stays out of the history
      state.userId = payload.p;
      sessionStorage.setItem('chorus.user', payload.p);
      sessionStorage.setItem('chorus.token.' + payload.r, given);
      state.userName = $('name').value.trim();
      enter(payload.r, given);
    }
  }

  wire();
})();
