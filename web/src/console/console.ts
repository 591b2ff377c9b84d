/**
 * The operator console: sign in with the operator token, set the status, keep a heartbeat going
 * while the page is open, see its groups (departments), see, accept, transfer and close the open
 * chats and how many chats wait in the site's queue (refreshed every few seconds). A chat that
 * leaves the list without the operator closing or transferring it (taken back when it was not
 * accepted in time, closed by the visitor) is told in a live region. Each chat's conversation
 * opens below the list (what the visitor gave, the messages, a reply box; the first reply
 * accepts the chat); the other chats' new messages are counted ("n new" on their Messages button).
 *
 * Live: the chats, their messages and the queue's length come over the service's socket (its URL
 * from GET /v1/me), and the page then only looks again once a minute (a safety net) and once each
 * time the socket (re)opens (what changed meanwhile). While the socket is down, or cannot open,
 * the page polls instead: the list, the status and the queue every 4 s (backing off to a minute
 * while the service cannot be reached), the open conversation every 2 s; the socket is tried again
 * with backoff (shared/live.ts). `<html data-live="up|down|off">` says which.
 *
 * A new chat plays a short sound (generated with Web Audio; the Mute button, remembered in this
 * browser, turns it off) and shows a count in the tab's title, "(2) Operator console", until the
 * operator comes back to the page (the tab shown, the window focused, a click or a key).
 * `<html data-sound-plays="n">` counts the sounds played, for tests.
 *
 * Tests: `/console/?poll=off` turns every timed poll off (the fallback polling and the safety
 * poll): the page then reads only when it signs in, when the socket (re)opens and when the
 * operator acts, so whatever else it shows came over the socket.
 */
import { connectLive, type LiveEvent } from '../shared/live.js';
import { cleanToken, SignInError, TOKEN_NO_LONGER_WORKS, whoIs, type TokenRole } from '../shared/sign-in.js';

type Status = 'online' | 'away' | 'offline';
interface Operator {
  id: string;
  name: string;
  status: Status;
  /** The ids of the groups (departments) whose chats this operator takes. */
  groups: string[];
  /** Chats not accepted in time in a row (an accept resets it). */
  missedInARow?: number;
}
interface Chat {
  id: string;
  visitorId: string;
  clientType: string;
  status: string;
  operatorId: string | null;
  assignedBy: string | null;
  createdAt: string;
  group: string | null;
  assignedAt: string | null;
  acceptedAt: string | null;
  /** What the visitor gave to be written back to (nulls: nothing). */
  contact?: { name: string | null; email: string | null };
}
interface Message {
  id: string;
  chatId: string;
  from: 'visitor' | 'operator';
  operatorId: string | null;
  text: string;
  createdAt: string;
}
interface Session {
  token: string;
  siteId: string;
  operatorId: string;
}

const TOKEN_KEY = 'chatdist.operator';
/** Where the mute choice is kept (this browser, every operator). */
const MUTE_KEY = 'chatdist.console.muted';
/** Polling while the socket is down: the list, the status and the queue; backing off to at most a minute after failures. */
const REFRESH_MS = 4_000;
const MAX_REFRESH_MS = 60_000;
/** While the socket is up: one look a minute, in case an event was lost. */
const SAFETY_MS = 60_000;
/** How often the open conversation looks for new messages while the socket is down. */
const CONVERSATION_MS = 2_000;
/** Timed polls at all (`?poll=off`: none, for tests of the socket). */
const POLLING = new URLSearchParams(location.search).get('poll') !== 'off';
/** Messages the service gives per read. */
const MESSAGES_PAGE = 100;
/** Notices kept on screen about chats that left the list. */
const MAX_NOTICES = 5;

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const statusButtons = [...document.querySelectorAll<HTMLButtonElement>('button[data-status]')];

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

let session: Session | null = null;
let status: Status = 'offline';
/** A third of the site's heartbeat timeout, at most 20 s: two heartbeats may be lost before the sweep acts. */
let heartbeatMs = 20_000;
/** The site's answer timeout when the service tells the console (then a countdown is shown), else null. */
let answerTimeoutSeconds: number | null = null;
let heartbeat: number | undefined;
/** The next poll (a timeout: each one schedules the next), and how many failed in a row. */
let pollTimer: number | undefined;
let pollFailures = 0;
let ticker: number | undefined;
/** The socket: whether it is up (authenticated), and how to close it. */
let liveUp = false;
let stopLive: (() => void) | undefined;
/** Bumped by every change made here, so that a list read before it is not shown. */
let generation = 0;

/** The outcome of the last thing done: an error in the alert area, anything else in the status line (each clears the other). */
function say(text: string, isError = false) {
  $('#error-message').textContent = isError ? text : '';
  $('#status-message').textContent = isError ? '' : text;
}

/** Says what went wrong, unless the page already did (a refused token signs out). */
function report(error: unknown, prefix = '') {
  const message = (error as Error).message;
  if (message !== 'signed out') say(`${prefix}${message}`, true);
}

/** A lasting notice about a chat (a log: each one is announced, the last few stay on screen). */
function notice(text: string) {
  const log = $('#chat-notices');
  log.append(Object.assign(document.createElement('p'), { textContent: text }));
  while (log.childElementCount > MAX_NOTICES) log.firstElementChild!.remove();
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/v1${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${session?.token ?? ''}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (response.status === 401) {
    signOut(TOKEN_NO_LONGER_WORKS.operator);
    throw new Error('signed out');
  }
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string } }).error;
    throw new ApiError(response.status, error?.code, error?.message ?? `Error ${response.status}`);
  }
  return data as T;
}

