/**
 * The site administrator's page: sign in with the admin token, edit the site's settings and
 * shared avatar, manage groups (departments) and operators (tables refreshed every few seconds;
 * each operator's groups are checkboxes in its row), read the follow-up requests (chats nobody
 * took, with the contact and messages the visitor left), set the webhook URL (its signing secret
 * shown once, when a first URL is saved or the secret is rotated) and read the latest webhook
 * deliveries, and copy the widget snippet. The Statistics card draws the last 7, 30 or 90 days
 * (stats-chart.ts), refreshed with the rest. Plain DOM; every piece of data is written with
 * textContent.
 */

// The registry is pure (no I/O): esbuild bundles it, so the picker follows the service's modes.
import { ASSIGNMENT_METHODS, DISTRIBUTION_MODES, type AssignedBy, type DistributionMode } from '../../../lib/domain/distribution/index.js';
import { MAX_AVATAR_BYTES, sniffImageType } from '../../../lib/domain/image.js';
import { cleanToken, SignInError, TOKEN_NO_LONGER_WORKS, whoIs, type TokenRole } from '../shared/sign-in.js';
import { chatsChart, chatsLegend, dayRows, periodStart, secondsText, waitChart, waitLegend, type Stats } from './stats-chart.js';

type Distribution = DistributionMode;
type Status = 'online' | 'away' | 'offline';
type Method = AssignedBy;

interface Settings {
  siteId: string;
  name: string;
  distribution: Distribution;
  defaultOperators: { regular: string | null; target: string | null };
  allowVisitorChoice: boolean;
  sharedAvatarUrl: string | null;
  heartbeatTimeoutSeconds: number;
  maxOpenChatsPerVisitor: number | null;
  queueEnabled: boolean;
  maxWaitingChats: number | null;
  maxWaitSeconds: number;
  returningVisitorDays: number | null;
  answerTimeoutSeconds: number | null;
  awayAfterMisses: number | null;
  language: 'en' | 'ru';
  webhookUrl: string | null;
  retentionDays: number;
  /** Only in the reply of the PUT that sets a URL where there was none: shown once. */
  webhookSecret?: string;
}

/** A webhook event's delivery: its last attempt and how it went. */
interface Delivery {
  eventId: string;
  type: string;
  occurredAt: string;
  state: 'delivered' | 'retrying' | 'failed';
  attempts: number;
  responseStatus: number | null;
  error: string | null;
  lastAttemptAt: string;
}

interface Operator {
  id: string;
  name: string;
  status: Status;
  maxChats: number | null;
  activeChats: number;
  assigned: number;
  groups: string[];
  /** Chats ever taken back from the operator unanswered, and how many in a row (an accept resets it). */
  missed: number;
  missedInARow: number;
}

interface Group {
  id: string;
  name: string;
  fallbackAfterSeconds: number | null;
}

/** A chat nobody took: a follow-up request. */
interface FollowUp {
  id: string;
  visitorId: string;
  createdAt: string;
  group: string | null;
  contact: { name: string | null; email: string | null };
}

interface Message {
  id: string;
  from: 'visitor' | 'operator';
  operatorId: string | null;
  text: string;
  createdAt: string;
}

interface Reply<T> {
  status: number;
  data: T;
}

const TOKEN_KEY = 'chatdist.admin';
const REFRESH_MS = 5000;
const METHODS: readonly Method[] = ASSIGNMENT_METHODS;

class ApiError extends Error {
  /** Set once the page has already told the user (e.g. signed out after a 401). */
  reported = false;
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`admin page: #${id} is missing`);
  return element as T;
}

/** Creates an element; `props` are DOM properties (textContent, never innerHTML). */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): NoInfer<HTMLElementTagNameMap[K]> {
  const element = Object.assign(document.createElement(tag), props);
  element.append(...children);
  return element;
}

const ui = {
  status: byId<HTMLParagraphElement>('status'),
  error: byId<HTMLParagraphElement>('error'),
  signInSection: byId('sign-in-section'),
  signInForm: byId<HTMLFormElement>('sign-in-form'),
  tokenInput: byId<HTMLInputElement>('admin-token'),
  signedIn: byId('signed-in'),
  signOut: byId<HTMLButtonElement>('sign-out'),
  siteLabel: byId('site-label'),
  settingsForm: byId<HTMLFormElement>('settings-form'),
  distribution: byId<HTMLFieldSetElement>('distribution'),
  allowChoice: byId<HTMLInputElement>('allow-visitor-choice'),
  defaultRegular: byId<HTMLSelectElement>('default-regular'),
  defaultTarget: byId<HTMLSelectElement>('default-target'),
  heartbeat: byId<HTMLInputElement>('heartbeat-timeout'),
  maxOpenChats: byId<HTMLInputElement>('max-open-chats'),
  queueEnabled: byId<HTMLInputElement>('queue-enabled'),
  maxWaitingChats: byId<HTMLInputElement>('max-waiting-chats'),
  maxWaitSeconds: byId<HTMLInputElement>('max-wait-seconds'),
  retentionDays: byId<HTMLInputElement>('retention-days'),
  returningDays: byId<HTMLInputElement>('returning-days'),
  answerTimeout: byId<HTMLInputElement>('answer-timeout'),
  awayAfterMisses: byId<HTMLInputElement>('away-after-misses'),
  language: byId<HTMLSelectElement>('widget-language'),
  rotateAdmin: byId<HTMLButtonElement>('rotate-admin-token'),
  avatarFile: byId<HTMLInputElement>('avatar-file'),
  avatarPreview: byId<HTMLImageElement>('avatar-preview'),
  operatorsBody: byId<HTMLTableSectionElement>('operators-body'),
  operatorsEmpty: byId('operators-empty'),
  unassigned: byId('unassigned'),
  addForm: byId<HTMLFormElement>('add-operator-form'),
  newId: byId<HTMLInputElement>('new-operator-id'),
  newName: byId<HTMLInputElement>('new-operator-name'),
  newMax: byId<HTMLInputElement>('new-operator-max'),
  tokenBox: byId('token-box'),
  tokenBoxText: byId('token-box-text'),
  newToken: byId<HTMLInputElement>('new-operator-token'),
  copyToken: byId<HTMLButtonElement>('copy-token'),
  groupsTable: byId<HTMLTableElement>('groups-table'),
  groupsBody: byId<HTMLTableSectionElement>('groups-body'),
  groupsEmpty: byId('groups-empty'),
  addGroupForm: byId<HTMLFormElement>('add-group-form'),
  newGroupId: byId<HTMLInputElement>('new-group-id'),
  newGroupName: byId<HTMLInputElement>('new-group-name'),
  newGroupFallback: byId<HTMLInputElement>('new-group-fallback'),
  followUps: byId<HTMLOListElement>('follow-ups'),
  followUpsEmpty: byId('follow-ups-empty'),
  followUpsMore: byId<HTMLButtonElement>('follow-ups-more'),
  snippet: byId('snippet'),
  copySnippet: byId<HTMLButtonElement>('copy-snippet'),
  webhookForm: byId<HTMLFormElement>('webhook-form'),
  webhookUrl: byId<HTMLInputElement>('webhook-url'),
  webhookClear: byId<HTMLButtonElement>('webhook-clear'),
  webhookSecretBox: byId('webhook-secret-box'),
  webhookSecretText: byId('webhook-secret-text'),
  webhookSecret: byId<HTMLInputElement>('webhook-secret'),
  copyWebhookSecret: byId<HTMLButtonElement>('copy-webhook-secret'),
  rotateWebhookSecret: byId<HTMLButtonElement>('rotate-webhook-secret'),
  refreshDeliveries: byId<HTMLButtonElement>('refresh-deliveries'),
  deliveriesUpdated: byId('deliveries-updated'),
  deliveriesTable: byId<HTMLTableElement>('deliveries-table'),
  deliveriesBody: byId<HTMLTableSectionElement>('deliveries-body'),
  deliveriesEmpty: byId('deliveries-empty'),
  statsPeriod: byId('stats-period'),
  statsSummary: byId('stats-summary'),
  chatsChart: byId('chats-chart'),
  chatsLegend: byId('chats-legend'),
  waitChart: byId('wait-chart'),
  waitLegend: byId('wait-legend'),
  statsDays: byId<HTMLTableSectionElement>('stats-days'),
};

