/**
 * The chat widget: one script tag on any site,
 *   <script src="https://…/widget.js" data-site="SITE_ID" async></script>
 * Optional: data-client-type="target", data-api="https://…/v1" (default: the script's own origin).
 * Everything lives in a shadow root, so the host page's styles and ours never meet; the only
 * global is `window.ChatWidget` ({ open, close, setClientType }).
 *
 * Once a chat is started (assigned or waiting) the widget shows the conversation and a message
 * box. While the panel is open it listens to the chat on the service's socket (the URL from the
 * widget object's `liveUrl`): its operator, its place in the queue, its messages and its end come
 * pushed, and the widget looks at the chat itself only when the socket (re)opens and once a
 * minute. While the socket is down or cannot open, it polls the chat and its new messages every
 * 2 s instead (backing off to 30 s while the service cannot be reached); the socket is tried again
 * with backoff (../shared/live.ts). The host element's `data-live` says which: "up" or "down".
 * A chat nobody took (unassigned) becomes a follow-up request: the widget asks for an e-mail
 * address and sends the request again with it (contact is only given at chat start).
 *
 * Tests: data-poll="off" on the script tag turns every timed poll off (the fallback and the
 * once-a-minute look): the widget then reads the chat only when it starts it, when the panel
 * opens, when the socket (re)opens and to learn the name of an operator the socket announces, so
 * whatever else it shows came over the socket.
 *
 * Its texts are in the site's `language` (the widget object says it; texts.ts has them all); until
 * that is loaded, the language this browser last saw for the site, else the host page's (<html
 * lang>) when it is one of ours, else English.
 */
import { connectLive, type LiveEvent } from '../shared/live.js';
import { TEXTS, isLanguage, type Language, type Texts } from './texts.js';
import { WIDGET_CSS } from './widget-css.js';

type Status = 'online' | 'away';
interface WidgetOperator {
  id: string;
  name: string;
  avatarUrl: string | null;
  status: Status;
}
/** A department the visitor may choose; `available`: someone of it could take a chat now. */
interface WidgetGroup {
  id: string;
  name: string;
  available: boolean;
}
interface WidgetInfo {
  allowVisitorChoice: boolean;
  sharedAvatarUrl: string | null;
  operators: WidgetOperator[];
  groups?: WidgetGroup[];
  /** The site's language for the widget's texts (the setting). */
  language?: string;
  /** Where to listen for the chat's changes (null: nowhere; the widget polls). */
  liveUrl?: string | null;
}
interface ActiveChat {
  chatId: string;
  chatToken: string;
  operator: { id: string; name: string; avatarUrl: string | null } | null;
  /** Set while the chat waits in the queue, with its last known place. */
  waiting?: boolean;
  place?: QueuePlace | null;
  /** The department it was started in, for a follow-up request sent again. */
  group?: string;
  /** The e-mail address the visitor gave with it: we write there when nobody takes the chat. */
  email?: string;
  /** Nobody was online when it started: while it waits, the widget says so (no operator is "busy"). */
  nobodyOnline?: boolean;
  /** The socket to listen on (the widget object's liveUrl when the chat started). */
  live?: string | null;
}
interface QueuePlace {
  position: number;
  estimatedWaitSeconds: number | null;
}
interface ChatReply {
  chat: { id: string; status: 'waiting' | 'assigned' | 'unassigned' | 'closed'; operatorId?: string | null; contact?: { email: string | null } };
  chatToken: string;
  operator?: ActiveChat['operator'];
  queue?: QueuePlace | null;
}
interface Message {
  id: string;
  from: 'visitor' | 'operator';
  operatorId: string | null;
  text: string;
  createdAt: string;
}
interface Contact {
  name?: string;
  email: string;
}
interface StartOptions {
  operatorId?: string;
  group?: string;
  message?: string;
  contact?: Contact;
  nobodyOnline?: boolean;
}

