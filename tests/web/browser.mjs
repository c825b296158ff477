// Baton's pages in a real browser: Debian's Chromium driven by playwright-core.
//
// Run by crates/baton/tests/it/web.rs against a fresh `baton serve`; by hand:
//   BATON_URL=http://127.0.0.1:8080 BATON_SHOTS=/tmp/shots node tests/web/browser.mjs
// The server must be fresh (no workspace yet): the first step creates it through /setup.
//
// Environment:
//   BATON_URL        the server's base URL (required)
//   BATON_SHOTS      where screenshots go as <name>.png (default: a new temporary directory)
//   BATON_CHROMIUM   the browser to launch (default: /usr/bin/chromium)
//   BATON_DEMO_URL   a server on a `baton demo` workspace (optional): the insights steps run there
//   BATON_SETUP_TOKEN the fresh server's one-time setup token (its data directory's setup-token)
//   BATON_IMPORTED_URL a server on an imported Slack history with an owner lead@example.com
//                    (password lead-password-123): the imported-history step runs there
//
// Each step prints one `ok` line. The first failing step prints one line naming the step, the
// page's URL and what went wrong, saves `failed-<step>.png`, and the script exits 1.

import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = (process.env.BATON_URL ?? '').replace(/\/+$/, '');
if (!BASE) {
  console.error('browser.mjs: set BATON_URL to the server\'s base URL, e.g. http://127.0.0.1:8080');
  process.exit(2);
}
const SHOTS = process.env.BATON_SHOTS || mkdtempSync(join(tmpdir(), 'baton-shots-'));
mkdirSync(SHOTS, { recursive: true });
const EXECUTABLE = process.env.BATON_CHROMIUM || '/usr/bin/chromium';
const DEMO = (process.env.BATON_DEMO_URL ?? '').replace(/\/+$/, '');
const DEMO_PASSWORD = 'baton-demo-password';
const SETUP_TOKEN = process.env.BATON_SETUP_TOKEN ?? '';
const IMPORTED = (process.env.BATON_IMPORTED_URL ?? '').replace(/\/+$/, '');

/** Everything a step waits for gives up after this long. */
const STEP_TIMEOUT_MS = 15_000;
/** The whole run gives up after this long, whatever it is waiting for. */
const RUN_TIMEOUT_MS = 180_000;

const OWNER = {
  workspace_name: 'Acme',
  time_zone: 'Europe/Berlin',
  handle: 'ana',
  display_name: 'Ana',
  email: 'ana@example.com',
  password: 'correct horse battery',
};

const started = Date.now();
/** The page the running step is looking at: its URL goes into the failure line and its screenshot is saved. */
let current = null;
/** Console messages of type error from every page of every context, with the URL they came from. */
const consoleErrors = [];
/** Uncaught exceptions in any page's scripts. */
const pageErrors = [];
let stepsPassed = 0;

class StepFailure extends Error {}

/** Fails the running step with `message`. */
function fail(message) {
  throw new StepFailure(message);
}

function expect(condition, message) {
  if (!condition) fail(message);
}

