// A real mailboxd for the browser tests: the built binary (MAILBOXD) on an ephemeral
// loopback port over a temporary folder, serving the page built into it; in open mode,
// or with an HS256 key and tokens minted by the real mailbox-token (MAILBOX_TOKEN).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const START_MS = 20000;

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must name the built binary (CTest sets it; see tests/CMakeLists.txt)`);
  return value;
}

// Starts mailboxd and waits until it listens and is ready. With keys, it checks HS256
// tokens and token(phone) mints one for that phone. stop() sends SIGTERM and resolves
// with the exit code; the folder is removed.
export async function startMailboxd({ keys = false } = {}) {
  const binary = required('MAILBOXD');
  const dir = mkdtempSync(join(tmpdir(), 'mailbox-web-'));
  const secret = join(dir, 'secret');
  const args = ['--data', join(dir, 'data'), '--listen', '127.0.0.1:0'];
  if (keys) {
    writeFileSync(secret, 'a browser test key of at least thirty-two bytes\n');
    args.push('--auth-hs256-secret-file', secret);
  }
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mailboxd did not become ready within ${START_MS} ms:\n${output}`)), START_MS);
    const read = (chunk) => {
      output += chunk;
      const listening = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (listening && /ready: /.test(output)) {
        clearTimeout(timer);
        resolve(Number(listening[1]));
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mailboxd exited (${code}) before it was ready:\n${output}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    output: () => output,
    token(phone, ttl = '10m') {
      if (!keys) throw new Error('token(): this mailboxd has no keys');
      return execFileSync(required('MAILBOX_TOKEN'), ['--hs256-secret-file', secret, '--sub', phone, '--ttl', ttl],
        { encoding: 'utf8' }).trim();
    },
    // Replaces the HS256 key and tells mailboxd with SIGHUP: every token minted so far
    // stops being valid.
    rotateKey() {
      writeFileSync(secret, 'another browser test key, also thirty-two bytes or more\n');
      child.kill('SIGHUP');
    },
    // fetch() against this mailboxd, with a bearer token when given.
    api(target, { method = 'GET', body, headers = {}, token } = {}) {
      const sent = { ...headers };
      if (token) sent.Authorization = `Bearer ${token}`;
      if (body !== undefined) sent['Content-Type'] = 'application/json';
      return fetch(url + target, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10000) });
    },
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
