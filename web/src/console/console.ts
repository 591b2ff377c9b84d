/**
 * The operator console: sign in with the operator token, set the status, keep a heartbeat going
 * while the page is open, see its groups (departments), see, accept, transfer and close the open
 * chats and how many chats wait in the site's queue (refreshed every few seconds). A chat that
 * leaves the list without the operator closing or transferring it (taken back when it was not
 * accepted in time, closed by the visitor) is told in a live region.
 */
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
}
interface Session {
  token: string;
  siteId: string;
  operatorId: string;
}

const TOKEN_KEY = 'chatdist.operator';
const REFRESH_MS = 4_000;
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
let refresh: number | undefined;
let ticker: number | undefined;
/** Bumped by every change made here, so that a list read before it is not shown. */
let generation = 0;

function say(text: string, isError = false) {
  const box = $('#status-message');
  box.textContent = text;
  box.classList.toggle('error', isError);
  box.hidden = false;
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
    signOut('Your token is no longer valid. Sign in again.');
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
  answer: HTMLTableCellElement;
  client: HTMLTableCellElement;
  group: HTMLTableCellElement;
  assignedBy: HTMLTableCellElement;
  accept: HTMLButtonElement;
  transfer: HTMLButtonElement;
  close: HTMLButtonElement;
  /** An accept, transfer or close of it is under way: a list read meanwhile may already miss it. */
  busy: boolean;
}

/** The rows shown, by chat id: kept across refreshes, so that a button keeps its focus. */
const rows = new Map<string, ChatRow>();
/** The row whose transfer form is open. */
let transferring: ChatRow | null = null;

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
  const cell = () => document.createElement('td');
  const row: ChatRow = {
    chat,
    tr: document.createElement('tr'),
    started: cell(),
    visitor: cell(),
    answer: cell(),
    client: cell(),
    group: cell(),
    assignedBy: cell(),
    accept: button('Accept', `Accept chat with ${chat.visitorId}`, 'primary'),
    transfer: button('Transfer', `Transfer chat with ${chat.visitorId}`),
    close: button('Close', `Close chat with ${chat.visitorId}`, 'danger'),
    busy: false,
  };
  row.tr.dataset.chatId = chat.id;
  row.answer.className = 'answer';
  row.transfer.setAttribute('aria-controls', 'transfer-form');
  row.transfer.setAttribute('aria-expanded', 'false');
  row.accept.addEventListener('click', () => void accept(row));
  row.transfer.addEventListener('click', () => openTransfer(row));
  row.close.addEventListener('click', () => void closeChat(row));
  const actions = Object.assign(document.createElement('div'), { className: 'row' });
  actions.append(row.accept, row.transfer, row.close);
  const action = cell();
  action.append(actions);
  row.tr.append(row.started, row.visitor, row.answer, row.client, row.group, row.assignedBy, action);
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

/** Shows `chats` in their order, reusing the rows there are; returns the chats that left the list. */
function renderChats(chats: Chat[]): Chat[] {
  const body = $('#chats tbody');
  const seen = new Set<string>();
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
  }
  showEmpty();
  return gone;
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
}

/** A refused accept or close: the chat is no longer this operator's, or it is closed. True when handled so. */
function lostChat(row: ChatRow, error: unknown): boolean {
  const code = codeOf(error);
  if (code === 'chat_not_yours' || (error instanceof ApiError && error.status === 403)) {
    removeRow(row);
    notice(takenBackText(row.chat));
    return true;
  }
  if (code === 'chat_closed') {
    removeRow(row);
    notice(`${chatName(row.chat)} was closed by the visitor.`);
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
    removeRow(row);
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
      removeRow(row);
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
  role: string;
  siteId?: string;
  operatorId?: string;
  operator?: Operator;
  heartbeatTimeoutSeconds?: number;
  /** Not (yet) given to operators by the service; when it is, the console counts down. */
  answerTimeoutSeconds?: number | null;
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
  const count = $('#queue-count');
  const text = `${waiting.length} waiting`;
  if (count.textContent !== text) count.textContent = text;
  $('#queue-line').hidden = false;
}

async function enter(token: string) {
  session = { token, siteId: '', operatorId: '' };
  const me = await api<Me>('GET', '/me');
  if (me.role !== 'operator' || !me.operator) {
    session = null;
    say('This is not an operator token.', true);
    return;
  }
  session = { token, siteId: me.siteId!, operatorId: me.operatorId! };
  heartbeatMs = Math.min(20_000, ((me.heartbeatTimeoutSeconds ?? 90) * 1000) / 3);
  answerTimeoutSeconds = typeof me.answerTimeoutSeconds === 'number' ? me.answerTimeoutSeconds : null;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('#who').textContent = `${me.operator.name} (${me.operatorId})`;
  showGroups(me.operator);
  for (const id of ['#workspace', '#chats-card', '#sign-out']) $(id).hidden = false;
  $('#sign-in').hidden = true;
  showStatus(me.operator.status);
  await loadChats();
  // The queue is extra: a failure to read it must not keep the operator from signing in.
  void loadQueue().catch(() => undefined);
  refresh = window.setInterval(() => {
    for (const step of [loadChats, syncStatus, loadQueue]) step().catch(() => undefined);
  }, REFRESH_MS);
  ticker = window.setInterval(tick, 1_000);
}

function signOut(reason?: string) {
  window.clearInterval(heartbeat);
  window.clearInterval(refresh);
  window.clearInterval(ticker);
  heartbeat = refresh = ticker = undefined;
  session = null;
  sessionStorage.removeItem(TOKEN_KEY);
  closeTransfer(false);
  rows.clear();
  $('#chats tbody').replaceChildren();
  $('#chat-notices').replaceChildren();
  for (const id of ['#workspace', '#chats-card', '#sign-out']) $(id).hidden = true;
  $('#sign-in').hidden = false;
  $('#who').textContent = '';
  $('#queue-line').hidden = true;
  if (reason) say(reason, true);
}

$('#sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $<HTMLInputElement>('#token').value.trim();
  enter(token).catch((error: Error) => report(error));
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
if (remembered) enter(remembered).catch(() => signOut());
