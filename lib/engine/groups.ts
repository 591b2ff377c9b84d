import { groupNotFound } from '../domain/errors.js';
import type { Group } from '../domain/model.js';
import type { GroupInput } from '../domain/schemas.js';
import { untilWritten, type EngineDeps } from './deps.js';
import { dispatchWaiting } from './dispatch.js';
import { requireSite } from './sites.js';

/** The group as the API shows it. */
export const publicGroup = (group: Group) => ({ id: group.id, name: group.name, fallbackAfterSeconds: group.fallbackAfterSeconds });

/** Creates the group or updates it (a fallback left out keeps its value); whether it was created. */
export async function putGroup(deps: EngineDeps, siteId: string, groupId: string, input: GroupInput) {
  const site = await requireSite(deps, siteId);
  const existing = await deps.store.getGroup(siteId, groupId);
  const group: Group = {
    siteId,
    id: groupId,
    name: input.name,
    fallbackAfterSeconds: input.fallbackAfterSeconds !== undefined ? input.fallbackAfterSeconds : (existing?.fallbackAfterSeconds ?? null),
  };
  const outcome = await deps.store.putGroup(group, site.settings, new Date(deps.clock()).toISOString());
  return { group, created: outcome === 'created' };
}

export async function listGroups(deps: EngineDeps, siteId: string): Promise<Group[]> {
  await requireSite(deps, siteId);
  return deps.store.listGroups(siteId);
}

/** Takes the group out of the operator's groups (nothing to do when it is not in them any more). */
async function leaveGroup(deps: EngineDeps, siteId: string, operatorId: string, groupId: string) {
  await untilWritten(async () => {
    const record = await deps.store.getOperator(siteId, operatorId);
    if (!record || !record.operator.groups.includes(groupId)) return true;
    const { name, avatarUrl, maxChats, groups } = record.operator;
    const changes = { name, avatarUrl, maxChats, groups: groups.filter((id) => id !== groupId) };
    return (await deps.store.updateOperator(record, changes, deps.clock())).written || undefined;
  });
}

/**
 * Deletes the group: first its item (so no chat or operator can name it any more), then it is
 * taken out of its operators' groups, and its waiting chats go on waiting for anyone, dispatched
 * at once. When a DELETE failed midway, repeating it finishes the job (and the repair job falls
 * back the chats of a group that is gone); only a group with nothing left of it is a 404.
 */
export async function deleteGroup(deps: EngineDeps, siteId: string, groupId: string): Promise<void> {
  await requireSite(deps, siteId);
  const deleted = await deps.store.deleteGroupItem(siteId, groupId);
  const members = await deps.store.listMemberIds(siteId, groupId);
  if (!deleted && members.length === 0) throw groupNotFound();
  for (const operatorId of members) await leaveGroup(deps, siteId, operatorId, groupId);
  const waiting = (await deps.store.listWaiting(siteId)).filter((entry) => entry.group === groupId && !entry.escalated);
  for (const entry of waiting) await deps.store.escalateWaiting(entry);
  if (waiting.length > 0) await dispatchWaiting(deps, siteId);
}
