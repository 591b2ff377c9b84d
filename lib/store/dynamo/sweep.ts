import { allLiveShards } from '../entities/operator.js';
import type { SweepResult } from '../port.js';
import { LIVENESS_INDEX } from '../table.js';
import { queryPages, type DynamoContext } from './context.js';
import { OperatorUpdate, writeOperator } from './operator-write.js';

/**
 * Reads, in each liveness shard, only the operators whose heartbeat is older than their site's
 * timeout (stale time strictly passed), and sets each
 * offline on the condition that it is still stale: a heartbeat that lands first moves the stale
 * time forward and wins. Running it twice finds nothing the second time.
 */
export async function sweepStaleOperators(ctx: DynamoContext, nowMs: number): Promise<SweepResult> {
  const result: SweepResult = { itemsRead: 0, markedOffline: 0 };
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
          condition: { expression: 'attribute_exists(liveShard) AND staleAt < :now', values: { ':now': nowMs } },
        });
        if (marked) result.markedOffline += 1;
      }
    }
  }
  return result;
}
