// What listeners hear: a host page and listener pages in headless Chromium, each page on a node of its
// own choosing, joined through the page's own forms; the host presses Play, drags the seek slider,
// pauses and resumes. Every page's <audio>.currentTime is read every 250 ms together with the page's
// own timestamp (performance.timeOrigin + performance.now()); the listeners' readings are compared with
// the host's, extrapolated to the listener's instant; the first SKIP ms after each action are left out.
// Used by scripts/bench-browser-sync (3 nodes) and BrowserTimingTest#startupCompensationAndHysteresis (1 node).
//
// Usage: node test/browser-sync-bench.mjs --urls http://127.0.0.1:8099,http://127.0.0.1:8199,... \
//          [--pages 0,1,2,1] [--client-js FILE] [--label NAME] [--hold 10] [--skip 2000]
//   --pages: the node index (into --urls) of the host page, then of each listener page
//   --client-js: serve this file as the page's /app.js (to measure another version of the client
//                against the same nodes); default: whatever the node serves
// Prints one JSON line of results on stdout; exit 0 unless it crashed (then ok=false with the error).
import { AUTOPLAY, CHROMIUM, launch } from './harness.mjs';
import { existsSync, readFileSync } from 'node:fs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const urls = (args.urls || '').split(',').filter(Boolean);
if (!urls.length) {
  console.error('usage: node test/browser-sync-bench.mjs --urls URL[,URL...] [--pages 0,1,2,1] [--client-js FILE] [--hold S] [--skip MS]');
  process.exit(2);
}
const pagesAt = (args.pages || '0,1,2,1').split(',').map((x) => Number(x) % urls.length);
const holdMs = Number(args.hold || 10) * 1000;
const skipMs = Number(args.skip || 2000);
const clientJs = args['client-js'] ? readFileSync(args['client-js'], 'utf8') : null;
const result = { ok: false, label: args.label || null, chromium: CHROMIUM, pages: pagesAt, holdMs, skipMs, console: [] };
const started = Date.now();

function finish(code) {
  result.totalMs = Date.now() - started;
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(code);
}
if (!existsSync(CHROMIUM)) {
  result.error = `Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium)`;
  finish(0);
}

