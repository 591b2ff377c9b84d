import { GetCommand, QueryCommand, UpdateCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import {
  groupFromQueueItem,
  groupKey,
  groupQueuePk,
  isGroupQueueItem,
  isMemberQueueItem,
  memberItem,
  memberKey,
  operatorFromMemberItem,
} from '../entities/group.js';
import { OperatorUpdate, operatorWriteItems, writeOperator, type OperatorWrite } from './operator-write.js';
import { belongsInQueue } from '../../domain/availability.js';
import type { Operator, Settings } from '../../domain/model.js';
import {
  LOAD_UNIT,
  loadKeyOf,
  liveShard,
  newOperatorItem,
  OPERATOR_SK_PREFIX,
  operatorFromItem,
  operatorFromQueueItem,
  operatorKey,
  operatorRecordFromItem,
} from '../entities/operator.js';
import {
  DEFAULT_OPERATOR_ATTRIBUTES,
  isSettingsQueueItem,
  OPERATORS_QUEUE_SK_FROM,
  queuePk,
  SETTINGS_COPY,
  settingsFromQueueItem,
  settingsKey,
  sitePk,
} from '../entities/site.js';
import { isWaitingQueueItem, waitingFromQueueItem } from '../entities/waiting.js';
import { tokenKey } from '../entities/token.js';
import { randomSlotsOf } from '../entities/random-slot.js';
import type { OperatorChanges, OperatorRecord, OperatorWriteOutcome, QueueCursor, QueuePage, QueueReadOptions, SiteRecord, StatusChange } from '../port.js';
import { LOAD_INDEX, QUEUE_INDEX } from '../table.js';
import { CAPACITY, isConditionFailure, transact, type DynamoContext } from './context.js';
import { getSite } from './sites.js';
import { tokenPut } from './tokens.js';

/** Runs a conditional write; false when its condition failed. */
export async function conditionally(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export async function getOperator(ctx: DynamoContext, siteId: string, operatorId: string, options: { consistent?: boolean } = {}): Promise<OperatorRecord | null> {
  const { Item } = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: operatorKey(siteId, operatorId), ConsistentRead: options.consistent ?? true, ...CAPACITY }),
  );
  return Item ? operatorRecordFromItem(Item) : null;
}

export async function listOperators(ctx: DynamoContext, siteId: string, options: { consistent?: boolean } = {}): Promise<Operator[]> {
  const operators: Operator[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page: QueryCommandOutput = await ctx.doc.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': sitePk(siteId), ':prefix': OPERATOR_SK_PREFIX },
        ExclusiveStartKey: cursor,
        ConsistentRead: options.consistent ?? true,
        ...CAPACITY,
      }),
    );
    operators.push(...(page.Items ?? []).map(operatorFromItem));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return operators;
}

/** Checks, in a transaction, that each group exists (a group deleted meanwhile fails it). */
const groupExists = (ctx: DynamoContext, siteId: string, groupId: string) => ({
  ConditionCheck: { TableName: ctx.tableName, Key: groupKey(siteId, groupId), ConditionExpression: 'attribute_exists(pk)' },
});

/**
 * Creates the operator, its token and its group copies together: 'exists' when the operator
 * already exists, or the first of its groups that does not.
 */