const operatorPath = () => `/sites/${session!.siteId}/operators/${session!.operatorId}`;
const chatPath = (chat: Chat) => `/sites/${session!.siteId}/chats/${encodeURIComponent(chat.id)}`;
const codeOf = (error: unknown) => (error instanceof ApiError ? error.code : undefined);

function showStatus(next: Status) {
  status = next;
  for (const button of statusButtons) button.setAttribute('aria-pressed', String(button.dataset.status === next));
  // A heartbeat only while the operator wants to be seen; closing the page stops it, and the sweep does the rest.
  window.clearInterval(heartbeat);
  heartbeat = undefined;
  if (next !== 'offline') {
    heartbeat = window.setInterval(() => {
      api('POST', `${operatorPath()}/heartbeat`).catch(() => say('Heartbeat failed; retrying.', true));
    }, heartbeatMs);
  }
}

async function setStatus(next: Status) {
  try {
    const { operator } = await api<{ operator: Operator }>('PUT', `${operatorPath()}/status`, { status: next });
    showStatus(operator.status);
    say(`You are ${operator.status}.`);
  } catch (error) {
    report(error);
  }
}

// ---------- the open chats ----------

interface ChatRow {
  chat: Chat;
  tr: HTMLTableRowElement;
  started: HTMLTableCellElement;
  visitor: HTMLTableCellElement;
  /** The contact the visitor gave and its first message. */
  gave: HTMLTableCellElement;
  answer: HTMLTableCellElement;
  client: HTMLTableCellElement;
  group: HTMLTableCellElement;
  assignedBy: HTMLTableCellElement;
  actions: HTMLTableCellElement;
  messagesButton: HTMLButtonElement;
  accept: HTMLButtonElement;
  transfer: HTMLButtonElement;
  close: HTMLButtonElement;
  /** An accept, transfer or close of it is under way: a list read meanwhile may already miss it. */
  busy: boolean;
  /** The messages read so far, in order; the last id read (the next read starts after it). */
  messages: Message[];
  after: string | undefined;
  reading: boolean;
  /** The visitor's messages that came while the conversation was not open. */
  unread: number;
  /** What the operator had typed when another conversation was opened. */
  draft: string;
}

/** The rows shown, by chat id: kept across refreshes, so that a button keeps its focus. */
const rows = new Map<string, ChatRow>();
/** The row whose transfer form is open. */
let transferring: ChatRow | null = null;
/** Chats closed here: a list read late (the service's index lags a little) or an event must not bring them back. */
const closedHere = new Set<string>();

function button(text: string, label: string, className = ''): HTMLButtonElement {
  const element = Object.assign(document.createElement('button'), { type: 'button', textContent: text, className });
  element.setAttribute('aria-label', label);
  return element;
}