const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let browser;
try {
  browser = await launch(['--disable-quic', AUTOPLAY]);
  result.browserVersion = browser.version();

  const pages = [];
  for (let i = 0; i < pagesAt.length; i++) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const name = i === 0 ? 'host' : `listener${i}`;
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') result.console.push(`${name}: ${m.text()}`); });
    page.on('pageerror', (e) => result.console.push(`${name} pageerror: ${e.message}`));
    if (clientJs !== null) {
      await page.route(/\/app\.js(\?.*)?$/, (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: clientJs }));
    }
    pages.push({ name, page, base: urls[pagesAt[i]] });
  }
  const [host, ...listeners] = pages;

  // the host creates the room through the lobby form, the listeners join through theirs
  await host.page.goto(host.base + '/');
  await host.page.fill('#name', 'Host');
  await host.page.fill('#track', '/media/test-tone.wav');
  await host.page.click('#create');
  await host.page.waitForFunction(() => window.chorus.ready, null, { timeout: 20_000 });
  const roomId = await host.page.evaluate(() => window.chorus.roomId);
  result.roomId = roomId;
  for (const l of listeners) {
    await l.page.goto(`${l.base}/?room=${roomId}`);
    await l.page.fill('#name', l.name);
    await l.page.click('#join');
    await l.page.waitForFunction(() => window.chorus.ready, null, { timeout: 20_000 });
  }
  await host.page.waitForFunction((n) => document.querySelectorAll('#users li').length === n, pages.length, { timeout: 20_000 });
  for (const p of pages) {
    await p.page.waitForFunction(() => document.getElementById('player').readyState >= 4, null, { timeout: 20_000 });
  }
  result.clock = {};
  for (const p of pages) result.clock[p.name] = await p.page.evaluate(() => window.chorus.clock);

  // every page samples its own element every 250 ms, with its own timestamp
  for (const p of pages) {
    await p.page.evaluate(() => {
      const a = document.getElementById('player');
      window.__samples = [];
      window.__sampler = setInterval(() => {
        const t = performance.timeOrigin + performance.now();
        window.__samples.push({ t, ct: a.currentTime, paused: a.paused, seeking: a.seeking, rate: a.playbackRate,
          target: window.chorus.targetPosition(), status: window.chorus.playback && window.chorus.playback.status });
      }, 250);
    });
  }
  // reaction: the moment a page's element runs from the new position (not paused, not seeking, time advancing)
  const armProbe = (page, min, max) => page.evaluate(([lo, hi]) => {
    const a = document.getElementById('player');
    const probe = { at: null };
    window.__probe = probe;
    let last = null;
    const deadline = performance.now() + 8000;
    const tick = () => {
      const ok = !a.paused && !a.seeking && a.readyState >= 3;
      const ct = a.currentTime;
      if (ok && last !== null && ct > last && ct >= lo && ct <= hi) {
        probe.at = performance.timeOrigin + performance.now();
        return;
      }
      last = ok ? ct : null;
      if (performance.now() < deadline) setTimeout(tick, 2);
    };
    tick();
  }, [min, max]);
  const readProbes = async (since) => {
    const out = [];
    for (const l of listeners) {
      await l.page.waitForFunction(() => window.__probe.at !== null, null, { timeout: 10_000 }).catch(() => {});
      const at = await l.page.evaluate(() => window.__probe.at);
      out.push(at === null ? null : at - since);
    }
    return out;
  };
  const hostNow = () => host.page.evaluate(() => performance.timeOrigin + performance.now());

  const actions = [];
  const act = async (kind, fn, probeRange) => {
    if (probeRange) for (const l of listeners) await armProbe(l.page, probeRange[0], probeRange[1]);
    const at = await host.page.evaluate(fn);
    const entry = { kind, at };
    actions.push(entry);
    if (probeRange) entry.reactionMs = (await readProbes(at)).map(r1);
    return entry;
  };
  const click = (id) => `(() => { const t = performance.timeOrigin + performance.now(); document.getElementById('${id}').click(); return t; })()`;

  await act('play', click('play'), [0, 10]);
  await sleep(Math.max(0, actions[0].at + holdMs - (await hostNow())));
  const seekTo = 30;
  await act('seek', `(() => { const s = document.getElementById('seek'); s.value = '${seekTo}'; s.dispatchEvent(new Event('input'));
    const t = performance.timeOrigin + performance.now(); s.dispatchEvent(new Event('change')); return t; })()`, [seekTo - 0.5, seekTo + 5]);
  await sleep(Math.max(0, actions[1].at + holdMs - (await hostNow())));
  await act('pause', click('pause'), null);
  await sleep(3000);
  const pausedAt = await host.page.evaluate(() => document.getElementById('player').currentTime);
  await act('resume', click('play'), [pausedAt - 0.5, pausedAt + 5]);
  await sleep(Math.max(0, actions[3].at + holdMs - (await hostNow())));
  const endAt = await hostNow();

  const series = [];
  for (const p of pages) {
    series.push(await p.page.evaluate(() => { clearInterval(window.__sampler); return window.__samples; }));
  }
  for (const p of pages) {
    p.sync = await p.page.evaluate(() => { try { return window.chorus.sync || null; } catch (e) { return null; } });
    p.events = await p.page.evaluate(() => window.chorus.events);
  }

  // a reading counts if it is in a playing phase, at least skipMs after that phase's action
  const phases = [];
  for (let i = 0; i < actions.length; i++) {
    if (actions[i].kind === 'pause') continue;
    phases.push({ from: actions[i].at + skipMs, to: i + 1 < actions.length ? actions[i + 1].at : endAt });
  }
  const counted = (t) => phases.some((ph) => t >= ph.from && t < ph.to);
  const hostSeries = series[0];
  const hostAt = (t) => {   // the host's position at instant t, from its nearest reading
    let best = null;
    for (const h of hostSeries) if (best === null || Math.abs(h.t - t) < Math.abs(best.t - t)) best = h;
    if (!best || Math.abs(best.t - t) > 300 || best.paused || best.seeking) return null;
    return best.ct + ((t - best.t) / 1000) * best.rate;
  };

  const perListener = [];
  for (let i = 1; i < pages.length; i++) {
    const offs = [];
    for (const s of series[i]) {
      if (!counted(s.t) || s.paused || s.seeking) continue;
      const h = hostAt(s.t);
      if (h !== null) offs.push((s.ct - h) * 1000);
    }
    const abs = offs.map(Math.abs);
    perListener.push({ name: pages[i].name, node: pagesAt[i], n: offs.length, medianAbsMs: r1(median(abs)),
      maxAbsMs: r1(abs.length ? Math.max(...abs) : null), meanMs: r1(offs.length ? offs.reduce((a, b) => a + b, 0) / offs.length : null) });
  }
  const perPageRoom = [];
  for (let i = 0; i < pages.length; i++) {
    const offs = series[i].filter((s) => counted(s.t) && !s.paused && !s.seeking && s.status === 'play').map((s) => (s.ct - s.target) * 1000);
    const abs = offs.map(Math.abs);
    perPageRoom.push({ name: pages[i].name, n: offs.length, medianMs: r1(median(offs)), medianAbsMs: r1(median(abs)),
      maxAbsMs: r1(abs.length ? Math.max(...abs) : null) });
  }
  const reactions = actions.filter((a) => a.reactionMs).flatMap((a) => a.reactionMs).filter((x) => x !== null);
  result.actions = actions.map((a) => ({ kind: a.kind, reactionMs: a.reactionMs }));
  result.listeners = perListener;
  result.room = perPageRoom;
  result.summary = {
    worstListenerMedianMs: r1(Math.max(...perListener.map((l) => l.medianAbsMs ?? Infinity))),
    worstListenerMaxMs: r1(Math.max(...perListener.map((l) => l.maxAbsMs ?? Infinity))),
    worstPageRoomMedianAbsMs: r1(Math.max(...perPageRoom.map((p) => p.medianAbsMs ?? Infinity))),
    worstPageRoomMaxAbsMs: r1(Math.max(...perPageRoom.map((p) => p.maxAbsMs ?? Infinity))),
    reactionMedianMs: r1(median(reactions)),
    reactionsMissing: actions.filter((a) => a.reactionMs).flatMap((a) => a.reactionMs).filter((x) => x === null).length,
  };
  result.sync = Object.fromEntries(pages.map((p) => [p.name, p.sync]));
  if (args.raw) {   // every counted reading: [ms since the first action, offset from the room (ms), rate]
    result.raw = Object.fromEntries(pages.map((p, i) => [p.name, series[i].filter((s) => counted(s.t) && !s.paused)
      .map((s) => [Math.round(s.t - actions[0].at), r1((s.ct - s.target) * 1000), s.rate])]));
  }
  result.events = Object.fromEntries(pages.map((p) => [p.name, p.events]));
  // a run counts only if every page applied every action (a refused control leaves the room playing,
  // and its "reaction" would be the element that never stopped)
  const got = (ev, type) => (ev[`bridge:${type}`] || 0) + (ev[`ws:${type}`] || 0);
  result.actionsApplied = pages.every((p) => got(p.events, 'play') >= 2 && got(p.events, 'seek') >= 1 && got(p.events, 'pause') >= 1);
  result.hostError = await host.page.textContent('#error');
  result.ok = true;
} catch (e) {
  result.error = String(e && e.stack || e);
} finally {
  if (browser) await browser.close().catch(() => {});
}
finish(0);