/** One radio button per distribution mode, with its description, in the registry's order. */
const distributionRadios = new Map<Distribution, HTMLInputElement>(
  DISTRIBUTION_MODES.map((mode) => {
    const id = `distribution-${mode.name}`;
    const radio = el('input', { type: 'radio', name: 'distribution', id, value: mode.name });
    radio.setAttribute('aria-describedby', `${id}-help`);
    const help = el('span', { id: `${id}-help`, className: 'muted', textContent: mode.description });
    ui.distribution.append(el('div', {}, el('label', { className: 'inline' }, radio, ` ${mode.label}`), help));
    return [mode.name, radio];
  }),
);

let session: { token: string; siteId: string } | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshFailing = false;
/** Bumped by every change we make, so a refresh that started before it cannot show stale data. */
let generation = 0;
let operators: Operator[] = [];
let groups: Group[] = [];

// ---------- status messages ----------

let announcement = 0;
/** The outcome of the last thing done: an error in the alert area, anything else in the status line (each clears the other). */
function announce(message: string, isError = false) {
  const current = ++announcement;
  const [shown, cleared] = isError ? [ui.error, ui.status] : [ui.status, ui.error];
  shown.textContent = '';
  cleared.textContent = '';
  // Emptied, then filled a moment later, so that screen readers announce a repeated message again.
  setTimeout(() => {
    if (current === announcement) shown.textContent = message;
  }, 50);
}

function showError(error: unknown) {
  if (error instanceof ApiError && error.reported) return;
  announce(error instanceof Error ? error.message : String(error), true);
}

// ---------- API ----------

async function request<T>(token: string, method: string, path: string, body?: unknown): Promise<Reply<T>> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  let payload: BodyInit | undefined;
  if (body instanceof Blob) {
    headers['Content-Type'] = body.type;
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(new URL(path, location.origin), { method, headers, body: payload });
  } catch {
    throw new ApiError(0, 'Could not reach the service. Check the connection and try again.');
  }
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (e.g. a proxy's error page): the status line below says enough.
  }
  if (!response.ok) {
    const message = (data as { error?: { message?: string } } | null)?.error?.message;
    throw new ApiError(response.status, message ?? `The service answered ${response.status} ${response.statusText}.`);
  }
  return { status: response.status, data: data as T };
}

/** Calls the API as the signed-in admin; a refused token (401/403) signs out. */
async function api<T>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
  if (!session) throw new ApiError(401, 'Not signed in.');
  try {
    return await request<T>(session.token, method, path, body);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      signOut(error.status === 401 ? TOKEN_NO_LONGER_WORKS.admin : 'Signed out: this token may not manage this site. Sign in with the site’s admin token.', true);
      error.reported = true;
    }
    throw error;
  }
}

function sitePath(suffix = '') {
  return `/v1/sites/${encodeURIComponent(session?.siteId ?? '')}${suffix}`;
}

function operatorPath(id: string) {
  return sitePath(`/operators/${encodeURIComponent(id)}`);
}

function groupPath(id: string) {
  return sitePath(`/groups/${encodeURIComponent(id)}`);
}

// ---------- sign in / out ----------