/** "1:05" for 65 seconds. */
function clock(seconds: number) {
  const whole = Math.max(0, Math.floor(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/** Accepted, or how long the chat has waited for an accept (or, when the console knows the timeout, how long is left). */
function answerText(chat: Chat): string {
  if (chat.acceptedAt) return 'Accepted';
  if (!chat.assignedAt) return 'Not accepted';
  const waited = (Date.now() - Date.parse(chat.assignedAt)) / 1000;
  if (answerTimeoutSeconds === null) return `Not accepted (assigned ${clock(waited)} ago)`;
  const left = answerTimeoutSeconds - waited;
  return left > 0 ? `Not accepted: ${clock(left)} left to accept` : 'Not accepted: the time to accept is up';
}

function showAnswer(row: ChatRow) {
  const text = answerText(row.chat);
  if (row.answer.textContent !== text) row.answer.textContent = text;
  row.answer.classList.toggle('accepted', Boolean(row.chat.acceptedAt));
}

function createChatRow(chat: Chat): ChatRow {
  // Each cell's class names its column: on a phone the row is a card, and the classes lay it out.
  const cell = (className: string) => Object.assign(document.createElement('td'), { className });
  const row: ChatRow = {
    chat,
    tr: document.createElement('tr'),
    started: cell('started'),
    visitor: cell('visitor'),
    gave: cell('gave'),
    answer: cell('answer'),
    client: cell('client'),
    group: cell('group'),
    assignedBy: cell('assigned-by'),
    actions: cell('actions'),
    messagesButton: button('Messages', `Messages with ${chat.visitorId}`),
    accept: button('Accept', `Accept chat with ${chat.visitorId}`, 'primary'),
    transfer: button('Transfer', `Transfer chat with ${chat.visitorId}`),
    close: button('Close', `Close chat with ${chat.visitorId}`, 'danger'),
    busy: false,
    messages: [],
    after: undefined,
    reading: false,
    unread: 0,
    draft: '',
  };
  row.tr.dataset.chatId = chat.id;
  row.messagesButton.setAttribute('aria-controls', 'conversation');
  row.messagesButton.setAttribute('aria-expanded', 'false');
  row.messagesButton.addEventListener('click', () => openConversation(row));
  row.transfer.setAttribute('aria-controls', 'transfer-form');
  row.transfer.setAttribute('aria-expanded', 'false');
  row.accept.addEventListener('click', () => void accept(row));
  row.transfer.addEventListener('click', () => openTransfer(row));
  row.close.addEventListener('click', () => void closeChat(row));
  const actions = Object.assign(document.createElement('div'), { className: 'row' });
  actions.append(row.messagesButton, row.accept, row.transfer, row.close);
  row.actions.append(actions);
  row.tr.append(row.started, row.visitor, row.gave, row.answer, row.client, row.group, row.assignedBy, row.actions);
  return row;
}

function updateChatRow(row: ChatRow, chat: Chat) {
  row.chat = chat;
  const started = new Date(chat.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const texts: [HTMLTableCellElement, string][] = [
    [row.started, started],
    [row.visitor, chat.visitorId],
    [row.client, chat.clientType],
    [row.group, chat.group ?? '—'],
    [row.assignedBy, chat.assignedBy ?? ''],
  ];
  for (const [cell, text] of texts) if (cell.textContent !== text) cell.textContent = text;
  showGave(row);
  showAnswer(row);
  if (chat.acceptedAt && document.activeElement === row.accept) row.transfer.focus();
  row.accept.hidden = Boolean(chat.acceptedAt);
}

function showEmpty() {
  $('#chats').hidden = rows.size === 0;
  $('#no-chats').hidden = rows.size > 0;
}

/** Takes the chat's row away (closed, transferred or taken back). */
function removeRow(row: ChatRow) {
  generation++;
  row.tr.remove();
  rows.delete(row.chat.id);
  if (transferring === row) closeTransfer(false);
  showEmpty();
}

/** Closed here or transferred: its conversation has nothing more to show. */
function forgetRow(row: ChatRow) {
  removeRow(row);
  if (talking === row) hideConversation(false);
}

/** Shows `chats` in their order, reusing the rows there are; returns the chats that left the list. */
function renderChats(chats: Chat[]): Chat[] {
  const body = $('#chats tbody');
  const seen = new Set<string>();
  chats = chats.filter((chat) => !closedHere.has(chat.id));
  chats.forEach((chat, index) => {
    seen.add(chat.id);
    let row = rows.get(chat.id);
    if (!row) rows.set(chat.id, (row = createChatRow(chat)));
    updateChatRow(row, chat);
    // Only rows out of place move: moving one would take the focus from its buttons.
    const current = body.children[index] ?? null;
    if (current !== row.tr) body.insertBefore(row.tr, current);
  });
  const gone: Chat[] = [];
  for (const row of [...rows.values()]) {
    if (seen.has(row.chat.id) || row.busy) continue;
    gone.push(row.chat);
    row.tr.remove();
    rows.delete(row.chat.id);
    if (transferring === row) closeTransfer(false);
    endConversation(row, 'This chat has left your list (see the notices above): you can no longer write in it.');
  }
  showEmpty();
  announceNew(chats);
  return gone;
}

/** Where a row goes: the list is newest first (by creation, as the service lists it). */
function placeRow(row: ChatRow) {
  const body = $('#chats tbody');
  const newer = (a: Chat, b: Chat) => a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id);
  const next = [...rows.values()].filter((other) => other !== row && other.tr.isConnected && newer(row.chat, other.chat));
  next.sort((a, b) => (newer(a.chat, b.chat) ? -1 : 1));
  body.insertBefore(row.tr, next[0]?.tr ?? null);
}

const chatName = (chat: Chat) => `Chat ${chat.id} (visitor ${chat.visitorId})`;

/** Why a chat that was not closed here is no longer this operator's, as far as the console can tell. */
function takenBackText(chat: Chat) {
  if (chat.acceptedAt) return `${chatName(chat)} was moved to another operator or group.`;
  if (status === 'offline') return `${chatName(chat)} was taken back: you went offline before accepting it.`;
  return `${chatName(chat)} was taken back: it was not accepted in time.`;
}

/** A chat left the list without this page closing or transferring it: closed by the visitor, or taken back. */
async function explainGone(chat: Chat) {
  try {
    const { chat: now } = await api<{ chat: Chat }>('GET', chatPath(chat));
    if (now.status === 'closed') {
      notice(`${chatName(chat)} was closed by the visitor.`);
      return;
    }
    // Still this operator's: the list was behind; the next refresh shows it again.
    if (now.status === 'assigned' && now.operatorId === session?.operatorId) return;
  } catch (error) {
    if ((error as Error).message === 'signed out') return;
    // 403: the chat is someone else's now (or waits for someone): it was taken back.
  }
  notice(takenBackText(chat));
}

async function loadChats() {
  if (!session) return;
  const started = generation;
  const { chats } = await api<{ chats: Chat[] }>('GET', `${operatorPath()}/chats`);
  if (!session || started !== generation) return;
  for (const chat of renderChats(chats)) void explainGone(chat);
  listed = true;
  // New messages of every chat (the open conversation also reads its own every 2 s while the socket is down).
  for (const row of rows.values()) void readMessages(row);
}

/** A refused accept or close: the chat is no longer this operator's, or it is closed. True when handled so. */
function lostChat(row: ChatRow, error: unknown): boolean {
  const code = codeOf(error);
  if (code === 'chat_not_yours' || (error instanceof ApiError && error.status === 403)) {
    removeRow(row);
    notice(takenBackText(row.chat));
    endConversation(row, 'This chat is no longer yours (taken back or moved to another operator): you can no longer write in it.');
    return true;
  }
  if (code === 'chat_closed') {
    removeRow(row);
    notice(`${chatName(row.chat)} was closed by the visitor.`);
    endConversation(row, 'The visitor closed this chat.');
    return true;
  }
  return false;
}

async function accept(row: ChatRow) {
  // The button goes once the chat is accepted: the focus then moves to the row's Transfer button.
  const focused = document.activeElement === row.accept;
  row.accept.disabled = row.busy = true;
  try {
    const { chat } = await api<{ chat: Chat }>('POST', `${chatPath(row.chat)}/accept`);
    generation++; // a list read before the accept would show it not accepted
    updateChatRow(row, chat);
    if (focused) row.transfer.focus();
    say(`Chat with ${chat.visitorId} accepted.`);
  } catch (error) {
    if (!lostChat(row, error)) report(error, 'Could not accept the chat: ');
  } finally {
    row.accept.disabled = row.busy = false;
  }
}

async function closeChat(row: ChatRow) {
  row.close.disabled = row.busy = true;
  try {
    await api('POST', `${chatPath(row.chat)}/close`);
    closedHere.add(row.chat.id);
    forgetRow(row);
    say(`Chat with ${row.chat.visitorId} closed.`);
    await loadChats();
  } catch (error) {
    if (!lostChat(row, error)) report(error);
  } finally {
    row.close.disabled = row.busy = false;
  }
}

/** Refreshes the waiting times shown (every second). */
function tick() {
  for (const row of rows.values()) if (!row.chat.acceptedAt) showAnswer(row);
}

// ---------- a new chat: a sound and a count in the tab's title ----------

const TITLE = document.title;
const muteButton = $<HTMLButtonElement>('#mute');
/** The chats already told of (id and assignment time: a chat that comes back is new again). */
const announced = new Set<string>();
/** Set once the first list is shown: the chats in it are not new. */
let listed = false;
/** New chats since the operator last looked at the page. */
let unseen = 0;
let plays = 0;
let audio: AudioContext | undefined;

function readMuted() {
  try {
    return localStorage.getItem(MUTE_KEY) === 'true';
  } catch {
    return false;
  }
}
let muted = readMuted();

function showMuted() {
  muteButton.setAttribute('aria-pressed', String(muted));
}

/** Browsers start sound only after the user has used the page: each click or key makes sure it may. */
function unlockAudio() {
  if (muted) return;
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume();
  } catch {
    // No Web Audio here: new chats are still counted in the title.
  }
}

/**
 * Two short soft tones, made on the spot (no sound file to load). Counted in data-sound-plays
 * (for tests) even before the operator has used the page, when the browser keeps it silent.
 */
function ring() {
  if (muted) return;
  plays += 1;
  document.documentElement.dataset.soundPlays = String(plays);
  try {
    audio ??= new AudioContext();
    // Not allowed to play yet: scheduled now, the tones would sound at the operator's next click.
    if (audio.state !== 'running') return;
    const start = audio.currentTime + 0.01;
    [880, 1175].forEach((frequency, index) => {
      const at = start + index * 0.16;
      const tone = audio!.createOscillator();
      const volume = audio!.createGain();
      tone.frequency.value = frequency;
      volume.gain.setValueAtTime(0.0001, at);
      volume.gain.exponentialRampToValueAtTime(0.15, at + 0.02);
      volume.gain.exponentialRampToValueAtTime(0.0001, at + 0.3);
      tone.connect(volume).connect(audio!.destination);
      tone.start(at);
      tone.stop(at + 0.32);
    });
  } catch {
    // No Web Audio here: the title still tells.
  }
}

function showUnseen() {
  const title = unseen ? `(${unseen}) ${TITLE}` : TITLE;
  if (document.title !== title) document.title = title;
}

/** The operator is at the page: the count goes. */
function looked() {
  if (!unseen) return;
  unseen = 0;
  showUnseen();
}

/** Tells of the chats not told of yet (none from the first list): one sound, and the count in the title. */
function announceNew(chats: Chat[]) {
  let fresh = 0;
  for (const chat of chats) {
    const key = `${chat.id} ${chat.assignedAt ?? ''}`;
    if (announced.has(key)) continue;
    announced.add(key);
    fresh += 1;
  }
  if (!fresh || !listed) return;
  unseen += fresh;
  showUnseen();
  ring();
}

muteButton.addEventListener('click', () => {
  muted = !muted;
  showMuted();
  try {
    localStorage.setItem(MUTE_KEY, String(muted));
  } catch {
    // Storage blocked: the choice lasts while the page is open.
  }
  say(muted ? 'The new-chat sound is muted.' : 'The new-chat sound is on.');
});
showMuted();
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') looked();
});
window.addEventListener('focus', looked);
for (const type of ['pointerdown', 'keydown'] as const) {
  document.addEventListener(
    type,
    () => {
      looked();
      unlockAudio();
    },
    true,
  );
}

