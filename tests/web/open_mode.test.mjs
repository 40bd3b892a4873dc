// The web inbox in a real Chromium against a real mailboxd in open mode (no keys):
// each test starts its own mailboxd and uses fresh browser contexts, in en-US unless
// it says otherwise, and leaves a screenshot of what it saw.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closePages, launch, openPage, screenshot, until, untilText } from './browser.mjs';
import { startMailboxd } from './mailboxd.mjs';
import { panel, rowTexts, rows, send, signInOpen, tab, unread, untilLive, untilRow } from './mailbox_page.mjs';

const A = '01011110001';
const B = '01022220002';

describe('the web inbox in open mode', () => {
  let browser, server;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });
  beforeEach(async () => { server = await startMailboxd(); });
  afterEach(async () => {
    await closePages();
    const code = await server?.stop();
    assert.equal(code, 0, `mailboxd did not stop cleanly:\n${server?.output()}`);
  });

  // Messages stored in the log, as GET /events (an admin route, open here) shows them.
  async function storedMessages() {
    const answer = await server.api('/events?from=1&limit=1000');
    assert.equal(answer.status, 200);
    return (await answer.json()).events.filter((e) => e.type === 'Sent').map((e) => e.data);
  }

  test('side by side: A sends to B, B sees it live, opens it, the counter drops, and A sees it read', async () => {
    const a = await openPage(browser, server.url);
    const b = await openPage(browser, server.url);
    await signInOpen(a, A);
    await signInOpen(b, B);
    await untilLive(b);
    assert.deepEqual(await rowTexts(b), [], "B's inbox starts empty");
    await untilText("B's unread counter starts at 0", unread(b), '0');

    const text = 'Lunch at noon?\nThe usual place, second floor.';
    await send(a, B, text);
    const row = await untilRow("B's open inbox shows A's message without a reload", b, 'Lunch at noon?');
    assert.match(await row.innerText(), new RegExp(`${A}[\\s\\S]*Lunch at noon\\?[\\s\\S]*now`), 'the row shows the sender, the first line and "now"');
    assert.doesNotMatch(await row.innerText(), /second floor/, 'the row shows only the first line');
    await untilText("B's unread counter counts it", unread(b), '1');
    const weight = (el) => el.evaluate((button) => getComputedStyle(button.querySelector('button') ?? button).fontWeight);
    assert.equal(await weight(row), '700', 'an unread row is bold');
    await screenshot(b, 'open-side-by-side-b-new-mail');

    // Opened from the keyboard: focus the row's button, Enter.
    await row.getByRole('button').focus();
    await b.keyboard.press('Enter');
    const reader = b.getByRole('article');
    await untilText('the reader shows the whole text', reader.locator('p').filter({ hasText: 'Lunch' }), text);
    await untilText("opening it drops B's unread counter", unread(b), '0');
    await until('the row is no longer bold once read', async () => (await weight(rows(b).first())) === '400' || { seen: await weight(rows(b).first()) });
    await screenshot(b, 'open-side-by-side-b-read');

    await tab(a, 'Sent').click();
    await until("A's Sent shows the message read", async () => {
      const texts = await rowTexts(a, 'Sent');
      if (texts.some((t) => t.includes(`To ${B}`) && t.includes('Lunch at noon?') && /Read (now|\d+ seconds? ago)/.test(t))) return true;
      await panel(a, 'Sent').getByRole('button', { name: 'Refresh', exact: true }).click();
      return { seen: texts };
    });
    await screenshot(a, 'open-side-by-side-a-sent');
    assert.deepEqual([...a.errors, ...b.errors], [], 'no script errors');
  });

  test('from the keyboard, an invalid number shows the 422 reason next to "To", and nothing is stored', async () => {
    const bad = '010-1234';
    const direct = await server.api('/mobiles', { method: 'POST', body: { user: A, receiver: bad, text: 'hi' } });
    assert.equal(direct.status, 422);
    const problem = await direct.json();
    assert.equal(problem.field, 'receiver');

    const a = await openPage(browser, server.url);
    await signInOpen(a, A);
    await tab(a, 'Inbox').focus();
    await a.keyboard.press('ArrowRight');
    assert.equal(await tab(a, 'Compose').getAttribute('aria-selected'), 'true', 'ArrowRight selects the next tab');
    assert.ok(await panel(a, 'Compose').isVisible(), 'and shows its panel');
    await a.keyboard.press('Tab');
    const to = a.getByLabel('To', { exact: true });
    assert.ok(await to.evaluate((input) => input === document.activeElement), 'Tab goes from the tab into "To"');
    await a.keyboard.type(bad);
    await a.keyboard.press('Tab');
    await a.keyboard.type('hi');
    await a.keyboard.press('Tab');
    await a.keyboard.press('Enter');
    const describedBy = () => to.evaluate((input) => input.getAttribute('aria-describedby').split(/\s+/)
      .map((id) => document.getElementById(id)?.textContent.trim()).filter(Boolean).join(' '));
    await until('the reason is shown next to "To" (its accessible description)', async () =>
      (await describedBy()) === problem.detail || { seen: await describedBy() });
    assert.equal(await to.getAttribute('aria-invalid'), 'true', '"To" is marked invalid');
    assert.equal(await a.getByRole('alert').count(), 0, 'no banner: the field owns the problem');
    await screenshot(a, 'open-invalid-number');
    assert.deepEqual(await storedMessages(), []);
  });

  test('a double click on Send stores one message', async () => {
    const a = await openPage(browser, server.url);
    await signInOpen(a, A);
    let inFlight = 0;
    const isSend = (request) => request.method() === 'POST' && new URL(request.url()).pathname === '/mobiles';
    a.on('request', (request) => { if (isSend(request)) inFlight += 1; });
    const done = (request) => { if (isSend(request)) inFlight -= 1; };
    a.on('requestfinished', done);
    a.on('requestfailed', done);
    await send(a, B, 'only once, please', { dblclick: true });
    await until('every send the page began has been answered', () => inFlight === 0 || { seen: inFlight });
    // A click that lands after the answer (a slow double click) finds the emptied form
    // unsendable: no request, and the page still says the message was sent.
    const button = a.getByRole('button', { name: 'Send', exact: true });
    assert.equal(await button.isDisabled(), true, 'Send waits for a change after a stored send');
    await button.click({ force: true });
    await a.getByLabel('To', { exact: true }).press('Enter');
    assert.equal(inFlight, 0, 'an emptied form sends nothing');
    assert.equal(await panel(a, 'Compose').getByRole('status').innerText(), `Sent to ${B}.`);
    await a.getByLabel('Message', { exact: true }).fill('a new one');
    assert.equal(await button.isDisabled(), false, 'typing makes the form sendable again');
    const stored = await storedMessages();
    assert.equal(stored.length, 1, `stored: ${JSON.stringify(stored)}`);
    assert.equal(stored[0].text, 'only once, please');
    await screenshot(a, 'open-double-click');
  });

  test('a message of HTML renders literally and runs nothing', async () => {
    const html = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    const a = await openPage(browser, server.url);
    const b = await openPage(browser, server.url);
    await signInOpen(a, A);
    await signInOpen(b, B);
    await send(a, B, html);
    const row = await untilRow("B's inbox shows the message", b, '<img src=x onerror=alert(1)>');
    assert.equal(await panel(b, 'Inbox').locator('img, script').count(), 0, 'no element was made from the text');
    await row.getByRole('button').click();
    await untilText('the reader shows the text as written', b.getByRole('article').locator('p').filter({ hasText: '<img' }), html);
    await tab(a, 'Sent').click();
    await untilRow("A's Sent shows it as written", a, html, 'Sent');
    assert.equal(await b.locator('main img, main script').count() + await a.locator('main img, main script').count(), 0);
    await screenshot(b, 'open-html-literal');
    assert.deepEqual([...a.dialogs, ...b.dialogs], [], 'no dialog opened');
    assert.deepEqual([...a.errors, ...b.errors], [], 'no script errors');
  });

  test('a reload keeps the session of the tab; Sign out forgets it', async () => {
    const first = await server.api('/mobiles', { method: 'POST', body: { user: A, receiver: B, text: 'still here after a reload' } });
    assert.equal(first.status, 201);
    const b = await openPage(browser, server.url);
    await signInOpen(b, B);
    await untilRow("B's inbox shows the message", b, 'still here after a reload');
    await b.reload();
    await untilRow('after the reload, the inbox is shown again without signing in', b, 'still here after a reload');
    await untilText('and it is still B', b.getByText(`Mailbox of ${B}`), `Mailbox of ${B}`);
    await screenshot(b, 'open-after-reload');

    const other = await b.context().newPage();
    await other.goto(server.url);
    await untilText('another tab starts signed out', other.getByRole('button', { name: 'Open mailbox' }), 'Open mailbox');

    await b.getByRole('button', { name: 'Sign out', exact: true }).click();
    await b.getByLabel('Phone number', { exact: true }).waitFor();
    await b.reload();
    await b.getByLabel('Phone number', { exact: true }).waitFor();
    assert.equal(await rows(b).count(), 0, 'no mail is shown once signed out');
  });

  test('in Korean: the page speaks Korean and a Korean message renders', async () => {
    const a = await openPage(browser, server.url, { locale: 'ko-KR' });
    assert.equal(await a.getAttribute('html', 'lang'), 'ko');
    await a.getByLabel('전화번호', { exact: true }).fill(A);
    await a.getByRole('button', { name: '메일함 열기', exact: true }).click();
    await untilText('the unread counter is named in Korean', a.getByRole('status', { name: '읽지 않음' }), '0');
    for (const name of ['받은 메일', '메일 쓰기', '보낸 메일', '알림']) {
      assert.equal(await a.getByRole('tab', { name, exact: true }).count(), 1, `a tab named ${name}`);
    }
    await a.getByRole('tab', { name: '메일 쓰기', exact: true }).click();
    await a.getByLabel('받는 사람', { exact: true }).fill(A);
    const text = '안녕하세요! 내일 회의는 3시입니다 🙂';
    await a.getByLabel('내용', { exact: true }).fill(text);
    await untilText('the count is in Korean', a.getByText(/\/2,000자$/), `${[...text].length}/2,000자`);
    await a.getByRole('button', { name: '보내기', exact: true }).click();
    await untilText('the page says it was sent, in Korean', a.getByRole('tabpanel', { name: '메일 쓰기' }).getByRole('status'), `${A}에게 보냈습니다.`);
    await a.getByRole('tab', { name: '받은 메일', exact: true }).click();
    const row = await untilRow('the Korean message arrives in the inbox', a, '안녕하세요!', '받은 메일');
    assert.match(await row.innerText(), /지금/, 'the time is said in Korean');
    await row.getByRole('button').click();
    await untilText('the reader shows it in Korean', a.getByRole('article').getByRole('heading'), `보낸 사람 ${A}`);
    await screenshot(a, 'open-korean');
    assert.deepEqual(a.errors, [], 'no script errors');
  });
});
