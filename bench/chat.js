'use strict';
// Chat load generator (issue 6, benchmark 4): messages/s accepted, persisted and delivered in one
// room of N participants (default 100) spread round-robin over the given ports (3 nodes/processes),
// at a fixed target rate, with at most --inflight sends outstanding. Prints one JSON line.
//
// Every message's content is "chat-bench <tag> <g>" (g: its index in this run); latency = the
// receive time on a socket - this process's own send time for g (one monotonic clock:
// performance.now()), for every one of the N sockets (the sender's own socket included).
// A warm-up phase (--warmup s at min(rate, --warmup-rate)) runs first and is not counted.
// Sends are paced on an absolute schedule; a send that is due while --inflight sends are
// outstanding is not made and is counted as "skipped" (the generator never queues: open loop).
// After the drain, "persisted" reads the room's history back and counts every accepted message.
//
// Systems:
//   chorus:   POST /api/v1/rooms (participant 0, on the first port), POST /api/v1/rooms/:id/join for
//             the others (on "their" port), WS /ws/chat/:id?token= (ready on "synced"); messages are
//             POST /api/v1/rooms/:id/chat/messages with Bearer <token> on the sender's port (201 =
//             accepted); events are {"type":"message_created",...}. A socket closed during the run
//             (e.g. 1013, too slow) reconnects with after=<last seq>, as docs/api.md prescribes.
//             Persisted: GET /api/v1/rooms/:id/chat/messages?limit=&after= paged to the end.
//   socketio: bench/socketio-chat-peer.js: connect with ?room_id=&user_id= (ready on "room_info"),
//             emit "chat" {content} with an ack ({ok:true} = accepted, after the Redis write);
//             events "message_created". Persisted: ZCARD/ZRANGE of chat:room:{<room>}:messages
//             straight from Redis (--redis host:port).
//
//   node chat.js --system chorus|socketio [--n 100] [--rate 100] [--duration 20] [--warmup 3]
//                [--inflight 200] [--ports 8099,8199,8299] [--redis 127.0.0.1:16379]
//                [--cpu "chorus:pid,pid;redis:pid"] [--drain 15] [--request-timeout 30]
const { performance, monitorEventLoopDelay } = require('perf_hooks');
const http = require('http');
const fs = require('fs');
const os = require('os');
const crypto = require('crypto');
const WebSocket = require('ws');
const { io: ioClient } = require('socket.io-client');
const { cpuTicks } = require('./proc');

function args() {
  const a = {
    system: 'chorus', n: 100, rate: 100, duration: 20, warmup: 3, warmupRate: 100, inflight: 200, drain: 15,
    requestTimeout: 30, connectTimeout: 120, joinConcurrency: 8, pageLimit: 200, ports: '', redis: '127.0.0.1:16379',
    cpu: '', clkTck: 100,
  };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i++) {
    const key = v[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in a)) throw new Error(`unknown option ${v[i]}`);
    a[key] = typeof a[key] === 'number' ? Number(v[++i]) : v[++i];
  }
  if (!a.ports) a.ports = a.system === 'chorus' ? '8099,8199,8299' : '3101,3102,3103';
  a.ports = a.ports.split(',').map(Number);
  return a;
}