// ---------- live updates ----------

/** The site's queue: how many chats wait. */
function showQueue(waiting: number) {
  const count = $('#queue-count');
  const text = `${waiting} waiting`;
  if (count.textContent !== text) count.textContent = text;
  $('#queue-line').hidden = false;
}

/**
 * A chat as the socket tells it: still this operator's (a new row, or its row updated), or no
 * longer (closed, taken back, moved to another operator or group: its row goes, and a notice says
 * why). Returns its row while it is this operator's.
 */
function applyChat(pushed: Chat): ChatRow | undefined {
  let chat = pushed;
  if (closedHere.has(chat.id)) return undefined;
  let row = rows.get(chat.id);
  if (row?.busy) return row; // an accept, transfer or close of it is under way here: that tells
  // A list read that started before this is older: it must not undo it.
  generation++;
  if (chat.status !== 'assigned' || chat.operatorId !== session?.operatorId) {
    if (!row) return undefined;
    removeRow(row);
    if (chat.status === 'closed') {
      notice(`${chatName(chat)} was closed by the visitor.`);
      endConversation(row, 'The visitor closed this chat.');
    } else {
      notice(takenBackText(row.chat));
      endConversation(row, 'This chat is no longer yours (taken back or moved to another operator): you can no longer write in it.');
      // Missed chats may have set this operator away (or the sweep offline): the status is not pushed, so it is read.
      window.setTimeout(() => void syncStatus().catch(() => undefined), 1_500);
    }
    return undefined;
  }
  if (row) {
    // An event written before this page's own accept still shows the chat unaccepted.
    if (row.chat.acceptedAt && !chat.acceptedAt && row.chat.assignedAt === chat.assignedAt) chat = { ...chat, acceptedAt: row.chat.acceptedAt };
    updateChatRow(row, chat);
    return row;
  }
  rows.set(chat.id, (row = createChatRow(chat)));
  updateChatRow(row, chat);
  placeRow(row);
  showEmpty();
  announceNew([chat]);
  void readMessages(row); // what the visitor wrote before it was assigned (its first message)
  return row;
}

