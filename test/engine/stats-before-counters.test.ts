import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { timeOrderedIdFloor } from '../../lib/domain/ids.js';
import { chatStats } from '../../lib/domain/stats.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { closeChat, requireChat } from '../../lib/engine/chats.js';
import { setOperatorStatus } from '../../lib/engine/operators.js';
import { transferChatFor } from '../../lib/engine/reassign.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { siteStats } from '../../lib/engine/stats.js';
import { settingsKey } from '../../lib/store/entities/site.js';
import { statsPk } from '../../lib/store/entities/stat-counter.js';
import { T0, testDocumentClient, testEngine } from '../support/engine.js';
import { siteWithOperators } from '../support/fixtures.js';

/**
 * A site whose chats began before the statistics' counters (a stack deployed over an older one):
 * its first report marks the day after as the first one the counters hold whole, reads the days
 * before from their chats, and the rest from the counters; a site created with the counters
 * never reads its chats for whole days.
 */

const DAY = 86_400_000;
const doc = testDocumentClient();

/** What an older version left: the site without its mark, and no counters for any of its chats. */
async function asBeforeTheCounters(tableName: string, siteId: string) {
  await doc.send(new UpdateCommand({ TableName: tableName, Key: settingsKey(siteId), UpdateExpression: 'REMOVE countedFrom' }));
  const { Items = [] } = await doc.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': statsPk(siteId) } }));
  await Promise.all(Items.map((item) => doc.send(new DeleteCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk } }))));
}

async function onlineAll(deps: EngineDeps, siteId: string, ids: readonly string[]) {
  for (const id of ids) await setOperatorStatus(deps, siteId, id, 'online');
}

const visitors = (count: number, tag: string) => Array.from({ length: count }, (_, index) => `${tag}-${index}`);

describe('statistics of a site from before the counters', () => {
  it('are exact: the days before the mark from their chats, even with chats changed since; the rest from the counters', async () => {
    const engine = testEngine();
    const { deps, clock, meter, tableName } = engine;
    const { siteId, ids } = await siteWithOperators(deps, 2);
    const listAll = () => deps.store.listChats(siteId, { fromId: timeOrderedIdFloor(0), toId: timeOrderedIdFloor(T0 + 30 * DAY) });

    // Two days of history (chats assigned, one closed) under the older version.
    for (const day of [-2, -1]) {
      clock.set(T0 + day * DAY);
      await onlineAll(deps, siteId, ids);
      for (const visitorId of visitors(3, `old${day}`)) await startChat(deps, siteId, { visitorId, clientType: 'regular' });
    }
    const [firstOld] = await listAll();
    await closeChat(deps, await requireChat(deps, siteId, firstOld!.id));
    await asBeforeTheCounters(tableName, siteId);

    // The new version runs; the first report marks the site with the next day.
    clock.set(T0);
    await onlineAll(deps, siteId, ids);
    const period = { from: new Date(T0 - 5 * DAY), to: new Date(T0 + 5 * DAY) };
    meter.reset();
    const first = await siteStats(deps, siteId, period);
    expect(meter.snapshot().byCommand.UpdateItemCommand).toBe(1);
    expect((await deps.store.getSite(siteId))?.countedFrom).toBe('2026-11-25');
    const operatorIds = ids as string[];
    const days = Array.from({ length: 11 }, (_, index) => new Date(T0 + (index - 5) * DAY).toISOString().slice(0, 10));
    const { waiting: _w1, ...firstReport } = first;
    expect(firstReport).toEqual(chatStats(await listAll(), operatorIds, days));
    expect(firstReport.operators.reduce((sum, operator) => sum + operator.assigned, 0)).toBe(6);

    // An old chat transferred now: its change adds to counters of its old day, which no report reads.
    const open = (await listAll()).filter((chat) => chat.status === 'assigned');
    const moved = open[0]!;
    const target = ids.find((id) => id !== moved.operatorId)!;
    await transferChatFor(deps, siteId, moved.id, { role: 'admin', siteId }, { operatorId: target });
    // Chats today (before the mark's day: read from their chats) and on the days after (counted).
    for (const visitorId of visitors(2, 'today')) await startChat(deps, siteId, { visitorId, clientType: 'regular' });
    for (const day of [1, 2]) {
      clock.set(T0 + day * DAY);
      await onlineAll(deps, siteId, ids);
      for (const visitorId of visitors(6, `new${day}`)) await startChat(deps, siteId, { visitorId, clientType: 'regular' });
    }

    const chats = await listAll();
    expect(chats.find((chat) => chat.id === moved.id)?.assignedBy).toBe('transfer');
    const { waiting: _w2, ...report } = await siteStats(deps, siteId, period);
    expect(report).toEqual(chatStats(chats, operatorIds, days));
    const { waiting: _w3, ...allTime } = await siteStats(deps, siteId, {});
    expect(allTime.operators).toEqual(report.operators);
    expect(allTime.days.map((day) => day.date)).toEqual(days.slice(3, 8));

    // The counted days read counters, not their 12 chats: the settings, 2 operators, at most 2 rows a day.
    meter.reset();
    const counted = await siteStats(deps, siteId, { from: new Date('2026-11-25T00:00:00.000Z'), to: new Date('2026-11-26T23:59:59.999Z') });
    expect(counted.operators.reduce((sum, operator) => sum + operator.assigned, 0)).toBe(12);
    expect(meter.snapshot().itemsRead).toBeLessThanOrEqual(1 + 2 + 4);
    expect(meter.snapshot().byCommand.UpdateItemCommand ?? 0).toBe(0);
  });

  it('two first reports at once mark the site once, and agree', async () => {
    const { deps, clock, tableName } = testEngine();
    const { siteId, ids } = await siteWithOperators(deps, 2);
    clock.set(T0 - DAY);
    await onlineAll(deps, siteId, ids);
    for (const visitorId of visitors(4, 'old')) await startChat(deps, siteId, { visitorId, clientType: 'regular' });
    await asBeforeTheCounters(tableName, siteId);

    clock.set(T0);
    const [one, two] = await Promise.all([siteStats(deps, siteId, {}), siteStats(deps, siteId, {})]);
    expect(one).toEqual(two);
    expect(one.operators.reduce((sum, operator) => sum + operator.assigned, 0)).toBe(4);
    expect((await deps.store.getSite(siteId))?.countedFrom).toBe('2026-11-25');
  });

  it('a site created with the counters is counted from the start and never marked', async () => {
    const { deps, meter } = testEngine();
    const { siteId } = await siteWithOperators(deps, 1);
    await startChat(deps, siteId, { visitorId: 'v', clientType: 'regular' });
    expect((await deps.store.getSite(siteId))?.countedFrom).toBe('1970-01-01');
    meter.reset();
    const report = await siteStats(deps, siteId, { from: new Date(T0 - 30 * DAY) });
    expect(report.operators[0]?.assigned).toBe(1);
    expect(meter.snapshot().byCommand.UpdateItemCommand ?? 0).toBe(0);
  });
});
