// A room's shared queue in headless Chromium (issue 17): the host adds a track to the queue from the
// page, both pages show it (as text), the guest has no queue controls, the host skips, both pages load
// the next track and report ready, and the room starts it for both — before the ready timeout, so
// because both reported ready.
// Usage: node test/browser-queue.mjs http://127.0.0.1:PORT
// Prints one JSON line of observations on stdout (the Java test asserts on it); exit 0 unless it crashed.
import { AUTOPLAY, launch, observations } from './harness.mjs';

const base = process.argv[2];
const { result, finish, step } = observations();

let browser;
try {
  browser = await launch([AUTOPLAY]);
  const r = await fetch(base + '/api/v1/rooms', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Queue party', display_name: 'Host Hanna' }) });
  const created = await r.json();
  const roomId = created.room.id;
  const host = await (await browser.newContext()).newPage();
  const guest = await (await browser.newContext()).newPage();
  for (const [name, page] of [['host', host], ['guest', guest]]) {
    page.on('console', (m) => { if (m.type() === 'error') result.console.push(`${name}: ${m.text()}`); });
    page.on('pageerror', (e) => result.console.push(`${name} pageerror: ${e.message}`));
  }
  await host.goto(`${base}/?room=${roomId}#token=${encodeURIComponent(created.token)}`);
  await host.waitForFunction(() => window.chorus.ready, null, { timeout: 15_000 });
  await host.fill('#track-url', '/media/test-tone.wav');
  await host.click('#set-track');
  await host.waitForFunction(() => (window.chorus.playback || {}).track_url, null, { timeout: 10_000 });
  await guest.goto(base + '/');
  await guest.fill('#name', 'Guest Gil');
  await guest.fill('#room-code', roomId);
  await guest.click('#join');
  await guest.waitForFunction(() => window.chorus.ready, null, { timeout: 15_000 });
  step('both in');
  result.hostQueueForm = await host.isVisible('#queue-form');
  result.guestQueueForm = await guest.isVisible('#queue-form');

  const title = 'Second <i>song</i>';
  await host.fill('#queue-track', '/media/test-tone.wav?second=1');
  await host.fill('#queue-title', title);
  await host.click('#queue-add');
  for (const page of [host, guest]) {
    await page.waitForFunction(() => document.body.dataset.queue === '1', null, { timeout: 10_000 });
  }
  result.hostQueueText = await host.$eval('#queue li span', (e) => e.textContent);
  result.guestQueueText = await guest.$eval('#queue li span', (e) => e.textContent);
  result.queueMarkup = await guest.$$eval('#queue li i', (els) => els.length);
  step('queued');

  const skippedAt = Date.now();
  await host.click('#skip');
  for (const [name, page] of [['host', host], ['guest', guest]]) {
    await page.waitForFunction(() => { const p = window.chorus.playback || {}; return (p.track_url || '').endsWith('?second=1'); }, null,
      { timeout: 10_000 });
    await page.waitForFunction(() => (window.chorus.playback || {}).status === 'play', null, { timeout: 30_000 });
    result[`${name}StartedMs`] = Date.now() - skippedAt;
    result[`${name}ReadySent`] = await page.evaluate(() => window.chorus.readySent);
    await page.waitForFunction(() => { const a = document.getElementById('player'); return !a.paused && a.currentTime > 0.2; }, null,
      { timeout: 15_000 });
  }
  result.queueAfterSkip = await guest.evaluate(() => window.chorus.queue.length);
  step('skipped and playing');

  // the host hands over the host role from the participant list; only the host sees the button
  result.guestMakeHostButtons = await guest.$$eval('#users .make-host', (els) => els.length);
  await host.click('#users .make-host');
  await guest.waitForFunction(() => document.getElementById('role').textContent === 'host', null, { timeout: 10_000 });
  await host.waitForFunction(() => document.getElementById('role').textContent === 'listener', null, { timeout: 10_000 });
  result.guestQueueFormAfterHandOver = await guest.isVisible('#queue-form');
  step('handed over');
  result.ok = true;
  finish(0);
} catch (e) {
  result.error = String(e && e.stack || e);
  finish(0);
}
