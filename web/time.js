// Times as people say them ("5 minutes ago", "5분 전"), in a <time> element that keeps
// the exact instant in its datetime attribute and title. refreshTimes() brings every
// such element up to date; the page calls it once a minute.
import { h } from './dom.js';
import { lang } from './i18n.js';

const relative = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
const exact = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
const units = [
  ['year', 365 * 86400], ['month', 30 * 86400], ['week', 7 * 86400],
  ['day', 86400], ['hour', 3600], ['minute', 60],
];

// "now" under 45 seconds; a time a little ahead of this clock counts as now.
export function ago(date, now = Date.now()) {
  const seconds = Math.min(0, (date.getTime() - now) / 1000);
  if (seconds > -45) return relative.format(0, 'second');
  for (const [unit, size] of units) {
    if (-seconds >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(-1, 'minute');
}

// <time> for an RFC 3339 instant; format(relativeText) wraps the words, e.g. "Read {time}".
export function timeElement(iso, format = (text) => text) {
  const date = new Date(iso);
  const el = h('time', { datetime: iso, title: exact.format(date) }, format(ago(date)));
  timeFormats.set(el, format);
  return el;
}

const timeFormats = new WeakMap();

export function refreshTimes(root = document) {
  for (const el of root.querySelectorAll('time[datetime]')) {
    const format = timeFormats.get(el);
    if (format) el.textContent = format(ago(new Date(el.getAttribute('datetime'))));
  }
}
