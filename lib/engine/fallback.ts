import type { Deadline } from '../deadlines/deadline.js';
import type { Group } from '../domain/model.js';
import type { WaitingEntry } from '../store/port.js';
import type { EngineDeps } from './deps.js';
import { dispatchWaiting } from './dispatch.js';

/** When a group chat may go to anyone: its creation plus the group's fallback; null: never (or no group any more: now). */
export function fallbackDueAtMs(entry: Pick<WaitingEntry, 'createdAt'>, group: Group | null): number | null {
  if (!group) return Date.parse(entry.createdAt);
  return group.fallbackAfterSeconds === null ? null : Date.parse(entry.createdAt) + group.fallbackAfterSeconds * 1000;
}

/**
 * A group chat's fallback moment came: if it still waits for its group, it may now go to any
 * operator of the site (its entry moves to the site's partition, keeping its group), and the
 * site is dispatched at once. The group's fallback is read again: raised since the chat started,
 * the moment is sent again for later; set to never, nothing happens. Idempotent.
 */
export async function fallBackToSite(deps: EngineDeps, deadline: Extract<Deadline, { kind: 'group-fallback' }>) {
  const { siteId, chatId } = deadline;
  const record = await deps.store.getChat(siteId, chatId);
  if (!record || record.chat.status !== 'waiting' || record.chat.group === null) return { fellBack: false, assigned: 0 };
  const { chat } = record;
  const group = await deps.store.getGroup(siteId, chat.group!);
  const dueAtMs = fallbackDueAtMs(chat, group);
  const nowMs = deps.clock();
  if (dueAtMs === null) return { fellBack: false, assigned: 0 };
  if (dueAtMs > nowMs) {
    await deps.deadlines.schedule({ ...deadline, dueAtMs }, nowMs);
    return { fellBack: false, assigned: 0 };
  }
  const entry: WaitingEntry = { siteId, chatId, visitorId: chat.visitorId, group: chat.group, createdAt: chat.createdAt, escalated: false, missedBy: chat.missedBy };
  const fellBack = await deps.store.escalateWaiting(entry);
  // Dispatched even when another delivery moved it first: that one may have failed before dispatching.
  const { assigned } = await dispatchWaiting(deps, siteId);
  return { fellBack, assigned };
}

/**
 * For the periodic repair: the site's group chats whose fallback moment has passed but still
 * wait for their group (a lost or failed deadline, a group deleted midway, a fallback lowered
 * since they started) may now go to anyone. Returns how many moved.
 */
export async function fallBackOverdue(deps: EngineDeps, entries: readonly WaitingEntry[]): Promise<number> {
  const groups = new Map<string, Group | null>();
  let moved = 0;
  for (const entry of entries) {
    if (entry.group === null || entry.escalated) continue;
    if (!groups.has(entry.group)) groups.set(entry.group, await deps.store.getGroup(entry.siteId, entry.group));
    const dueAtMs = fallbackDueAtMs(entry, groups.get(entry.group) ?? null);
    if (dueAtMs !== null && dueAtMs <= deps.clock() && (await deps.store.escalateWaiting(entry))) moved += 1;
  }
  return moved;
}