const A = args();
const log = (m) => process.stderr.write(`chat[${A.system} rate=${A.rate}]: ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TAG = crypto.randomBytes(4).toString('hex');
const PREFIX = `chat-bench ${TAG} `;

// ---------- message table: g < W warm-up, W <= g < W + M measured ----------
const W = Math.round(Math.min(A.rate, A.warmupRate) * A.warmup);
const M = Math.round(A.rate * A.duration);
const TOTAL = W + M;
const NOT_SENT = 0, IN_FLIGHT = 1, ACCEPTED = 2, FAILED = 3, SKIPPED = 4;
const state = new Uint8Array(TOTAL);
const sendAt = new Float64Array(TOTAL);
const ackAt = new Float64Array(TOTAL);
const recv = new Uint16Array(TOTAL);
const seqOf = new Float64Array(TOTAL);           // Chorus: seq from the 201 answer
const latency = new Float64Array(M * A.n);       // measured deliveries: send -> receive
const latencyG = new Int32Array(M * A.n);
let nLat = 0;
let inflight = 0, delivered = [0, 0], complete = [0, 0], accepted = [0, 0], unknown = 0, duplicate = 0;
let closedDuringRun = 0, reconnects = 0, measuring = false;
const errors = {};
const firstErrors = [];
let waiter = null;

function noteError(m) {
  if (firstErrors.length < 8) firstErrors.push(String(m).slice(0, 400));
}
const phase = (g) => (g < W ? 0 : 1);

function notify() {
  if (waiter && waiter.cond()) {
    const w = waiter;
    waiter = null;
    clearTimeout(w.timer);
    w.resolve(true);
  }
}
// resolves true when cond() holds (checked after every delivery and answer), false after timeoutMs
function waitFor(cond, timeoutMs) {
  if (cond()) return Promise.resolve(true);
  return new Promise((resolve) => {
    waiter = { cond, resolve, timer: setTimeout(() => { waiter = null; resolve(false); }, timeoutMs) };
  });
}

// a chat message arrived on participant p's socket
function onContent(p, content) {
  const now = performance.now();
  if (typeof content !== 'string' || !content.startsWith(PREFIX)) return; // system lines ("p7 joined")
  const g = Number(content.slice(PREFIX.length));
  if (!(g >= 0 && g < TOTAL) || sendAt[g] === 0) { unknown++; return; }
  if (p.seen[g]) { duplicate++; return; }
  p.seen[g] = 1;
  const ph = phase(g);
  delivered[ph]++;
  if (++recv[g] === A.n && state[g] === ACCEPTED) complete[ph]++;
  if (ph === 1) {
    latency[nLat] = now - sendAt[g];
    latencyG[nLat++] = g;
  }
  notify();
}

function onAnswer(g, ok, code, detail, seq) {
  ackAt[g] = performance.now();
  inflight--;
  const ph = phase(g);
  if (ok) {
    state[g] = ACCEPTED;
    accepted[ph]++;
    if (seq) seqOf[g] = seq;
    if (recv[g] === A.n) complete[ph]++;
  } else {
    state[g] = FAILED;
    if (ph === 1) errors[code] = (errors[code] || 0) + 1;
    noteError(`message ${g}: ${code} ${detail || ''}`);
  }
  notify();
}

// ---------- HTTP (keep-alive, one agent per port) ----------
const agents = new Map();
function request(port, method, path, token, body, headers = {}) {
  return new Promise((resolve) => {
    let agent = agents.get(port);
    if (!agent) agents.set(port, (agent = new http.Agent({ keepAlive: true, maxSockets: A.inflight + 16 })));
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const h = { ...headers };
    if (payload) { h['content-type'] = 'application/json'; h['content-length'] = payload.length; }
    if (token) h.authorization = `Bearer ${token}`;
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: h, agent, timeout: A.requestTimeout * 1000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString(), headers: res.headers }));
      res.on('error', (e) => resolve({ status: 0, code: e.code || 'error', body: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, code: e.message === 'timeout' ? 'timeout' : (e.code || 'error'), body: e.message }));
    if (payload) req.write(payload);
    req.end();
  });
}

async function pool(count, concurrency, fn) {
  let next = 0;
  const worker = async () => { while (next < count) await fn(next++); };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

// ---------- Chorus ----------
function chorusOpen(p, roomId, after) {
  return new Promise((resolve, reject) => {
    const q = new URLSearchParams({ token: p.token });
    if (after) q.set('after', String(after));
    const ws = new WebSocket(`ws://127.0.0.1:${p.port}/ws/chat/${roomId}?${q}`, { perMessageDeflate: false });
    let synced = false;
    p.ws = ws;
    ws.on('message', (data) => {
      let ev;
      try { ev = JSON.parse(data.toString()); } catch (e) { noteError(`p${p.i}: unparsable frame`); return; }
      if (ev.type === 'message_created') {
        if (ev.seq > p.lastSeq) p.lastSeq = ev.seq;
        onContent(p, ev.message && ev.message.content);
      } else if (ev.type === 'synced') {
        if (!synced) { synced = true; resolve(ws); }
      } else if (ev.type === 'error') {
        noteError(`p${p.i} error frame: ${JSON.stringify(ev)}`);
      }
    });
    ws.on('close', (code, reason) => {
      if (!synced) { reject(new Error(`p${p.i}: closed ${code} ${reason} before synced`)); return; }
      if (p.closing) return;
      if (measuring) closedDuringRun++;
      noteError(`p${p.i}: socket closed ${code} ${reason}`);
      if (p.reconnects < 5) {
        p.reconnects++;
        reconnects++;
        chorusOpen(p, roomId, p.lastSeq).catch((e) => noteError(`p${p.i}: reconnect failed: ${e.message}`));
      }
    });
    ws.on('error', (e) => { if (!synced) reject(e); else noteError(`p${p.i}: ${e.message}`); });
  });
}