export async function createOperator(
  ctx: DynamoContext,
  record: OperatorRecord,
  timeoutSeconds: number,
  createdAt: string,
): Promise<OperatorWriteOutcome> {
  const { siteId, id, groups } = record.operator;
  const outcome = await transact(ctx, [
    {
      Put: {
        TableName: ctx.tableName,
        Item: newOperatorItem(record, timeoutSeconds, createdAt),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    tokenPut(ctx, record.tokenHash, { role: 'operator', siteId, operatorId: id }),
    ...groups.map((groupId) => groupExists(ctx, siteId, groupId)),
    ...groups.map((groupId) => ({ Put: { TableName: ctx.tableName, Item: memberItem(record.operator, groupId, false) } })),
  ]);
  if (outcome.written) return { written: true };
  const missingGroup = groups[outcome.failedAt - 2];
  return missingGroup !== undefined ? { written: false, missingGroup } : { written: false };
}

/** A versioned write of an operator (and its copies): it fails when anything but a heartbeat changed it since it was read. */
function versionedWrite(record: OperatorRecord, update: OperatorUpdate): OperatorWrite {
  update.setExpression('version = version + :one', { ':one': 1 });
  return {
    siteId: record.operator.siteId,
    operatorId: record.operator.id,
    groups: record.operator.groups,
    update,
    condition: { expression: 'version = :version', values: { ':version': record.version } },
  };
}

/** A higher limit, or none where there was one. */
function roomGrew(before: Operator, after: Operator): boolean {
  if (after.maxChats === null) return before.maxChats !== null;
  return before.maxChats !== null && after.maxChats > before.maxChats;
}

/** Adds or removes the operator's queue-index key so the index holds exactly who can take chats (its copies follow). */
function placeInQueue(update: OperatorUpdate, operator: Operator): OperatorUpdate {
  return update.queue(operator.siteId, belongsInQueue(operator));
}

/** Marks the write's stream record: the operator may now take a waiting chat (see the dispatcher's filter). */
const freed = (update: OperatorUpdate, nowMs: number) => update.set('freedAtMs', nowMs);

/**
 * The profile, the limit and the groups. Copies of groups it leaves are deleted, copies for
 * groups it joins are written whole (from this record, current by its version), each joined
 * group checked to exist in the same transaction.
 */
export async function updateOperator(
  ctx: DynamoContext,
  record: OperatorRecord,
  changes: OperatorChanges,
  nowMs: number,
): Promise<OperatorWriteOutcome> {
  const { operator } = record;
  const next = { ...operator, ...changes };
  const update = new OperatorUpdate()
    .set('name', changes.name, 'same')
    .set('avatarUrl', changes.avatarUrl, 'same')
    .setOrRemove('maxChats', changes.maxChats, 'same')
    .set('groups', changes.groups, 'same');
  const kept = operator.groups.filter((groupId) => changes.groups.includes(groupId));
  const left = operator.groups.filter((groupId) => !changes.groups.includes(groupId));
  const joined = changes.groups.filter((groupId) => !operator.groups.includes(groupId));
  // More room, or a group whose waiting chats it may now take.
  if (roomGrew(operator, next) || joined.length > 0) freed(update, nowMs);
  const write = versionedWrite(record, placeInQueue(update, next));
  if (left.length === 0 && joined.length === 0) return { written: await writeOperator(ctx, write) };
  const [own, ...keptCopies] = operatorWriteItems(ctx, { ...write, copiesOf: kept });
  const outcome = await transact(ctx, [
    own!,
    ...joined.map((groupId) => groupExists(ctx, operator.siteId, groupId)),
    ...keptCopies,
    ...left.map((groupId) => ({ Delete: { TableName: ctx.tableName, Key: memberKey(operator.siteId, groupId, operator.id) } })),
    ...joined.map((groupId) => ({ Put: { TableName: ctx.tableName, Item: memberItem(next, groupId, belongsInQueue(next)) } })),
  ]);
  if (outcome.written) return { written: true };
  const missingGroup = joined[outcome.failedAt - 1];
  return missingGroup !== undefined ? { written: false, missingGroup } : { written: false };
}

export function setStatus(ctx: DynamoContext, record: OperatorRecord, change: StatusChange): Promise<boolean> {
  const { operator } = record;
  const next = { ...operator, status: change.status };
  const update = new OperatorUpdate()
    .setExpression('#status = :status', { ':status': change.status }, 'same', { '#status': 'status' })
    .set('turn', change.turn, 'same')
    .setExpression('beatAtMs = :now, liveUntil = timeoutMs + :now', { ':now': change.nowMs });
  // Online or away: a new chain of liveness checks, from `checkAtMs` (the message the engine sends carries it).
  if (change.status === 'offline') update.remove('liveShard').remove('staleAt');
  else update.set('liveShard', liveShard(operator.siteId, operator.id)).set('staleAt', change.checkAtMs);
  if (change.status === 'online') freed(update, change.nowMs);
  // An operator written before the load index gets its place there from this versioned write,
  // whose record is current (claims and closes then move it by arithmetic).
  const loadBase = operator.activeChats * LOAD_UNIT;
  update.setExpression(
    'loadBase = if_not_exists(loadBase, :loadBaseRead), loadKey = if_not_exists(loadKey, :loadKeyRead)',
    { ':loadBaseRead': loadBase, ':loadKeyRead': loadKeyOf(operator) },
    'same',
  );
  return writeOperator(ctx, versionedWrite(record, placeInQueue(update, next)));
}

function heartbeat(ctx: DynamoContext, siteId: string, operatorId: string, nowMs: number, live: boolean) {
  return conditionally(() =>
    ctx.doc.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: operatorKey(siteId, operatorId),
        UpdateExpression: live
          ? 'SET beatAtMs = :now, liveUntil = timeoutMs + :now REMOVE freedAtMs'
          : 'SET beatAtMs = :now, liveUntil = timeoutMs + :now, freedAtMs = :now',
        ConditionExpression: live ? 'attribute_exists(pk) AND liveUntil > :now' : 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': nowMs },
        ...CAPACITY,
      }),
    ),
  );
}

