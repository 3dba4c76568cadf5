// A signed-in user's own channel over the SockJS bridge with the official Vert.x event-bus bridge client, the user id
// spelled in upper case. The Java test (io.chorus.accounts.SignedInRoomSocketTest) passes {urls: [node 0, node 1], api,
// uid, address, jwts: [session 1, session 2], friendJwt, adminJwt}. Socket i (on node i) registers `address` with
// session i's JWT; a friend request reaches both; signing session 1 out ends socket 0's registration (4010); disabling
// the account ends socket 1's (4030). Prints one JSON line of what every handler received.
import EventBus from '@vertx/eventbus-bridge-client.js';

const cfg = JSON.parse(process.argv[2] ?? '{}');
const result = { ok: false };
const buses = [];

function connect(name, url) {
  return new Promise((resolve, reject) => {
    const eb = new EventBus(url, { vertxbus_ping_interval: 5000 });
    buses.push(eb);
    const rec = { name, eb, errors: [], events: [], waiters: [] };
    eb.onerror = (err) => note(rec, rec.errors, err);
    eb.onunhandled = (json) => { if (json.type === 'err') note(rec, rec.errors, json); };
    const timer = setTimeout(() => reject(new Error(`${name}: bridge did not open`)), 10_000);
    eb.onopen = () => { clearTimeout(timer); resolve(rec); };
  });
}

function note(rec, list, item) {
  list.push(item);
  for (const w of rec.waiters.slice()) w();
}

/** Resolves once `pred` holds for `rec` (checked on every frame the socket's handlers get), or fails after `ms`. */
function until(rec, what, pred, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { done(); reject(new Error(`${rec.name}: no ${what}`)); }, ms);
    const check = () => { if (pred()) { done(); resolve(); } };
    const done = () => { clearTimeout(timer); rec.waiters = rec.waiters.filter((w) => w !== check); };
    rec.waiters.push(check);
    check();
  });
}

function listen(rec, jwt) {
  rec.eb.registerHandler(cfg.address, { access_token: jwt }, (err, msg) => {
    if (err) note(rec, rec.errors, err);
    else note(rec, rec.events, msg.body);
  });
}

/** A clock round trip: Chorus handles a socket's frames in order, so the reply comes after its REGISTER was settled. */
function settle(rec) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${rec.name}: no clock reply`)), 5000);
    rec.eb.send('client.clock', { t0: Date.now() }, {}, (err) => { clearTimeout(timer); if (err) reject(err); else resolve(); });
  });
}

async function post(path, jwt, body) {
  const r = await fetch(`${cfg.api}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return r.status;
}

const failure = (rec, code) => () => rec.errors.some((e) => e.failureCode === code);

try {
  const recs = [await connect('session1', cfg.urls[0]), await connect('session2', cfg.urls[1])];
  recs.forEach((rec, i) => listen(rec, cfg.jwts[i]));
  await Promise.all(recs.map(settle));   // REGISTER has no acknowledgement; see settle
  result.friendRequest = await post('/api/v1/friends/requests', cfg.friendJwt, { user_id: cfg.uid });
  const friendRequest = (rec) => () => rec.events.some((e) => e && e.type === 'friend_request');
  await Promise.all(recs.map((rec) => until(rec, 'friend_request', friendRequest(rec)).catch((e) => { result[`${rec.name}Wait`] = String(e); })));
  result.logout = await post('/api/v1/auth/logout', cfg.jwts[0]);
  await until(recs[0], 'err 4010', failure(recs[0], 4010)).catch((e) => { result.logoutWait = String(e); });
  result.disable = await post(`/api/v1/admin/users/${cfg.uid}/disable`, cfg.adminJwt);
  await until(recs[1], 'err 4030', failure(recs[1], 4030)).catch((e) => { result.disableWait = String(e); });
  for (const rec of recs) {
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