async function signIn(token: string) {
  const me = await whoIs<{ role: TokenRole; siteId?: string }>(token, 'admin');
  if (!me.siteId) throw new SignInError('unavailable', 'The service did not say which site this token is for. Try again in a moment.');
  session = { token, siteId: me.siteId };
  try {
    const [settings] = await Promise.all([api<Settings>('GET', sitePath('/settings')), refresh()]);
    fillSettings(settings.data);
  } catch (error) {
    session = null;
    throw error;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  ui.snippet.textContent = `<script src="${location.origin}/widget.js" data-site="${me.siteId}" async></script>`;
  ui.signInSection.hidden = true;
  ui.signedIn.hidden = false;
  ui.signOut.hidden = false;
  scheduleRefresh();
}

function signOut(message = 'Signed out.', isError = false) {
  session = null;
  sessionStorage.removeItem(TOKEN_KEY);
  clearTimeout(refreshTimer);
  operators = [];
  groups = [];
  rows.clear();
  followUps.clear();
  followUpsCursor = undefined;
  pagedFurther = false;
  ui.followUps.replaceChildren();
  ui.followUpsMore.hidden = true;
  groupRows.clear();
  ui.operatorsBody.replaceChildren();
  ui.groupsBody.replaceChildren();
  hideToken();
  hideWebhookSecret();
  webhookUrlSaved = '';
  ui.webhookUrl.value = '';
  shownDeliveries = '';
  ui.deliveriesBody.replaceChildren();
  ui.deliveriesTable.hidden = true;
  ui.deliveriesEmpty.hidden = false;
  ui.deliveriesUpdated.textContent = '';
  clearPeriodStats();
  ui.signedIn.hidden = true;
  ui.signOut.hidden = true;
  ui.siteLabel.hidden = true;
  ui.signInSection.hidden = false;
  ui.tokenInput.value = '';
  ui.tokenInput.focus();
  announce(message, isError);
}

// ---------- settings and avatar ----------

function fillSettings(settings: Settings) {
  for (const [name, radio] of distributionRadios) radio.checked = settings.distribution === name;
  ui.allowChoice.checked = settings.allowVisitorChoice;
  fillOperatorSelect(ui.defaultRegular, settings.defaultOperators.regular ?? '');
  fillOperatorSelect(ui.defaultTarget, settings.defaultOperators.target ?? '');
  ui.heartbeat.value = String(settings.heartbeatTimeoutSeconds);
  ui.maxOpenChats.value = limitText(settings.maxOpenChatsPerVisitor);
  ui.queueEnabled.checked = settings.queueEnabled;
  ui.maxWaitingChats.value = limitText(settings.maxWaitingChats);
  ui.maxWaitSeconds.value = String(settings.maxWaitSeconds);
  ui.retentionDays.value = String(settings.retentionDays);
  ui.returningDays.value = settings.returningVisitorDays === null ? '' : String(settings.returningVisitorDays);
  ui.answerTimeout.value = limitText(settings.answerTimeoutSeconds);
  ui.awayAfterMisses.value = limitText(settings.awayAfterMisses);
  ui.language.value = settings.language;
  ui.siteLabel.textContent = `${settings.name} (${settings.siteId})`;
  ui.siteLabel.hidden = false;
  showAvatar(settings.sharedAvatarUrl);
  showWebhookUrl(settings.webhookUrl);
}

/** "None" and the site's operators; keeps `selected` even if it is not (or no longer) listed. */
function fillOperatorSelect(select: HTMLSelectElement, selected = select.value) {
  const options = [el('option', { value: '', textContent: 'None' })];
  for (const operator of operators) options.push(el('option', { value: operator.id, textContent: operator.name }));
  if (selected && !operators.some((operator) => operator.id === selected)) {
    options.push(el('option', { value: selected, textContent: selected }));
  }
  const signature = (list: HTMLOptionElement[]) => list.map((option) => `${option.value}\n${option.text}`).join('\n');
  // Rebuilding would close a dropdown the admin has open, so only do it when something changed.
  if (signature(options) !== signature([...select.options])) select.replaceChildren(...options);
  select.value = selected;
}

function showAvatar(url: string | null) {
  ui.avatarPreview.hidden = !url;
  if (url) ui.avatarPreview.src = url;
  else ui.avatarPreview.removeAttribute('src');
}

/** A number input where empty means off (null). */
const optionalNumber = (input: HTMLInputElement) => (input.value === '' ? null : Number(input.value));

async function saveSettings() {
  const distribution = [...distributionRadios].find(([, radio]) => radio.checked)?.[0];
  const body = {
    ...(distribution ? { distribution } : {}),
    allowVisitorChoice: ui.allowChoice.checked,
    defaultOperators: { regular: ui.defaultRegular.value || null, target: ui.defaultTarget.value || null },
    heartbeatTimeoutSeconds: Number(ui.heartbeat.value),
    maxOpenChatsPerVisitor: ui.maxOpenChats.value === '' ? null : Number(ui.maxOpenChats.value),
    queueEnabled: ui.queueEnabled.checked,
    maxWaitingChats: ui.maxWaitingChats.value === '' ? null : Number(ui.maxWaitingChats.value),
    maxWaitSeconds: Number(ui.maxWaitSeconds.value),
    returningVisitorDays: ui.returningDays.value === '' ? null : Number(ui.returningDays.value),
    answerTimeoutSeconds: optionalNumber(ui.answerTimeout),
    awayAfterMisses: optionalNumber(ui.awayAfterMisses),
    language: ui.language.value,
    retentionDays: Number(ui.retentionDays.value),
  };
  // Read-only until the reply has filled the form: an edit made meanwhile would be overwritten by it.
  const fields = [...ui.settingsForm.querySelectorAll('input')].filter((input) => !input.readOnly);
  ui.settingsForm.setAttribute('aria-busy', 'true');
  for (const input of fields) input.readOnly = true;
  try {
    const { data } = await api<Settings>('PUT', sitePath('/settings'), body);
    fillSettings(data);
  } finally {
    for (const input of fields) input.readOnly = false;
    ui.settingsForm.removeAttribute('aria-busy');
  }
  announce('Settings saved.');
}

/** "600 KB", "2.4 MB". */
function sizeText(bytes: number) {
  return bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * The file as it will be uploaded, checked here first as the service would (at most 512 KB; a
 * PNG, JPEG, WebP or GIF by its first bytes): a refused file is told at once, before any upload.
 * It goes with the type its bytes show, so a JPEG saved as .png uploads all the same.
 */
async function checkedAvatar(file: File): Promise<Blob> {
  if (file.size > MAX_AVATAR_BYTES) {
    throw new Error(`${file.name} is ${sizeText(file.size)}: the avatar may be at most ${sizeText(MAX_AVATAR_BYTES)}. Choose a smaller image, or shrink this one.`);
  }
  const type = sniffImageType(new Uint8Array(await file.slice(0, 16).arrayBuffer()));
  if (!type) throw new Error(`${file.name} is not a PNG, JPEG, WebP or GIF image. Choose an image of one of these types.`);
  return file.type === type ? file : new Blob([file], { type });
}

async function uploadAvatar(file: File) {
  const image = await checkedAvatar(file);
  const { data } = await api<{ sharedAvatarUrl: string }>('POST', sitePath('/avatar'), image);
  showAvatar(data.sharedAvatarUrl);
  announce('Avatar uploaded.');
}

// ---------- operators table ----------

interface Row {
  operator: Operator;
  tr: HTMLTableRowElement;
  dot: HTMLSpanElement;
  statusWord: HTMLSpanElement;
  nameCell: HTMLTableCellElement;
  openChats: HTMLTableCellElement;
  assigned: HTMLTableCellElement;
  byRule: HTMLTableCellElement;
  missed: HTMLTableCellElement;
  /** The operator's groups: one checkbox per group of the site (none shown while the site has no groups). */
  groupsSet: HTMLFieldSetElement;
  groupsLegend: HTMLLegendElement;
  groupsList: HTMLDivElement;
  groupChoices: Map<string, { label: HTMLLabelElement; box: HTMLInputElement; name: HTMLSpanElement }>;
  saveGroups: HTMLButtonElement;
  noGroups: HTMLSpanElement;
  rename: HTMLButtonElement;
  maxLabelName: HTMLSpanElement;
  maxInput: HTMLInputElement;
  saveLimit: HTMLButtonElement;
  remove: HTMLButtonElement;
  newToken: HTMLButtonElement;
  counts: Record<Method, number> | undefined;
  editing: boolean;
}

const rows = new Map<string, Row>();

function limitText(maxChats: number | null) {
  return maxChats === null ? '' : String(maxChats);
}

function byRuleText(counts: Record<Method, number> | undefined) {
  const parts = METHODS.filter((method) => (counts?.[method] ?? 0) > 0).map((method) => `${method} ${counts![method]}`);
  return parts.length ? parts.join(' · ') : '—';
}

/** "3 (1 in a row)": chats taken back unanswered, ever and since the operator's last accept. */
function missedText(operator: Operator) {
  const missed = operator.missed ?? 0;
  return missed === 0 ? '0' : `${missed} (${operator.missedInARow ?? 0} in a row)`;
}

function createRow(operator: Operator): Row {
  const inputId = `max-chats-${operator.id}`;
  const row: Row = {
    operator,
    tr: el('tr'),
    dot: el('span', { className: 'dot offline' }),
    statusWord: el('span'),
    nameCell: el('th', { scope: 'row' }),
    openChats: el('td'),
    assigned: el('td'),
    byRule: el('td'),
    missed: el('td', { className: 'missed-cell' }),
    groupsSet: el('fieldset', { className: 'groups' }),
    groupsLegend: el('legend', { className: 'visually-hidden' }),
    groupsList: el('div', { className: 'row' }),
    groupChoices: new Map(),
    saveGroups: el('button', { type: 'button' }),
    noGroups: el('span', { className: 'muted', textContent: '—' }),
    rename: el('button', { type: 'button' }),
    maxLabelName: el('span', { className: 'visually-hidden' }),
    maxInput: el('input', { type: 'number', id: inputId, min: '1', max: '1000', step: '1', placeholder: '∞' }),
    saveLimit: el('button', { type: 'button' }),
    remove: el('button', { type: 'button', className: 'danger' }),
    newToken: el('button', { type: 'button' }),
    counts: undefined,
    editing: false,
  };
  row.maxInput.value = limitText(operator.maxChats);
  row.rename.addEventListener('click', () => startRename(row));
  row.saveLimit.addEventListener('click', () => void saveLimit(row).catch(showError));
  row.maxInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') void saveLimit(row).catch(showError);
  });
  row.remove.addEventListener('click', () => void removeOperator(row).catch(showError));
  row.saveGroups.addEventListener('click', () => void saveGroups(row).catch(showError));
  row.groupsSet.append(row.groupsLegend, row.groupsList, row.saveGroups);
  row.newToken.addEventListener('click', () => void rotateOperatorToken(row).catch(showError));
  const maxLabel = el('label', { htmlFor: inputId, className: 'limit' }, 'Max chats', row.maxLabelName);
  const actions = [
    el('div', { className: 'row' }, maxLabel, row.maxInput, row.saveLimit),
    el('div', { className: 'row' }, row.rename, row.newToken, row.remove),
  ];
  row.tr.append(
    el('td', {}, row.dot, row.statusWord),
    row.nameCell,
    el('td', { className: 'id-cell', textContent: operator.id }),
    row.openChats,
    row.assigned,
    row.byRule,
    row.missed,
    el('td', { className: 'groups-cell' }, row.groupsSet, row.noGroups),
    el('td', { className: 'actions' }, ...actions),
  );
  return row;
}

