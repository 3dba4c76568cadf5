'use strict';
// Fan-out latency load generator (issue 6, benchmark 1). One host sends `seek` controls to one room
// at a fixed rate; N listeners spread round-robin over the given ports receive them. The control's
// `position` carries a sequence number; latency = receive time - this process's own send time for
// that sequence (one monotonic clock: performance.now()). Prints one JSON line with the result.
//
// Systems: chorus (seed 000 WebSocket /ws), bridge (Chorus's SockJS event-bus bridge over its raw
// WebSocket transport /eventbus/websocket, the @vertx/eventbus-bridge-client.js frame protocol;
// listeners join over REST first), socketio (bench/socketio-peer.js).
//
//   node fanout.js --system chorus|bridge|socketio --n 1000 [--rate 10] [--duration 20] [--batch 200]
//                  [--ports 8099,8199,8299] [--drain 5] [--connect-timeout 240] [--deflate] [--server-pids p1,p2,p3]
const { performance } = require('perf_hooks');
const WebSocket = require('ws');
const { io: ioClient } = require('socket.io-client');
const { cpuTicks } = require('./proc');

function args() {
  const a = { system: 'chorus', n: 1000, rate: 10, duration: 20, batch: 200, drain: 5, connectTimeout: 240, deflate: false, ports: '', serverPids: '' };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i++) {
    const k = v[i].replace(/^--/, '');
    if (k === 'deflate') { a.deflate = true; continue; }
    const key = k.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in a)) throw new Error(`unknown option ${v[i]}`);
    a[key] = typeof a[key] === 'number' ? Number(v[++i]) : v[++i];
  }
  if (!a.ports) a.ports = a.system === 'chorus' ? '8099,8199,8299' : '3001,3002,3003';
  a.ports = a.ports.split(',').map(Number);
  a.serverPids = a.serverPids ? String(a.serverPids).split(',').map(Number) : [];
  return a;
}

const A = args();
const log = (m) => process.stderr.write(`fanout[${A.system} n=${A.n}]: ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const events = Math.round(A.rate * A.duration);
const sendAt = new Float64Array(events + 1); // seq -> performance.now() at send
const latencies = [];                        // listener receipts of measured events
const lateSeq = [];                          // the same receipts' sequence numbers
let delivered = 0, unknownSeq = 0, duplicate = 0, lastMsgAt = performance.now(), closedDuringRun = 0, errors = 0;
const firstErrors = [];
let measuring = false;

function noteError(m) {
  errors++;
  if (firstErrors.length < 5) firstErrors.push(m);
}

function onSeek(listener, seq) {
  const now = performance.now();
  if (!(seq >= 1 && seq <= events) || sendAt[seq] === 0) { unknownSeq++; return; }
  if (listener.seen[seq]) { duplicate++; return; }
  listener.seen[seq] = 1;
  delivered++;
  latencies.push(now - sendAt[seq]);
  lateSeq.push(seq);
}

// ---------- Chorus: seed 000 WebSocket ----------
async function chorusCreateRoom() {
  const res = await fetch(`http://127.0.0.1:${A.ports[0]}/api/v1/listen/rooms`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ host_id: `bench-host-${process.pid}`, host_name: 'bench host', track_url: 'https://example.invalid/track.mp3' }),
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`create room: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

function chorusConnect(port, roomId, userId, token, listener) {
  return new Promise((resolve, reject) => {
    const q = new URLSearchParams({ room_id: roomId, user_id: userId, user_name: userId });
    if (token) q.set('token', token);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?${q}`, { perMessageDeflate: A.deflate });
    let joined = false;
    ws.on('message', (data) => {
      lastMsgAt = performance.now();
      const s = data.toString();
      if (s.startsWith('{"type":"seek"')) {
        if (listener) onSeek(listener, Math.round(JSON.parse(s).position));
      } else if (!joined && s.startsWith('{"type":"room_info"')) {
        joined = true;
        resolve(ws);
      } else if (s.startsWith('{"type":"error"')) {
        noteError(`${userId}: ${s.slice(0, 200)}`);
      }
    });
    ws.on('close', (code, reason) => {
      if (measuring) closedDuringRun++;
      if (!joined) reject(new Error(`${userId}: closed ${code} ${reason} before room_info`));
    });
    ws.on('error', (e) => { if (!joined) reject(e); else noteError(`${userId}: ${e.message}`); });
  });
}

async function chorusSetup() {
  const room = await chorusCreateRoom();
  log(`room ${room.room_id} created on :${A.ports[0]}`);
  const host = await chorusConnect(A.ports[0], room.room_id, room.host_id, room.token, null);
  return {
    roomId: room.room_id,
    connectListener: (i, listener) => chorusConnect(A.ports[i % A.ports.length], room.room_id, `l${i}`, null, listener),
    send: (seq) => host.send(JSON.stringify({ type: 'control', action: 'seek', position: seq })),
    closeAll: (sockets) => { for (const s of sockets) s.terminate(); host.terminate(); },
    negotiated: host.extensions || 'none',
  };
}

