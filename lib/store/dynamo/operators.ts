import { GetCommand, QueryCommand, UpdateCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { belongsInQueue } from '../../domain/availability.js';
import type { Operator } from '../../domain/model.js';
import {
  LOAD_UNIT,
  liveShard,
  newOperatorItem,
  OPERATOR_SK_PREFIX,
  operatorFromItem,
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
import type { OperatorChanges, OperatorRecord, QueueCursor, QueuePage, QueueReadOptions, SiteRecord, StatusChange } from '../port.js';
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

/** Collects SET and REMOVE clauses of an update expression with their values. */
export class UpdateBuilder {
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};

  set(attribute: string, value: unknown): this {
    this.names[`#${attribute}`] = attribute;
    this.values[`:${attribute}`] = value;
    this.sets.push(`#${attribute} = :${attribute}`);
    return this;
  }

  setExpression(clause: string, values: Record<string, unknown> = {}): this {
    Object.assign(this.values, values);
    this.sets.push(clause);
    return this;
  }

  remove(attribute: string): this {
    this.names[`#${attribute}`] = attribute;
    this.removes.push(`#${attribute}`);
    return this;
  }

  /** SET when the value is present, REMOVE otherwise (attributes used in conditions stay absent when null). */
  setOrRemove(attribute: string, value: unknown): this {
    return value === null || value === undefined ? this.remove(attribute) : this.set(attribute, value);
  }

  expression(): string {
    return [
      this.sets.length ? `SET ${this.sets.join(', ')}` : '',
      this.removes.length ? `REMOVE ${this.removes.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
  }
}

export async function getOperator(ctx: DynamoContext, siteId: string, operatorId: string): Promise<OperatorRecord | null> {
  const { Item } = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: operatorKey(siteId, operatorId), ConsistentRead: true, ...CAPACITY }),
  );
  return Item ? operatorRecordFromItem(Item) : null;
}

export async function listOperators(ctx: DynamoContext, siteId: string): Promise<Operator[]> {
  const operators: Operator[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page: QueryCommandOutput = await ctx.doc.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': sitePk(siteId), ':prefix': OPERATOR_SK_PREFIX },
        ExclusiveStartKey: cursor,
        ConsistentRead: true,
        ...CAPACITY,
      }),
    );
    operators.push(...(page.Items ?? []).map(operatorFromItem));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return operators;
}

/** Creates the operator and its token together; false when the operator already exists. */
export async function createOperator(
  ctx: DynamoContext,
  record: OperatorRecord,
  timeoutSeconds: number,
  createdAt: string,
): Promise<boolean> {
  const { siteId, id } = record.operator;
  const outcome = await transact(ctx, [
    {
      Put: {
        TableName: ctx.tableName,
        Item: newOperatorItem(record, timeoutSeconds, createdAt),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    tokenPut(ctx, record.tokenHash, { role: 'operator', siteId, operatorId: id }),
  ]);
  return outcome.written;
}

/** A versioned write of an operator: it fails when anything but a heartbeat changed it since it was read. */
function versionedUpdate(ctx: DynamoContext, record: OperatorRecord, update: UpdateBuilder): Promise<boolean> {
  update.setExpression('version = version + :one', { ':one': 1, ':version': record.version });
  return conditionally(() =>
    ctx.doc.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: operatorKey(record.operator.siteId, record.operator.id),
        UpdateExpression: update.expression(),
        ConditionExpression: 'version = :version',
        ExpressionAttributeNames: update.names,
        ExpressionAttributeValues: update.values,
        ...CAPACITY,
      }),
    ),
  );
}

/** A higher limit, or none where there was one. */
function roomGrew(before: Operator, after: Operator): boolean {
  if (after.maxChats === null) return before.maxChats !== null;
  return before.maxChats !== null && after.maxChats > before.maxChats;
}

/** Adds or removes the operator's queue-index key so the index holds exactly who can take chats. */
function placeInQueue(update: UpdateBuilder, operator: Operator): UpdateBuilder {
  return update.setOrRemove('queuePk', belongsInQueue(operator) ? queuePk(operator.siteId) : null);
}

/** Marks the write's stream record: the operator may now take a waiting chat (see the dispatcher's filter). */
const freed = (update: UpdateBuilder, nowMs: number) => update.set('freedAtMs', nowMs);

export function updateOperator(ctx: DynamoContext, record: OperatorRecord, changes: OperatorChanges, nowMs: number): Promise<boolean> {
  const next = { ...record.operator, ...changes };
  const update = new UpdateBuilder()
    .set('name', changes.name)
    .set('avatarUrl', changes.avatarUrl)
    .setOrRemove('maxChats', changes.maxChats);
  if (roomGrew(record.operator, next)) freed(update, nowMs);
  return versionedUpdate(ctx, record, placeInQueue(update, next));
}

export function setStatus(ctx: DynamoContext, record: OperatorRecord, change: StatusChange): Promise<boolean> {
  const { operator } = record;
  const next = { ...operator, status: change.status };
  const update = new UpdateBuilder()
    .set('status', change.status)
    .set('turn', change.turn)
    .setExpression('heartbeatAtMs = :now, staleAt = timeoutMs + :now', { ':now': change.nowMs })
    .setOrRemove('liveShard', change.status === 'offline' ? null : liveShard(operator.siteId, operator.id));
  if (change.status === 'online') freed(update, change.nowMs);
  // An operator written before the load index gets its place there from this versioned write,
  // whose record is current (claims and closes then move it by arithmetic).
  const loadBase = operator.activeChats * LOAD_UNIT;
  update.setExpression('loadBase = if_not_exists(loadBase, :loadBaseRead), loadKey = if_not_exists(loadKey, :loadKeyRead)', {
    ':loadBaseRead': loadBase,
    ':loadKeyRead': loadBase + (operator.lastAssignedAt ? Date.parse(operator.lastAssignedAt) : 0),
  });
  return versionedUpdate(ctx, record, placeInQueue(update, next));
}

function heartbeat(ctx: DynamoContext, siteId: string, operatorId: string, nowMs: number, live: boolean) {
  return conditionally(() =>
    ctx.doc.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: operatorKey(siteId, operatorId),
        UpdateExpression: live
          ? 'SET heartbeatAtMs = :now, staleAt = timeoutMs + :now REMOVE freedAtMs'
          : 'SET heartbeatAtMs = :now, staleAt = timeoutMs + :now, freedAtMs = :now',
        ConditionExpression: live ? 'attribute_exists(pk) AND staleAt > :now' : 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': nowMs },
        ...CAPACITY,
      }),
    ),
  );
}

/**
 * A heartbeat of a live operator frees nothing, so its stream record wakes no dispatcher (it
 * clears the mark of an earlier write, already seen). One that brings a stale heartbeat back
 * (rare: the second write) marks the operator freed: it may take waiting chats again.
 */
export async function recordHeartbeat(ctx: DynamoContext, siteId: string, operatorId: string, nowMs: number): Promise<boolean> {
  return (await heartbeat(ctx, siteId, operatorId, nowMs, true)) || heartbeat(ctx, siteId, operatorId, nowMs, false);
}

export async function deleteOperator(ctx: DynamoContext, site: SiteRecord, record: OperatorRecord): Promise<boolean> {
  const { siteId } = site.settings;
  const operatorId = record.operator.id;
  const outcome = await transact(ctx, [
    { Delete: { TableName: ctx.tableName, Key: operatorKey(siteId, operatorId), ConditionExpression: 'attribute_exists(pk)' } },
    { Delete: { TableName: ctx.tableName, Key: tokenKey(record.tokenHash) } },
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
  const page = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      IndexName: byLoad ? LOAD_INDEX.indexName : QUEUE_INDEX.indexName,
      KeyConditionExpression: options.operatorsOnly ? `queuePk = :pk AND ${sortKey} >= :operators` : 'queuePk = :pk',
      ExpressionAttributeValues: {
        ':pk': queuePk(siteId),
        ...(options.operatorsOnly ? { ':operators': byLoad ? 0 : OPERATORS_QUEUE_SK_FROM } : {}),
      },
      Limit: options.limit,
      ExclusiveStartKey: options.cursor as Record<string, unknown> | undefined,
      ...CAPACITY,
    }),
  );
  const items = page.Items ?? [];
  const settingsItem = items.find(isSettingsQueueItem);
  // A settings item from before the packed copy: read from the table itself.
  const settings = settingsItem ? (settingsFromQueueItem(settingsItem) ?? (await getSite(ctx, siteId))?.settings ?? null) : null;
  return {
    settings,
    waiting: items.filter(isWaitingQueueItem).map((item) => waitingFromQueueItem(item).chatId),
    operators: items.filter((item) => item !== settingsItem && !isWaitingQueueItem(item)).map(operatorFromItem),
    cursor: page.LastEvaluatedKey as QueueCursor | undefined,
  };
}
