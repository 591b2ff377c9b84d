import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { allLiveShards } from '../entities/operator.js';
import type { SweepResult } from '../port.js';
import { LIVENESS_INDEX } from '../table.js';
import { CAPACITY, queryPages, type DynamoContext } from './context.js';
import { conditionally } from './operators.js';

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
      ProjectionExpression: 'pk, sk',
    });
    for await (const page of stalePages) {
      result.itemsRead += page.ScannedCount ?? 0;
      for (const key of page.Items ?? []) {
        const marked = await conditionally(() =>
          ctx.doc.send(
            new UpdateCommand({
              TableName: ctx.tableName,
              Key: { pk: key.pk, sk: key.sk },
              UpdateExpression: 'SET #status = :offline, version = version + :one REMOVE liveShard, queuePk',
              ConditionExpression: 'attribute_exists(liveShard) AND staleAt < :now',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':offline': 'offline', ':one': 1, ':now': nowMs },
              ...CAPACITY,
            }),
          ),
        );
        if (marked) result.markedOffline += 1;
      }
    }
  }
  return result;
}