// ---------- Chorus: SockJS event-bus bridge, raw WebSocket transport ----------
// Frames as @vertx/eventbus-bridge-client.js sends them: {"type":"register"|"send"|"ping", address, headers, body}.
const bridgeSockets = new Set();
setInterval(() => { for (const ws of bridgeSockets) if (ws.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}'); }, 5000).unref();

function bridgeOpen(port, label, listener) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/eventbus/websocket`, { perMessageDeflate: A.deflate });
    let open = false;
    ws.on('open', () => { open = true; bridgeSockets.add(ws); resolve(ws); });
    ws.on('message', (data) => {
      lastMsgAt = performance.now();
      const s = data.toString();
      if (s.includes('"type":"seek"')) {
        const seq = Math.round(JSON.parse(s).body.position);
        if (!listener) return;
        if (seq === 0) listener.probed = true; else onSeek(listener, seq);
      } else if (s.startsWith('{"type":"err"')) {
        noteError(`${label}: ${s.slice(0, 200)}`);
      }
    });
    ws.on('close', (code, reason) => {
      bridgeSockets.delete(ws);
      if (measuring) closedDuringRun++;
      if (!open) reject(new Error(`${label}: closed ${code} ${reason}`));
    });
    ws.on('error', (e) => { if (!open) reject(e); else noteError(`${label}: ${e.message}`); });
  });
}

async function bridgeSetup() {
  const room = await chorusCreateRoom();
  log(`room ${room.room_id} created on :${A.ports[0]}`);
  const address = `client.room.${room.room_id}`;
  const host = await bridgeOpen(A.ports[0], 'host', null);
  const all = [];
  const sendSeek = (seq) => host.send(JSON.stringify({ type: 'send', address: 'client.room-control',
    headers: { token: room.token }, body: { room_id: room.room_id, action: 'seek', position: seq } }));
  return {
    roomId: room.room_id,
    connectListener: async (i, listener) => {
      const port = A.ports[i % A.ports.length];
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/rooms/${room.room_id}/join`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-participant-id': `l${i}` },
        body: JSON.stringify({ display_name: `l${i}` }),
      });
      const body = await res.json();
      if (res.status !== 200) throw new Error(`join l${i}: ${res.status} ${JSON.stringify(body)}`);
      const ws = await bridgeOpen(port, `l${i}`, listener);
      ws.send(JSON.stringify({ type: 'register', address, headers: { token: body.token } }));
      all.push(listener);
      return ws;
    },
    serialFirst: true,
    // REGISTER has no acknowledgement: seek to 0 until every listener has seen one
    confirm: async () => {
      const until = performance.now() + 120000;
      while (performance.now() < until) {
        sendSeek(0);
        await sleep(2000);
        const missing = all.filter((l) => !l.probed).length;
        if (missing === 0) return;
        log(`${missing} listener(s) have not received the probe yet`);
      }
      throw new Error('not every listener received the probe within 120 s');
    },
    send: sendSeek,
    closeAll: (sockets) => { for (const s of sockets) s.terminate(); host.terminate(); },
    negotiated: host.extensions || 'none',
  };
}

// ---------- Socket.IO peer ----------
function sioConnect(port, roomId, userId, listener) {
  return new Promise((resolve, reject) => {
    const s = ioClient(`http://127.0.0.1:${port}`, {
      transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60000,
      query: { room_id: roomId, user_id: userId }, perMessageDeflate: A.deflate,
    });
    let joined = false;
    s.on('room_info', () => { lastMsgAt = performance.now(); if (!joined) { joined = true; resolve(s); } });
    s.on('room_event', (m) => {
      lastMsgAt = performance.now();
      if (listener && m.type === 'seek') onSeek(listener, Math.round(m.position));
    });
    s.on('connect_error', (e) => { if (!joined) reject(e); });
    s.on('disconnect', (reason) => { if (measuring) closedDuringRun++; if (!joined) reject(new Error(reason)); });
  });
}

async function sioSetup() {
  const roomId = `R${process.pid}`;
  const host = await sioConnect(A.ports[0], roomId, `bench-host-${process.pid}`, null);
  return {
    roomId,
    connectListener: (i, listener) => sioConnect(A.ports[i % A.ports.length], roomId, `l${i}`, listener),
    send: (seq) => host.emit('control', { type: 'control', action: 'seek', position: seq }),
    closeAll: (sockets) => { for (const s of sockets) s.disconnect(); host.disconnect(); },
    negotiated: 'n/a',
  };
}

const perFrame = (ticks, frames) => Math.round((ticks * 10000 / frames) * 10) / 10;