function updateRow(row: Row, operator: Operator, counts = row.counts) {
  const { name } = operator;
  // The limit box follows the server unless the admin is typing a new value into it.
  const untouched = row.maxInput.value === limitText(row.operator.maxChats);
  if (untouched && document.activeElement !== row.maxInput) row.maxInput.value = limitText(operator.maxChats);
  // Likewise the group checkboxes, unless the admin has ticked or cleared one and not saved yet.
  const groupsUntouched = [...row.groupChoices].every(([id, { box }]) => box.checked === row.operator.groups.includes(id));
  row.operator = operator;
  updateGroupChoices(row, groupsUntouched);
  row.dot.className = `dot ${operator.status}`;
  row.statusWord.textContent = operator.status;
  if (!row.editing) row.nameCell.textContent = name;
  row.openChats.textContent = `${operator.activeChats} / ${operator.maxChats ?? '∞'}`;
  row.assigned.textContent = String(operator.assigned);
  row.counts = counts;
  row.byRule.textContent = byRuleText(counts);
  row.missed.textContent = missedText(operator);
  row.rename.textContent = `Rename ${name}`;
  row.maxLabelName.textContent = ` for ${name}`; // the label reads "Max chats for <name>"
  row.saveLimit.textContent = `Save limit for ${name}`;
  row.remove.textContent = `Remove ${name}`;
  row.newToken.textContent = `New token for ${name}`;
}

/**
 * One checkbox per group of the site, in the groups' order; existing checkboxes are kept (and
 * keep the focus). `follow`: set them to the operator's groups as the server has them.
 */
function updateGroupChoices(row: Row, follow: boolean) {
  const { name } = row.operator;
  const ids = new Set(groups.map((group) => group.id));
  for (const [id, choice] of row.groupChoices) {
    if (!ids.has(id)) {
      choice.label.remove();
      row.groupChoices.delete(id);
    }
  }
  groups.forEach((group, index) => {
    let choice = row.groupChoices.get(group.id);
    if (!choice) {
      const box = el('input', { type: 'checkbox', value: group.id, checked: row.operator.groups.includes(group.id) });
      const label = el('span');
      choice = { box, name: label, label: el('label', { className: 'inline' }, box, label) };
      row.groupChoices.set(group.id, choice);
    }
    choice.name.textContent = group.name;
    if (follow) choice.box.checked = row.operator.groups.includes(group.id);
    const current = row.groupsList.children[index] ?? null;
    if (current !== choice.label) row.groupsList.insertBefore(choice.label, current);
  });
  row.groupsLegend.textContent = `Groups of ${name}`;
  row.saveGroups.textContent = `Save groups for ${name}`;
  row.groupsSet.hidden = groups.length === 0;
  row.noGroups.hidden = groups.length > 0;
}

function groupNames(ids: readonly string[]) {
  return ids.map((id) => groups.find((group) => group.id === id)?.name ?? id);
}

function renderOperators(list: Operator[], stats: Stats) {
  operators = list;
  const countsById = new Map(stats.operators.map((entry) => [entry.id, entry.byMethod]));
  const seen = new Set<string>();
  list.forEach((operator, index) => {
    seen.add(operator.id);
    let row = rows.get(operator.id);
    if (!row) rows.set(operator.id, (row = createRow(operator)));
    updateRow(row, operator, countsById.get(operator.id));
    // Only move rows that are out of place: moving a row would take the focus away from its controls.
    const current = ui.operatorsBody.children[index] ?? null;
    if (current !== row.tr) ui.operatorsBody.insertBefore(row.tr, current);
  });
  for (const [id, row] of rows) {
    if (!seen.has(id)) {
      row.tr.remove();
      rows.delete(id);
    }
  }
  ui.operatorsEmpty.hidden = list.length > 0;
  ui.unassigned.textContent = `Chats recorded without an operator (none was available): ${stats.unassigned}`;
  fillOperatorSelect(ui.defaultRegular);
  fillOperatorSelect(ui.defaultTarget);
}

async function refresh() {
  const started = generation;
  void refreshFollowUps();
  void loadDeliveries().catch(() => undefined);
  void refreshPeriodStats();
  const [list, stats, groupList] = await Promise.all([
    api<{ operators: Operator[] }>('GET', sitePath('/operators')),
    api<Stats>('GET', sitePath('/stats')),
    api<{ groups: Group[] }>('GET', sitePath('/groups')),
  ]);
  if (started === generation && session) {
    renderGroups(groupList.data.groups);
    renderOperators(list.data.operators, stats.data);
  }
}

// ---------- statistics of a period ----------

/** The period shown, in days (today included); the reply drawn and the width it was drawn at, so that a refresh redraws only on a change. */
let statsDays = 7;
let periodStats: Stats | null = null;
let drawn = '';

