// The Inbox tab: the caller's mailbox newest first, kept live by /readmails/live, a
// reader that shows a whole message and marks it read, and the unread counter.
import { query } from './api.js';
import { byId, firstLine, h } from './dom.js';
import { follow } from './live.js';
import { numbers, t } from './i18n.js';
import { PagedList } from './paged_list.js';
import { timeElement } from './time.js';

const PAGE = 20;
// How long the first page waits for the live feed to open (so that no mail falls
// between the page and the feed) before it loads anyway.
const LIVE_WAIT_MS = 1500;

export class Inbox {
  // failed(problem) shows a problem that no field owns.
  constructor(api, phone, { failed }) {
    this.api = api;
    this.phone = phone;
    this.list = new PagedList(api, {
      list: byId('inbox-list'), more: byId('inbox-more'), empty: byId('inbox-empty'),
      key: 'readmails', time: (mail) => mail.sentAt, failed,
      render: (mail) => this.row(mail),
    });
    this.counter = new UnreadCounter(api, phone, failed);
    this.failed = failed;
    this.reader = byId('reader');
    this.openId = null;
    this.firstLoaded = false;
    byId('reader-close').onclick = () => this.close();
  }

  start() {
    this.live = follow(this.api, `/readmails/live${query({ receiver: this.phone })}`, {
      onEvent: (event) => this.arrived(event),
      onState: (state, { resumed }) => this.liveState(state, resumed),
    });
    this.timer = setTimeout(() => this.loadFirst(), LIVE_WAIT_MS);
  }

  stop() {
    this.live?.stop();
    clearTimeout(this.timer);
    this.list.reload(null);
    this.close();
    this.counter.show(0);
  }

  // The first page, merged into what is shown; again after a reconnect that could not
  // resume (no event seen yet), to pick up what came while the feed was down.
  loadFirst() {
    clearTimeout(this.timer);
    this.firstLoaded = true;
    this.counter.refresh();
    return this.list.page(`/readmails${query({ receiver: this.phone, limit: PAGE })}`, { refresh: true });
  }

  liveState(state, resumed) {
    const status = byId('live-status');
    status.textContent = t(state === 'open' ? 'live' : 'reconnecting');
    status.classList.toggle('down', state !== 'open');
    if (!this.firstLoaded || (state === 'open' && !resumed)) this.loadFirst();
  }

  arrived({ event, id, data }) {
    if (event !== 'mail') return;
    const mail = JSON.parse(data);
    this.list.put(mail);
    if (mail.id === this.openId) this.show(mail);
    this.counter.refresh(id);
  }

  row(mail) {
    return h('li', {},
      h('button', {
        type: 'button', class: mail.read ? 'row' : 'row unread', 'aria-current': mail.id === this.openId ? 'true' : null,
        onclick: () => this.open(mail.id),
      },
      mail.read ? null : h('span', { class: 'sr-only' }, `${t('unreadMark')}, `),
      h('span', { class: 'who' }, mail.sender),
      h('span', { class: 'first' }, firstLine(mail.text)),
      timeElement(mail.sentAt)));
  }

  async open(id) {
    const mail = this.list.get(id);
    if (!mail) return;
    const previous = this.openId;
    this.openId = id;
    if (previous && previous !== id && this.list.get(previous)) this.list.put(this.list.get(previous));
    this.list.put(mail);
    this.show(mail);
    byId('reader-title').focus();
    if (mail.read) return;
    try {
      const { position } = await this.api.post(`/readmails/${encodeURIComponent(id)}/read`, { receiver: this.phone });
      const now = this.list.get(id);
      if (now && !now.read) this.list.put({ ...now, read: true });
      this.counter.refresh(position);
    } catch (problem) {
      this.failed(problem);
    }
  }

  show(mail) {
    byId('reader-title').textContent = t('from', { phone: mail.sender });
    byId('reader-time').replaceChildren(timeElement(mail.sentAt));
    byId('reader-text').textContent = mail.text;
    this.reader.hidden = false;
  }

  close() {
    const id = this.openId;
    this.openId = null;
    this.reader.hidden = true;
    if (id && this.list.get(id)) this.list.put(this.list.get(id)).querySelector('button').focus();
  }
}

// The number in the header. Refreshes are coalesced: one call at a time, and at most
// one more after it, for the highest log position asked for meanwhile.
class UnreadCounter {
  constructor(api, phone, failed) {
    Object.assign(this, { api, phone, failed });
    this.output = byId('unread');
    this.running = false;
    this.wanted = null;
  }

  show(count) {
    this.output.textContent = numbers.format(count);
    document.title = count > 0 ? `(${numbers.format(count)}) ${t('title')}` : t('title');
  }

  async refresh(position = 0) {
    this.wanted = Math.max(this.wanted ?? 0, Number(position) || 0);
    if (this.running) return;
    this.running = true;
    try {
      while (this.wanted !== null) {
        const min = this.wanted;
        this.wanted = null;
        const { unread } = await this.api.get(`/readmails/unread-count${query({ receiver: this.phone, min_position: min || null })}`);
        this.show(unread);
      }
    } catch (problem) {
      this.failed(problem);
    } finally {
      this.running = false;
      this.wanted = null;
    }
  }
}
