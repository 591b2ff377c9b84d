/**
 * Liveness checks: how a stale operator is set offline without a heartbeat moving any index.
 *
 * An operator online or away has one chain of checks: its item's `staleAt` (the liveness-index
 * sort key) is when the next check is due, and a deadline message carrying that time is on its
 * way. A check that finds the heartbeat live (or stale for less than STALE_GRACE_MS) moves
 * `staleAt` to the end of the heartbeat's grace (`liveUntil` + the grace) and the caller sends the
 * next message; one that finds it stale past the grace sets the operator offline. Both are conditional on `staleAt` still being the message's time, so a repeated or
 * superseded message (a status write starts a new chain) does nothing. The sweep acts on the
 * checks whose message was lost: their `staleAt` has passed.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { allLiveShards, beatLaterThan, lastBeatOf, operatorKey } from '../entities/operator.js';
import { settingsKey } from '../entities/site.js';
import { STALE_GRACE_MS } from '../../domain/availability.js';
import type { Operator } from '../../domain/model.js';
import type { LivenessCheck, LivenessOutcome } from '../port.js';
import { LIVENESS_INDEX } from '../table.js';
import { CAPACITY, isConditionFailure, queryPages, type DynamoContext } from './context.js';
import { OperatorUpdate, writeOperator } from './operator-write.js';

type Item = Record<string, unknown>;

/** A heartbeat landing between the read and the write makes a check look again, this often at most. */
const ATTEMPTS = 3;

/** The site's heartbeat timeout as its settings say now, in ms (undefined: no such site). */
async function currentTimeoutMs(ctx: DynamoContext, siteId: string): Promise<number | undefined> {
  const { Item } = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: settingsKey(siteId), ProjectionExpression: 'heartbeatTimeoutSeconds', ConsistentRead: true, ...CAPACITY }),
  );
  return typeof Item?.heartbeatTimeoutSeconds === 'number' ? Item.heartbeatTimeoutSeconds * 1000 : undefined;
}

/** The update as asked, or the item as it was when its condition failed (null: no item). */
async function updateOrCurrent(ctx: DynamoContext, input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>) {
  try {
    const { Attributes } = await ctx.doc.send(
      new UpdateCommand({ ...input, TableName: ctx.tableName, ReturnValues: 'UPDATED_NEW', ReturnValuesOnConditionCheckFailure: 'ALL_OLD', ...CAPACITY }),
    );
    return { written: true as const, attributes: Attributes ?? {} };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const old = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
    return { written: false as const, item: old ? (unmarshall(old) as Item) : null };
  }
}

/**
 * The next check at `nextDueAtMs` (by default the end of the heartbeat's grace: its stale time
 * plus STALE_GRACE_MS), if the check due at `dueAtMs` is still the current one.
 */
function rearm(ctx: DynamoContext, check: LivenessCheck, nowMs: number, nextDueAtMs?: number) {
  const live = nextDueAtMs === undefined;
  return updateOrCurrent(ctx, {
    Key: operatorKey(check.siteId, check.operatorId),
    // A check frees nothing: it clears the mark of an earlier write (seen already), so its stream record wakes no dispatcher.
    UpdateExpression: `${live ? 'SET staleAt = liveUntil + :grace' : 'SET staleAt = :next'} REMOVE freedAtMs`,
    ConditionExpression: `attribute_exists(liveShard) AND staleAt = :due${live ? ' AND liveUntil > :graceStart' : ''}`,
    ExpressionAttributeValues: { ':due': check.dueAtMs, ...(live ? { ':grace': STALE_GRACE_MS, ':graceStart': nowMs - STALE_GRACE_MS } : { ':next': nextDueAtMs }) },
  });
}

/**
 * Offline, on the condition that the operator is online or away, its heartbeat still older than
 * `cutoffMs`, and (`dueAtMs`) the check is still the current one. Its chain of checks ends with it.
 */
