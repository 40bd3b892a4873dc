// Debian's Chromium driven by playwright-core (no browser download), and the bounded
// waits the tests use. Screenshots go to SCREENSHOT_DIR (CTest: the build folder's
// web-screenshots), or to the system's temporary folder.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const WAIT_MS = 15000;

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

const contexts = new Set();

// A fresh context and page in locale (en-US by default). Every dialog is recorded and
// dismissed (page.dialogs); page errors are recorded (page.errors), so a test can say
// that none happened.
export async function openPage(browser, url, { locale = 'en-US' } = {}) {
  const context = await browser.newContext({ locale, viewport: { width: 1100, height: 720 } });
  contexts.add(context);
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  page.dialogs = [];
  page.errors = [];
  page.on('dialog', (dialog) => {
    page.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (error) => page.errors.push(error.message));
  await page.goto(url);
  return page;
}

// Closes every context openPage made (their live feeds with them).
export async function closePages() {
  await Promise.all([...contexts].map((context) => context.close()));
  contexts.clear();
}

export async function screenshot(page, name) {
  const dir = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'mailbox-web-screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

// Calls check() until it returns a truthy value, at most ms; the error says what was
// awaited and, when check returns { seen }, what was seen last.
export async function until(what, check, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await check();
    if (last && !(typeof last === 'object' && 'seen' in last)) return last;
    if (Date.now() > deadline) {
      const seen = last && typeof last === 'object' && 'seen' in last ? `; last seen: ${JSON.stringify(last.seen)}` : '';
      throw new Error(`${what}: not within ${ms} ms${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Waits until locator's text (all of it, trimmed) satisfies test (a string: equal;
// a RegExp: matches).
export function untilText(what, locator, test, ms = WAIT_MS) {
  return until(what, async () => {
    const text = (await locator.count()) ? (await locator.allInnerTexts()).join(' | ').trim() : '(nothing)';
    const ok = typeof test === 'string' ? text === test : test.test(text);
    return ok || { seen: text };
  }, ms);
}
