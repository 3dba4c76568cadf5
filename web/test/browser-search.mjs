// The search box and results page (issue 19) in headless Chromium: as-you-type suggestions on the room,
// library and account pages (debounced, arrow keys + Enter), a transliterated and a misspelt query on
// the results page, results grouped by type with highlights, album/artist links, the play button, and
// a pending track shown to its owner only.
// Usage: node test/browser-search.mjs http://127.0.0.1:PORT '<json {owner, other, password, pendingTitle, mixed, translit, typo}>'
// Prints one JSON line of observations on stdout (the Java test asserts on it); exit 0 unless it crashed.
import { AUTOPLAY, launch, observations, ready, signIn as signInAt } from './harness.mjs';

const [base, json] = process.argv.slice(2);
const args = JSON.parse(json);
const { result, finish, step } = observations();

function watch(page) {
  // failed requests are judged by their URL below (the console line does not name it)
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) result.console.push(m.text()); });
  // expected: 401 of the refresh for a signed-out page; the test's tracks have no audio in S3, so the media element's stream fails
  page.on('response', (r) => {
    if (r.status() >= 400 && !/\/api\/v1\/auth\/refresh$/.test(r.url()) && !/\/api\/v1\/tracks\/[^/]+\/stream\?/.test(r.url())) {
      result.console.push(`${r.status()} ${r.url()}`);
    }
  });
  page.on('pageerror', (e) => result.console.push(String(e)));
  return page;
}

async function signIn(context, username) {
  const page = watch(await context.newPage());
  const status = await signInAt(page, base, username, args.password);
  return { page, status };
}

/** Types like a person (a keystroke every 40 ms) and waits for the suggestions of the whole text. */
async function typeAndSuggest(page, text) {
  await page.fill('#search-box', '');
  await page.type('#search-box', text, { delay: 40 });
  await page.waitForFunction((t) => document.body.dataset.suggestFor === t, text.trim(), { timeout: 10_000 });
  return page.$$eval('#search-suggest li', (lis) => lis.map((li) => ({ type: li.dataset.type, id: li.dataset.id, text: li.querySelector('.text').textContent })));
}

async function results(page, q) {
  await page.goto(`${base}/search.html?${new URLSearchParams({ q })}`);
  await ready(page);
  return page.evaluate(() => ({
    groups: [...document.querySelectorAll('.search-group')].map((g) => g.dataset.type),
    ids: Object.fromEntries([...document.querySelectorAll('.search-group')].map((g) => [g.dataset.type, [...g.querySelectorAll('li')].map((li) => li.dataset.id)])),
    highlights: document.querySelectorAll('.search-group .hl em').length,
    error: document.getElementById('error').hidden ? null : document.getElementById('error').textContent,
  }));
}

let browser;
try {
  browser = await launch([AUTOPLAY]);
  result.browserVersion = browser.version();

  // anonymous, on the room page: the box is there, suggestions come as you type
  const anon = watch(await (await browser.newContext()).newPage());
  await anon.goto(`${base}/`);
  result.boxOnIndex = await anon.$('#search-box') !== null;
  await anon.route('**/api/v1/search/suggest*', async (route) => {
    result.suggestRequests = (result.suggestRequests || 0) + 1;
    await route.continue();
  });
  result.suggestions = await typeAndSuggest(anon, args.translit);
  result.suggestVisible = await anon.$eval('#search-suggest', (e) => !e.hidden);
  await anon.keyboard.press('ArrowDown');
  result.firstSelected = await anon.$eval('#search-suggest li', (li) => li.getAttribute('aria-selected'));
  await anon.keyboard.press('ArrowDown');
  await anon.keyboard.press('ArrowUp');
  result.selectedAfterUpDown = await anon.$$eval('#search-suggest li', (lis) => lis.findIndex((li) => li.getAttribute('aria-selected') === 'true'));
  const chosen = result.suggestions[0];
  await Promise.all([anon.waitForURL(/search\.html|library\.html/, { timeout: 10_000 }), anon.keyboard.press('Enter')]);
  result.enterWentTo = anon.url().replace(base, '');
  result.chosen = chosen;
  step('suggestions');

  // the results page: transliterated and misspelt queries find the track; a query of many types is grouped
  result.translit = await results(anon, args.translit);
  result.typo = await results(anon, args.typo);
  result.mixed = await results(anon, args.mixed);
  result.albumHref = await anon.$eval('#group-albums li a', (a) => a.getAttribute('href')).catch(() => null);
  result.artistHref = await anon.$eval('#group-artists li a', (a) => a.getAttribute('href')).catch(() => null);
  result.pendingAnonymous = await results(anon, args.pendingTitle);
  step('results');

  // play a found track
  await anon.goto(`${base}/search.html?${new URLSearchParams({ q: args.translit, types: 'tracks' })}`);
  await anon.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
  await anon.click('#group-tracks li button[data-action="play"]');
  await anon.waitForFunction(() => !!document.body.dataset.playing, null, { timeout: 10_000 });
  result.playing = await anon.$eval('body', (b) => b.dataset.playing);
  result.audioSigned = await anon.$eval('#audio', (a) => /sig=/.test(a.src));
  step('play');

  // the owner sees the pending track (results page, and suggestions on the library page with its token)
  const owner = await signIn(await browser.newContext(), args.owner);
  result.ownerLogin = owner.status;
  result.pendingOwner = await results(owner.page, args.pendingTitle);
  await owner.page.goto(`${base}/library.html`);
  await owner.page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
  result.ownerSuggestions = await typeAndSuggest(owner.page, args.pendingTitle);
  step('owner');

  const other = await signIn(await browser.newContext(), args.other);
  result.otherLogin = other.status;
  result.pendingOther = await results(other.page, args.pendingTitle);
  result.otherSuggestions = await typeAndSuggest(other.page, args.pendingTitle);
  result.boxOnAccount = await other.page.$('#search-box') !== null;
  step('other');
  result.ok = true;
  finish(0);
} catch (e) {
  result.error = String(e && e.stack || e);
  finish(0);
} finally {
  if (browser) await browser.close().catch(() => {});
}
