// "Identify" on the library page (issue 18) in headless Chromium: the microphone is Chromium's fake
// capture device playing a WAV file, the page records it with MediaRecorder, posts the clip to
// POST /api/v1/identify with the user's token and shows the answer (or "no match").
// Usage: node test/browser-identify.mjs http://127.0.0.1:PORT <username> <password> <capture.wav> [<seconds>]
// Prints one JSON line of observations on stdout (the Java test asserts on it); exit 0 unless it crashed.
import { existsSync } from 'node:fs';
import { launch, observations, signIn } from './harness.mjs';

const [base, username, password, wav, seconds] = process.argv.slice(2);
const { result, finish, step } = observations();
if (!existsSync(wav)) {
  result.error = `capture file not found: ${wav}`;
  finish(0);
}

let browser;
let page;
try {
  browser = await launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`]);
  result.browserVersion = browser.version();
  const context = await browser.newContext({ permissions: ['microphone'] });
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error' && !/401|Unauthorized|favicon/.test(m.text())) result.console.push(m.text()); });
  page.on('pageerror', (e) => result.console.push(String(e)));
  result.login = await signIn(page, base, username, password, { next: 'library.html', timeout: 30_000 });
  step('signed in');

  await page.click('button[data-tab="identify"]');
  await page.waitForSelector('#panel-identify:not([hidden])', { timeout: 10_000 });
  if (seconds) await page.fill('#identify-seconds', seconds);
  await page.click('#identify-button');
  await page.waitForFunction(() => ['sending', 'done', 'error'].includes(document.body.dataset.identify), null, { timeout: 30_000 });
  step('recorded');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.identify), null, { timeout: 60_000 });
  result.identify = await page.$eval('body', (b) => b.dataset.identify);
  result.clipBytes = Number(await page.$eval('body', (b) => b.dataset.identifyBytes || '0'));
  result.match = await page.$eval('body', (b) => b.dataset.identifyMatch || null);
  result.status = await page.$eval('#identify-status', (e) => e.textContent);
  result.pageError = await page.$eval('#error', (e) => (e.hidden ? null : e.textContent));
  result.results = await page.$$eval('#identify-results li', (lis) => lis.map((li) => ({ trackId: li.dataset.trackId,
    title: li.querySelector('.title') && li.querySelector('.title').textContent,
    artist: li.querySelector('.artist') && li.querySelector('.artist').textContent,
    score: li.querySelector('.score') && li.querySelector('.score').textContent,
    play: !!li.querySelector('button[data-action="play"]') })));
  step('answered');
  if (result.results.length) {
    // the answer's Play button plays the track
    await page.click('#identify-results li button[data-action="play"]');
    await page.waitForFunction((id) => document.body.dataset.playing === id, result.results[0].trackId, { timeout: 30_000 });
    result.playing = await page.$eval('body', (b) => b.dataset.playing);
    step('play');
  }
  result.ok = true;
  finish(0);
} catch (e) {
  result.error = String(e && e.stack || e);
  if (page) {
    result.debug = await page.evaluate(() => ({ data: { ...document.body.dataset }, error: document.getElementById('error').textContent }))
      .catch((err) => String(err));
  }
  finish(0);
} finally {
  if (browser) await browser.close().catch(() => {});
}
