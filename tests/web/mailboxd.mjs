// A real mailboxd for the browser tests (and bench/web.mjs), serving the page built into
// it: the binary named by MAILBOXD, in open mode or with an HS256 key, tokens minted by
// the real mailbox-token (MAILBOX_TOKEN).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMailboxd as startProcess } from '../support/mailboxd_process.mjs';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must name the built binary (CTest sets it; see tests/CMakeLists.txt)`);
  return value;
}

// Starts mailboxd and waits until it is ready. With keys, it checks HS256 tokens and
// token(phone) mints one for that phone. stop() sends SIGTERM and resolves with the
// exit code.
export async function startMailboxd({ keys = false } = {}) {
  let secret;
  const server = await startProcess(required('MAILBOXD'), [], {
    prepare: (dir) => {
      if (!keys) return [];
      secret = join(dir, 'secret');
      writeFileSync(secret, 'a browser test key of at least thirty-two bytes\n');
      return ['--auth-hs256-secret-file', secret];
    },
  });
  const url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    output: server.output,
    stop: server.stop,
    token(phone, ttl = '10m') {
      if (!keys) throw new Error('token(): this mailboxd has no keys');
      return execFileSync(required('MAILBOX_TOKEN'), ['--hs256-secret-file', secret, '--sub', phone, '--ttl', ttl],
        { encoding: 'utf8' }).trim();
    },
    // Replaces the HS256 key and tells mailboxd with SIGHUP: every token minted so far
    // stops being valid.
    rotateKey() {
      writeFileSync(secret, 'another browser test key, also thirty-two bytes or more\n');
      server.signal('SIGHUP');
    },
    // fetch() against this mailboxd, with a bearer token when given.
    api(target, { method = 'GET', body, headers = {}, token } = {}) {
      const sent = { ...headers };
      if (token) sent.Authorization = `Bearer ${token}`;
      if (body !== undefined) sent['Content-Type'] = 'application/json';
      return fetch(url + target, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10000) });
    },
  };
}
