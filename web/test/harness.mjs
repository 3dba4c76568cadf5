// What every browser test script shares: the Chromium it drives, the one JSON line of observations it
// prints for its Java test (which asserts on it; the script exits 0 unless it crashed), REST calls, and
// signing in through the accounts API from a page so the session's HttpOnly refresh cookie is set.
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// background services and first-run screens would only add noise and network calls to a test
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/**
 * The run's observations: `result` (ok, steps, console and whatever the script adds), `step(name)`, and
 * `finish(code)`, which prints them as one JSON line and exits. A missing Chromium is reported, not thrown.
 */
export function observations(fields = {}) {
  const result = { ok: false, steps: [], console: [], ...fields };
  const started = Date.now();
  const finish = (code) => {
    result.totalMs = Date.now() - started;
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(code);
  };
  if (!existsSync(CHROMIUM)) {
    result.error = `Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium)`;
    finish(0);
  }
  return { result, finish, step: (name) => result.steps.push(name) };
}

/** Headless Chromium with the common flags plus `extraArgs` (autoplay, fake microphone, …). */
export function launch(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 60_000, args: [...ARGS, ...extraArgs] });
}

export const AUTOPLAY = '--autoplay-policy=no-user-gesture-required';

/** `rest(method, path, body?, token?)` → `{status, body}` against `base`, JSON both ways. */
export function restClient(base) {
  return async (method, path, body, token) => {
    const headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
}

/** Waits until a page of ours has wired itself up (every page sets `data-ready` on its body). */
export const ready = (page, timeout = 20_000) => page.waitForSelector('body[data-ready="1"]', { timeout });

/**
 * Signs `page` in from the account page (registering first when `register`), then opens `next` if given;
 * returns the login or registration's HTTP status.
 */
export async function signIn(page, base, username, password, { register = false, next = null, timeout = 20_000 } = {}) {
  await page.goto(`${base}/account.html`);
  await ready(page, timeout);
  const status = await page.evaluate(async ([u, p, reg]) => (await fetch(reg ? '/api/v1/auth/register' : '/api/v1/auth/login', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: u, password: p }),
    credentials: 'same-origin' })).status, [username, password, register]);
  if (next) {
    await page.goto(`${base}/${next}`);
    await ready(page, timeout);
  }
  return status;
}
