// Every SockJS transport sockjs-client 1.6.1 can use under Node, each through the official Vert.x
// event-bus bridge client (@vertx/eventbus-bridge-client.js passes its options to SockJS, so
// {transports: [name]} pins one transport). For each: a member REGISTERs with its token, the host
// (on a WebSocket connection) sends play and the member receives the event, and a client.clock
// request gets its reply. The Java test (BridgeTransportsTest) creates the room and the tokens:
//   {url, roomId, hostToken, memberToken, transports: [...]}
// Prints one JSON line {ok, results: {<transport>: {...}}} on stdout.
//
// Not here, because sockjs-client cannot run them under Node: jsonp-polling and htmlfile need a
// browser document (script tags / an iframe: their enabled() checks global.document), xdr-* need
// IE's XDomainRequest, and the iframe-* variants need window.postMessage. BridgeTransportsTest
// speaks jsonp-polling to the server with a plain HTTP client instead.
import EventBus from '@vertx/eventbus-bridge-client.js';

const cfg = JSON.parse(process.argv[2] ?? '{}');
const address = `client.room.${cfg.roomId}`;
const result = { ok: false, results: {} };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function connect(name, options) {
  return new Promise((resolve, reject) => {
    const eb = new EventBus(cfg.url, { vertxbus_ping_interval: 5000, ...options });
    const rec = { name, eb, errors: [], events: [], handlerErrors: [] };
    eb.onerror = (err) => rec.errors.push(err);
    eb.onunhandled = (json) => { if (json.type === 'err') rec.errors.push(json); };
    const timer = setTimeout(() => reject(new Error(`${name}: bridge did not open`)), 15_000);
    eb.onopen = () => { clearTimeout(timer); resolve(rec); };
    eb.onclose = (e) => {
      clearTimeout(timer);
      rec.closed = { code: e && e.code, reason: e && e.reason };
      reject(new Error(`${name}: closed ${e && e.code} ${e && e.reason}`));
    };
  });
}

function request(rec, addr, body, headers, timeoutMs = 10_000) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ timeout: true }), timeoutMs);
    rec.eb.send(addr, body, headers, (err, msg) => {
      clearTimeout(timer);
      resolve(err ? { err } : { reply: msg.body });
    });
  });
}

function close(rec) {
  try { rec.eb.close(); } catch { /* already closed */ }
}

let host;
try {
  host = await connect('host', { transports: ['websocket'] });
  for (const t of cfg.transports) {
    const out = { transport: null };
    result.results[t] = out;
    let member;
    try {
      member = await connect(t, { transports: [t] });
      out.transport = member.eb.sockJSConn.transport;
      member.eb.registerHandler(address, { token: cfg.memberToken }, (err, msg) => {
        if (err) member.handlerErrors.push(err);
        else member.events.push(msg.body);
      });
      // frames are handled in order: this reply proves the REGISTER was settled
      const t0 = Date.now();
      out.clock = await request(member, 'client.clock', { t0 }, {});
      out.clockEchoed = !!(out.clock.reply && out.clock.reply.t0 === t0);
      out.control = await request(host, 'client.room-control', { room_id: cfg.roomId, action: 'play', position: 1 },
        { token: cfg.hostToken });
      const version = out.control.reply && out.control.reply.version;
      const deadline = Date.now() + 10_000;
      while (!member.events.some((e) => e.version === version) && Date.now() < deadline) await sleep(10);
      out.play = member.events.find((e) => e.version === version) ?? null;
      out.errors = member.errors;
      out.handlerErrors = member.handlerErrors;
    } catch (e) {
      out.error = String(e && e.message || e);
    } finally {
      if (member) close(member);
    }
  }
  result.ok = true;
} catch (e) {
  result.error = String(e && e.stack || e);
}
if (host) close(host);
process.stdout.write(JSON.stringify(result) + '\n');
setTimeout(() => process.exit(0), 50);
