// The Alarms tab: the caller's alarms (a message of theirs sent, a message arrived).
import { query } from './api.js';
import { byId, h } from './dom.js';
import { t } from './i18n.js';
import { PagedList } from './paged_list.js';
import { timeElement } from './time.js';

export class Alarms {
  constructor(api, phone, { failed }) {
    this.phone = phone;
    this.list = new PagedList(api, {
      list: byId('alarms-list'), more: byId('alarms-more'), empty: byId('alarms-empty'),
      key: 'alarms', time: (alarm) => alarm.alarmedAt, failed,
      render: (alarm) => h('li', { class: 'item' },
        h('span', { class: 'who' }, t(alarm.kind === 'sent' ? 'alarmSent' : 'alarmArrived')),
        h('span', { class: 'first' }, t('alarmVia', { id: alarm.messageId, channel: alarm.channel })),
        timeElement(alarm.alarmedAt)),
    });
  }

  reload() {
    return this.list.reload(`/alarms${query({ phone: this.phone, limit: 20 })}`);
  }

  stop() {
    this.list.reload(null);
  }
}
