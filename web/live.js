// The live mailbox feed: Server-Sent Events read with fetch and a stream reader (an
// EventSource cannot send the Authorization header). On a dropped connection it
// reconnects after 1, 2, 4, ... up to 30 seconds (with jitter), resending the id of the
// last event seen as Last-Event-ID, so nothing is missed and nothing comes twice. A
// connection silent for longer than three heartbeats is taken for dead.

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;
const SILENCE_MS = 45000;

// Follows target until stop() is called. onEvent({ id, event, data }) for each event;
// onState('open', { resumed }) when a connection is up (resumed: it carried a
// Last-Event-ID), onState('waiting', { ms }) before a retry. A 401 ends it (api reports
// it); any other failure is retried.
export function follow(api, target, { onEvent, onState = () => {} }) {
  const stopped = new AbortController();
  let lastId = null;
  let delay = FIRST_DELAY_MS;

  async function connectOnce() {
    const connection = new AbortController();
    const abort = () => connection.abort();
    stopped.signal.addEventListener('abort', abort);
    let watchdog = setTimeout(abort, SILENCE_MS);
    try {
      const headers = api.headers({ Accept: 'text/event-stream' });
      const resumed = lastId !== null;
      if (resumed) headers['Last-Event-ID'] = lastId;
      const answer = await api.fetch(target, { headers, signal: connection.signal });
      delay = FIRST_DELAY_MS;
      onState('open', { resumed });
      const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new EventParser((event) => {
        if (event.id !== undefined) lastId = event.id;
        onEvent(event);
      });
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        clearTimeout(watchdog);
        watchdog = setTimeout(abort, SILENCE_MS);
        parser.push(value);
      }
    } finally {
      clearTimeout(watchdog);
      stopped.signal.removeEventListener('abort', abort);
    }
  }

  (async () => {
    while (!stopped.signal.aborted) {
      try {
        await connectOnce();
      } catch (error) {
        if (error.status === 401) return;
      }
      if (stopped.signal.aborted) return;
      const ms = delay * (0.8 + Math.random() * 0.4);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
      onState('waiting', { ms });
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        stopped.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
      });
    }
  })();

  return { stop: () => stopped.abort() };
}

// The text/event-stream format, fed in pieces of any size.
class EventParser {
  constructor(dispatch) {
    this.dispatch = dispatch;
    this.buffer = '';
    this.event = {};
  }

  push(text) {
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop();
    for (const line of lines) this.line(line);
  }

  line(line) {
    if (line === '') {
      if (this.event.data !== undefined) {
        this.dispatch({ event: 'message', ...this.event });
      } else if (this.event.id !== undefined) {
        this.dispatch({ id: this.event.id });
      }
      this.event = {};
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.event.data = this.event.data === undefined ? value : `${this.event.data}\n${value}`;
    else if (field === 'event') this.event.event = value;
    else if (field === 'id' && !value.includes('\0')) this.event.id = value;
  }
}