function pct(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

async function main() {
  const t0 = performance.now();
  // floor: io.chorus.bench.FloorServer speaks the Socket.IO peer's wire protocol
  const setups = { chorus: chorusSetup, bridge: bridgeSetup, socketio: sioSetup, floor: sioSetup };
  if (!setups[A.system]) throw new Error(`unknown system ${A.system}`);
  const sys = await setups[A.system]();
  const sockets = [];
  const listeners = [];
  const deadline = t0 + A.connectTimeout * 1000;
  for (let start = 0, end; start < A.n; start = end) {
    // bridge: the first REST join alone (concurrent first joins of a room made over /api/v1/listen/rooms
    // race on its PostgreSQL row: 500, duplicate key rooms_livekit_room_name_key)
    end = Math.min(A.n, sys.serialFirst && start === 0 ? 1 : start + A.batch);
    const batch = [];
    for (let i = start; i < end; i++) {
      const l = { seen: new Uint8Array(events + 1) };
      listeners.push(l);
      batch.push(sys.connectListener(i, l));
    }
    const left = deadline - performance.now();
    let timer;
    const res = await Promise.race([
      Promise.allSettled(batch),
      new Promise((r) => { timer = setTimeout(() => r(null), Math.max(0, left)); }),
    ]);
    clearTimeout(timer);
    if (res === null) throw new Error(`listeners not all joined within ${A.connectTimeout}s (at ${start}..${start + A.batch})`);
    const failed = res.filter((r) => r.status === 'rejected');
    if (failed.length) throw new Error(`${failed.length} listener(s) of batch ${start} failed, first: ${failed[0].reason && failed[0].reason.message}`);
    res.forEach((r) => sockets.push(r.value));
  }
  if (sys.confirm) await sys.confirm();
  const joinedMs = performance.now() - t0;
  log(`${A.n} listeners ready (room_info, or for the bridge the probe, received by all) in ${(joinedMs / 1000).toFixed(1)} s; waiting for quiet`);
  // let the join broadcasts drain: no message for 1 s (at most 120 s)
  const quietDeadline = performance.now() + 120000;
  while (performance.now() - lastMsgAt < 1000 && performance.now() < quietDeadline) await sleep(200);
  await sleep(500);
  log(`sending ${events} seek controls at ${A.rate}/s`);
  const load1 = require('os').loadavg()[0];
  const serverCpu0 = A.serverPids.map(cpuTicks);
  const ownCpu0 = cpuTicks(process.pid);
  measuring = true;
  const interval = 1000 / A.rate;
  const start = performance.now();
  for (let seq = 1; seq <= events; seq++) {
    const due = start + (seq - 1) * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    sendAt[seq] = performance.now();
    sys.send(seq);
  }
  const drainUntil = performance.now() + A.drain * 1000;
  while (delivered < events * A.n && performance.now() < drainUntil) await sleep(100);
  measuring = false;
  const serverCpu1 = A.serverPids.map(cpuTicks);
  const ownCpu1 = cpuTicks(process.pid);
  // the same percentiles without the first 5 s (warm-up: JIT, first GCs)
  const warmSeq = Math.round(5 * A.rate);
  const steady = latencies.filter((_, k) => lateSeq[k] > warmSeq).sort((x, y) => x - y);
  latencies.sort((x, y) => x - y);
  const result = {
    system: A.system, n: A.n, events, rate: A.rate, duration_s: A.duration,
    expected: events * A.n, delivered, unknown_seq: unknownSeq, duplicate, closed_during_run: closedDuringRun,
    errors, first_errors: firstErrors, join_s: +(joinedMs / 1000).toFixed(1), deflate: sys.negotiated,
    p50_ms: +(pct(latencies, 50) ?? NaN).toFixed(2), p99_ms: +(pct(latencies, 99) ?? NaN).toFixed(2),
    max_ms: +(latencies.length ? latencies[latencies.length - 1] : NaN).toFixed(2),
    after_5s: { p50_ms: +(pct(steady, 50) ?? NaN).toFixed(2), p99_ms: +(pct(steady, 99) ?? NaN).toFixed(2),
      max_ms: +(steady.length ? steady[steady.length - 1] : NaN).toFixed(2) },
    load1_at_start: +load1.toFixed(2),
  };
  // CPU per delivered frame over the measured window, as FanoutBench reports it
  if (delivered > 0) {
    const per = A.serverPids.map((_, k) => (serverCpu1[k][0] + serverCpu1[k][1] - serverCpu0[k][0] - serverCpu0[k][1]));
    result.server_cpu_ms = per.map((t) => t * 10);
    if (per.length) {
      result.server_cpu_us_per_frame = perFrame(per.reduce((x, y) => x + y, 0), delivered);
      result.server_kernel_us_per_frame = perFrame(A.serverPids.reduce((acc, _, k) => acc + serverCpu1[k][1] - serverCpu0[k][1], 0), delivered);
    }
    result.generator_cpu_us_per_frame = perFrame(ownCpu1[0] + ownCpu1[1] - ownCpu0[0] - ownCpu0[1], delivered);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  sys.closeAll(sockets);
  setTimeout(() => process.exit(0), 500);
}

main().catch((e) => {
  log(`failed: ${e.stack || e}${e.cause ? ` (cause: ${e.cause.message || e.cause})` : ""}`);
  process.stdout.write(`${JSON.stringify({ system: A.system, n: A.n, failed: String(e.message || e) })}\n`);
  process.exit(1);
});
