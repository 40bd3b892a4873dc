// web: the web inbox measured by the same Chromium the browser tests drive (Debian's,
// through playwright-core from tests/web). A mailboxd in open mode on fresh data holds
// 25 messages for one phone; each run opens a fresh browser context (an empty cache)
// already signed in as that phone, navigates to /, and stops when the inbox shows 20
// messages. Measured: the bytes of the page's own files (HTML, JavaScript, CSS, icon;
// mailboxd sends them uncompressed) against the 100 KB target, everything received
// until the inbox shows (the page and its API answers, headers included), requests to
// any other origin (there must be none: such a row is failed), and the time from
// navigation to the 20 messages on screen, beside one GET /readmails of those 20 made
// by fetch in the same Chromium. Writes JSON rows to OUT.
//   MAILBOXD=build/server/mailboxd node bench/web.mjs OUT.json [RUNS]
import { writeFileSync } from 'node:fs';
import { launch } from '../tests/web/browser.mjs';
import { startMailboxd } from '../tests/web/mailboxd.mjs';

const [out, runsArg = '10'] = process.argv.slice(2);
if (!out) {
  console.error('usage: MAILBOXD=build/server/mailboxd node bench/web.mjs OUT.json [RUNS]');
  process.exit(2);
}
const runs = Number(runsArg);
const PHONE = '01012340000';
const SHOWN = 20;
const TARGET_BYTES = 100 * 1024;
const WAIT_MS = 20000;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pageFile = (request) => ['document', 'script', 'stylesheet', 'image', 'font'].includes(request.resourceType());

const server = await startMailboxd();
const browser = await launch();
try {
  for (let i = 0; i < SHOWN + 5; i += 1) {
    const answer = await server.api('/mobiles', { method: 'POST',
      body: { user: '01099990000', receiver: PHONE, text: `message ${i + 1}: a line of ordinary length to stand for real mail` } });
    if (answer.status !== 201) throw new Error(`a send answered ${answer.status}: ${await answer.text()}`);
  }

  const pageTimes = [];
  const fetchTimes = [];
  let pageBytes = 0;
  let allBytes = 0;
  const thirdParty = new Set();
  for (let run = 0; run < runs; run += 1) {
    const context = await browser.newContext({ locale: 'en-US' });
    await context.addInitScript((phone) => sessionStorage.setItem('mailbox.phone', phone), PHONE);
    const page = await context.newPage();
    const finished = [];  // the live feed never finishes, and is left out (only its headers have come)
    page.on('requestfinished', (request) => finished.push(request));
    page.on('request', (request) => {
      if (new URL(request.url()).origin !== server.url && !request.url().startsWith('data:')) thirdParty.add(request.url());
    });
    await page.goto(server.url, { waitUntil: 'commit' });
    const shownAt = await page.waitForFunction((n) => document.querySelectorAll('#inbox-list > li').length >= n
      && performance.now(), SHOWN, { polling: 'raf', timeout: WAIT_MS })
      .then((handle) => handle.jsonValue())
      .catch(() => { throw new Error(`run ${run + 1}: the inbox did not show ${SHOWN} messages within ${WAIT_MS} ms`); });
    pageTimes.push(shownAt);
    if (run === 0) {
      for (const request of finished) {
        const sizes = await request.sizes();
        const bytes = sizes.responseHeadersSize + sizes.responseBodySize;
        allBytes += bytes;
        if (pageFile(request)) pageBytes += sizes.responseBodySize;
      }
    }
    fetchTimes.push(await page.evaluate(async (phone) => {
      const started = performance.now();
      const answer = await fetch(`/readmails?receiver=${phone}&limit=20`, { cache: 'no-store' });
      await answer.json();
      return performance.now() - started;
    }, PHONE));
    await context.close();
  }

  const rows = [
    { metric: 'first load: bytes of the page files (HTML, JS, CSS, icon), uncompressed', value: pageBytes, unit: 'bytes',
      errors: null, reference: 'target: 100 KB', ratio: pageBytes / TARGET_BYTES },
    { metric: `first load: bytes received until the inbox shows ${SHOWN} messages (page, API answers, headers)`,
      value: allBytes, unit: 'bytes', errors: null, reference: '', ratio: null },
    { metric: 'first load: requests to other origins', value: thirdParty.size, unit: 'requests',
      errors: thirdParty.size, reference: '', ratio: null },
    { metric: `navigation to an inbox showing ${SHOWN} messages, fresh context, median of ${runs}`,
      value: Number(median(pageTimes).toFixed(1)), unit: 'ms', errors: 0,
      reference: `one GET /readmails of ${SHOWN} by fetch in the same Chromium, median of ${runs}`,
      ratio: Number((median(pageTimes) / median(fetchTimes)).toFixed(2)) },
    { metric: `one GET /readmails of ${SHOWN} by fetch in the same Chromium, median of ${runs}`,
      value: Number(median(fetchTimes).toFixed(1)), unit: 'ms', errors: null, reference: '', ratio: null },
  ].map((row) => ({ benchmark: 'web', ...row }));
  if (thirdParty.size) console.error(`web: requests to other origins: ${[...thirdParty].join(', ')}`);
  writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
} finally {
  await browser.close();
  const code = await server.stop();
  if (code !== 0) console.error(`web: mailboxd exited with ${code}:\n${server.output()}`);
}