async function chorusSetup(participants) {
  const port0 = A.ports[0];
  const created = await request(port0, 'POST', '/api/v1/rooms', null,
    { title: `chat bench ${TAG}`, max_participants: A.n, display_name: 'p0' }, { 'x-participant-id': `p0-${TAG}` });
  if (created.status !== 201) throw new Error(`create room: ${created.status} ${created.body}`);
  const c = JSON.parse(created.body);
  const roomId = c.room.id;
  participants[0].token = c.token;
  log(`room ${roomId} created on :${port0}; joining ${A.n - 1} participants`);
  await pool(A.n - 1, A.joinConcurrency, async (k) => {
    const p = participants[k + 1];
    const r = await request(p.port, 'POST', `/api/v1/rooms/${roomId}/join`, null, { display_name: `p${p.i}` },
      { 'x-participant-id': `p${p.i}-${TAG}` });
    if (r.status !== 200) throw new Error(`join p${p.i} on :${p.port}: ${r.status} ${r.body}`);
    p.token = JSON.parse(r.body).token;
  });
  const path = `/api/v1/rooms/${roomId}/chat/messages`;
  return {
    roomId,
    open: (p) => chorusOpen(p, roomId, null),
    send: (g, p, content) => {
      request(p.port, 'POST', path, p.token, { content }).then((r) => {
        if (r.status === 201) {
          const m = /"seq":(\d+)/.exec(r.body);
          onAnswer(g, true, null, null, m ? Number(m[1]) : 0);
        } else {
          onAnswer(g, false, r.status ? String(r.status) : r.code,
            `${r.body}${r.headers && r.headers['retry-after'] ? ` (Retry-After ${r.headers['retry-after']})` : ''}`);
        }
      });
    },
    // pages GET .../chat/messages from the first accepted message's seq - 1, then by message id
    readBack: async (persisted) => {
      let first = Infinity;
      for (let g = 0; g < TOTAL; g++) if (state[g] === ACCEPTED && seqOf[g] > 0 && seqOf[g] < first) first = seqOf[g];
      if (first === Infinity) return { pages: 0, read: 0 };
      let after = String(first - 1), pages = 0, read = 0;
      const maxPages = Math.ceil(TOTAL / A.pageLimit) + 50;
      while (pages < maxPages) {
        const r = await request(port0, 'GET', `${path}?limit=${A.pageLimit}&after=${encodeURIComponent(after)}`, participants[0].token);
        pages++;
        if (r.status !== 200) throw new Error(`read back: ${r.status} ${r.body}`);
        const page = JSON.parse(r.body);
        for (const m of page.messages) { read++; persisted(m.content); }
        if (!page.has_more || page.messages.length === 0) break;
        after = page.messages[page.messages.length - 1].id;
      }
      return { pages, read };
    },
    close: () => { for (const p of participants) { p.closing = true; if (p.ws) p.ws.terminate(); } },
  };
}