function drawPeriodStats() {
  if (!periodStats) return;
  const width = Math.min(900, Math.max(280, Math.round(ui.chatsChart.clientWidth) || 600));
  const signature = `${width}\n${JSON.stringify(periodStats)}`;
  if (signature === drawn) return;
  drawn = signature;
  const { days, waitSeconds } = periodStats;
  const count = (key: 'assigned' | 'unassigned' | 'missed') => days.reduce((sum, day) => sum + day[key], 0);
  const wait = waitSeconds ? `; wait for an operator: median ${secondsText(waitSeconds.p50)} s, 90th percentile ${secondsText(waitSeconds.p90)} s` : '';
  ui.statsSummary.textContent = `Last ${statsDays} days: ${count('assigned')} chats assigned, ${count('unassigned')} unassigned, ${count('missed')} missed${wait}.`;
  ui.chatsChart.replaceChildren(chatsChart(days, width));
  ui.chatsLegend.replaceChildren(...chatsLegend(days));
  ui.waitChart.replaceChildren(waitChart(days, width));
  ui.waitLegend.replaceChildren(...waitLegend());
  ui.statsDays.replaceChildren(...dayRows(days));
}

function clearPeriodStats() {
  periodStats = null;
  drawn = '';
  for (const part of [ui.statsSummary, ui.chatsChart, ui.chatsLegend, ui.waitChart, ui.waitLegend, ui.statsDays]) part.replaceChildren();
}

async function loadPeriodStats() {
  const days = statsDays;
  const { data } = await api<Stats>('GET', sitePath(`/stats?from=${periodStart(days)}`));
  if (!session || days !== statsDays) return; // signed out, or another period chosen meanwhile
  periodStats = data;
  drawPeriodStats();
}

/** With each refresh: a failure is told in the card, and keeps nothing else from showing. */
async function refreshPeriodStats() {
  try {
    await loadPeriodStats();
  } catch (error) {
    if (error instanceof ApiError && error.reported) return;
    ui.statsSummary.textContent = `Could not read the statistics: ${(error as Error).message}`;
    drawn = ''; // the next reply redraws the summary, even if unchanged
  }
}

async function choosePeriod(button: HTMLButtonElement) {
  statsDays = Number(button.dataset.days);
  for (const other of ui.statsPeriod.querySelectorAll('button')) other.setAttribute('aria-pressed', String(other === button));
  await loadPeriodStats();
  announce(`Statistics of the last ${statsDays} days shown.`);
}

// ---------- follow-up requests ----------

/** The requests shown, by chat id (ids sort in creation order), and where the next page starts. */
const followUps = new Map<string, HTMLLIElement>();
let followUpsCursor: string | undefined;
/** Set once the admin asked for more: the first page's refresh then keeps the cursor of the last page read. */
let pagedFurther = false;

const mailto = (email: string) => `mailto:${encodeURIComponent(email).replace(/%40/g, '@')}`;

function followUpItem(chat: FollowUp): HTMLLIElement {
  const name = chat.contact.name ?? 'No name given';
  const email = chat.contact.email
    ? el('a', { href: mailto(chat.contact.email), textContent: chat.contact.email })
    : el('span', { textContent: 'no e-mail given' });
  const created = el('time', { dateTime: chat.createdAt, textContent: new Date(chat.createdAt).toLocaleString() });
  const meta = el('p', { className: 'meta muted' }, 'E-mail: ', email, ' · created ', created, ` · visitor ${chat.visitorId}`, chat.group ? ` · group ${chat.group}` : '');
  const messages = el('ol', { className: 'messages' }, el('li', { className: 'muted', textContent: 'Loading the messages…' }));
  messages.setAttribute('aria-label', `Messages of ${name}`);
  const done = el('button', { type: 'button', textContent: 'Done' });
  done.setAttribute('aria-label', `Done: the request of ${name} is handled`);
  done.addEventListener('click', () => void closeFollowUp(chat, name, done).catch(showError));
  const item = el('li', {}, el('h3', { textContent: name }), meta, messages, done);
  item.dataset.chatId = chat.id;
  void showFollowUpMessages(chat, messages);
  return item;
}

/** A request handled: its chat is closed, and it leaves the list. */
async function closeFollowUp(chat: FollowUp, name: string, button: HTMLButtonElement) {
  button.disabled = true;
  try {
    await api('POST', sitePath(`/chats/${encodeURIComponent(chat.id)}/close`), {});
  } finally {
    button.disabled = false;
  }
  followUps.get(chat.id)?.remove();
  followUps.delete(chat.id);
  ui.followUpsEmpty.hidden = followUps.size > 0;
  ui.followUps.focus();
  announce(`The request of ${name} is done.`);
}

/** The request's messages (read once: nobody writes in a chat nobody took). */
async function showFollowUpMessages(chat: FollowUp, list: HTMLOListElement) {
  const read: Message[] = [];
  try {
    for (let page = 0; page < 20; page++) {
      const after = read.length ? `?after=${encodeURIComponent(read[read.length - 1]!.id)}` : '';
      const { data } = await api<{ messages: Message[] }>('GET', sitePath(`/chats/${encodeURIComponent(chat.id)}/messages${after}`));
      read.push(...data.messages);
      if (data.messages.length < 100) break;
    }
  } catch (error) {
    list.replaceChildren(el('li', { className: 'error', textContent: `Could not read the messages: ${(error as Error).message}` }));
    return;
  }
  const items = read.map((message) => {
    const who = message.from === 'visitor' ? 'Visitor' : `Operator ${message.operatorId ?? ''}`.trim();
    const when = new Date(message.createdAt).toLocaleString();
    return el('li', {}, el('span', { className: 'who', textContent: `${who} · ${when}` }), message.text);
  });
  list.replaceChildren(...(items.length ? items : [el('li', { className: 'muted', textContent: 'No message.' })]));
}

/**
 * Shows a page of requests, newest first, each once. The first page (read again with each
 * refresh) also drops the requests of its span that are no longer listed (their chat was closed).
 */
function showFollowUps(chats: FollowUp[], more: boolean, cursor: string | undefined) {
  if (more) {
    followUpsCursor = cursor;
    pagedFurther = true;
  } else {
    const listed = new Set(chats.map((chat) => chat.id));
    const oldest = chats[chats.length - 1]?.id;
    for (const [id, item] of followUps) {
      if (listed.has(id) || (cursor !== undefined && (oldest === undefined || id < oldest))) continue;
      item.remove();
      followUps.delete(id);
    }
    if (!pagedFurther) followUpsCursor = cursor;
  }
  for (const chat of chats) {
    if (followUps.has(chat.id)) continue;
    // Before the newest of those shown that is older than it.
    let before: [string, HTMLLIElement] | undefined;
    for (const entry of followUps) if (entry[0] < chat.id && (!before || entry[0] > before[0])) before = entry;
    const item = followUpItem(chat);
    ui.followUps.insertBefore(item, before?.[1] ?? null);
    followUps.set(chat.id, item);
  }
  ui.followUpsEmpty.textContent = 'No follow-up requests.';
  ui.followUpsEmpty.hidden = followUps.size > 0;
  ui.followUpsMore.hidden = !followUpsCursor;
}

