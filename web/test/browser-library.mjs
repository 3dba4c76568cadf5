// The library page (issue 17) in headless Chromium: sign in, upload a real track with the progress
// bar, see it processed (status pushed on the user channel), make an album, add the track, give the
// album a cover, play the track with its waveform, and, as a moderator, approve it from the queue; then
// the track reaches its owner's My Wave, and a dislike takes it out of the next answer.
// Names are shown as text, never markup.
// Usage: node test/browser-library.mjs http://127.0.0.1:PORT <audio file> <cover png> <admin> <admin password>
// Prints one JSON line of observations on stdout (the Java test asserts on it); exit 0 unless it crashed.
import { AUTOPLAY, launch, observations, signIn as signInAt } from './harness.mjs';

const [base, audioFile, coverFile, admin, adminPassword] = process.argv.slice(2);
const { result, finish, step } = observations();

async function signIn(context, username, password, register) {
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error' && !/401|Unauthorized|favicon/.test(m.text())) result.console.push(m.text()); });
  page.on('pageerror', (e) => result.console.push(String(e)));
  const status = await signInAt(page, base, username, password, { register, next: 'library.html' });
  return { page, status };
}

let browser;
let mainPage;
try {
  browser = await launch([AUTOPLAY]);
  result.browserVersion = browser.version();
  const tag = Math.random().toString(36).slice(2, 8);
  const user = `lib-${tag}`;
  const { page, status } = await signIn(await browser.newContext(), user, 'a long enough password', true);
  mainPage = page;
  result.registered = status;
  result.tabsShown = await page.$eval('#tabs', (e) => !e.hidden);
  result.moderationTabForUser = await page.$eval('#tab-moderation', (e) => !e.hidden);
  step('signed in');

  // upload
  await page.click('button[data-tab="upload"]');
  const title = `<img src=x onerror="window.pwned=1"> Song ${tag}`;
  await page.setInputFiles('#upload-file', audioFile);
  await page.fill('#upload-title', title);
  await page.fill('#upload-artist', `Artist ${tag}`);
  await page.click('#upload-button');
  await page.waitForSelector('body[data-uploaded]', { timeout: 60_000 });
  result.trackId = await page.$eval('body', (b) => b.dataset.uploaded);
  result.uploadProgress = await page.$eval('body', (b) => b.dataset.uploadProgress || null);
  step('uploaded');
  await page.waitForFunction(() => ['ready', 'failed'].includes(document.body.dataset.lastStatus), null, { timeout: 180_000 });
  result.processed = await page.$eval('body', (b) => b.dataset.lastStatus);
  result.statusText = await page.$eval('#upload-status', (e) => e.textContent);
  step('processed');

  // the track list shows it, as text
  await page.click('button[data-tab="tracks"]');
  await page.waitForSelector(`li[data-track-id="${result.trackId}"]`, { timeout: 20_000 });
  result.listedTitle = await page.$eval(`li[data-track-id="${result.trackId}"] .title`, (e) => e.textContent);
  result.injected = await page.evaluate(() => window.pwned === 1 || document.querySelectorAll('li img').length > 0);

  // an album with the track and a cover
  await page.click('button[data-tab="albums"]');
  await page.fill('#album-title', `Album ${tag}`);
  await page.click('#album-create button[type="submit"]');
  await page.waitForSelector('body[data-tab="album"]', { timeout: 20_000 });
  await page.waitForFunction((id) => [...document.querySelectorAll('#album-add-track option')].some((o) => o.value === id), result.trackId,
    { timeout: 20_000 });
  await page.selectOption('#album-add-track', result.trackId);
  await page.click('#album-add button[type="submit"]');
  await page.waitForFunction(() => document.body.dataset.albumTracks === '1', null, { timeout: 20_000 });
  result.albumTracks = 1;
  await page.setInputFiles('#album-cover-file', coverFile);
  await page.waitForSelector('body[data-cover-uploaded="1"]', { timeout: 30_000 });
  await page.waitForFunction(() => { const i = document.getElementById('album-cover'); return !i.hidden && i.complete && i.naturalWidth > 0; }, null,
    { timeout: 20_000 });
  result.coverWidth = await page.$eval('#album-cover', (i) => i.naturalWidth);
  step('album');

  // play it
  await page.click(`#album-tracks li[data-track-id="${result.trackId}"] button[data-action="play"]`);
  await page.waitForFunction(() => { const a = document.getElementById('audio'); return a.currentTime > 0.5; }, null, { timeout: 30_000 });
  result.played = await page.$eval('#audio', (a) => a.currentTime);
  result.waveformBars = Number(await page.$eval('body', (b) => b.dataset.waveformBars || '0'));
  result.audioSrcSigned = await page.$eval('#audio', (a) => /sig=/.test(a.src));
  step('played');
  // to its end (fast): the page reports the one play it heard
  await page.$eval('#audio', (a) => { a.muted = true; a.playbackRate = 16; });
  await page.waitForSelector('body[data-plays-reported="1"]', { timeout: 30_000 });
  result.playsReported = 1;
  step('ended');

  // the moderator approves it
  const mod = await signIn(await browser.newContext(), admin, adminPassword, false);
  result.adminLogin = mod.status;
  result.moderationTabForAdmin = await mod.page.$eval('#tab-moderation', (e) => !e.hidden);
  await mod.page.click('#tab-moderation');
  // the queue is oldest first, 50 a page, and other tests' pending tracks share the database: "More" until it shows
  await mod.page.waitForFunction(() => document.body.dataset.queue !== undefined, null, { timeout: 20_000 });
  const queued = `#moderation-list li[data-track-id="${result.trackId}"]`;
  for (let page = 1; !(await mod.page.$(queued)); page++) {
    if (page > 40 || await mod.page.$eval('#moderation-more', (b) => b.hidden)) throw new Error(`the track is not in the moderation queue (${page} pages)`);
    const before = await mod.page.$eval('body', (b) => b.dataset.queue);
    await mod.page.click('#moderation-more');
    await mod.page.waitForFunction((n) => document.body.dataset.queue !== n, before, { timeout: 20_000 });
  }
  result.moderationPages = await mod.page.$$eval('#moderation-list li', (l) => Math.ceil(l.length / 50));
  await mod.page.click(`#moderation-list li[data-track-id="${result.trackId}"] button[data-action="approve"]`);
  await mod.page.waitForFunction((id) => !document.querySelector(`#moderation-list li[data-track-id="${id}"]`), result.trackId, { timeout: 20_000 });
  result.approved = true;
  step('approved');

  // My Wave: the approved track reaches the wave (the newest track, for a listener with little history);
  // a dislike is stored before the next answer, which leaves the track out at once
  await page.click('button[data-tab="wave"]');
  await page.waitForFunction(() => document.body.dataset.waveLoads === '1', null, { timeout: 20_000 });
  const inWave = (id) => page.$(`#wave-list li[data-track-id="${id}"]`).then((e) => e !== null);
  result.waveHasTrack = await inWave(result.trackId);
  result.waveReasons = await page.$$eval('#wave-list .badge.reason', (els) => els.map((e) => e.textContent));
  result.waveInjected = await page.evaluate(() => window.pwned === 1 || document.querySelectorAll('#wave-list img').length > 0);
  if (result.waveHasTrack) {
    await page.click(`#wave-list li[data-track-id="${result.trackId}"] button[data-action="dislike"]`);
    await page.waitForFunction(() => document.body.dataset.waveLoads === '2', null, { timeout: 20_000 });
    result.waveHasTrackAfterDislike = await inWave(result.trackId);
  }
  step('wave');
  result.ok = true;
  finish(0);
} catch (e) {
  result.error = String(e && e.stack || e);
  if (mainPage) {
    result.pageError = await mainPage.$eval('#error', (el) => el.textContent).catch(() => null);
    result.debug = await mainPage.evaluate(async () => ({ data: { ...document.body.dataset },
      options: [...document.querySelectorAll('#album-add-track option')].map((o) => o.value),
      mine: await (await fetch('/api/v1/tracks?owner=me&limit=100', { headers: { authorization: `Bearer ${window.chorusLibrary.token}` } })).text() }))
      .catch((e) => String(e));
  }
  finish(0);
} finally {
  if (browser) await browser.close().catch(() => {});
}
