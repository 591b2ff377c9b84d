import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface RequestTotals {
  requests: number;
  byCommand: Record<string, number>;
  /** Consumed capacity units as DynamoDB reports them, reads and writes apart. */
  readCapacity: number;
  writeCapacity: number;
  /** Items a read looked at: a Query's or Scan's scanned count, a GetItem's item. */
  itemsRead: number;
}

const READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);

/**
 * Counts every request the client sends and the capacity DynamoDB says it consumed (failed
 * conditional writes included). For the benchmarks and request-count tests.
 */
export function meterRequests(doc: DynamoDBDocumentClient) {
  const totals: RequestTotals = { requests: 0, byCommand: {}, readCapacity: 0, writeCapacity: 0, itemsRead: 0 };
  const count = (commandName: string, capacity: unknown) => {
    const units = (Array.isArray(capacity) ? capacity : capacity ? [capacity] : []).reduce(
      (sum: number, entry: { CapacityUnits?: number }) => sum + (entry.CapacityUnits ?? 0),
      0,
    );
    if (READS.has(commandName)) totals.readCapacity += units;
    else totals.writeCapacity += units;
  };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const commandName = context.commandName ?? 'unknown';
      totals.requests += 1;
      totals.byCommand[commandName] = (totals.byCommand[commandName] ?? 0) + 1;
      // A failed conditional write throws, and DynamoDB reports no capacity for it: it is counted as a request only.
      const result = await next(args);
      const output = result.output as { ConsumedCapacity?: unknown; ScannedCount?: number; Item?: unknown };
      count(commandName, output.ConsumedCapacity);
      totals.itemsRead += output.ScannedCount ?? (output.Item ? 1 : 0);
      return result;
    },
    { step: 'initialize', name: 'requestMeter' },
  );
  return {
    totals,
    reset() {
      Object.assign(totals, { requests: 0, byCommand: {}, readCapacity: 0, writeCapacity: 0, itemsRead: 0 });
    },
    snapshot(): RequestTotals {
      return { ...totals, byCommand: { ...totals.byCommand } };
    },
  };
}