async function loadFollowUps(more = false) {
  const cursor = more && followUpsCursor ? `&cursor=${encodeURIComponent(followUpsCursor)}` : '';
  const { data } = await api<{ chats: FollowUp[]; cursor?: string }>('GET', sitePath(`/chats?status=unassigned${cursor}`));
  if (session) showFollowUps(data.chats, more, data.cursor);
}

/** With each refresh: a failure here is told in the card, and keeps nothing else from showing. */
async function refreshFollowUps() {
  try {
    await loadFollowUps();
  } catch (error) {
    if (error instanceof ApiError && error.reported) return;
    ui.followUpsEmpty.textContent = `Could not read the follow-up requests: ${(error as Error).message}`;
    ui.followUpsEmpty.hidden = false;
  }
}

async function moreFollowUps() {
  const before = followUps.size;
  ui.followUpsMore.disabled = true;
  try {
    await loadFollowUps(true);
  } finally {
    ui.followUpsMore.disabled = false;
  }
  const shown = followUps.size - before;
  announce(shown ? `${shown} more follow-up ${shown === 1 ? 'request' : 'requests'} shown.` : 'No more follow-up requests.');
  // The button goes after the last page: the focus then goes to the list.
  if (ui.followUpsMore.hidden) ui.followUps.focus();
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    if (!session) return;
    if (!document.hidden) {
      try {
        await refresh();
        refreshFailing = false;
      } catch (error) {
        // Report a failing refresh once, not every five seconds.
        if (!refreshFailing) showError(error);
        refreshFailing = true;
      }
    }
    if (session) scheduleRefresh();
  }, REFRESH_MS);
}

/** After a change: show it now rather than at the next tick (and drop refreshes already under way). */
async function refreshNow() {
  generation++;
  await refresh();
}

function startRename(row: Row) {
  if (row.editing) return;
  row.editing = true;
  const inputId = `rename-${row.operator.id}`;
  const input = el('input', { type: 'text', id: inputId, value: row.operator.name, maxLength: 100, required: true });
  const cancel = el('button', { type: 'button', textContent: 'Cancel' });
  const form = el(
    'form',
    { className: 'row' },
    el('label', { htmlFor: inputId, className: 'visually-hidden', textContent: `New name for ${row.operator.name}` }),
    input,
    el('button', { type: 'submit', className: 'primary', textContent: 'Save' }),
    cancel,
  );
  const finish = () => {
    row.editing = false;
    row.nameCell.textContent = row.operator.name;
    row.rename.hidden = false;
    row.rename.focus();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void rename(row, input.value.trim())
      .then(finish)
      .catch(showError);
  });
  cancel.addEventListener('click', finish);
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') finish();
  });
  row.nameCell.replaceChildren(form);
  row.rename.hidden = true;
  input.focus();
  input.select();
}

async function putOperator(row: Row, changes: Partial<Pick<Operator, 'name' | 'maxChats' | 'groups'>>) {
  generation++; // the row shows the reply at once: an older refresh must not overwrite it
  // Groups left out are kept by the service (and unsaved ticks in the row stay as they are).
  const body = { name: row.operator.name, maxChats: row.operator.maxChats, ...changes };
  const { data } = await api<{ operator: Operator }>('PUT', operatorPath(row.operator.id), body);
  row.maxInput.value = limitText(data.operator.maxChats);
  if (changes.groups) for (const [id, { box }] of row.groupChoices) box.checked = data.operator.groups.includes(id);
  updateRow(row, data.operator);
  await refreshNow();
}

async function saveGroups(row: Row) {
  const chosen = groups.filter((group) => row.groupChoices.get(group.id)?.box.checked).map((group) => group.id);
  await putOperator(row, { groups: chosen });
  const names = groupNames(row.operator.groups);
  announce(`Groups of ${row.operator.name}: ${names.length ? names.join(', ') : 'none'}.`);
}

async function rename(row: Row, name: string) {
  if (!name) throw new Error('Enter a name (1 to 100 characters).');
  const previous = row.operator.name;
  await putOperator(row, { name });
  announce(`${previous} renamed to ${name}.`);
}

async function saveLimit(row: Row) {
  if (!row.maxInput.reportValidity()) return;
  const maxChats = row.maxInput.value === '' ? null : Number(row.maxInput.value);
  await putOperator(row, { maxChats });
  announce(`Max chats for ${row.operator.name}: ${maxChats ?? 'no limit'}.`);
}

async function removeOperator(row: Row) {
  const { id, name } = row.operator;
  if (!confirm(`Remove operator ${name} (${id})? They will get no more chats and their token stops working.`)) return;
  await api<null>('DELETE', operatorPath(id));
  announce(`${name} removed.`);
  await refreshNow();
}

async function rotateOperatorToken(row: Row) {
  const { id, name } = row.operator;
  if (!confirm(`Give ${name} (${id}) a new token? The current one stops working at once: ${name} signs in again with the new one.`)) return;
  const { data } = await api<{ operatorToken: string }>('POST', operatorPath(id).concat('/token'));
  showToken(`New operator token for ${name} (the old one no longer works; shown once, copy it now):`, data.operatorToken);
  announce(`${name} has a new token. Copy it now: it is shown only once.`);
}

/** A new admin token: this page goes on with it, and the old one stops working everywhere at once. */
async function rotateAdminToken() {
  if (!session) return;
  if (!confirm('Replace the admin token? The current one stops working at once, here and wherever else it is used.')) return;
  const { data } = await api<{ adminToken: string }>('POST', sitePath('/admin-token'));
  session = { ...session, token: data.adminToken };
  sessionStorage.setItem(TOKEN_KEY, data.adminToken);
  showToken('New admin token (the old one no longer works; shown once, copy it now and keep it safe):', data.adminToken);
  announce('The admin token was replaced. Copy the new one now: it is shown only once.');
}

// ---------- groups (departments) ----------

interface GroupRow {
  group: Group;
  tr: HTMLTableRowElement;
  nameCell: HTMLTableCellElement;
  fallback: HTMLTableCellElement;
  edit: HTMLButtonElement;
  remove: HTMLButtonElement;
  editing: boolean;
}

const groupRows = new Map<string, GroupRow>();

function fallbackText(seconds: number | null) {
  if (seconds === null) return 'Never';
  return seconds === 0 ? 'At once' : `After ${seconds} s`;
}

function createGroupRow(group: Group): GroupRow {
  const row: GroupRow = {
    group,
    tr: el('tr'),
    nameCell: el('th', { scope: 'row' }),
    fallback: el('td'),
    edit: el('button', { type: 'button' }),
    remove: el('button', { type: 'button', className: 'danger' }),
    editing: false,
  };
  row.edit.addEventListener('click', () => startEditGroup(row));
  row.remove.addEventListener('click', () => void removeGroup(row).catch(showError));
  row.tr.append(
    row.nameCell,
    el('td', { className: 'id-cell', textContent: group.id }),
    row.fallback,
    el('td', { className: 'actions' }, el('div', { className: 'row' }, row.edit, row.remove)),
  );
  return row;
}

