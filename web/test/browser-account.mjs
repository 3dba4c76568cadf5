// The account pages (issue 16) in headless Chromium: sign up, edit the profile, reload (the session
// survives through the HttpOnly refresh cookie), find and befriend a second user, watch their online
// dot follow their page opening and closing, sign out. Names are shown as text, never markup.
// Usage: node test/browser-account.mjs http://127.0.0.1:PORT
// Prints one JSON line of observations on stdout (the Java test asserts on it); exit 0 unless it crashed.
import { launch, observations, ready, restClient } from './harness.mjs';

const base = process.argv[2];
if (!base) {
  console.error('usage: node test/browser-account.mjs http://127.0.0.1:PORT');
  process.exit(2);
}
const { result, finish, step } = observations();
const rest = restClient(base);

async function open(context) {
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error' && !/401|Unauthorized/.test(m.text())) result.console.push(m.text()); });
  page.on('pageerror', (e) => result.console.push(String(e)));
  await page.goto(`${base}/account.html`);
  await ready(page);
  return page;
}
const visible = (page, id) => page.$eval(`#${id}`, (e) => !e.hidden);

let browser;
try {
  browser = await launch();
  result.browserVersion = browser.version();
  const tag = Math.random().toString(36).slice(2, 8);
  const anna = `anna-${tag}`;
  const ben = `ben-${tag}`;
  const password = 'a long enough password';

  const ctxA = await browser.newContext();
  let a = await open(ctxA);
  result.startsSignedOut = await visible(a, 'signed-out');
  await a.fill('#signup-username', anna);
  await a.fill('#signup-password', password);
  await a.click('#signup');
  await a.waitForSelector('#signed-in:not([hidden])', { timeout: 20_000 });
  result.signedUpAs = await a.textContent('#me-username');
  step('signed up');
  await a.fill('#profile-display', 'Anna A.');
  await a.fill('#profile-bio', 'likes <b>music</b>');
  await a.click('#profile-save');
  await a.waitForSelector('#profile-saved:not([hidden])');
  const cookies = await ctxA.cookies();
  const refreshCookie = cookies.find((c) => c.name === 'chorus_refresh');
  result.cookie = refreshCookie ? { httpOnly: refreshCookie.httpOnly, sameSite: refreshCookie.sameSite, path: refreshCookie.path } : null;
  result.scriptSeesCookie = await a.evaluate(() => document.cookie.includes('chorus_refresh'));
  step('profile saved');

  await a.reload();
  await ready(a);
  result.afterReload = { signedIn: await visible(a, 'signed-in'), display: await a.inputValue('#profile-display'),
    bio: await a.inputValue('#profile-bio') };
  step('reloaded');

  // Ben exists (made over REST), with a display name that would run script if shown as markup
  const benName = '<img src=x onerror="window.__xss=1">Ben';
  const benReg = await rest('POST', '/api/v1/auth/register', { username: ben, password, display_name: benName });
  if (benReg.status !== 201) throw new Error(`register ben: ${benReg.status} ${JSON.stringify(benReg.body)}`);
  const benId = benReg.body.user.id;
  await a.fill('#search-q', `ben-${tag}`);
  await a.click('#search');
  await a.waitForSelector(`#search-results li[data-id="${benId}"] button`);
  await a.click(`#search-results li[data-id="${benId}"] button`);
  await a.waitForSelector(`#requests li.outgoing[data-id="${benId}"]`);
  step('asked ben');
  const annaId = await a.evaluate(() => window.chorusAccount.me.id);
  const accepted = await rest('POST', `/api/v1/friends/requests/${annaId}/accept`, undefined, benReg.body.access_token);
  if (accepted.status !== 200) throw new Error(`accept: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  // the friend_accepted event on Anna's channel brings Ben into her list, offline
  await a.waitForSelector(`#friends li[data-id="${benId}"] .dot.offline`, { timeout: 10_000 });
  result.friendNameShown = await a.textContent(`#friends li[data-id="${benId}"] .name`);
  step('friends');

  const ctxB = await browser.newContext();
  const b = await open(ctxB);
  await b.fill('#signin-username', ben.toUpperCase());
  await b.fill('#signin-password', password);
  await b.click('#signin');
  await b.waitForSelector('#signed-in:not([hidden])', { timeout: 20_000 });
  let t0 = Date.now();
  await a.waitForSelector(`#friends li[data-id="${benId}"] .dot.online`, { timeout: 10_000 });
  result.onlineDotMs = Date.now() - t0;
  result.benSeesAnna = await b.waitForSelector(`#friends li[data-id="${annaId}"]`, { timeout: 10_000 }).then(() => true, () => false);
  step('ben online');
  t0 = Date.now();
  await ctxB.close();
  await a.waitForSelector(`#friends li[data-id="${benId}"] .dot.offline`, { timeout: 10_000 });
  result.offlineDotMs = Date.now() - t0;
  result.lastSeenShown = (await a.$(`#friends li[data-id="${benId}"] .last-seen`)) !== null;
  step('ben offline');
  result.xssSafe = await a.evaluate(() => window.__xss === undefined);

  await a.click('#signout');
  await a.waitForSelector('#signed-out:not([hidden])');
  await a.reload();
  await ready(a);
  result.afterSignOutReload = { signedOut: await visible(a, 'signed-out') };
  step('signed out');
  // a wrong password shows the server's message
  await a.fill('#signin-username', anna);
  await a.fill('#signin-password', 'not the password');
  await a.click('#signin');
  await a.waitForSelector('#error:not([hidden])');
  result.wrongPasswordError = await a.textContent('#error');
  result.ok = true;
} catch (e) {
  result.error = String(e && e.stack || e);
} finally {
  if (browser) await browser.close().catch(() => {});
}
finish(0);