function onLive(event: LiveEvent) {
  if (!session) return;
  if (event.type === 'queue.length') return showQueue(Number(event.waiting));
  const chat = event.chat as Chat | undefined;
  if (typeof chat?.id !== 'string') return;
  const row = applyChat(chat);
  if (event.type === 'message.created' && row && event.message) addMessages(row, [event.message as Message]);
}

function onLiveState(up: boolean) {
  liveUp = up;
  document.documentElement.dataset.live = up ? 'up' : 'down';
  // Up: one look at once for what changed while it was opening or down, then the safety poll; down: polling again.
  pollFailures = 0;
  schedulePoll(up ? 0 : undefined);
}

/** Listens on the socket the service named (none: polling alone). */
function startLive(url: string | null | undefined) {
  stopLive?.();
  liveUp = false;
  document.documentElement.dataset.live = url ? 'down' : 'off';
  stopLive = url ? connectLive(url, { siteId: session!.siteId, token: session!.token }, onLive, onLiveState) : undefined;
}

// ---------- polling ----------

/**
 * The next look at the chats, the status and the queue: `delay` (0: at once, even with `?poll=off`),
 * else every 4 s while the socket is down (backing off after failures), once a minute while it is up.
 */
function schedulePoll(delay?: number) {
  window.clearTimeout(pollTimer);
  pollTimer = undefined;
  if (!session) return;
  if (delay === undefined) {
    if (!POLLING) return;
    // While looks fail, sooner than the safety poll even with the socket up.
    delay = liveUp && !pollFailures ? SAFETY_MS : Math.min(MAX_REFRESH_MS, REFRESH_MS * 2 ** pollFailures);
  }
  pollTimer = window.setTimeout(() => void poll(), delay);
}

async function poll() {
  const results = await Promise.allSettled([loadChats(), syncStatus(), loadQueue()]);
  // Not reaching the service (or its 5xx) backs off; a refusal (4xx) is the page's to tell.
  const failed = results.some((result) => result.status === 'rejected' && !(result.reason instanceof ApiError && result.reason.status < 500));
  pollFailures = failed ? Math.min(pollFailures + 1, 4) : 0;
  schedulePoll();
}

// ---------- conversations ----------

const talk = {
  section: $('#conversation'),
  title: $('#conversation-title'),
  contact: $('#conversation-contact'),
  log: $('#conversation-log'),
  empty: $('#conversation-empty'),
  form: $<HTMLFormElement>('#reply-form'),
  text: $<HTMLTextAreaElement>('#reply-text'),
  count: $('#reply-count'),
  error: $('#reply-error'),
  send: $<HTMLButtonElement>('#reply-send'),
};
/** The row whose conversation is open, and the timer reading its new messages. */
let talking: ChatRow | null = null;
let talkTimer: number | undefined;
let sending = false;

/** "Ann Smith · ann@example.com", or '' when the visitor gave neither. */
function contactText(chat: Chat) {
  return [chat.contact?.name, chat.contact?.email].filter(Boolean).join(' · ');
}

const firstVisitorMessage = (row: ChatRow) => row.messages.find((message) => message.from === 'visitor');

/** The row's "From the visitor" cell: the contact and the start of its first message. */
function showGave(row: ChatRow) {
  const contact = contactText(row.chat);
  const first = firstVisitorMessage(row)?.text ?? '';
  const short = first.length > 100 ? `${first.slice(0, 99)}…` : first;
  const signature = `${contact}\n${short}`;
  if (row.gave.dataset.shown === signature) return;
  row.gave.dataset.shown = signature;
  const parts: HTMLElement[] = [];
  if (contact) parts.push(Object.assign(document.createElement('span'), { className: 'contact', textContent: contact }));
  if (short) parts.push(Object.assign(document.createElement('span'), { className: 'first', textContent: `“${short}”`, title: first }));
  if (!parts.length) parts.push(Object.assign(document.createElement('span'), { className: 'muted', textContent: '—' }));
  row.gave.replaceChildren(...parts);
}