const script = document.currentScript as HTMLScriptElement | null;
const siteId = script?.dataset.site ?? '';
const apiBase = (script?.dataset.api ?? new URL('/v1', script?.src ?? location.href).href).replace(/\/$/, '');
let clientType: 'regular' | 'target' = script?.dataset.clientType === 'target' ? 'target' : 'regular';
/** Timed polls at all (data-poll="off": none, for tests of the socket). */
const polling = script?.dataset.poll !== 'off';
/** The socket the widget object named (null: none; the widget polls). */
let liveUrl: string | null = null;

const VISITOR_KEY = 'chatdist.visitorId';
const chatKey = `chatdist.chat.${siteId}`;
/** The site's language as last loaded in this browser: the launcher speaks it before the panel opens. */
const languageKey = `chatdist.language.${siteId}`;
/** A message's length limit (the service's). */
const MAX_TEXT = 4000;
/** Messages the service gives per read. */
const PAGE = 100;

function randomId(prefix: string): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return prefix + Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The same visitor id for this browser, across pages and visits. */
function visitorId(): string {
  try {
    const known = localStorage.getItem(VISITOR_KEY);
    if (known && /^[A-Za-z0-9_-]{1,64}$/.test(known)) return known;
    const fresh = randomId('v_');
    localStorage.setItem(VISITOR_KEY, fresh);
    return fresh;
  } catch {
    return randomId('v_'); // storage blocked: a per-page id is the best we can do
  }
}

function savedChat(): ActiveChat | null {
  try {
    return JSON.parse(sessionStorage.getItem(chatKey) ?? 'null') as ActiveChat | null;
  } catch {
    return null;
  }
}

/** The chat of this tab, kept in memory and in the tab's storage (it survives a reload). */
let current: ActiveChat | null = savedChat();

function saveChat(chat: ActiveChat | null) {
  current = chat;
  try {
    if (chat) sessionStorage.setItem(chatKey, JSON.stringify(chat));
    else sessionStorage.removeItem(chatKey);
  } catch {
    /* storage blocked: the chat just won't survive a reload */
  }
}