// ---------- Socket.IO peer ----------
function sioOpen(p, roomId) {
  return new Promise((resolve, reject) => {
    const s = ioClient(`http://127.0.0.1:${p.port}`, {
      transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60000, perMessageDeflate: false,
      query: { room_id: roomId, user_id: `p${p.i}-${TAG}`, display_name: `p${p.i}` },
    });
    let joined = false;
    p.ws = s;
    s.on('room_info', () => { if (!joined) { joined = true; resolve(s); } });
    s.on('message_created', (ev) => onContent(p, ev && ev.message && ev.message.content));
    s.on('connect_error', (e) => { if (!joined) reject(e); });
    s.on('disconnect', (reason) => {
      if (!joined) { reject(new Error(reason)); return; }
      if (p.closing) return;
      if (measuring) closedDuringRun++;
      noteError(`p${p.i}: disconnected (${reason})`);
    });
  });
}

async function sioSetup(participants) {
  const roomId = `sio-${TAG}`;
  return {
    roomId,
    open: (p) => sioOpen(p, roomId),
    send: (g, p, content) => {
      p.ws.timeout(A.requestTimeout * 1000).emit('chat', { content }, (err, ack) => {
        if (err) onAnswer(g, false, 'timeout', err.message);
        else if (ack && ack.ok) onAnswer(g, true);
        else onAnswer(g, false, String((ack && ack.error) || 'error').split(':')[0], JSON.stringify(ack));
      });
    },
    readBack: async (persisted) => {
      const { createClient } = require('redis');
      const c = createClient({ url: `redis://${A.redis}` });
      c.on('error', (e) => noteError(`redis: ${e.message}`));
      await c.connect();
      try {
        const key = `chat:room:{${roomId}}:messages`;
        const card = await c.zCard(key);
        let read = 0, pages = 0;
        for (let i = 0; i < card && pages < Math.ceil(card / 1000) + 2; i += 1000, pages++) {
          for (const raw of await c.zRange(key, i, i + 999)) { read++; persisted(JSON.parse(raw).content); }
        }
        return { pages, read, zcard: card };
      } finally {
        await c.quit();
      }
    },
    close: () => { for (const p of participants) { p.closing = true; if (p.ws) p.ws.disconnect(); } },
  };
}

// ---------- CPU of the servers (from /proc) and of this process ----------
const cpuGroups = A.cpu ? A.cpu.split(';').filter(Boolean).map((grp) => {
  const [name, pids] = grp.split(':');
  return { name, pids: (pids || '').split(',').filter(Boolean).map(Number) };
}) : [];
function ticks(pid) {
  const [user, system] = cpuTicks(pid);
  return user + system;
}
function machineBusyTicks() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return f.slice(0, 8).reduce((a, b) => a + b, 0) - f[3] - f[4]; // all but idle and iowait
  } catch (e) {
    return NaN;
  }
}
function cpuSnapshot() {
  const out = { _gen: process.cpuUsage(), _t: performance.now(), _machine: machineBusyTicks() };
  for (const g of cpuGroups) out[g.name] = g.pids.reduce((s, pid) => s + ticks(pid), 0);
  return out;
}
function cpuCores(a, b) {
  const secs = (b._t - a._t) / 1000;
  const out = {};
  for (const g of cpuGroups) out[g.name] = +((b[g.name] - a[g.name]) / A.clkTck / secs).toFixed(2);
  const gen = process.cpuUsage(a._gen);
  out.generator = +((gen.user + gen.system) / 1e6 / secs).toFixed(2);
  out.machine = +((b._machine - a._machine) / A.clkTck / secs).toFixed(2); // every process, others' included
  return out;
}

