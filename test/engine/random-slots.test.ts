import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { STALE_GRACE_MS } from '../../lib/domain/availability.js';
import type { OperatorStatus } from '../../lib/domain/model.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { deleteOperator, setOperatorStatus, upsertOperator } from '../../lib/engine/operators.js';
import { createSite, updateSettings } from '../../lib/engine/sites.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { operatorKey } from '../../lib/store/entities/operator.js';
import { RANDOM_SLOT_SK_PREFIX } from '../../lib/store/entities/random-slot.js';
import { settingsKey, sitePk } from '../../lib/store/entities/site.js';
import { addOnlineOperators, inBatches } from '../support/bulk.js';
import { CHI2_DF4_LOWER_P00001, CHI2_DF4_UPPER_P00001, chiSquareUniform } from '../support/domain.js';
import { countBy, operatorIds, siteWithOperators } from '../support/fixtures.js';
import { seededRandom, testDocumentClient, testEngine, type TestEngine } from '../support/engine.js';

const doc = testDocumentClient();

/** The slots as stored: the count, each slot's operator, and each operator's mark. */
async function slotsOf(engine: TestEngine, siteId: string) {
  const { Items = [] } = await doc.send(
    new QueryCommand({ TableName: engine.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': sitePk(siteId) }, ConsistentRead: true }),
  );
  const settings = Items.find((item) => item.sk === settingsKey(siteId).sk)!;
  const slots = new Map(Items.filter((item) => String(item.sk).startsWith(RANDOM_SLOT_SK_PREFIX)).map((item) => [Number(String(item.sk).slice(RANDOM_SLOT_SK_PREFIX.length)), String(item.operatorId)]));
  const operators = Items.filter((item) => String(item.sk).startsWith('OP#'));
  return {
    count: (settings.settingsCopy as { randomSlots?: number }).randomSlots ?? 0,
    slots,
    marks: new Map(operators.filter((item) => item.randomSlot !== undefined).map((item) => [String(item.operatorId), Number(item.randomSlot)])),
    online: operators.filter((item) => item.status === 'online').map((item) => String(item.operatorId)).sort(),
  };
}

/** Slots 0 … n-1, one per online operator, each operator marked with its own: nothing more. */
async function expectDenseSlots(engine: TestEngine, siteId: string) {
  const { count, slots, marks, online } = await slotsOf(engine, siteId);
  expect(count).toBe(online.length);
  expect([...slots.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
  expect([...slots.values()].sort()).toEqual(online);
  for (const [slot, operatorId] of slots) expect(marks.get(operatorId)).toBe(slot);
  expect(marks.size).toBe(count);
}

async function randomSite(deps: EngineDeps, count: number, maxChats: number | null = null) {
  const { siteId } = await createSite(deps, { name: 'Random site' });
  await updateSettings(deps, siteId, { distribution: 'random', heartbeatTimeoutSeconds: 3600 });
  const ids = operatorIds(count);
  for (const id of ids) await upsertOperator(deps, siteId, id, { name: id, maxChats });
  return { siteId, ids };
}

describe('random mode slots', () => {
  it('stay dense, one per online operator, through concurrent status changes and deletes', async () => {
    const engine = testEngine({ random: seededRandom(7) });
    const { deps } = engine;
    const { siteId, ids } = await randomSite(deps, 12);
    const random = seededRandom(99);
    const statuses: OperatorStatus[] = ['online', 'away', 'offline'];
    for (let round = 0; round < 4; round += 1) {
      await Promise.all(ids.map((id) => setOperatorStatus(deps, siteId, id, statuses[Math.floor(random() * 3)]!)));
      await expectDenseSlots(engine, siteId);
    }
    await Promise.all(ids.map((id) => setOperatorStatus(deps, siteId, id, 'online')));
    await expectDenseSlots(engine, siteId);
    // Deleting online operators gives their slots back; the others move into them.
    await Promise.all(ids.slice(0, 5).map((id) => deleteOperator(deps, siteId, id)));
    await expectDenseSlots(engine, siteId);
    expect((await slotsOf(engine, siteId)).count).toBe(7);
  });

  it('a chat start on 1,000 online operators reads at most 2 read units: the queue head, one slot, one operator', async () => {
    const engine = testEngine();
    const deps = { ...engine.deps, clock: engine.clock.ticking };
    const { siteId } = await createSite(deps, { name: 'Random, 1,000' });
    await updateSettings(deps, siteId, { distribution: 'random', heartbeatTimeoutSeconds: 3600 });
    await addOnlineOperators(deps, siteId, operatorIds(1000), { randomSlots: true });
    await expectDenseSlots(engine, siteId);
    for (let i = 0; i < 10; i += 1) {
      engine.meter.reset();
      const { chat } = await startChat(deps, siteId, { visitorId: `v${i}`, clientType: 'regular' });
      const cost = engine.meter.snapshot();
      expect(chat.status).toBe('assigned');
      expect(chat.assignedBy).toBe('random');
      expect(cost.readCapacity).toBeLessThanOrEqual(2);
      expect(cost.byCommand).toEqual({ QueryCommand: 1, GetItemCommand: 2, TransactWriteItemsCommand: 1 });
    }
  });

  it('picks uniformly among the available: never an away, full or stale operator', async () => {
    const engine = testEngine({ random: seededRandom(20261203) });
    const { deps, clock } = engine;
    const { siteId, ids } = await siteWithOperators(deps, 8, { settings: { distribution: 'random', heartbeatTimeoutSeconds: 60, allowVisitorChoice: true } });
    const [away, full, stale, ...available] = ids as [string, string, string, ...string[]];
    await setOperatorStatus(deps, siteId, away, 'away');
    await upsertOperator(deps, siteId, full, { name: full, maxChats: 1 });
    expect((await startChat(deps, siteId, { visitorId: 'fills', clientType: 'regular', operatorId: full })).chat.operatorId).toBe(full);
    // Past the stale one's timeout and grace, the others beating: a claim's check sets it offline, its slot still held.
    clock.advance(60_000 + STALE_GRACE_MS + 1_000);
    await Promise.all(ids.filter((id) => id !== stale).map((id) => deps.store.recordHeartbeat(siteId, id, clock.now())));
    const staleOperator = (await deps.store.getOperator(siteId, stale))!.operator;
    expect(await deps.store.setOfflineIfStale(staleOperator, clock.now() - 60_000 - STALE_GRACE_MS)).toBe(true);
    expect((await slotsOf(engine, siteId)).marks.has(stale)).toBe(true);

    const results = await inBatches(Array.from({ length: 1500 }, (_, i) => i), 10, (i) => startChat(deps, siteId, { visitorId: `u${i}`, clientType: 'regular' }));
    const counts = countBy(results, (result) => result.chat.operatorId);
    expect([...counts.keys()].sort()).toEqual([...available].sort());
    const statistic = chiSquareUniform(available.map((id) => counts.get(id) ?? 0));
    expect(statistic).toBeLessThan(CHI2_DF4_UPPER_P00001);
    expect(statistic).toBeGreaterThan(CHI2_DF4_LOWER_P00001);
    // The pick that drew the stale operator gave its slot back.
    expect((await slotsOf(engine, siteId)).marks.has(stale)).toBe(false);
    await expectDenseSlots(engine, siteId);
  });

  it('an available operator without a slot is still found: after three misses the pick reads every operator', async () => {
    const engine = testEngine();
    const { deps, clock } = engine;
    const { siteId, ids } = await siteWithOperators(deps, 4, { settings: { distribution: 'random', heartbeatTimeoutSeconds: 3600 } });
    const [lone, ...others] = ids as [string, ...string[]];
    // The others away as written by the store alone (their slots kept); the lone one online without a slot.
    for (const id of others) {
      const record = (await deps.store.getOperator(siteId, id))!;
      expect(await deps.store.setStatus(record, { status: 'away', turn: 0, nowMs: clock.now(), checkAtMs: clock.now() + 60_000 })).toBe(true);
    }
    await doc.send(new UpdateCommand({ TableName: engine.tableName, Key: operatorKey(siteId, lone), UpdateExpression: 'REMOVE randomSlot' }));
    for (let i = 0; i < 5; i += 1) {
      const { chat } = await startChat(deps, siteId, { visitorId: `w${i}`, clientType: 'regular' });
      expect(chat.operatorId).toBe(lone);
    }
  });
});
