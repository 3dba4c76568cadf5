// Chat events over the SockJS bridge with the official Vert.x event-bus bridge client. The Java test
// (io.chorus.chat.ChatBridgeClientTest) passes {url, api, roomA, roomB, memberA, memberB}: member
// tokens of two rooms. memberA listens to room A; memberB listens to room B and also tries room A
// with its room-B token (refused). Each then posts a chat message to its own room over REST.
// Prints one JSON line of what every handler received.
import EventBus from '@vertx/eventbus-bridge-client.js';

const cfg = JSON.parse(process.argv[2] ?? '{}');
const result = { ok: false };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const buses = [];

function connect(name) {
  return new Promise((resolve, reject) => {
    const eb = new EventBus(cfg.url, { vertxbus_ping_interval: 5000 });
    buses.push(eb);
    const rec = { name, eb, errors: [], events: [] };
    eb.onerror = (err) => rec.errors.push(err);
    eb.onunhandled = (json) => { if (json.type === 'err') rec.errors.push(json); };
    const timer = setTimeout(() => reject(new Error(`${name}: bridge did not open`)), 10_000);
    eb.onopen = () => { clearTimeout(timer); resolve(rec); };
  });
}

function listen(rec, roomId, token) {
  rec.eb.registerHandler(`client.chat.${roomId}`, { token }, (err, msg) => {
    if (err) rec.errors.push(err);
    else rec.events.push({ room: roomId, body: msg.body });
  });
}

/** A clock round trip: Chorus handles a socket's frames in order and writes its frames in order, so the
 * reply comes after the socket's earlier REGISTERs were settled and after every event written before it. */
function settle(rec) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${rec.name}: no clock reply`)), 5000);
    rec.eb.send('client.clock', { t0: Date.now() }, {}, (err) => { clearTimeout(timer); if (err) reject(err); else resolve(); });
  });
}

async function post(roomId, token, content) {
  const r = await fetch(`${cfg.api}/api/v1/rooms/${roomId}/chat/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ content }),
  });
  return r.status;
}

try {
  const a = await connect('memberA');
  const b = await connect('memberB');
  const intruder = await connect('intruder');
  listen(a, cfg.roomA, cfg.memberA);
  listen(b, cfg.roomB, cfg.memberB);
  listen(intruder, cfg.roomA, cfg.memberB);   // a valid token, but for room B
  await Promise.all([a, b, intruder].map(settle));   // REGISTER has no acknowledgement; see settle
  const sentAt = Date.now();
  result.postA = await post(cfg.roomA, cfg.memberA, 'hello A');
  result.postB = await post(cfg.roomB, cfg.memberB, 'hello B');
  const deadline = Date.now() + 5000;
  const chat = (rec) => rec.events.filter((e) => e.body && e.body.type === 'message_created');
  while ((chat(a).length === 0 || chat(b).length === 0) && Date.now() < deadline) await sleep(5);
  result.latencyMs = Date.now() - sentAt;
  await Promise.all([a, b, intruder].map(settle));   // anything that should not arrive has arrived by now
  for (const rec of [a, b, intruder]) {
    result[rec.name] = { events: rec.events, errors: rec.errors };
  }
  result.ok = true;
} catch (e) {
  result.error = String(e && e.stack || e);
}
result.ok = result.ok === true;
for (const eb of buses) { try { eb.close(); } catch { /* closed */ } }
process.stdout.write(JSON.stringify(result) + '\n');
setTimeout(() => process.exit(0), 50);