/** The Messages button, with how many of the visitor's messages came since the conversation was last open. */
function showUnread(row: ChatRow) {
  const text = row.unread ? `Messages (${row.unread} new)` : 'Messages';
  if (row.messagesButton.textContent === text) return;
  row.messagesButton.textContent = text;
  row.messagesButton.setAttribute('aria-label', `Messages with ${row.chat.visitorId}${row.unread ? ` (${row.unread} new)` : ''}`);
  row.messagesButton.classList.toggle('unread', row.unread > 0);
}

function time(iso: string) {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function messageItem(message: Message): HTMLElement {
  const who =
    message.from === 'visitor' ? 'Visitor' : message.operatorId === session?.operatorId ? 'You' : `Operator ${message.operatorId ?? ''}`.trim();
  const item = Object.assign(document.createElement('p'), { className: `msg ${message.from}` });
  item.dataset.id = message.id;
  item.append(Object.assign(document.createElement('span'), { className: 'who', textContent: `${who} · ${time(message.createdAt)}` }), message.text);
  return item;
}

/** Adds messages to the row, in id order, each once; shows them when its conversation is open, else counts them. */
function addMessages(row: ChatRow, messages: Message[]) {
  let added = false;
  for (const message of messages) {
    if (row.messages.some((known) => known.id === message.id)) continue;
    // Usually the last; one read late (written before the operator's own last) goes before the later ones.
    let index = row.messages.length;
    while (index > 0 && row.messages[index - 1]!.id > message.id) index -= 1;
    row.messages.splice(index, 0, message);
    added = true;
    if (talking === row) {
      const atEnd = talk.log.scrollHeight - talk.log.scrollTop - talk.log.clientHeight < 40;
      talk.log.insertBefore(messageItem(message), talk.log.children[index] ?? null);
      if (atEnd || message.from === 'operator') talk.log.scrollTop = talk.log.scrollHeight;
    } else if (message.from === 'visitor') {
      row.unread += 1;
    }
  }
  if (!added) return;
  if (talking === row) talk.empty.hidden = true;
  showGave(row);
  showUnread(row);
}

/** Reads the chat's messages after the last one read (a few pages at most at a time). */
async function readMessages(row: ChatRow) {
  if (row.reading || !session) return;
  row.reading = true;
  try {
    for (let page = 0; page < 10; page++) {
      const query = row.after ? `?after=${encodeURIComponent(row.after)}` : '';
      const { messages } = await api<{ messages: Message[] }>('GET', `${chatPath(row.chat)}/messages${query}`);
      addMessages(row, messages);
      const last = messages[messages.length - 1];
      if (last) row.after = last.id;
      if (messages.length < MESSAGES_PAGE) break;
    }
  } catch {
    // A chat taken back or closed meanwhile: the list refresh tells; anything else: the next read tries again.
  } finally {
    row.reading = false;
  }
}

function showCount() {
  talk.count.textContent = `${talk.text.value.length} / 4000 characters`;
}

/** Opens the row's conversation below the list (one at a time); the reply box gets the focus. */
function openConversation(row: ChatRow) {
  if (talking !== row) {
    if (talking) {
      talking.draft = talk.text.value;
      talking.messagesButton.setAttribute('aria-expanded', 'false');
    }
    talking = row;
    row.unread = 0;
    showUnread(row);
    row.messagesButton.setAttribute('aria-expanded', 'true');
    talk.title.textContent = `Conversation with ${row.chat.visitorId}`;
    const contact = contactText(row.chat);
    talk.contact.textContent = contact ? `The visitor gave: ${contact}` : 'The visitor gave no name or e-mail.';
    talk.log.replaceChildren(...row.messages.map(messageItem));
    talk.empty.hidden = row.messages.length > 0;
    talk.text.value = row.draft;
    talk.text.disabled = talk.send.disabled = false;
    talk.error.textContent = '';
    showCount();
    talk.section.hidden = false;
    talk.log.scrollTop = talk.log.scrollHeight;
    window.clearInterval(talkTimer);
    // While the socket is up, new messages come over it.
    talkTimer = window.setInterval(() => {
      if (POLLING && !liveUp && talking && rows.get(talking.chat.id) === talking) void readMessages(talking);
    }, CONVERSATION_MS);
    void readMessages(row);
  }
  talk.text.focus();
}

/** Hides the conversation; `refocus`: back to its row's Messages button. */
function hideConversation(refocus: boolean) {
  const row = talking;
  window.clearInterval(talkTimer);
  talkTimer = undefined;
  talking = null;
  talk.section.hidden = true;
  talk.log.replaceChildren();
  talk.error.textContent = '';
  if (!row) return;
  row.draft = talk.text.value;
  talk.text.value = '';
  row.messagesButton.setAttribute('aria-expanded', 'false');
  if (refocus && row.tr.isConnected) row.messagesButton.focus();
}

/** The chat is no longer this operator's: its conversation stays on screen, read only, saying why. */
function endConversation(row: ChatRow, why: string) {
  if (talking !== row) return;
  window.clearInterval(talkTimer);
  talkTimer = undefined;
  talk.text.disabled = talk.send.disabled = true;
  talk.error.textContent = why;
}

async function sendReply() {
  const row = talking;
  if (!row || sending || talk.text.disabled) return;
  const text = talk.text.value.trim();
  talk.error.textContent = '';
  if (!text) {
    talk.error.textContent = 'Write a reply first.';
    talk.text.focus();
    return;
  }
  sending = talk.send.disabled = true;
  row.busy = true;
  try {
    const { message } = await api<{ message: Message }>('POST', `${chatPath(row.chat)}/messages`, { text });
    if (talking === row) {
      talk.text.value = '';
      showCount();
    } else {
      row.draft = '';
    }
    addMessages(row, [message]);
    if (!row.chat.acceptedAt) {
      // The first reply accepted the chat (the next list read brings the service's own time).
      generation++;
      updateChatRow(row, { ...row.chat, acceptedAt: message.createdAt });
      say(`Chat with ${row.chat.visitorId} accepted: your reply was sent.`);
    }
  } catch (error) {
    if (lostChat(row, error)) {
      endConversation(
        row,
        codeOf(error) === 'chat_closed'
          ? 'Not sent: the visitor closed this chat.'
          : 'Not sent: this chat is no longer yours (it was taken back or moved to another operator).',
      );
    } else if ((error as Error).message !== 'signed out' && talking === row) {
      talk.error.textContent = `Not sent: ${(error as Error).message}`;
    }
  } finally {
    sending = row.busy = false;
    if (!talk.text.disabled) talk.send.disabled = false;
    if (talking === row && !talk.text.disabled) talk.text.focus();
  }
}

talk.form.addEventListener('submit', (event) => {
  event.preventDefault();
  void sendReply();
});
talk.text.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    void sendReply();
  }
});
talk.text.addEventListener('input', showCount);
$('#conversation-hide').addEventListener('click', () => hideConversation(true));
talk.section.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') hideConversation(true);
});

