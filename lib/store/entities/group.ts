/**
 * Groups (departments) and the copies of their operators.
 *
 * - group       SITE#<siteId> / GROUP#<groupId>: its name and fallback; also the head of the group's
 *               own partition of the queue and load indexes (`groupQueuePk`), sorted first like a
 *               site's settings, carrying a packed copy of the site's settings (`settingsCopy`)
 *               and of itself (`groupCopy`): a group chat's start reads that one partition only.
 * - member copy SITE#<siteId> / GM#<groupId>#<operatorId>: the operator as the indexes show it,
 *               in the group's partition while the operator can take chats (queuePk set), in the
 *               same queue and load order. Every write that moves what the copies hold writes
 *               them in the same transaction (lib/store/dynamo/operator-write.ts), conditional on
 *               the operator's groups being those it read, so they never drift; heartbeats alone
 *               are not copied (a copy reads as live, and the claim checks the operator itself).
 *
 * So a chat for a group of ten reads ten copies, however many operators the site has.
 */
import type { Group, Operator, Settings } from '../../domain/model.js';
import { itemMapper, nullable, value, type EntityDefinition, type Item } from './attributes.js';
import { LOAD_UNIT, loadKeyOf, OPERATOR_ATTRIBUTES, operatorAttributes, operatorFromQueueItem, operatorQueueSk } from './operator.js';
import { SETTINGS_COPY, SETTINGS_LOAD_KEY, SETTINGS_QUEUE_SK, settingsAttributes, sitePk } from './site.js';

export const GROUP_SK_PREFIX = 'GROUP#';
export const MEMBER_SK_PREFIX = 'GM#';

export const groupKey = (siteId: string, groupId: string) => ({ pk: sitePk(siteId), sk: `${GROUP_SK_PREFIX}${groupId}` });
export const memberKey = (siteId: string, groupId: string, operatorId: string) => ({
  pk: sitePk(siteId),
  sk: `${MEMBER_SK_PREFIX}${groupId}#${operatorId}`,
});
/** Where a group's copies start in the table (all of them: begins_with). */
export const memberPrefix = (groupId: string) => `${MEMBER_SK_PREFIX}${groupId}#`;

/** The queue- and load-index partition of a group (identifiers have no '#', so it is no site's). */
export const groupQueuePk = (siteId: string, groupId: string) => `SITE#${siteId}#G#${groupId}`;

const groupMapper = itemMapper<Group>({
  siteId: value<string>(),
  id: value<string>().storedAs('groupId'),
  name: value<string>(),
  fallbackAfterSeconds: nullable<number>(),
});

export const GROUP_COPY = 'groupCopy';

export const GROUP = {
  type: 'group',
  // Its own attributes packed (the index's twenty named attributes are nearly all taken).
  indexes: { queue: [GROUP_COPY], load: [GROUP_COPY] },
} as const satisfies EntityDefinition;

export const MEMBER = {
  type: 'member',
  indexes: { queue: OPERATOR_ATTRIBUTES, load: OPERATOR_ATTRIBUTES },
} as const satisfies EntityDefinition;

/** A new group's item, at the head of its partition with the site's settings as they are now. */
export function groupItem(group: Group, settings: Settings, createdAt: string): Item {
  return {
    ...groupKey(group.siteId, group.id),
    type: GROUP.type,
    ...groupMapper.write(group),
    [GROUP_COPY]: groupMapper.write(group),
    [SETTINGS_COPY]: settingsAttributes(settings),
    createdAt,
    queuePk: groupQueuePk(group.siteId, group.id),
    queueSk: SETTINGS_QUEUE_SK,
    loadKey: SETTINGS_LOAD_KEY,
  };
}

/** The attributes a group's update writes (its name and fallback, and their packed copy). */
export function groupChanges(group: Group): Item {
  const { siteId: _siteId, ...fields } = groupMapper.write(group);
  return { ...fields, [GROUP_COPY]: groupMapper.write(group) };
}

export const groupFromItem = (item: Item): Group => groupMapper.read(item);

export const isGroupQueueItem = (item: Item) => typeof item.sk === 'string' && item.sk.startsWith(GROUP_SK_PREFIX);

export function groupFromQueueItem(item: Item): Group | undefined {
  const copy = item[GROUP_COPY];
  return copy && typeof copy === 'object' ? groupMapper.read(copy as Item) : undefined;
}

/**
 * A copy of the operator for one of its groups, written whole when the operator joins the group
 * (from a record read consistently and guarded by its version, so it is exact).
 */
export function memberItem(operator: Operator, groupId: string, inQueue: boolean): Item {
  const loadKey = loadKeyOf(operator);
  return {
    ...memberKey(operator.siteId, groupId, operator.id),
    type: MEMBER.type,
    groupId,
    ...operatorAttributes(operator),
    queueSk: operatorQueueSk(operator.lastAssignedAt),
    loadBase: operator.activeChats * LOAD_UNIT,
    loadKey,
    ...(inQueue ? { queuePk: groupQueuePk(operator.siteId, groupId) } : {}),
  };
}

export const isMemberQueueItem = (item: Item) => typeof item.sk === 'string' && item.sk.startsWith(MEMBER_SK_PREFIX);

/** A copy read from a group's partition: as an index copy of the operator (its heartbeat reads as live). */
export const operatorFromMemberItem = operatorFromQueueItem;
