// The official Vert.x event-bus bridge client (@vertx/eventbus-bridge-client.js over sockjs-client)
// against a real Chorus node's /eventbus. The Java test (BridgeClientTest) creates the room and
// the tokens and passes them as one JSON argument:
//   {url, roomId, hostId, hostToken, memberId, memberToken, ghostToken, otherRoomToken, badToken}
// Prints one JSON line of observations on stdout; the Java test asserts on it.
import EventBus from '@vertx/eventbus-bridge-client.js';

const cfg = JSON.parse(process.argv[2] ?? '{}');
const address = `client.room.${cfg.roomId}`;
const result = { ok: false };
// Vert.x 5's bridge answers a REGISTER/SEND refused by the hook with {type:'err', body:'rejected'}
// (and one outside the permitted addresses with 'access_denied'); it arrives without an address.
const started = Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const buses = [];

function finish() {
  result.totalMs = Date.now() - started;
  for (const eb of buses) {
    try { eb.close(); } catch { /* already closed */ }
  }
  process.stdout.write(JSON.stringify(result) + '\n');
  setTimeout(() => process.exit(0), 50);
}

/** An open bridge connection that records what reaches it outside any handler (e.g. access_denied). */
function connect(name) {
  return new Promise((resolve, reject) => {
    const eb = new EventBus(cfg.url, { vertxbus_ping_interval: 5000 });
    buses.push(eb);
    const rec = { name, eb, errors: [], events: [], handlerErrors: [] };
    eb.onerror = (err) => rec.errors.push(err);
    eb.onunhandled = (json) => { if (json.type === 'err') rec.errors.push(json); };
    const timer = setTimeout(() => reject(new Error(`${name}: bridge did not open`)), 10_000);
    eb.onopen = () => { clearTimeout(timer); resolve(rec); };
    eb.onclose = () => { rec.closed = true; };
  });
}

function register(rec, headers) {
  rec.eb.registerHandler(address, headers, (err, msg) => {
    if (err) rec.handlerErrors.push(err);
    else rec.events.push({ body: msg.body, headers: msg.headers });
  });
}

/** SEND with a reply handler: resolves {reply} or {err}; a send the bridge drops entirely times out. */
function request(rec, addr, body, headers, timeoutMs = 5000) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ timeout: true }), timeoutMs);
    rec.eb.send(addr, body, headers, (err, msg) => {
      clearTimeout(timer);
      resolve(err ? { err } : { reply: msg.body, headers: msg.headers });
    });
  });
}

/** A clock round trip: its reply comes after everything the node wrote to this socket before it. */
const settle = (rec) => request(rec, 'client.clock', { t0: Date.now() }, {});
const settleAll = (recs) => Promise.all(recs.map(settle));

const playEvents = (rec) => rec.events.filter((e) => e.body && ['play', 'pause', 'seek'].includes(e.body.type));

try {
  const member = await connect('member');
  const ghost = await connect('ghost');          // valid signature for this room, but never joined
  const other = await connect('otherRoom');      // a member's token for another room
  const bad = await connect('badToken');         // tampered signature
  const none = await connect('noToken');         // no headers at all
  const host = await connect('host');

  register(member, { token: cfg.memberToken });
  register(ghost, { token: cfg.ghostToken });
  register(other, { token: cfg.otherRoomToken });
  register(bad, { token: cfg.badToken });
  register(none, {});
  // a REGISTER has no acknowledgement in the bridge protocol, but Chorus handles a socket's frames in
  // order: a request's reply proves the REGISTER before it was settled (accepted or refused)
  await settleAll([member, ghost, other, bad, none]);

  // clock sync over client.clock: several samples, the lowest delay kept
  const samples = [];
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    const r = await request(member, 'client.clock', { t0 }, {});
    const t3 = Date.now();
    if (r.reply) {
      const { t1, t2 } = r.reply;
      samples.push({ echoed: r.reply.t0 === t0, t1, t2, offset: ((t1 - t0) + (t2 - t3)) / 2, delay: (t3 - t0) - (t2 - t1) });
    } else {
      samples.push(r);
    }
  }
  result.clock = { samples, best: samples.filter((s) => typeof s.delay === 'number').sort((a, b) => a.delay - b.delay)[0] ?? null };

  // a non-host member's control: refused by the room, nothing changes
  result.memberControl = await request(member, 'client.room-control', { room_id: cfg.roomId, action: 'play' }, { token: cfg.memberToken });
  // the same member forging the host's identity in an actor header: the bridge replaces it
  result.forgedActor = await request(member, 'client.room-control', { room_id: cfg.roomId, action: 'play', position: 42 },
    { token: cfg.memberToken, actor: cfg.hostId, user_id: cfg.hostId });
  // an actor header with no token at all: refused by the bridge
  result.actorWithoutToken = await request(none, 'client.room-control', { room_id: cfg.roomId, action: 'play' }, { actor: cfg.hostId }, 2000);
  // a ghost token (signed for the room, not a member) is not the host either
  result.ghostControl = await request(ghost, 'client.room-control', { room_id: cfg.roomId, action: 'play' }, { token: cfg.ghostToken });
  await settle(member);
  result.eventsBeforeHost = playEvents(member).length;

  // the host's control succeeds and reaches the member, and only the member
  const hostSentAt = Date.now();
  result.hostControl = await request(host, 'client.room-control', { room_id: cfg.roomId, action: 'play', position: 12.5 }, { token: cfg.hostToken });
  const deadline = Date.now() + 5000;
  while (playEvents(member).length === 0 && Date.now() < deadline) await sleep(5);
  result.memberPlayLatencyMs = playEvents(member).length ? Date.now() - hostSentAt : null;
  // every socket's event frames are written before a later reply on the same socket: once each has
  // answered, anything that should not arrive would have arrived
  await settleAll([member, ghost, other, bad, none]);

  result.member = { events: member.events.map((e) => e.body), errors: member.errors, handlerErrors: member.handlerErrors };
  for (const rec of [ghost, other, bad, none]) {
    result[rec.name] = { events: rec.events.length, errors: rec.errors, handlerErrors: rec.handlerErrors, closed: !!rec.closed };
  }
  result.ok = true;
} catch (e) {
  result.error = String(e && e.stack || e);
}
finish();
