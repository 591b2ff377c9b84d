import { describe, expect, it } from 'vitest';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { listOperators, setOperatorStatus } from '../../lib/engine/operators.js';
import { createSite, updateSettings } from '../../lib/engine/sites.js';
import { widgetView } from '../../lib/engine/widget.js';
import type { RequestTotals } from '../../lib/store/dynamo/request-meter.js';
import { addOnlineOperators, inBatches } from '../support/bulk.js';
import { chatFor, siteWithOperators } from '../support/fixtures.js';
import { testEngine, type TestEngine } from '../support/engine.js';

const QUEUE_CHAT_START = { QueryCommand: 1, TransactWriteItemsCommand: 1 };

/** Starts one queue chat and returns what it cost. */
async function meteredChatStart(engine: TestEngine, deps: EngineDeps, siteId: string) {
  engine.meter.reset();
  const result = await chatFor(deps, siteId);
  return { result, cost: engine.meter.snapshot() };
}

/**
 * A site with `count` online operators in steady state: every operator has had one chat (given
 * by visitor choice, which targets each operator without contention), so the queue head holds
 * operators like any other.
 */
async function steadySite(engine: TestEngine, count: number) {
  const deps = { ...engine.deps, clock: engine.clock.ticking };
  const { siteId } = await createSite(deps, { name: `Steady ${count}` });
  await updateSettings(deps, siteId, { allowVisitorChoice: true, heartbeatTimeoutSeconds: 3600 });
  const ids = Array.from({ length: count }, (_, i) => `op${i}`);
  await addOnlineOperators(deps, siteId, ids);
  await inBatches(ids, 50, async (operatorId) => {
    const { chat } = await chatFor(deps, siteId, { operatorId });
    expect(chat.operatorId).toBe(operatorId);
  });
  return { deps, siteId };
}

describe('DynamoDB requests per chat start', () => {
  it('an uncontended queue chat start on a site with 10 online operators makes exactly 2 requests: Query and TransactWriteItems', async () => {
    const engine = testEngine();
    const deps = { ...engine.deps, clock: engine.clock.ticking };
    const { siteId } = await siteWithOperators(deps, 10);

    for (let i = 0; i < 12; i += 1) {
      const { result, cost } = await meteredChatStart(engine, deps, siteId);
      expect(result.chat.status).toBe('assigned');
      expect(cost.requests).toBe(2);
      expect(cost.byCommand).toEqual(QUEUE_CHAT_START);
    }
  });

  it('with 1,000 operators it is still 2 requests, and reads as much capacity as with 10', async () => {
    const small = testEngine();
    const large = testEngine();
    const [ten, thousand] = await Promise.all([steadySite(small, 10), steadySite(large, 1000)]);

    const costs: Record<'ten' | 'thousand', RequestTotals[]> = { ten: [], thousand: [] };
    for (let i = 0; i < 3; i += 1) {
      for (const [key, engine, site] of [['ten', small, ten], ['thousand', large, thousand]] as const) {
        const { result, cost } = await meteredChatStart(engine, site.deps, site.siteId);
        expect(result.chat).toMatchObject({ status: 'assigned', assignedBy: 'queue' });
        expect(cost.requests).toBe(2);
        expect(cost.byCommand).toEqual(QUEUE_CHAT_START);
        costs[key].push(cost);
      }
    }
    // The queue still works at that size: the chats went to the operators assigned longest ago.
    const operators = await listOperators(large.deps, thousand.siteId);
    expect(operators.filter((operator) => operator.assigned === 2)).toHaveLength(3);

    expect(costs.ten[0]!.readCapacity).toBeGreaterThan(0);
    for (let i = 0; i < 3; i += 1) {
      expect(costs.thousand[i]!.readCapacity).toBe(costs.ten[i]!.readCapacity);
      expect(costs.thousand[i]!.readCapacity).toBe(costs.ten[0]!.readCapacity);
    }
  });

  it('with the queue off, a chat start with nobody available makes 2 requests: Query, and the chat written with the visitor limit checked', async () => {
    const engine = testEngine();
    const { deps } = engine;
    const { siteId } = await siteWithOperators(deps, 3, { settings: { queueEnabled: false } });
    await setOperatorStatus(deps, siteId, 'op1', 'away');
    await setOperatorStatus(deps, siteId, 'op2', 'offline');
    await setOperatorStatus(deps, siteId, 'op3', 'offline');

    const { result, cost } = await meteredChatStart(engine, deps, siteId);
    expect(result.chat.status).toBe('unassigned');
    expect(cost.requests).toBe(2);
    expect(cost.byCommand).toEqual({ QueryCommand: 1, TransactWriteItemsCommand: 1 });
  });

  it('a chat that waits makes 4 requests: the head of the queue, the chat written with its entry, its position, the recent closes', async () => {
    const engine = testEngine();
    const { deps } = engine;
    const { siteId } = await siteWithOperators(deps, 1, { online: false });
    await chatFor(deps, siteId);
    engine.clock.advance(1000);
    const { result, cost } = await meteredChatStart(engine, deps, siteId);
    expect(result.chat.status).toBe('waiting');
    expect(result.queue?.position).toBe(2);
    expect(cost.byCommand).toEqual({ QueryCommand: 3, TransactWriteItemsCommand: 1 });
  });
});

describe('DynamoDB read units of a widget load', () => {
  it('reads the operators eventually consistent: about half of what a consistent read of them costs', async () => {
    const engine = testEngine();
    const deps = { ...engine.deps, clock: engine.clock.ticking };
    const { siteId } = await createSite(deps, { name: 'Widget reads' });
    await addOnlineOperators(deps, siteId, Array.from({ length: 200 }, (_, i) => `op${i}`));
    engine.meter.reset();
    await deps.store.listOperators(siteId);
    const consistent = engine.meter.snapshot().readCapacity;
    engine.meter.reset();
    const view = await widgetView(deps, siteId);
    const widget = engine.meter.snapshot();
    expect(view.operators).toHaveLength(200);
    // The settings and the groups (a unit or two), and the operators at half their consistent cost.
    expect(widget.readCapacity).toBeLessThanOrEqual(consistent / 2 + 3);
    expect(consistent).toBeGreaterThan(10);
  });
});