// Redis commands (INFO commandstats; commands run inside Lua scripts are counted too), both systems
// use the same Redis: the delta over the measured phase, per accepted message
let statsClient = null;
async function redisCalls() {
  try {
    if (!statsClient) {
      const { createClient } = require('redis');
      statsClient = createClient({ url: `redis://${A.redis}` });
      statsClient.on('error', () => {});
      await statsClient.connect();
    }
    const out = {};
    for (const m of (await statsClient.info('commandstats')).matchAll(/cmdstat_([a-z|_-]+):calls=(\d+)/g)) out[m[1]] = Number(m[2]);
    return out;
  } catch (e) {
    noteError(`redis stats: ${e.message}`);
    return null;
  }
}
function perMessage(a, b, n) {
  if (!a || !b || !n) return null;
  const out = { total: 0 };
  for (const [k, v] of Object.entries(b)) {
    const d = v - (a[k] || 0);
    if (d > 0) { out.total += d; out[k] = +(d / n).toFixed(2); }
  }
  out.total = +(out.total / n).toFixed(2);
  return out;
}

function pct(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
const r2 = (x) => (x === null || x === undefined || Number.isNaN(x) ? null : +x.toFixed(2));

// paced sends of g in [from, from + count) at rate/s; returns the sending window (ms)
async function runPhase(sys, participants, from, count, rate) {
  const interval = 1000 / rate;
  const start = performance.now();
  for (let j = 0; j < count; j++) {
    const due = start + j * interval;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait); // pacing of the open-loop schedule, not synchronisation
    const g = from + j;
    if (inflight >= A.inflight) { state[g] = SKIPPED; continue; }
    const p = participants[g % A.n];
    state[g] = IN_FLIGHT;
    inflight++;
    sendAt[g] = performance.now();
    sys.send(g, p, PREFIX + g);
  }
  return performance.now() - start;
}

