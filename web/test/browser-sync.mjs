// Two headless-Chromium pages on a real Chorus node: the host creates a room, a listener joins,
// the host presses play (then seeks, then pauses); the listener's <audio> must follow.
// Usage: node test/browser-sync.mjs http://127.0.0.1:PORT
// Prints one JSON line of measurements on stdout (the Java test asserts on it); exit 0 unless it crashed.
import { AUTOPLAY, CHROMIUM, launch, observations } from './harness.mjs';

const base = process.argv[2];
if (!base) {
  console.error('usage: node test/browser-sync.mjs http://127.0.0.1:PORT');
  process.exit(2);
}
const { result, finish } = observations({ chromium: CHROMIUM });
const t = () => Date.now();

let browser;
try {
  // playwright gives every non-persistent launch a fresh --user-data-dir of its own (a temp dir)
  browser = await launch(['--disable-quic', AUTOPLAY]);
  result.browserVersion = browser.version();

  const hostCtx = await browser.newContext();
  const listenerCtx = await browser.newContext();
  const host = await hostCtx.newPage();
  const listener = await listenerCtx.newPage();
  for (const [name, page] of [['host', host], ['listener', listener]]) {
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') result.console.push(`${name}: ${m.text()}`); });
    page.on('pageerror', (e) => result.console.push(`${name} pageerror: ${e.message}`));
  }

  // host: create a room with the generated same-origin track
  await host.goto(base + '/');
  await host.fill('#name', 'Host Hanna');
  await host.fill('#track', '/media/test-tone.wav');
  await host.click('#create');
  await host.waitForFunction(() => window.chorus.ready, null, { timeout: 15_000 });
  const roomId = await host.evaluate(() => window.chorus.roomId);
  result.roomId = roomId;
  result.hostIsHost = await host.evaluate(() => window.chorus.isHost);

  // listener: joins through the share link, with markup in its name (must show as text)
  const evilName = '<img src=x onerror="window.__xss=1">Lis';
  await listener.goto(`${base}/?room=${roomId}`);
  await listener.fill('#name', evilName);
  await listener.click('#join');
  await listener.waitForFunction(() => window.chorus.ready, null, { timeout: 15_000 });
  result.listenerIsHost = await listener.evaluate(() => window.chorus.isHost);
  await host.waitForFunction(() => document.querySelectorAll('#users li').length === 2, null, { timeout: 10_000 });
  result.hostSeesNames = await host.$$eval('#users li .name', (els) => els.map((e) => e.textContent));
  result.xssSafe = await host.evaluate(() => window.__xss === undefined && document.querySelectorAll('#users img').length === 0);
  result.listenerControlsHidden = !(await listener.isVisible('#host-controls')) && !(await listener.isVisible('#play'));
  result.hostControlsVisible = await host.isVisible('#play') && await host.isVisible('#seek');
  result.clock = { host: await host.evaluate(() => window.chorus.clock), listener: await listener.evaluate(() => window.chorus.clock) };

  // both have the track loaded before the measured action (loading is not what is measured)
  for (const page of [host, listener]) {
    await page.waitForFunction(() => document.getElementById('player').readyState >= 4, null, { timeout: 15_000 });
  }

  // the listener records the moment its element really plays: not paused, not seeking, time advancing
  const installProbe = (page) => page.evaluate(() => {
    const a = document.getElementById('player');
    const probe = { first: null };
    window.__probe = probe;
    let last = null;
    const tick = () => {
      const ok = !a.paused && !a.seeking && a.readyState >= 3;
      const ct = a.currentTime;
      if (ok && last !== null && ct > last) {
        probe.first = { at: Date.now(), ct };
        return;
      }
      last = ok ? ct : null;
      setTimeout(tick, 2);
    };
    tick();
  });
  const sample = (page) => page.evaluate(() => {
    const a = document.getElementById('player');
    return { t: Date.now(), pos: a.currentTime, paused: a.paused, rate: a.playbackRate, target: window.chorus.targetPosition() };
  });
  // listener position minus host position, both taken to the listener's sampling instant (ms)
  const diff = async () => {
    const h = await sample(host);
    const l = await sample(listener);
    const hostAt = h.paused ? h.pos : h.pos + ((l.t - h.t) / 1000) * h.rate;
    return { diffMs: Math.round((l.pos - hostAt) * 1000), host: h, listener: l };
  };
  const waitFirst = async (page, since, timeoutMs) => {
    const deadline = t() + timeoutMs;
    for (;;) {
      const first = await page.evaluate(() => window.__probe.first);
      if (first) return { latencyMs: first.at - since, ct: first.ct };
      if (t() > deadline) return { latencyMs: null };
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const sleepUntil = (at) => new Promise((r) => setTimeout(r, Math.max(0, at - t())));

  // ---- play ----
  await installProbe(listener);
  const clickAt = await host.evaluate(() => { const now = Date.now(); document.getElementById('play').click(); return now; });
  const first = await waitFirst(listener, clickAt, 5_000);
  result.play = { startLatencyMs: first.latencyMs };
  result.play.atStart = await diff();
  await sleepUntil(clickAt + 1_000);
  result.play.at1s = await diff();
  await sleepUntil(clickAt + 3_000);
  result.play.at3s = await diff();

  // ---- seek (host drags the slider to 30 s) ----
  const seekAt = await host.evaluate(() => {
    const s = document.getElementById('seek');
    s.value = '30';
    s.dispatchEvent(new Event('input'));
    const now = Date.now();
    s.dispatchEvent(new Event('change'));
    return now;
  });
  await listener.waitForFunction(() => { const a = document.getElementById('player'); return a.currentTime >= 29.5 && !a.seeking && !a.paused; }, null, { timeout: 5_000 });
  result.seek = { latencyMs: t() - seekAt };
  await sleepUntil(seekAt + 1_000);
  result.seek.at1s = await diff();

  // ---- pause ----
  const pauseAt = await host.evaluate(() => { const now = Date.now(); document.getElementById('pause').click(); return now; });
  await listener.waitForFunction(() => document.getElementById('player').paused, null, { timeout: 5_000 });
  result.pause = { latencyMs: t() - pauseAt };
  await sleepUntil(pauseAt + 500);
  result.pause.after = await diff();

  result.listenerEvents = await listener.evaluate(() => window.chorus.events);
  result.hostEvents = await host.evaluate(() => window.chorus.events);
  result.listenerStatusText = await listener.textContent('#status');
  if (process.env.CHORUS_SCREENSHOT_DIR) {   // for a person to look at the pages
    await host.screenshot({ path: `${process.env.CHORUS_SCREENSHOT_DIR}/host.png`, fullPage: true });
    await listener.screenshot({ path: `${process.env.CHORUS_SCREENSHOT_DIR}/listener.png`, fullPage: true });
  }
  result.ok = true;
} catch (e) {
  result.error = String(e && e.stack || e);
} finally {
  if (browser) await browser.close().catch(() => {});
}
finish(0);
