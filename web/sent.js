// The Sent tab: what the caller sent, newest first, each with its read receipt.
import { query } from './api.js';
import { byId, firstLine, h } from './dom.js';
import { t } from './i18n.js';
import { PagedList } from './paged_list.js';
import { timeElement } from './time.js';

export class Sent {
  constructor(api, phone, { failed }) {
    this.phone = phone;
    this.minPosition = null;  // of the last send from this page, so that it shows
    this.list = new PagedList(api, {
      list: byId('sent-list'), more: byId('sent-more'), empty: byId('sent-empty'),
      key: 'sentmails', time: (mail) => mail.sentAt, failed,
      render: (mail) => h('li', { class: 'item' },
        h('span', { class: 'who' }, t('toPhone', { phone: mail.receiver })),
        h('span', { class: 'first' }, firstLine(mail.text)),
        timeElement(mail.sentAt),
        mail.read
          ? h('span', { class: 'receipt read' }, mail.readAt ? timeElement(mail.readAt, (time) => t('read', { time })) : t('read', { time: '' }))
          : h('span', { class: 'receipt' }, t('notRead'))),
    });
  }

  reload() {
    const min = this.minPosition;
    return this.list.reload(`/sentmails${query({ sender: this.phone, limit: 20, min_position: min })}`);
  }

  stop() {
    this.list.reload(null);
  }
}