async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${apiBase}${path}`, {
    method,
    headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await response.json().catch(() => ({}))) as T & { error?: { code: string; message: string } };
  return { status: response.status, data };
}

const chatPath = (chat: ActiveChat) => `/sites/${siteId}/chats/${encodeURIComponent(chat.chatId)}`;
const bearer = (chat: ActiveChat) => ({ Authorization: `Bearer ${chat.chatToken}` });

/* ---------- DOM helpers (text only ever goes in through textContent) ---------- */

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) if (value !== undefined) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function avatar(name: string, url: string | null): HTMLElement {
  if (url) return el('img', { class: 'avatar', src: url, alt: '' });
  return el('span', { class: 'avatar initial', 'aria-hidden': 'true' }, name.trim().charAt(0).toUpperCase() || '?');
}

/* ---------- the widget ---------- */

const host = el('div', { id: 'chatdist-widget' });
const root = host.attachShadow({ mode: 'open' });
const launcher = el('button', { class: 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'panel' });
const title = el('h2', { id: 'title' });
const closeButton = el('button', { class: 'icon', type: 'button' }, '×');
const body = el('div', { class: 'body', 'aria-live': 'polite' });
const panel = el('div', { id: 'panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'title', hidden: '' }, el('div', { class: 'head' }, title, closeButton), body);
root.append(el('style', {}, WIDGET_CSS), launcher, panel);

/** The texts in the widget's language: each view takes them when it is drawn. */
let t: Texts;

/**
 * Speaks `language` from now on: the root's `lang`, the launcher and the panel's head (the views
 * are drawn with it from then on). `remember`: the site said so (kept for the next page).
 */
function setLanguage(language: Language, remember = false) {
  t = TEXTS[language];
  host.lang = language;
  launcher.textContent = title.textContent = t.chatWithUs;
  closeButton.setAttribute('aria-label', t.closeWindow);
  if (remember) {
    try {
      localStorage.setItem(languageKey, language);
    } catch {
      /* storage blocked: the next page starts from its guess again */
    }
  }
}

/** Until the site's widget object is loaded: its language as last seen here, else the host page's if it is one of ours, else English. */
function firstLanguage(): Language {
  let known: string | null = null;
  try {
    known = localStorage.getItem(languageKey);
  } catch {
    /* storage blocked */
  }
  const page = document.documentElement.lang.toLowerCase().split('-')[0];
  return isLanguage(known) ? known : isLanguage(page) ? page : 'en';
}

setLanguage(firstLanguage());

let pendingStart: { key: string; request: string } | null = null;
/**
 * Looking at an open chat: every 2 s while the socket is down (doubling after each failure, to
 * 30 s), once a minute while it is up; `beat` tells a look still wanted from one left behind.
 */
const POLL_MS = 2000;
const SAFETY_MS = 60_000;
let beat = 0;
let failures = 0;
let pollTimer: ReturnType<typeof setTimeout> | undefined;
/** The socket of the chat watched: its chat, whether it is up, how to close it. */
let live: { chatId: string; up: boolean; stop: () => void } | null = null;

/** Shows a view; the focus goes to `focus`, else to its first button or link. */
function show(children: (Node | string)[], focus?: HTMLElement | null) {
  body.replaceChildren(...children);
  (focus ?? body.querySelector<HTMLElement>('button, a'))?.focus();
}

function message(text: string, className = 'message') {
  return el('p', { class: className }, text);
}

function button(label: string, onClick: () => void, className = 'primary', type = 'button') {
  const node = el('button', { type, class: className }, label);
  node.addEventListener('click', onClick);
  return node;
}

/**
 * A labelled text box with its character count ("12 / 4000"), limited to the service's 4000.
 * `onEnter`: Enter does it (Shift+Enter starts a new line).
 */
function textBox(id: string, label: string, rows: number, onEnter?: () => void) {
  const input = el('textarea', { id, rows: String(rows), maxlength: String(MAX_TEXT), 'aria-describedby': `${id}-count` });
  // Not announced at each key (the panel's body is a live region): read with the box instead.
  const count = el('span', { id: `${id}-count`, class: 'count', 'aria-live': 'off' });
  const update = () => {
    count.textContent = t.characters(input.value.length, MAX_TEXT);
  };
  input.addEventListener('input', update);
  if (onEnter) {
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        onEnter();
      }
    });
  }
  update();
  const set = (text: string) => {
    input.value = text.slice(0, MAX_TEXT);
    update();
  };
  return { input, nodes: [el('label', { for: id }, label), input, count], set, text: () => input.value.trim() };
}

/* ---------- the conversation ---------- */

interface Conversation {
  chatId: string;
  /** The whole view: head (who or the queue place), the messages, the message box, foot (End chat). */
  view: HTMLElement;
  head: HTMLElement;
  log: HTMLElement;
  form: HTMLFormElement;
  box: ReturnType<typeof textBox>;
  send: HTMLButtonElement;
  error: HTMLElement;
  foot: HTMLElement;
  /** What the head shows now ("w" waiting, "a:<operator id>" assigned): it is only redrawn on a change. */
  shown: string;
  /** Rendered messages by id, and the last id read (the next read starts after it). */
  seen: Map<string, HTMLElement>;
  texts: Map<string, Message>;
  after?: string;
  reading: boolean;
  sending: boolean;
}

let convo: Conversation | null = null;

function conversationFor(chat: ActiveChat): Conversation {
  if (convo?.chatId === chat.chatId) return convo;
  // Focusable, so that a keyboard can scroll a long conversation.
  const log = el('div', { class: 'log', role: 'log', 'aria-label': t.messages, tabindex: '0' });
  const box = textBox('msg', t.yourMessage, 2, () => form.requestSubmit());
  const send = el('button', { type: 'submit', class: 'primary' }, t.send);
  const error = el('p', { class: 'message error', 'aria-live': 'assertive' });
  const [label, input, count] = box.nodes;
  const form = el('form', { class: 'compose' }, label!, input!, el('div', { class: 'bar' }, count!, send), error);
  const head = el('div', { class: 'chat-head' });
  const foot = el('div');
  const c: Conversation = {
    chatId: chat.chatId,
    view: el('div', { class: 'chat' }, head, log, form, foot),
    head,
    log,
    form,
    box,
    send,
    error,
    foot,
    shown: '',
    seen: new Map(),
    texts: new Map(),
    reading: false,
    sending: false,
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void sendMessage(c);
  });
  return (convo = c);
}

/** Puts a message in its place (ids sort in creation order); one already shown is skipped. */
function addMessage(c: Conversation, item: Message) {
  if (c.seen.has(item.id)) return;
  const operator = current?.operator;
  const who = item.from === 'visitor' ? t.you : operator && operator.id === item.operatorId ? operator.name : t.operator;
  const node = el('div', { class: `msg ${item.from}` }, el('span', { class: 'who' }, `${who} · ${t.time(new Date(item.createdAt))}`), el('span', {}, item.text));
  const atEnd = c.log.scrollHeight - c.log.scrollTop - c.log.clientHeight < 40;
  // Usually the last; one read late (written before the visitor's own last) goes before the first later one.
  let later: [string, HTMLElement] | null = null;
  for (const entry of c.seen) if (entry[0] > item.id && (!later || entry[0] < later[0])) later = entry;
  c.log.insertBefore(node, later?.[1] ?? null);
  c.seen.set(item.id, node);
  c.texts.set(item.id, item);
  if (atEnd || item.from === 'visitor') c.log.scrollTop = c.log.scrollHeight;
}

/** Reads the messages after the last one read (a few pages at most per beat). */
async function readMessages(chat: ActiveChat) {
  const c = convo;
  if (!c || c.chatId !== chat.chatId || c.reading) return;
  c.reading = true;
  try {
    for (let page = 0; page < 10; page += 1) {
      const query = c.after ? `?after=${encodeURIComponent(c.after)}` : '';
      const { status, data } = await api<{ messages: Message[] }>('GET', `${chatPath(chat)}/messages${query}`, undefined, bearer(chat));
      if (status !== 200) return;
      for (const item of data.messages) addMessage(c, item);
      const last = data.messages[data.messages.length - 1];
      if (last) c.after = last.id;
      if (data.messages.length < PAGE) return;
    }
  } catch {
    /* the next beat tries again */
  } finally {
    c.reading = false;
  }
}

/** What the visitor wrote in the conversation, to carry into a follow-up request. */
function visitorTexts(chat: ActiveChat) {
  if (convo?.chatId !== chat.chatId) return '';
  return [...convo.texts.values()]
    .filter((item) => item.from === 'visitor')
    .map((item) => item.text)
    .join('\n\n');
}

async function sendMessage(c: Conversation) {
  const chat = current;
  if (!chat || chat.chatId !== c.chatId || c.sending) return;
  const text = c.box.text();
  c.error.textContent = '';
  if (!text) {
    c.error.textContent = t.writeFirst;
    return c.box.input.focus();
  }
  c.sending = c.send.disabled = true;
  try {
    const { status, data } = await api<{ message: Message }>('POST', `${chatPath(chat)}/messages`, { text }, bearer(chat));
    if (status === 201) {
      addMessage(c, data.message);
      c.box.set('');
    } else if (data.error?.code === 'chat_closed') {
      ended(c, t.notSentEnded);
    } else {
      c.error.textContent = t.notSent(data.error);
    }
  } catch {
    c.error.textContent = t.notSentUnreachable;
  } finally {
    c.sending = c.send.disabled = false;
  }
}

/** "You are number 2 in the queue, about 3 min." Minutes are rounded up. */
const placeText = ({ position, estimatedWaitSeconds }: QueuePlace) => t.place(position, estimatedWaitSeconds);

/**
 * The chat, assigned or waiting: who the visitor talks to (or its place in the queue, a live
 * region of its own, so each new place is read out), the messages and the message box.
 */
function renderChat(chat: ActiveChat) {
  const c = conversationFor(chat);
  const who = chat.operator;
  const shown = who ? `a:${who.id}:${who.name}` : 'w';
  if (c.shown !== shown) {
    c.shown = shown;
    const note = chat.email ? message(t.weWillWriteIfNobody(chat.email), 'message muted') : '';
    const [before, after] = t.chattingWith;
    c.head.replaceChildren(
      ...(who
        ? [el('div', { class: 'assigned' }, avatar(who.name, who.avatarUrl), el('p', { class: 'message' }, before, el('strong', {}, who.name), after))]
        : [
            message(chat.nobodyOnline ? t.waitingForSomeoneOnline : t.allBusy, 'message waiting'),
            el('p', { class: 'message place', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' }, chat.place ? placeText(chat.place) : t.inQueue),
            note,
          ]),
    );
    c.foot.replaceChildren(button(who ? t.endChat : t.leaveQueue, () => void endChat(), 'secondary'));
  } else if (!who && chat.place) {
    const line = c.head.querySelector('.place');
    const text = placeText(chat.place);
    // Only a change is written: a live region rewritten with the same words may be read again.
    if (line && line.textContent !== text) line.textContent = text;
  }
  if (body.firstChild !== c.view) show([c.view], c.box.input);
}

/** The chat ended (closed by the operator): the conversation stays, read-only. */
function ended(c: Conversation, why = t.chatEnded) {
  stopWatching();
  saveChat(null);
  c.form.remove();
  c.head.replaceChildren(message(why));
  c.foot.replaceChildren(button(t.startNewChat, () => void load()));
  if (body.firstChild !== c.view) show([c.view]);
  else c.foot.querySelector('button')?.focus();
}

/** Shows the chat as it now is, and keeps watching it while it is open (`delay`: the next look). */
function present(chat: ActiveChat, delay?: number) {
  saveChat(chat);
  if (chat.operator || chat.waiting) {
    renderChat(chat);
    watch(chat, delay);
  } else if (chat.email) {
    renderConfirmed(chat.email);
  } else {
    renderFollowUp(chat, visitorTexts(chat));
  }
}

/** No next look (the socket stays). */
function unschedule() {
  beat += 1;
  clearTimeout(pollTimer);
}

/** No more watching: no next look, no socket. */
function stopWatching() {
  unschedule();
  live?.stop();
  live = null;
  delete host.dataset.live;
}

/**
 * Watches the chat: listens on its socket, and schedules the next look: `delay` (0: at once,
 * also with data-poll="off"), else as the socket allows (up: a minute; down: 2 s, backing off).
 */
function watch(chat: ActiveChat, delay?: number) {
  unschedule();
  if (live?.chatId !== chat.chatId) listen(chat);
  if (delay === undefined) {
    if (!polling) return;
    delay = live?.up && !failures ? SAFETY_MS : Math.min(30_000, POLL_MS * 2 ** failures);
  }
  const mine = beat;
  pollTimer = setTimeout(() => void poll(chat, mine), delay);
}

function listen(chat: ActiveChat) {
  live?.stop();
  live = null;
  if (!chat.live) return;
  const mine = { chatId: chat.chatId, up: false, stop: () => {} };
  host.dataset.live = 'down';
  mine.stop = connectLive(chat.live, { siteId, token: chat.chatToken, chatId: chat.chatId }, onLive, (up) => {
    mine.up = up;
    host.dataset.live = up ? 'up' : 'down';
    failures = 0;
    // Up: one look at once, for what changed while it opened; down: polling again.
    if (current?.chatId === mine.chatId) watch(current, up ? 0 : undefined);
  });
  live = mine;
}

/** What the socket tells of the chat: a message, a new place, or a change (an operator's name takes one look). */
function onLive(event: LiveEvent) {
  const chat = current;
  const now = event.chat as ChatReply['chat'] | undefined;
  if (!chat || now?.id !== chat.chatId) return;
  if (event.type === 'message.created') {
    if (convo?.chatId === chat.chatId && event.message) addMessage(convo, event.message as Message);
  } else if (event.type === 'queue.position') {
    if (chat.waiting && now.status === 'waiting') present({ ...chat, place: event.queue as QueuePlace });
  } else if (now.status !== 'assigned') {
    apply(chat, now, null, null);
  } else if (chat.operator?.id !== now.operatorId) {
    watch(chat, 0);
  }
}

/** One look at the chat and its new messages: a new place, its operator, the end of the wait, a close. */
async function poll(chat: ActiveChat, mine: number) {
  const [reply] = await Promise.all([api<ChatReply>('GET', chatPath(chat), undefined, bearer(chat)).catch(() => null), readMessages(chat)]);
  if (mine !== beat) return; // ended, closed or replaced meanwhile
  if (!reply || reply.status >= 500 || reply.status === 429) {
    failures = Math.min(failures + 1, 4);
    return watch(chat); // try again, a little later each time
  }
  failures = 0;
  if (reply.status !== 200) return stopWatching(); // the chat is gone or not ours: keep what is shown
  const { chat: now, operator = null, queue = null } = reply.data;
  apply(chat, now, operator, queue);
}

/** Shows the chat as the service now has it (a look, or an event). */
function apply(chat: ActiveChat, now: ChatReply['chat'], operator: ActiveChat['operator'], queue: QueuePlace | null) {
  if (now.status === 'closed') {
    if (convo?.chatId === chat.chatId) return ended(convo);
    saveChat(null);
    return void load();
  }
  const { chatId, chatToken, group, email, nobodyOnline, live: url } = chat;
  const next: ActiveChat = { chatId, chatToken, operator, group, email, nobodyOnline, live: url };
  if (now.status === 'waiting') Object.assign(next, { waiting: true, place: queue ?? chat.place ?? null });
  else if (now.status === 'unassigned') stopWatching();
  present(next);
}

async function endChat() {
  const chat = current;
  if (!chat) return load();
  stopWatching();
  const reply = await api('POST', `${chatPath(chat)}/close`, { chatToken: chat.chatToken }).catch(() => null);
  if (!reply || reply.status >= 500) {
    // Keep the chat: the operator's place is only freed once the close goes through.
    show([message(t.endFailed, 'message error'), button(t.endChat, () => void endChat())]);
    if (chat.waiting) watch(chat); // it may still be assigned meanwhile: then the operator is shown
    return;
  }
  saveChat(null);
  convo = null;
  show([message(t.chatEndedThanks), button(t.startNewChat, () => void load())]);
}

async function startChat(options: StartOptions) {
  const request = JSON.stringify(options);
  // A retry after a network error reuses the key, so the server answers it at most once.
  if (pendingStart?.request !== request) pendingStart = { key: randomId('k_'), request };
  const { key } = pendingStart;
  const { operatorId, group, message: text, contact, nobodyOnline } = options;
  show([message(t.connecting)]);
  try {
    const reply = await api<ChatReply>(
      'POST',
      `/sites/${siteId}/chats`,
      { visitorId: visitorId(), clientType, ...(operatorId ? { operatorId } : {}), ...(group ? { group } : {}), ...(text ? { message: text } : {}), ...(contact ? { contact } : {}) },
      { 'Idempotency-Key': key },
    );
    if (reply.status >= 500) throw new Error(reply.data.error?.message ?? 'unavailable');
    pendingStart = null;
    if (reply.status === 201 || reply.status === 202) {
      const { chat: started, chatToken, operator = null, queue } = reply.data;
      const email = started.contact?.email ?? contact?.email;
      const chat: ActiveChat = {
        chatId: started.id,
        chatToken,
        operator,
        live: liveUrl,
        ...(group ? { group } : {}),
        ...(email ? { email } : {}),
        ...(nobodyOnline ? { nobodyOnline } : {}),
      };
      if (started.status === 'waiting') Object.assign(chat, { waiting: true, place: queue });
      convo = null;
      if (started.status === 'unassigned' && !chat.email) {
        // Nobody took it: what the visitor wrote goes into the follow-up form.
        saveChat(chat);
        return renderFollowUp(chat, text ?? '');
      }
      present(chat);
      if (chat.operator || chat.waiting) void readMessages(chat); // the first message, at once
      return;
    }
    show([message(t.failed(reply.data.error), 'message error'), button(t.back, () => void load(), 'secondary')]);
  } catch {
    show([message(t.unreachable, 'message error'), button(t.tryAgain, () => void startChat(options))]);
  }
}

/* ---------- follow-up requests ---------- */

/**
 * Nobody can take the chat now: the visitor leaves an e-mail address (and a name) with the
 * message. `chat`: the chat that ended unassigned, ended when the request is sent (the request
 * is sent again as a new chat, which carries the contact); null: asked before any chat.
 */
function renderFollowUp(chat: ActiveChat | null, prefill: string) {
  stopWatching();
  const name = el('input', { id: 'fu-name', type: 'text', maxlength: '100', autocomplete: 'name' });
  const email = el('input', { id: 'fu-email', type: 'email', maxlength: '254', autocomplete: 'email', required: '' });
  const box = textBox('fu-msg', t.yourMessage, 4);
  box.input.required = true;
  box.set(prefill);
  const error = el('p', { class: 'message error', 'aria-live': 'assertive' });
  const form = el(
    'form',
    { class: 'follow-up' },
    el('label', { for: 'fu-name' }, t.yourName),
    name,
    el('label', { for: 'fu-email' }, t.yourEmail),
    email,
    ...box.nodes,
    el('button', { type: 'submit', class: 'primary' }, t.sendRequest),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = box.text();
    if (!text) {
      error.textContent = t.writeYourMessage;
      return box.input.focus();
    }
    const contact: Contact = { email: email.value.trim(), ...(name.value.trim() ? { name: name.value.trim() } : {}) };
    void sendFollowUp(chat, text, contact, error);
  });
  show(
    [
      chat ? message(t.recorded, 'message recorded') : message(t.nobodyOnline),
      form,
      chat ? button(t.endChat, () => void endChat(), 'secondary') : button(t.back, () => void load(), 'secondary'),
    ],
    chat ? undefined : name,
  );
}

async function sendFollowUp(previous: ActiveChat | null, text: string, contact: Contact, error: HTMLElement) {
  error.textContent = '';
  if (previous) {
    // The request goes again with the contact: the first one, without it, is closed (a closed chat stays closed).
    const closed = await api('POST', `${chatPath(previous)}/close`, { chatToken: previous.chatToken }).catch(() => null);
    if (!closed || closed.status >= 500) {
      error.textContent = t.requestFailed;
      return;
    }
    saveChat(null);
  }
  // Asked before any chat, the request was offered because nobody was online.
  const nobodyOnline = previous ? previous.nobodyOnline : true;
  await startChat({ ...(previous?.group ? { group: previous.group } : {}), message: text, contact, nobodyOnline });
}

function renderConfirmed(email: string) {
  const [before, after] = t.thanksWeWillWrite;
  show([
    el('p', { class: 'message confirmed' }, before, el('strong', {}, email), after),
    button(
      t.startNewChat,
      () => {
        saveChat(null); // the request stays open for the site's team
        void load();
      },
      'secondary',
    ),
  ]);
}

/* ---------- starting ---------- */

function operatorItem(operator: WidgetOperator, choosable: boolean, start: (operatorId: string) => void) {
  const item = el(
    'li',
    {},
    avatar(operator.name, operator.avatarUrl),
    el('span', { class: 'name' }, operator.name),
    // In words too: the dot's colour alone would not tell every visitor.
    el('span', { class: 'presence' }, el('span', { class: `dot ${operator.status}`, 'aria-hidden': 'true' }), t.status[operator.status]),
  );
  if (choosable && operator.status === 'online') {
    item.append(button(t.chatWith(operator.name), () => start(operator.id), 'choose'));
  }
  return item;
}

/**
 * The departments as radio buttons (native: arrow keys move between them), each saying in words
 * whether someone is free in it; the first free one is chosen to begin with. Returns the fieldset
 * and what is chosen.
 */
function groupChoice(groups: WidgetGroup[]) {
  const initial = groups.find((group) => group.available) ?? groups[0]!;
  const radios = groups.map((group) => {
    const radio = el('input', { type: 'radio', name: 'chatdist-group', value: group.id });
    radio.checked = group === initial;
    // Read out as "Sales (available now)": the state is words, not only a colour.
    const state = el('span', { class: `state ${group.available ? 'online' : 'busy'}` }, t.groupState(group.available));
    return el('label', {}, radio, el('span', { class: 'name' }, group.name), ' ', state);
  });
  const fieldset = el('fieldset', { class: 'groups' }, el('legend', {}, t.department), ...radios);
  const chosen = () => fieldset.querySelector<HTMLInputElement>('input:checked')?.value;
  return { fieldset, chosen };
}

async function load() {
  const active = current;
  if (active && (active.operator || active.waiting)) {
    present(active, 0); // its state may have changed meanwhile: look at once
    return void readMessages(active);
  }
  stopWatching();
  if (active) return active.email ? renderConfirmed(active.email) : renderFollowUp(active, visitorTexts(active));
  convo = null;
  show([message(t.loading)]);
  try {
    const { status, data } = await api<WidgetInfo>('GET', `/sites/${siteId}/widget`);
    if (status !== 200) throw new Error(data.error?.message);
    if (isLanguage(data.language)) setLanguage(data.language, true);
    liveUrl = data.liveUrl ?? null;
    const groups = data.groups?.length ? groupChoice(data.groups) : null;
    const anyoneOnline = data.operators.some((operator) => operator.status === 'online');
    const first = textBox('first', t.firstMessage, 2, () => start());
    const start = (operatorId?: string) =>
      void startChat({ ...(operatorId ? { operatorId } : {}), group: groups?.chosen(), message: first.text() || undefined, nobodyOnline: !anyoneOnline });
    const list = el('ul', { class: 'operators', 'aria-label': t.operators }, ...data.operators.map((operator) => operatorItem(operator, data.allowVisitorChoice, start)));
    const nobodyFree = anyoneOnline ? '' : message(t.nobodyFree, 'message muted');
    show([
      data.operators.length ? list : message(t.noOperator),
      data.operators.length ? nobodyFree : '',
      groups ? groups.fieldset : '',
      ...first.nodes,
      button(data.allowVisitorChoice ? t.startChatWithAnyone : t.startChat, () => start()),
      anyoneOnline ? '' : button(t.leaveMessage, () => renderFollowUp(null, first.text()), 'secondary'),
    ]);
    // The department comes first for a keyboard user: the focus goes to the chosen one.
    groups?.fieldset.querySelector<HTMLInputElement>('input:checked')?.focus();
  } catch {
    show([message(t.notAvailable, 'message error'), button(t.tryAgain, () => void load())]);
  }
}

function open() {
  if (!panel.hidden) return;
  panel.hidden = false;
  launcher.setAttribute('aria-expanded', 'true');
  // What was shown stays (a draft, a half-filled form); an open chat is looked at again at once.
  const active = current;
  if (active && convo?.chatId === active.chatId && body.firstChild === convo.view) {
    watch(active, 0);
    convo.box.input.focus();
    return;
  }
  if (active && !active.operator && !active.waiting && body.firstChild) return;
  void load();
}

function close() {
  if (panel.hidden) return;
  panel.hidden = true;
  stopWatching(); // reopening resumes it
  launcher.setAttribute('aria-expanded', 'false');
  launcher.focus();
}

launcher.addEventListener('click', () => (panel.hidden ? open() : close()));
closeButton.addEventListener('click', close);
panel.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') close();
});

(window as unknown as { ChatWidget: unknown }).ChatWidget = {
  open,
  close,
  setClientType(type: 'regular' | 'target') {
    clientType = type === 'target' ? 'target' : 'regular';
  },
};

if (document.body) document.body.append(host);
else document.addEventListener('DOMContentLoaded', () => document.body.append(host));