function setOffline(ctx: DynamoContext, operator: { siteId: string; operatorId: string; groups: readonly string[] }, cutoffMs: number, dueAtMs?: number) {
  return writeOperator(ctx, {
    ...operator,
    update: new OperatorUpdate()
      .setExpression('#status = :offline', { ':offline': 'offline' }, 'same', { '#status': 'status' })
      .setExpression('version = version + :one', { ':one': 1 })
      .remove('liveShard')
      .remove('staleAt')
      .queue(operator.siteId, false),
    condition: {
      expression: `attribute_exists(liveShard)${dueAtMs === undefined ? '' : ' AND staleAt = :due'} AND NOT ${beatLaterThan(':cutoff')}`,
      values: { ':cutoff': cutoffMs, ...(dueAtMs === undefined ? {} : { ':due': dueAtMs }) },
    },
  });
}

/** A stale operator past its grace that a claim came upon, set offline before its check comes (false: it beat meanwhile, or changed). */
export function setOfflineIfStale(ctx: DynamoContext, operator: Operator, cutoffMs: number): Promise<boolean> {
  return setOffline(ctx, { siteId: operator.siteId, operatorId: operator.id, groups: operator.groups }, cutoffMs);
}

/**
 * Acts on the check due at `check.dueAtMs`: one conditional write when the operator is live (the
 * common case). A stale one is held to the site's timeout as it is now (a raised timeout reaches
 * the operators' copies a page at a time) before it is set offline.
 */
export async function checkLiveness(ctx: DynamoContext, check: LivenessCheck, nowMs: number): Promise<LivenessOutcome> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const live = await rearm(ctx, check, nowMs);
    if (live.written) return { kind: 'rearmed', dueAtMs: Number(live.attributes.staleAt) };
    const { item } = live;
    // Gone, offline, or another check is the current one.
    if (!item || item.liveShard === undefined || item.staleAt !== check.dueAtMs) return { kind: 'none' };
    const timeoutMs = (await currentTimeoutMs(ctx, check.siteId)) ?? Number(item.timeoutMs);
    const beatAtMs = lastBeatOf(item);
    const graceEndsAt = beatAtMs === null ? null : beatAtMs + timeoutMs + STALE_GRACE_MS;
    if (graceEndsAt !== null && graceEndsAt > nowMs) {
      const later = await rearm(ctx, check, nowMs, graceEndsAt);
      return later.written ? { kind: 'rearmed', dueAtMs: graceEndsAt } : { kind: 'none' };
    }
    const groups = (item.groups as string[] | undefined) ?? [];
    const cutoffMs = nowMs - timeoutMs - STALE_GRACE_MS;
    if (await setOffline(ctx, { siteId: check.siteId, operatorId: check.operatorId, groups }, cutoffMs, check.dueAtMs)) return { kind: 'offline' };
    // A heartbeat (or a change of groups) landed meanwhile: look again.
  }
  return { kind: 'none' };
}

/**
 * The items of the liveness index's `shards` whose time (`staleAt`) passed before `beforeMs`:
 * operators' checks, or chats' answer deadlines, each kind in shards of its own.
 */
export async function dueInShards(ctx: DynamoContext, shards: readonly string[], beforeMs: number, projection: string) {
  const items: Item[] = [];
  let itemsRead = 0;
  for (const shard of shards) {
    const pages = queryPages(ctx, {
      IndexName: LIVENESS_INDEX.indexName,
      KeyConditionExpression: 'liveShard = :shard AND staleAt < :before',
      ExpressionAttributeValues: { ':shard': shard, ':before': beforeMs },
      ProjectionExpression: projection,
    });
    for await (const page of pages) {
      itemsRead += page.ScannedCount ?? 0;
      items.push(...(page.Items ?? []));
    }
  }
  return { items, itemsRead };
}

/** The checks due by `nowMs` (their message lost, or not yet delivered), in every operator shard of the liveness index. */
export async function dueLivenessChecks(ctx: DynamoContext, nowMs: number): Promise<{ checks: LivenessCheck[]; itemsRead: number }> {
  const { items, itemsRead } = await dueInShards(ctx, allLiveShards(), nowMs, 'siteId, operatorId, staleAt');
  return { checks: items.map((item) => ({ siteId: String(item.siteId), operatorId: String(item.operatorId), dueAtMs: Number(item.staleAt) })), itemsRead };
}