// ---------- transfer ----------

const transferForm = $<HTMLFormElement>('#transfer-form');
const transferOperator = $<HTMLInputElement>('#transfer-operator');
const transferGroup = $<HTMLInputElement>('#transfer-group');
const transferKinds = [...document.querySelectorAll<HTMLInputElement>('input[name="transfer-to"]')];

const transferKind = () => (transferKinds.find((radio) => radio.checked)?.value === 'group' ? 'group' : 'operator');

/** Shows the field of the chosen kind (operator id or group id); only it is required. */
function showTransferKind() {
  const toGroup = transferKind() === 'group';
  $('#transfer-operator-field').hidden = toGroup;
  $('#transfer-group-field').hidden = !toGroup;
  transferOperator.required = !toGroup;
  transferGroup.required = toGroup;
}

function openTransfer(row: ChatRow) {
  if (transferring && transferring !== row) transferring.transfer.setAttribute('aria-expanded', 'false');
  transferring = row;
  row.transfer.setAttribute('aria-expanded', 'true');
  $('#transfer-title').textContent = `Transfer the chat with ${row.chat.visitorId}`;
  transferForm.hidden = false;
  showTransferKind();
  (transferKind() === 'group' ? transferGroup : transferOperator).focus();
}

/** Hides the form; `refocus`: back to the row's Transfer button (the form was cancelled). */
function closeTransfer(refocus: boolean) {
  const row = transferring;
  transferring = null;
  transferForm.hidden = true;
  transferForm.reset();
  showTransferKind();
  if (!row) return;
  row.transfer.setAttribute('aria-expanded', 'false');
  if (refocus && row.tr.isConnected) row.transfer.focus();
}

async function transfer() {
  const row = transferring;
  if (!row || !session) return;
  const toGroup = transferKind() === 'group';
  const target = (toGroup ? transferGroup : transferOperator).value.trim();
  const body = toGroup ? { group: target } : { operatorId: target };
  const submit = transferForm.querySelector<HTMLButtonElement>('button[type=submit]')!;
  submit.disabled = row.busy = true;
  try {
    const { chat } = await api<{ chat: Chat }>('POST', `${chatPath(row.chat)}/transfer`, body);
    closeTransfer(false);
    const where = toGroup ? `group ${target}` : `operator ${target}`;
    if (chat.status === 'assigned' && chat.operatorId === session.operatorId) {
      // Routed within the group, it came back to this operator.
      generation++;
      updateChatRow(row, chat);
      row.transfer.focus();
      say(`Chat with ${chat.visitorId} transferred to ${where}; it was given back to you.`);
    } else {
      forgetRow(row);
      say(`Chat with ${chat.visitorId} transferred to ${where}${chat.status === 'waiting' ? ': it waits for an operator of the group' : ''}.`);
    }
  } catch (error) {
    if (codeOf(error) === 'chat_not_yours' || codeOf(error) === 'chat_closed') {
      closeTransfer(false);
      lostChat(row, error);
    } else {
      report(error, 'Transfer failed: ');
      // Back to the field, to correct the id (the submit button lost the focus while disabled).
      (toGroup ? transferGroup : transferOperator).focus();
    }
  } finally {
    submit.disabled = row.busy = false;
  }
}

// ---------- signing in, status and refresh ----------

