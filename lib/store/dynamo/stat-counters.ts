import { counterDeltas, mergeCounts, type CounterRows, type CountedChat, type Counts } from '../../domain/stat-counters.js';
import { counterSk, countsOfItem, rowOfSk, STAT_COUNTER, statsPk } from '../entities/stat-counter.js';
import { queryPages, type DynamoContext } from './context.js';

/** A chat as it was (null: new) and as a write makes it; `chatId` spreads the no-operator row. */
export interface ChatChange {
  chatId: string;
  before: CountedChat | null;
  after: CountedChat;
}

/**
 * The counter updates a write of chats adds to its transaction (placed last, so that the
 * indexes of the items with conditions stay as they were): one ADD per counter item, with what
 * all the changes add to it; none when nothing counted changes (a close, an accept).
 */
export function counterUpdates(ctx: DynamoContext, siteId: string, changes: readonly ChatChange[]) {
  const bySk = new Map<string, Counts>();
  for (const { chatId, before, after } of changes) {
    for (const [key, counts] of counterDeltas(before, after)) {
      const sk = counterSk(key, chatId);
      const into = bySk.get(sk) ?? {};
      mergeCounts(into, counts);
      bySk.set(sk, into);
    }
  }
  const updates = [];
  for (const [sk, counts] of bySk) {
    const entries = Object.entries(counts).filter(([, value]) => value !== 0);
    if (entries.length === 0) continue;
    updates.push({
      Update: {
        TableName: ctx.tableName,
        Key: { pk: statsPk(siteId), sk },
        UpdateExpression: `SET #type = :type ADD ${entries.map((_, index) => `#c${index} :c${index}`).join(', ')}`,
        ExpressionAttributeNames: { '#type': 'type', ...Object.fromEntries(entries.map(([name], index) => [`#c${index}`, name])) },
        ExpressionAttributeValues: { ':type': STAT_COUNTER.type, ...Object.fromEntries(entries.map(([, value], index) => [`:c${index}`, value])) },
      },
    });
  }
  return updates;
}

/** The counters of the UTC days `fromDay` to `toDay` (both inclusive, YYYY-MM-DD): one Query, paged. */
export async function readCounters(ctx: DynamoContext, siteId: string, fromDay: string, toDay: string): Promise<CounterRows> {
  const rows: CounterRows = new Map();
  const pages = queryPages(ctx, {
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    // Sort keys start with the day and `#`; `$` sorts after `#` and before any later day.
    ExpressionAttributeValues: { ':pk': statsPk(siteId), ':from': fromDay, ':to': `${toDay}$` },
  });
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const key = rowOfSk(String(item.sk));
      const into = rows.get(key) ?? {};
      mergeCounts(into, countsOfItem(item));
      rows.set(key, into);
    }
  }
  return rows;
}
