// The room page for a room made through the REST API (seed 002), in headless Chromium: the host opens
// /?room=ID#token=…, sets the track from the page, a second page joins by room code; playback follows,
// chat goes both ways (send, edit, delete, the host deleting a guest's message), and after the
// guest's chat socket is dropped the messages it missed appear exactly once.
// Usage: node test/browser-room.mjs http://127.0.0.1:PORT
// Prints one JSON line of observations on stdout (the Java test asserts on it); exit 0 unless it crashed.
import { AUTOPLAY, launch, observations, restClient } from './harness.mjs';

const base = process.argv[2];
if (!base) {
  console.error('usage: node test/browser-room.mjs http://127.0.0.1:PORT');
  process.exit(2);
}
const { result, finish, step } = observations();
const rest = restClient(base);

const texts = (page) => page.$$eval('#chat-messages li:not(.system) .text', (els) => els.map((e) => e.textContent));
const ids = (page) => page.$$eval('#chat-messages li', (els) => els.map((e) => e.dataset.id));
const hasText = (page, text, timeout = 10_000) => page.waitForFunction(
  (t) => [...document.querySelectorAll('#chat-messages li .text')].some((e) => e.textContent === t), text, { timeout });
const lacksText = (page, text, timeout = 10_000) => page.waitForFunction(
  (t) => ![...document.querySelectorAll('#chat-messages li .text')].some((e) => e.textContent === t), text, { timeout });