interface Me {
  role: TokenRole;
  siteId?: string;
  operatorId?: string;
  operator?: Operator;
  heartbeatTimeoutSeconds?: number;
  /** Not (yet) given to operators by the service; when it is, the console counts down. */
  answerTimeoutSeconds?: number | null;
  /** The socket to listen on (null: the service does not know it; the page polls). */
  liveUrl?: string | null;
}

/** The operator's groups, as the admin set them (ids: the console may not list the site's groups); also the transfer form's suggestions. */
function showGroups(operator: Operator) {
  const groups = operator.groups ?? [];
  const text = groups.length ? groups.join(', ') : 'none';
  const line = $('#my-groups');
  if (line.textContent !== text) line.textContent = text;
  const list = $('#my-group-ids');
  if ([...list.children].map((option) => (option as HTMLOptionElement).value).join('\n') !== groups.join('\n')) {
    list.replaceChildren(...groups.map((id) => Object.assign(document.createElement('option'), { value: id })));
  }
}

/** The status (and groups) as the service has them: the sweep may have set the operator offline (a laptop slept). */
async function syncStatus() {
  const me = await api<Me>('GET', '/me');
  if (me.operator) showGroups(me.operator);
  if (me.operator && me.operator.status !== status) {
    if (me.operator.status === 'offline' && status !== 'offline') {
      say('You were set offline because this page stopped answering for a while. Choose Online to take chats again.', true);
    } else if (me.operator.status === 'away' && status === 'online' && me.operator.missedInARow) {
      say(`You were set away after ${me.operator.missedInARow} chats in a row were not accepted in time. Choose Online to take chats again.`, true);
    }
    showStatus(me.operator.status);
  }
}

/** How many of the site's chats wait for an operator (any operator of the site may read the queue). */
async function loadQueue() {
  if (!session) return;
  const { waiting } = await api<{ waiting: unknown[] }>('GET', `/sites/${session.siteId}/queue`);
  if (session) showQueue(waiting.length);
}

async function enter(token: string) {
  const me = await whoIs<Me>(token, 'operator');
  if (!me.operator) throw new SignInError('unavailable', 'The service did not say which operator this token is. Try again in a moment.');
  session = { token, siteId: me.siteId!, operatorId: me.operatorId! };
  heartbeatMs = Math.min(20_000, ((me.heartbeatTimeoutSeconds ?? 90) * 1000) / 3);
  answerTimeoutSeconds = typeof me.answerTimeoutSeconds === 'number' ? me.answerTimeoutSeconds : null;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('#who').textContent = `${me.operator.name} (${me.operatorId})`;
  showGroups(me.operator);
  for (const id of ['#workspace', '#chats-card', '#sign-out']) $(id).hidden = false;
  $('#sign-in').hidden = true;
  showStatus(me.operator.status);
  // Listening before the first look: nothing pushed meanwhile is missed, and `data-live` is set
  // by the time the chats show.
  startLive(me.liveUrl);
  await loadChats();
  // The queue is extra: a failure to read it must not keep the operator from signing in.
  void loadQueue().catch(() => undefined);
  pollFailures = 0;
  schedulePoll();
  ticker = window.setInterval(tick, 1_000);
}

function signOut(reason?: string) {
  window.clearInterval(heartbeat);
  window.clearTimeout(pollTimer);
  window.clearInterval(ticker);
  heartbeat = pollTimer = ticker = undefined;
  stopLive?.();
  stopLive = undefined;
  liveUp = listed = false;
  delete document.documentElement.dataset.live;
  announced.clear();
  closedHere.clear();
  looked();
  session = null;
  sessionStorage.removeItem(TOKEN_KEY);
  closeTransfer(false);
  hideConversation(false);
  rows.clear();
  $('#chats tbody').replaceChildren();
  $('#chat-notices').replaceChildren();
  for (const id of ['#workspace', '#chats-card', '#sign-out']) $(id).hidden = true;
  $('#sign-in').hidden = false;
  $('#who').textContent = '';
  $('#queue-line').hidden = true;
  say(reason ?? 'You are signed out.', Boolean(reason));
}

$('#sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>('#token');
  const token = cleanToken(input.value);
  if (!token) {
    say('Paste your operator token first.', true);
    input.focus();
    return;
  }
  enter(token)
    .then(() => {
      input.value = '';
      say(`Signed in as ${$('#who').textContent}.`);
    })
    .catch((error: Error) => {
      say(error.message, true);
      input.focus();
    });
});
// Signing out also goes offline, so no chat is given to an operator who has left.
$('#sign-out').addEventListener('click', async () => {
  await api('PUT', `${operatorPath()}/status`, { status: 'offline' }).catch(() => undefined);
  signOut();
});
for (const button of statusButtons) {
  button.addEventListener('click', () => void setStatus(button.dataset.status as Status));
}
for (const radio of transferKinds) radio.addEventListener('change', showTransferKind);
transferForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void transfer();
});
$('#transfer-cancel').addEventListener('click', () => closeTransfer(true));
transferForm.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') closeTransfer(true);
});
// Closing the page stops the heartbeat at once (timers die with it); pagehide also covers bfcache.
window.addEventListener('pagehide', () => window.clearInterval(heartbeat));

const remembered = sessionStorage.getItem(TOKEN_KEY);
if (remembered) {
  enter(remembered).catch((error: Error) =>
    signOut(error instanceof SignInError && error.reason === 'unknown' ? TOKEN_NO_LONGER_WORKS.operator : error.message),
  );
}
