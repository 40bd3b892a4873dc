// The web inbox as a person sees it: found by roles and the English accessible names
// the page promises, never by its internal ids or classes.
import { until, untilText } from './browser.mjs';

export const unread = (page) => page.getByRole('status', { name: 'Unread' });
export const tab = (page, name) => page.getByRole('tab', { name, exact: true });
export const panel = (page, name) => page.getByRole('tabpanel', { name, exact: true });
export const rows = (page, name = 'Inbox') => panel(page, name).getByRole('listitem');

export async function signInOpen(page, phone) {
  await page.getByLabel('Phone number', { exact: true }).fill(phone);
  await page.getByRole('button', { name: 'Open mailbox', exact: true }).click();
  await untilText(`${phone}'s mailbox opens with its unread counter`, unread(page), /^\d+$/);
}

// Waits until the inbox's live feed is connected (the page says "Live").
export function untilLive(page) {
  return untilText('the inbox says its live feed is connected', panel(page, 'Inbox').getByText('Live', { exact: true }), 'Live');
}

// Fills Compose and sends with one click (or, with dblclick, a double click); returns
// once the page says it was sent.
export async function send(page, to, text, { dblclick = false } = {}) {
  await tab(page, 'Compose').click();
  await page.getByLabel('To', { exact: true }).fill(to);
  await page.getByLabel('Message', { exact: true }).fill(text);
  const button = page.getByRole('button', { name: 'Send', exact: true });
  if (dblclick) await button.dblclick();
  else await button.click();
  await untilText(`the page says the message to ${to} was sent`, panel(page, 'Compose').getByRole('status'), `Sent to ${to}.`);
}

// The rows of a list as text, one string per row.
export async function rowTexts(page, name = 'Inbox') {
  return (await rows(page, name).allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
}

// Waits until some row of the list holds text; returns that row.
export async function untilRow(what, page, text, name = 'Inbox') {
  await until(what, async () => {
    const texts = await rowTexts(page, name);
    return texts.some((t) => t.includes(text)) || { seen: texts };
  });
  return rows(page, name).filter({ hasText: text }).first();
}
