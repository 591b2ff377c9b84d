/**
 * Live updates over the service's WebSocket (docs/API.md, "Live updates"), for the console and
 * the widget (kept small: the widget bundles it). The token goes in the first message, never in
 * the URL; the answer is `ready` (then events are pushed) or an error and a close. The socket is
 * opened again after it closes or could not open, with backoff (about 1 s, then doubling to a
 * minute, with jitter), except after a refused token (401/403: trying again would not help; the
 * page's own requests find out and say so). A ping every 50 s keeps it open through idle timeouts
 * (API Gateway's is 10 minutes) and finds a dead one: no answer by the next ping closes it.
 *
 * The page polls while `up` is false: the socket never opened, dropped, or the page's CSP refused
 * it (a refused `new WebSocket` may throw, or, as in Chromium, never open nor close: a socket not
 * ready within 15 s is given up and tried again later).
 */

/** An event pushed by the service: `{type, chat, ...}` (chat.*, message.created, queue.position, queue.length). */
export type LiveEvent = { type: string; [field: string]: any };

const PING_MS = 50_000;
const READY_WITHIN_MS = 15_000;
const MAX_RETRY_MS = 60_000;

/**
 * Keeps a socket to `url` authenticated with `auth` ({siteId, token, chatId?}) until the returned
 * function is called. `onEvent` gets each pushed event; `onState` each change between up (ready)
 * and down.
 */
export function connectLive(url: string, auth: object, onEvent: (event: LiveEvent) => void, onState: (up: boolean) => void): () => void {
  let socket: WebSocket | null = null;
  let stopped = false;
  let up = false;
  let failures = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let ping: ReturnType<typeof setInterval> | undefined;
  let waiting: ReturnType<typeof setTimeout> | undefined;
  let answered = true;

  const setUp = (next: boolean) => {
    if (up !== next) onState((up = next));
  };
  const later = () => {
    if (stopped) return;
    const delay = Math.min(MAX_RETRY_MS, 1000 * 2 ** failures++);
    retry = setTimeout(open, delay * (0.5 + Math.random() / 2));
  };
  /** Gives up on `s`: it is closed and another is opened later. */
  const drop = (s: WebSocket) => {
    if (socket !== s) return;
    socket = null;
    clearInterval(ping);
    clearTimeout(waiting);
    s.close();
    setUp(false);
    later();
  };
  const open = () => {
    let s: WebSocket;
    try {
      s = socket = new WebSocket(url);
    } catch {
      return later(); // a malformed URL, or a CSP that refuses it
    }
    waiting = setTimeout(() => drop(s), READY_WITHIN_MS);
    s.onopen = () => s.send(JSON.stringify({ type: 'auth', ...auth }));
    s.onmessage = ({ data }) => {
      let message: LiveEvent;
      try {
        message = JSON.parse(data as string) as LiveEvent;
      } catch {
        return;
      }
      answered = true;
      if (message.type === 'ready') {
        clearTimeout(waiting);
        failures = 0;
        setUp(true);
        clearInterval(ping);
        ping = setInterval(() => {
          if (!answered) return drop(s); // no pong since the last ping: a dead connection
          answered = false;
          s.send('{"type":"ping"}');
        }, PING_MS);
      } else if (message.type === 'error') {
        if (!up && /^(unauthorized|forbidden)$/.test(message.code as string)) stopped = true;
      } else if (message.type !== 'pong') {
        onEvent(message);
      }
    };
    s.onclose = () => drop(s);
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(retry);
    clearTimeout(waiting);
    clearInterval(ping);
    const s = socket;
    socket = null;
    s?.close();
    up = false;
  };
}
