import { allLiveShards } from '../entities/operator.js';
import type { SweepResult } from '../port.js';
import { LIVENESS_INDEX } from '../table.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { settingsKey } from '../entities/site.js';
import { CAPACITY, queryPages, type DynamoContext } from './context.js';
import { OperatorUpdate, writeOperator } from './operator-write.js';

/** The site's heartbeat timeout as its settings say now, in ms (undefined: no such site). */
async function currentTimeoutMs(ctx: DynamoContext, siteId: string): Promise<number | undefined> {
  const { Item } = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: settingsKey(siteId), ProjectionExpression: 'heartbeatTimeoutSeconds', ...CAPACITY }),
  );
  return typeof Item?.heartbeatTimeoutSeconds === 'number' ? Item.heartbeatTimeoutSeconds * 1000 : undefined;
}

/**
 * Reads, in each liveness shard, only the operators whose heartbeat is older than their site's
 * timeout (stale time strictly passed), and sets each
 * offline on the condition that it is still stale: a heartbeat that lands first moves the stale
 * time forward and wins. Running it twice finds nothing the second time. The stale time is the
 * operator's copy of the timeout; while a raised timeout is still reaching the copies, the
 * condition also holds the heartbeat to the site's timeout as it is now.
 */
export async function sweepStaleOperators(ctx: DynamoContext, nowMs: number): Promise<SweepResult> {
  const result: SweepResult = { itemsRead: 0, markedOffline: 0 };
  const timeouts = new Map<string, Promise<number | undefined>>();
  const timeoutOf = (siteId: string) => {
    if (!timeouts.has(siteId)) timeouts.set(siteId, currentTimeoutMs(ctx, siteId));
    return timeouts.get(siteId)!;
  };
  for (const shard of allLiveShards()) {
    const stalePages = queryPages(ctx, {
      IndexName: LIVENESS_INDEX.indexName,
      KeyConditionExpression: 'liveShard = :shard AND staleAt < :now',
      ExpressionAttributeValues: { ':shard': shard, ':now': nowMs },
      ProjectionExpression: 'siteId, operatorId, groups',
    });
    for await (const page of stalePages) {
      result.itemsRead += page.ScannedCount ?? 0;
      for (const item of page.Items ?? []) {
        const timeoutMs = await timeoutOf(String(item.siteId));
        const current = timeoutMs === undefined ? {} : { expression: ' AND heartbeatAtMs < :cutoff', values: { ':cutoff': nowMs - timeoutMs } };
        const marked = await writeOperator(ctx, {
          siteId: String(item.siteId),
          operatorId: String(item.operatorId),
          // If its groups changed since the index showed them, the next sweep has the new ones.
          groups: (item.groups as string[] | undefined) ?? [],
          update: new OperatorUpdate()
            .setExpression('#status = :offline', { ':offline': 'offline' }, 'same', { '#status': 'status' })
            .setExpression('version = version + :one', { ':one': 1 })
            .remove('liveShard')
            .queue(String(item.siteId), false),
          condition: {
            expression: `attribute_exists(liveShard) AND staleAt < :now${current.expression ?? ''}`,
            values: { ':now': nowMs, ...current.values },
          },
        });
        if (marked) result.markedOffline += 1;
      }
    }
  }
  return result;
}
