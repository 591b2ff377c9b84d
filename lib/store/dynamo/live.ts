import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { Watch } from '../../live/protocol.js';
import {
  connectionItem,
  connectionKey,
  LIVE_KEPT_SECONDS,
  liveSitePk,
  subscriptionFromItem,
  subscriptionItem,
  subscriptionKey,
  watchKey,
  watchOfConnection,
} from '../entities/live.js';
import type { SiteSubscription } from '../port.js';
import { CAPACITY, transact, type DynamoContext } from './context.js';

const expiry = (nowMs: number) => Math.floor(nowMs / 1000) + LIVE_KEPT_SECONDS;

export async function openConnection(ctx: DynamoContext, connectionId: string, nowMs: number): Promise<void> {
  await ctx.doc.send(new PutCommand({ TableName: ctx.tableName, Item: connectionItem(connectionId, nowMs, expiry(nowMs)), ...CAPACITY }));
}

/** The connection now watches `watch` (one watch per connection: a second auth is refused before this). False when the connection is gone. */
export async function subscribe(ctx: DynamoContext, connectionId: string, watch: Watch, nowMs: number): Promise<boolean> {
  const outcome = await transact(ctx, [
    {
      Update: {
        TableName: ctx.tableName,
        Key: connectionKey(connectionId),
        UpdateExpression: 'SET siteId = :siteId, watch = :watch',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(watch)',
        ExpressionAttributeValues: { ':siteId': watch.siteId, ':watch': watchKey(watch) },
      },
    },
    { Put: { TableName: ctx.tableName, Item: subscriptionItem(watch, connectionId, expiry(nowMs)) } },
  ]);
  return outcome.written;
}

/** What the connection watches; undefined when there is no such connection, null when it has not authenticated. */
export async function connectionWatch(ctx: DynamoContext, connectionId: string): Promise<Watch | null | undefined> {
  const { Item } = await ctx.doc.send(new GetCommand({ TableName: ctx.tableName, Key: connectionKey(connectionId), ConsistentRead: true, ...CAPACITY }));
  return Item ? watchOfConnection(Item) : undefined;
}

export async function closeConnection(ctx: DynamoContext, connectionId: string): Promise<void> {
  const { Attributes } = await ctx.doc.send(new DeleteCommand({ TableName: ctx.tableName, Key: connectionKey(connectionId), ReturnValues: 'ALL_OLD', ...CAPACITY }));
  const watch = Attributes ? watchOfConnection(Attributes) : null;
  if (watch) await ctx.doc.send(new DeleteCommand({ TableName: ctx.tableName, Key: subscriptionKey(watch, connectionId), ...CAPACITY }));
}

/** Every connection watching something of the site. */
export async function siteSubscriptions(ctx: DynamoContext, siteId: string): Promise<SiteSubscription[]> {
  const found: SiteSubscription[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page: QueryCommandOutput = await ctx.doc.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': liveSitePk(siteId) },
        ExclusiveStartKey: cursor,
        ...CAPACITY,
      }),
    );
    found.push(...(page.Items ?? []).map(subscriptionFromItem));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return found;
}