function updateGroupRow(row: GroupRow, group: Group) {
  row.group = group;
  if (!row.editing) row.nameCell.textContent = group.name;
  row.fallback.textContent = fallbackText(group.fallbackAfterSeconds);
  row.edit.textContent = `Edit ${group.name}`;
  row.remove.textContent = `Delete ${group.name}`;
}

function renderGroups(list: Group[]) {
  groups = list;
  const seen = new Set<string>();
  list.forEach((group, index) => {
    seen.add(group.id);
    let row = groupRows.get(group.id);
    if (!row) groupRows.set(group.id, (row = createGroupRow(group)));
    updateGroupRow(row, group);
    const current = ui.groupsBody.children[index] ?? null;
    if (current !== row.tr) ui.groupsBody.insertBefore(row.tr, current);
  });
  for (const [id, row] of groupRows) {
    if (!seen.has(id)) {
      row.tr.remove();
      groupRows.delete(id);
    }
  }
  ui.groupsTable.hidden = list.length === 0;
  ui.groupsEmpty.hidden = list.length > 0;
}

const fallbackValue = (input: HTMLInputElement) => (input.value === '' ? null : Number(input.value));

async function addGroup() {
  const id = ui.newGroupId.value.trim();
  const name = ui.newGroupName.value.trim();
  if (!name) throw new Error('Group name: enter a name (1 to 100 characters).');
  const body = { name, fallbackAfterSeconds: fallbackValue(ui.newGroupFallback) };
  const { status, data } = await api<{ group: Group }>('PUT', groupPath(id), body);
  ui.addGroupForm.reset();
  announce(status === 201 ? `Group ${data.group.name} added.` : `Group ${id} already existed and was updated.`);
  await refreshNow();
}

function startEditGroup(row: GroupRow) {
  if (row.editing) return;
  row.editing = true;
  const { id, name, fallbackAfterSeconds } = row.group;
  const nameId = `group-name-${id}`;
  const fallbackId = `group-fallback-${id}`;
  const nameInput = el('input', { type: 'text', id: nameId, value: name, maxLength: 100, required: true });
  const fallbackInput = el('input', { type: 'number', id: fallbackId, min: '0', max: '3600', step: '1', placeholder: 'never' });
  fallbackInput.value = fallbackAfterSeconds === null ? '' : String(fallbackAfterSeconds);
  const cancel = el('button', { type: 'button', textContent: 'Cancel' });
  const form = el(
    'form',
    { className: 'edit-group' },
    el('label', { htmlFor: nameId, textContent: `New name for ${name}` }),
    nameInput,
    el('label', { htmlFor: fallbackId, textContent: `Fallback for ${name} (seconds, 0 to 3600; empty: never)` }),
    fallbackInput,
    el('div', { className: 'row' }, el('button', { type: 'submit', className: 'primary', textContent: 'Save' }), cancel),
  );
  const finish = () => {
    row.editing = false;
    row.nameCell.textContent = row.group.name;
    row.edit.hidden = false;
    row.edit.focus();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void saveGroup(row, nameInput.value.trim(), fallbackValue(fallbackInput))
      .then(finish)
      .catch(showError);
  });
  cancel.addEventListener('click', finish);
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') finish();
  });
  row.nameCell.replaceChildren(form);
  row.edit.hidden = true;
  nameInput.focus();
  nameInput.select();
}

async function saveGroup(row: GroupRow, name: string, fallbackAfterSeconds: number | null) {
  if (!name) throw new Error('Enter a name (1 to 100 characters).');
  generation++;
  const { data } = await api<{ group: Group }>('PUT', groupPath(row.group.id), { name, fallbackAfterSeconds });
  updateGroupRow(row, data.group);
  const seconds = data.group.fallbackAfterSeconds;
  const fallback = seconds === null ? 'its chats wait for its operators only' : `its chats may go to any operator ${seconds === 0 ? 'at once' : `after ${seconds} s`}`;
  announce(`Group ${data.group.name} saved: ${fallback}.`);
  await refreshNow();
}

async function removeGroup(row: GroupRow) {
  const { id, name } = row.group;
  if (!confirm(`Delete group ${name} (${id})? Its operators leave it, and chats waiting for it go to any operator.`)) return;
  await api<null>('DELETE', groupPath(id));
  announce(`Group ${name} deleted.`);
  await refreshNow();
}

// ---------- webhooks ----------

/** The URL as the service has it; the field follows it unless the admin is editing it. */
let webhookUrlSaved = '';

function showWebhookUrl(url: string | null) {
  const untouched = ui.webhookUrl.value === webhookUrlSaved && document.activeElement !== ui.webhookUrl;
  webhookUrlSaved = url ?? '';
  if (untouched) ui.webhookUrl.value = webhookUrlSaved;
  ui.webhookClear.disabled = !url;
}

/** A signing secret, shown this once: selected, with a copy button and the note that it will not be shown again. */
function showWebhookSecret(text: string, secret: string) {
  ui.webhookSecretText.textContent = text;
  ui.webhookSecret.value = secret;
  ui.webhookSecretBox.hidden = false;
  ui.webhookSecret.focus();
  ui.webhookSecret.select();
}

function hideWebhookSecret() {
  ui.webhookSecretBox.hidden = true;
  ui.webhookSecret.value = '';
  ui.webhookSecretText.textContent = '';
}

/** Sets the URL (null: none). The service checks it (https, a public address) and says why not; a first URL brings its secret. */
async function saveWebhookUrl(url: string | null) {
  const { data } = await api<Settings>('PUT', sitePath('/settings'), { webhookUrl: url });
  webhookUrlSaved = ui.webhookUrl.value = data.webhookUrl ?? '';
  showWebhookUrl(data.webhookUrl);
  if (!data.webhookUrl) {
    hideWebhookSecret();
    announce('Webhook URL removed: no more events are sent.');
  } else if (data.webhookSecret) {
    showWebhookSecret(`Signing secret for ${data.webhookUrl} (shown once):`, data.webhookSecret);
    announce('Webhook URL saved. Copy the signing secret now: it will not be shown again.');
  } else {
    announce('Webhook URL saved; the signing secret is unchanged.');
  }
}

async function rotateWebhookSecret() {
  if (!confirm('Rotate the webhook signing secret? Deliveries are signed with the new one at once: your receiver must check them with it from now on.')) return;
  const { data } = await api<{ webhookSecret: string }>('POST', sitePath('/webhook-secret'));
  showWebhookSecret('New signing secret (the old one no longer signs; shown once):', data.webhookSecret);
  announce('The signing secret was rotated. Copy the new one now: it will not be shown again.');
}

const DELIVERY_STATES: Record<Delivery['state'], string> = { delivered: 'Delivered', retrying: 'Retrying', failed: 'Failed' };
/** What the deliveries table shows, so that it is only rebuilt on a change. */
let shownDeliveries = '';

