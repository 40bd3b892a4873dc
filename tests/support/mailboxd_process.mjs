// A real mailboxd for the Node tests (tests/openapi, tests/web): the built binary on an
// ephemeral loopback port over a temporary folder, which is removed when it stops.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const START_MS = 20000;

// Starts binary with --data (in a fresh folder), --listen 127.0.0.1:0 and args, and
// waits until it listens and is ready. prepare(dir), when given, runs first and returns
// more arguments (e.g. key files it wrote into the folder). Resolves with { port, dir, output(), signal(name), stop() };
// stop() sends SIGTERM and resolves with the exit code (or the signal's name).
export async function startMailboxd(binary, args = [], { prepare } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mailbox-node-'));
  const more = prepare ? prepare(dir) : [];
  const child = spawn(binary, ['--data', join(dir, 'data'), '--listen', '127.0.0.1:0', ...args, ...more],
    { stdio: ['ignore', 'pipe', 'pipe'] });
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
  return {
    port,
    dir,
    output: () => output,
    signal: (name) => child.kill(name),
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
