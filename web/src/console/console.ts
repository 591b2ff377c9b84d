/**
 * The operator console: sign in with the operator token, set the status, keep a heartbeat going
 * while the page is open, see its groups (departments), see and close the open chats and how
 * many chats wait in the site's queue (refreshed every few seconds).
 */
type Status = 'online' | 'away' | 'offline';
interface Operator {
  id: string;
  name: string;
  status: Status;
  /** The ids of the groups (departments) whose chats this operator takes. */
  groups: string[];
}
interface Chat {
  id: string;
  visitorId: string;
  clientType: string;
  assignedBy: string | null;
  createdAt: string;
  group: string | null;
}
interface Session {
  token: string;
  siteId: string;
  operatorId: string;
}

const TOKEN_KEY = 'chatdist.operator';
const REFRESH_MS = 4_000;

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const statusButtons = [...document.querySelectorAll<HTMLButtonElement>('button[data-status]')];

let session: Session | null = null;
let status: Status = 'offline';
/** A third of the site's heartbeat timeout, at most 20 s: two heartbeats may be lost before the sweep acts. */
let heartbeatMs = 20_000;
let heartbeat: number | undefined;
let refresh: number | undefined;

function say(text: string, isError = false) {
  const box = $('#status-message');
  box.textContent = text;
  box.classList.toggle('error', isError);
  box.hidden = false;
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
  if (!response.ok) throw new Error((data as { error?: { message?: string } }).error?.message ?? `Error ${response.status}`);
  return data as T;
}

const operatorPath = () => `/sites/${session!.siteId}/operators/${session!.operatorId}`;

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
    if ((error as Error).message !== 'signed out') say((error as Error).message, true);
  }
}

function chatRow(chat: Chat): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.chatId = chat.id;
  const started = new Date(chat.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  for (const text of [started, chat.visitorId, chat.clientType, chat.group ?? '—', chat.assignedBy ?? '']) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  const action = document.createElement('td');
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'danger';
  close.textContent = 'Close';
  close.setAttribute('aria-label', `Close chat with ${chat.visitorId}`);
  close.addEventListener('click', async () => {
    close.disabled = true;
    try {
      await api('POST', `/sites/${session!.siteId}/chats/${chat.id}/close`);
      say(`Chat with ${chat.visitorId} closed.`);
      await loadChats();
    } catch (error) {
      close.disabled = false;
      if ((error as Error).message !== 'signed out') say((error as Error).message, true);
    }
  });
  action.append(close);
  row.append(action);
  return row;
}

interface Me {
  role: string;
  siteId?: string;
  operatorId?: string;
  operator?: Operator;
  heartbeatTimeoutSeconds?: number;
}

/** The operator's groups, as the admin set them (ids: the console may not list the site's groups). */
function showGroups(operator: Operator) {
  const text = operator.groups?.length ? operator.groups.join(', ') : 'none';
  const line = $('#my-groups');
  if (line.textContent !== text) line.textContent = text;
}

/** The status (and groups) as the service has them: the sweep may have set the operator offline (a laptop slept). */
async function syncStatus() {
  const me = await api<Me>('GET', '/me');
  if (me.operator) showGroups(me.operator);
  if (me.operator && me.operator.status !== status) {
    if (me.operator.status === 'offline' && status !== 'offline') {
      say('You were set offline because this page stopped answering for a while. Choose Online to take chats again.', true);
    }
    showStatus(me.operator.status);
  }
}

async function loadChats() {
  if (!session) return;
  const { chats } = await api<{ chats: Chat[] }>('GET', `${operatorPath()}/chats`);
  $('#chats tbody').replaceChildren(...chats.map(chatRow));
  $('#chats').hidden = chats.length === 0;
  $('#no-chats').hidden = chats.length > 0;
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
}

function signOut(reason?: string) {
  window.clearInterval(heartbeat);
  window.clearInterval(refresh);
  heartbeat = refresh = undefined;
  session = null;
  sessionStorage.removeItem(TOKEN_KEY);
  for (const id of ['#workspace', '#chats-card', '#sign-out']) $(id).hidden = true;
  $('#sign-in').hidden = false;
  $('#who').textContent = '';
  $('#queue-line').hidden = true;
  if (reason) say(reason, true);
}

$('#sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $<HTMLInputElement>('#token').value.trim();
  enter(token).catch((error: Error) => {
    if (error.message !== 'signed out') say(error.message, true);
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
// Closing the page stops the heartbeat at once (timers die with it); pagehide also covers bfcache.
window.addEventListener('pagehide', () => window.clearInterval(heartbeat));

const remembered = sessionStorage.getItem(TOKEN_KEY);
if (remembered) enter(remembered).catch(() => signOut());
