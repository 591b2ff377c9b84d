/**
 * Statistics at scale: a 30-day report on a site with a thousand chats and on one with a million.
 * The counters are what a million chat writes leave behind: every chat's contribution (the same
 * function the writes apply in their transactions, test/engine/stat-counters.test.ts checks they
 * agree) folded into per-day rows and written as the counter items. The chat items themselves
 * are not written: a report of whole days never reads them (test/store/retention.test.ts).
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AssignedBy } from '../lib/domain/distribution/index.js';
import { countersOf, type CountedChat } from '../lib/domain/stat-counters.js';
import { createSite } from '../lib/engine/sites.js';
import { siteStats } from '../lib/engine/stats.js';
import { upsertOperator } from '../lib/engine/operators.js';
import { counterSk, STAT_COUNTER, statsPk } from '../lib/store/entities/stat-counter.js';
import type { Harness } from './engine-bench.js';

const DAY_MS = 86_400_000;
const OPERATORS = 20;
const DAYS = 30;
const METHODS: AssignedBy[] = ['queue', 'queue', 'queue', 'random', 'default', 'visitor', 'returning', 'transfer'];

/** `count` chats spread over the 30 days before `endMs`: mostly assigned (by several rules, waits up to minutes), some unassigned or missed. */
function* chats(count: number, endMs: number): Generator<CountedChat> {
  for (let i = 0; i < count; i += 1) {
    const createdMs = endMs - DAYS * DAY_MS + Math.floor((i / count) * DAYS * DAY_MS);
    const unassigned = i % 17 === 0;
    yield {
      createdAt: new Date(createdMs).toISOString(),
      status: unassigned ? 'unassigned' : 'closed',
      operatorId: unassigned ? null : `op${(i % OPERATORS) + 1}`,
      assignedBy: unassigned ? null : METHODS[i % METHODS.length]!,
      assignedAt: unassigned ? null : new Date(createdMs + (i % 9 === 0 ? (i % 300) * 1000 : i % 7)).toISOString(),
      missedBy: i % 23 === 0 ? [`op${((i + 1) % OPERATORS) + 1}`] : [],
    };
  }
}

async function seededSite(h: Harness, chatCount: number, endMs: number) {
  const { siteId } = await createSite(h.deps, { name: `Stats bench, ${chatCount} chats` });
  for (let i = 1; i <= OPERATORS; i += 1) await upsertOperator(h.deps, siteId, `op${i}`, { name: `Operator ${i}`, maxChats: null });
  const items = [...countersOf(chats(chatCount, endMs))].map(([key, counts]) => ({
    pk: statsPk(siteId),
    sk: counterSk(key, '0'),
    type: STAT_COUNTER.type,
    ...counts,
  }));
  for (let start = 0; start < items.length; start += 25) {
    const batch = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    await h.doc.send(new BatchWriteCommand({ RequestItems: { [h.tableName]: batch } }));
  }
  return { siteId, counterItems: items.length };
}

/** Items read, read units and requests of a 30-day report, for 1,000 and for 1,000,000 chats in the period. */
export async function statsAtScale(h: Harness) {
  // The 30 whole UTC days before today.
  const endMs = Date.parse(new Date().toISOString().slice(0, 10));
  const figures: Record<string, number> = {};
  for (const [label, count] of [['1000', 1000], ['1M', 1_000_000]] as const) {
    const { siteId, counterItems } = await seededSite(h, count, endMs);
    h.meter.reset();
    const report = await siteStats(h.deps, siteId, { from: new Date(endMs - DAYS * DAY_MS), to: new Date(endMs - 1) });
    const totals = h.meter.snapshot();
    const counted = report.operators.reduce((sum, operator) => sum + operator.assigned, 0) + report.unassigned;
    if (counted !== count) throw new Error(`the report counts ${counted} chats of ${count}`);
    figures[`statsItemsRead30Days${label}`] = totals.itemsRead;
    figures[`statsReadUnits30Days${label}`] = totals.readCapacity;
    figures[`statsRequests30Days${label}`] = totals.requests;
    figures[`statsCounterItems${label}`] = counterItems;
  }
  figures.statsItemsRead30Days = figures.statsItemsRead30Days1M!;
  return figures;
}
