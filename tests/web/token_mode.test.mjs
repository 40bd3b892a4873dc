// The web inbox in a real Chromium against a real mailboxd that checks bearer tokens
// (an HS256 key; tokens minted by mailbox-token): each test starts its own mailboxd and
// uses fresh browser contexts in en-US, and leaves a screenshot of what it saw.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closePages, launch, openPage, screenshot, until, untilText } from './browser.mjs';
import { startMailboxd } from './mailboxd.mjs';
import { rowTexts, tab, unread, untilRow } from './mailbox_page.mjs';

const A = '01033330003';
const B = '01044440004';
const C = '01055550005';

describe('the web inbox with keys', () => {
  let browser, server;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });
  beforeEach(async () => { server = await startMailboxd({ keys: true }); });
  afterEach(async () => {
    await closePages();
    const code = await server?.stop();
    assert.equal(code, 0, `mailboxd did not stop cleanly:\n${server?.output()}`);
  });

  async function sendAs(sender, receiver, text) {
    const answer = await server.api('/mobiles', { method: 'POST', token: server.token(sender), body: { receiver, text } });
    assert.equal(answer.status, 201, await answer.text());
  }

  const signInForm = (page) => page.getByLabel('Token', { exact: true });

  test("a token in the address signs in and leaves the address; A's page never shows B's mail", async () => {
    await sendAs(C, A, 'for A: the minutes');
    await sendAs(C, B, 'for B only: the salary list');
    await sendAs(B, C, 'from B to C: the other secret');
    const a = await openPage(browser, `${server.url}/#token=${server.token(A)}`);
    await untilRow("A's inbox shows A's mail", a, 'for A: the minutes');
    assert.equal(new URL(a.url()).hash, '', 'the token is gone from the address bar');
    await untilText('the header names A', a.getByText(`Mailbox of ${A}`), `Mailbox of ${A}`);
    assert.deepEqual((await rowTexts(a)).length, 1, "A's inbox holds A's one message");

    // Everything A's page can reach: the inbox, Sent and Alarms.
    await tab(a, 'Sent').click();
    await until('Sent has loaded', async () => (await a.getByText('Nothing sent yet.').isVisible()) || { seen: await rowTexts(a, 'Sent') });
    await tab(a, 'Alarms').click();
    await untilRow("A's alarms show the arrival", a, 'A message arrived', 'Alarms');
    const everything = await a.locator('body').innerText();
    for (const secret of ['for B only', 'from B to C', B]) {
      assert.ok(!everything.includes(secret), `A's page shows "${secret}":\n${everything}`);
    }
    await screenshot(a, 'token-a-own-mail-only');

    await a.reload();
    await untilRow('a reload keeps the session', a, 'for A: the minutes');
    await a.getByRole('button', { name: 'Sign out', exact: true }).click();
    await signInForm(a).waitFor();
    await a.reload();
    await signInForm(a).waitFor();
    assert.equal(await a.evaluate(() => sessionStorage.length), 0, 'signing out forgets the token');
  });

  test('the Token field signs in; a bad token returns to sign-in with the reason', async () => {
    const page = await openPage(browser, server.url);
    await signInForm(page).fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const reason = async () => signInForm(page).evaluate((input) => document.getElementById(input.getAttribute('aria-describedby')).textContent);
    await until('a refused token shows the reason next to "Token"', async () => (await reason()) !== '' || { seen: '' });
    const refused = await server.api('/whoami', { token: 'not-a-token' });
    assert.equal(refused.status, 401);
    assert.equal(await reason(), (await refused.json()).detail);

    await signInForm(page).fill(server.token(A));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await untilText('a good token opens the mailbox', unread(page), '0');

    const bad = await openPage(browser, `${server.url}/#token=${server.token(A)}x`);
    await untilText('a badly signed token in the address returns to sign-in with the reason',
      bad.getByRole('alert'), /^Signed out: .+/);
    assert.equal(new URL(bad.url()).hash, '');
    await signInForm(bad).waitFor();
    await screenshot(bad, 'token-bad-token');
  });

  test('a token that stops being valid mid-session (the key is rotated) returns to sign-in', async () => {
    await sendAs(C, A, 'before the rotation');
    const a = await openPage(browser, `${server.url}/#token=${server.token(A)}`);
    await untilRow("A's inbox shows A's mail", a, 'before the rotation');
    server.rotateKey();
    await until('mailboxd has read the new key', async () =>
      (await server.api('/whoami', { token: server.token(A) })).status === 200 || { seen: 'the old key' });
    await tab(a, 'Sent').click();
    await untilText('the next call answers 401 and the page returns to sign-in with the reason',
      a.getByRole('alert'), /^Signed out: .+/);
    await signInForm(a).waitFor();
    assert.equal(await a.getByRole('tab').count(), 0, 'the mailbox is gone');
    await screenshot(a, 'token-rotated-key');
  });
});