async function send(page, text) {
  await page.fill('#chat-input', text);
  await page.click('#chat-send');
  await hasText(page, text);
}
let browser;
try {
  browser = await launch([AUTOPLAY]);
  const created = await rest('POST', '/api/v1/rooms', { title: 'Listening party', display_name: 'Host Hanna' });
  if (created.status !== 201) throw new Error(`REST create: ${created.status} ${JSON.stringify(created.body)}`);
  const roomId = created.body.room.id;
  const hostToken = created.body.token;
  result.roomId = roomId;

  const host = await (await browser.newContext()).newPage();
  const guest = await (await browser.newContext()).newPage();
  for (const [name, page] of [['host', host], ['guest', guest]]) {
    page.on('console', (m) => { if (m.type() === 'error') result.console.push(`${name}: ${m.text()}`); });
    page.on('pageerror', (e) => result.console.push(`${name} pageerror: ${e.message}`));
  }

  // host: opens the REST room with its token; no track yet is a note, not an error
  await host.goto(`${base}/?room=${roomId}#token=${encodeURIComponent(hostToken)}`);
  await host.waitForFunction(() => window.chorus.ready, null, { timeout: 15_000 });
  step('host in');
  result.hostIsHost = await host.evaluate(() => window.chorus.isHost);
  result.hostUrlHasToken = host.url().includes('token=');
  result.noTrackNote = await host.textContent('#track-note');
  result.noTrackError = (await host.isVisible('#error')) ? await host.textContent('#error') : '';
  result.hostTrackFormVisible = await host.isVisible('#track-form');

  // host: sets the track from the page (a same-origin path; the page sends it as an absolute URL)
  await host.fill('#track-url', '/media/test-tone.wav');
  await host.click('#set-track');
  await host.waitForFunction(() => (window.chorus.playback || {}).track_url
    && window.chorus.playback.track_url.endsWith('/media/test-tone.wav'), null, { timeout: 10_000 });
  result.trackUrl = await host.evaluate(() => window.chorus.playback.track_url);
  step('track set');

  // guest: joins by room code from the lobby
  await guest.goto(base + '/');
  await guest.fill('#name', 'Guest <b>Gil</b>');
  await guest.fill('#room-code', roomId.toLowerCase());
  await guest.click('#join');
  await guest.waitForFunction(() => window.chorus.ready && window.chorus.chat.synced, null, { timeout: 15_000 });
  await host.waitForFunction(() => window.chorus.chat.synced, null, { timeout: 15_000 });
  step('guest in');
  result.guestIsHost = await guest.evaluate(() => window.chorus.isHost);
  result.guestTrackFormVisible = await guest.isVisible('#track-form');
  result.guestTrackUrl = await guest.evaluate(() => window.chorus.playback && window.chorus.playback.track_url);
  for (const page of [host, guest]) {
    await page.waitForFunction(() => document.getElementById('player').readyState >= 3, null, { timeout: 15_000 });
  }

  // playback follows: play, then pause
  await host.click('#play');
  await guest.waitForFunction(() => { const a = document.getElementById('player'); return !a.paused && a.currentTime > 0.3; }, null, { timeout: 10_000 });
  result.guestPlayed = true;
  await host.click('#pause');
  await guest.waitForFunction(() => document.getElementById('player').paused, null, { timeout: 10_000 });
  result.guestPaused = true;
  step('playback');

  // chat both ways; markup is text
  await send(host, 'hello <img src=x onerror="window.__xss=1">everyone');
  await hasText(guest, 'hello <img src=x onerror="window.__xss=1">everyone');
  await send(guest, 'hi host');
  await hasText(host, 'hi host');
  await send(guest, 'a second line');
  await hasText(host, 'a second line');
  result.xssSafe = await guest.evaluate(() => window.__xss === undefined && document.querySelectorAll('#chat-messages img').length === 0);
  step('chat both ways');

  // the guest may edit/delete only its own; the host may delete any
  result.guestButtonsOnHostMessage = await guest.$$eval('#chat-messages li', (els) => {
    const li = els.find((e) => e.querySelector('.text') && e.querySelector('.text').textContent.startsWith('hello'));
    return li ? li.querySelectorAll('button').length : -1;
  });
  // host edits its message
  await host.click('#chat-messages li.mine button.edit');
  await host.fill('#chat-input', 'hello, edited');
  await host.click('#chat-send');
  await hasText(guest, 'hello, edited');
  result.guestSeesEditedMark = await guest.$$eval('#chat-messages li', (els) => els.some((e) =>
    e.querySelector('.text') && e.querySelector('.text').textContent === 'hello, edited' && e.querySelector('.edited')));
  // guest deletes its own first message
  await guest.evaluate(() => {
    const li = [...document.querySelectorAll('#chat-messages li')].find((e) => e.querySelector('.text').textContent === 'hi host');
    li.querySelector('button.delete').click();
  });
  await lacksText(host, 'hi host');
  // host deletes the guest's other message
  await host.evaluate(() => {
    const li = [...document.querySelectorAll('#chat-messages li')].find((e) => e.querySelector('.text').textContent === 'a second line');
    li.querySelector('button.delete').click();
  });
  await lacksText(guest, 'a second line');
  result.afterEdits = { host: await texts(host), guest: await texts(guest) };
  step('edit and delete');

  // the guest's chat socket drops; the host talks meanwhile; on reconnect the missed messages appear once
  const before = await guest.evaluate(() => window.chorus.chat);
  await guest.evaluate(() => window.chorus.dropChat());
  await guest.waitForFunction(() => !window.chorus.chat.open, null, { timeout: 5_000 });
  // while it is away the host also edits its message: the guest shows the current text after reconnecting
  await host.click('#chat-messages li.mine button.edit');
  await host.fill('#chat-input', 'hello while away');
  await host.click('#chat-send');
  await hasText(host, 'hello while away');
  for (let i = 1; i <= 3; i++) await send(host, `missed ${i}`);
  await guest.evaluate(() => window.chorus.resumeChat());
  await guest.waitForFunction(() => window.chorus.chat.synced, null, { timeout: 10_000 });
  await hasText(guest, 'missed 3');
  await hasText(guest, 'hello while away');
  await send(host, 'after reconnect');
  await hasText(guest, 'after reconnect');
  const after = await guest.evaluate(() => window.chorus.chat);
  result.reconnect = { connectsBefore: before.connects, connectsAfter: after.connects };
  result.final = { host: await texts(host), guest: await texts(guest), hostIds: await ids(host), guestIds: await ids(guest) };
  step('recovery');
  result.ok = true;
} catch (e) {
  result.error = String(e && e.stack || e);
} finally {
  if (browser) await browser.close().catch(() => {});
}
finish(0);