/**
 * A heartbeat writes the operator's item alone, and nothing any index holds: one write unit. Its
 * liveness checks go on by themselves (store/dynamo/liveness.ts). A heartbeat of a live operator
 * frees nothing, so its stream record wakes no dispatcher (it clears the mark of an earlier
 * write, already seen). One that brings a stale heartbeat back (rare: the second write) marks the
 * operator freed: it may take waiting chats again.
 */
export async function recordHeartbeat(ctx: DynamoContext, siteId: string, operatorId: string, nowMs: number): Promise<boolean> {
  return (await heartbeat(ctx, siteId, operatorId, nowMs, true)) || heartbeat(ctx, siteId, operatorId, nowMs, false);
}

/** False when the operator changed since it was read (or is gone): the caller reads it again. */
export async function deleteOperator(ctx: DynamoContext, site: SiteRecord, record: OperatorRecord): Promise<boolean> {
  const { siteId } = site.settings;
  const operatorId = record.operator.id;
  const outcome = await transact(ctx, [
    {
      Delete: {
        TableName: ctx.tableName,
        Key: operatorKey(siteId, operatorId),
        // Its groups as read, so that every copy goes with it; its random-mode slot given back first.
        ConditionExpression: 'version = :version AND attribute_not_exists(randomSlot)',
        ExpressionAttributeValues: { ':version': record.version },
      },
    },
    { Delete: { TableName: ctx.tableName, Key: tokenKey(record.tokenHash) } },
    ...record.operator.groups.map((groupId) => ({ Delete: { TableName: ctx.tableName, Key: memberKey(siteId, groupId, operatorId) } })),
  ]);
  if (!outcome.written) return false;
  // A default that names a deleted operator would only be skipped, but the admin should see it
  // gone. Both are tried, on the current value, in case a settings update named it meanwhile.
  for (const attribute of DEFAULT_OPERATOR_ATTRIBUTES) {
    await conditionally(() =>
      ctx.doc.send(
        new UpdateCommand({
          TableName: ctx.tableName,
          Key: settingsKey(siteId),
          // The packed copy follows (an item from before it existed keeps the default: it is skipped when read).
          UpdateExpression: `SET ${attribute} = :none, ${SETTINGS_COPY}.${attribute} = :none`,
          ConditionExpression: `${attribute} = :operatorId AND attribute_exists(${SETTINGS_COPY})`,
          ExpressionAttributeValues: { ':none': null, ':operatorId': operatorId },
          ...CAPACITY,
        }),
      ),
    );
  }
  return true;
}

export async function readQueue(
  ctx: DynamoContext,
  siteId: string,
  options: QueueReadOptions,
): Promise<QueuePage> {
  const byLoad = options.order === 'load';
  const sortKey = byLoad ? LOAD_INDEX.sortKey.name : QUEUE_INDEX.sortKey.name;
  const { group } = options;
  const page = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      IndexName: byLoad ? LOAD_INDEX.indexName : QUEUE_INDEX.indexName,
      KeyConditionExpression: options.operatorsOnly ? `queuePk = :pk AND ${sortKey} >= :operators` : 'queuePk = :pk',
      ExpressionAttributeValues: {
        ':pk': group ? groupQueuePk(siteId, group) : queuePk(siteId),
        ...(options.operatorsOnly ? { ':operators': byLoad ? 0 : OPERATORS_QUEUE_SK_FROM } : {}),
      },
      Limit: options.limit,
      ExclusiveStartKey: options.cursor as Record<string, unknown> | undefined,
      ...CAPACITY,
    }),
  );
  const items = page.Items ?? [];
  const headItem = items.find(group ? isGroupQueueItem : isSettingsQueueItem);
  let settings: Settings | null = null;
  if (headItem) {
    // A settings item from before the packed copy: read from the table itself.
    settings = settingsFromQueueItem(headItem) ?? (await getSite(ctx, siteId))?.settings ?? null;
  }
  return {
    settings,
    ...(group ? { group: headItem ? (groupFromQueueItem(headItem) ?? null) : null } : {}),
    waiting: items.filter(isWaitingQueueItem).map((item) => {
      const { chatId, missedBy } = waitingFromQueueItem(item);
      return { chatId, missedBy };
    }),
    operators: items
      .filter((item) => item !== headItem && !isWaitingQueueItem(item))
      .map((item) => (isMemberQueueItem(item) ? operatorFromMemberItem(item) : operatorFromQueueItem(item))),
    randomSlots: headItem && !group ? randomSlotsOf(headItem) : 0,
    cursor: page.LastEvaluatedKey as QueueCursor | undefined,
  };
}
