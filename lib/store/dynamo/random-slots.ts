/**
 * Random mode's slots (entities/random-slot.ts): the online operators of a site, numbered 0 … n-1
 * with no gap, so that a chat start draws a number below n and reads that one slot.
 *
 * An operator takes slot n when it comes online; when it leaves, the last slot's operator moves
 * into the slot it freed. Each change is one transaction conditional on the count it read, so the
 * changes of one site happen one after another (the loser of a race reads again), and each is
 * idempotent: it moves the slots towards what the operator's item says now. A slot whose
 * operator went offline without it (its heartbeat went stale) only costs a pick another draw,
 * and the pick that finds it gives it back.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { operatorKey } from '../entities/operator.js';
import { RANDOM_SLOT, randomSlotKey, randomSlotsOf } from '../entities/random-slot.js';
import { SETTINGS_COPY, settingsKey } from '../entities/site.js';
import { CAPACITY, transact, type DynamoContext, type TransactItem } from './context.js';

export type SlotChange = 'unchanged' | 'joined' | 'left' | 'lost';

/** The operator in slot `slot` (an eventually consistent read: a pick checks what it finds). */
export async function readRandomSlot(ctx: DynamoContext, siteId: string, slot: number): Promise<string | null> {
  const { Item } = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: randomSlotKey(siteId, slot), ProjectionExpression: 'operatorId', ...CAPACITY }),
  );
  return typeof Item?.operatorId === 'string' ? Item.operatorId : null;
}

async function getStrong(ctx: DynamoContext, Key: Record<string, unknown>, ProjectionExpression: string, names: Record<string, string> = {}) {
  const { Item } = await ctx.doc.send(
    new GetCommand({
      TableName: ctx.tableName,
      Key,
      ProjectionExpression,
      ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
      ConsistentRead: true,
      ...CAPACITY,
    }),
  );
  return Item;
}

/** The count as read: unchanged since, or the transaction fails. */
function countWrite(ctx: DynamoContext, siteId: string, count: number, next: number): TransactItem {
  return {
    Update: {
      TableName: ctx.tableName,
      Key: settingsKey(siteId),
      UpdateExpression: 'SET #copy.randomSlots = :next',
      ConditionExpression: count === 0 ? 'attribute_exists(#copy) AND (attribute_not_exists(#copy.randomSlots) OR #copy.randomSlots = :count)' : '#copy.randomSlots = :count',
      ExpressionAttributeNames: { '#copy': SETTINGS_COPY },
      ExpressionAttributeValues: { ':next': next, ':count': count },
    },
  };
}

async function join(ctx: DynamoContext, siteId: string, operatorId: string, count: number): Promise<boolean> {
  const outcome = await transact(ctx, [
    countWrite(ctx, siteId, count, count + 1),
    { Put: { TableName: ctx.tableName, Item: { ...randomSlotKey(siteId, count), type: RANDOM_SLOT.type, operatorId } } },
    {
      Update: {
        TableName: ctx.tableName,
        Key: operatorKey(siteId, operatorId),
        UpdateExpression: 'SET randomSlot = :slot REMOVE freedAtMs',
        ConditionExpression: '#status = :online AND attribute_not_exists(randomSlot)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':slot': count, ':online': 'online' },
      },
    },
  ]);
  return outcome.written;
}

/** The operator gives its slot back; `leaving` (to be deleted): whatever its status. */
async function leave(ctx: DynamoContext, siteId: string, operatorId: string, slot: number, count: number, leaving: boolean): Promise<boolean> {
  const giveBack: TransactItem = {
    Update: {
      TableName: ctx.tableName,
      Key: operatorKey(siteId, operatorId),
      UpdateExpression: 'REMOVE randomSlot, freedAtMs',
      ConditionExpression: leaving ? 'randomSlot = :slot' : 'randomSlot = :slot AND #status <> :online',
      ...(leaving ? {} : { ExpressionAttributeNames: { '#status': 'status' } }),
      ExpressionAttributeValues: { ':slot': slot, ...(leaving ? {} : { ':online': 'online' }) },
    },
  };
  // A mark past the count (never written so; an item restored from a backup): only the mark goes.
  if (slot >= count) return (await transact(ctx, [giveBack])).written;
  const last = count - 1;
  const ownSlotCondition = { ConditionExpression: 'operatorId = :me', ExpressionAttributeValues: { ':me': operatorId } };
  if (slot === last) {
    return (await transact(ctx, [countWrite(ctx, siteId, count, last), { Delete: { TableName: ctx.tableName, Key: randomSlotKey(siteId, last), ...ownSlotCondition } }, giveBack])).written;
  }
  const moved = (await getStrong(ctx, randomSlotKey(siteId, last), 'operatorId'))?.operatorId;
  if (typeof moved !== 'string') return false;
  const outcome = await transact(ctx, [
    countWrite(ctx, siteId, count, last),
    { Put: { TableName: ctx.tableName, Item: { ...randomSlotKey(siteId, slot), type: RANDOM_SLOT.type, operatorId: moved }, ...ownSlotCondition } },
    {
      Delete: {
        TableName: ctx.tableName,
        Key: randomSlotKey(siteId, last),
        ConditionExpression: 'operatorId = :moved',
        ExpressionAttributeValues: { ':moved': moved },
      },
    },
    {
      Update: {
        TableName: ctx.tableName,
        Key: operatorKey(siteId, moved),
        UpdateExpression: 'SET randomSlot = :slot REMOVE freedAtMs',
        ConditionExpression: 'randomSlot = :last',
        ExpressionAttributeValues: { ':slot': slot, ':last': last },
      },
    },
    giveBack,
  ]);
  return outcome.written;
}

/**
 * Gives the operator a slot when it is online without one, or takes its slot back when it has
 * one and is not online (or is `leaving`: about to be deleted); 'lost' when another change of
 * the site's slots came first (the caller tries again). A site from before the packed settings
 * copy keeps no slots (its random mode reads every operator).
 */
export async function keepRandomSlot(ctx: DynamoContext, siteId: string, operatorId: string, leaving = false): Promise<SlotChange> {
  const [operator, settings] = await Promise.all([
    getStrong(ctx, operatorKey(siteId, operatorId), '#status, randomSlot', { '#status': 'status' }),
    getStrong(ctx, settingsKey(siteId), '#copy.randomSlots, #copy.siteId', { '#copy': SETTINGS_COPY }),
  ]);
  if (!settings?.[SETTINGS_COPY]) return 'unchanged';
  const member = !leaving && operator?.status === 'online';
  const slot = typeof operator?.randomSlot === 'number' ? operator.randomSlot : null;
  if (member === (slot !== null)) return 'unchanged';
  const count = randomSlotsOf(settings);
  if (member) return (await join(ctx, siteId, operatorId, count)) ? 'joined' : 'lost';
  return (await leave(ctx, siteId, operatorId, slot!, count, leaving)) ? 'left' : 'lost';
}
