/**
 * The chat widget: one script tag on any site,
 *   <script src="https://…/widget.js" data-site="SITE_ID" async></script>
 * Optional: data-client-type="target", data-api="https://…/v1" (default: the script's own origin).
 * Everything lives in a shadow root, so the host page's styles and ours never meet; the only
 * global is `window.ChatWidget` ({ open, close, setClientType }).
 */
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
}
interface ActiveChat {
  chatId: string;
  chatToken: string;
  operator: { id: string; name: string; avatarUrl: string | null } | null;
  /** Set while the chat waits in the queue, with its last known place. */
  waiting?: boolean;
  place?: QueuePlace | null;
}
interface QueuePlace {
  position: number;
  estimatedWaitSeconds: number | null;
}
interface ChatReply {
  chat: { id: string; status: 'waiting' | 'assigned' | 'unassigned' | 'closed' };
  chatToken: string;
  operator?: ActiveChat['operator'];
  queue?: QueuePlace | null;
}

const script = document.currentScript as HTMLScriptElement | null;
const siteId = script?.dataset.site ?? '';
const apiBase = (script?.dataset.api ?? new URL('/v1', script?.src ?? location.href).href).replace(/\/$/, '');
let clientType: 'regular' | 'target' = script?.dataset.clientType === 'target' ? 'target' : 'regular';

const VISITOR_KEY = 'chatdist.visitorId';
const chatKey = `chatdist.chat.${siteId}`;

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

