// A real mailboxd for the tests: the built binary on an ephemeral loopback port over a
// temporary folder, with bearer tokens checked against an HS256 key; plain HTTP calls
// to it; and an alarm webhook the test controls.
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { startMailboxd as startProcess } from '../support/mailboxd_process.mjs';

const SECRET = 'a test key of at least thirty-two bytes, for HS256 only';

// Starts mailboxd (args added to the folder, the port, the key and a backup folder)
// and waits until it listens and is ready. stop() sends SIGTERM and resolves with its
// exit code.
export function startMailboxd(binary, args = []) {
  return startProcess(binary, args, {
    prepare: (dir) => {
      writeFileSync(join(dir, 'secret'), SECRET);
      return ['--auth-hs256-secret-file', join(dir, 'secret'), '--backup-dir', join(dir, 'backups')];
    },
  });
}

const base64url = (data) => Buffer.from(data).toString('base64url');

// A bearer token for sub (a phone number) signed with the server's HS256 key, valid
// for ten minutes; scope as given ("mailbox:admin" for the admin routes).
export function token(sub, scope) {
  const claims = { sub, exp: Math.floor(Date.now() / 1000) + 600, ...(scope ? { scope } : {}) };
  const signed = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
  return `${signed}.${createHmac('sha256', SECRET).update(signed).digest('base64url')}`;
}

// One HTTP call: { status, headers (lower-case names), body (text) }.
export function call(port, method, target, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers, timeout: 20000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${target}: no answer`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// The head of a Server-Sent Events answer: status, headers, and the first `count`
// events, each { id, event, data }; then the connection is closed.
export function firstEvents(port, target, { headers = {}, count = 1 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, headers, timeout: 20000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
        const events = text.split('\n\n').filter((block, i, all) => i < all.length - 1 && !block.startsWith(':'))
          .map((block) => Object.fromEntries(block.split('\n').map((line) => {
            const colon = line.indexOf(': ');
            return [line.slice(0, colon), line.slice(colon + 2)];
          })));
        if (events.length >= count) {
          req.destroy();
          resolve({ status: res.statusCode, headers: res.headers, events: events.slice(0, count) });
        }
      });
      res.on('end', () => reject(new Error(`${target}: the stream ended with ${text}`)));
    });
    req.on('timeout', () => req.destroy(new Error(`${target}: no events`)));
    req.on('error', reject);
    req.end();
  });
}

// An alarm webhook on loopback: answers each alarm with answer(alarm), a status code.
export async function startWebhook(answer) {
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      res.writeHead(answer(JSON.parse(text)), { 'Content-Length': 0 });
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/alarms`,
    close: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
  };
}

// Calls fn until it returns a truthy value, at most for `ms`; returns that value.
export async function eventually(fn, what, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
