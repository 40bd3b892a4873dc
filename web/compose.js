// The Compose tab. One Idempotency-Key per composed message: a retry of the same To and
// Message (a double click, a resend after a lost answer) carries the same key, so the
// server stores it once; any change to them makes it a new message with a new key.
import { newIdempotencyKey } from './api.js';
import { byId } from './dom.js';
import { numbers, t } from './i18n.js';

export const TEXT_LIMIT = 2000;

// The problem's field (as the API names it) -> the form control it is shown next to.
const FIELDS = { receiver: 'to', text: 'text' };

export class Compose {
  // sent(answer) after a stored send; failed(problem) for problems no field owns.
  constructor(api, phone, { sent, failed }) {
    Object.assign(this, { api, phone, sent, failed });
    this.form = byId('compose-form');
    this.button = byId('send');
    this.status = byId('compose-status');
    this.draft = null;  // { key, receiver, text } of the last attempt
    this.inFlight = false;
    // After a stored send the emptied form cannot be sent until it changes: the second
    // click of a double click that lands after the answer would otherwise send an empty
    // form and replace "Sent to" with a 422 next to "To".
    this.button.disabled = false;
    this.onSubmit = (event) => {
      event.preventDefault();
      this.send();
    };
    this.onInput = (event) => {
      if (!this.inFlight) this.button.disabled = false;
      this.clearError(event.target.id);
      this.count();
    };
    this.form.addEventListener('submit', this.onSubmit);
    this.form.addEventListener('input', this.onInput);
    this.count();
  }

  stop() {
    this.form.removeEventListener('submit', this.onSubmit);
    this.form.removeEventListener('input', this.onInput);
    this.form.reset();
    for (const id of Object.values(FIELDS)) this.clearError(id);
    this.status.textContent = '';
    this.button.disabled = false;
    this.count();
  }

  count() {
    const count = [...byId('text').value].length;
    const values = { count: numbers.format(count), limit: numbers.format(TEXT_LIMIT), over: numbers.format(count - TEXT_LIMIT) };
    const el = byId('text-count');
    el.textContent = t(count > TEXT_LIMIT ? 'tooLong' : 'count', values);
    el.classList.toggle('over', count > TEXT_LIMIT);
  }

  async send() {
    if (this.inFlight || this.button.disabled) return;
    const receiver = byId('to').value.trim();
    const text = byId('text').value;
    if (!this.draft || this.draft.receiver !== receiver || this.draft.text !== text) {
      this.draft = { key: newIdempotencyKey(), receiver, text };
    }
    this.inFlight = true;
    this.button.disabled = true;
    this.status.textContent = t('sending');
    for (const id of Object.values(FIELDS)) this.clearError(id);
    let stored = false;
    try {
      const answer = await this.api.post('/mobiles', { user: this.phone, receiver, text },
        { 'Idempotency-Key': this.draft.key });
      this.draft = null;
      this.form.reset();
      this.count();
      this.status.textContent = t('sentTo', { phone: answer.receiver });
      stored = true;
      this.sent(answer);
    } catch (problem) {
      this.status.textContent = '';
      const id = FIELDS[problem.field];
      if (id) this.showError(id, problem.message);
      else this.failed(problem);
    } finally {
      this.inFlight = false;
      this.button.disabled = stored;
    }
  }

  showError(id, message) {
    const control = byId(id);
    byId(`${id}-error`).textContent = message;
    control.setAttribute('aria-invalid', 'true');
    control.focus();
  }

  clearError(id) {
    const error = byId(`${id}-error`);
    if (!error) return;
    error.textContent = '';
    byId(id).removeAttribute('aria-invalid');
  }
}