async function main() {
  const t0 = performance.now();
  const participants = Array.from({ length: A.n }, (_, i) => ({
    i, port: A.ports[i % A.ports.length], token: null, ws: null, seen: new Uint8Array(TOTAL), lastSeq: 0, reconnects: 0, closing: false,
  }));
  const setups = { chorus: chorusSetup, socketio: sioSetup };
  if (!setups[A.system]) throw new Error(`unknown system ${A.system}`);
  const sys = await setups[A.system](participants);
  // every socket open and subscribed ("synced" / "room_info"), within --connect-timeout
  let timer;
  const opened = await Promise.race([
    Promise.allSettled(participants.map((p) => sys.open(p))),
    new Promise((r) => { timer = setTimeout(() => r(null), A.connectTimeout * 1000); }),
  ]);
  clearTimeout(timer);
  if (opened === null) throw new Error(`sockets not all ready within ${A.connectTimeout}s`);
  const failedOpen = opened.filter((r) => r.status === 'rejected');
  if (failedOpen.length) throw new Error(`${failedOpen.length} socket(s) failed to open, first: ${failedOpen[0].reason && failedOpen[0].reason.message}`);
  const setupS = (performance.now() - t0) / 1000;
  log(`room ${sys.roomId}: ${A.n} participants, sockets ready after ${setupS.toFixed(1)} s`);

  // warm-up (not counted)
  if (W > 0) {
    const wr = Math.min(A.rate, A.warmupRate);
    log(`warm-up: ${W} messages at ${wr}/s`);
    await runPhase(sys, participants, 0, W, wr);
    const ok = await waitFor(() => inflight === 0 && complete[0] === accepted[0], A.drain * 1000);
    if (!ok) log(`warm-up did not fully drain (in flight ${inflight}, complete ${complete[0]}/${accepted[0]})`);
  }

  log(`measuring: ${M} messages at ${A.rate}/s (in-flight cap ${A.inflight})`);
  const load1 = os.loadavg()[0];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const calls0 = await redisCalls();
  measuring = true;
  const cpu0 = cpuSnapshot();
  const tStart = performance.now();
  const sendWindow = await runPhase(sys, participants, W, M, A.rate);
  const cpu1 = cpuSnapshot();
  const drained = await waitFor(() => inflight === 0 && complete[1] === accepted[1], A.drain * 1000);
  const tEnd = performance.now();
  measuring = false;
  const calls1 = await redisCalls();
  loop.disable();

  // per-message tallies of the measured phase
  let sent = 0, skipped = 0, pendingAtEnd = 0, lastAck = tStart, deliveredAccepted = 0, deliveredOther = 0;
  const acks = [];
  for (let g = W; g < TOTAL; g++) {
    if (state[g] === SKIPPED) { skipped++; continue; }
    if (state[g] === NOT_SENT) continue;
    sent++;
    if (state[g] === IN_FLIGHT) { pendingAtEnd++; continue; }
    if (state[g] === ACCEPTED) {
      acks.push(ackAt[g] - sendAt[g]);
      if (ackAt[g] > lastAck) lastAck = ackAt[g];
      deliveredAccepted += recv[g];
    } else {
      deliveredOther += recv[g];
    }
  }
  acks.sort((x, y) => x - y);
  const lat = [];
  for (let k = 0; k < nLat; k++) if (state[latencyG[k]] === ACCEPTED) lat.push(latency[k]);
  lat.sort((x, y) => x - y);
  const acceptedWindowS = Math.max(sendWindow, lastAck - tStart) / 1000;
  log(`sent ${sent}, accepted ${accepted[1]}, delivered ${deliveredAccepted}/${accepted[1] * A.n}${drained ? '' : ' (drain timed out)'}; reading the history back`);

  // persisted: read the room's history back
  const persistedSeen = new Uint8Array(TOTAL);
  let persisted = 0, persistedNotAccepted = 0, persistedDuplicate = 0;
  const rb = await sys.readBack((content) => {
    if (typeof content !== 'string' || !content.startsWith(PREFIX)) return;
    const g = Number(content.slice(PREFIX.length));
    if (!(g >= W && g < TOTAL)) return;
    if (persistedSeen[g]) { persistedDuplicate++; return; }
    persistedSeen[g] = 1;
    if (state[g] === ACCEPTED) persisted++; else persistedNotAccepted++;
  });

  const result = {
    system: A.system, n: A.n, rate: A.rate, duration_s: A.duration, warmup_messages: W, inflight_cap: A.inflight,
    room: sys.roomId, messages: M, sent, skipped_inflight_cap: skipped, accepted: accepted[1],
    accepted_per_s: +(accepted[1] / acceptedWindowS).toFixed(1), errors, pending_at_end: pendingAtEnd,
    expected: accepted[1] * A.n, delivered: deliveredAccepted, delivered_of_failed: deliveredOther,
    complete_messages: complete[1], unknown, duplicate, closed_during_run: closedDuringRun, reconnects,
    p50_ms: r2(pct(lat, 50)), p99_ms: r2(pct(lat, 99)), max_ms: r2(lat.length ? lat[lat.length - 1] : null),
    ack_p50_ms: r2(pct(acks, 50)), ack_p99_ms: r2(pct(acks, 99)),
    persisted, persisted_not_accepted: persistedNotAccepted, persisted_duplicate: persistedDuplicate, read_back: rb,
    drain_s: +((tEnd - tStart - sendWindow) / 1000).toFixed(1), drained,
    cpu_cores: cpuCores(cpu0, cpu1), redis_calls_per_message: perMessage(calls0, calls1, accepted[1]), generator_loop_delay_p99_ms: r2(loop.percentile(99) / 1e6),
    setup_s: +setupS.toFixed(1), load1_at_start: +load1.toFixed(2), first_errors: firstErrors,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (statsClient) statsClient.quit().catch(() => {});
  sys.close();
  setTimeout(() => process.exit(0), 500);
}

main().catch((e) => {
  log(`failed: ${e.stack || e}${e.cause ? ` (cause: ${e.cause.message || e.cause})` : ''}`);
  process.stdout.write(`${JSON.stringify({ system: A.system, n: A.n, rate: A.rate, failed: String(e.message || e), first_errors: firstErrors })}\n`);
  process.exit(1);
});
