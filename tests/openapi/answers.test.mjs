// Real answers of a real mailboxd (with keys, and an alarm webhook that rejects the
// alarms of one phone) checked against docs/openapi.json: every request's parameters
// and body are declared there, and every answer's status, headers and body fit the
// operation's schemas. MAILBOXD names the binary.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ApiDocument, documentPath } from './api_document.mjs';
import { call, eventually, firstEvents, startMailboxd, startWebhook, token } from './mailboxd.mjs';

const SENDER = '01012345678';
const RECEIVER = '01000000400';  // the webhook rejects this phone's alarms: they are dead-lettered
const ADMIN = '01099999999';

describe('answers of a real mailboxd against docs/openapi.json', () => {
  const api = new ApiDocument();
  const tokens = { [SENDER]: token(SENDER), [RECEIVER]: token(RECEIVER), [ADMIN]: token(ADMIN, 'mailbox:admin') };
  let server, webhook;

  // One request as `who` (a phone, or undefined for no token), checked against the
  // document both ways; the answer, with its body parsed when it is JSON.
  async function request(who, method, target, { body, headers = {} } = {}) {
    const sent = { ...headers };
    if (body !== undefined) sent['Content-Type'] ??= 'application/json';
    if (who) sent.Authorization = `Bearer ${tokens[who]}`;
    if (body !== undefined) assert.deepEqual(api.checkRequest({ method, target, headers: sent, body }), []);
    else assert.deepEqual(api.checkRequest({ method, target, headers: sent }), []);
    const answer = await call(server.port, method, target, { headers: sent, body });
    assert.deepEqual(api.checkAnswer({ method, target, ...answer }), [], answer.body);
    const type = answer.headers['content-type'] ?? '';
    return { ...answer, json: type.includes('json') ? JSON.parse(answer.body) : undefined };
  }
  const send = (text, headers) => request(SENDER, 'POST', '/mobiles', { body: JSON.stringify({ receiver: RECEIVER, text }), headers });

  before(async () => {
    webhook = await startWebhook((alarm) => (alarm.phone === RECEIVER ? 400 : 200));
    server = await startMailboxd(process.env.MAILBOXD, ['--alarm-webhook', webhook.url]);
  });
  after(async () => {
    const code = await server?.stop();
    await webhook?.close();
    assert.equal(code, 0, server?.output());
  });

  let message, position;

  test('a send answers 201 with its Location, and a retry with the same Idempotency-Key says Idempotent-Replayed', async () => {
    const created = await send('안녕하세요 👋', { 'Idempotency-Key': 'first' });
    assert.equal(created.status, 201);
    assert.equal(created.headers.location, `/readmails/${created.json.id}`);
    const retry = await send('안녕하세요 👋', { 'Idempotency-Key': 'first' });
    assert.equal(retry.status, 201);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    message = created.json.id;
    position = (await send('second')).json.position;
  });

  test('a mailbox page, its next page and one message answer as documented', async () => {
    const page = await request(RECEIVER, 'GET', `/readmails?limit=1&min_position=${position}&wait_ms=5000`);
    assert.equal(page.status, 200);
    assert.equal(page.json._embedded.readmails.length, 1);
    const next = await request(RECEIVER, 'GET', page.json._links.next.href);
    assert.equal(next.json._embedded.readmails[0].id, message);
    const one = await request(SENDER, 'GET', `/readmails/${message}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.text, '안녕하세요 👋');
    const stranger = await request(ADMIN, 'GET', `/readmails/${message}?wait_ms=0`);
    assert.equal(stranger.status, 404);
  });

  test('the unread count and marking read answer as documented, and only the receiver may mark read', async () => {
    const unread = await request(RECEIVER, 'GET', '/readmails/unread-count');
    assert.equal(unread.json.unread, 2);
    const read = await request(RECEIVER, 'POST', `/readmails/${message}/read`, { body: '{}' });
    assert.equal(read.status, 200);
    assert.equal(read.json.alreadyRead, false);
    const again = await request(RECEIVER, 'POST', `/readmails/${message}/read?receiver=${RECEIVER}`);
    assert.equal(again.json.alreadyRead, true);
    const sender = await request(SENDER, 'POST', `/readmails/${message}/read`);
    assert.equal(sender.status, 403);
    assert.equal(sender.json.code, 'not_receiver');
  });

  test('alarms and alarmLists answer as documented', async () => {
    const alarms = await eventually(async () => {
      const r = await request(SENDER, 'GET', `/alarms?phone=${SENDER}&limit=1`);
      return r.json._links.next && r;
    }, 'both of the sender\'s alarms');
    assert.equal(alarms.json._embedded.alarms[0].kind, 'sent');
    assert.ok(alarms.json._links.next);
    const lists = await request(SENDER, 'GET', `/alarmLists?min_position=${position}`);
    assert.equal(lists.status, 200);
    assert.equal(lists.json._embedded.alarmLists.length, 2);
  });

  test('dead letters and a redrive answer as documented', async () => {
    const dead = await eventually(async () => {
      const r = await request(ADMIN, 'GET', '/alarms/dead-letters?limit=10');
      return r.json._embedded.deadLetters.length === 2 && r;
    }, 'two dead letters');
    const letter = dead.json._embedded.deadLetters[0];
    assert.equal(letter.phone, RECEIVER);
    const redrive = await request(ADMIN, 'POST', letter._links.redrive.href);
    assert.equal(redrive.status, 202);
    assert.equal(redrive.json.alarmId, letter.alarmId);
    const other = dead.json._embedded.deadLetters[1];
    const byBody = await request(ADMIN, 'POST', `/alarms/dead-letters/${other.alarmId}/redrive`,
      { body: JSON.stringify({ messageId: other.messageId }) });
    assert.equal(byBody.status, 202);
    const unknown = await request(ADMIN, 'POST', `/alarms/dead-letters/no-such-alarm/redrive?messageId=${message}`);
    assert.equal(unknown.status, 404);
  });

  test('the log, a stream, the live tail, a rebuild and a backup answer as documented', async () => {
    const types = new Set();
    for (let page = '/events?from=1&limit=4'; page;) {
      const events = await request(ADMIN, 'GET', page);
      for (const e of events.json.events) types.add(e.type);
      page = events.json._links.next?.href;
    }
    for (const type of ['Sent', 'Saved', 'Alarmed', 'Read', 'AlarmDeadLettered', 'AlarmRedriveRequested'])
      assert.ok(types.has(type), `${type} in the log`);
    const stream = await request(ADMIN, 'GET', `/streams/message-${message}?from_version=2&limit=3`);
    assert.equal(stream.json.events[0].version, 2);
    assert.equal((await request(ADMIN, 'GET', '/streams/no-such-stream')).status, 404);

    const target = '/events/live?type=Sent,Read&from=1';
    const headers = { Authorization: `Bearer ${tokens[ADMIN]}`, 'Last-Event-ID': '0' };
    assert.deepEqual(api.checkRequest({ method: 'GET', target, headers }), []);
    const live = await firstEvents(server.port, target, { headers, count: 2 });
    assert.deepEqual(api.checkAnswer({ method: 'GET', target, status: live.status, headers: live.headers, body: '' }), []);
    for (const e of live.events) {
      assert.deepEqual(api.check(api.doc.components.schemas.RecordedEvent, JSON.parse(e.data), 'live event'), []);
      assert.equal(JSON.parse(e.data).position, Number(e.id));
    }

    const rebuilt = await request(ADMIN, 'POST', '/admin/rebuild?view=alarms');
    assert.equal(rebuilt.status, 200);
    assert.equal(rebuilt.json[0].view, 'alarms');
    const backup = await request(ADMIN, 'POST', '/admin/backup');
    assert.equal(backup.status, 201);
    assert.ok(backup.json.lastPosition > 0 && backup.json.events === backup.json.lastPosition, backup.body);
  });

  test('health, readiness, metrics and the document itself answer as documented', async () => {
    assert.equal((await request(undefined, 'GET', '/healthz')).status, 200);
    assert.equal((await request(undefined, 'GET', '/readyz')).json.ready, true);
    assert.match((await request(ADMIN, 'GET', '/metrics')).body, /mailbox_component_up/);
    const served = await request(undefined, 'GET', '/openapi.json');
    assert.ok(served.body === readFileSync(documentPath, 'utf8'), `the served document is ${documentPath}`);
  });

  test('problems answer as documented: 400, 401 with WWW-Authenticate, 403 naming the rule, 404, 405, 415, 422', async () => {
    const cases = [
      [SENDER, 'GET', '/readmails?limit=0', undefined, 400, 'invalid_parameter', 'limit'],
      [SENDER, 'POST', '/mobiles', '{not json', 400, 'malformed_body'],
      [SENDER, 'POST', '/mobiles', JSON.stringify({ receiver: 1, text: 'x' }), 400, 'malformed_body', 'receiver'],
      [ADMIN, 'POST', '/admin/rebuild?view=nonesuch', undefined, 400, 'invalid_parameter', 'view'],
      [ADMIN, 'POST', '/alarms/dead-letters/some-alarm/redrive', undefined, 400, 'invalid_parameter', 'messageId'],
      [undefined, 'GET', '/readmails', undefined, 401, 'unauthorized'],
      [SENDER, 'GET', `/readmails?receiver=${RECEIVER}`, undefined, 403, 'forbidden'],
      [SENDER, 'GET', '/events', undefined, 403, 'forbidden'],
      [SENDER, 'GET', '/nowhere', undefined, 404, 'not_found'],
      [SENDER, 'DELETE', '/readmails', undefined, 405, 'method_not_allowed'],
      [SENDER, 'POST', '/mobiles', JSON.stringify({ text: 'x' }), 422, 'missing_field', 'receiver'],
      [SENDER, 'POST', '/mobiles', JSON.stringify({ receiver: '1', text: 'x' }), 422, 'invalid_phone', 'receiver'],
      [SENDER, 'POST', '/mobiles', JSON.stringify({ receiver: RECEIVER, text: '' }), 422, 'invalid_text', 'text'],
    ];
    for (const [who, method, target, body, status, code, field] of cases) {
      const headers = { Authorization: who ? `Bearer ${tokens[who]}` : undefined, 'Content-Type': 'application/json' };
      if (!who) delete headers.Authorization;
      const answer = await call(server.port, method, target, { headers, body });
      assert.deepEqual(api.checkAnswer({ method, target, ...answer }), [], `${method} ${target}`);
      const problem = JSON.parse(answer.body);
      assert.deepEqual([answer.status, problem.code, problem.field], [status, code, field], `${method} ${target}`);
      if (status === 401) assert.match(answer.headers['www-authenticate'], /^Bearer error="invalid_token"/);
      if (status === 405) assert.equal(answer.headers.allow, 'GET');
    }
    const forbidden = await request(SENDER, 'GET', '/events');
    assert.equal(forbidden.json.rule, 'admin_scope');
    const foreign = await request(SENDER, 'GET', `/readmails?receiver=${RECEIVER}`);
    assert.equal(foreign.json.rule, 'own_mailbox');
    const unsupported = await call(server.port, 'POST', '/mobiles',
      { headers: { Authorization: `Bearer ${tokens[SENDER]}`, 'Content-Type': 'text/plain' }, body: 'user=1' });
    assert.equal(unsupported.status, 415);
    assert.deepEqual(api.checkAnswer({ method: 'POST', target: '/mobiles', ...unsupported }), []);
    const reused = await send('another text', { 'Idempotency-Key': 'first' });
    assert.equal(reused.status, 422);
    assert.deepEqual([reused.json.code, reused.json.field], ['idempotency_key_reused', 'Idempotency-Key']);
  });

  test('every operation the document leaves open answers without a token, and every other one asks for one (401)', async () => {
    for (const [template, method, op] of api.operations()) {
      const target = template.replace(/\{[^}]+\}/g, 'x');
      const answer = await call(server.port, method.toUpperCase(), target);
      assert.deepEqual(api.checkAnswer({ method, target, ...answer }), [], `${method} ${target}`);
      if (op.security.length === 0) assert.notEqual(answer.status, 401, `${method} ${template} is open`);
      else assert.equal(answer.status, 401, `${method} ${template} needs a token`);
    }
  });
});