function saveChat(chat: ActiveChat | null) {
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
const launcher = el('button', { class: 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'panel' }, 'Chat with us');
const title = el('h2', { id: 'title' }, 'Chat with us');
const closeButton = el('button', { class: 'icon', type: 'button', 'aria-label': 'Close chat window' }, '×');
const body = el('div', { class: 'body', 'aria-live': 'polite' });
const panel = el('div', { id: 'panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'title', hidden: '' }, el('div', { class: 'head' }, title, closeButton), body);
root.append(el('style', {}, WIDGET_CSS), launcher, panel);

let pendingStart: { key: string; operatorId?: string; group?: string } | null = null;
/** Polling a waiting chat (a live push will replace it): the chat watched, and the next poll. */
const POLL_MS = 2000;
let watched: string | null = null;
let pollTimer: ReturnType<typeof setTimeout> | undefined;

function show(...children: (Node | string)[]) {
  body.replaceChildren(...children);
  body.querySelector<HTMLElement>('button, a')?.focus();
}

function message(text: string, className = 'message') {
  return el('p', { class: className }, text);
}

function button(label: string, onClick: () => void, className = 'primary') {
  const node = el('button', { type: 'button', class: className }, label);
  node.addEventListener('click', onClick);
  return node;
}

function renderAssigned(chat: ActiveChat) {
  const who = chat.operator!;
  show(
    el('div', { class: 'assigned' }, avatar(who.name, who.avatarUrl), el('p', { class: 'message' }, 'You are chatting with ', el('strong', {}, who.name), '.')),
    button('End chat', () => void endChat(chat), 'secondary'),
  );
}

function renderRecorded(chat: ActiveChat) {
  show(
    message('All our operators are busy right now. Your request has been recorded and we will get back to you soon.', 'message recorded'),
    button('End chat', () => void endChat(chat), 'secondary'),
  );
}

/** "You are number 2 in the queue, about 3 min." Minutes are rounded up. */
function placeText({ position, estimatedWaitSeconds: wait }: QueuePlace) {
  const eta = wait === null ? '' : wait < 60 ? ', less than a minute' : `, about ${Math.ceil(wait / 60)} min`;
  return `You are number ${position} in the queue${eta}.`;
}

/**
 * The waiting view; its place line is a live region of its own, so each new place is read out.
 * `delay`: when to look again (at once for a chat restored from storage, whose place may be old).
 */
function renderWaiting(chat: ActiveChat, delay = POLL_MS) {
  show(
    message('All our operators are busy right now. Please stay: the next free operator will take your chat.', 'message waiting'),
    el('p', { class: 'message place', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' }, chat.place ? placeText(chat.place) : 'You are in the queue.'),
    button('Leave the queue', () => void endChat(chat), 'secondary'),
  );
  watch(chat, delay);
}

function stopWatching() {
  watched = null;
  clearTimeout(pollTimer);
}

function watch(chat: ActiveChat, delay = POLL_MS) {
  stopWatching();
  watched = chat.chatId;
  pollTimer = setTimeout(() => void poll(chat), delay);
}

/** One look at a waiting chat: a new place, its operator once assigned, or the end of the wait. */
async function poll(chat: ActiveChat) {
  const reply = await api<ChatReply>('GET', `/sites/${siteId}/chats/${chat.chatId}`, undefined, {
    Authorization: `Bearer ${chat.chatToken}`,
  }).catch(() => null);
  if (watched !== chat.chatId) return; // ended, closed or replaced meanwhile
  if (!reply || reply.status >= 500 || reply.status === 429) return watch(chat); // try again on the next beat
  if (reply.status !== 200) return stopWatching(); // the chat is gone or not ours: keep what is shown
  const { chat: current, operator, queue } = reply.data;
  if (current.status === 'waiting') {
    const line = body.querySelector('.place');
    if (queue) {
      const text = placeText(queue);
      // Only a change is written: a live region rewritten with the same words may be read again.
      if (line && line.textContent !== text) line.textContent = text;
      chat.place = queue;
      saveChat(chat);
    }
    return watch(chat);
  }
  stopWatching();
  if (current.status === 'closed') {
    saveChat(null);
    return show(message('This chat has ended.'), button('Start a new chat', () => void load()));
  }
  const next: ActiveChat = { chatId: chat.chatId, chatToken: chat.chatToken, operator: operator ?? null };
  saveChat(next);
  if (next.operator) renderAssigned(next);
  else renderRecorded(next);
}

async function endChat(chat: ActiveChat) {
  stopWatching();
  const reply = await api('POST', `/sites/${siteId}/chats/${chat.chatId}/close`, { chatToken: chat.chatToken }).catch(() => null);
  if (!reply || reply.status >= 500) {
    // Keep the chat: the operator's place is only freed once the close goes through.
    show(message('We could not end the chat. Try again.', 'message error'), button('End chat', () => void endChat(chat)));
    if (chat.waiting) watch(chat); // it may still be assigned meanwhile: then the operator is shown
    return;
  }
  saveChat(null);
  show(message('Chat ended. Thank you!'), button('Start a new chat', () => void load()));
}

async function startChat(operatorId?: string, group?: string) {
  // A retry after a network error reuses the key, so the server answers it at most once.
  if (!pendingStart || pendingStart.operatorId !== operatorId || pendingStart.group !== group) {
    pendingStart = { key: randomId('k_'), operatorId, group };
  }
  const request = pendingStart;
  show(message('Connecting you…'));
  try {
    const reply = await api<ChatReply>(
      'POST',
      `/sites/${siteId}/chats`,
      { visitorId: visitorId(), clientType, ...(operatorId ? { operatorId } : {}), ...(group ? { group } : {}) },
      { 'Idempotency-Key': request.key },
    );
    if (reply.status >= 500) throw new Error(reply.data.error?.message ?? 'unavailable');
    pendingStart = null;
    if (reply.status === 201 || reply.status === 202) {
      const { chat: started, chatToken, operator = null, queue } = reply.data;
      const chat: ActiveChat = { chatId: started.id, chatToken, operator };
      if (started.status === 'waiting') Object.assign(chat, { waiting: true, place: queue });
      saveChat(chat);
      if (chat.operator) renderAssigned(chat);
      else if (chat.waiting) renderWaiting(chat);
      else renderRecorded(chat);
      return;
    }
    show(message(reply.data.error?.message ?? 'Something went wrong.', 'message error'), button('Back', () => void load(), 'secondary'));
  } catch {
    show(
      message('We could not reach the chat service. Check your connection and try again.', 'message error'),
      button('Try again', () => void startChat(operatorId, group)),
    );
  }
}

function operatorItem(operator: WidgetOperator, choosable: boolean) {
  const item = el(
    'li',
    {},
    avatar(operator.name, operator.avatarUrl),
    el('span', { class: 'name' }, operator.name),
    el('span', { class: `dot ${operator.status}`, role: 'img', 'aria-label': operator.status }),
  );
  if (choosable && operator.status === 'online') {
    item.append(button(`Chat with ${operator.name}`, () => void startChat(operator.id), 'choose'));
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
    const state = el('span', { class: `state ${group.available ? 'online' : 'busy'}` }, group.available ? '(available now)' : '(nobody free now)');
    return el('label', {}, radio, el('span', { class: 'name' }, group.name), ' ', state);
  });
  const fieldset = el('fieldset', { class: 'groups' }, el('legend', {}, 'Department'), ...radios);
  const chosen = () => fieldset.querySelector<HTMLInputElement>('input:checked')?.value;
  return { fieldset, chosen };
}

async function load() {
  const active = savedChat();
  if (active) return active.operator ? renderAssigned(active) : active.waiting ? renderWaiting(active, 0) : renderRecorded(active);
  show(message('Loading…'));
  try {
    const { status, data } = await api<WidgetInfo>('GET', `/sites/${siteId}/widget`);
    if (status !== 200) throw new Error(data.error?.message);
    const list = el('ul', { class: 'operators', 'aria-label': 'Operators' }, ...data.operators.map((operator) => operatorItem(operator, data.allowVisitorChoice)));
    const anyoneOnline = data.operators.some((operator) => operator.status === 'online');
    const nobodyFree = anyoneOnline ? '' : message('Nobody is free right now: start a chat and we will connect you as soon as someone is, or record your request.', 'message muted');
    const groups = data.groups?.length ? groupChoice(data.groups) : null;
    show(
      data.operators.length ? list : message('No operator is online right now. You can still leave a request.'),
      data.operators.length ? nobodyFree : '',
      groups ? groups.fieldset : '',
      button(data.allowVisitorChoice ? 'Start chat with anyone' : 'Start chat', () => void startChat(undefined, groups?.chosen())),
    );
    // The department comes first for a keyboard user: the focus goes to the chosen one.
    groups?.fieldset.querySelector<HTMLInputElement>('input:checked')?.focus();
  } catch {
    show(message('The chat is not available right now.', 'message error'), button('Try again', () => void load()));
  }
}

function open() {
  if (!panel.hidden) return;
  panel.hidden = false;
  launcher.setAttribute('aria-expanded', 'true');
  void load();
}

function close() {
  if (panel.hidden) return;
  panel.hidden = true;
  stopWatching(); // reopening resumes it (load)
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