function deliveryRow(delivery: Delivery) {
  const time = (iso: string) => el('time', { dateTime: iso, textContent: new Date(iso).toLocaleString() });
  const response = [delivery.responseStatus === null ? '' : `HTTP ${delivery.responseStatus}`, delivery.error ?? ''].filter(Boolean).join(': ');
  const tr = el(
    'tr',
    {},
    el('th', { scope: 'row', textContent: delivery.type }),
    el('td', { className: 'time' }, time(delivery.occurredAt)),
    el('td', { className: `state ${delivery.state}`, textContent: DELIVERY_STATES[delivery.state] ?? delivery.state }),
    el('td', { className: 'attempts', textContent: String(delivery.attempts) }),
    el('td', { className: 'response', textContent: response || '—' }),
  );
  tr.dataset.eventId = delivery.eventId;
  return tr;
}

async function loadDeliveries() {
  const { data } = await api<{ deliveries: Delivery[] }>('GET', sitePath('/webhook-deliveries'));
  if (!session) return;
  const signature = JSON.stringify(data.deliveries);
  if (signature !== shownDeliveries) {
    shownDeliveries = signature;
    ui.deliveriesBody.replaceChildren(...data.deliveries.map(deliveryRow));
  }
  ui.deliveriesTable.hidden = data.deliveries.length === 0;
  ui.deliveriesEmpty.hidden = data.deliveries.length > 0;
  ui.deliveriesUpdated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
}

async function refreshDeliveries() {
  ui.refreshDeliveries.disabled = true;
  try {
    await loadDeliveries();
  } finally {
    ui.refreshDeliveries.disabled = false;
  }
  const count = ui.deliveriesBody.childElementCount;
  announce(count ? `${count} ${count === 1 ? 'delivery' : 'deliveries'} shown, newest first.` : 'No deliveries yet.');
}

// ---------- add operator, token, snippet ----------

async function addOperator() {
  const id = ui.newId.value.trim();
  const name = ui.newName.value.trim();
  if (!name) throw new Error('Operator name: enter a name (1 to 100 characters).');
  const body = ui.newMax.value === '' ? { name } : { name, maxChats: Number(ui.newMax.value) };
  const { status, data } = await api<{ operator: Operator; operatorToken?: string }>('PUT', operatorPath(id), body);
  ui.addForm.reset();
  if (status === 201 && data.operatorToken) {
    showToken(`Operator token for ${data.operator.name} (shown once, copy it now):`, data.operatorToken);
    announce(`Operator ${data.operator.name} added. Copy the token now: it is shown only once.`);
  } else {
    hideToken();
    announce(`Operator ${id} already existed and was updated (no new token).`);
  }
  await refreshNow();
}

function showToken(text: string, token: string) {
  ui.tokenBoxText.textContent = text;
  ui.newToken.value = token;
  ui.tokenBox.hidden = false;
  ui.newToken.focus();
  ui.newToken.select();
}

function hideToken() {
  ui.tokenBox.hidden = true;
  ui.newToken.value = '';
  ui.tokenBoxText.textContent = '';
}

/** Copies with the Clipboard API; where it is missing or refused, selects the text for Ctrl+C. */
async function copy(text: string, what: string, select: () => void) {
  try {
    await navigator.clipboard.writeText(text);
    announce(`${what} copied.`);
  } catch {
    select();
    announce(`${what} selected: press Ctrl+C (⌘C on a Mac) to copy it.`);
  }
}

function selectContents(element: HTMLElement) {
  const range = document.createRange();
  range.selectNodeContents(element);
  getSelection()?.removeAllRanges();
  getSelection()?.addRange(range);
}

// ---------- wiring ----------

function onSubmit(form: HTMLFormElement, action: () => Promise<void>) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]');
    if (button) button.disabled = true;
    action()
      .catch(showError)
      .finally(() => {
        if (button) button.disabled = false;
      });
  });
}

onSubmit(ui.signInForm, async () => {
  const token = cleanToken(ui.tokenInput.value);
  try {
    if (!token) throw new Error('Paste the admin token first.');
    await signIn(token);
  } catch (error) {
    ui.tokenInput.focus(); // to correct it (the disabled submit button lost the focus)
    throw error;
  }
  ui.tokenInput.value = '';
  announce('Signed in.');
});
onSubmit(ui.settingsForm, saveSettings);
onSubmit(ui.addForm, addOperator);
onSubmit(ui.addGroupForm, addGroup);
onSubmit(ui.webhookForm, async () => {
  const url = ui.webhookUrl.value.trim();
  await saveWebhookUrl(url || null);
});

ui.signOut.addEventListener('click', () => signOut());
for (const button of ui.statsPeriod.querySelectorAll('button')) button.addEventListener('click', () => void choosePeriod(button).catch(showError));
// The charts are drawn at their box's width (text stays readable on a phone): redrawn when it changes.
new ResizeObserver(() => requestAnimationFrame(drawPeriodStats)).observe(ui.chatsChart);
ui.followUpsMore.addEventListener('click', () => void moreFollowUps().catch(showError));
ui.followUps.tabIndex = -1;
ui.rotateAdmin.addEventListener('click', () => void rotateAdminToken().catch(showError));
ui.avatarFile.addEventListener('change', () => {
  const file = ui.avatarFile.files?.[0];
  if (!file) return;
  uploadAvatar(file).catch((error: unknown) => {
    ui.avatarFile.value = ''; // so that picking the same file again retries
    showError(error);
  });
});
ui.copyToken.addEventListener('click', () => {
  void copy(ui.newToken.value, 'Token', () => {
    ui.newToken.focus();
    ui.newToken.select();
  });
});
ui.webhookClear.addEventListener('click', () => {
  ui.webhookClear.disabled = true;
  saveWebhookUrl(null)
    .catch(showError)
    .finally(() => {
      ui.webhookClear.disabled = !webhookUrlSaved;
      (ui.webhookClear.disabled ? ui.webhookUrl : ui.webhookClear).focus();
    });
});
ui.rotateWebhookSecret.addEventListener('click', () => void rotateWebhookSecret().catch(showError));
ui.refreshDeliveries.addEventListener('click', () => void refreshDeliveries().catch(showError));
ui.copyWebhookSecret.addEventListener('click', () => {
  void copy(ui.webhookSecret.value, 'Signing secret', () => {
    ui.webhookSecret.focus();
    ui.webhookSecret.select();
  });
});
ui.copySnippet.addEventListener('click', () => {
  void copy(ui.snippet.textContent ?? '', 'Snippet', () => selectContents(ui.snippet));
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && session) void refresh().catch(() => undefined);
});

const savedToken = sessionStorage.getItem(TOKEN_KEY);
if (savedToken) {
  ui.signInSection.hidden = true;
  signIn(savedToken).catch((error: unknown) => {
    ui.signInSection.hidden = false;
    const unavailable = (error instanceof SignInError && error.reason === 'unavailable') || (error instanceof ApiError && error.status === 0);
    if (!unavailable) sessionStorage.removeItem(TOKEN_KEY);
    if (error instanceof SignInError && error.reason === 'unknown') announce(TOKEN_NO_LONGER_WORKS.admin, true);
    else showError(error);
  });
}
