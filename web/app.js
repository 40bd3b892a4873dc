// The web inbox: signs in (a phone number in open mode, a bearer token when mailboxd
// checks tokens, as GET /whoami says), then shows the mailbox tabs. A 401 from any call
// ends the session and shows the reason on the sign-in form.
import { Alarms } from './alarms.js';
import { Api } from './api.js';
import { Compose } from './compose.js';
import { byId } from './dom.js';
import { localize, t } from './i18n.js';
import { Inbox } from './inbox.js';
import { Sent } from './sent.js';
import * as session from './session.js';
import { Tabs } from './tabs.js';
import { refreshTimes } from './time.js';

let current = null;  // { mode, phone, api, inbox, compose, sent, alarms } while signed in
let signInMode = null;  // 'open' or 'token', as the server said

const tabs = new Tabs(byId('tabs'), (name) => {
  banner(null);
  if (name === 'sent') current?.sent.reload();
  if (name === 'alarms') current?.alarms.reload();
});

function banner(message) {
  const el = byId('banner');
  el.textContent = message ?? '';
  el.hidden = !message;
}

function failed(problem) {
  if (problem.status === 401) return;  // the session has ended; sign-in says why
  banner(problem.message);
}

function showSignIn(mode, reason) {
  signInMode = mode;
  byId('mailbox').hidden = true;
  byId('account').hidden = true;
  byId('sign-in').hidden = false;
  byId('open-form').hidden = mode !== 'open';
  byId('token-form').hidden = mode !== 'token';
  const why = byId('sign-in-reason');
  why.textContent = reason ? t('signedOut', { reason }) : '';
  why.hidden = !reason;
  byId(mode === 'open' ? 'phone' : 'token').focus();
}

function enter(mode, phone, token) {
  const api = new Api({ token, onUnauthorized: (reason) => signOut(reason) });
  const s = { mode, phone, api };
  s.inbox = new Inbox(api, phone, { failed });
  s.sent = new Sent(api, phone, { failed });
  s.alarms = new Alarms(api, phone, { failed });
  s.compose = new Compose(api, phone, {
    failed,
    sent: (answer) => {
      s.sent.minPosition = answer.position;
    },
  });
  current = s;
  signInMode = mode;
  byId('sign-in').hidden = true;
  byId('who').textContent = t('signedInAs', { phone });
  byId('account').hidden = false;
  byId('mailbox').hidden = false;
  banner(null);
  tabs.select('inbox');
  s.inbox.start();
}

function signOut(reason) {
  if (current) {
    for (const part of [current.inbox, current.compose, current.sent, current.alarms]) part.stop();
    current = null;
  }
  session.forget();
  showSignIn(signInMode ?? 'open', reason);
}

function fieldError(id, message) {
  byId(`${id}-error`).textContent = message ?? '';
  if (message) {
    byId(id).setAttribute('aria-invalid', 'true');
    byId(id).focus();
  } else {
    byId(id).removeAttribute('aria-invalid');
  }
}

// Open mode: the phone number is checked by the server (the same rule as everywhere).
byId('open-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const phone = byId('phone').value.trim();
  if (!phone) return fieldError('phone', t('noPhone'));
  try {
    await new Api().get(`/readmails/unread-count?receiver=${encodeURIComponent(phone)}`);
  } catch (problem) {
    return fieldError('phone', problem.message);
  }
  fieldError('phone', null);
  session.rememberPhone(phone);
  byId('open-form').reset();
  enter('open', phone, null);
});

byId('token-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = byId('token').value.trim();
  if (!token) return fieldError('token', t('noToken'));
  let who;
  try {
    who = await new Api({ token }).get('/whoami');
  } catch (problem) {
    return fieldError('token', problem.message);
  }
  fieldError('token', null);
  session.rememberToken(token);
  byId('token-form').reset();
  enter('token', who.phone, token);
});

byId('sent-refresh').addEventListener('click', () => current?.sent.reload());
byId('alarms-refresh').addEventListener('click', () => current?.alarms.reload());
byId('sign-out').addEventListener('click', () => signOut(null));

async function start() {
  localize(document);
  session.takeTokenFromAddress();
  const token = session.storedToken();
  let who;
  try {
    who = await new Api({ token }).get('/whoami');
  } catch (problem) {
    if (problem.status !== 401) {
      showSignIn('open', problem.message);
      return;
    }
    session.forget();
    showSignIn('token', token ? problem.message : null);
    return;
  }
  if (who.mode === 'token') return enter('token', who.phone, token);
  const phone = session.storedPhone();
  if (phone) enter('open', phone, null);
  else showSignIn('open', null);
}

setInterval(() => refreshTimes(), 60000);
start();