const path = (page) => new URL(page.url()).pathname;
const url = (p) => `${BASE}${p}`;
// eslint-disable-next-line no-control-regex
const oneLine = (text) => String(text).replace(/\x1b\[[0-9;]*m/g, '').replace(/\s+/g, ' ').trim();

/** How long a live change may take to reach another open page. */
const LIVE_MS = 1_000;

/** A bearer token for the API, signed in as `email`. */
async function apiToken(email, password) {
  const response = await fetch(url('/api/v1/auth/login'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) fail(`signing in to the API as ${email} answered ${response.status}`);
  return (await response.json()).token;
}

/** Sends `body` as JSON to the API; the answer's JSON, failing the step on an error status. */
async function apiSend(token, method, apiPath, body) {
  const response = await fetch(url(apiPath), {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (!response.ok) fail(`${method} ${apiPath} answered ${response.status}: ${oneLine(await response.text()).slice(0, 200)}`);
  return response.json();
}

const apiPost = (token, apiPath, body) => apiSend(token, 'POST', apiPath, body);

async function screenshot(page, name, fullPage = true) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

/** The text of the page's `.error` elements, to explain a form that did not go through. */
async function pageErrorText(page) {
  try {
    const texts = await page.locator('.error').allInnerTexts();
    const text = oneLine(texts.join(' | '));
    return text ? `; the page says: ${text}` : '';
  } catch {
    return '';
  }
}

/** Waits until `page`'s path matches `pattern` (a string or a RegExp); returns the path. */
async function expectPath(page, pattern, after) {
  const matches = (p) => (typeof pattern === 'string' ? p === pattern : pattern.test(p));
  try {
    await page.waitForURL((u) => matches(u.pathname), { timeout: STEP_TIMEOUT_MS });
  } catch {
    fail(`expected path ${pattern} ${after}, got ${path(page)}${await pageErrorText(page)}`);
  }
  return path(page);
}

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
  } catch (error) {
    const where = current ? current.url() : '(no page)';
    // Playwright's own errors end in a long call log: its first lines say enough.
    const what =
      error instanceof StepFailure ? error.message : oneLine(error?.message ?? error).replace(/ Call log: (.{0,300}).*$/, ' Call log: $1 ...');
    console.log(`FAILED step "${name}" at ${where}: ${what}`);
    if (current) {
      try {
        await current.screenshot({ path: join(SHOTS, `failed-${name}.png`), fullPage: true, timeout: 5_000 });
        console.log(`  failure screenshot: ${join(SHOTS, `failed-${name}.png`)}`);
      } catch (shotError) {
        console.log(`  (no failure screenshot: ${oneLine(shotError?.message ?? shotError).slice(0, 200)})`);
      }
    }
    reportConsole();
    throw error;
  }
  stepsPassed += 1;
  console.log(`ok   ${name} (${Date.now() - t0} ms)`);
}

/** Prints the console errors and uncaught exceptions seen so far, each distinct one once. */
function reportConsole(prefix = '  ') {
  const seen = new Map();
  for (const [kind, list] of [['console error', consoleErrors], ['uncaught exception', pageErrors]]) {
    for (const { page, text } of list) {
      const key = `${kind} on ${page.startsWith(BASE) ? page.slice(BASE.length) || "/" : page}: ${oneLine(text).slice(0, 300)}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  }
  const lines = [...seen].map(([key, n]) => (n > 1 ? `${key} (${n} times)` : key));
  for (const line of lines.slice(0, 12)) console.log(`${prefix}${line}`);
  if (lines.length > 12) console.log(`${prefix}... and ${lines.length - 12} more`);
}

/** A new browser context whose console errors and uncaught exceptions are collected. */
async function newContext(browser, options = {}) {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  context.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push({ page: message.page()?.url() ?? '?', text: message.text() });
  });
  context.on('weberror', (webError) => {
    pageErrors.push({ page: webError.page()?.url() ?? '?', text: webError.error()?.message ?? String(webError.error()) });
  });
  return context;
}

/** The visible form whose submit button reads `buttonText`: pages hold several forms (edits, reactions). */
async function formWithButton(page, buttonText) {
  const button = page.getByRole('button', { name: buttonText, exact: true }).filter({ visible: true });
  const form = page.locator('form', { has: button });
  if ((await form.count()) === 0) fail(`no visible form with a button "${buttonText}" on the page`);
  return { form: form.first(), button: form.first().locator(button) };
}

/**
 * Fills the fields (name -> value; inputs, textareas or selects) of the form whose button reads
 * `buttonText`, then presses that button.
 */
async function submitForm(page, buttonText, fields) {
  const { form, button } = await formWithButton(page, buttonText);
  for (const [name, value] of Object.entries(fields)) {
    const field = form.locator(`[name="${name}"]`).first();
    if ((await field.count()) === 0) fail(`the "${buttonText}" form has no field named "${name}"`);
    const tag = await field.evaluate((element) => element.tagName.toLowerCase());
    if (tag === 'select') await field.selectOption(value);
    else await field.fill(value);
  }
  await button.first().click();
}

/** Signs in through /login; expects to land on `/`. */
async function signIn(page, email, password) {
  await page.goto(url('/login'));
  await submitForm(page, 'Sign in', { email, password });
  await expectPath(page, '/', 'after signing in');
}

async function main() {
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: EXECUTABLE,
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
      timeout: 30_000,
    });
  } catch (error) {
    console.log(`FAILED step "launch" at (no page): Chromium (${EXECUTABLE}) did not start: ${oneLine(error?.message ?? error).slice(0, 600)}`);
    return 1;
  }
  console.log(`Chromium ${browser.version()} against ${BASE}; screenshots in ${SHOTS}`);

  let channelPath;
  let threadPath;
  try {
    const contextA = await newContext(browser);
    const pageA = await contextA.newPage();
    const contextB = await newContext(browser);
    const pageB = await contextB.newPage();

    await step('setup', async () => {
      current = pageA;
      const response = await pageA.goto(url('/'));
      expect(path(pageA) === '/setup', `a fresh server should send / to /setup, but the browser is on ${path(pageA)}`);
      const redirect = await response?.request().redirectedFrom()?.response();
      expect(redirect?.status() === 303, `GET / should answer 303 to /setup, it answered ${redirect?.status() ?? 'no redirect'}`);
      // Without the setup link's token the page asks for it, and a wrong one is refused.
      await submitForm(pageA, 'Create workspace', { ...OWNER, token: 'not-the-token' });
      const refused = oneLine(await pageA.locator('.error').first().innerText());
      expect(refused.includes('setup_token'), `a wrong setup token should be refused, the page says "${refused}"`);
      await submitForm(pageA, 'Create workspace', { ...OWNER, token: SETUP_TOKEN });
      await expectPath(pageA, '/', 'after creating the workspace');
      await screenshot(pageA, 'setup-done');
    });

    await step('wrong-password', async () => {
      current = pageB;
      await pageB.goto(url('/login'));
      const answer = pageB.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login');
      await submitForm(pageB, 'Sign in', { email: OWNER.email, password: 'not the password' });
      const status = (await answer).status();
      expect(status === 401, `a wrong password should answer 401, it answered ${status}`);
      try {
        await pageB.locator('.error').first().waitFor({ state: 'visible' });
      } catch {
        fail('a wrong password should show a visible .error element');
      }
      await screenshot(pageB, 'login-error');
      await signIn(pageB, OWNER.email, OWNER.password);
    });

    await step('channel-and-thread', async () => {
      current = pageA;
      await pageA.goto(url('/'));
      await submitForm(pageA, 'Create channel', { name: 'general' });
      channelPath = await expectPath(pageA, /^\/c\/[^/]+$/, 'after creating a channel');
      const channelHeading = oneLine(await pageA.locator('h1').first().innerText());
      expect(channelHeading.includes('#general'), `the channel page's h1 should contain "#general", it is "${channelHeading}"`);

      await submitForm(pageA, 'Start thread', { title: 'Launch plan', body: 'First **draft**' });
      threadPath = await expectPath(pageA, /^\/t\/[^/]+$/, 'after starting a thread');
      const threadHeading = oneLine(await pageA.locator('h1').first().innerText());
      expect(threadHeading.includes('Launch plan'), `the thread page's h1 should contain "Launch plan", it is "${threadHeading}"`);
      const first = pageA.locator('ol#messages > li.message').first();
      if ((await first.count()) === 0) fail('the new thread shows no ol#messages > li.message');
      const strong = first.locator('.body strong');
      expect((await strong.count()) > 0, `the first message's .body has no <strong>: ${await first.innerHTML()}`);
      const strongText = oneLine(await strong.first().innerText());
      expect(strongText === 'draft', `the first message's <strong> should say "draft", it says "${strongText}"`);
      await screenshot(pageA, 'thread');
    });

    await step('links', async () => {
      current = pageA;
      await pageA.goto(url(channelPath));
      const thread = pageA.locator(`a.thread[href="${threadPath}"]`);
      expect((await thread.count()) > 0, `the channel page lists no a.thread linking to ${threadPath}`);
      expect(oneLine(await thread.first().innerText()).includes('Launch plan'), 'the thread link does not name "Launch plan"');
      await pageA.goto(url('/'));
      const channel = pageA.locator(`a.channel[href="${channelPath}"]`);
      expect((await channel.count()) > 0, `the channel list has no a.channel linking to ${channelPath}`);
      const channelText = oneLine(await channel.first().innerText());
      expect(channelText.includes('#general'), `the channel link should read "#general", it reads "${channelText}"`);
    });

    await step('live', async () => {
      const text = 'Ship it on Monday';
      current = pageB;
      await pageB.goto(url(threadPath));
      await pageB.locator('ol#messages > li.message').first().waitFor();
      // Survives only if B's page is never reloaded or navigated.
      await pageB.evaluate(() => {
        window.__batonNotReloaded = true;
      });

      current = pageA;
      await pageA.goto(url(threadPath));
      const { form: composer } = await formWithButton(pageA, 'Send');
      const urgent = composer.locator('input[type="checkbox"][name="urgent"]');
      expect((await urgent.count()) > 0, 'the composer has no checkbox named "urgent"');
      await submitForm(pageA, 'Send', { body: text });
      await expectPath(pageA, threadPath, 'after sending');
      const onA = pageA.locator('ol#messages > li.message .body', { hasText: text });
      try {
        await onA.first().waitFor();
      } catch {
        fail(`after sending, the sender's thread page does not show "${text}"${await pageErrorText(pageA)}`);
      }

      current = pageB;
      try {
        await pageB.waitForSelector(`ol#messages > li.message .body:has-text("${text}")`, { timeout: 10_000 });
      } catch {
        fail(`the other signed-in browser did not show "${text}" within 10 s without a reload`);
      }
      const notReloaded = await pageB.evaluate(() => window.__batonNotReloaded === true);
      expect(notReloaded, 'the other browser reloaded the page to show the message; it should arrive live');
      const countB = await pageB.locator('ol#messages > li.message .body', { hasText: text }).count();
      expect(countB === 1, `the live message shows ${countB} times in the other browser`);
      const countA = await onA.count();
      expect(countA === 1, `the sent message shows ${countA} times in the sender's browser`);
      await screenshot(pageB, 'live');
    });

    await step('live-append', async () => {
      // A new message is appended and a changed one replaced alone: the items already shown
      // stay the same DOM objects. Posted through the API, as another client would.
      const token = await apiToken(OWNER.email, OWNER.password);
      const threadId = threadPath.split('/').pop();
      current = pageB;
      await pageB.setViewportSize({ width: 900, height: 400 });
      await pageB.goto(url(threadPath));
      await pageB.locator('ol#messages > li.message').first().waitFor();
      const tagged = await pageB.evaluate(() => {
        const list = document.getElementById('messages');
        window.__removed = 0;
        new MutationObserver((records) => {
          for (const record of records) window.__removed += record.removedNodes.length;
        }).observe(list, { childList: true });
        const items = [...list.querySelectorAll(':scope > li.message')];
        for (const item of items) item.__tag = item.id;
        return items.map((item) => item.id);
      });
      expect(tagged.length > 0, 'the thread page shows no li.message to tag');
      const sameObjects = () =>
        pageB.evaluate((ids) => ids.filter((id) => document.getElementById(id)?.__tag !== id), tagged);

      // Two messages, the viewer scrolled to the bottom: both arrive once, in order, in view.
      await pageB.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      const first = await apiPost(token, `/api/v1/threads/${threadId}/messages`, { body: 'Appended *one*' });
      const second = await apiPost(token, `/api/v1/threads/${threadId}/messages`, { body: 'Appended two' });
      const t0 = Date.now();
      try {
        await pageB.waitForFunction(
          (ids) => ids.every((id) => document.getElementById(`m${id}`)),
          [first.id, second.id],
          { timeout: LIVE_MS },
        );
      } catch {
        fail(`the messages posted through the API did not appear within ${LIVE_MS} ms`);
      }
      const arrived = Date.now() - t0;
      const changed = await sameObjects();
      expect(changed.length === 0, `appending re-rendered earlier messages: ${changed.join(', ')} are new DOM objects`);
      expect((await pageB.evaluate(() => window.__removed)) === 0, 'appending removed items from the list');
      const order = await pageB.evaluate(() => [...document.querySelectorAll('ol#messages > li.message')].map((li) => li.id));
      expect(
        order.join() === [...tagged, `m${first.id}`, `m${second.id}`].join(),
        `the list should be the earlier messages then the two new ones, each once; it is ${order.join()}`,
      );
      expect(
        (await pageB.locator('ol#messages > li.message .body em', { hasText: 'one' }).count()) === 1,
        'the appended message is not rendered from its markdown by the server',
      );
      const atBottom = () =>
        pageB.evaluate(() => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 4);
      expect(await atBottom(), 'a viewer at the bottom was left above the new messages');

      // Scrolled up, the page does not jump when a message arrives.
      await pageB.evaluate(() => window.scrollTo(0, 0));
      const third = await apiPost(token, `/api/v1/threads/${threadId}/messages`, { body: 'Appended three' });
      await pageB.locator(`#m${third.id}`).waitFor({ state: 'attached', timeout: LIVE_MS });
      const scrolled = await pageB.evaluate(() => window.scrollY);
      expect(scrolled === 0, `a viewer reading further up was moved to ${scrolled} by a new message`);

      // An edit and a reaction replace that one item; every other stays.
      const before = await pageB.evaluate((id) => {
        document.getElementById(`m${id}`).__edited = true;
        return document.querySelectorAll('ol#messages > li.message').length;
      }, first.id);
      await apiSend(token, 'PATCH', `/api/v1/messages/${first.id}`, { body: 'Appended one, edited' });
      try {
        await pageB.waitForFunction(
          (id) => document.getElementById(`m${id}`)?.querySelector('.body')?.textContent.includes('edited'),
          first.id,
          { timeout: LIVE_MS },
        );
      } catch {
        fail(`the edit did not reach the other browser within ${LIVE_MS} ms`);
      }
      await apiSend(token, 'POST', `/api/v1/messages/${second.id}/reactions`, { emoji: '🎉' });
      try {
        await pageB.waitForFunction(
          (id) => /🎉\s*1/.test(document.getElementById(`m${id}`)?.querySelector('form.reactions')?.textContent ?? ''),
          second.id,
          { timeout: LIVE_MS },
        );
      } catch {
        fail(`the reaction did not reach the other browser within ${LIVE_MS} ms`);
      }
      const after = await pageB.evaluate((id) => ({
        count: document.querySelectorAll('ol#messages > li.message').length,
        replaced: document.getElementById(`m${id}`).__edited !== true,
        edited: document.querySelectorAll(`#m${id}`).length,
        removed: window.__removed,
      }), first.id);
      expect(after.count === before, `the list had ${before} items before the edit and ${after.count} after`);
      expect(after.replaced && after.edited === 1, 'the edited message was not replaced by one new item');
      expect(after.removed === 2, `an edit and a reaction should replace two items, ${after.removed} were removed`);
      expect((await sameObjects()).length === 0, 'an edit re-rendered messages it did not change');
      const notReloaded = await pageB.evaluate(() => window.__removed !== undefined);
      expect(notReloaded, 'the page reloaded');
      console.log(`     (appended ${arrived} ms after the API answered)`);
      await pageB.setViewportSize({ width: 1280, height: 720 });
    });

    await step('long-thread', async () => {
      // 3,000 messages: the page opens at the newest, pages back to the first through "Older
      // messages", and "Jump to the newest" comes back to the present.
      const token = await apiToken(OWNER.email, OWNER.password);
      // In a channel of its own, so that the channel list's counts of #general stay small.
      const channel = await apiPost(token, '/api/v1/channels', { name: 'long-haul' });
      const thread = await apiPost(token, `/api/v1/channels/${channel.id}/threads`, { title: 'Long haul', body: 'long 0' });
      for (let start = 1; start < 3000; start += 100) {
        await Promise.all(
          Array.from({ length: Math.min(100, 3000 - start) }, (_, i) =>
            apiPost(token, `/api/v1/threads/${thread.id}/messages`, { body: `long ${start + i}` })),
        );
      }
      const newest = await apiPost(token, `/api/v1/threads/${thread.id}/messages`, { body: 'long newest' });
      current = pageA;
      await pageA.goto(url(`/t/${thread.id}`));
      await pageA.locator(`#m${newest.id}`).waitFor();
      let pages = 1;
      while ((await pageA.locator('ol#messages li.message .body', { hasText: /^\s*long 0\s*$/ }).count()) === 0) {
        const older = pageA.getByRole('link', { name: 'Older messages' });
        if ((await older.count()) === 0) fail(`no "Older messages" link on page ${pages}, and "long 0" is not shown`);
        await older.first().click();
        await pageA.waitForLoadState('domcontentloaded');
        pages += 1;
        if (pages > 20) fail('still no first message after 20 pages back');
      }
      expect(pages >= 15, `3,001 messages came in ${pages} pages: a page holds more than it should`);
      expect((await pageA.locator(`#m${newest.id}`).count()) === 0, 'the first page also shows the newest message');
      await pageA.getByRole('link', { name: 'Jump to the newest' }).first().click();
      await pageA.locator(`#m${newest.id}`).waitFor();
    });

    await step('search', async () => {
      // The navigation's search box, then the filters on the results page.
      current = pageA;
      await pageA.goto(url('/'));
      const box = pageA.locator('header form[role="search"] input[name="q"]');
      await box.fill('draft');
      await box.press('Enter');
      await expectPath(pageA, '/search', 'after searching from the navigation');
      const marked = pageA.locator('ol.results li.found mark', { hasText: /^draft$/i });
      expect((await marked.count()) > 0, `no result with "draft" marked: ${oneLine(await pageA.locator('main').innerText()).slice(0, 300)}`);
      await submitForm(pageA, 'Search', { q: 'lon*', in: 'long-haul', is: 'thread', order: 'newest' });
      await pageA.waitForURL((u) => u.pathname === '/search' && u.searchParams.get('in') === 'long-haul');
      const first = oneLine(await pageA.locator('ol.results li.found').first().innerText());
      expect(first.includes('long newest'), `newest first, the first result should be "long newest": ${first}`);
      expect((await pageA.locator('ol.results li.found').count()) === 50, 'a page of 50 results');
      await submitForm(pageA, 'Search', { q: 'lon*', in: 'long-haul', is: 'dm', order: '' });
      const none = oneLine(await pageA.locator('main').innerText());
      expect(none.includes('No messages found.'), `is:dm finds none of the channel's messages: ${none.slice(0, 200)}`);
      await screenshot(pageA, 'search');
    });

    await step('mention-autocomplete', async () => {
      current = pageA;
      await pageA.goto(url(threadPath));
      const { form } = await formWithButton(pageA, 'Send');
      const area = form.locator('textarea[name="body"]');
      await area.click();
      await area.pressSequentially('Thanks @an');
      const option = pageA.locator('ul.mentions [role="option"]', { hasText: '@ana' });
      try {
        await option.first().waitFor();
      } catch {
        fail('typing "@an" in the composer offers no @ana');
      }
      await area.press('Enter');
      const value = await area.inputValue();
      expect(value === 'Thanks @ana ', `choosing the mention should give "Thanks @ana ", the box holds "${value}"`);
    });

    await step('thread-actions', async () => {
      current = pageA;
      await pageA.goto(url(threadPath));
      await formWithButton(pageA, 'Resolve thread').then(({ button }) => button.click());
      await pageA.locator('h1 .badge.resolved').waitFor();
      await formWithButton(pageA, 'Reopen thread').then(({ button }) => button.click());
      await pageA.locator('h1 .badge.open').waitFor();
      await submitForm(pageA, 'Save tags', { tags: 'decision, launch' });
      const tags = await pageA.locator('h1 .tag').allInnerTexts();
      expect(tags.join(',') === 'decision,launch', `the thread's tags should read decision,launch, they read ${tags}`);

      // A message for a time already past is refused, and the draft waits where it was typed.
      await submitForm(pageA, 'Send', { body: 'Draft that must not be lost', send_at: '2001-01-01T09:00' });
      const error = pageA.locator('#composer-send-at-error');
      try {
        await error.waitFor();
      } catch {
        fail('a send-later time in the past shows no error beside the field');
      }
      const kept = await pageA.locator('form.composer textarea[name="body"]').inputValue();
      expect(kept === 'Draft that must not be lost', `the refused draft was lost: the box holds "${kept}"`);

      // Mentions stand out; one of a handle nobody has says so.
      await submitForm(pageA, 'Send', { body: 'Thanks @ana and @nobody', send_at: '' });
      const message = pageA.locator('ol#messages > li.message', { hasText: 'Thanks' }).last();
      await message.waitFor();
      expect((await message.locator('span.mention.me').count()) === 1, 'the own mention is not highlighted');
      const unknown = message.locator('span.mention.unknown');
      expect((await unknown.count()) === 1, 'the unknown mention is not marked');
      expect(((await unknown.getAttribute('title')) ?? '').includes('No member'), 'the unknown mention does not say why');
      await screenshot(pageA, 'mentions');

      await message.locator('details.delete summary').click();
      await message.locator('details.delete button[type="submit"]').click();
      try {
        await pageA.locator('ol#messages .body.deleted').first().waitFor();
      } catch {
        fail('deleting a message left no tombstone');
      }
      const gone = await pageA.locator('ol#messages', { hasText: 'Thanks @ana and' }).count();
      expect(gone === 0, 'the deleted message is still shown');

      await pageA.goto(url(channelPath));
      await submitForm(pageA, 'Save topic', { topic: 'Everything about the launch' });
      await expectPath(pageA, channelPath, 'after saving the topic');
      const topic = oneLine(await pageA.locator('p.topic').first().innerText());
      expect(topic === 'Everything about the launch', `the channel's topic reads "${topic}"`);
    });

    await step('private-channel', async () => {
      current = pageA;
      await pageA.goto(url('/'));
      await submitForm(pageA, 'Create channel', { name: 'leadership', visibility: 'private' });
      const privatePath = await expectPath(pageA, /^\/c\/[^/]+$/, 'after creating a private channel');
      await submitForm(pageA, 'Start thread', { title: 'Reorg plans', body: 'Not for everyone yet' });
      await expectPath(pageA, /^\/t\/[^/]+$/, 'after starting a private thread');
      // An admin adds a member with a password; that member then tries the private channel's URL.
      await pageA.goto(url('/admin'));
      await submitForm(pageA, 'Add member', { handle: 'bo', email: 'bo@example.com', password: 'bo-password-123' });
      await expectPath(pageA, '/admin', 'after adding a member');
      const contextC = await newContext(browser);
      const pageC = await contextC.newPage();
      current = pageC;
      await signIn(pageC, 'bo@example.com', 'bo-password-123');
      const list = await pageC.locator('main').innerText();
      expect(!list.includes('leadership'), 'a member who is not in #leadership sees it in the channel list');
      const response = await pageC.goto(url(privatePath));
      expect(response?.status() === 403, `a member opening a private channel's URL should get 403, got ${response?.status()}`);
      const body = await pageC.locator('body').innerText();
      expect(!body.includes('leadership') && !body.includes('Reorg'), `the 403 page shows the channel's content: ${oneLine(body).slice(0, 200)}`);
      await screenshot(pageC, 'private-403');
      // The channel list counts unread messages live: bo watches it while ana posts in #general.
      await pageC.goto(url('/'));
      const general = pageC.locator(`li:has(a.channel[href="${channelPath}"]) .unread-count`);
      const before = (await general.count()) ? Number(await general.first().innerText()) : 0;
      current = pageA;
      await pageA.goto(url(threadPath));
      await submitForm(pageA, 'Send', { body: 'For everyone in #general' });
      await expectPath(pageA, threadPath, 'after sending');
      current = pageC;
      try {
        await pageC.waitForFunction(
          ([selector, was]) => {
            const badge = document.querySelector(selector);
            return badge && Number(badge.textContent) === was + 1;
          },
          [`li:has(a.channel[href="${channelPath}"]) .unread-count`, before],
          { timeout: 10_000 },
        );
      } catch {
        fail(`bo's channel list did not count the new message live (it showed ${before} before)`);
      }
      await contextC.close();
    });

    let dmPath;
    await step('dm-thread', async () => {
      const text = 'Lunch on Friday?';
      current = pageA;
      await pageA.goto(url('/dms'));
      const bo = await pageA.locator('select[name="members"] option', { hasText: '@bo' }).first().getAttribute('value');
      expect(bo, 'the new-conversation form offers no @bo');
      await submitForm(pageA, 'Open conversation', { members: bo });
      dmPath = await expectPath(pageA, /^\/dms\/[^/]+$/, 'after opening a conversation');
      await submitForm(pageA, 'Send', { body: text });
      await expectPath(pageA, dmPath, 'after sending a direct message');

      current = pageB;
      await pageB.goto(url(dmPath));
      await pageB.locator('ol#messages > li.message', { hasText: text }).first().waitFor();
      await pageB.evaluate(() => {
        window.__batonNotReloaded = true;
      });

      current = pageA;
      const message = pageA.locator('ol#messages > li.message', { hasText: text }).first();
      await message.locator('details.reply summary').click();
      await message.locator('details.reply textarea[name="body"]').fill('Friday works for me');
      await message.locator('details.reply button[type="submit"]').click();
      const threadPage = await expectPath(pageA, /^\/t\/[^/]+$/, 'after replying in a thread');
      const heading = oneLine(await pageA.locator('h1').first().innerText());
      expect(heading.includes(text), `the thread is titled with the message: "${heading}"`);
      const crumb = pageA.locator(`p.crumbs a[href="${dmPath}"]`);
      expect((await crumb.count()) > 0, 'the thread page does not lead back to its conversation');
      await screenshot(pageA, 'dm-thread');

      current = pageB;
      try {
        await pageB.waitForSelector(`#threads a.thread[href="${threadPage}"]`, { timeout: 10_000 });
        await pageB.waitForFunction(
          (t) => !document.querySelector('#messages')?.textContent.includes(t),
          text,
          { timeout: 10_000 },
        );
      } catch {
        fail('the other browser did not list the new thread, or still showed its message in the timeline, within 10 s');
      }
      const notReloaded = await pageB.evaluate(() => window.__batonNotReloaded === true);
      expect(notReloaded, 'the conversation page reloaded to show the thread; it should arrive live');
    });


    await step('sidebar-keyboard', async () => {
      // The sidebar beside the page: channels then conversations, the open one marked; Alt+↓/↑
      // move to the next or previous, Alt+Shift+↓/↑ to the next with unread messages, and its
      // counts follow new messages live.
      current = pageA;
      await pageA.goto(url(channelPath));
      const links = pageA.locator('#side-nav a.side-link');
      const hrefs = await links.evaluateAll((all) => all.map((a) => new URL(a.href).pathname));
      const here = hrefs.indexOf(channelPath);
      expect(here >= 0 && hrefs.includes(dmPath), `the sidebar lists ${hrefs.join(', ')}: not ${channelPath} and ${dmPath}`);
      const marked = await pageA.locator('#side-nav a.side-link[aria-current="page"]').evaluateAll((all) => all.map((a) => new URL(a.href).pathname));
      expect(marked.join() === channelPath, `the sidebar marks ${marked.join() || 'nothing'} as the open page, not ${channelPath}`);
      expect(await links.nth(here).isVisible(), 'on a wide screen the sidebar is not shown beside the page');
      const keys = oneLine(await pageA.locator('#side-keys').innerText());
      expect(/Alt\+/.test(keys) && /Ctrl\+Enter/.test(keys), `the sidebar does not say its shortcuts: "${keys}"`);

      await pageA.keyboard.press('Alt+ArrowDown');
      const next = hrefs[(here + 1) % hrefs.length];
      await expectPath(pageA, next, 'after Alt+ArrowDown');
      await pageA.keyboard.press('Alt+ArrowUp');
      await expectPath(pageA, channelPath, 'after Alt+ArrowUp');

      // bo writes to ana: the conversation's count arrives on the open page without a reload.
      // (Ana's other browser leaves the conversation first: open there, it would read it.)
      await pageB.goto(url('/inbox'));
      await pageA.evaluate(() => { window.__batonNotReloaded = true; });
      const dmLink = pageA.locator(`#side-nav a.side-link[href="${dmPath}"]`);
      const before = Number((await dmLink.locator('.unread-count').allInnerTexts())[0] ?? 0);
      const bo = await apiToken('bo@example.com', 'bo-password-123');
      const dmId = dmPath.split('/').pop();
      await apiPost(bo, `/api/v1/dms/${dmId}/messages`, { body: 'Are you there?' });
      try {
        await pageA.waitForFunction(
          ([href, was]) => {
            const badge = document.querySelector(`#side-nav a.side-link[href="${href}"] .unread-count`);
            return badge && Number(badge.textContent) === was + 1;
          },
          [dmPath, before],
          { timeout: 10_000 },
        );
      } catch {
        fail(`the sidebar did not count bo's message live (it showed ${before} before)`);
      }
      expect(await pageA.evaluate(() => window.__batonNotReloaded === true), 'the page reloaded to show the count');
      const unread = await links.evaluateAll((all) => all.filter((a) => Number(a.dataset.unread) > 0).map((a) => new URL(a.href).pathname));
      // From here the next conversation with unread messages, wherever it is in the list.
      const after = hrefs.slice(here + 1).concat(hrefs.slice(0, here));
      const nextUnread = after.find((href) => unread.includes(href));
      expect(nextUnread, `no conversation with unread messages after ${channelPath}: ${unread.join(', ')}`);
      await pageA.keyboard.press('Alt+Shift+ArrowDown');
      await expectPath(pageA, nextUnread, 'after Alt+Shift+ArrowDown');
      await screenshot(pageA, 'sidebar', false);
    });

    await step('send-with-keyboard', async () => {
      // Ctrl+Enter sends from the composer, ⌘+Enter too; a plain Enter is a new line.
      current = pageA;
      for (const [keys, text] of [['Control+Enter', 'Sent with Ctrl+Enter'], ['Meta+Enter', 'Sent with Cmd+Enter']]) {
        await pageA.goto(url(threadPath));
        const { form } = await formWithButton(pageA, 'Send');
        const area = form.locator('textarea[name="body"]');
        await area.click();
        await area.pressSequentially(text.slice(0, 4));
        await area.press('Enter');
        await area.pressSequentially(text.slice(4));
        const typed = await area.inputValue();
        expect(typed === `${text.slice(0, 4)}\n${text.slice(4)}`, `a plain Enter should start a new line, the box holds "${typed}"`);
        await Promise.all([pageA.waitForNavigation(), area.press(keys)]);
        const shown = pageA.locator('ol#messages > li.message .body', { hasText: text.slice(4) });
        try {
          await shown.first().waitFor();
        } catch {
          fail(`${keys} in the composer did not send "${text}"${await pageErrorText(pageA)}`);
        }
        expect((await shown.count()) === 1, `${keys} sent "${text}" ${await shown.count()} times`);
      }
    });

    let boardPath;
    let taskPath;
    let huddlePage;
    await step('board', async () => {
      current = pageA;
      await pageA.goto(url('/projects'));
      await submitForm(pageA, 'Create project', { name: 'Launch', description: 'Everything for the launch' });
      boardPath = await expectPath(pageA, /^\/p\/[^/]+$/, 'after creating a project');
      await submitForm(pageA, 'Add task', { title: 'Write the announcement', due: '2031-05-06' });
      await expectPath(pageA, boardPath, 'after adding a task');
      const todo = pageA.locator('section.column[data-status="todo"] article.task-card', { hasText: 'Write the announcement' });
      expect((await todo.count()) === 1, 'the new task is not a card in the todo column');
      // Moving with the keyboard-reachable form: pick the column, press Move.
      const card = todo.first();
      await card.locator('select[name="status"]').selectOption('in_progress');
      await card.getByRole('button', { name: 'Move Write the announcement' }).click();
      const moved = pageA.locator('section.column[data-status="in_progress"] article.task-card', { hasText: 'Write the announcement' });
      try {
        await moved.first().waitFor();
      } catch {
        fail('after moving, the card is not in the in_progress column');
      }
      // And by dragging: board.js sends the same form when the card is dropped on a column.
      await moved.first().dragTo(pageA.locator('section.column[data-status="blocked"]'));
      const dropped = pageA.locator('section.column[data-status="blocked"] article.task-card', { hasText: 'Write the announcement' });
      try {
        await dropped.first().waitFor();
      } catch {
        fail('after dragging the card onto Blocked, it is not in the blocked column');
      }
      await pageA.reload();
      expect((await dropped.count()) === 1, 'after a reload, the dragged card is not in the blocked column: the move was not saved');
      await screenshot(pageA, 'board');
      await dropped.first().locator('a.task').click();
      taskPath = await expectPath(pageA, /^\/tasks\/[^/]+$/, 'after opening the task');
      const history = oneLine(await pageA.locator('ol#history').innerText());
      expect(/In progress/.test(history), `the task's history does not show the move: ${history}`);
      expect(/Blocked/.test(history), `the task's history does not show the drag to Blocked: ${history}`);
      // Its title and description are edited on its page.
      await pageA.locator('details.edit-text summary').click();
      await submitForm(pageA, 'Save title and description', { title: 'Write the launch announcement', description: 'Two paragraphs' });
      await expectPath(pageA, taskPath, 'after editing the task');
      const title = oneLine(await pageA.locator('h1').first().innerText());
      expect(title === 'Write the launch announcement', `the task's title did not change: "${title}"`);
      await screenshot(pageA, 'task');
    });

    await step('huddle', async () => {
      current = pageA;
      await pageA.goto(url(threadPath));
      await pageA.locator('details', { hasText: 'Start a huddle' }).locator('summary').click();
      const bo = await pageA.locator('select[name="invite"] option', { hasText: '@bo' }).first().getAttribute('value');
      expect(bo, 'the start form offers no @bo to invite');
      await submitForm(pageA, 'Start huddle', { agenda: 'Settle the launch date', invite: bo });
      const huddlePath = await expectPath(pageA, /^\/huddles\/[^/]+$/, 'after starting a huddle');
      huddlePage = huddlePath;
      const invited = oneLine(await pageA.locator('ul.invited').innerText());
      expect(invited.includes('@bo'), `the huddle does not list @bo as invited: "${invited}"`);
      if ((await pageA.getByRole('button', { name: 'Join', exact: true }).count()) > 0) {
        await pageA.getByRole('button', { name: 'Join', exact: true }).click();
        await expectPath(pageA, huddlePath, 'after joining');
      }
      await submitForm(pageA, 'Record decision', { text: 'Launch on Monday' });
      await expectPath(pageA, huddlePath, 'after recording a decision');
      const ana = await pageA.locator('select[name="assignee"] option', { hasText: '@ana' }).first().getAttribute('value');
      await submitForm(pageA, 'Add action item', { title: 'Send the launch email', assignee: ana });
      await expectPath(pageA, huddlePath, 'after adding an action item');
      await screenshot(pageA, 'huddle');
      await pageA.getByRole('button', { name: 'End huddle' }).click();
      await expectPath(pageA, huddlePath, 'after ending the huddle');
      const taskLink = pageA.locator('ol#action-items a[href^="/tasks/"]');
      expect((await taskLink.count()) === 1, 'the ended huddle does not link its action item to a task');
      // The action item is now a task on a board: the thread has no project, so "Action items".
      await pageA.goto(url('/projects'));
      await pageA.locator('a.project', { hasText: 'Action items' }).first().click();
      await expectPath(pageA, /^\/p\/[^/]+$/, 'after opening the action items board');
      const card = pageA.locator('section.column[data-status="todo"] article.task-card', { hasText: 'Send the launch email' });
      expect((await card.count()) === 1, 'the huddle\'s action item is not on the board');
      expect(oneLine(await card.first().innerText()).includes('@ana'), 'the action item card does not show its assignee');
    });

    await step('every-page', async () => {
      // Each page, on a phone and on a desktop: no sideways scroll at 360 px, and every form
      // control has a name a screen reader can say (a label, aria-label or aria-labelledby).
      const pages = ['/', channelPath, threadPath, '/dms', '/projects', boardPath, taskPath, '/huddles', huddlePage, '/checkins', '/inbox', '/search?q=draft',
        '/insights', '/advisor', '/overlap?members=ana,bo', '/scheduled', '/settings', '/admin'];
      const contextM = await newContext(browser, {
        viewport: { width: 360, height: 740 },
        isMobile: true,
        storageState: await contextA.storageState(),
      });
      const pageM = await contextM.newPage();
      current = pageM;
      for (const p of pages) {
        const response = await pageM.goto(url(p));
        expect(response?.status() === 200, `GET ${p} answered ${response?.status()}`);
        const problems = await pageM.evaluate(() => {
          const found = [];
          if (document.documentElement.scrollWidth > 360) found.push(`scrolls sideways (scrollWidth ${document.documentElement.scrollWidth})`);
          for (const control of document.querySelectorAll('input, select, textarea, button')) {
            if (control.type === 'hidden') continue;
            const named = (control.labels && control.labels.length > 0) || control.getAttribute('aria-label') ||
              control.getAttribute('aria-labelledby') || (control.tagName === 'BUTTON' && control.textContent.trim());
            if (!named) found.push(`a ${control.tagName.toLowerCase()} named "${control.name}" has no label`);
          }
          return found;
        });
        expect(problems.length === 0, `${p}: ${problems.slice(0, 3).join('; ')}`);
      }
      await contextM.close();
    });

    if (DEMO) {
      await step('insights-admin', async () => {
        const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        current = page;
        await page.goto(`${DEMO}/login`);
        await submitForm(page, 'Sign in', { email: 'owner@baton.demo', password: DEMO_PASSWORD });
        await page.waitForURL((u) => u.pathname === '/');
        await page.goto(`${DEMO}/insights`);
        const charts = await page.locator('figure.chart svg').count();
        expect(charts >= 3, `the insights page shows ${charts} SVG charts, want at least 3`);
        const isolated = page.locator('section.isolated');
        expect((await isolated.count()) === 1, 'an admin sees no section.isolated on the insights page');
        const names = oneLine(await isolated.innerText());
        expect(names.includes('@quinn'), `the demo's isolated @quinn is not listed to an admin: ${names.slice(0, 200)}`);
        // The first screen (headline and charts): the whole page is very long.
        await screenshot(page, 'insights', false);
        await page.goto(`${DEMO}/advisor`);
        const cards = await page.locator('article.suggestion').count();
        expect(cards > 0, 'the demo has no advisor suggestions on /advisor');
        await screenshot(page, 'advisor', false);
        await context.close();
      });

      await step('insights-member', async () => {
        const context = await newContext(browser);
        const page = await context.newPage();
        current = page;
        await page.goto(`${DEMO}/login`);
        // dana is a plain member of the demo workspace.
        await submitForm(page, 'Sign in', { email: 'dana@baton.demo', password: DEMO_PASSWORD });
        await page.waitForURL((u) => u.pathname === '/');
        await page.goto(`${DEMO}/insights`);
        const charts = await page.locator('figure.chart svg').count();
        expect(charts >= 3, `a member's insights page shows ${charts} SVG charts, want at least 3`);
        expect((await page.locator('section.isolated').count()) === 0, 'a member who is not an admin sees section.isolated');
        const text = await page.locator('main').innerText();
        expect(!text.includes('@quinn'), 'a member who is not an admin sees who is isolated (@quinn)');
        await context.close();
      });
    }

    if (IMPORTED) {
      // A lead's first look at their team's imported history (it ended in January 2018).
      await step('imported-history', async () => {
        const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        current = page;
        await page.goto(`${IMPORTED}/login`);
        await submitForm(page, 'Sign in', { email: 'lead@example.com', password: 'lead-password-123' });
        await page.waitForURL((u) => u.pathname === '/');
        await page.locator('a.channel', { hasText: '#general' }).first().click();
        await page.waitForURL((u) => /^\/c\/[^/]+$/.test(u.pathname));
        const timeline = page.locator('section.timeline');
        expect((await timeline.count()) === 1, 'an imported channel does not show its messages outside threads');
        expect((await timeline.locator('li.message').count()) > 0, 'the channel page lists none of its timeline');
        await timeline.getByRole('link', { name: 'All of them' }).click();
        const heading = oneLine(await page.locator('h1').first().innerText());
        expect(heading === '#general: messages outside threads', `the timeline's page is headed "${heading}"`);
        await screenshot(page, 'timeline');
        // Insights open on the weeks the data holds, not on an empty present.
        await page.goto(`${IMPORTED}/insights`);
        const headline = oneLine(await page.locator('main').innerText());
        expect(/2018/.test(headline), `the insights page does not show the data's weeks (2018): ${headline.slice(0, 300)}`);
        expect((await page.locator('figure.chart svg').count()) >= 3, 'the insights page draws no charts for the imported history');
        await context.close();
      });
    }

    await step('mobile', async () => {
      const width = 360;
      const contextM = await newContext(browser, {
        viewport: { width, height: 740 },
        isMobile: true,
        hasTouch: true,
        storageState: await contextA.storageState(),
      });
      const pageM = await contextM.newPage();
      current = pageM;
      await pageM.goto(url(threadPath));
      expect(path(pageM) === threadPath, `the mobile browser should be signed in and on ${threadPath}, it is on ${path(pageM)}`);
      const scrollWidth = await pageM.evaluate(() => document.documentElement.scrollWidth);
      if (scrollWidth > width) {
        const culprits = await pageM.evaluate((limit) => {
          const describe = (element) =>
            element.tagName.toLowerCase() +
            (element.id ? `#${element.id}` : '') +
            [...element.classList].map((c) => `.${c}`).join('');
          return [...document.querySelectorAll('body *')]
            .filter((element) => element.getBoundingClientRect().right > limit + 0.5)
            .slice(0, 5)
            .map((element) => `${describe(element)} (right edge ${Math.round(element.getBoundingClientRect().right)})`);
        }, width);
        fail(`the page scrolls sideways at ${width} px: scrollWidth is ${scrollWidth}; too wide: ${culprits.join(', ') || '?'}`);
      }
      // The sidebar is folded away above the page, and opens from its summary, still without
      // sideways scroll.
      const firstLink = pageM.locator('#side-nav a.side-link').first();
      expect(!(await firstLink.isVisible()), 'at 360 px the sidebar is not folded away');
      await pageM.locator('#sidebar > summary').click();
      try {
        await firstLink.waitFor({ state: 'visible' });
      } catch {
        fail('at 360 px the sidebar does not open from its summary');
      }
      const opened = await pageM.evaluate(() => document.documentElement.scrollWidth);
      expect(opened <= width, `with the sidebar open the page scrolls sideways: scrollWidth is ${opened}`);
      await screenshot(pageM, 'sidebar-mobile', false);
      await pageM.locator('#sidebar > summary').click();
      await screenshot(pageM, 'thread-mobile');
      await contextM.close();
    });

    await step('password', async () => {
      const context = await newContext(browser);
      const page = await context.newPage();
      current = page;
      await signIn(page, 'bo@example.com', 'bo-password-123');
      await page.goto(url('/settings'));
      await submitForm(page, 'Change password', {
        current_password: 'bo-password-123', new_password: 'bo-new-password-456', repeat_password: 'bo-new-password-456',
      });
      try {
        await page.locator('#password .notice').waitFor();
      } catch {
        fail(`changing the password said nothing${await pageErrorText(page)}`);
      }
      await context.close();
      const again = await newContext(browser);
      const fresh = await again.newPage();
      current = fresh;
      await signIn(fresh, 'bo@example.com', 'bo-new-password-456');
      await again.close();
    });

    await step('not-found', async () => {
      current = pageA;
      const response = await pageA.goto(url('/no/such/page'));
      expect(response?.status() === 404, `an unknown URL should answer 404, it answered ${response?.status()}`);
      const heading = oneLine(await pageA.locator('h1').first().innerText());
      expect(heading === 'Page not found', `an unknown URL should show an HTML page, its h1 is "${heading}"`);
    });

    await step('csp', async () => {
      current = pageA;
      const response = await pageA.goto(url(threadPath));
      expect(response !== null, `GET ${threadPath} gave no response`);
      const header = response.headers()['content-security-policy'];
      expect(header, `GET ${threadPath} has no content-security-policy header`);
      const directives = new Map(
        header
          .split(';')
          .map((directive) => directive.trim().split(/\s+/))
          .filter((words) => words[0])
          .map(([name, ...values]) => [name.toLowerCase(), values]),
      );
      const scriptDirective = directives.has('script-src') ? 'script-src' : 'default-src';
      const sources = directives.get(scriptDirective);
      expect(sources, `the content-security-policy has neither script-src nor default-src: ${header}`);
      expect(
        !sources.some((source) => source.toLowerCase() === "'unsafe-inline'"),
        `the content-security-policy's ${scriptDirective} allows 'unsafe-inline': ${header}`,
      );
      const violations = consoleErrors.filter(({ text }) => text.includes('Content Security Policy'));
      expect(
        violations.length === 0,
        `the pages broke their own content-security-policy ${violations.length} time(s); first on ${violations[0]?.page}: ${oneLine(violations[0]?.text ?? '').slice(0, 300)}`,
      );
    });

    await step('no-script-errors', async () => {
      current = null;
      expect(
        pageErrors.length === 0,
        `${pageErrors.length} uncaught exception(s) in the pages' scripts; first on ${pageErrors[0]?.page}: ${oneLine(pageErrors[0]?.text ?? '').slice(0, 300)}`,
      );
    });
  } catch {
    return 1;
  } finally {
    await browser.close().catch(() => {});
  }

  reportConsole('note: ');
  console.log(`browser scenario: all ${stepsPassed} steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

const watchdog = setTimeout(() => {
  console.log(`FAILED step "(whole run)" at ${current ? current.url() : '(no page)'}: the scenario did not finish within ${RUN_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, RUN_TIMEOUT_MS);
watchdog.unref();

process.exitCode = await main();
clearTimeout(watchdog);
