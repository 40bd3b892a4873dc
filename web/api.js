// Calls to mailboxd's HTTP API from this page (same origin). Every failure is thrown as
// a Problem built from the application/problem+json answer (or from a network error);
// a 401 also calls onUnauthorized first, so that any call can end the session.
import { t } from './i18n.js';

export class Problem extends Error {
  constructor({ status = 0, code = status ? 'http' : 'network', detail, title, field } = {}) {
    super(detail || title || (status ? t('failed', { status }) : t('network')));
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

// A fresh random key for one composed message (randomUUID needs a secure context;
// getRandomValues does not).
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Api {
  // token: the bearer token, or null in open mode. onUnauthorized(reason) on any 401.
  constructor({ token = null, onUnauthorized = () => {} } = {}) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  headers(extra = {}) {
    return this.token ? { Authorization: `Bearer ${this.token}`, ...extra } : { ...extra };
  }

  // GET target (a path with its query, e.g. a _links href); the parsed JSON.
  get(target, { signal } = {}) {
    return this.call(target, { headers: this.headers({ Accept: 'application/json' }), signal });
  }

  // POST body as JSON; the parsed JSON answer.
  post(target, body, headers = {}) {
    return this.call(target, {
      method: 'POST',
      headers: this.headers({ Accept: 'application/json', 'Content-Type': 'application/json', ...headers }),
      body: JSON.stringify(body),
    });
  }

  // The raw answer of a request (for the live stream); a 401 is handled as in call().
  async fetch(target, init) {
    let answer;
    try {
      answer = await fetch(target, { cache: 'no-store', ...init });
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      throw new Problem();
    }
    if (!answer.ok) {
      const problem = await problemOf(answer);
      if (problem.status === 401) this.onUnauthorized(problem.message);
      throw problem;
    }
    return answer;
  }

  async call(target, init) {
    const answer = await this.fetch(target, init);
    return answer.json();
  }
}

async function problemOf(answer) {
  let body = {};
  if ((answer.headers.get('Content-Type') ?? '').includes('json')) body = await answer.json().catch(() => ({}));
  return new Problem({ ...body, status: answer.status });
}

// A query string from the entries of params whose value is not null.
export function query(params) {
  const kept = Object.entries(params).filter(([, v]) => v !== null && v !== undefined);
  return kept.length ? `?${new URLSearchParams(kept)}` : '';
}
